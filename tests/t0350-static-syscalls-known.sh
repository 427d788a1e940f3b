#!/bin/bash
# Static system call scan of a program with known direct, syscall(2) and
# libc-wrapped calls: all are found, with their places, and a trace of the
# same program records no call the scan missed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/static_syscalls_lib.sh"

prog=$PROGS/static_syscalls
scan=$WORK/scan.json

check_status "scan succeeds" 0 scan_program "$prog" "$scan"

for name in getppid getpid membarrier gettid sched_yield umask getrusage times getpriority; do
	check_json "$name found" "$scan" ".system_calls | has(\"$name\")"
done
check_json "getppid number" "$scan" '.system_calls.getppid.number == 110'
check_json "inline syscall placed in program" "$scan" \
	'.system_calls.getppid.sources | any(startswith("program:0x"))'
check_json "constant before a jump placed in program" "$scan" \
	'.system_calls.getpid.sources | any(startswith("program:0x"))'
check_json "syscall(2) argument recovered at caller" "$scan" \
	'.system_calls.membarrier.sources | any(startswith("program:0x"))'
check_json "number passed through two dispatchers" "$scan" \
	'.system_calls.getpgrp.number == 111 and
	 (.system_calls.getpgrp.sources | any(startswith("program:0x")))'
check_json "both dispatchers detected" "$scan" \
	'[.per_object[] | select(.role == "program") | .dispatchers[]]
	 | index("cancel_helper") != null and index("cancel_wrapper") != null'
check_json "libc wrapper placed in libc" "$scan" \
	'.system_calls.umask.sources | any(startswith("libc.so.6:"))'
check_json "import maps to its call" "$scan" '.imports.umask | index("umask") != null'
check_json "int 0x80 read as i386 getuid" "$scan" \
	'.system_calls_32.getuid.number == 24 and
	 (.system_calls_32.getuid.sources | any(startswith("program:0x")))'
check_json "libc syscall() is a dispatcher" "$scan" \
	'[.per_object[] | select(.role == "library") | .dispatchers[]] | index("syscall") != null'
check_json "run-time number counted" "$scan" \
	'.unrecovered_sites >= 1 and (.unrecovered_locations | any(startswith("program:0x")))'
check_json "loader analysed" "$scan" \
	'[.per_object[] | select(.role == "interpreter")] | length == 1'
check_json "smaller than all library sites" "$scan" \
	'.static_set_size < .all_sites_in_libraries_size'
check_json "set size matches the map" "$scan" \
	'.static_set_size == (.system_calls | length)'

trace=$WORK/trace.json
if ! trace_command "$trace" "$prog"; then
	fail "trace of static_syscalls" "$(cat "$trace" 2>/dev/null | head -5)"
	exit 0
fi
read -r _ _ dynamic found recall missing <<< "$(recall_line "$scan" "$trace")"
check_eq "traced calls all found statically (missing: $missing)" "$dynamic" "$found"
check_json "traced int 0x80 found statically" "$trace" \
	'[.syscalls[] | select(.abi == "32") | .name] | index("getuid") != null'

# deps --static embeds the same scan in its report.
if "$UNISCOPE" deps --help > /dev/null 2>&1; then
	"$UNISCOPE" deps --static --json "$prog" > "$WORK/deps.json" 2> "$WORK/deps.err"
	check_json "deps embeds the scan" "$WORK/deps.json" \
		".static_syscalls.static_set_size == $(jq .static_set_size "$scan")"
	check_json "deps lists the calls" "$WORK/deps.json" \
		'.static_data.system_calls | has("membarrier") and has("getppid")'
else
	skip "deps embeds the scan" "uniscope deps is not built"
fi
