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
check_json "syscall(2) stack argument recovered" "$scan" \
	'.system_calls.membarrier.number == 375 and
	 (.system_calls.membarrier.sources | any(startswith("program:0x")))'
check_json "second syscall(2) call recovered" "$scan" \
	'.system_calls.gettid.sources | any(startswith("program:0x"))'
check_json "stack argument through two dispatchers" "$scan" \
	'.system_calls.getpgrp.number == 65 and
	 (.system_calls.getpgrp.sources | any(startswith("program:0x")))'
check_json "both stack dispatchers detected" "$scan" \
	'[.per_object[] | select(.role == "program") | .dispatchers[]]
	 | index("cancel_helper") != null and index("cancel_wrapper") != null'
check_json "run-time number counted" "$scan" \
	'.unrecovered_locations | any(startswith("program:0x"))'
check_json "i386 syscall() is a dispatcher" "$scan" \
	'[.per_object[] | select(.role == "library") | .dispatchers[]] | index("syscall") != null'
check_json "i386 libc analysed" "$scan" \
	'[.per_object[] | select(.role == "library" and .machine == "i386")] | length >= 1'

trace=$WORK/trace.json
if ! trace_command "$trace" "$prog"; then
	fail "trace of static_syscalls32" "$(head -c 600 "$trace" 2>/dev/null)"
	exit 0
fi
missing=$(jq -r --slurpfile trace "$trace" '
	([$trace[0].syscalls[] | select(.abi == "32" and .name != "execve") | .name] | unique)
	- (.system_calls | keys) | join(",")' "$scan")
check_eq "traced i386 calls all found statically" "" "$missing"
