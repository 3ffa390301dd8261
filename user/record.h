/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - one JSON object per line for each call (--calls-json): the
 * dialog's outcome and times, the DTMF digits, and each stream's figures.
 * The only user of jansson.  See README "Call records" for the schema.
 */
#ifndef SIPXDP_RECORD_H
#define SIPXDP_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "dialog.h"

struct record_writer {
	FILE *f;
	int64_t unix_offset_ns;		/* event clock + offset = Unix time */
	uint64_t written;
	uint64_t failed;		/* records that could not be built or written */
};

/*
 * Write call's record, now being the event clock (the end of a call still
 * open).  Buffered: a full table evicting thousands of calls a second must
 * not wait on the disk once per call; record_flush() writes them out, once
 * per output interval and at exit.
 */
void record_write(struct record_writer *w, const struct call *call, uint64_t now);
void record_flush(struct record_writer *w);

/*
 * Where the records stand once flushed, for a state file: the file's
 * device, inode and size.  0, or -errno (no file: -ENOENT).
 */
int record_position(struct record_writer *w, uint64_t *dev, uint64_t *ino, uint64_t *size);
/*
 * After a SIGKILL: the Call-ID of every record written past off in the
 * file that was dev and ino (at path, or path.1 once logrotate moved it),
 * to cb.  How many, or -errno; 0 when that file is not there any more.
 */
int record_ids_after(const char *path, uint64_t dev, uint64_t ino, uint64_t off,
		     void (*cb)(void *ctx, const char *call_id), void *ctx);

#endif /* SIPXDP_RECORD_H */
