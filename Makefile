# sipxdp - one Makefile for the agent, its BPF object and its tests.
# `make V=1` prints full commands.

.DELETE_ON_ERROR:
.SUFFIXES:
# Objects made on the way to a test binary are kept: they are linked into every test.
.SECONDARY:

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

# CFLAGS is the caller's (optimisation, sanitizers: make CFLAGS="-O1 -g -fsanitize=address");
# what the project needs is in SIPXDP_CFLAGS and always applies.  CPPFLAGS and
# LDFLAGS are the caller's too: the package build passes dpkg-buildflags'
# hardening (_FORTIFY_SOURCE, relro, now) through them.
CFLAGS   ?= -O2 -g
SIPXDP_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser -I$(BUILD)
LDLIBS   := -lbpf -lelf -lz -lpcap -ljansson -lsodium -lmnl -lmicrohttpd -lsystemd -lcap-ng -lm -pthread
# BPF_EXTRA_CFLAGS: a variant of the program (tests/net/test_restart.sh builds one).
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	-Iinclude -Ibpf -I/usr/include/$(MULTIARCH)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all clean deps install uninstall deb test test-unit test-prog test-net conformance demo bench bench-peers bench-scale help

all: $(BUILD)/sipxdp

help:
	@echo "make            build $(BUILD)/sipxdp"
	@echo "make deps       install build and test dependencies (Debian 12, apt-get)"
	@echo "make test       unit, program, network and (with ../shared/data) conformance tests"
	@echo "make demo       demo network with real calls and the agent attached"
	@echo "make bench      every benchmark: per-packet cost against the floor program, learning, INVITE and"
	@echo "                sipp call rates, beside tcpdump/tshark/sngrep, 50,000 calls, --read (~8 min)"
	@echo "make bench-peers  sipxdp beside tcpdump, tshark and sngrep on the same load"
	@echo "make bench-scale  50,000 calls and 100,000 streams; sipp at rising call rates"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECONDS (60) s each; fuzz-smoke: 10 s each"
	@echo "make install    the agent, man page, unit, configuration under PREFIX (/usr/local), DESTDIR;"
	@echo "                make uninstall removes them (a changed file under /etc stays)"
	@echo "make deb        the Debian package, with dpkg-buildpackage, into $(BUILD)/"

deps:
	$(Q)./deploy/deps.sh

