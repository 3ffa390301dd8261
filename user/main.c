// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - sipxdp: per-call RTP quality from an XDP observer.
 *
 * Options, then: open and load the program, attach to every interface,
 * poll SIP events until a signal, writing the outputs every interval; on
 * exit write them once more, detach, free in reverse order.  Only main
 * turns -errno into an exit status.
 *
 * The pieces, bottom up: kern.c (the program, behind dataplane.h; or, for
 * --read without the privilege to load it, uxdp.c: the same program run in
 * user space, behind the same header), reasm.c
 * (events to messages), dialog.c over media.c (the calls), record.c (their
 * JSON records), snapshot.c read by prom.c and show.c (the outputs).
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/sysinfo.h>

#include "callmetrics.h"
#include "capture.h"
#include "dialog.h"
#include "hepout.h"
#include "hepsend.h"
#include "http.h"
#include "ifaces.h"
#include "kern.h"
#include "log.h"
#include "media.h"
#include "opts.h"
#include "peers.h"
#include "privs.h"
#include "prom.h"
#include "reasm.h"
#include "record.h"
#include "replay.h"
#include "service.h"
#include "show.h"
#include "snapshot.h"
#include "state.h"
#include "util.h"
#include "uxdp.h"

_Static_assert(REPLAY_MAX_WORKERS + 1 <= UXDP_CPUS, "a CPU slot of the user-space program for every replay thread");

struct agent {
	struct opts o;
	struct kern k;
	struct uxdp u;		/* --read in user space: instead of k */
	bool in_user;
	struct dp *dp;		/* the data plane of k or u */
	struct media media;
	struct dialogs dialogs;
	struct reasm reasm;
	struct record_writer records;
	struct snapshot snap;
	struct ifaces ifs;
	struct capture cap;		/* --read */
	struct replay replay;		/* --read: frames through the program, on several CPUs */
	struct peers peers;		/* --peer-groups, reloaded on SIGHUP */
	struct callmetrics cm;		/* distributions by peer, observed as calls are written out */
	struct http *http;		/* --listen */
	struct hepsend *hepsend;	/* --hep: the collectors' queues and sender; NULL: none */
	struct hepout hep;		/* --hep: what is sent */
	struct privs privs;		/* --user: whom the agent becomes once set up */
	struct service svc;		/* systemd: ready, stopping, watchdog */
	struct agent_view view;		/* what the outputs say of the agent itself */
	uint64_t next_tick;	/* event clock */
	uint64_t interval_ns;
	uint64_t last_ts;	/* offline: time of the newest frame */
	struct hist tick_cost;	/* CLOCK_MONOTONIC seconds each tick took */
	bool started;		/* attached and polling: outputs are due at exit */
	bool ready;		/* the first outputs are written: later failures are warnings */
	/* Restarts (--state-file, --persist): what an earlier agent counted that is not in our structs. */
	char pin_dir[PATH_MAX];		/* --persist: --state-dir/--instance */
	struct dp_health health_base;	/* the kernel's counters of maps that did not outlive it */
	struct reasm_figures reasm_base;
	unsigned int nhep_base;
	struct hep_collector_stats hep_base[HEP_MAX_COLLECTORS];
	uint64_t state_failures;	/* periodic writes of the state file that failed */
	bool calls_ready;		/* the calls are set up (and an earlier agent's put back): a state file may be written */
};

/*
 * At exit, the sender may go on this long for what is queued: a second
 * live (a service manager is waiting), longer after a capture, whose last
 * messages were queued at the speed of reading it.
 */
#define HEP_DRAIN_LIVE_S	1
#define HEP_DRAIN_READ_S	10

static volatile sig_atomic_t stop, reload;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

/* --peer-groups at start: a bad file is a configuration error. */
static int peers_open(struct agent *a)
{
	char err[256];
	int ret;

	if (!a->o.read)
		peers_read_local(&a->peers);
	if (!a->o.peer_groups)
		return 0;
	ret = peers_load(&a->peers, a->o.peer_groups, err, sizeof(err));
	if (ret) {
		pr_err("--peer-groups %s\n", err);
		return ret;
	}
	a->view.peers = true;
	a->view.peers_ok = true;
	a->view.peer_groups = a->peers.ngroups;
	pr_info("%s: %u peer groups, %zu prefixes\n", a->o.peer_groups, a->peers.ngroups, a->peers.nprefixes);
	return 0;
}

/*
 * SIGHUP: the groups read again; a bad file leaves the old ones in place.
 * Counts are kept by label value, so none is lost or counted twice.
 */
static void peers_reload(struct agent *a)
{
	struct peers next = { 0 };
	char err[256];

	if (!a->o.peer_groups)
		return;
	if (peers_load(&next, a->o.peer_groups, err, sizeof(err))) {
		a->view.peers_ok = false;
		a->view.peer_reloads_failed++;
		pr_warn("reload --peer-groups %s; the groups loaded before stay\n", err);
		return;
	}
	peers_read_local(&next);
	peers_free(&a->peers);
	a->peers = next;
	a->view.peers_ok = true;
	a->view.peer_reloads_ok++;
	a->view.peer_groups = a->peers.ngroups;
	pr_info("reloaded %s: %u peer groups, %zu prefixes\n", a->o.peer_groups, a->peers.ngroups,
		a->peers.nprefixes);
}

/*
 * SIGHUP: the record file opened again at its path, for logrotate, which
 * has moved it away.  What was written so far is flushed into the file it
 * was written for first, so each record is in exactly one of the two.  A
 * file that cannot be opened leaves the records going to the old one.
 */
