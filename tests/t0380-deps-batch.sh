#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Batch analysis: one report per program, in parallel, and usage tables
# (Markdown and CSV) whose numbers match the reports they sum up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deps-lib.sh"
unset LD_LIBRARY_PATH

dynamic_programs 24 > "$WORK/list"
printf '%s\n' '# a comment line' '' "$WORK/missing" ls /usr/bin/ls >> "$WORK/list"
check_status "batch runs" 0 "$UNISCOPE" deps --static --no-syscalls --batch "$WORK/list" \
	-o "$WORK/out4" -j 4
check_grep "batch summary line" "^26 programs analysed, 1 failed" "$WORK/out"

reports=$(ls "$WORK/out4"/*.json | wc -l)
check_eq "one report per program" 27 "$reports"
check_json "failed program has its error" "$WORK/out4/missing.json" \
	'.error | test("No such file")'
check_json "name from the list looked up" "$WORK/out4/ls.json" \
	'.program.path == "/usr/bin/ls"'
check_json "duplicate name gets its own report" "$WORK/out4/ls.2.json" \
	'.static_data.shared_libs | has("libc.so.6")'

# Count again from the reports what the CSV contains.
mapfile -t files < <(ls "$WORK/out4"/*.json)
analysed=$(jq -s '[.[] | select(.static_data)] | length' "${files[@]}")
libc=$(jq -s '[.[] | select(.static_data.shared_libs["libc.so.6"])] | length' "${files[@]}")
threads=$(jq -s '[.[] | select(.static_data.symbols.pthread_create
	or .static_data.shared_libs["libpthread.so.0"])] | length' "${files[@]}")
forks=$(jq -s '[.[] | select(.static_data.symbols | has("fork") or has("vfork") or has("_Fork"))]
	| length' "${files[@]}")
csv=$WORK/out4/usage.csv
check_eq "CSV header" "kind,name,programs,percent" "$(head -n 1 "$csv")"
check_eq "libc row" "library,libc.so.6,$libc,$(awk -v a="$libc" -v b="$analysed" \
	'BEGIN { printf "%.2f", 100 * a / b }')" "$(grep '^library,libc.so.6,' "$csv")"
check_eq "pthreads row" "$threads" "$(awk -F, '$2 == "pthreads" { print $3 }' "$csv")"
check_eq "fork row" "$forks" "$(awk -F, '$2 == "fork" { print $3 }' "$csv")"
symbols=$(jq -s '[.[].static_data.symbols // {} | keys[]] | unique | length' "${files[@]}")
check_eq "one row per symbol" "$symbols" "$(grep -c '^symbol,' "$csv")"
check_grep "Markdown table" '^\| `libc.so.6` \| [0-9]+ \| [0-9.]+ \|$' "$WORK/out4/usage.md"
check_grep "Markdown behaviours" '^\| pthreads and fork \|' "$WORK/out4/usage.md"

# One worker gives the same tables as four.
"$UNISCOPE" deps --static -q --no-syscalls --batch "$WORK/list" -o "$WORK/out1" -j 1 2> /dev/null
check_eq "-j 1 equals -j 4" "$(cat "$WORK/out4/usage.csv")" "$(cat "$WORK/out1/usage.csv")"

# A directory as the source, with the system call table filled by the scan.
mkdir "$WORK/dir"
cp /usr/bin/true /usr/bin/cat "$WORK/dir/"
printf '#!/bin/sh\nexit 0\n' > "$WORK/dir/script" && chmod +x "$WORK/dir/script"
check_status "directory batch runs" 0 "$UNISCOPE" deps --static -q --no-packages --batch "$WORK/dir" \
	-o "$WORK/outdir" -j 2 --graphs "$WORK/graphs"
check_eq "directory: one report per file" 3 "$(ls "$WORK/outdir"/*.json | wc -l)"
check_eq "directory: graphs of each program" 3 "$(ls "$WORK/graphs"/*.libraries.dot | wc -l)"
check_grep "directory: system call rows" '^syscall,(read|write),3,100.00$' "$WORK/outdir/usage.csv"
check_json "directory: script analysed through sh" "$WORK/outdir/script.json" \
	'.program.script.interpreter == "/bin/sh"'

check_status "bad -j rejected" 2 "$UNISCOPE" deps --static --batch "$WORK/list" -o "$WORK/x" -j 0
check_grep "bad -j: clear error" "jobs" "$WORK/out"
check_status "--batch without -o rejected" 2 "$UNISCOPE" deps --static --batch "$WORK/list"
check_status "empty list rejected" 1 "$UNISCOPE" deps --static --batch /dev/null -o "$WORK/x"

# Workers stop with their parent when only the parent is killed, as a
# service manager or kill PID does.
ls /usr/bin/* | head -n 200 > "$WORK/long-list"
XDG_CACHE_HOME=$WORK/kill-cache "$UNISCOPE" deps --static -q --batch "$WORK/long-list" \
	-o "$WORK/killed" -j 2 2> /dev/null &
parent=$!
sleep 1
workers=$(pgrep -P "$parent" | tr '\n' ' ')
kill -TERM "$parent"
wait "$parent" 2> /dev/null
sleep 0.5
left=""
# A dead worker may stay a zombie of an init that does not reap.
for worker in $workers; do
	state=$(awk '{ print $3 }' "/proc/$worker/stat" 2> /dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && left="$left $worker"
done
check_status "batch had workers to stop" 0 test -n "$workers"
check_eq "workers stop with their parent" "" "$left"

# A second "tool" does not take tool.2.json from a program called tool.2,
# and a line of blanks is skipped.
mkdir -p "$WORK/names/a" "$WORK/names/b"
cp /usr/bin/ls "$WORK/names/a/tool"
cp /usr/bin/cat "$WORK/names/b/tool"
cp /usr/bin/true "$WORK/names/a/tool.2"
printf '%s\n' "$WORK/names/a/tool" "$WORK/names/b/tool" "  " "$WORK/names/a/tool.2" \
	> "$WORK/names/list"
check_status "clashing names: batch runs" 0 "$UNISCOPE" deps --static -q --no-syscalls \
	--batch "$WORK/names/list" -o "$WORK/names/out" -j 2
check_eq "clashing names: three reports" 3 "$(ls "$WORK/names/out"/*.json | wc -l)"
check_json "tool.2.json is the program tool.2" "$WORK/names/out/tool.2.json" \
	".program.path == \"$WORK/names/a/tool.2\""
check_json "tool.3.json is the second tool" "$WORK/names/out/tool.3.json" \
	".program.path == \"$WORK/names/b/tool\""
check_no_grep "blank line not a program" "not found" "$WORK/out"
