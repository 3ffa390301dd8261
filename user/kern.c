// SPDX-License-Identifier: GPL-2.0
/*
 * kern.c - load, attach and talk to the XDP program.
 *
 * Lifecycle: open the embedded skeleton, set rodata, size the maps, load,
 * attach through bpf_link (so a killed agent leaves nothing on the NIC),
 * then poll the event ring buffer.  Functions return 0 or -errno.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kern.h"
#include "log.h"
#include "sipxdp.skel.h"


static const struct dp_ops kern_dp_ops;

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's warnings are details of an error we report ourselves: show them at -v. */
	log_vprefixed(lvl == LIBBPF_DEBUG ? LOG_DEBUG + 1 : LOG_DEBUG, "libbpf", fmt, ap);
	return 0;
}

void kern_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct kern *k = ctx;
	struct sipxdp_meta m;

	if (!dp_event_framed(data, size, &m)) {
		k->events_bad++;
		return 0;
	}
	k->event_cb(k->event_ctx, &m, (const uint8_t *)data + sizeof(m));
	return 0;
}

/* The kernel's own account of a map's memory (fdinfo memlock), in KiB; -1 if unknown. */
static long map_kib(const struct bpf_map *map)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v < 0 ? -1 : v / 1024;
}

void kern_log_memory(struct kern *k)
{
	struct sipxdp_bpf *skel = k->skel;

	pr_info("kernel memory: streams %ld KiB (%u entries), endpoints %ld KiB (%u), "
		"their unpaired counts %ld KiB, held RTP %ld KiB, SIP fragments %ld KiB\n",
		map_kib(skel->maps.streams), bpf_map__max_entries(skel->maps.streams),
		map_kib(skel->maps.endpoints), bpf_map__max_entries(skel->maps.endpoints),
		map_kib(skel->maps.ep_unpaired), map_kib(skel->maps.pending), map_kib(skel->maps.sip_frags));
}

