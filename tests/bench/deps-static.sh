#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Static dependency analysis of every ELF file in /usr/bin and /usr/sbin
# (or the first SAMPLE of them), side by side with the method of the tools
# uniscope replaces. That method runs four subprocesses per program: `nm -D`,
# an `objdump -d` scan for syscall instructions, `ldd` and `dpkg -S`. Prints, per method,
# the total wall time of a sequential run, the median per program, the peak
# RSS of one analysis, and how many times faster than that method it is.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
UNISCOPE=${UNISCOPE:-$TOP/uniscope}
SAMPLE=${SAMPLE:-0}
JOBS=${JOBS:-$(nproc)}
OUT=$(mktemp -d /tmp/deps-static-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

[ -x "$UNISCOPE" ] || { echo "build uniscope first: make" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: make deps" >&2; exit 1; }

for file in /usr/bin/* /usr/sbin/*; do
	[ -f "$file" ] && [ ! -L "$file" ] || continue
	[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] && echo "$file"
done > "$OUT/programs"
[ "$SAMPLE" = 0 ] || { head -n "$SAMPLE" "$OUT/programs" > "$OUT/sample" &&
	mv "$OUT/sample" "$OUT/programs"; }
count=$(wc -l < "$OUT/programs")

# The replaced tools' way: four subprocesses per program.
original()
{
	nm -D "$1"
	objdump -d "$1" | grep -cE '\s(syscall|sysenter|int\s+\$0x80)\b'
	ldd "$1"
	dpkg -S "$1"
}

# measure NAME COMMAND...: runs COMMAND once per program (the program is
# appended), writes "wall_ns rss_kb" lines to $OUT/NAME.
measure()
{
	local name=$1 program start end

	shift
	: > "$OUT/$name"
	while read -r program; do
		start=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$OUT/rss" "$@" "$program" > /dev/null 2>&1
		end=$(date +%s%N)
		echo "$((end - start)) $(tail -n 1 "$OUT/rss")" >> "$OUT/$name"
	done < "$OUT/programs"
}

# Prints total seconds, median ms and peak RSS in MB of a measure file.
summarize()
{
	sort -n "$1" | awk '{ wall[NR] = $1; total += $1; if ($2 > rss) rss = $2 }
		END { printf "%9.2f %10.1f %11.1f", total / 1e9,
			wall[int((NR + 1) / 2)] / 1e6, rss / 1024 }'
}

total_of()
{
	awk '{ total += $1 } END { print total }' "$1"
}

export -f original
echo "deps --static on $count ELF files of /usr/bin and /usr/sbin, sequential runs"
measure original bash -c 'original "$1"' original
measure full "$UNISCOPE" deps --static -q -o "$OUT/report.json"
measure no_syscalls "$UNISCOPE" deps --static -q --no-syscalls -o "$OUT/report.json"

start=$(date +%s%N)
/usr/bin/time -f '%M' -o "$OUT/rss" "$UNISCOPE" deps --static -q --batch "$OUT/programs" \
	-o "$OUT/batch" -j "$JOBS" > /dev/null 2>&1
end=$(date +%s%N)
batch_ns=$((end - start))

base=$(total_of "$OUT/original")
printf '%-44s %9s %10s %11s %8s\n' method "total s" "median ms" "peak RSS MB" speedup
printf '%-44s %s %8s\n' "nm -D, objdump -d, ldd, dpkg -S" "$(summarize "$OUT/original")" 1.0x
for name in full no_syscalls; do
	label="uniscope deps"
	[ "$name" = full ] || label="uniscope deps --no-syscalls"
	printf '%-44s %s %7.1fx\n' "$label" "$(summarize "$OUT/$name")" \
		"$(awk -v b="$base" -v t="$(total_of "$OUT/$name")" 'BEGIN { print b / t }')"
done
printf '%-44s %9.2f %10s %11.1f %7.1fx\n' "uniscope deps --batch -j $JOBS (one process tree)" \
	"$(awk -v t="$batch_ns" 'BEGIN { print t / 1e9 }')" "-" \
	"$(awk '{ print $1 / 1024 }' "$OUT/rss" | tail -n 1)" \
	"$(awk -v b="$base" -v t="$batch_ns" 'BEGIN { print b / t }')"
echo "peak RSS of the batch is its parent process; each worker is one analysis"
