#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Pool reading from workspace folders: a small core tree and a UK_LIBS
# folder written by the test, read through Config.uk, Makefile.uk and
# exportsyms.uk as Unikraft lays them out.
. "$(dirname "$0")/lib.sh"

core=$WORK/unikraft
libs=$WORK/libs
mkdir -p "$core/lib/posix-clock" "$core/lib/nolibc" "$core/plat/kvm" "$core/arch/x86" \
	"$libs/lib-netstack" "$libs/not-a-lib"

cat > "$core/Config.uk" <<'KCONFIG'
mainmenu "Unikraft stand-in"
config HAVE_LIBC
	bool
config ARCH_X86_64
	def_bool y
KCONFIG
cat > "$core/plat/kvm/Config.uk" <<'KCONFIG'
menuconfig PLAT_KVM
	bool "KVM guest"
	depends on ARCH_X86_64
	select LIBNOLIBC if !HAVE_LIBC
KCONFIG
echo '$(eval $(call addplatlib,kvm,libkvmplat))' > "$core/plat/kvm/Makefile.uk"
cat > "$core/lib/nolibc/Config.uk" <<'KCONFIG'
config LIBNOLIBC
	bool "nolibc: only the basics"
	depends on !HAVE_LIBC
KCONFIG
echo '$(eval $(call addlib_s,libnolibc,$(CONFIG_LIBNOLIBC)))' > "$core/lib/nolibc/Makefile.uk"
printf 'printf\nstrlen\n' > "$core/lib/nolibc/exportsyms.uk"

# The library folder, make name and option differ, as in lib/posix-time.
cat > "$core/lib/posix-clock/Config.uk" <<'KCONFIG'
menu "Clocks"
	depends on ARCH_X86_64

menuconfig LIBPOSIX_CLOCK
	bool "posix-clock: clocks \
and timers"
	default n
	help
	  select LIBNOT_A_DEPENDENCY (help text is skipped)

if LIBPOSIX_CLOCK
config LIBPOSIX_CLOCK_TIMERS
	bool "timers"
	select LIBNETSTACK if ARCH_X86_64
endif
endmenu
KCONFIG
cat > "$core/lib/posix-clock/Makefile.uk" <<'MAKE'
$(eval $(call addlib_s,libposix_clocks,$(CONFIG_LIBPOSIX_CLOCK)))
LIBPOSIX_CLOCKS_SRCS-y += $(LIBPOSIX_CLOCKS_BASE)/clock.c
UK_PROVIDED_SYSCALLS-$(CONFIG_LIBPOSIX_CLOCK) += clock_gettime-2 \
	clock_getres-2
UK_PROVIDED_SYSCALLS-$(CONFIG_LIBPOSIX_CLOCK_TIMERS) += timer_create-3
MAKE
printf '# exported\nclock_gettime\ntimer_create\n' > "$core/lib/posix-clock/exportsyms.uk"

cat > "$libs/lib-netstack/Config.uk" <<'KCONFIG'
menuconfig LIBNETSTACK
	bool "netstack"
	select LIBPOSIX_CLOCK
KCONFIG
echo '$(eval $(call addlib_s,libnetstack,$(CONFIG_LIBNETSTACK)))' > "$libs/lib-netstack/Makefile.uk"
echo none > "$libs/lib-netstack/exportsyms.uk"

cat > "$WORK/report.json" <<'JSON'
{"static_data": {"symbols": {"printf": "", "clock_gettime": "", "socket": ""},
 "system_calls": {"clock_gettime": "", "timer_create": ""}, "shared_libs": {}}}
JSON

check_status "match reads core and UK_LIBS" 0 "$UNISCOPE" match "$WORK/report.json" \
	--pool "$core" --pool "$libs" -o "$WORK/m.json"
m=$WORK/m.json
check_json "three names kept apart" "$m" \
	'.libraries[] | select(.library == "libposix_clocks") | .dir == "lib/posix-clock" and .option == "LIBPOSIX_CLOCK"'
check_json "library path is absolute" "$m" \
	".libraries[] | select(.option == \"LIBPOSIX_CLOCK\") | .path == \"$core/lib/posix-clock\""
check_json "continued syscall line read" "$m" \
	'.libraries[] | select(.option == "LIBPOSIX_CLOCK") | .syscalls == ["clock_gettime", "timer_create"]'
check_json "sub-option enables timer_create" "$m" \
	'.requested_options | index("LIBPOSIX_CLOCK_TIMERS") != null'
check_json "select if under menu depends" "$m" \
	'.libraries[] | select(.option == "LIBNETSTACK") | .external and .why == "selected by CONFIG_LIBPOSIX_CLOCK_TIMERS"'
check_json "help text not parsed" "$m" '[.libraries[].option] | index("LIBNOT_A_DEPENDENCY") == null'
check_json "nolibc from the core" "$m" '.libc == "nolibc"'
check_json "platform from addplatlib" "$m" \
	'.libraries[] | select(.library == "libkvmplat") | .option == "PLAT_KVM"'
check_json "socket uncovered" "$m" '.uncovered.symbols == ["socket"]'

check_status "folder without libraries fails" 1 "$UNISCOPE" match "$WORK/report.json" \
	--pool "$libs/not-a-lib" -o "$WORK/x.json"
check_grep "empty folder is explained" "no Unikraft core, no library" "$WORK/out"