const char *kern_libbpf_version(void)
{
	static char v[24];

	if (!v[0])
		snprintf(v, sizeof(v), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	return v;
}

/* --- pins (--persist) ----------------------------------------------- */

/*
 * The maps an instance keeps from one agent to the next: what counts
 * (streams, health, the held RTP, the SIP fragments' first halves), what
 * was learned (endpoints and their unpaired counts), the events the
 * program queued while no agent read them, and the program's globals
 * (.bss: the port bitmap and the unpaired totals).  Not the scratch maps
 * (nothing in them outlives a packet) nor .rodata (each build's own).
 * Pinned as map_NAME beside meta, written last (sipxdp.h).
 */
#define NR_PINNED_MAPS 8
static const char *const pinned_names[NR_PINNED_MAPS] = {
	"endpoints", "streams", "ep_unpaired", "health", "sip_frags", "pending", "events", "bss",
};

static void pinned_maps(const struct sipxdp_bpf *skel, struct bpf_map *m[NR_PINNED_MAPS])
{
	struct bpf_map *maps[NR_PINNED_MAPS] = {
		skel->maps.endpoints, skel->maps.streams, skel->maps.ep_unpaired, skel->maps.health,
		skel->maps.sip_frags, skel->maps.pending, skel->maps.events, skel->maps.bss,
	};

	memcpy(m, maps, sizeof(maps));
}

static int pin_path(char *buf, size_t n, const char *dir, const char *prefix, const char *name)
{
	int len = snprintf(buf, n, "%s/%s%s", dir, prefix, name);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* path's parent directory into buf ("/" for "/x"). */
static void parent_of(char *buf, size_t n, const char *path)
{
	char *slash;

	snprintf(buf, n, "%s", path);
	slash = strrchr(buf, '/');
	if (slash == buf)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
}

static bool on_bpffs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == BPF_FS_MAGIC;
}

/*
 * The instance's directory, made if missing, in --state-dir on a BPF
 * filesystem (pins live nowhere else); --state-dir itself made when its
 * parent is the BPF filesystem (run as root; under the unit it is made
 * before, as its user's).
 */
static int pin_dir_open(const char *dir)
{
	char state_dir[PATH_MAX], up[PATH_MAX];
	struct stat sb;

	parent_of(state_dir, sizeof(state_dir), dir);
	if (stat(state_dir, &sb) && errno == ENOENT) {
		parent_of(up, sizeof(up), state_dir);
		if (!on_bpffs(up)) {
			pr_err("--state-dir %s: no such directory, and %s is no BPF filesystem to make it in "
			       "(mount -t bpf bpf %s)\n", state_dir, up, up);
			return -ENOENT;
		}
		if (mkdir(state_dir, 0700) && errno != EEXIST) {
			pr_err("--state-dir %s: make it: %s\n", state_dir, strerror(errno));
			return -errno;
		}
	}
	if (!on_bpffs(state_dir)) {
		pr_err("--state-dir %s: not on a BPF filesystem (mount -t bpf bpf DIR)\n", state_dir);
		return -ENOTDIR;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_err("--persist: make %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Does the pinned map fd look like what this build makes of m?  If not, why. */
static bool pin_compatible(int fd, const struct bpf_map *m, const char *name, char *why, size_t n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(why, n, "map %s: %s", name, strerror(errno));
		return false;
	}
	if (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
	    info.value_size != bpf_map__value_size(m) || info.map_flags != bpf_map__map_flags(m)) {
		snprintf(why, n, "map %s: type %u, key %u, value %u bytes, flags %#x where this build makes "
			 "%u, %u, %u, %#x", name, info.type, info.key_size, info.value_size, info.map_flags,
			 bpf_map__type(m), bpf_map__key_size(m), bpf_map__value_size(m), bpf_map__map_flags(m));
		return false;
	}
	if (info.max_entries != bpf_map__max_entries(m)) {
		snprintf(why, n, "map %s: %u entries where these options make %u", name, info.max_entries,
			 bpf_map__max_entries(m));
		return false;
	}
	return true;
}

/* The layout the meta pin names; -ENOENT: no meta pin, -EINVAL: unreadable (why says so). */
static int pin_layout(const char *dir, char *why, size_t n)
{
	struct sipxdp_pin_meta meta = {};
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, err;

	if ((err = pin_path(path, sizeof(path), dir, "", "meta")))
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : (snprintf(why, n, "meta: %s", strerror(errno)), -EINVAL);
	err = bpf_map_lookup_elem(fd, &zero, &meta) ? -errno : 0;
	close(fd);
	if (err || meta.magic != SIPXDP_PIN_MAGIC) {
		snprintf(why, n, "its meta pin is unreadable (%s)", err ? strerror(-err) : "no magic");
		return -EINVAL;
	}
	return (int)(meta.layout & 0x7fffffff);
}

static void unpin_maps(const char *dir)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < NR_PINNED_MAPS; i++)
		if (!pin_path(path, sizeof(path), dir, "map_", pinned_names[i]))
			unlink(path);
	if (!pin_path(path, sizeof(path), dir, "", "meta"))
		unlink(path);
}

/*
 * Before the load: the maps an earlier agent pinned in dir, if they are of
 * this layout and these sizes, become this program's (bpf_map__reuse_fd).
 * Pins of another layout are an error, or with reset go.
 */
static int pins_take(struct kern *k, const struct dp_opts *o)
{
	struct bpf_map *m[NR_PINNED_MAPS];
	int fd[NR_PINNED_MAPS], i, layout, err = 0, found = 0;
	char path[PATH_MAX], why[256] = "";

	pinned_maps(k->skel, m);
	for (i = 0; i < NR_PINNED_MAPS; i++) {
		fd[i] = -1;
		if ((err = pin_path(path, sizeof(path), k->pin_dir, "map_", pinned_names[i])))
			goto out;
		fd[i] = bpf_obj_get(path);
		if (fd[i] >= 0)
			found++;
		else if (errno != ENOENT && !why[0])
			snprintf(why, sizeof(why), "map %s: %s", pinned_names[i], strerror(errno));
	}
	layout = pin_layout(k->pin_dir, why, sizeof(why));
	if (layout == -ENOENT && !found && !why[0])
		goto out;	/* nothing there: this agent makes them */
	if (layout == -ENOENT)
		snprintf(why, sizeof(why), "it has maps but no meta pin (an agent stopped while pinning)");
	else if (layout >= 0 && layout != SIPXDP_LAYOUT_VERSION)
		snprintf(why, sizeof(why), "layout %d, this build's is %d", layout, SIPXDP_LAYOUT_VERSION);
	else if (layout >= 0 && found < NR_PINNED_MAPS && !why[0])
		snprintf(why, sizeof(why), "%d of its %d maps are missing", NR_PINNED_MAPS - found, NR_PINNED_MAPS);
	for (i = 0; i < NR_PINNED_MAPS && !why[0]; i++)
		pin_compatible(fd[i], m[i], pinned_names[i], why, sizeof(why));
	if (why[0]) {
		if (!o->reset_pins) {
			pr_err("pinned state in %s is not this build's: %s (--reset-state replaces it; "
			       "sipxdp --detach removes it)\n", k->pin_dir, why);
			err = -EEXIST;
			goto out;
		}
		pr_warn("pinned state in %s replaced (--reset-state): %s\n", k->pin_dir, why);
		unpin_maps(k->pin_dir);
		goto out;
	}
	for (i = 0; i < NR_PINNED_MAPS && !err; i++)
		if (bpf_map__reuse_fd(m[i], fd[i]))
			err = -errno;
	if (err) {
		pr_err("take the maps pinned in %s: %s\n", k->pin_dir, strerror(-err));
		goto out;
	}
	k->reused = true;
	pr_info("took the maps pinned in %s (layout %d)\n", k->pin_dir, SIPXDP_LAYOUT_VERSION);
out:
	for (i = 0; i < NR_PINNED_MAPS; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return err;
}

/* After the load: the maps made anew pinned, then meta, last, which says the set is whole. */
static int pins_make(struct kern *k)
{
	struct sipxdp_pin_meta meta = { .magic = SIPXDP_PIN_MAGIC, .layout = SIPXDP_LAYOUT_VERSION };
	struct bpf_map *m[NR_PINNED_MAPS];
	char path[PATH_MAX];
	struct timespec now;
	__u32 zero = 0;
	int i, fd, err = 0;

	pinned_maps(k->skel, m);
	for (i = 0; i < NR_PINNED_MAPS && !err; i++) {
		if ((err = pin_path(path, sizeof(path), k->pin_dir, "map_", pinned_names[i])))
			break;
		unlink(path);	/* a leftover of an instance that was never finished */
		if (bpf_obj_pin(bpf_map__fd(m[i]), path))
			err = -errno;
	}
	if (err) {
		pr_err("pin map %s in %s: %s\n", pinned_names[i - 1], k->pin_dir, strerror(-err));
		return err;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	meta.created_ns = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sipxdp_meta", sizeof(__u32), sizeof(meta), 1, NULL);
	if (fd < 0 || bpf_map_update_elem(fd, &zero, &meta, BPF_ANY) ||
	    (err = pin_path(path, sizeof(path), k->pin_dir, "", "meta")) || bpf_obj_pin(fd, path))
		err = err ? err : -errno;
	if (fd >= 0)
		close(fd);
	if (err)
		pr_err("pin the meta map in %s: %s\n", k->pin_dir, strerror(-err));
	else
		pr_info("pinned the maps in %s (layout %d)\n", k->pin_dir, SIPXDP_LAYOUT_VERSION);
	return err;
}

/*
 * Debian 12's headers predate tcx links; their info is the XDP link's,
 * ifindex first (kernel 6.6's struct bpf_link_info: tcx.ifindex shares
 * the union's first word with xdp.ifindex).
 */
#ifndef BPF_LINK_TYPE_TCX
#define BPF_LINK_TYPE_TCX 11
#endif

/*
 * A link pinned at name for ifindex: its program replaced by prog_fd
 * (bpf_link_update: atomic, the kernel counts on through the link).  The
 * fd, or -ENOENT when there is none to take (one on another interface, or
 * defunct since its interface went away, is removed).
 */
static int link_take(struct kern *k, const char *name, __u32 type, int ifindex, int prog_fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	if (pin_path(path, sizeof(path), k->pin_dir, "", name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != type || info.xdp.ifindex != (__u32)ifindex) {
		pr_info("pinned link %s is not on this interface (any more): replaced\n", name);
	} else if (bpf_link_update(fd, prog_fd, NULL)) {
		pr_warn("replace the program of pinned link %s: %s; the link is made anew\n", name,
			strerror(errno));
	} else {
		return fd;
	}
	close(fd);
	unlink(path);
	return -ENOENT;
}

static int link_pin(struct kern *k, int fd, const char *name)
{
	char path[PATH_MAX];
	int err = pin_path(path, sizeof(path), k->pin_dir, "", name);

	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	if (err)
		pr_err("pin link %s in %s: %s\n", name, k->pin_dir, strerror(-err));
	return err;
}

uint32_t kern_streams_map_id(struct kern *k)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!k->skel || bpf_obj_get_info_by_fd(bpf_map__fd(k->skel->maps.streams), &info, &len))
		return 0;
	return info.id;
}

void kern_prune_links(struct kern *k)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int i;

	if (!k->pin_dir[0] || !(d = opendir(k->pin_dir)))
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "link_", 5))
			continue;
		for (i = 0; i < k->nr_links; i++)
			if (!strcmp(k->link_pin[i], e->d_name))
				break;
		if (i < k->nr_links || pin_path(path, sizeof(path), k->pin_dir, "", e->d_name))
			continue;
		unlink(path);
		pr_info("removed pinned link %s: its interface or hook is not watched now\n", e->d_name);
	}
	closedir(d);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kern_unpin_all(const char *dir, char *what, size_t n)
{
	char path[PATH_MAX], links[512] = "", *link[2 * KERN_MAX_LINKS];
	unsigned int nlinks = 0, nmaps = 0, i;
	struct dirent *e;
	size_t used = 0;
	int err = 0;
	DIR *d;

	what[0] = '\0';
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) && !err) {
		bool is_link = !strncmp(e->d_name, "link_", 5);

		if (e->d_name[0] == '.' || pin_path(path, sizeof(path), dir, "", e->d_name))
			continue;
		if (unlink(path))
			err = -errno;
		else if (!is_link)
			nmaps++;
		else if (nlinks < 2 * KERN_MAX_LINKS && (link[nlinks] = strdup(e->d_name)))
			nlinks++;
	}
	closedir(d);
	if (!err && rmdir(dir))
		err = -errno;
	/* "link_xdp_eth0" said "xdp eth0", in order */
	qsort(link, nlinks, sizeof(link[0]), name_cmp);
	for (i = 0; i < nlinks; i++) {
		used += snprintf(links + used, used < sizeof(links) ? sizeof(links) - used : 0, "%s%.3s %s",
				 i ? ", " : "", link[i] + 5, link[i] + 9);
		free(link[i]);
	}
	if (err)
		return err;
	if (nlinks)
		snprintf(what, n, "%u link%s (%s) and %u map%s", nlinks, nlinks == 1 ? "" : "s", links, nmaps,
			 nmaps == 1 ? "" : "s");
	else
		snprintf(what, n, "%u map%s, no link", nmaps, nmaps == 1 ? "" : "s");
	return nlinks + nmaps;
}

