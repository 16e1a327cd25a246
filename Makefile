# lifeline build. `make` builds everything into build/; `make V=1` shows commands.
OUT        := build
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= cc
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PKGS       := libbpf json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -I. -Iinclude -Ibpf
CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
              -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT) $(PKG_CFLAGS)
LDLIBS     += $(PKG_LIBS) -lelf -lz

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
USER_HDRS := $(wildcard user/*.h) $(wildcard include/*.h)
PROGS     := $(patsubst user/%.c,$(OUT)/%,$(wildcard user/lifeline.c user/lifelined.c))

TEST_SRCS := $(wildcard tests/*.c)
TESTS     := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))
BENCH_SRCS:= $(wildcard bench/*.c)
BENCHES   := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

.PHONY: all clean vmlinux check test bench demo
.DELETE_ON_ERROR:

all: $(BPF_OBJS) $(SKELS) $(PROGS) $(TESTS) $(BENCHES)

$(OUT) $(OUT)/user $(OUT)/tests $(OUT)/bench:
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

$(OUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/%: user/%.c $(LIB_OBJS) $(USER_HDRS) $(SKELS) | $(OUT)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/tests/%: tests/%.c $(LIB_OBJS) $(USER_HDRS) $(wildcard tests/*.h) $(SKELS) | $(OUT)/tests
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/bench/%: bench/%.c $(LIB_OBJS) $(USER_HDRS) $(SKELS) | $(OUT)/bench
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

check test: all
	$(Q)tests/run

bench: all
	$(Q)bench/run

clean:
	rm -rf $(OUT)
