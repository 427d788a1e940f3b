# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Builds the BPF objects, their skeletons and the one `uniscope` binary.
# Everything generated goes to .output/; `make V=1` shows full commands.

OUTPUT ?= .output
BIN ?= uniscope
CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# vmlinux.h comes from the running kernel's BTF unless VMLINUX_H names a file.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H ?=

# System call numbers come from the kernel's UAPI headers.
UAPI_ASM ?= /usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)/asm
ERRNO_HEADERS ?= /usr/include/asm-generic/errno-base.h /usr/include/asm-generic/errno.h
UAPI_INCLUDE ?= /usr/include

PKGS := libbpf libelf zlib jansson
# Opened with dlopen() on first use (user/lazy_library.h), so uniscope links
# none of them: only their headers come from pkg-config.
LAZY_PKGS := capstone libgit2 libgvc
# Looked up on first use, not when make reads this file, so that
# `make deps all` finds the packages the deps target has just installed.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null))$(PKG_LIBS)

# The SONAME of lib$(2).so in the libdir of pkg-config package $(1), which
# the linker would record as DT_NEEDED and the lazy shims pass to dlopen(),
# and the Debian package that installs it (empty elsewhere), for their errors.
soname_of = $(or $(shell readelf -d "$$(pkg-config --variable=libdir $(1) 2>/dev/null)/lib$(2).so" \
	2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]$$/\1/p'),$(error cannot read \
	the SONAME of lib$(2).so in the libdir of pkg-config package $(1): install its \
	development package (make deps)))
package_of = $(shell dpkg-query -S '*/$(1)' 2>/dev/null | sed -n '1s/[:,].*//p')
# -D$(3)_SONAME and -D$(3)_PACKAGE as C strings, for lib$(2).so of package $(1).
lazy_defines = $(foreach soname,$(call soname_of,$(1),$(2)),-D$(3)_SONAME='"$(soname)"' \
	-D$(3)_PACKAGE='"$(call package_of,$(soname))"')

CFLAGS ?= -g -O2
override CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wformat-security \
	-D_GNU_SOURCE -std=gnu11 -I$(OUTPUT) -Iuser -Ibpf -Ianalysis -Ibuild \
	$(PKG_CFLAGS) -MMD -MP
LDLIBS += $(PKG_LIBS) -lpthread -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -I$(OUTPUT) -Ibpf \
	-Wall -Wno-unused-function $(CLANG_BPF_SYS_INCLUDES)
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

USER_SRCS := $(wildcard user/*.c analysis/*.c build/*.c vmtest/*.c optimize/*.c)
GEN_SRCS := $(OUTPUT)/syscall_names.c $(OUTPUT)/errno_names.c $(OUTPUT)/uring_ops.c
USER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(USER_SRCS)) \
	$(patsubst $(OUTPUT)/%.c,$(OUTPUT)/gen/%.o,$(GEN_SRCS))

TEST_PROG_SRCS := $(wildcard tests/progs/*.c)
TEST_PROGS := $(patsubst tests/progs/%.c,$(OUTPUT)/tests/%,$(TEST_PROG_SRCS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all clean test bench deps test-progs demo
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BIN) test-progs

$(BIN): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT) $(OUTPUT)/gen $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
ifneq ($(VMLINUX_H),)
	$(Q)cp $(VMLINUX_H) $@
else
	$(Q)test -r $(VMLINUX_BTF) || { echo "error: kernel BTF not found at $(VMLINUX_BTF):" \
		"build on a kernel with CONFIG_DEBUG_INFO_BTF=y or set VMLINUX_H=FILE" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@
endif

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

$(OUTPUT)/syscall_names.c: user/gen_syscall_names.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)sh $< $(UAPI_ASM) > $@

$(OUTPUT)/uring_ops.c: user/gen_uring_ops.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)sh $< $(UAPI_INCLUDE)/linux/io_uring.h > $@

$(OUTPUT)/errno_names.c: user/gen_errno_names.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)sh $< $(ERRNO_HEADERS) > $@

# Every user object may include any skeleton, so skeletons come first.
$(OUTPUT)/%.o: %.c $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/analysis/capstone_lazy.o: override CFLAGS += $(call lazy_defines,capstone,capstone,CAPSTONE)
$(OUTPUT)/build/libgit2_lazy.o: override CFLAGS += $(call lazy_defines,libgit2,git2,LIBGIT2)
$(OUTPUT)/analysis/graphviz_lazy.o: override CFLAGS += $(call lazy_defines,libgvc,gvc,GVC) \
	$(call lazy_defines,libgvc,cgraph,CGRAPH)

$(OUTPUT)/gen/%.o: $(OUTPUT)/%.c | $(OUTPUT)/gen
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

test-progs: $(TEST_PROGS)

$(OUTPUT)/tests/%: tests/progs/%.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O1 -Wall -D_GNU_SOURCE $(TEST_PROG_CFLAGS_$*) $< -o $@ -lpthread $(TEST_PROG_LIBS_$*)

TEST_PROG_CFLAGS_static_syscalls32 := -m32
# Every call in the source must stay a call: no inlined or folded builtins.
TEST_PROG_CFLAGS_libc_calls := -O0 -fno-builtin
TEST_PROG_LIBS_dlopen_zlib := -ldl
TEST_PROG_CFLAGS_libcall_loop := -O0 -fno-builtin

# The same library-call program, linked statically and against musl.
test-progs: $(OUTPUT)/tests/libc_calls_static
$(OUTPUT)/tests/libc_calls_static: tests/progs/libc_calls.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O0 -fno-builtin -static $< -o $@ -lpthread

ifneq ($(shell command -v musl-gcc 2>/dev/null),)
test-progs: $(OUTPUT)/tests/libc_calls_musl
$(OUTPUT)/tests/libc_calls_musl: tests/progs/libc_calls.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)musl-gcc -g -O0 -fno-builtin $< -o $@ -lpthread
endif
$(OUTPUT)/tests/static_syscalls32: tests/progs/static_syscalls.c

# Prints syscall_scan()'s JSON for a program, for the static system call tests.
SYSCALL_SCAN_TEST_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard analysis/syscall_*.c) \
	analysis/result_cache.c analysis/capstone_lazy.c tests/unit/syscall_scan_test.c \
	user/lazy_library.c user/log.c user/syscalls.c user/util.c) \
	$(OUTPUT)/gen/syscall_names.o $(OUTPUT)/gen/errno_names.o
test-progs: $(OUTPUT)/tests/syscall_scan_test
$(OUTPUT)/tests/syscall_scan_test: $(SYSCALL_SCAN_TEST_OBJS) | $(OUTPUT)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# uniscope with AddressSanitizer and UndefinedBehaviorSanitizer in
# $(OUTPUT)/asan, for the tests that run the dependency analysis under them.
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
.PHONY: asan fuzz
asan:
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/asan BIN=$(OUTPUT)/asan/uniscope \
		CFLAGS="-g -O1 $(SANITIZE_FLAGS)" LDFLAGS="$(SANITIZE_FLAGS)" $(OUTPUT)/asan/uniscope

# libFuzzer target of the ELF reader and the ld.so.cache parser, run for
# FUZZ_SECONDS on a corpus of small real files.
FUZZ_SECONDS ?= 60
FUZZ_TARGET := $(OUTPUT)/fuzz/elf_fuzz
fuzz: $(FUZZ_TARGET)
	$(Q)tests/fuzz/run $(FUZZ_TARGET) $(FUZZ_SECONDS)

$(FUZZ_TARGET): tests/fuzz/elf_fuzz.c analysis/elf_reader.c analysis/ldso.c
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -Ianalysis -Iuser $^ $(shell pkg-config --libs libelf) -o $@

test: all
	$(Q)tests/run

# The quick start's example: what sqlite3 needs, statically and from a run
# driven by a bundled test file.
demo: all
	./$(BIN) deps -o sqlite3-report.json --test-file tests/data/sqlite3-queries.json sqlite3

bench: all $(OUTPUT)/bench/floor $(OUTPUT)/bench/spawn_time
	$(Q)tests/bench/run

# Attaches do-nothing programs: the least any tracer of the syscall tracepoints costs.
$(OUTPUT)/bench/floor: tests/bench/floor.c $(OUTPUT)/floor.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

# Times one run of a command per line of a list, without a shell loop's cost.
$(OUTPUT)/bench/spawn_time: tests/bench/spawn_time.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@

deps:
	$(Q)tests/install-deps

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) $(BIN)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/*/*.d)