int kern_open(struct kern *k, const struct dp_opts *o, dp_event_cb cb, void *ctx)
{
	struct sipxdp_bpf *skel;
	int err, i;

	memset(k, 0, sizeof(*k));
	k->dp.ops = &kern_dp_ops;
	k->event_cb = cb;
	k->event_ctx = ctx;
	k->nr_cpus = libbpf_num_possible_cpus();
	if (k->nr_cpus < 0)
		return k->nr_cpus;

	skel = sipxdp_bpf__open();
	if (!skel) {
		err = -errno;
		pr_err("open BPF object: %s\n", strerror(-err));
		return err;
	}
	k->skel = skel;
	for (i = 0; i < o->nr_sip_ports && i < SIPXDP_MAX_SIP_PORTS; i++)
		skel->rodata->sip_ports[i] = htons(o->sip_ports[i]);
	skel->rodata->nr_sip_ports = i;
	for (i = 0; i < o->nr_tls_ports && i < SIPXDP_MAX_TLS_PORTS; i++)
		skel->rodata->tls_ports[i] = htons(o->tls_ports[i]);
	skel->rodata->nr_tls_ports = i;
	skel->rodata->clock_source = o->offline ? SIPXDP_CLOCK_META : SIPXDP_CLOCK_MONO;
	bpf_program__set_autoload(skel->progs.sipxdp_empty, false);
	bpf_program__set_autoload(skel->progs.sipxdp_floor, false);
	bpf_map__set_autocreate(skel->maps.floor_streams, false);
	if (!o->egress)
		bpf_program__set_autoload(skel->progs.sipxdp_tc, false);
	if (o->max_endpoints) {
		bpf_map__set_max_entries(skel->maps.endpoints, o->max_endpoints);
		bpf_map__set_max_entries(skel->maps.ep_unpaired, o->max_endpoints);
	}
	if (o->unpaired_max)
		skel->rodata->unpaired_max = o->unpaired_max;
	/* An event's assembly room per CPU (see event_scratch in bpf/maps.h). */
	bpf_map__set_max_entries(skel->maps.event_scratch, k->nr_cpus);
	if (o->max_streams)
		bpf_map__set_max_entries(skel->maps.streams, o->max_streams);
	if (o->pin_dir) {
		snprintf(k->pin_dir, sizeof(k->pin_dir), "%s", o->pin_dir);
		err = pin_dir_open(k->pin_dir);
		if (!err)
			err = pins_take(k, o);
		if (err)
			goto fail;
	}

	err = sipxdp_bpf__load(skel);
	if (err) {
		bool privilege = err == -EPERM || err == -EACCES;

		if (privilege && o->may_fall_back)
			pr_debug("load BPF program: %s\n", strerror(-err));
		else
			pr_err("load BPF program: %s%s\n", strerror(-err),
			       privilege && o->offline ? " (--read-engine kernel needs root or CAP_BPF and CAP_PERFMON; "
			       "--read-engine user runs the same program without them)" :
			       privilege ? " (run as root or with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)" :
			       " (needs a kernel with BTF, XDP and bpf_spin_lock; -vv shows the verifier log)");
		goto fail;
	}
	if (k->pin_dir[0] && !k->reused && (err = pins_make(k)))
		goto fail;

	k->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, k, NULL);
	if (!k->rb) {
		err = -errno;
		pr_warn("create the event ring buffer: %s\n", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	kern_close(k);
	return err;
}

/* A link of this agent's: its fd (closing it detaches, also when we are killed, unless it is pinned). */
static void link_add(struct kern *k, int fd, const char *label, const char *ifname, const char *pin)
{
	k->link_fd[k->nr_links] = fd;
	snprintf(k->ifname[k->nr_links], sizeof(k->ifname[0]), "%s", label);
	snprintf(k->link_of[k->nr_links], sizeof(k->link_of[0]), "%s", ifname);
	snprintf(k->link_pin[k->nr_links], sizeof(k->link_pin[0]), "%s", pin);
	k->nr_links++;
}

/* The pin name of a link ("link_xdp_eth0"), "" when nothing is pinned. */
static void link_name(const struct kern *k, char *name, size_t n, const char *hook, const char *ifname)
{
	if (k->pin_dir[0])
		snprintf(name, n, "link_%s_%s", hook, ifname);
	else
		name[0] = '\0';
}

int kern_attach(struct kern *k, const char *ifname, int mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int ifindex, fd, prog_fd;
	char pin[40];

	if (k->nr_links >= KERN_MAX_LINKS) {
		pr_warn("attach XDP to %s: too many interfaces\n", ifname);
		return -E2BIG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_warn("attach XDP to %s: no such interface\n", ifname);
		return -ENODEV;
	}
	prog_fd = bpf_program__fd(k->skel->progs.sipxdp_xdp);
	link_name(k, pin, sizeof(pin), "xdp", ifname);
	if (pin[0] && (fd = link_take(k, pin, BPF_LINK_TYPE_XDP, ifindex, prog_fd)) >= 0) {
		link_add(k, fd, ifname, ifname, pin);
		pr_info("attached to %s (ifindex %d): took over the pinned XDP link, its program replaced\n",
			ifname, ifindex);
		return 0;
	}
	opts.flags = mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		int err = -errno;

		pr_err("attach XDP to %s (%s mode): %s%s\n", ifname, mode ? "skb" : "native",
			strerror(-err),
			err == -EBUSY || err == -EEXIST ? " (another XDP program is attached)" :
			!mode && err == -EOPNOTSUPP ? " (driver lacks native XDP: try --xdp-mode skb)" : "");
		return err;
	}
	if (pin[0] && link_pin(k, fd, pin)) {
		close(fd);
		return -EPERM;
	}
	link_add(k, fd, ifname, ifname, pin);
	pr_info("attached to %s (ifindex %d, %s mode%s)\n", ifname, ifindex, mode ? "skb" : "native",
		pin[0] ? ", pinned" : "");
	return 0;
}

