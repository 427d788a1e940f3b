#!/bin/bash
# Static system call scan of inputs it cannot decode: a clear message for the
# program, a per-object error for a library, and no crash.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/static_syscalls_lib.sh"

check_status "missing program fails" 1 "$SCAN" "$WORK/no-such-program"
check_grep "missing program named" "cannot analyse '$WORK/no-such-program'" "$WORK/out"

printf 'not an executable\n' > "$WORK/text"
check_status "text file fails" 1 "$SCAN" "$WORK/text"
check_grep "text file named" "'$WORK/text': not an ELF file" "$WORK/out"

if ! command -v aarch64-linux-gnu-as > /dev/null; then
	skip "unsupported machine" "aarch64-linux-gnu-as missing (binutils-aarch64-linux-gnu)"
	exit 0
fi
printf '.text\n.global _start\n_start:\n\tmov x8, #172\n\tsvc #0\n' > "$WORK/a64.s"
aarch64-linux-gnu-as "$WORK/a64.s" -o "$WORK/a64.o"

check_status "AArch64 program fails" 1 "$SCAN" "$WORK/a64.o"
check_grep "AArch64 named unsupported" "unsupported machine AArch64" "$WORK/out"

"$SCAN" "$PROGS/static_syscalls" "$WORK/a64.o" > "$WORK/scan.json" 2> "$WORK/err"
check_eq "AArch64 library does not stop the scan" 0 $?
check_json "AArch64 library error reported" "$WORK/scan.json" \
	".per_object[\"$WORK/a64.o\"].error | startswith(\"unsupported machine AArch64\")"
check_grep "AArch64 library warned about" "not analysed: unsupported machine" "$WORK/err"
check_json "program still scanned" "$WORK/scan.json" '.system_calls | has("getppid")'