static void records_reopen(struct agent *a)
{
	FILE *f;

	if (!a->records.f)
		return;
	record_flush(&a->records);
	f = fopen(a->o.calls_json, "ae");
	if (!f) {
		a->view.records_reopen_failures++;
		pr_warn("reopen %s: %s; records go on into the file open before\n", a->o.calls_json,
			strerror(errno));
		return;
	}
	fclose(a->records.f);
	a->records.f = f;
	a->view.records_reopens++;
	pr_info("reopened %s\n", a->o.calls_json);
}

static void on_reload(struct agent *a)
{
	reload = 0;
	records_reopen(a);
	peers_reload(a);
}

/*
 * --calls-json, opened before anything is set up.  A file this root
 * process makes for the user it becomes is given to that user, so that a
 * SIGHUP can open it again.
 */
static int records_open(struct agent *a)
{
	struct stat sb;
	bool made;

	if (!a->o.calls_json)
		return 0;
	made = stat(a->o.calls_json, &sb) && errno == ENOENT;
	a->records.f = fopen(a->o.calls_json, "ae");
	if (!a->records.f) {
		pr_err("open %s: %s\n", a->o.calls_json, strerror(errno));
		return -errno;
	}
	if (made && a->privs.change_id && fchown(fileno(a->records.f), a->privs.uid, a->privs.gid))
		pr_warn("give %s to user %s: %s\n", a->o.calls_json, a->privs.user, strerror(errno));
	return 0;
}

