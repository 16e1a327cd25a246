# lifeline build. `make` builds everything into build/; `make V=1` shows commands.
OUT        := build
VERSION    := 0.1
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= cc
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PKGS       := libbpf libxdp json-c inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -I. -Iinclude -Ibpf
CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
              -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT) $(PKG_CFLAGS)
# The version, in one place: VERSION above; the programs print LL_VERSION.
CFLAGS     += -DLL_VERSION='"$(VERSION)"'
LDLIBS     += $(PKG_LIBS) -lelf -lz -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard include/*.h) vmlinux.h
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

LIB_SRCS  := $(filter-out user/lifeline.c user/lifelined.c,$(wildcard user/*.c))
LIB_OBJS  := $(patsubst user/%.c,$(OUT)/user/%.o,$(LIB_SRCS))
USER_HDRS := $(wildcard user/*.h) $(wildcard user/daemon/*.h) $(wildcard include/*.h)
# lifelined's own parts (user/daemon/): linked into lifelined only, not into the CLI or tests.
DAEMON_SRCS := $(wildcard user/daemon/*.c)
DAEMON_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(DAEMON_SRCS))
PROGS     := $(patsubst user/%.c,$(OUT)/%,$(wildcard user/lifeline.c user/lifelined.c))

# The command's objects (user/cli/, one file per CLI object): linked into lifeline only.
CLI_SRCS  := $(wildcard user/cli/*.c)
CLI_OBJS  := $(patsubst user/cli/%.c,$(OUT)/user/cli/%.o,$(CLI_SRCS))
CLI_HDRS  := $(wildcard user/cli/*.h)

TEST_SRCS := $(wildcard tests/*.c)
TESTS     := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))
BENCH_SRCS:= $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCHES   := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
# Helper BPF programs of the benchmarks (baselines, traffic generator).
BENCH_BPF := $(wildcard bench/*.bpf.c)
BENCH_SKELS := $(patsubst bench/%.bpf.c,$(OUT)/bench/%.skel.h,$(BENCH_BPF))

# What the build, the tests, the benchmarks and the demo need from Debian 12.
DEB_PKGS := make gcc clang llvm pkg-config libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev \
            libjson-c-dev libinih-dev libsystemd-dev libcap-dev libclang-rt-14-dev \
            iproute2 ethtool nbdkit libnbd-bin libnbd-dev iperf3 xdp-tools jq nftables iptables \
            gnuplot-nox util-linux procps bc help2man ltrace bash-completion \
            prometheus prometheus-node-exporter python3-yaml systemd strace curl \
            qemu-system-common qemu-block-extra tgt e2fsprogs

.PHONY: all clean vmlinux check test bench demo deps asan man install uninstall
.DELETE_ON_ERROR:
# Keep objects and intermediate BPF files: parallel builds share them.
.SECONDARY:

# BPF objects of the tests (foreign programs sharing lifeline's hooks).
TEST_BPF  := $(patsubst tests/obj/%.bpf.c,$(OUT)/tests/%.bpf.o,$(wildcard tests/obj/*.bpf.c))

all: $(BPF_OBJS) $(SKELS) $(PROGS) $(TESTS) $(BENCH_SKELS) $(BENCHES) $(TEST_BPF)

$(OUT) $(OUT)/user $(OUT)/user/daemon $(OUT)/tests $(OUT)/bench:
	$(Q)mkdir -p $@

$(OUT)/%.tmp.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.bpf.o: $(OUT)/%.tmp.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUT)/bench/%.tmp.o: bench/%.bpf.c $(BPF_HDRS) | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench -c $< -o $@

$(OUT)/tests/%.bpf.o: tests/obj/%.bpf.c $(BPF_HDRS) | $(OUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/user/daemon/%.o: user/daemon/%.c $(USER_HDRS) $(SKELS) | $(OUT)/user/daemon
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/lifelined: user/lifelined.c $(DAEMON_OBJS) $(LIB_OBJS) $(USER_HDRS) $(SKELS) | $(OUT)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(DAEMON_OBJS) $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/user/cli/%.o: user/cli/%.c $(USER_HDRS) $(CLI_HDRS) $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(OUT)/user/cli
	$(Q)$(CC) $(CFLAGS) -Iuser/cli -c $< -o $@

$(OUT)/lifeline: user/lifeline.c $(CLI_OBJS) $(LIB_OBJS) $(USER_HDRS) $(CLI_HDRS) $(SKELS) | $(OUT)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/cli $(LDFLAGS) $< $(CLI_OBJS) $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/%: user/%.c $(LIB_OBJS) $(USER_HDRS) $(SKELS) | $(OUT)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/tests/%: tests/%.c $(LIB_OBJS) $(USER_HDRS) $(wildcard tests/*.h) $(SKELS) | $(OUT)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/bench/%: bench/%.c $(LIB_OBJS) $(USER_HDRS) $(SKELS) $(BENCH_SKELS) | $(OUT)/bench
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) -Itests -I$(OUT)/bench $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

# Real NBD client load (libnbd), for the demo and the benchmarks.
$(OUT)/bench/nbdload: LDLIBS += -lnbd

# Man pages from one source each: the programs' --help (lifeline's through
# help2man with the extra sections in docs/man/lifeline.h2m; lifelined's is
# written as a man page already) and the commented example config.
MANPAGES := $(OUT)/man/lifeline.8 $(OUT)/man/lifelined.8 $(OUT)/man/lifeline.conf.5
man: $(MANPAGES)
$(OUT)/man/lifeline.8: $(OUT)/lifeline docs/man/lifeline.h2m
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(OUT)/man
	$(Q)help2man -N --no-discard-stderr -s 8 -i docs/man/lifeline.h2m --version-string $(VERSION) \
		-n "keep network block I/O alive under memory pressure" $< >$@
$(OUT)/man/lifelined.8: $(OUT)/lifelined docs/man/help2roff.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(OUT)/man
	$(Q)docs/man/help2roff.sh $< 8 >$@
$(OUT)/man/lifeline.conf.5: docs/lifeline.conf docs/man/conf2man.sh
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(OUT)/man
	$(Q)docs/man/conf2man.sh $< >$@

# make install [PREFIX=/usr/local] [DESTDIR=...]; the config is never overwritten.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
install: all man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf.d $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 docs/lifeline.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lifeline
	install -m 0755 $(OUT)/lifeline $(OUT)/lifelined $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(OUT)/man/lifeline.8 $(OUT)/man/lifelined.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(OUT)/man/lifeline.conf.5 $(DESTDIR)$(MANDIR)/man5/
	[ -e $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf ] || \
		install -m 0644 docs/lifeline.conf $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf
	sed 's|/usr/sbin/|$(SBINDIR)/|g' docs/lifelined.service >$(DESTDIR)$(UNITDIR)/lifelined.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/lifelined.service
	# the declared state: unit, drop-in directory, the commented example (not
	# installed as registry.conf: the unit would apply it at the next boot)
	install -d $(DESTDIR)$(SYSCONFDIR)/lifeline/registry.d $(DESTDIR)$(PREFIX)/share/doc/lifeline
	install -m 0644 docs/registry.conf $(DESTDIR)$(PREFIX)/share/doc/lifeline/registry.conf.example
	sed 's|/usr/sbin/|$(SBINDIR)/|g' docs/lifeline.service >$(DESTDIR)$(UNITDIR)/lifeline.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/lifeline.service

# Removes what install put, but a config the admin changed.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/lifeline $(DESTDIR)$(SBINDIR)/lifelined \
		$(DESTDIR)$(MANDIR)/man8/lifeline.8 $(DESTDIR)$(MANDIR)/man8/lifelined.8 \
		$(DESTDIR)$(MANDIR)/man5/lifeline.conf.5 $(DESTDIR)$(UNITDIR)/lifelined.service \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lifeline
	rm -f $(DESTDIR)$(UNITDIR)/lifeline.service $(DESTDIR)$(PREFIX)/share/doc/lifeline/registry.conf.example
	@rmdir $(DESTDIR)$(PREFIX)/share/doc/lifeline 2>/dev/null || true
	@rmdir $(DESTDIR)$(SYSCONFDIR)/lifeline/registry.d 2>/dev/null || true
	@if cmp -s docs/lifeline.conf $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf.d $(DESTDIR)$(SYSCONFDIR)/lifeline 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf ]; then \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/lifeline/lifeline.conf: it was changed"; fi

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

# Installs what is missing (idempotent: nothing happens when all is there).
deps:
	$(Q)dpkg -s $(DEB_PKGS) >/dev/null 2>&1 || { \
		echo "  APT      $(DEB_PKGS)"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS) >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PKGS); }; }

# The user-space tests again under AddressSanitizer and UBSan, in build-asan/.
asan:
	$(Q)$(MAKE) --no-print-directory OUT=build-asan SANITIZE=1 all

# The README's test command: install, build (twice: plain and sanitized), run every test.
check test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)tests/run

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run

# The README's first command: install, build, run the self-contained demo.
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/demo.sh

clean:
	rm -rf build build-asan

# Fragments owned by sub-areas (fuzz targets, benchmarks, install).
-include $(wildcard tests/*/*.mk bench/*.mk docs/*.mk)
