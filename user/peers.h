/* SPDX-License-Identifier: GPL-2.0 */
/*
 * peers.h - peer groups: the operator's names for address prefixes
 * (carriers, SBC realms, sites), read from a file of `NAME PREFIX...`
 * lines; longest prefix wins, and an address in no group is "other".  The
 * names become Prometheus label values, so they are few (PEERS_MAX_GROUPS)
 * and of a safe alphabet, checked when the file is read.
 *
 * Which end of a call is the peer: this host's own addresses (those of its
 * interfaces, read when the groups are loaded) are never the far end.
 */
#ifndef SIPXDP_PEERS_H
#define SIPXDP_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipxdp.h"

#define PEERS_MAX_GROUPS	64
#define PEERS_MAX_PREFIXES	65536
#define PEERS_NAME_MAX		32	/* characters, NUL not included */
#define PEERS_MAX_LOCAL		64
#define PEER_OTHER		"other"

struct peer_node;		/* a prefix: peers.c */

struct peers {
	unsigned int ngroups;
	char names[PEERS_MAX_GROUPS][PEERS_NAME_MAX + 1];
	size_t nprefixes;
	struct peer_node *prefixes;	/* longest first, one array */
	struct peer_node *table;	/* the same, hashed by (net, len) */
	unsigned int nlens;
	uint8_t lens[129];		/* the lengths present, longest first */
	unsigned int nlocal;
	struct sipxdp_addr local[PEERS_MAX_LOCAL];	/* this host's addresses */
};

/*
 * Read the groups of path into p (empty on entry).  0, or -errno / -EINVAL
 * with one line "PATH:LINE: why" in err.  Nothing is kept on failure.
 */
int peers_load(struct peers *p, const char *path, char *err, size_t errlen);
/* Parse from memory, for the tests and the fuzzer (name names the source in err). */
int peers_parse(struct peers *p, const char *text, size_t len, const char *name, char *err, size_t errlen);
void peers_free(struct peers *p);

/* This host's own addresses (getifaddrs); an address added by hand for the tests. */
void peers_read_local(struct peers *p);
void peers_add_local(struct peers *p, const struct sipxdp_addr *a);
bool peers_is_local(const struct peers *p, const struct sipxdp_addr *a);

/* The group of an address: its name, or PEER_OTHER.  p may be NULL (no file: everything is other). */
const char *peers_group(const struct peers *p, const struct sipxdp_addr *a);

/*
 * The far end of a message or call from src to dst: an end that is this
 * host's is not it; of two remote ends, src when it is in a group, else
 * dst.  *from_src says which it was (true: the peer sent it).
 */
const char *peers_far(const struct peers *p, const struct sipxdp_addr *src, const struct sipxdp_addr *dst,
		      bool *from_src);

#endif /* SIPXDP_PEERS_H */