/* The text file is renamed into place: its directory must take a new file, and it must not be one. */
static int check_textfile_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (!stat(path, &sb) && S_ISDIR(sb.st_mode)) {
		pr_err("--textfile %s: is a directory (give the file's path in it)\n", path);
		return -EISDIR;
	}
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ?: 1, path);
	if (access(dir, W_OK)) {
		pr_err("--textfile %s: directory %s: %s\n", path, dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Counters a and b, structs of uint64_t only, added into a. */
static void add_u64s(void *a, const void *b, size_t size)
{
	uint64_t *x = a;
	const uint64_t *y = b;
	size_t i;

	for (i = 0; i < size / sizeof(uint64_t); i++)
		x[i] += y[i];
}

_Static_assert(sizeof(struct dp_health) % 8 == 0, "dp_health: counters of uint64_t");

/* What an earlier agent sent to a collector of the same name, added to ours. */
static void hep_add_base(const struct agent *a, struct hep_collector_stats *c, unsigned int n)
{
	unsigned int i, j, k;

	for (i = 0; i < n; i++) {
		for (j = 0; j < a->nhep_base && strcmp(a->hep_base[j].name, c[i].name); j++)
			;
		if (j == a->nhep_base)
			continue;
		c[i].sent += a->hep_base[j].sent;
		c[i].bytes += a->hep_base[j].bytes;
		c[i].writes += a->hep_base[j].writes;
		c[i].reconnects += a->hep_base[j].reconnects;
		for (k = 0; k < HEP_DROP_NR; k++)
			c[i].dropped[k] += a->hep_base[j].dropped[k];
	}
}

/* --- restarts: the state file, the pins ------------------------------ */

static uint64_t clock_ns(clockid_t id);
static unsigned int endpoints_capacity(const struct opts *o);

/* The state file's bytes for the calls as they are now; flags STATE_F_*. */
static int state_write(struct agent *a, uint32_t flags)
{
	struct state_source src = { .d = &a->dialogs, .cm = &a->cm };
	struct state_header *h = &src.h;
	struct state_counters *c = &src.c;
	struct hep_collector_stats hep[HEP_MAX_COLLECTORS];
	uint8_t *buf;
	size_t len;
	unsigned int i;
	int err;

	state_boot_id(h->boot_id);
	h->mono_ns = clock_ns(CLOCK_MONOTONIC);
	h->real_ns = clock_ns(CLOCK_REALTIME);
	h->flags = flags | (a->o.persist ? STATE_F_PERSIST : 0);
	h->map_id = kern_streams_map_id(&a->k);
	if (record_position(&a->records, &h->records_dev, &h->records_ino, &h->records_off))
		h->records_dev = h->records_ino = h->records_off = 0;
	for (i = 0; i < a->o.nr_ifaces && i < DIALOG_MAX_IFACES; i++)
		snprintf(h->ifaces[i], sizeof(h->ifaces[i]), "%s", a->o.ifaces[i]);
	h->nifaces = i;
	c->dialog = a->dialogs.st;
	c->media = a->media.st;
	c->endpoints = a->media.eps.st;
	reasm_figures(&a->reasm, &c->reasm);
	if (dp_health(a->dp, &c->health))
		memset(&c->health, 0, sizeof(c->health));
	add_u64s(&c->health, &a->health_base, sizeof(c->health));
	c->agent = (struct state_agent){
		.records_written = a->records.written, .records_failed = a->records.failed,
		.records_reopens = a->view.records_reopens, .records_reopen_failures = a->view.records_reopen_failures,
		.textfile_failures = a->view.textfile_failures, .peer_reloads_ok = a->view.peer_reloads_ok,
		.peer_reloads_failed = a->view.peer_reloads_failed,
		/* This write among them: the next agent reads the file only if it succeeded. */
		.state_writes_ok = a->view.state_writes_ok + 1, .state_writes_failed = a->view.state_writes_failed,
	};
	memcpy(c->agent.restored, a->view.restored, sizeof(c->agent.restored));
	c->tick = a->tick_cost;
	memcpy(c->hep_made, a->hep.made, sizeof(c->hep_made));
	c->hep_failed = a->hep.failed;
	src.nhep = hepsend_stats(a->hepsend, hep, HEP_MAX_COLLECTORS);
	hep_add_base(a, hep, src.nhep);
	src.hep = hep;
	err = state_encode(&src, &buf, &len);
	if (!err) {
		err = state_save(a->o.state_file, buf, len);
		free(buf);
	}
	if (err) {
		a->view.state_writes_failed++;
	} else {
		a->view.state_writes_ok++;
		a->view.state_bytes = len;
	}
	if (err && (flags & STATE_F_EXIT || !a->state_failures++))
		pr_warn("write the state file %s: %s%s\n", a->o.state_file, strerror(-err),
			flags & STATE_F_EXIT ? "; the calls in progress are written out instead" : "");
	else if (!err)
		pr_debug("state file %s: %zu bytes, %u calls\n", a->o.state_file, len, a->dialogs.nr_calls);
	return err;
}

/* Call-IDs whose records an earlier agent wrote after its state file (killed in between). */
struct written_id {
	UT_hash_handle hh;
	char id[];
};

static void written_add(void *ctx, const char *id)
{
	struct written_id **set = ctx, *w;
	size_t n = strlen(id) + 1;

	HASH_FIND_STR(*set, id, w);
	if (w || !(w = malloc(sizeof(*w) + n)))
		return;
	memcpy(w->id, id, n);
	HASH_ADD_STR(*set, id, w);
}

static bool written_has(void *ctx, const char *id)
{
	struct written_id **set = ctx, *w;

	HASH_FIND_STR(*set, id, w);
	return w != NULL;
}

/* What the image carries beside the calls, taken by the agent. */
static void take_counters(struct agent *a, const struct state_image *img, bool maps_reused)
{
	a->records.written = img->c.agent.records_written;
	a->records.failed = img->c.agent.records_failed;
	a->view.records_reopens = img->c.agent.records_reopens;
	a->view.records_reopen_failures = img->c.agent.records_reopen_failures;
	a->view.textfile_failures = img->c.agent.textfile_failures;
	a->view.peer_reloads_ok = img->c.agent.peer_reloads_ok;
	a->view.peer_reloads_failed = img->c.agent.peer_reloads_failed;
	a->view.state_writes_ok = img->c.agent.state_writes_ok;
	a->view.state_writes_failed = img->c.agent.state_writes_failed;
	memcpy(a->view.restored, img->c.agent.restored, sizeof(a->view.restored));
	a->tick_cost = img->c.tick;
	memcpy(a->hep.made, img->c.hep_made, sizeof(a->hep.made));
	a->hep.failed = img->c.hep_failed;
	a->reasm_base = img->c.reasm;
	a->reasm.base = &a->reasm_base;
	/* Maps taken over count on from where they were; new ones start at 0, after the earlier agent's. */
	a->health_base = maps_reused ? (struct dp_health){ .events_bad = img->c.health.events_bad } : img->c.health;
	a->nhep_base = img->nhep;
	memcpy(a->hep_base, img->hep, sizeof(a->hep_base));
}

/*
 * At start, before attaching: the calls an earlier agent handed over, put
 * back.  The file is taken: renamed away once read (PATH.refused if it was
 * refused), so that it is never read twice.  Nothing here stops the agent:
 * a file that cannot be used is one line, and the agent starts clean.
 */
static void state_restore(struct agent *a)
{
	struct state_limits lim = {
		.max_calls = a->o.max_calls, .max_streams = a->o.max_streams,
		.max_endpoints = endpoints_capacity(&a->o),
	};
	struct state_apply ap = { .maps_reused = !a->in_user && kern_reused(&a->k) };
	struct written_id *written = NULL, *w, *tmp;
	struct state_image img;
	char why[200], moved[PATH_MAX];
	uint8_t *buf, boot[16];
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	size_t len;
	unsigned int i;
	int err;

	if (!a->o.state_file)
		return;
	if (ap.maps_reused && (err = media_adopt_kernel(&a->media, now)))
		pr_warn("read the endpoints the earlier agent left: %s\n", strerror(-err));
	err = state_read_file(a->o.state_file, &buf, &len);
	if (err) {
		if (err == -ENOENT)
			pr_info("no state file %s: starting with no call\n", a->o.state_file);
		else
			pr_warn("state file %s refused: %s; starting with no call\n", a->o.state_file,
				err == -EFBIG ? "larger than the bound" : strerror(-err));
		if (err != -ENOENT)
			goto refused;
		media_restore_done(&a->media);
		return;
	}
	err = state_decode(buf, len, &lim, &img, why, sizeof(why));
	free(buf);
	if (!err) {
		int berr = state_boot_id(boot);

		if (berr)
			snprintf(why, sizeof(why), "this boot's ID is unreadable (/proc/sys/kernel/random/boot_id: %s)",
				 strerror(-berr));
		else if (memcmp(boot, img.h.boot_id, sizeof(boot)))
			snprintf(why, sizeof(why), "written before this machine last booted");
		if (berr || memcmp(boot, img.h.boot_id, sizeof(boot))) {
			state_image_free(&img);
			err = -ESTALE;
		}
	}
	if (err) {
		pr_warn("state file %s refused: %s; starting with no call\n", a->o.state_file, why);
		goto refused;
	}
	ap.map_id = kern_streams_map_id(&a->k);
	for (i = 0; i < a->o.nr_ifaces && i < DIALOG_MAX_IFACES; i++)
		ap.ifaces[i] = a->o.ifaces[i];
	ap.nifaces = i;
	if (a->o.calls_json && img.h.records_ino &&
	    record_ids_after(a->o.calls_json, img.h.records_dev, img.h.records_ino, img.h.records_off,
			     written_add, &written) > 0) {
		ap.written = written_has;
		ap.ctx = &written;
	}
	if (now > a->dialogs.now)
		a->dialogs.now = now;
	state_apply(&img, &a->dialogs, &a->cm, &ap);
	take_counters(a, &img, ap.maps_reused);
	a->view.restored[0] += ap.followed;
	a->view.restored[1] += ap.written_now;
	a->view.restored[2] += ap.already_written;
	a->view.restored[3] += ap.refused;
	pr_info("state file %s, written %.3f s ago (%s%s): %u calls followed on, %u written out at once "
		"(their kernel state is gone), %u already written, %u refused; the kernel counted %llu packets "
		"of theirs meanwhile\n", a->o.state_file,
		(double)(now > img.h.mono_ns ? now - img.h.mono_ns : 0) / NS_PER_SEC,
		img.h.flags & STATE_F_EXIT ? "at exit" : "periodically",
		img.h.flags & STATE_F_PERSIST ? ", --persist" : "", ap.followed, ap.written_now, ap.already_written,
		ap.refused, (unsigned long long)ap.gap_packets);
	state_image_free(&img);
	HASH_ITER(hh, written, w, tmp) {
		HASH_DEL(written, w);
		free(w);
	}
	if (unlink(a->o.state_file))
		pr_warn("remove the state file %s once read: %s\n", a->o.state_file, strerror(errno));
	return;
refused:
	media_restore_done(&a->media);
	snprintf(moved, sizeof(moved), "%s.refused", a->o.state_file);
	if (rename(a->o.state_file, moved) && errno != ENOENT)
		unlink(a->o.state_file);
}

/*
 * Once privileges are given up: the state file's directory takes a new
 * file from this user (it is written as it, at exit at the latest).
 */
static int check_state_dir(const struct agent *a)
{
	char tmp[PATH_MAX];
	int fd;

	if (!a->o.state_file)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->o.state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_err("--state-file %s: %s (as user %s)\n", a->o.state_file, strerror(errno),
		       a->privs.keep ? "as started" : a->privs.user);
		return -errno;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

/* --detach: the instance's pins (links detach with them) and its state file, one line on stdout. */
static int run_detach(struct agent *a)
{
	char dir[PATH_MAX], what[700] = "", state[PATH_MAX + 32] = "";
	int n;

	snprintf(dir, sizeof(dir), "%s/%s", a->o.state_dir, a->o.instance);
	n = kern_unpin_all(dir, what, sizeof(what));
	if (n < 0) {
		pr_err("--detach: %s: %s\n", dir, strerror(-n));
		return 1;
	}
	if (a->o.state_file && !unlink(a->o.state_file)) {
		snprintf(state, sizeof(state), "%sthe state file %s", n ? " and " : "", a->o.state_file);
	} else if (a->o.state_file && errno != ENOENT) {
		pr_err("--detach: remove %s: %s\n", a->o.state_file, strerror(errno));
		return 1;
	}
	if (n || state[0])
		printf("sipxdp: instance %s: removed %s%s%s%s\n", a->o.instance, n ? what : "", n ? " from " : "",
		       n ? dir : "", state);
	else
		printf("sipxdp: instance %s: nothing pinned in %s, no state file\n", a->o.instance, dir);
	return 0;
}

static void on_message(void *ctx, const struct msg *msg)
{
	struct agent *a = ctx;

	dialog_on_msg(&a->dialogs, msg);
}

static void on_event(void *ctx, const struct sipxdp_meta *m, const uint8_t *frame)
{
	struct agent *a = ctx;

	reasm_event(&a->reasm, m, frame);
}

static void on_call_done(void *ctx, const struct call *call, uint64_t now)
{
	struct agent *a = ctx;

	callmetrics_call(&a->cm, call);
	hepout_call_done(&a->hep, call, now);
	record_write(&a->records, call, now);
}

static void on_sip(void *ctx, const struct msg *msg, const struct sip_msg *m)
{
	struct agent *a = ctx;

	hepout_sip(&a->hep, msg, m);
}

static void on_rtcp(void *ctx, const struct msg *msg, const struct rtcp_packet *rp, const struct media_call *mc)
{
	struct agent *a = ctx;

	hepout_rtcp(&a->hep, msg, rp, mc ? call_of_media(mc) : NULL);
}

static void on_response(void *ctx, const struct msg *msg, int method, int status)
{
	struct agent *a = ctx;

	callmetrics_response(&a->cm, msg, method, status);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/*
 * Where a tick's time falls: from a few streams (well under a millisecond)
 * to a full stream map read in batches and 100,000 streams formatted.
 */
static const struct hist_bounds tick_bounds = {
	12, { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 },
};

/* Every output of this interval.  The text file's error, if it could not be written. */
static int write_outputs(struct agent *a)
{
	char *text;
	size_t len;
	int err, ret = 0;

	record_flush(&a->records);
	if (!a->o.textfile && !a->o.show && !a->http)
		return 0;
	err = snapshot_take(&a->snap, &a->dialogs, a->dp, &a->reasm);
	add_u64s(&a->snap.health, &a->health_base, sizeof(a->snap.health));
	a->snap.tick_bounds = &tick_bounds;
	a->snap.tick = a->tick_cost;
	a->view.unix_time = clock_ns(CLOCK_REALTIME) / 1e9;
	a->view.records = a->records.f != NULL;
	a->view.records_written = a->records.written;
	a->view.records_failed = a->records.failed;
	a->view.hep = a->hepsend ? &a->hep : NULL;
	a->view.nhep = hepsend_stats(a->hepsend, a->view.hep_collectors, HEP_MAX_COLLECTORS);
	hep_add_base(a, a->view.hep_collectors, a->view.nhep);
	a->snap.agent = a->view;
	ifaces_view(&a->ifs, &a->snap);
	if (err) {
		pr_warn("take a snapshot of the figures: %s\n", strerror(-err));
		return 0;
	}
	if (a->o.textfile || a->http) {
		text = prom_render(&a->snap, &len);
		if (!text) {
			a->view.textfile_failures += a->o.textfile != NULL;
			pr_warn("make the exposition: %s\n",
				a->snap.health_err ? strerror(-a->snap.health_err) : "out of memory");
		} else {
			http_publish(a->http, text, len);
			if (a->o.textfile && (err = prom_write(a->o.textfile, text, len))) {
				a->view.textfile_failures++;
				ret = err;
				/* The first write is where a directory this user may not write to shows. */
				if (a->ready || !a->started)
					pr_warn("write %s: %s\n", a->o.textfile, strerror(-err));
				else
					pr_err("--textfile %s: %s (as user %s)\n", a->o.textfile, strerror(-err),
					       a->privs.keep ? "as started" : a->privs.user);
			} else if (a->o.textfile) {
				a->view.textfile_last_ok = a->view.unix_time;
			}
			free(text);
		}
	}
	if (a->o.show)
		show_calls(stdout, &a->snap);
	return ret;
}

/* Time has moved on to now (event clock): expire what waited too long. */
static void advance(struct agent *a, uint64_t now)
{
	reasm_expire(&a->reasm, now);
	dialog_tick(&a->dialogs, now);
	hepout_periodic(&a->hep, &a->dialogs, now);	/* the streams were just read */
}

static void tick(struct agent *a, uint64_t now)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);

	advance(a, now);
	/*
	 * Live, the events that came while the timeouts ran are handled before
	 * the outputs are made, so a SIP message waits for one step of a tick,
	 * not all of it.  Only here: after dialog_finish() at exit, no event
	 * may end or start a call.
	 */
	if (a->started && !a->o.read)
		kern_consume(&a->k);
	write_outputs(a);
	/*
	 * --persist: the calls as the outputs just showed them (no event
	 * between), so that after a SIGKILL neither the next agent's figures
	 * nor the text file's counters go back past these.
	 */
	if (a->o.persist && a->started && !stop)
		state_write(a, 0);
	hist_observe(&a->tick_cost, &tick_bounds, (clock_ns(CLOCK_MONOTONIC) - t0) / 1e9);
}

static int offline_tick(void *ctx, uint64_t ts)
{
	struct agent *a = ctx;

	a->last_ts = ts;
	if (!a->next_tick)
		a->next_tick = ts + a->interval_ns;
	if (ts >= a->next_tick) {
		/* The tick reads every stream and may remove some: every frame before it has run. */
		replay_sync(&a->replay);
		replay_forget_streams(&a->replay);
		advance(a, ts);
		a->next_tick = ts + a->interval_ns;
	}
	return stop;
}

/*
 * Wait for events and hand them on.  While they flow the ring is polled
 * every KERN_POLL_US (the program wakes nobody per event: a wakeup cost the
 * packet path 15-20 us); after KERN_IDLE_POLLS empty polls the agent sleeps
 * until its next tick, and the next event wakes it.
 */
static int wait_events(struct agent *a, struct pollfd *p, unsigned int *idle)
{
	struct timespec ts = { 0, KERN_POLL_US * 1000 };
	bool sleep = *idle >= KERN_IDLE_POLLS && !kern_asleep(&a->k);
	uint64_t now;
	int n;

	if (sleep) {
		uint64_t until = a->next_tick < service_deadline(&a->svc) ? a->next_tick : service_deadline(&a->svc);

		now = clock_ns(CLOCK_MONOTONIC);
		ts.tv_sec = until > now ? (until - now) / NS_PER_SEC : 0;
		ts.tv_nsec = until > now ? (until - now) % NS_PER_SEC : 0;
	}
	if (ppoll(p, 2, &ts, NULL) < 0 && errno != EINTR) {
		n = -errno;
		pr_warn("poll: %s\n", strerror(-n));
		return n;
	}
	if (sleep)
		kern_awake(&a->k);
	n = kern_consume(&a->k);
	if (n < 0) {
		pr_warn("read the event ring buffer: %s\n", strerror(-n));
		return n;
	}
	*idle = n || sleep ? 0 : *idle + 1;
	return 0;
}

/* Does the program still answer once privileges are given up?  In user space it needs none. */
static int engine_probe(void *ctx)
{
	struct agent *a = ctx;

	return a->in_user ? 0 : kern_probe(&a->k);
}

static int run_live(struct agent *a)
{
	struct pollfd p[2];
	unsigned int idle = 0;
	uint64_t now;
	int err;

	err = ifaces_open(&a->ifs, &a->k, &a->dialogs, &a->o);
	if (err)
		return err;
	kern_prune_links(&a->k);
	p[0] = (struct pollfd){ .fd = kern_event_fd(&a->k), .events = POLLIN };
	p[1] = (struct pollfd){ .fd = ifaces_fd(&a->ifs), .events = POLLIN };
	kern_log_memory(&a->k);
	a->next_tick = clock_ns(CLOCK_MONOTONIC) + a->interval_ns;
	a->started = true;
	/* Set up: from here on nothing needs a privilege, and packet bytes are read without any. */
	err = privs_drop(&a->privs, engine_probe, a);
	if (err)
		return err;
	a->ifs.unprivileged = !a->privs.keep;
	err = check_state_dir(a);
	if (err)
		return err;
	err = http_serve(a->http);
	if (!err)
		err = hepsend_start(a->hepsend);
	if (err)
		return err;
	err = write_outputs(a);	/* attached: the outputs say so from the start */
	if (err) {
		a->started = false;	/* said once: nothing to write at exit either */
		return err;
	}
	a->ready = true;
	service_ready("watching");
	while (!stop) {
		err = wait_events(a, p, &idle);
		if (err)
			return err;
		if (reload)
			on_reload(a);
		now = clock_ns(CLOCK_MONOTONIC);
		service_watchdog(&a->svc, now);
		if (p[1].revents & POLLIN) {
			advance(a, now);	/* calls an interface takes along end now */
			ifaces_read(&a->ifs);
			if (!ifaces_any(&a->ifs)) {
				pr_err("no interface left to watch: exiting (a service manager restarts the agent)\n");
				tick(a, now);
				return -ENODEV;
			}
		}
		if (now >= a->next_tick) {
			tick(a, now);
			a->next_tick = now + a->interval_ns;
		}
	}
	service_stopping();
	tick(a, clock_ns(CLOCK_MONOTONIC));
	return 0;
}

static int offline_run(void *ctx, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	struct agent *a = ctx;

	return replay_frame(&a->replay, frame, len, ts);
}

static int replay_run(void *ctx, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	struct agent *a = ctx;

	return kern_run_frame(&a->k, buf, frame, len, ts);
}

static int replay_consume(void *ctx)
{
	struct agent *a = ctx;

	return kern_consume(&a->k);
}

static int replay_run_user(void *ctx, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts)
{
	struct agent *a = ctx;

	return uxdp_run_frame(&a->u, buf, frame, len, ts);
}

static int replay_consume_user(void *ctx)
{
	struct agent *a = ctx;

	return uxdp_consume(&a->u);
}

/*
 * Threads beside the reading one: --read-threads, or by default one per CPU
 * for the kernel's program (replay_init caps them), none for the program in
 * user space: there a frame costs about what handing it to a lane does
 * (no system call to spread), and the reading thread alone is faster
 * (tests/bench/offline.sh: 0.29 s against 0.59 s on two CPUs).
 */
static unsigned int replay_workers(const struct opts *o, bool in_user)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!o->read_threads && in_user)
		return 0;
	return (o->read_threads ? o->read_threads : cpus > 0 ? (unsigned int)cpus : 1) - 1;
}

