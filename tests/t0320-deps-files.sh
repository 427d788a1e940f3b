#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Every kind of file gets a correct report or a clear error, never a crash:
# static, stripped, musl, 32-bit and aarch64 ELF files, scripts, truncated
# and non-ELF files, missing files and names looked up on PATH.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deps-lib.sh"
unset LD_LIBRARY_PATH

printf '%s\n' '#include <stdio.h>' 'int main(void) { return puts("hi") < 0; }' > "$WORK/hello.c"

# check_report NAME FILE [OPTIONS]: runs deps on FILE into $WORK/NAME.json.
check_report()
{
	local name=$1 file=$2

	shift 2
	check_status "$name analysed" 0 "$UNISCOPE" deps --static -q -o "$WORK/$name.json" "$@" "$file"
}

gcc -static -o "$WORK/static" "$WORK/hello.c"
check_report static "$WORK/static" --no-packages
check_json "static: facts" "$WORK/static.json" \
	'.elf.static and .elf.type == "executable" and .elf.symbol_source == ".symtab"'
check_json "static: no libraries" "$WORK/static.json" '.libraries == []'
check_json "static: own functions listed" "$WORK/static.json" \
	'.static_data.symbols | has("main") and has("puts")'
check_json "static: system calls found" "$WORK/static.json" \
	'.static_data.system_calls | has("write")'

gcc -o "$WORK/stripped" "$WORK/hello.c" && strip "$WORK/stripped"
check_report stripped "$WORK/stripped" --no-packages --no-syscalls
check_json "stripped: facts" "$WORK/stripped.json" \
	'.elf.stripped and .elf.type == "pie" and .elf.symbol_source == ".dynsym"'
check_json "stripped: versioned import" "$WORK/stripped.json" \
	'.static_data.symbols.puts == "GLIBC_2.2.5"'
check_eq "stripped: libraries" "$(ldd_libraries "$WORK/stripped")" \
	"$(report_libraries "$WORK/stripped.json")"

