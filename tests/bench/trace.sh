#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Overhead of `uniscope trace` beside its peers, in one run: slowdown of a
# system-call-heavy workload against the untraced run, the median of RUNS
# runs each. The workloads time their own loops (UNISCOPE_LOOP_TIME), so a
# tracer's start-up and exit are left out. strace and perf trace are far
# slower, so they run a smaller count and are compared per call. Also: time
# from launch to tracing armed, and peak RSS of uniscope.
#
# The floor rows time the same loops under BPF programs that do nothing
# (.output/bench/floor). They give the minimum cost of any tracer built on
# the syscall tracepoints of this kernel: one program for a counts-only
# tracer, a pair for a latency tracer, and a pair that reads the clock.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
UNISCOPE=${UNISCOPE:-$TOP/uniscope}
PROGS=$TOP/.output/tests
FLOOR=$TOP/.output/bench/floor
RUNS=${RUNS:-5}
CALLS=${CALLS:-2000000}
SLOW_CALLS=${SLOW_CALLS:-100000}
OUT=$(mktemp -d /tmp/uniscope-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

[ -x "$UNISCOPE" ] || { echo "build uniscope first: make" >&2; exit 1; }
if ! mountpoint -q /sys/kernel/tracing 2>/dev/null; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
fi

. "$(dirname "$0")/helpers.bash"

declare -A baseline_ns_per_call

row()
{
	local workload=$1 tool=$2 calls=$3 ns=$4 per_call ratio

	per_call=$(awk -v t="$ns" -v c="$calls" 'BEGIN { printf "%.0f", t / c }')
	if [ "$tool" = untraced ]; then
		baseline_ns_per_call[$workload]=$per_call
	fi
	ratio=$(awk -v p="$per_call" -v b="${baseline_ns_per_call[$workload]}" \
		'BEGIN { printf "%.2f", p / b }')
	printf '%-16s %-28s %9s %10.3f %9s %9sx\n' "$workload" "$tool" "$calls" \
		"$(awk -v t="$ns" 'BEGIN { print t / 1e9 }')" "$per_call" "$ratio"
}

# The command of a workload for a given total call count.
workload_command()
{
	case $1 in
	"getppid x1") echo "$PROGS/syscall_counts $2 1 0" ;;
	"getppid x4") echo "$PROGS/syscall_counts $(($2 / 4)) 4 0" ;;
	"read 1 byte") echo "$PROGS/read_zero $2" ;;
	esac
}

bench_workload()
{
	local name=$1 comm=$2 slow_calls=$3
	local -a fast slow

	read -r -a fast <<< "$(workload_command "$name" "$CALLS")"
	read -r -a slow <<< "$(workload_command "$name" "$slow_calls")"

	row "$name" untraced "$CALLS" "$(loop_time "${fast[@]}")"
	if [ -x "$FLOOR" ]; then
		row "$name" "floor: empty sys_exit" "$CALLS" \
			"$(loop_time_under "$FLOOR exit" attached "${fast[@]}")"
		row "$name" "floor: empty enter+exit" "$CALLS" \
			"$(loop_time_under "$FLOOR pair" attached "${fast[@]}")"
		row "$name" "floor: enter+exit, clock" "$CALLS" \
			"$(loop_time_under "$FLOOR pair-clock" attached "${fast[@]}")"
	fi
	row "$name" "uniscope trace -c" "$CALLS" "$(loop_time "$UNISCOPE" trace -c -- "${fast[@]}")"
	row "$name" "uniscope trace --no-latency" "$CALLS" \
		"$(loop_time "$UNISCOPE" trace --no-latency -- "${fast[@]}")"
	if [ -x /usr/sbin/syscount ]; then
		row "$name" "syscount (libbpf-tools)" "$CALLS" \
			"$(loop_time_under /usr/sbin/syscount "" "${fast[@]}")"
		row "$name" "syscount -L" "$CALLS" \
			"$(loop_time_under "/usr/sbin/syscount -L" "" "${fast[@]}")"
	fi
	if command -v bpftrace > /dev/null; then
		row "$name" "bpftrace count by comm" "$CALLS" "$(loop_time_under \
			"bpftrace -e 'tracepoint:raw_syscalls:sys_enter /comm == \"$comm\"/ { @[args->id] = count(); }'" \
			Attaching "${fast[@]}")"
	fi
	row "$name" "strace -c -f" "$slow_calls" "$(loop_time strace -c -f "${slow[@]}")"
	if command -v perf > /dev/null; then
		row "$name" "perf trace -s" "$slow_calls" "$(loop_time perf trace -s "${slow[@]}")"
	fi
}

printf '%-16s %-28s %9s %10s %9s %10s\n' workload tool calls "median s" ns/call slowdown
bench_workload "getppid x1" syscall_counts "$SLOW_CALLS"
bench_workload "getppid x4" syscall_counts "$SLOW_CALLS"
bench_workload "read 1 byte" read_zero "$SLOW_CALLS"

echo
armed=()
for _ in $(seq "$RUNS"); do
	armed+=($("$UNISCOPE" -v trace -- true 2>&1 | sed -n 's/.*tracing armed \([0-9.]*\) ms.*/\1/p'))
done
echo "launch to tracing armed: median $(median "${armed[@]}") ms (target: under 50 ms)"
rss=$(/usr/bin/time -f %M "$UNISCOPE" trace -c -- "$PROGS/syscall_counts" 100000 4 0 2>&1 \
	> /dev/null | tail -n 1)
echo "peak RSS of uniscope trace -c: $((rss / 1024)) MB ($rss KB; target: under 30 MB)"