static int run_offline(struct agent *a)
{
	struct capture_stats cs;
	int err;

	err = replay_init(&a->replay, replay_workers(&a->o, a->in_user), a->o.sip_ports, a->o.nr_sip_ports,
			  a->in_user ? replay_run_user : replay_run, a->in_user ? replay_consume_user : replay_consume, a);
	if (err) {
		pr_err("start the replay threads: %s\n", strerror(-err));
		return err;
	}
	err = capture_replay(&a->cap, offline_run, offline_tick, a, &cs);
	/* Frames that failed to run were counted and logged by the replay, as earlier ones are: not fatal. */
	replay_sync(&a->replay);
	pr_debug("%s: %llu frames run beside others, %llu in order, %u threads, %s\n", a->o.read,
		 (unsigned long long)a->replay.laned, (unsigned long long)a->replay.ordered, a->replay.nworkers + 1,
		 a->in_user ? "the program in user space" : "the kernel's program");
	replay_free(&a->replay);
	if (err)
		return err;
	if (cs.frames && !cs.replayed) {
		pr_err("read %s: none of its %llu frames could be analysed (%llu shorter than their link header, "
		       "%llu larger than %u bytes)\n", a->o.read, (unsigned long long)cs.frames,
		       (unsigned long long)cs.skipped_short, (unsigned long long)cs.skipped_size, DP_FRAME_MAX);
		return -EINVAL;
	}
	if (cs.skipped_short)
		pr_warn("%s: %llu frames shorter than their link header (or empty) skipped\n", a->o.read,
			(unsigned long long)cs.skipped_short);
	if (cs.skipped_size)
		pr_warn("%s: %llu frames larger than %u bytes skipped\n", a->o.read,
			(unsigned long long)cs.skipped_size, DP_FRAME_MAX);
	advance(a, a->last_ts);
	if (cs.interrupted)
		pr_info("%s: stopped by a signal after %llu frames\n", a->o.read, (unsigned long long)cs.frames);
	else
		pr_info("%s: %llu frames replayed\n", a->o.read, (unsigned long long)cs.replayed);
	return 0;
}

