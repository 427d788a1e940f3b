#!/bin/bash
# uniscope trace: latency percentiles, off-CPU time, histograms, io_uring.
. "$(dirname "$0")/lib.sh"

# Five 10 ms sleeps: the median lies in the log2 bucket that contains 10 ms
# (2^23 to 2^24 ns), and nearly all of that time is spent off-CPU.
"$UNISCOPE" trace --json -- "$PROGS/sleeper" 5 10 > "$WORK/sleep.json"
nanosleep='.syscalls[] | select(.name == "nanosleep")'
check_json "five nanosleep calls" "$WORK/sleep.json" "$nanosleep | .calls == 5"
check_json "p50 in the bucket of 10 ms" "$WORK/sleep.json" \
	"$nanosleep | .p50_ns >= 8388608 and .p50_ns < 16777216"
check_json "p99 at most max" "$WORK/sleep.json" "$nanosleep | .p99_ns <= .max_ns"
check_json "total at least 50 ms" "$WORK/sleep.json" "$nanosleep | .total_ns >= 50000000"
check_json "mostly off-CPU" "$WORK/sleep.json" "$nanosleep | .offcpu_ns > 0.9 * .total_ns"
check_json "histogram sums to the calls" "$WORK/sleep.json" \
	"$nanosleep | ([.histogram[].count] | add) == 5"
check_json "process off-CPU time" "$WORK/sleep.json" '.processes[0].offcpu_ns >= 50000000'
check_json "voluntary switches seen" "$WORK/sleep.json" '.processes[0].voluntary_switches >= 5'
check_json "page faults seen" "$WORK/sleep.json" '.processes[0].minor_faults > 0'

"$UNISCOPE" trace --histogram -e trace=nanosleep -- "$PROGS/sleeper" 5 10 2> "$WORK/hist.txt"
check_grep "histogram bucket of 10 ms" '^ +8388608 -> 16777215 +: 5 ' "$WORK/hist.txt"
check_no_grep "filter drops other calls" ' execve$' "$WORK/hist.txt"

# A class filter keeps only its members.
"$UNISCOPE" trace -e trace=%process --json -- "$PROGS/process_family" > "$WORK/class.json"
check_json "process class kept" "$WORK/class.json" \
	'[.syscalls[].name] | contains(["clone3", "execve", "exit_group", "wait4"])'
check_json "process class drops others" "$WORK/class.json" \
	'[.syscalls[].name] | index("getppid") == null'

# Sorting by name.
"$UNISCOPE" trace -S name -- "$PROGS/syscall_counts" 10 1 1 2> "$WORK/sorted.txt"
names=$(awk '/^------/ { n++; next } n == 1 { print $NF }' "$WORK/sorted.txt")
check_eq "sorted by name" "$(printf '%s\n' "$names" | sort)" "$names"

# io_uring requests show up beside the system calls.
"$UNISCOPE" trace --json -- "$PROGS/uring_nops" 20 > "$WORK/uring.json"
status=$?
if [ "$status" = 77 ]; then
	skip "io_uring requests" "io_uring is disabled on this kernel"
else
	check_json "io_uring NOP requests" "$WORK/uring.json" \
		'.io_uring[] | select(.opcode == "NOP") | .submitted == 20 and .completed == 20'
	check_json "io_uring READ requests" "$WORK/uring.json" \
		'.io_uring[] | select(.opcode == "READ") | .submitted == 20'
	check_json "io_uring_enter counted" "$WORK/uring.json" \
		'.syscalls[] | select(.name == "io_uring_enter") | .calls == 40'
fi
