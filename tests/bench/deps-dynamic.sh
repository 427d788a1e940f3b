#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Cost of library-call tracing in `uniscope deps` beside its peers, in one
# run: a libc-call-heavy loop untraced, under uniscope deps (every import
# probed), under a bare bpftrace uprobe on the same function, and under
# ltrace -c (on fewer calls: it takes about half a millisecond a call).
# The loops time themselves, so start-up costs are left out. Then sqlite3
# on a fixed SQL workload, and the attach time of its probes by path.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
UNISCOPE=${UNISCOPE:-$TOP/uniscope}
PROGS=$TOP/.output/tests
RUNS=${RUNS:-5}
CALLS=${CALLS:-2000000}
LTRACE_CALLS=${LTRACE_CALLS:-20000}
OUT=$(mktemp -d /tmp/uniscope-bench-dyn.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

. "$(dirname "$0")/helpers.bash"

row()	# row WORKLOAD TOOL HITS NS BASELINE_NS_PER_HIT
{
	awk -v w="$1" -v t="$2" -v h="$3" -v ns="$4" -v base="$5" 'BEGIN {
		per = ns / h
		printf "%-22s %-30s %9d %10.3f %10.1f %10.1f\n", w, t, h, ns / 1e9, per, per - base
	}'
}

libc=$(ldconfig -p | awk '/libc.so.6 .*x86-64/ { print $NF; exit }')
printf '%-22s %-30s %9s %10s %10s %10s\n' workload tool hits "loop s" "ns/hit" "added ns"
for kind in malloc strlen; do
	# A malloc/free pair is two probe hits; strlen is one.
	hits=$CALLS
	[ "$kind" = malloc ] && hits=$((CALLS * 2))
	base=$(loop_time "$PROGS/libcall_loop" "$kind" "$CALLS")
	base_per_hit=$(awk -v ns="$base" -v h="$hits" 'BEGIN { print ns / h }')
	row "$kind x$CALLS" untraced "$hits" "$base" "$base_per_hit"
	row "$kind x$CALLS" "uniscope deps (all imports)" "$hits" \
		"$(loop_time "$UNISCOPE" deps -q --no-packages --no-syscalls -o "$OUT/report.json" \
			"$PROGS/libcall_loop" "$kind" "$CALLS")" "$base_per_hit"
	if command -v bpftrace > /dev/null; then
		probes="uprobe:$libc:$kind"
		[ "$kind" = malloc ] && probes="uprobe:$libc:malloc,uprobe:$libc:free"
		row "$kind x$CALLS" "bpftrace ${probes//$libc:/}" "$hits" \
			"$(loop_time_under "bpftrace -e '$probes { @calls = count(); }'" Attaching \
				"$PROGS/libcall_loop" "$kind" "$CALLS")" \
			"$base_per_hit"
	fi
	if command -v ltrace > /dev/null; then
		lhits=$LTRACE_CALLS
		[ "$kind" = malloc ] && lhits=$((LTRACE_CALLS * 2))
		row "$kind x$LTRACE_CALLS" "ltrace -c" "$lhits" \
			"$(loop_time ltrace -c -o "$OUT/ltrace.txt" "$PROGS/libcall_loop" "$kind" \
				"$LTRACE_CALLS")" "$base_per_hit"
	fi
done
echo "(bpftrace on strlen probes the IFUNC resolver, so it counts almost none of the calls.)"
echo "(A uprobe costs far more where the kernel must single-step the probed instruction"
echo " (free: test) than where it emulates it (malloc: push). bpftrace probes free's first"
echo " instruction; uniscope, on uprobe-multi links, probes the je after it.)"

echo
sql=$OUT/workload.sql
{
	echo "create table t(a, b);"
	for i in $(seq 2000); do echo "insert into t values($i, 'row $i');"; done
	echo "select count(*), sum(a) from t;"
} > "$sql"
times=()
for _ in $(seq "$RUNS"); do
	start=$(date +%s%N)
	sqlite3 < "$sql" > /dev/null
	times+=($(($(date +%s%N) - start)))
done
plain=$(median "${times[@]}")
times=()
attach=()
for _ in $(seq "$RUNS"); do
	start=$(date +%s%N)
	"$UNISCOPE" deps -q --no-packages --no-syscalls -o "$OUT/sqlite.json" --stdin "$sql" sqlite3 \
		> /dev/null 2>&1
	times+=($(($(date +%s%N) - start)))
	attach+=("$(jq '.dynamic.probes.attach_ms' "$OUT/sqlite.json")")
done
echo "sqlite3, 2000 inserts: $(awk -v p="$plain" 'BEGIN { printf "%.3f", p / 1e9 }') s untraced," \
	"$(awk -v t="$(median "${times[@]}")" 'BEGIN { printf "%.3f", t / 1e9 }') s under uniscope deps" \
	"(with static analysis and start-up);" \
	"$(jq '.dynamic.probes.count' "$OUT/sqlite.json") probes attached in a median" \
	"$(median "${attach[@]}") ms with $(jq -r '.dynamic.probes.method' "$OUT/sqlite.json")" \
	"(target: under 1000 ms)"

# Attach time alone, by path: uprobe-multi links (one a library) and the
# fallback of one perf-event link a function, for the imports and for
# every export of every library (--all-libs).
for scope in imports all-libs; do
	flags=()
	[ "$scope" = all-libs ] && flags=(--all-libs)
	for multi in 1 0; do
		attach=()
		runs=$RUNS
		# About 50 s a run: once is enough to show the gap.
		[ "$scope/$multi" = all-libs/0 ] && runs=1
		for _ in $(seq "$runs"); do
			UNISCOPE_UPROBE_MULTI=$multi "$UNISCOPE" deps -q --no-packages --no-syscalls \
				"${flags[@]}" -o "$OUT/attach.json" --stdin /dev/null sqlite3 \
				> /dev/null 2>&1
			attach+=("$(jq '.dynamic.probes.attach_ms' "$OUT/attach.json")")
		done
		echo "sqlite3 $scope: $(jq '.dynamic.probes.count' "$OUT/attach.json") probes," \
			"$(jq -r '.dynamic.probes.method' "$OUT/attach.json"):" \
			"median $(median "${attach[@]}") ms"
	done
done
