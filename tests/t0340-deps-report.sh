#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The report keeps the UNICORE layout (static_data with dependencies,
# shared_libs, system_calls and symbols), embeds the static system call
# scan, and the graphs come out as DOT, PNG and SVG.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deps-lib.sh"
unset LD_LIBRARY_PATH

check_status "report written" 0 "$UNISCOPE" deps --static -o "$WORK/ls.json" --graphs "$WORK/graphs" ls
check_grep "summary names the program" "^/usr/bin/ls: ELF 64-bit x86-64 pie" "$WORK/out"
check_grep "summary lists libc" "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6" "$WORK/out"

check_json "static_data has the four maps" "$WORK/ls.json" \
	'.static_data | keys == ["dependencies", "shared_libs", "symbols", "system_calls"]'
check_json "dependencies map packages to lists" "$WORK/ls.json" \
	'.static_data.dependencies | to_entries | all(.value | type == "array")'
check_json "shared_libs map names to needs" "$WORK/ls.json" \
	'.static_data.shared_libs["libc.so.6"] == ["ld-linux-x86-64.so.2"]'
check_json "symbols map names to versions" "$WORK/ls.json" \
	'.static_data.symbols | to_entries | all(.value | type == "string")'
check_json "system_calls map names to empty strings" "$WORK/ls.json" \
	'.static_data.system_calls | length > 20 and (to_entries | all(.value == ""))'
check_json "system_calls are the scan's" "$WORK/ls.json" \
	'(.static_data.system_calls | keys) == (.static_syscalls.system_calls | keys)'
check_json "ls can open files" "$WORK/ls.json" \
	'.static_data.system_calls | has("openat") and has("getdents64")'
check_json "ELF facts beside static_data" "$WORK/ls.json" \
	'.elf.type == "pie" and .elf.interpreter == "/lib64/ld-linux-x86-64.so.2"'
check_json "counts beside static_data" "$WORK/ls.json" \
	'.counts.imports == (.imports | length) and .counts.libraries_not_found == 0'
check_json "libraries carry how they were found" "$WORK/ls.json" \
	'[.libraries[].found_by] | unique == ["interpreter", "ld.so.cache"]'
check_json "exports carry addresses" "$WORK/ls.json" \
	'.exports | all(.address | startswith("0x"))'

for kind in libraries packages; do
	check_grep "$kind DOT graph" "^digraph $kind" "$WORK/graphs/ls.$kind.dot"
	if command -v dot > /dev/null; then
		check_eq "$kind PNG rendered" "PNG" "$(head -c 4 "$WORK/graphs/ls.$kind.png" | tail -c 3)"
		check_grep "$kind SVG rendered" "<svg" "$WORK/graphs/ls.$kind.svg"
	else
		skip "$kind rendering" "graphviz is not installed: run make deps"
	fi
done
check_grep "library graph edge" '"ls" -> "libc.so.6"' "$WORK/graphs/ls.libraries.dot"
check_grep "package graph edge" '"coreutils" -> "libc6"' "$WORK/graphs/ls.packages.dot"
dot -Tcanon "$WORK/graphs/ls.libraries.dot" > /dev/null 2>&1
check_eq "DOT parses with graphviz" 0 $?

# A missing library is drawn dashed and red.
printf 'int f(void);\nint main(void) { return f(); }\n' > "$WORK/m.c"
printf 'int f(void) { return 0; }\n' > "$WORK/f.c"
gcc -shared -fPIC -o "$WORK/libf.so" "$WORK/f.c"
gcc -o "$WORK/needs-missing" "$WORK/m.c" -L"$WORK" -lf
rm "$WORK/libf.so"
check_status "missing library is no failure" 0 "$UNISCOPE" deps --static --no-syscalls \
	--no-packages -o "$WORK/m.json" --graphs "$WORK/graphs" "$WORK/needs-missing"
check_grep "summary says not found" "libf.so => not found" "$WORK/out"
check_grep "missing library drawn" '"libf.so" \[color=red' "$WORK/graphs/needs-missing.libraries.dot"

# JSON on stdout, and an unwritable output is an error.
"$UNISCOPE" deps --static --no-syscalls --no-packages --json ls > "$WORK/stdout.json"
check_json "--json prints the report" "$WORK/stdout.json" '.program.path == "/usr/bin/ls"'
check_status "unwritable output rejected" 1 "$UNISCOPE" deps --static --no-syscalls -o "$WORK/no/dir/x.json" ls
check_grep "unwritable output: clear error" "cannot write the report" "$WORK/out"
