#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Shared libraries resolved by `uniscope deps` equal those glibc's loader
# resolves (ldd), on programs of /usr/bin and on programs built here with
# $ORIGIN, DT_RPATH, $LIB, LD_LIBRARY_PATH, a missing library and caches
# in every ld.so.cache format.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deps-lib.sh"
unset LD_LIBRARY_PATH

# compare_with_ldd DESCRIPTION PROGRAM [UNISCOPE OPTIONS...]
compare_with_ldd()
{
	local description=$1 program=$2

	shift 2
	ldd_libraries "$program" > "$WORK/expected"
	if ! deps_report "$WORK/report.json" --no-packages "$@" "$program" 2> "$WORK/err"; then
		fail "$description" "$(cat "$WORK/err")"
		return
	fi
	report_libraries "$WORK/report.json" > "$WORK/actual"
	check_eq "$description" "$(cat "$WORK/expected")" "$(cat "$WORK/actual")"
}

agree=0 total=0 disagreements=""
for program in $(dynamic_programs 60); do
	total=$((total + 1))
	ldd_libraries "$program" > "$WORK/expected"
	deps_report "$WORK/report.json" --no-packages "$program" 2>/dev/null &&
		report_libraries "$WORK/report.json" > "$WORK/actual" || : > "$WORK/actual"
	if cmp -s "$WORK/expected" "$WORK/actual"; then
		agree=$((agree + 1))
	else
		disagreements="$disagreements $program"
	fi
done
check_ge "at least 50 programs compared" 50 "$total"
check_eq "library sets equal to ldd's" "$total" "$agree"
[ -z "$disagreements" ] || echo "# differ:$disagreements"

# A library beside the program, found through $ORIGIN in DT_RUNPATH.
mkdir -p "$WORK/app/bin" "$WORK/app/lib" "$WORK/app/lib/x86_64-linux-gnu"
echo 'int helper(void) { return 7; }' > "$WORK/helper.c"
printf '%s\n' 'int helper(void);' 'int main(void) { return helper() != 7; }' > "$WORK/main.c"
gcc -shared -fPIC -o "$WORK/app/lib/libhelper.so" "$WORK/helper.c"
gcc -o "$WORK/app/bin/runpath" "$WORK/main.c" -L"$WORK/app/lib" -lhelper \
	-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'
check_status "\$ORIGIN program runs" 0 "$WORK/app/bin/runpath"
compare_with_ldd "\$ORIGIN in DT_RUNPATH" "$WORK/app/bin/runpath"
check_json "found through runpath" "$WORK/report.json" \
	'.libraries[] | select(.name == "libhelper.so") | .found_by == "runpath"'

# The same through DT_RPATH, and through ${ORIGIN} in braces.
gcc -o "$WORK/app/bin/rpath" "$WORK/main.c" -L"$WORK/app/lib" -lhelper \
	-Wl,--disable-new-dtags,-rpath,'${ORIGIN}/../lib'
compare_with_ldd "\${ORIGIN} in DT_RPATH" "$WORK/app/bin/rpath"
check_json "found through rpath" "$WORK/report.json" \
	'.libraries[] | select(.name == "libhelper.so") | .found_by == "rpath"'

# $LIB expands to Debian's multiarch directory.
cp "$WORK/app/lib/libhelper.so" "$WORK/app/lib/x86_64-linux-gnu/libhelper.so"
rm "$WORK/app/lib/libhelper.so"
gcc -o "$WORK/app/bin/libtoken" "$WORK/main.c" -L"$WORK/app/lib/x86_64-linux-gnu" -lhelper \
	-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../$LIB'
compare_with_ldd "\$LIB in DT_RUNPATH" "$WORK/app/bin/libtoken"

# $PLATFORM expands to the machine's platform name (AT_PLATFORM).
mkdir -p "$WORK/app/x86_64"
cp "$WORK/app/lib/x86_64-linux-gnu/libhelper.so" "$WORK/app/x86_64/"
gcc -o "$WORK/app/bin/platform" "$WORK/main.c" -L"$WORK/app/x86_64" -lhelper \
	-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../${PLATFORM}'
compare_with_ldd "\${PLATFORM} in DT_RUNPATH" "$WORK/app/bin/platform"
check_json "found in the platform directory" "$WORK/report.json" \
	'.libraries[] | select(.name == "libhelper.so") | .path | endswith("/x86_64/libhelper.so")'
rm -r "$WORK/app/x86_64"

# Without the library, both report it as not found.
compare_with_ldd "missing library not found" "$WORK/app/bin/runpath"
check_json "missing library listed" "$WORK/report.json" \
	'[.libraries[] | select(.found_by == "not found") | .name] == ["libhelper.so"]'

# LD_LIBRARY_PATH counts only when asked for.
gcc -o "$WORK/app/bin/plain" "$WORK/main.c" -L"$WORK/app/lib/x86_64-linux-gnu" -lhelper
LD_LIBRARY_PATH=$WORK/app/lib/x86_64-linux-gnu ldd_libraries "$WORK/app/bin/plain" \
	> "$WORK/expected"
deps_report "$WORK/report.json" --no-packages \
	--library-path="$WORK/app/lib/x86_64-linux-gnu" "$WORK/app/bin/plain"
check_eq "--library-path matches LD_LIBRARY_PATH" "$(cat "$WORK/expected")" \
	"$(report_libraries "$WORK/report.json")"
LD_LIBRARY_PATH=$WORK/app/lib/x86_64-linux-gnu \
	deps_report "$WORK/report.json" --no-packages "$WORK/app/bin/plain"
check_json "LD_LIBRARY_PATH ignored by default" "$WORK/report.json" \
	'.libraries[] | select(.name == "libhelper.so") | .found_by == "not found"'

# -z nodefaultlib: neither the cache nor the system directories are searched.
printf 'int main(void) { return 0; }\n' > "$WORK/nodeflib.c"
gcc -Wl,-z,nodefaultlib -o "$WORK/nodeflib" "$WORK/nodeflib.c"
check_grep "ldd: libc not found with nodefaultlib" "libc.so.6 => not found" \
	<(ldd "$WORK/nodeflib" 2>&1)
deps_report "$WORK/report.json" --no-packages "$WORK/nodeflib"
check_json "DF_1_NODEFLIB honoured" "$WORK/report.json" \
	'.libraries[] | select(.name == "libc.so.6") | .found_by == "not found"'

# Every cache format ldconfig writes resolves the same (-X leaves links alone).
for format in new old compat; do
	if ! ldconfig -X -c "$format" -C "$WORK/$format.cache" 2> "$WORK/err"; then
		fail "ldconfig writes a $format cache" "$(cat "$WORK/err")"
		continue
	fi
	compare_with_ldd "$format ld.so.cache format" /usr/bin/ls --ld-cache "$WORK/$format.cache"
	check_json "$format cache used" "$WORK/report.json" \
		'[.libraries[] | select(.found_by == "ld.so.cache")] | length > 0'
done

# A corrupt cache is reported, and the default directories still work.
head -c 100 /etc/ld.so.cache > "$WORK/bad.cache"
compare_with_ldd "truncated cache falls back" /usr/bin/ls --ld-cache "$WORK/bad.cache"
check_grep "truncated cache reported" "ld.so.cache file or is truncated" "$WORK/err"
