#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Imported symbols and their versions match readelf --dyn-syms, also on
# copies whose section headers are gone, where only PT_DYNAMIC is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deps-lib.sh"
unset LD_LIBRARY_PATH

agree=0 total=0 versioned=0 disagreements=""
for program in $(dynamic_programs 60); do
	total=$((total + 1))
	readelf_imports "$program" > "$WORK/expected"
	deps_report "$WORK/report.json" --no-packages "$program" 2>/dev/null &&
		report_imports "$WORK/report.json" > "$WORK/actual" || : > "$WORK/actual"
	versioned=$((versioned + $(grep -c @ "$WORK/actual")))
	if cmp -s "$WORK/expected" "$WORK/actual"; then
		agree=$((agree + 1))
	else
		disagreements="$disagreements $program"
	fi
done
check_ge "at least 50 programs compared" 50 "$total"
check_eq "imports and versions equal readelf's" "$total" "$agree"
check_ge "versioned imports seen" 1000 "$versioned"
[ -z "$disagreements" ] || echo "# differ:$disagreements"

deps_report "$WORK/ls.json" --no-packages /usr/bin/ls
check_json "memcpy-like import has library" "$WORK/ls.json" \
	'[.imports[] | select(.version != null) | .library] | all(. != null)'
check_json "static_data symbols carry versions" "$WORK/ls.json" \
	'.static_data.symbols.getenv == "GLIBC_2.2.5"'

# Exports of shared libraries, versions included.
for library in /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libz.so.1 \
	       /lib/x86_64-linux-gnu/libstdc++.so.6; do
	[ -f "$library" ] || continue
	deps_report "$WORK/lib.json" --no-packages "$library"
	check_eq "exports of $(basename "$library")" "$(readelf_exports "$library")" \
		"$(report_exports "$WORK/lib.json")"
done

# Without section headers, readelf prints no symbols and uniscope reads PT_DYNAMIC.
for program in /usr/bin/ls /usr/bin/bash /usr/bin/ssh /lib/x86_64-linux-gnu/libz.so.1; do
	[ -f "$program" ] || continue
	name=$(basename "$program")
	strip_section_headers "$program" "$WORK/$name"
	check_eq "readelf sees no symbols in $name" "" "$(readelf_imports "$WORK/$name")"
	deps_report "$WORK/nosections.json" --no-packages "$WORK/$name"
	check_json "$name read through PT_DYNAMIC" "$WORK/nosections.json" \
		'.elf.symbol_source == "PT_DYNAMIC" and .elf.section_headers == false'
	check_eq "$name imports without sections" "$(readelf_imports "$program")" \
		"$(report_imports "$WORK/nosections.json")"
	check_eq "$name exports without sections" "$(readelf_exports "$program")" \
		"$(report_exports "$WORK/nosections.json")"
	check_eq "$name libraries without sections" "$(ldd_libraries "$program")" \
		"$(report_libraries "$WORK/nosections.json")"
done

# A program linked with DT_HASH only (no DT_GNU_HASH) sizes .dynsym from nchain.
printf '%s\n' '#include <stdio.h>' 'int main(void) { return puts("x") < 0; }' > "$WORK/hash.c"
gcc -Wl,--hash-style=sysv -o "$WORK/sysv" "$WORK/hash.c"
strip_section_headers "$WORK/sysv" "$WORK/sysv-nosections"
deps_report "$WORK/sysv.json" --no-packages "$WORK/sysv-nosections"
check_eq "DT_HASH imports without sections" "$(readelf_imports "$WORK/sysv")" \
	"$(report_imports "$WORK/sysv.json")"

# Unversioned imports get the first library in load order that defines them,
# found through DT_GNU_HASH, DT_HASH or a scan of a table without either.
cat > "$WORK/first.c" <<'SOURCE'
int first_only(void) { return 1; }
int both(void) { return 2; }
SOURCE
cat > "$WORK/second.c" <<'SOURCE'
int second_only(void) { return 3; }
int both(void) { return 4; }
SOURCE
cat > "$WORK/user.c" <<'SOURCE'
int first_only(void), second_only(void), both(void);
extern int missing_weak(void) __attribute__((weak));
int main(void) { return first_only() + second_only() + both() + (missing_weak ? 1 : 0); }
SOURCE
for style in gnu sysv; do
	gcc -shared -fPIC -Wl,--hash-style=$style -o "$WORK/libfirst.so" "$WORK/first.c"
	gcc -shared -fPIC -Wl,--hash-style=$style -o "$WORK/libsecond.so" "$WORK/second.c"
	gcc -o "$WORK/user" "$WORK/user.c" -L"$WORK" -lfirst -lsecond -Wl,-rpath,'$ORIGIN'
	deps_report "$WORK/user.json" --no-packages "$WORK/user"
	check_json "$style hash: import of the first library" "$WORK/user.json" \
		'.imports[] | select(.name == "first_only") | .library == "libfirst.so"'
	check_json "$style hash: import of the second library" "$WORK/user.json" \
		'.imports[] | select(.name == "second_only") | .library == "libsecond.so"'
	check_json "$style hash: both define, first wins" "$WORK/user.json" \
		'.imports[] | select(.name == "both") | .library == "libfirst.so"'
	check_json "$style hash: undefined weak has none" "$WORK/user.json" \
		'.imports[] | select(.name == "missing_weak") | .library == null'
done

# A hidden definition of a later version (foo@V2, not foo@@V2) does not
# take an unversioned reference: the loader goes on to the next library.
cat > "$WORK/hidden.c" <<'SOURCE'
int bar(void) { return 1; }
int foo_v2(void) { return 2; }
__asm__(".symver foo_v2,foo@V2");
SOURCE
printf 'V1 { global: bar; local: *; };\nV2 { } V1;\n' > "$WORK/hidden.map"
printf 'int foo(void) { return 3; }\n' > "$WORK/plain.c"
printf 'int foo(void), bar(void);\nint main(void) { return foo() + bar(); }\n' > "$WORK/mixed.c"
gcc -shared -fPIC -Wl,--version-script="$WORK/hidden.map" -o "$WORK/libhidden.so" \
	"$WORK/hidden.c"
gcc -shared -fPIC -o "$WORK/libplain.so" "$WORK/plain.c"
gcc -o "$WORK/mixed" "$WORK/mixed.c" -L"$WORK" -lhidden -lplain -Wl,-rpath,'$ORIGIN'
check_status "hidden version: program runs" 4 "$WORK/mixed"
deps_report "$WORK/mixed.json" --no-packages "$WORK/mixed"
check_json "hidden version: reference unversioned" "$WORK/mixed.json" \
	'.imports[] | select(.name == "foo") | .version == null'
check_json "hidden version skipped for the next library" "$WORK/mixed.json" \
	'.imports[] | select(.name == "foo") | .library == "libplain.so"'