$(BUILD) $(BUILD)/user $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/sipxdp.bpf.o: bpf/sipxdp.bpf.c bpf/parsing.h include/sipxdp.h include/rtp_stats.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(BPF_EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/sipxdp.skel.h: $(BUILD)/sipxdp.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sipxdp_bpf > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*.h) $(wildcard include/*.h) $(BUILD)/sipxdp.skel.h | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SIPXDP_CFLAGS) -c $< -o $@

# The XDP program's second build, with the host compiler, into the agent:
# user/uxdp.c runs it for --read without the privilege to load it.
# user/uxdp/prog.c includes bpf/sipxdp.bpf.c whole; -Iuser/uxdp, first,
# puts the BPF runtime's shim (user/uxdp/bpf/bpf_helpers.h) where libbpf's
# would be.  What the program's C needs of a host compiler, and nothing more:
#   -fno-strict-aliasing      keys compared as words (stream_key_eq), header
#                             structs laid over packet bytes
#   -Wno-unused-parameter     the BPF build is -Wall only: start_stream() keeps a
#                             hook it no longer reads, sipxdp_empty() ignores its context
#   -Wno-maybe-uninitialized  sipxdp_floor, a benchmark program never run
#                             natively, counts into a stack struct it never reads
#                             (gcc -O1 with sanitizers sees it; gcc only: clang
#                             has no warning by that name and warns of the flag)
# and, in sanitizer builds, -fno-sanitize=alignment: headers are read where
# they lie in the frame (2 bytes past 4-alignment behind Ethernet), as the
# BPF program reads them; x86-64 and arm64 load unaligned words.  Then
# every symbol but the uxdp_prog_* API is made local (objcopy): the
# program's globals (streams, health, events, ...) are not the agent's names.
UXDP_PROG_CFLAGS := -Iuser/uxdp -Ibpf -fno-strict-aliasing -Wno-unused-parameter
uxdp_prog_gcc_only = $(if $(findstring clang,$(shell $(firstword $(1)) --version 2>/dev/null | head -n 1)),,\
	-Wno-maybe-uninitialized)
UXDP_PROG_DEPS := user/uxdp/prog.c user/uxdp/prog.h user/uxdp/bpf/bpf_helpers.h bpf/sipxdp.bpf.c bpf/maps.h \
	bpf/parsing.h include/sipxdp.h include/rtp_stats.h user/umap.h
# $(call uxdp_prog_cc,COMPILER AND FLAGS): $< to $@.
define uxdp_prog_cc
	$(Q)mkdir -p $(@D)
	$(Q)$(1) $(UXDP_PROG_CFLAGS) $(call uxdp_prog_gcc_only,$(1)) -c $< -o $@.tmp
	$(Q)objcopy --wildcard --keep-global-symbol='uxdp_prog_*' $@.tmp $@
	$(Q)rm -f $@.tmp
endef

$(BUILD)/user/uxdp_prog.o: $(UXDP_PROG_DEPS) | $(BUILD)/user
	$(call msg,CC-PROG,$@)
	$(call uxdp_prog_cc,$(CC) -Iuser/uxdp $(CFLAGS) $(SIPXDP_CFLAGS))

$(BUILD)/sipxdp: $(BUILD)/user/main.o $(USER_OBJS) $(BUILD)/user/uxdp_prog.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SIPXDP_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The version is written once, in debian/changelog, where dpkg-buildpackage
# reads it too; --version and sipxdp_build_info print it.  Its first line is
# "sipxdp (VERSION) ...": no epoch or Debian revision for a native package,
# dropped here should there ever be one.
VERSION := $(shell sed -n '1{s/^[^(]*(\([^)]*\)).*/\1/;s/^[0-9]*://;s/-[^-]*$$//;p;q}' debian/changelog 2>/dev/null)
ifneq ($(VERSION),)
$(BUILD)/user/opts.o: SIPXDP_CFLAGS += -DSIPXDP_VERSION='"$(VERSION)"'
$(BUILD)/user/opts.o: debian/changelog
endif

# Modules that parse untrusted bytes and need neither libbpf nor the kernel.
PARSER_SRCS := user/util.c user/hashing.c user/sip.c user/sipbody.c user/sdp.c user/codec.c user/ipfrag.c user/hep.c \
	user/tcpsip.c user/rtcp.c user/emodel.c
# The logic above the data plane (user/dataplane.h): no libbpf either.  Unit
# tests run it against the in-memory data plane of tests/unit/fake_dp.c.
LOGIC_SRCS := user/log.c user/reasm.c user/endpoints.c user/media.c user/dialog.c user/quality.c user/record.c user/hepjson.c user/hepout.c \
	user/peers.c user/callmetrics.c user/state.c \
	user/snapshot.c user/prom.c user/show.c user/opts.c user/replay.c user/umap.c user/uxdp.c
# Only these may include libbpf or the skeleton.
KERN_SRCS := user/kern.c user/capture.c

# Unit tests: every module but the kernel's, sanitizers on, since they parse hostile bytes.
TEST_CFLAGS := $(SIPXDP_CFLAGS) -Itests/unit -Itests/prog -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer
# The process's own privileges (libcap-ng): unit-tested in forked children.
SYS_SRCS := user/privs.c user/hepsend.c
TEST_SRCS := $(PARSER_SRCS) $(LOGIC_SRCS) $(SYS_SRCS) tests/unit/fake_dp.c
# Each module is compiled once with these flags and linked into every unit
# test (compiling all of them again for each test took most of `make test`).
TEST_OBJS := $(patsubst %.c,$(BUILD)/tests/obj/%.o,$(TEST_SRCS)) $(BUILD)/tests/obj/uxdp_prog.o
TEST_HDRS := $(wildcard user/*.h) $(wildcard include/*.h) $(wildcard tests/unit/*.h) $(wildcard tests/prog/*.h)
$(BUILD)/tests/obj/%.o: %.c $(TEST_HDRS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@
$(BUILD)/tests/obj/uxdp_prog.o: $(UXDP_PROG_DEPS)
	$(call msg,TEST-CC,$@)
	$(call uxdp_prog_cc,$(CC) -Iuser/uxdp $(TEST_CFLAGS) -fno-sanitize=alignment)
$(BUILD)/tests/test_%: $(BUILD)/tests/obj/tests/unit/test_%.o $(TEST_OBJS) | $(BUILD)/tests
	$(call msg,TEST-LD,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $^ -lcmocka -ljansson -lsodium -lcap-ng -lm -pthread -o $@

$(BUILD)/tests/prog_test: tests/prog/prog_test.c $(wildcard tests/prog/*.h) $(BUILD)/sipxdp.skel.h include/sipxdp.h include/rtp_stats.h | $(BUILD)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SIPXDP_CFLAGS) -Itests/prog $< -lbpf -lelf -lz -pthread -o $@

$(BUILD)/bench: tests/prog/bench.c tests/prog/frames.h $(BUILD)/sipxdp.skel.h include/sipxdp.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SIPXDP_CFLAGS) -Itests/prog $< -lbpf -lelf -lz -o $@

$(BUILD)/bench_streams: tests/prog/bench_streams.c tests/prog/frames.h tests/tools/streams.h $(BUILD)/sipxdp.skel.h include/sipxdp.h include/rtp_stats.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SIPXDP_CFLAGS) -Itests/prog $< -lbpf -lelf -lz -o $@

# Synthetic calls, SIP then RTP, for the live benchmarks (tests/tools/rtpgen.c).
$(BUILD)/rtpgen: tests/tools/rtpgen.c tests/tools/streams.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SIPXDP_CFLAGS) $< -lpcap -o $@

# Bounded floods from inside the test namespaces (tests/tools/sipflood.c).
$(BUILD)/sipflood: tests/tools/sipflood.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SIPXDP_CFLAGS) $< -o $@

test: all $(UNIT_TESTS) $(BUILD)/tests/prog_test $(BUILD)/sipflood
	$(Q)./tests/run.sh

test-unit: $(UNIT_TESTS)
	$(Q)./tests/run.sh unit

test-prog: $(BUILD)/tests/prog_test
	$(Q)./tests/run.sh prog

test-net: all $(BUILD)/sipflood
	$(Q)./tests/run.sh net

conformance: all
	$(Q)./tests/run.sh conformance

BENCH_TOOLS := $(BUILD)/bench $(BUILD)/bench_streams $(BUILD)/rtpgen $(BUILD)/sipflood

# Every benchmark, each printing its figures and the counts that make them
# honest (about 8 minutes); bench-peers and bench-scale run one part alone.
bench: all $(BENCH_TOOLS)
	$(Q)$(BUILD)/bench
	$(Q)$(BUILD)/bench_streams
	$(Q)./tests/bench/streams_live.sh
	$(Q)./tests/bench/learn.sh
	$(Q)./tests/bench/invites.sh
	$(Q)./tests/bench/sipp_rates.sh
	$(Q)./tests/bench/peers.sh
	$(Q)./tests/bench/scale.sh
	$(Q)./tests/bench/offline.sh
	$(Q)./tests/bench/hep_cost.sh

bench-peers: all $(BENCH_TOOLS)
	$(Q)./tests/bench/peers.sh

bench-scale: all $(BENCH_TOOLS)
	$(Q)./tests/bench/scale.sh
	$(Q)./tests/bench/sipp_rates.sh

demo: all
	$(Q)./deploy/demo.sh

clean:
	$(Q)rm -rf $(BUILD)

# ---- install, uninstall, deb ----------------------------------------------
# GNU-style directories under PREFIX; DESTDIR stages a tree (the package build
# installs into debian/sipxdp).  What sipxdp, logrotate and systemd-sysusers
# read goes where they look: the configuration under SYSCONFDIR, /etc also
# for PREFIX=/usr/local.  systemd reads units and sysusers.d from
# /usr/local/lib too; under /usr, from where pkg-config systemd says
# (Debian 12: /lib/systemd/system, /usr/lib/sysusers.d).
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
INSTALL    ?= install
systemd_dir = $(or $(shell pkg-config --variable=$(1) systemd 2>/dev/null),$(2))
ifeq ($(PREFIX),/usr)
UNITDIR     ?= $(call systemd_dir,systemdsystemunitdir,/lib/systemd/system)
SYSUSERSDIR ?= $(call systemd_dir,sysusersdir,/usr/lib/sysusers.d)
else
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
endif

# The unit and the man page name the packaged paths; installed elsewhere,
# they name where the files went (made at each install: PREFIX may change).
INSTALL_PATHS = sed -e 's|/usr/sbin/sipxdp|$(SBINDIR)/sipxdp|g' \
	-e 's|/etc/sipxdp/|$(SYSCONFDIR)/sipxdp/|g' -e 's|/etc/logrotate.d/|$(SYSCONFDIR)/logrotate.d/|g' \
	-e 's|/lib/systemd/system/sipxdp.service|$(UNITDIR)/sipxdp.service|g' \
	-e 's|/usr/lib/sysusers.d/sipxdp.conf|$(SYSUSERSDIR)/sipxdp.conf|g'

# Files under SYSCONFDIR are the operator's once there: install puts one only
# where there is none, uninstall removes one only if it is unchanged.
ETC_FILES := sipxdp/sipxdp.conf:deploy/config/sipxdp.conf sipxdp/peers:deploy/config/peers.example \
	logrotate.d/sipxdp:deploy/logrotate/sipxdp

install: $(BUILD)/sipxdp
	$(Q)mkdir -p $(BUILD)/install
	$(Q)$(INSTALL_PATHS) deploy/systemd/sipxdp.service >$(BUILD)/install/sipxdp.service
	$(Q)$(INSTALL_PATHS) deploy/man/sipxdp.8 >$(BUILD)/install/sipxdp.8
	$(Q)$(INSTALL) -D -m 0755 $(BUILD)/sipxdp $(DESTDIR)$(SBINDIR)/sipxdp
	$(Q)$(INSTALL) -D -m 0644 $(BUILD)/install/sipxdp.8 $(DESTDIR)$(MANDIR)/man8/sipxdp.8
	$(Q)$(INSTALL) -D -m 0644 $(BUILD)/install/sipxdp.service $(DESTDIR)$(UNITDIR)/sipxdp.service
	$(Q)$(INSTALL) -D -m 0644 deploy/sysusers/sipxdp.conf $(DESTDIR)$(SYSUSERSDIR)/sipxdp.conf
	$(Q)for f in $(ETC_FILES); do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${f%%:*} src=$${f#*:}; \
		if [ ! -e "$$dst" ]; then $(INSTALL) -D -m 0644 "$$src" "$$dst" || exit 1; \
		elif ! cmp -s "$$src" "$$dst"; then echo "  KEPT     $$dst (changed; this version's is $$src)"; fi; \
	done
	@echo "  INSTALL  $(DESTDIR)$(SBINDIR)/sipxdp, its man page, unit, configuration"
ifeq ($(DESTDIR),)
	@# What the package's maintainer scripts do: the user the unit runs as, the unit known.
	$(Q)! command -v systemd-sysusers >/dev/null || systemd-sysusers $(SYSUSERSDIR)/sipxdp.conf
	$(Q)[ ! -d /run/systemd/system ] || systemctl daemon-reload
	@echo "  NEXT     set 'interface' in $(SYSCONFDIR)/sipxdp/sipxdp.conf, then: systemctl enable --now sipxdp"
endif

# The user stays, as a package's does on purge: its files may outlive it.
uninstall:
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/sipxdp $(DESTDIR)$(MANDIR)/man8/sipxdp.8 \
		$(DESTDIR)$(UNITDIR)/sipxdp.service $(DESTDIR)$(SYSUSERSDIR)/sipxdp.conf
	$(Q)for f in $(ETC_FILES); do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${f%%:*} src=$${f#*:}; \
		if [ ! -e "$$dst" ]; then :; \
		elif cmp -s "$$src" "$$dst"; then rm -f "$$dst"; \
		else echo "  KEPT     $$dst (changed)"; fi; \
	done
	$(Q)! [ -d $(DESTDIR)$(SYSCONFDIR)/sipxdp ] || rmdir --ignore-fail-on-non-empty $(DESTDIR)$(SYSCONFDIR)/sipxdp
ifeq ($(DESTDIR),)
	$(Q)[ ! -d /run/systemd/system ] || systemctl daemon-reload
endif

# The package, built by dpkg-buildpackage (debian/) in a copy of this tree
# under $(BUILD)/deb: debhelper writes into debian/ and dpkg-buildpackage
# into the parent directory, and here neither this tree nor its parent (other
# checkouts beside it) gets a file.  The .deb, .buildinfo and .changes end
# up in $(BUILD)/.  The copy leaves out build/, never source whatever BUILD
# is; the package's make gets none of this make's variables (BUILD=... given
# here would have its `make clean` remove the copy it runs in).
DEB_STAGE = $(BUILD)/deb/sipxdp-$(VERSION)
deb:
	$(Q)rm -rf $(BUILD)/deb $(BUILD)/sipxdp_*.deb $(BUILD)/sipxdp-dbgsym_*.deb \
		$(BUILD)/sipxdp_*.buildinfo $(BUILD)/sipxdp_*.changes
	$(Q)mkdir -p $(DEB_STAGE)
	$(Q)tar -C . --exclude-vcs --exclude=./build --exclude=./$(BUILD) -cf - . | tar -C $(DEB_STAGE) -xf -
	$(Q)cd $(DEB_STAGE) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD dpkg-buildpackage -us -uc -b -Jauto
	$(Q)mv $(BUILD)/deb/*.deb $(BUILD)/deb/*.buildinfo $(BUILD)/deb/*.changes $(BUILD)/
	$(Q)rm -rf $(BUILD)/deb
	@ls -1 $(BUILD)/*.deb

include tests/fuzz/fuzz.mk
