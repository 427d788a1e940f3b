#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# End to end against a real Unikraft core in $UK_ROOT: a C program matched,
# generated, configured, built and booted under QEMU (TCG), printing its
# output. Only nolibc and internal libraries are used, so it builds offline.
. "$(dirname "$0")/lib.sh"

if [ -z "${UK_ROOT:-}" ] || [ ! -f "${UK_ROOT:-}/Config.uk" ]; then
	skip "unikraft end to end" "set UK_ROOT to a Unikraft core checkout to run it"
	exit 0
fi

app=$WORK/clock
src=$TOP/tests/data/clock-src
# QEMU's TCG has no RDSEED, which ukrandom needs at boot.
check_status "build against UK_ROOT" 0 timeout 900 "$UNISCOPE" build \
	"$TOP/tests/data/clock-report.json" --workspace "$UK_ROOT" --app-src "$src" \
	--name clock --libc nolibc --config CONFIG_LIBUKRANDOM=n -o "$app"
cp "$WORK/out" "$WORK/build.out"
check_json "nothing dropped by Kconfig" "$app/uniscope-build.json" '.dropped_options == []'
check_json "image built" "$app/uniscope-build.json" '.build.success and .build.image_size > 0'
check_grep "summary names the image" "^image: .*clock_qemu-x86_64 \([0-9]+ bytes\)$" \
	"$WORK/build.out"
check_grep "posix-time in .config" "^CONFIG_LIBPOSIX_TIME=y$" "$app/.config"

image=$(jq -r .build.image "$app/uniscope-build.json")
timeout 60 qemu-system-x86_64 -M pc -accel tcg -m 64 -nographic -no-reboot \
	-kernel "$image" < /dev/null > "$WORK/boot.log" 2>&1
check_eq "guest powers off" 0 $?
check_grep "guest prints clock_gettime" "^uniscope e2e: clock_gettime returned 0" "$WORK/boot.log"
check_grep "guest gets a PID" "^uniscope e2e: getpid returned [1-9]" "$WORK/boot.log"
check_json "gethostname stubbed" "$app/uniscope-build.json" '.build.stubs == ["gethostname"]'
check_grep "stub keeps the header's type" '^int gethostname\(char \*name, size_t len\)$' \
	"$app/uniscope_stubs.c"
check_grep "stub returns ENOSYS in the guest" \
	"^uniscope e2e: gethostname returned -1 \(ENOSYS\)" "$WORK/boot.log"

# The core read from UK_ROOT and the pool data, when both are Unikraft 0.17,
# give the same choice.
POOL=$TOP/../shared/unikraft-pool
if [ -d "$POOL" ] && grep -q '^UK_VERSION = 0$' "$UK_ROOT/version.mk" &&
   grep -q '^UK_SUBVERSION = 17$' "$UK_ROOT/version.mk"; then
	"$UNISCOPE" match "$TOP/tests/data/clock-report.json" --pool "$UK_ROOT" --libc nolibc \
		-o "$WORK/from-core.json" > /dev/null 2>&1
	"$UNISCOPE" match "$TOP/tests/data/clock-report.json" --pool "$POOL" --libc nolibc \
		-o "$WORK/from-data.json" > /dev/null 2>&1
	check_eq "core and pool data agree" \
		"$(jq -c '[.libraries[].option] | sort' "$WORK/from-data.json")" \
		"$(jq -c '[.libraries[].option] | sort' "$WORK/from-core.json")"
else
	skip "core and pool data agree" "UK_ROOT is not Unikraft 0.17 or the pool data is missing"
fi
