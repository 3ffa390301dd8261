# tests/fuzz/fuzz.mk - libFuzzer targets for the parsers of untrusted bytes.
# Included by the top Makefile, which provides BUILD, CLANG, Q and msg.
#
#   make fuzz          build every target, run each for FUZZ_SECONDS (60) s
#   make fuzz-smoke    the same for FUZZ_SMOKE_SECONDS (10) s each; CI runs this
#   make fuzz-build    build only
#
# tests/fuzz/fuzz_X.c is linked with user/X.c, user/util.c, user/hashing.c
# (libsodium) and FUZZ_EXTRA_X (sources, or objects built by a rule here:
# uxdp's is the XDP program compiled natively, instrumented), and with
# FUZZ_LIBS_X.  Each target
# keeps its corpus in $(BUILD)/fuzz/corpus-X (seeded by tests/fuzz/seed.sh,
# and grown by every run), its log in $(BUILD)/fuzz/X.log and any crashing
# input in $(BUILD)/fuzz/artifacts-X/.  All targets run even when one fails;
# the goal fails if any did.  FUZZ_NAMES=sip runs one target only; FUZZ_ARGS
# passes more libFuzzer options.

# Included anywhere, this fragment leaves the top Makefile's default goal alone.
fuzz_default_goal := $(.DEFAULT_GOAL)

FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_MAX_LEN       ?= 65535
FUZZ_ARGS          ?=
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Iinclude -Iuser

# Sources beyond user/X.c that a target needs.
FUZZ_EXTRA_sdp     := user/codec.c
FUZZ_EXTRA_tcpsip  := user/sip.c
FUZZ_EXTRA_sipbody := user/sdp.c
FUZZ_EXTRA_replay  := user/log.c
FUZZ_EXTRA_uxdp    := user/umap.c user/log.c $(BUILD)/fuzz/uxdp_prog.o
FUZZ_EXTRA_hep     := user/hepjson.c user/rtcp.c
FUZZ_EXTRA_state   := user/dialog.c user/media.c user/endpoints.c user/callmetrics.c user/peers.c user/quality.c \
	user/emodel.c user/codec.c user/sdp.c user/sipbody.c user/sip.c user/rtcp.c user/log.c tests/unit/fake_dp.c
# Libraries beyond libsodium that a target needs.
FUZZ_LIBS_hep      := -ljansson
FUZZ_LIBS_state    := -lm

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_HDRS  := $(wildcard user/*.h include/*.h) tests/fuzz/fuzz.h

.PHONY: fuzz fuzz-smoke fuzz-build

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

# One explicit rule per target, so each sees its own FUZZ_EXTRA_X without
# .SECONDEXPANSION leaking into the rest of the Makefile.
define fuzz_rule
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c user/$(1).c user/util.c user/hashing.c $(FUZZ_EXTRA_$(1)) $(FUZZ_HDRS) | $(BUILD)/fuzz
	$$(call msg,FUZZ-CC,$$@)
	$$(Q)$$(CLANG) $$(FUZZ_CFLAGS) $$(filter %.c %.o,$$^) $$(FUZZ_LIBS_$(1)) -lsodium -pthread -o $$@
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(t))))

# The program as the agent builds it (Makefile: UXDP_PROG_CFLAGS), with the
# fuzzer's coverage and sanitizers but for alignment (headers are read where
# they lie, as in the kernel).
$(BUILD)/fuzz/uxdp_prog.o: $(UXDP_PROG_DEPS) | $(BUILD)/fuzz
	$(call msg,FUZZ-CC,$@)
	$(call uxdp_prog_cc,$(CLANG) -Iuser/uxdp $(FUZZ_CFLAGS) -Iinclude -Iuser -fno-sanitize=alignment)

# $(call fuzz_run,SECONDS): seed, run each target, one result line each and a
# summary.  -timeout turns a hang into a failure well before the run ends.
define fuzz_run
	$(Q)pass=0; fail=0; \
	for t in $(FUZZ_NAMES); do \
		dir=$(BUILD)/fuzz; log=$$dir/$$t.log; \
		bash tests/fuzz/seed.sh $$t $$dir/corpus-$$t >/dev/null || exit 1; \
		mkdir -p $$dir/artifacts-$$t; \
		printf '  %-8s %s\n' FUZZ "$$t, $(1) s"; \
		if $$dir/fuzz_$$t -max_total_time=$(1) -max_len=$(FUZZ_MAX_LEN) \
			-timeout=10 -print_final_stats=1 \
			-artifact_prefix=$$dir/artifacts-$$t/ $(FUZZ_ARGS) \
			$$dir/corpus-$$t >$$log 2>&1; then \
			pass=$$((pass + 1)); \
			printf '== fuzz %s: ok: %s\n' $$t \
				"$$(grep -E '^#[0-9]+' $$log | tail -n 1 | tr -s ' \t' ' ')"; \
		else \
			fail=$$((fail + 1)); \
			tail -n 60 $$log; \
			printf '== fuzz %s: FAILED: log %s, input in %s\n' $$t $$log \
				$$dir/artifacts-$$t/; \
		fi; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]
endef

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))

.DEFAULT_GOAL := $(fuzz_default_goal)
