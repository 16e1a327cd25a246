# Fuzz targets of the user-space parsers (libFuzzer, clang, ASan + UBSan).
#   make fuzz         each target for FUZZ_SECONDS (default 60)
#   make fuzz-smoke   each target for 10 s (for CI)
#   make fuzz-build   only build them, into $(OUT)/fuzz/
# A crash, a sanitizer report or a broken invariant fails the run; the input
# is kept as $(OUT)/fuzz/artifacts/TARGET-crash-*, the log as $(OUT)/fuzz/TARGET.log.
# New corpus entries go to $(OUT)/fuzz/corpus/TARGET; the seeds in
# tests/fuzz/corpus/TARGET are only read. Included by the Makefile after `all`,
# so `all` stays the default goal.
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(OUT)/fuzz
FUZZ_TARGETS := fuzz_spec fuzz_duration fuzz_addr fuzz_proc fuzz_config fuzz_flowline \
                fuzz_pinpath fuzz_declare
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
                -Iinclude -Iuser -I$(OUT) -Itests/fuzz $(shell pkg-config --cflags libbpf)
FUZZ_FLAGS   := -timeout=10 -rss_limit_mb=2048 -max_len=512 -print_final_stats=1

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build: $(FUZZ_BINS)

# Each target links only the code it tests.
FUZZ_SRCS_fuzz_spec     := user/spec.c user/util.c
FUZZ_SRCS_fuzz_duration := user/spec.c user/util.c
FUZZ_SRCS_fuzz_addr     := user/spec.c user/util.c
FUZZ_SRCS_fuzz_flowline := user/regargs.c user/spec.c user/util.c
# The pressure sources: sources.c and one file per family (sources_*.c).
FUZZ_SOURCES            := $(wildcard user/sources*.c)
FUZZ_SRCS_fuzz_proc     := $(FUZZ_SOURCES) user/engine.c user/maps.c user/flowtab.c user/state.c
FUZZ_SRCS_fuzz_config   := user/config.c user/config_check.c user/util.c $(FUZZ_SOURCES) user/spec.c user/engine.c user/maps.c user/flowtab.c user/state.c
FUZZ_SRCS_fuzz_pinpath  := user/maps.c user/flowtab.c user/state.c
FUZZ_LIBS_fuzz_config   := -linih $(shell pkg-config --libs libbpf) -lelf -lz
FUZZ_LIBS_fuzz_proc     := $(shell pkg-config --libs libbpf) -lelf -lz
FUZZ_LIBS_fuzz_pinpath  := $(shell pkg-config --libs libbpf) -lelf -lz
# The registry parser only (declare*.c without their kernel half).
FUZZ_SRCS_fuzz_declare  := user/declare.c user/declare_parse.c user/declare_state.c \
                           user/declare_apply.c user/regargs.c $(FUZZ_SRCS_fuzz_config)
FUZZ_LIBS_fuzz_declare  := -DLL_DECL_PARSE_ONLY $(FUZZ_LIBS_fuzz_config)

.SECONDEXPANSION:
$(FUZZ_BINS): $(FUZZ_DIR)/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h $$(FUZZ_SRCS_$$*) $(SKELS) \
		include/lifeline.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(FUZZ_DIR)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*) -o $@

# $(call fuzz_run,SECONDS): runs every target in turn, stops at the first finding.
define fuzz_run
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts; \
		printf '  %-8s %s, %s s\n' FUZZ $$t $(1); \
		if ! $(FUZZ_DIR)/$$t $(FUZZ_FLAGS) -max_total_time=$(1) \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
			$(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t >$(FUZZ_DIR)/$$t.log 2>&1; then \
			tail -n 40 $(FUZZ_DIR)/$$t.log; \
			echo "fuzz: $$t found a problem; input in $(FUZZ_DIR)/artifacts/" >&2; \
			exit 1; \
		fi; \
		sed -n 's/^stat::number_of_executed_units: */           executions: /p' \
			$(FUZZ_DIR)/$$t.log; \
	done
endef

# The datapath against the reference model (tests/test_diff.c), 10^7 frames.
DIFF_FRAMES ?= 10000000

fuzz: $(FUZZ_BINS) $(OUT)/tests/test_diff
	$(call fuzz_run,$(FUZZ_SECONDS))
	$(call msg,DIFF,$(DIFF_FRAMES) frames)
	$(Q)$(OUT)/tests/test_diff --frames $(DIFF_FRAMES)

fuzz-smoke: $(FUZZ_BINS)
	$(call fuzz_run,10)
