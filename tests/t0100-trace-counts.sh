#!/bin/bash
# uniscope trace: exact counts, errors, threads, exit_group and ABIs.
. "$(dirname "$0")/lib.sh"

# getppid in 4 threads, 2500 calls each, and 9 failing openat calls.
"$UNISCOPE" trace --json -- "$PROGS/syscall_counts" 2500 4 9 > "$WORK/counts.json"
check_json "getppid counted in every thread" "$WORK/counts.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 10000'
check_json "openat errors counted" "$WORK/counts.json" \
	'.syscalls[] | select(.name == "openat") | .errors == 9'
check_json "openat errors are all ENOENT" "$WORK/counts.json" \
	'.syscalls[] | select(.name == "openat") | .errno == {"ENOENT": 9}'
check_json "exit_group counted once" "$WORK/counts.json" \
	'.syscalls[] | select(.name == "exit_group") | .calls == 1'
check_json "execve counted once" "$WORK/counts.json" \
	'.syscalls[] | select(.name == "execve") | .calls == 1'
check_json "threads counted" "$WORK/counts.json" '.totals.threads == 5'
check_json "nothing lost" "$WORK/counts.json" '.lost == {}'
check_json "exit status recorded" "$WORK/counts.json" '.target.exit_status == 0'

# The counts-only mode agrees with the latency mode.
"$UNISCOPE" trace --no-latency --json -- "$PROGS/syscall_counts" 1000 2 3 > "$WORK/quick.json"
check_json "counts-only getppid" "$WORK/quick.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 2000'
check_json "counts-only errors" "$WORK/quick.json" \
	'.syscalls[] | select(.name == "openat") | .errno == {"ENOENT": 3}'
check_json "counts-only exit_group" "$WORK/quick.json" \
	'.syscalls[] | select(.name == "exit_group") | .calls == 1'
check_json "counts-only has no latency" "$WORK/quick.json" \
	'.latency == false and (.syscalls[0] | has("p50_ns") | not)'

# i386 calls through int 0x80 use the i386 table and stay apart.
"$UNISCOPE" trace --json -- "$PROGS/int80" 25 > "$WORK/int80.json"
check_json "int 0x80 getppid is an i386 call" "$WORK/int80.json" \
	'.syscalls[] | select(.abi == "32" and .name == "getppid") | .calls == 25'
check_json "int 0x80 getuid is an i386 call" "$WORK/int80.json" \
	'.syscalls[] | select(.abi == "32" and .name == "getuid") | .calls == 25'
check_json "int 0x80 calls not under 64-bit names" "$WORK/int80.json" \
	'[.syscalls[] | select(.abi == "64" and (.name == "semget" or .name == "sched_yield"))] | length == 0'
"$UNISCOPE" trace -- "$PROGS/int80" 3 2> "$WORK/int80.txt"
check_grep "i386 calls get their own table" '^i386 system calls' "$WORK/int80.txt"

# A number with no name prints as syscall_NNN (ENOSYS).
"$UNISCOPE" trace --json -- perl -e 'syscall(999);' > "$WORK/unknown.json"
check_json "unknown number named syscall_999" "$WORK/unknown.json" \
	'.syscalls[] | select(.name == "syscall_999") | .errno == {"ENOSYS": 1}'

# The exit status is the command's own.
check_status "exit status passed through" 3 "$UNISCOPE" trace -- sh -c 'exit 3'
check_status "signal death gives 128+signal" 137 "$UNISCOPE" trace -- sh -c 'kill -9 $$'