/*
 * tcx (kernel 6.6): TC programs attached through a bpf_link, so that, as
 * with XDP, a killed agent leaves nothing behind.  Debian 12's headers
 * predate it: the value is the kernel's ABI.
 */
#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47
#endif

int kern_attach_egress(struct kern *k, const char *ifname)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int ifindex, fd, prog_fd;
	char pin[40], label[48];

	if (k->nr_links >= KERN_MAX_LINKS) {
		pr_err("attach TC egress to %s: too many links\n", ifname);
		return -E2BIG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_err("attach TC egress to %s: no such interface\n", ifname);
		return -ENODEV;
	}
	prog_fd = bpf_program__fd(k->skel->progs.sipxdp_tc);
	link_name(k, pin, sizeof(pin), "tcx", ifname);
	snprintf(label, sizeof(label), "%s (egress)", ifname);
	if (pin[0] && (fd = link_take(k, pin, BPF_LINK_TYPE_TCX, ifindex, prog_fd)) >= 0) {
		link_add(k, fd, label, ifname, pin);
		pr_info("attached to %s egress: took over the pinned tcx link, its program replaced\n", ifname);
		return 0;
	}
	fd = bpf_link_create(prog_fd, ifindex, (enum bpf_attach_type)BPF_TCX_EGRESS, &opts);
	if (fd < 0) {
		int err = -errno;

		pr_err("attach TC egress to %s: %s%s\n", ifname, strerror(-err),
		       err == -EINVAL ? " (needs tcx, Linux 6.6 or later)" : "");
		return err;
	}
	if (pin[0] && link_pin(k, fd, pin)) {
		close(fd);
		return -EPERM;
	}
	link_add(k, fd, label, ifname, pin);
	pr_info("attached to %s egress (tcx%s)\n", ifname, pin[0] ? ", pinned" : "");
	return 0;
}

