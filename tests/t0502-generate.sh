#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Generated application files, checked structurally: Kconfig parses with
# kconfiglib, `make -n` expands the Makefile, every path is absolute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unikraft-pool.sh"

check_status "match --help" 0 "$UNISCOPE" match --help
check_grep "match help names --pool" "^  --pool PATH" "$WORK/out"
check_status "build --help" 0 "$UNISCOPE" build --help
check_grep "build help names --app-src" "^  --app-src DIR" "$WORK/out"
check_status "unknown build option" 2 "$UNISCOPE" build --frobnicate
check_status "build without --workspace" 2 "$UNISCOPE" build "$TOP/tests/data/clock-report.json"
check_grep "missing options named" "needs REPORT.json, --workspace and --app-src" "$WORK/out"

# A folder that stands for the workspace: generation only writes its path.
workspace=$WORK/unikraft
mkdir -p "$workspace" "$WORK/libs"
app=$WORK/app
check_status "external library needs --libs" 1 "$UNISCOPE" build \
	"$TOP/tests/data/server-report.json" --workspace "$workspace" \
	--app-src "$TOP/tests/data/clock-src" --pool "$POOL" --libc nolibc --generate-only \
	-o "$WORK/nolibs"
check_grep "missing --libs is explained" "lib-lwip is an external library .* give --libs" \
	"$WORK/out"

check_status "build --generate-only" 0 "$UNISCOPE" build "$TOP/tests/data/server-report.json" \
	--workspace "$workspace" --libs "$WORK/libs" --app-src "$TOP/tests/data/clock-src" --pool "$POOL" \
	--libc nolibc --name server --generate-only --config CONFIG_LIBUKRANDOM=n -o "$app"

for file in Makefile Makefile.uk Config.uk defconfig.uniscope Kraftfile match.json \
	    uniscope_stubs.c src/clock.c; do
	if [ -f "$app/$file" ]; then pass "writes $file"; else fail "writes $file"; fi
done

check_grep "Makefile has absolute UK_ROOT" "^UK_ROOT \?= $workspace$" "$app/Makefile"
check_grep "external libraries by absolute path" "^LIBS := $WORK/libs/lib-lwip:$WORK/libs/lib-pthread-embedded$" "$app/Makefile"
# make runs $(MAKE) lines even with -n, so MAKE=echo shows the expansion.
make -n -C "$app" MAKE=echo > "$WORK/make-n" 2>&1
check_eq "make -n succeeds" 0 $?
check_grep "make -n runs the core's make" "^-C $workspace A=$app L=/" "$WORK/make-n"
check_no_grep "no relative path in make -n" " (A|L)=[^/]" "$WORK/make-n"

check_grep "Makefile.uk registers the app" '^\$\(eval \$\(call addlib,appserver\)\)$' "$app/Makefile.uk"
check_grep "Makefile.uk lists the source" 'APPSERVER_SRCS-y \+= \$\(APPSERVER_BASE\)/src/clock.c' \
	"$app/Makefile.uk"
check_grep "Makefile.uk has the stubs file" 'uniscope_stubs.c' "$app/Makefile.uk"
check_grep "Config.uk selects vfscore" $'^\tselect LIBVFSCORE$' "$app/Config.uk"
check_grep "defconfig sets the platform" "^CONFIG_PLAT_KVM=y$" "$app/defconfig.uniscope"
check_grep "defconfig unsets ukrandom" "^# CONFIG_LIBUKRANDOM is not set$" "$app/defconfig.uniscope"
check_grep "Kraftfile names the target" "^  - qemu/x86_64$" "$app/Kraftfile"
check_grep "Kraftfile lists pthread-embedded" "^  pthread-embedded:$" "$app/Kraftfile"

# kconfiglib needs every symbol the app selects defined: a stand-in tree
# defines them as plain bools around the generated menu.
{
	jq -r '.requested_options[]' "$app/match.json" |
		while read -r option; do printf 'config %s\n\tbool\n' "$option"; done
	printf 'source "%s/Config.uk"\n' "$app"
} > "$WORK/Kconfig"
check_status "Config.uk parses with kconfiglib" 0 /usr/bin/python3 -c '
import sys, kconfiglib
kconf = kconfiglib.Kconfig(sys.argv[1], warn_to_stderr=False)
app = kconf.syms["APPSERVER"]
names = sorted(sym.name for sym, cond in app.selects)
assert "LIBVFSCORE" in names, names
assert app.str_value == "y", app.str_value
' "$WORK/Kconfig"