if command -v musl-gcc > /dev/null; then
	musl-gcc -o "$WORK/musl" "$WORK/hello.c"
	check_report musl "$WORK/musl" --no-packages --no-syscalls
	interpreter=$(jq -r .elf.interpreter "$WORK/musl.json")
	expected=$("$interpreter" --list "$WORK/musl" 2>&1 | awk '
		/=>/ { print $3; next } /^\t\// { print $1 }' | sort -u)
	check_eq "musl: libraries as musl's loader lists" "$expected" \
		"$(report_libraries "$WORK/musl.json")"
	check_json "musl: libc.so is the interpreter" "$WORK/musl.json" \
		'.libraries[] | select(.name == "libc.so") | .found_by == "interpreter"'
	check_json "musl: unversioned import" "$WORK/musl.json" '.static_data.symbols.puts == ""'
else
	skip "musl binary" "musl-gcc is missing: run make deps"
fi

if gcc -m32 -o "$WORK/m32" "$WORK/hello.c" 2> "$WORK/err"; then
	check_report m32 "$WORK/m32" --no-packages
	check_json "32-bit: facts" "$WORK/m32.json" \
		'.elf.class == 32 and .elf.machine == "i386" and .elf.type == "pie"'
	check_eq "32-bit: libraries" "$(ldd_libraries "$WORK/m32")" \
		"$(report_libraries "$WORK/m32.json")"
	check_eq "32-bit: imports" "$(readelf_imports "$WORK/m32")" \
		"$(report_imports "$WORK/m32.json")"
else
	skip "32-bit binary" "gcc -m32 failed (install gcc-multilib): $(head -n 1 "$WORK/err")"
fi

if command -v aarch64-linux-gnu-as > /dev/null; then
	printf '%s\n' '.global _start' '.text' '_start:' 'mov x0, #0' 'mov x8, #93' 'svc #0' \
		> "$WORK/a64.s"
	aarch64-linux-gnu-as -o "$WORK/a64.o" "$WORK/a64.s"
	aarch64-linux-gnu-ld -o "$WORK/a64" "$WORK/a64.o"
	check_report aarch64 "$WORK/a64" --no-packages
	check_json "aarch64: facts" "$WORK/aarch64.json" \
		'.elf.machine == "aarch64" and .elf.class == 64 and .elf.static'
	entry=$(readelf -h "$WORK/a64" | awk '/Entry point/ { print $4 }')
	check_json "aarch64: entry point" "$WORK/aarch64.json" ".elf.entry == \"$entry\""
else
	skip "aarch64 binary" "binutils-aarch64-linux-gnu is missing: run make deps"
fi

printf '#!/bin/sh\necho hi\n' > "$WORK/script.sh" && chmod +x "$WORK/script.sh"
check_report script "$WORK/script.sh" --no-syscalls
check_json "script: interpreter named" "$WORK/script.json" \
	'.program.script.interpreter == "/bin/sh" and .program.path == "/bin/sh"'
"$UNISCOPE" deps --static --no-syscalls "$WORK/script.sh" > "$WORK/summary"
check_grep "script: summary says so" "script run by '/bin/sh'" "$WORK/summary"
printf '#!/usr/bin/env bash\necho hi\n' > "$WORK/env.sh" && chmod +x "$WORK/env.sh"
check_report env "$WORK/env.sh" --no-syscalls --no-packages
check_json "script: env target looked up" "$WORK/env.json" \
	'.program.path | endswith("/bash")'

for size in 0 16 63 64 200 1000 3000 30000 70000; do
	head -c "$size" /usr/bin/ls > "$WORK/truncated"
	"$UNISCOPE" deps --static -q --no-packages -o "$WORK/truncated.json" "$WORK/truncated" \
		> /dev/null 2> "$WORK/err"
	status=$?
	if [ "$status" = 0 ] || { [ "$status" = 1 ] && grep -q "uniscope: error: " "$WORK/err"; }
	then
		pass "truncated at $size bytes: report or error"
	else
		fail "truncated at $size bytes: report or error" "status $status: $(cat "$WORK/err")"
	fi
done
check_grep "truncated: error says why" "truncated|not an ELF" "$WORK/err"

echo "plain text" > "$WORK/text"
check_status "non-ELF file rejected" 1 "$UNISCOPE" deps --static "$WORK/text"
check_grep "non-ELF: clear error" "neither an ELF file nor a '#!' script" "$WORK/out"
check_status "missing file rejected" 1 "$UNISCOPE" deps --static "$WORK/missing"
check_grep "missing: clear error" "cannot analyse .*No such file" "$WORK/out"
check_status "directory rejected" 1 "$UNISCOPE" deps --static "$WORK"
check_grep "directory: clear error" "not a regular file" "$WORK/out"

check_report name ls --no-packages --no-syscalls
check_json "name looked up on PATH" "$WORK/name.json" ".program.path == \"$(command -v ls)\""
check_status "unknown name rejected" 1 "$UNISCOPE" deps --static no-such-program-here
check_grep "unknown name: clear error" "not found on PATH" "$WORK/out"

check_status "no program is a usage error" 2 "$UNISCOPE" deps
check_status "two programs is a usage error" 2 "$UNISCOPE" deps --static ls cat
check_status "-j without --batch sets threads" 0 "$UNISCOPE" deps --static -q -j 2 \
	-o "$WORK/threads.json" ls
check_status "-j 0 is a usage error" 2 "$UNISCOPE" deps --static -j 0 ls
check_status "help" 0 "$UNISCOPE" deps --help
check_grep "help describes --static" "^  --static " "$WORK/out"

# -o is checked before the program runs, and names the fix.
check_status "-o in a missing folder fails first" 1 "$UNISCOPE" deps \
	-o "$WORK/missing-folder/report.json" -- sh -c "touch '$WORK/ran'"
check_grep "bad -o: error names the fix" "existing, writable folder" "$WORK/out"
check_status "program not run for a bad -o" 1 test -e "$WORK/ran"

# -o /dev/stdout writes where standard output is, so >> appends.
echo HEADER > "$WORK/appended"
"$UNISCOPE" deps --static -q -o /dev/stdout ls >> "$WORK/appended"
check_eq "/dev/stdout keeps the shell's append" HEADER "$(head -n 1 "$WORK/appended")"
check_status "/dev/stdout report is whole" 0 jq -e '.program.requested == "ls"' \
	<(tail -n +2 "$WORK/appended")

# A file name of 250 bytes leaves no room for a ".tmp.XXXXXX" suffix.
long_name=$WORK/$(printf 'n%.0s' $(seq 250))
check_status "250-byte file name written" 0 "$UNISCOPE" deps --static -q -o "$long_name" ls
check_status "250-byte name report whole" 0 jq -e '.program.requested == "ls"' "$long_name"
check_eq "no temporary file left" "" "$(find "$WORK" -maxdepth 1 -name '*.tmp.*')"