int kern_event_fd(struct kern *k)
{
	return ring_buffer__epoll_fd(k->rb);
}

int kern_consume(struct kern *k)
{
	int n = ring_buffer__consume(k->rb);

	return n == -EINTR ? 0 : n;
}

bool kern_asleep(struct kern *k)
{
	__atomic_store_n(&k->skel->bss->consumer_asleep, 1, __ATOMIC_SEQ_CST);
	/* An event committed before the flag was seen: it did not wake us, so look. */
	if (ring_buffer__consume(k->rb) > 0) {
		kern_awake(k);
		return true;
	}
	return false;
}

void kern_awake(struct kern *k)
{
	__atomic_store_n(&k->skel->bss->consumer_asleep, 0, __ATOMIC_RELAXED);
}

void kern_detach(struct kern *k, const char *ifname)
{
	int i, j;

	for (i = 0, j = 0; i < k->nr_links; i++) {
		if (!strcmp(k->link_of[i], ifname)) {
			char path[PATH_MAX];

			/* A pinned link of an interface gone is defunct: nothing to hand over. */
			if (k->link_pin[i][0] && !pin_path(path, sizeof(path), k->pin_dir, "", k->link_pin[i]))
				unlink(path);
			close(k->link_fd[i]);
			pr_info("detached from %s\n", k->ifname[i]);
			continue;
		}
		if (i != j) {
			k->link_fd[j] = k->link_fd[i];
			memcpy(k->ifname[j], k->ifname[i], sizeof(k->ifname[0]));
			memcpy(k->link_of[j], k->link_of[i], sizeof(k->link_of[0]));
			memcpy(k->link_pin[j], k->link_pin[i], sizeof(k->link_pin[0]));
		}
		j++;
	}
	k->nr_links = j;
}