/* Configuration and environment errors, each one line, before anything is loaded. */
static int preflight(struct agent *a)
{
	const struct opts *o = &a->o;
	unsigned int i;
	int err;

	for (i = 0; i < o->nr_ifaces; i++) {
		if (!if_nametoindex(o->ifaces[i])) {
			pr_err("interface %s: no such interface\n", o->ifaces[i]);
			return -ENODEV;
		}
	}
	if (o->read && (err = capture_open(&a->cap, o->read, &stop)))
		return err;
	/* The program in user space needs no BTF: it is not loaded. */
	if ((!o->read || o->read_engine != READ_ENGINE_USER) &&
	    access("/sys/kernel/btf/vmlinux", R_OK) && errno == ENOENT) {
		pr_err("this kernel has no BTF (/sys/kernel/btf/vmlinux): sipxdp needs CONFIG_DEBUG_INFO_BTF\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Four endpoints a call (RTP and RTCP, both sides), never below the program's default. */
static unsigned int endpoints_capacity(const struct opts *o)
{
	return o->max_calls * 4 < SIPXDP_DEF_MAX_ENDPOINTS ? SIPXDP_DEF_MAX_ENDPOINTS : o->max_calls * 4;
}

/* A preallocated BPF hash map's size: elements (a 48-byte header each) and 16-byte buckets. */
static uint64_t htab_bytes(uint64_t entries, size_t key, size_t value)
{
	uint64_t buckets = 1;

	while (buckets < entries)
		buckets <<= 1;
	return entries * (48 + ((key + 7) & ~7UL) + ((value + 7) & ~7UL)) + buckets * 16;
}

/*
 * --max-calls and --max-streams size maps the kernel reserves at load
 * (preallocated, locked): a size past the share of memory allowed is a
 * configuration error, not something to find out when the machine swaps.
 */
static int check_map_memory(const struct opts *o, const struct dp_opts *ko)
{
	uint64_t eps = htab_bytes(ko->max_endpoints, sizeof(struct endpoint_key), sizeof(struct endpoint_info)) +
		       htab_bytes(ko->max_endpoints, sizeof(struct endpoint_key), sizeof(struct ep_count));
	uint64_t streams = htab_bytes(ko->max_streams, sizeof(struct stream_key), sizeof(struct stream_state));
	uint64_t limit = (uint64_t)o->max_kernel_memory << 20;
	struct sysinfo si;

	if (!limit && !sysinfo(&si))
		limit = (uint64_t)si.totalram * si.mem_unit / 4;
	if (!limit || eps + streams <= limit)
		return 0;
	pr_err("maps would take %llu MiB of kernel memory (--max-calls %u: %llu MiB, --max-streams %u: %llu MiB), "
	       "more than %llu MiB%s; lower them or raise --max-kernel-memory\n",
	       (unsigned long long)((eps + streams) >> 20), o->max_calls, (unsigned long long)(eps >> 20),
	       o->max_streams, (unsigned long long)(streams >> 20), (unsigned long long)(limit >> 20),
	       o->max_kernel_memory ? "" : " (a quarter of this machine's)");
	return -E2BIG;
}

static void dp_opts_of(const struct opts *o, struct dp_opts *ko)
{
	unsigned int i;

	memset(ko, 0, sizeof(*ko));
	for (i = 0; i < o->nr_sip_ports; i++)
		ko->sip_ports[i] = o->sip_ports[i];
	ko->nr_sip_ports = o->nr_sip_ports;
	for (i = 0; i < o->nr_tls_ports; i++)
		ko->tls_ports[i] = o->tls_ports[i];
	ko->nr_tls_ports = o->nr_tls_ports;
	ko->offline = o->read != NULL;
	ko->may_fall_back = o->read && o->read_engine == READ_ENGINE_AUTO;
	ko->egress = o->egress;
	ko->max_streams = o->max_streams;
	ko->max_endpoints = endpoints_capacity(o);
	ko->unpaired_max = o->max_streams * o->unpaired_share;
	if (!ko->unpaired_max)
		ko->unpaired_max = 1;
}

/* --persist: the maps and links pinned in --state-dir/--instance. */
static int pins_of(struct agent *a, struct dp_opts *ko)
{
	if (!a->o.persist)
		return 0;
	if (snprintf(a->pin_dir, sizeof(a->pin_dir), "%s/%s", a->o.state_dir, a->o.instance) >=
	    (int)sizeof(a->pin_dir)) {
		pr_err("--state-dir %s: too long\n", a->o.state_dir);
		return -ENAMETOOLONG;
	}
	ko->pin_dir = a->pin_dir;
	ko->reset_pins = a->o.reset_state;
	return 0;
}

/*
 * The program: in the kernel, or for --read in user space (--read-engine
 * user, or auto when the kernel refuses the load for lack of privilege).
 */
static int engine_open(struct agent *a, const struct dp_opts *ko)
{
	int err = -EPERM;

	if (!a->o.read || a->o.read_engine != READ_ENGINE_USER) {
		err = kern_open(&a->k, ko, on_event, a);
		if (!err) {
			a->dp = kern_dataplane(&a->k);
			return 0;
		}
		if (!ko->may_fall_back || (err != -EPERM && err != -EACCES))
			return err;
		pr_info("%s: no privilege to load the program into the kernel (%s): running it in user space\n",
			a->o.read, strerror(-err));
	}
	err = uxdp_open(&a->u, ko, on_event, a);
	if (err)
		return err;
	a->in_user = true;
	a->dp = uxdp_dataplane(&a->u);
	return 0;
}

/* Media and dialogs on the event clock: CLOCK_MONOTONIC live, the capture's Unix time offline. */
static int calls_open(struct agent *a)
{
	int64_t unix_offset = a->o.read ? 0 :
		(int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	unsigned int capacity = endpoints_capacity(&a->o);
	unsigned int offers = capacity * a->o.offer_share, per_source = offers * a->o.offer_source_share;
	struct media_cfg mcfg = {
		.endpoints = {
			.capacity = capacity,
			.offer_budget = offers ? offers : 1,
			.offer_per_source = per_source ? per_source : 1,
			.unpaired_per_call = a->o.unpaired_streams,
		},
		.offer_per_call = a->o.offer_endpoints,
		.max_streams_per_call = a->o.max_streams_per_call,
		.max_ssrcs_per_pair = a->o.max_ssrcs_per_pair,
		.grace_ns = a->o.grace * 1e9,
		.orphan_timeout_ns = a->o.rtp_timeout * 1e9,
		.unix_offset_ns = unix_offset,
		.live = !a->o.read,
		.on_rtcp = on_rtcp,
		.ctx = a,
	};
	struct hepout_cfg hcfg = {
		.capture_id = a->o.hep_id,
		.auth = a->o.hep_password,
		.node = a->o.hep_node,
		.report_interval_ns = a->o.hep_report_interval * 1e9,
		.unix_offset_ns = unix_offset,
	};
	struct dialog_cfg dcfg = {
		.grace_ns = a->o.grace * 1e9,
		.setup_timeout_ns = a->o.setup_timeout * 1e9,
		.pressure_timeout_ns = a->o.pressure_timeout * 1e9,
		.rtp_timeout_ns = a->o.rtp_timeout * 1e9,
		.max_duration_ns = a->o.max_duration * 1e9,
		.max_calls = a->o.max_calls,
		.on_done = on_call_done,
		.on_response = on_response,
		.on_sip = on_sip,
		.ctx = a,
	};
	int err;

	a->records.unix_offset_ns = unix_offset;
	a->cm.peers = &a->peers;
	a->cm.offline = a->o.read != NULL;
	for (unsigned int i = 0; i < a->o.nr_ifaces && i < DIALOG_MAX_IFACES; i++)
		a->cm.iface_names[i] = a->o.ifaces[i];
	err = hepout_init(&a->hep, a->hepsend, &hcfg);
	if (!err)
		err = media_init(&a->media, a->dp, &mcfg);
	if (err)
		return err;
	return dialog_init(&a->dialogs, &a->media, &dcfg);
}

int main(int argc, char **argv)
{
	struct agent a = { .ifs.promisc_fd = -1 };
	struct dp_opts ko;
	int err, exit_code = 0;
	bool bad, handed;

	log_init();
	if (opts_parse(&a.o, argc, argv)) {
		opts_free(&a.o);
		return 2;
	}
	if (a.o.check_config) {
		printf("sipxdp: %s: the options are good\n", a.o.config ?: "the command line");
		opts_free(&a.o);
		return 0;
	}
	log_set_level(a.o.verbose ? LOG_DEBUG + (a.o.verbose > 1) : LOG_INFO);
	if (a.o.detach) {
		exit_code = run_detach(&a);
		opts_free(&a.o);
		return exit_code;
	}
	kern_log_setup();
	service_init(&a.svc);
	a.interval_ns = a.o.interval * 1e9;

	/*
	 * A capture is read by whoever runs sipxdp, into files of theirs: it
	 * keeps its user (unless --user says otherwise) and loses its capabilities.
	 */
	if (privs_plan(&a.privs, a.o.user, a.o.read ? NULL : OPTS_DEFAULT_USER, a.o.read != NULL) ||
	    records_open(&a) ||
	    (a.o.textfile && check_textfile_dir(a.o.textfile))) {
		exit_code = 1;
		goto cleanup;
	}

	/* No SA_RESTART: a read blocked on a FIFO or a slow device returns, and the loop sees stop. */
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	/* Live, SIGHUP reopens the records and reloads the peer groups; a capture being read has neither. */
	sigaction(SIGHUP, &(struct sigaction){ .sa_handler = a.o.read ? SIG_IGN : on_hup }, NULL);
	a.view.version = opts_version();
	a.view.libbpf = kern_libbpf_version();
	a.view.textfile = a.o.textfile != NULL;
	a.view.state_file = a.o.state_file != NULL;
	a.view.call_series = a.o.call_series;
	a.view.cm = &a.cm;
	err = peers_open(&a);
	if (err) {
		err = 0;
		exit_code = 2;
		goto cleanup;
	}
	if (a.o.listen && (err = http_bind(&a.http, a.o.listen))) {
		exit_code = err == -EINVAL ? 2 : 1;	/* a wrong option, or a port taken */
		err = 0;
		goto cleanup;
	}
	/* --read waits for room in the queues: no live traffic waits behind it. */
	if (a.o.nr_hep && !(a.hepsend = hepsend_new(a.o.hep, a.o.nr_hep, HEPSEND_QUEUE_BYTES, a.o.read != NULL,
						    &bad))) {
		exit_code = bad ? 2 : 1;
		goto cleanup;
	}

	err = preflight(&a);
	if (err == -EINTR) {
		pr_info("%s: stopped by a signal before its first byte\n", a.o.read);
		err = 0;
		goto cleanup;
	}
	if (err)
		goto cleanup;
	err = reasm_init(&a.reasm, on_message, &a);
	if (err)
		goto cleanup;
	dp_opts_of(&a.o, &ko);
	err = check_map_memory(&a.o, &ko);
	if (!err)
		err = pins_of(&a, &ko);
	if (err)
		goto cleanup;
	err = engine_open(&a, &ko);
	if (err)
		goto cleanup;
	err = calls_open(&a);
	if (err)
		goto cleanup;
	if (!a.o.read)
		state_restore(&a);
	a.calls_ready = true;
	/* Offline, the program is loaded: the capture's bytes are read without any privilege. */
	if (a.o.read && ((err = privs_drop(&a.privs, engine_probe, &a)) || (err = hepsend_start(a.hepsend))))
		goto cleanup;

	err = a.o.read ? run_offline(&a) : run_live(&a);
	/*
	 * --state-file: the calls go on in the next agent, which writes their
	 * records; they are written out here only if the file could not be.
	 * An agent that never got going hands on what it was handed.
	 */
	handed = a.o.state_file && a.calls_ready && !state_write(&a, STATE_F_EXIT);
	/* An agent that never got going has nothing to report: no outputs. */
	if (!err || a.started) {
		if (!handed)
			dialog_finish(&a.dialogs);
		/* The last reports on their way before the last figures are written. */
		hepsend_drain(a.hepsend, (a.o.read ? HEP_DRAIN_READ_S : HEP_DRAIN_LIVE_S) * NS_PER_SEC);
		write_outputs(&a);
	}
cleanup:
	http_stop(a.http);
	hepsend_free(a.hepsend);
	hepout_free(&a.hep);
	dialog_free(&a.dialogs);
	callmetrics_free(&a.cm);
	peers_free(&a.peers);
	media_free(&a.media);
	snapshot_free(&a.snap);
	kern_close(&a.k);
	uxdp_close(&a.u);
	reasm_free(&a.reasm);
	ifaces_close(&a.ifs);
	capture_close(&a.cap);
	if (a.records.f)
		fclose(a.records.f);
	opts_free(&a.o);
	return exit_code ? exit_code : err ? 1 : 0;
}
