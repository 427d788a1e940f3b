#!/bin/bash
# Static system call scan of an i386 program: int 0x80 sites in the program
# and the libc wrappers (call gs:[0x10]) are read with the i386 table.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/static_syscalls_lib.sh"

prog=$PROGS/static_syscalls32
scan=$WORK/scan.json

if [ ! -x "$prog" ]; then
	skip "i386 scan" "static_syscalls32 was not built (gcc-multilib missing)"
	exit 0
fi
check_status "scan succeeds" 0 scan_program "$prog" "$scan"
check_json "i386 table used" "$scan" '.abi == "32"'
check_json "program decoded as i386" "$scan" \
	'[.per_object[] | select(.role == "program") | .machine] == ["i386"]'
check_json "int 0x80 getppid has the i386 number" "$scan" \
	'.system_calls.getppid.number == 64 and
	 (.system_calls.getppid.sources | any(startswith("program:0x")))'
check_json "int 0x80 after a jump: getpid" "$scan" \
	'.system_calls.getpid.number == 20 and
	 (.system_calls.getpid.sources | any(startswith("program:0x")))'
for name in sched_yield umask getrusage times getpriority; do
	check_json "libc wrapper $name found" "$scan" ".system_calls | has(\"$name\")"
done
# syscall(2) on i386 takes its number on the stack, which the scan does not follow.
check_json "unrecovered sites counted" "$scan" '.unrecovered_sites >= 2'
check_json "i386 libc analysed" "$scan" \
	'[.per_object[] | select(.role == "library" and .machine == "i386")] | length >= 1'