int kern_run_frame(struct kern *k, uint8_t *buf, const uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	struct xdp_md ctx = {
		.data = sizeof(struct sipxdp_xdp_meta),
		.data_end = sizeof(struct sipxdp_xdp_meta) + len,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = buf,
		.data_size_in = sizeof(struct sipxdp_xdp_meta) + len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	int err;

	if (len > DP_FRAME_MAX)
		return -EMSGSIZE;
	memcpy(buf, &ts_ns, sizeof(ts_ns));
	memcpy(buf + sizeof(struct sipxdp_xdp_meta), frame, len);
	err = bpf_prog_test_run_opts(bpf_program__fd(k->skel->progs.sipxdp_xdp), &opts);
	return err ? -errno : 0;
}


int kern_probe(void *ctx)
{
	struct kern *k = ctx;
	struct sipxdp_health per[k->nr_cpus];
	__u32 zero = 0;

	return bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.health), &zero, per) ? -errno : 0;
}

/* --- the data plane (user/dataplane.h) ------------------------------ */

static struct kern *kern_of(struct dp *dp)
{
	return (struct kern *)dp;	/* dp is the first member */
}

static int kern_health(struct dp *dp, struct dp_health *out)
{
	struct kern *k = kern_of(dp);
	struct sipxdp_health per[k->nr_cpus];
	__u64 *dst = (__u64 *)&out->kernel;
	__u32 zero = 0;
	int i, j;

	memset(out, 0, sizeof(*out));
	out->events_bad = k->events_bad;
	if (bpf_map_lookup_elem(bpf_map__fd(k->skel->maps.health), &zero, per))
		return -errno;
	for (i = 0; i < k->nr_cpus; i++) {
		const __u64 *src = (const __u64 *)&per[i];

		for (j = 0; j < (int)(sizeof(out->kernel) / sizeof(__u64)); j++)
			dst[j] += src[j];
	}
	/*
	 * What was lost is what the kernel could not hand up: it counts every
	 * refusal (the ring keeps no count of its own).
	 */
	out->events_lost = out->kernel.event_fail;
	return 0;
}

