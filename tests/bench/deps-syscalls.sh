#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Static system call sets beside the calls of one traced run, for the
# programs the static scan tests exercise. Columns: size of the static set,
# of every number recovered in libc and in all libraries, and of the traced
# (dynamic) set. Then the recall of the static set against the traced one,
# and the time of one run of the scan driver with an empty analysis cache
# (every object analysed) and of one more with the cache it filled.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
UNISCOPE=${UNISCOPE:-$TOP/uniscope}
PROGS=$TOP/.output/tests
WORK=$(mktemp -d /tmp/uniscope-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
. "$TOP/tests/static_syscalls_lib.sh"

[ -x "$UNISCOPE" ] && [ -x "$SCAN" ] || { echo "build first: make" >&2; exit 1; }

set_recall_workloads "$WORK"
workloads=("static_syscalls|$PROGS/static_syscalls" "static_syscalls32|$PROGS/static_syscalls32"
	"${RECALL_WORKLOADS[@]}")

printf '%-18s %7s %9s %9s %8s %7s %9s %8s %8s  %s\n' program static libc_all libs_all traced \
	recall static/tr cold_ms warm_ms missing
for workload in "${workloads[@]}"; do
	name=${workload%%|*}
	read -r -a command <<< "${workload#*|}"
	[ "$name" = sqlite3 ] && command+=("$RECALL_SQL")
	command -v "${command[0]}" > /dev/null || continue

	rm -rf "$WORK/cache"
	export XDG_CACHE_HOME=$WORK/cache
	start=$(date +%s%N)
	scan_program "${command[0]}" "$WORK/scan.json" || { echo "$name: scan failed"; continue; }
	end=$(date +%s%N)
	scan_program "${command[0]}" "$WORK/warm.json"
	warm_end=$(date +%s%N)
	cmp -s "$WORK/scan.json" "$WORK/warm.json" || echo "$name: warm scan differs from cold scan"
	trace_command "$WORK/trace.json" "${command[@]}" || { echo "$name: trace failed"; continue; }

	read -r static all dynamic found recall missing <<< \
		"$(recall_line "$WORK/scan.json" "$WORK/trace.json")"
	libc_all=$(jq '[.per_object | to_entries[] | select(.key | test("/libc\\.so"))
			| .value.all_sites_size] | max // 0' "$WORK/scan.json")
	printf '%-18s %7s %9s %9s %8s %7s %9s %8s %8s  %s\n' "$name" "$static" "$libc_all" "$all" \
		"$dynamic" "$(awk -v r="$recall" 'BEGIN { printf "%.3f", r / 1000 }')" \
		"$(awk -v s="$static" -v d="$dynamic" 'BEGIN { printf "%.2f", d ? s / d : 0 }')" \
		"$(( (end - start) / 1000000 ))" "$(( (warm_end - end) / 1000000 ))" "$missing"
done
echo "recall: traced calls of the program's ABI (execve excepted) found in the static set;"
echo "static/tr: static set size over traced set size. cold_ms: empty analysis cache;"
echo "warm_ms: the cache the cold run filled. One run each per program, on this machine."
