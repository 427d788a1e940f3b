#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Static dependency analysis of every ELF file in /usr/bin and /usr/sbin
# (or the first SAMPLE of them), side by side with the method of the tools
# uniscope replaces. That method runs four subprocesses per program: `nm -D`,
# an `objdump -d` scan for syscall instructions, `ldd` and `dpkg -S`.
#
# uniscope keeps each object's system call analysis and the parsed dpkg
# database in its on-disk cache, so the runs are split by cache state. Each
# gets its own cache directory under the benchmark's temporary directory:
#   cache filling: one pass over all programs from an empty cache. The first
#     program that needs libc analyses it, and later ones read it;
#   warm: the same pass again, every object read from the cache;
#   --no-cache: nothing read or written, every object analysed in every
#     run, on every COLD_STEP-th program only, because it is slow;
#   --batch, cold and warm.
# Prints, per run, the total wall time of a sequential run, the median per
# program and the peak RSS of one analysis. The last columns give how many
# times faster than the replaced method it is on the same programs, by
# total and by median. Each run is started and timed by spawn_time: a run
# of /bin/true measures 0.7 ms with it and 5.1 ms in a loop of date and
# /usr/bin/time (idle machine of docs/bench-deps-static.md).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
UNISCOPE=${UNISCOPE:-$TOP/uniscope}
SPAWN_TIME=${SPAWN_TIME:-$TOP/.output/bench/spawn_time}
SAMPLE=${SAMPLE:-0}
COLD_STEP=${COLD_STEP:-8}
JOBS=${JOBS:-$(nproc)}
OUT=$(mktemp -d /tmp/deps-static-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

[ -x "$UNISCOPE" ] || { echo "build uniscope first: make" >&2; exit 1; }
[ -x "$SPAWN_TIME" ] || { echo "build the benchmark tools first: make bench" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: make deps" >&2; exit 1; }

for file in /usr/bin/* /usr/sbin/*; do
	[ -f "$file" ] && [ ! -L "$file" ] || continue
	[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] && echo "$file"
done > "$OUT/programs"
[ "$SAMPLE" = 0 ] || { head -n "$SAMPLE" "$OUT/programs" > "$OUT/sample" &&
	mv "$OUT/sample" "$OUT/programs"; }
awk -v step="$COLD_STEP" '(NR - 1) % step == 0' "$OUT/programs" > "$OUT/cold_programs"
count=$(wc -l < "$OUT/programs")
cold_count=$(wc -l < "$OUT/cold_programs")

# Uprobes on shared libraries make every process calling the probed
# functions trap into the kernel, so they slow all runs down.
uprobes()
{
	bpftool perf list 2>/dev/null | grep -c uprobe
}

# The replaced tools' way: four subprocesses per program.
original()
{
	nm -D "$1"
	objdump -d "$1" | grep -cE '\s(syscall|sysenter|int\s+\$0x80)\b'
	ldd "$1"
	dpkg -S "$1"
}

# measure NAME LIST COMMAND...: runs COMMAND once per program of LIST (the
# program is appended), writes "program wall_ns rss_kb status" lines to
# $OUT/NAME.
measure()
{
	local name=$1 list=$2

	shift 2
	"$SPAWN_TIME" "$list" "$@" > "$OUT/$name"
}

# batch NAME: one batch run over all programs, writes "wall_ns rss_kb" to $OUT/NAME.
batch()
{
	local start end

	start=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$OUT/rss" "$UNISCOPE" deps --static -q --batch "$OUT/programs" \
		-o "$OUT/batch.$1" -j "$JOBS" > /dev/null 2>&1
	end=$(date +%s%N)
	echo "$((end - start)) $(tail -n 1 "$OUT/rss")" > "$OUT/$1"
}

# stats FILE: prints "total_ns median_ns peak_rss_kb" of a measure file.
stats()
{
	sort -k 2 -n "$1" | awk '{ wall[NR] = $2; total += $2; if ($3 > rss) rss = $3 }
		END { print total, wall[int((NR + 1) / 2)], rss }'
}

# failed FILE: how many runs of a measure file exited with a non-zero status.
failed()
{
	awk '$4 != 0' "$1" | wc -l
}

# original_on LIST: the replaced method's measure lines for the programs of LIST.
original_on()
{
	awk 'NR == FNR { wanted[$1] = 1; next } $1 in wanted' "$1" "$OUT/original"
}

# row LABEL MEASURE_FILE LIST: prints one table row against the replaced method.
row()
{
	local total median rss base_total base_median

	read -r total median rss <<< "$(stats "$2")"
	original_on "$3" > "$OUT/base"
	read -r base_total base_median _ <<< "$(stats "$OUT/base")"
	awk -v label="$1" -v t="$total" -v m="$median" -v r="$rss" -v bt="$base_total" \
		-v bm="$base_median" 'BEGIN { printf "%-40s %9.2f %10.1f %11.1f %8.1fx %8.1fx\n",
			label, t / 1e9, m / 1e6, r / 1024, bt / t, bm / m }'
}

# batch_row LABEL FILE: the same for a batch, whose speedup is by total only.
batch_row()
{
	local wall rss base_total

	read -r wall rss < "$2"
	read -r base_total _ <<< "$(stats "$OUT/original")"
	awk -v label="$1" -v t="$wall" -v r="$rss" -v bt="$base_total" \
		'BEGIN { printf "%-40s %9.2f %10s %11.1f %8.1fx %9s\n", label, t / 1e9, "-",
			r / 1024, bt / t, "-" }'
}

export -f original
echo "deps --static on $count ELF files of /usr/bin and /usr/sbin, sequential runs"
echo "$(nproc) CPUs, $(uname -r), load average $(cut -d ' ' -f 1-3 /proc/loadavg)," \
	"uprobes attached: $(uprobes)"

measure original "$OUT/programs" bash -c 'original "$1"' original

export XDG_CACHE_HOME=$OUT/cache
measure filling "$OUT/programs" "$UNISCOPE" deps --static -q -o "$OUT/report.json"
measure warm "$OUT/programs" "$UNISCOPE" deps --static -q -o "$OUT/report.json"
measure no_syscalls "$OUT/programs" "$UNISCOPE" deps --static -q --no-syscalls \
	-o "$OUT/report.json"
measure no_cache "$OUT/cold_programs" "$UNISCOPE" deps --static -q --no-cache \
	-o "$OUT/report.json"

export XDG_CACHE_HOME=$OUT/batch_cache
batch batch_cold
batch batch_warm

printf '%-40s %9s %10s %11s %9s %9s\n' run "total s" "median ms" "peak RSS MB" \
	"x total" "x median"
row "nm -D, objdump -d, ldd, dpkg -S" "$OUT/original" "$OUT/programs"
row "uniscope, cache filling (first pass)" "$OUT/filling" "$OUT/programs"
row "uniscope, warm cache" "$OUT/warm" "$OUT/programs"
row "uniscope --no-syscalls, warm cache" "$OUT/no_syscalls" "$OUT/programs"
row "uniscope --no-cache ($cold_count programs)" "$OUT/no_cache" "$OUT/cold_programs"
batch_row "uniscope --batch -j $JOBS, cold cache" "$OUT/batch_cold"
batch_row "uniscope --batch -j $JOBS, warm cache" "$OUT/batch_warm"
echo "x total, x median: the replaced method's total or median over this run's, on the"
echo "same programs. Peak RSS of a batch is that of its largest worker."
echo "analysis cache after the sequential runs: $(du -sh "$OUT/cache" | cut -f 1)"
measure true_runs "$OUT/programs" /bin/true
read -r _ true_median _ <<< "$(stats "$OUT/true_runs")"
echo "runs that failed: replaced method $(failed "$OUT/original"), uniscope warm $(failed "$OUT/warm");" \
	"a run of /bin/true takes $(awk -v m="$true_median" 'BEGIN { printf "%.2f", m / 1e6 }') ms" \
	"under spawn_time (median)"
echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg), uprobes attached: $(uprobes)"