static int kern_endpoint_set(struct dp *dp, const struct endpoint_key *key, const struct endpoint_info *info)
{
	struct sipxdp_bpf *skel = kern_of(dp)->skel;
	struct ep_count zero = {};

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.endpoints), key, info, BPF_ANY))
		return -errno;
	/* Its count of unpaired streams, if it has none yet (a full map: not counted there, only in all). */
	bpf_map_update_elem(bpf_map__fd(skel->maps.ep_unpaired), key, &zero, BPF_NOEXIST);
	return 0;
}

static void kern_media_port(struct dp *dp, uint16_t port, bool on)
{
	__u64 *word = &kern_of(dp)->skel->bss->media_ports[port >> 6];
	__u64 bit = 1ULL << (port & 63);

	/* The program reads the words while we write them: whole-word atomic updates. */
	if (on)
		__atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(word, ~bit, __ATOMIC_RELAXED);
}

static int kern_endpoint_del(struct dp *dp, const struct endpoint_key *key)
{
	struct sipxdp_bpf *skel = kern_of(dp)->skel;

	if (bpf_map_delete_elem(bpf_map__fd(skel->maps.endpoints), key) && errno != ENOENT)
		return -errno;
	bpf_map_delete_elem(bpf_map__fd(skel->maps.ep_unpaired), key);
	return 0;
}

static int kern_stream_get(struct dp *dp, const struct stream_key *key, struct stream_state *st)
{
	if (bpf_map_lookup_elem_flags(bpf_map__fd(kern_of(dp)->skel->maps.streams), key, st, BPF_F_LOCK))
		return -errno;
	return 0;
}

static int kern_stream_del(struct dp *dp, const struct stream_key *key, uint32_t flags)
{
	struct sipxdp_bpf *skel = kern_of(dp)->skel;

	if (bpf_map_delete_elem(bpf_map__fd(skel->maps.streams), key)) {
		if (errno != ENOENT)
			return -errno;
		return 0;
	}
	/* user space is the only writer of this one (mmap'ed .bss) */
	if (flags & STREAM_F_UNPAIRED)
		__atomic_fetch_add(&skel->bss->unpaired_released, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Key by key: two syscalls per stream, for kernels without batch lookups. */
static int streams_walk(struct kern *k, dp_stream_cb cb, void *ctx)
{
	int fd = bpf_map__fd(k->skel->maps.streams);
	struct stream_key key, next;
	struct stream_state st;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem_flags(fd, &key, &st, BPF_F_LOCK))
			continue;	/* deleted since */
		if (cb(ctx, &key, &st))
			return 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int batch_grow(struct kern *k, uint32_t cap)
{
	struct stream_key *keys = realloc(k->batch_keys, cap * sizeof(*keys));
	struct stream_state *vals;

	if (!keys)
		return -ENOMEM;
	k->batch_keys = keys;
	vals = realloc(k->batch_vals, cap * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	k->batch_vals = vals;
	k->batch_cap = cap;
	return 0;
}

#define STREAM_BATCH 256
#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's own, not in libc */
#endif

/*
 * BPF_MAP_LOOKUP_BATCH (Linux 5.6): a batch of keys and values per syscall,
 * values copied under their locks (BPF_F_LOCK).  The kernel walks whole
 * hash buckets: a bucket larger than the batch is ENOSPC, and the batch
 * grows.  ENOENT ends the walk, with the last entries still returned.
 */
static int kern_streams_read(struct dp *dp, dp_stream_cb cb, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_F_LOCK);
	struct kern *k = kern_of(dp);
	int fd = bpf_map__fd(k->skel->maps.streams), err;
	__u32 token, next, count, i;
	bool first = true;

	if (k->batch_unsupported)
		return streams_walk(k, cb, ctx);
	if (!k->batch_cap && (err = batch_grow(k, STREAM_BATCH)))
		return err;
	for (;;) {
		count = k->batch_cap;
		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &next, k->batch_keys,
					   k->batch_vals, &count, &opts);
		err = err ? -errno : 0;
		if (err == -ENOSPC && !count) {
			if ((err = batch_grow(k, k->batch_cap * 2)))
				return err;
			continue;
		}
		if (first && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP)) {
			k->batch_unsupported = true;
			pr_debug("batched stream reads refused (%s): reading key by key\n", strerror(-err));
			return streams_walk(k, cb, ctx);
		}
		if (err && err != -ENOENT)
			return err;
		for (i = 0; i < count; i++)
			if (cb(ctx, &k->batch_keys[i], &k->batch_vals[i]))
				return 0;
		if (err == -ENOENT)
			return 0;
		token = next;
		first = false;
	}
}

static int kern_pending_expire(struct dp *dp, uint64_t older_than_ns)
{
	int fd = bpf_map__fd(kern_of(dp)->skel->maps.pending), n = 0;
	struct endpoint_key key, next, gone[64];
	struct pending_rtp v;
	void *prev = NULL;
	int i, ngone = 0;

	/* Collect first: deleting the current key would restart the walk. */
	while (!bpf_map_get_next_key(fd, prev, &next) && ngone < 64) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem_flags(fd, &key, &v, BPF_F_LOCK) && v.st.last_ns < older_than_ns)
			gone[ngone++] = key;
	}
	for (i = 0; i < ngone; i++)
		n += !bpf_map_delete_elem(fd, &gone[i]);
	return n;
}

static int kern_endpoints_read(struct dp *dp, dp_endpoint_cb cb, void *ctx)
{
	int fd = bpf_map__fd(kern_of(dp)->skel->maps.endpoints);
	struct endpoint_key key, next;
	struct endpoint_info info;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &info))
			continue;	/* deleted since */
		if (cb(ctx, &key, &info))
			return 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

static int kern_stream_put(struct dp *dp, const struct stream_key *key, const struct stream_state *st)
{
	struct stream_state v = *st;

	memset(&v.lock, 0, sizeof(v.lock));
	if (bpf_map_update_elem(bpf_map__fd(kern_of(dp)->skel->maps.streams), key, &v, BPF_NOEXIST))
		return -errno;
	return 0;
}

static const struct dp_ops kern_dp_ops = {
	.endpoint_set = kern_endpoint_set,
	.endpoint_del = kern_endpoint_del,
	.media_port = kern_media_port,
	.streams_read = kern_streams_read,
	.stream_get = kern_stream_get,
	.stream_del = kern_stream_del,
	.health = kern_health,
	.pending_expire = kern_pending_expire,
	.endpoints_read = kern_endpoints_read,
	.stream_put = kern_stream_put,
};

struct dp *kern_dataplane(struct kern *k)
{
	return &k->dp;
}

void kern_close(struct kern *k)
{
	int i;

	for (i = k->nr_links - 1; i >= 0; i--) {
		close(k->link_fd[i]);
		if (k->link_pin[i][0])
			pr_info("left %s attached: its link is pinned in %s for the next agent (--persist)\n",
				k->ifname[i], k->pin_dir);
		else
			pr_info("detached from %s\n", k->ifname[i]);
	}
	k->nr_links = 0;
	ring_buffer__free(k->rb);
	k->rb = NULL;
	sipxdp_bpf__destroy(k->skel);
	k->skel = NULL;
	free(k->batch_keys);
	free(k->batch_vals);
	k->batch_keys = NULL;
	k->batch_vals = NULL;
	k->batch_cap = 0;
}
