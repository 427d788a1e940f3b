#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# On-disk analysis cache: the first run fills it, the next run reads every
# object and the dpkg database from it and writes the same report, and
# --no-cache neither reads nor writes it.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME=$WORK/cache
program=$PROGS/static_syscalls
entries=$XDG_CACHE_HOME/uniscope

check_status "cold run" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/cold.json" "$program"
check_grep "cold run analyses the program" "syscall scan: analysing $program" "$WORK/out"
# The program, libc and the dynamic loader at least.
check_ge "one entry per analysed object" 3 "$(find "$entries/syscalls" -type f | wc -l)"
check_eq "one dpkg entry" 1 "$(find "$entries/dpkg" -type f | wc -l)"
check_eq "no temporary file left" "" "$(find "$entries" -name '*.??????')"

check_status "warm run" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/warm.json" "$program"
check_no_grep "warm run analyses nothing" "syscall scan: analysing" "$WORK/out"
check_grep "warm run reads the program" "syscall scan: $program read from the cache" "$WORK/out"
check_grep "warm run reads dpkg" "dpkg database read from the cache" "$WORK/out"
check_status "warm report identical" 0 cmp "$WORK/cold.json" "$WORK/warm.json"
check_json "warm report has the direct call" "$WORK/warm.json" \
	'.static_syscalls.system_calls.getppid.sources[0] | startswith("program:")'
check_json "warm report has the libc wrapper" "$WORK/warm.json" \
	'.static_syscalls.system_calls | has("umask")'
check_json "warm report has the package" "$WORK/warm.json" \
	'.packages.owners | to_entries | map(.value) | index("libc6") != null'

rm -rf "$XDG_CACHE_HOME"
check_status "run without cache" 0 "$UNISCOPE" -vv deps --static --no-cache -q \
	-o "$WORK/uncached.json" "$program"
check_grep "no-cache analyses the program" "syscall scan: analysing $program" "$WORK/out"
check_eq "no-cache writes nothing" "no" "$([ -e "$entries" ] && echo yes || echo no)"
check_status "no-cache report identical" 0 cmp "$WORK/cold.json" "$WORK/uncached.json"

# A batch shares the entries too: its reports match the single runs.
printf '%s\n' "$program" /usr/bin/true > "$WORK/list"
check_status "batch fills the cache" 0 "$UNISCOPE" deps --static -q --batch "$WORK/list" \
	-o "$WORK/batch1" -j 2
check_status "batch reads the cache" 0 "$UNISCOPE" -vv deps --static -q --batch "$WORK/list" \
	-o "$WORK/batch2" -j 2
check_no_grep "warm batch analyses nothing" "syscall scan: analysing" "$WORK/out"
check_status "batch report identical to single run" 0 cmp "$WORK/cold.json" \
	"$WORK/batch2/static_syscalls.json"
check_status "batch reports identical cold and warm" 0 cmp "$WORK/batch1/true.json" \
	"$WORK/batch2/true.json"

# Objects missing from the cache are analysed on several threads, with the
# same report as one thread gives.
export XDG_CACHE_HOME=$WORK/threads-cache
check_status "cold run on 2 threads" 0 "$UNISCOPE" -vv deps --static -q -j 2 \
	-o "$WORK/threads.json" "$program"
check_grep "objects analysed on 2 threads" "syscall scan: analysing [0-9]* objects on 2 threads" \
	"$WORK/out"
export XDG_CACHE_HOME=$WORK/one-thread-cache
check_status "cold run on 1 thread" 0 "$UNISCOPE" -vv deps --static -q -j 1 \
	-o "$WORK/one-thread.json" "$program"
check_no_grep "1 thread starts none" "objects on" "$WORK/out"
check_status "threads give the same report" 0 cmp "$WORK/one-thread.json" "$WORK/threads.json"
check_status "threads fill the cache alike" 0 diff \
	<(cd "$WORK/threads-cache/uniscope/syscalls" && ls) \
	<(cd "$WORK/one-thread-cache/uniscope/syscalls" && ls)

# A run killed while it writes entries leaves no temporary file: entries are
# unnamed until complete. A named temporary file would be seen by the loop,
# which kills the run at once.
export XDG_CACHE_HOME=$WORK/killed-cache
for try in 1 2 3; do
	rm -rf "$XDG_CACHE_HOME"
	mkdir -p "$XDG_CACHE_HOME"
	"$UNISCOPE" deps --static -q -o "$WORK/killed.json" sqlite3 2> /dev/null &
	pid=$!
	while kill -0 "$pid" 2> /dev/null; do
		if [ -n "$(find "$XDG_CACHE_HOME" -name '*.??????' -print -quit 2> /dev/null)" ]; then
			kill -TERM "$pid"
			break
		fi
	done
	wait "$pid" 2> /dev/null
	check_eq "killed writer $try: no temporary file" "" \
		"$(find "$XDG_CACHE_HOME" -name '*.??????')"
done

# The code of a large object (libc's 1.5 MB of text) is decoded in pieces
# on several threads and joined as one linear sweep: the same report.
libc=$(ldconfig -p | awk '/libc.so.6 .*x86-64/ { print $NF; exit }')
export XDG_CACHE_HOME=$WORK/pieces-cache
check_status "libc on 2 threads" 0 "$UNISCOPE" deps --static -q --no-cache -j 2 \
	-o "$WORK/libc-pieces.json" "$libc"
check_status "libc on 1 thread" 0 "$UNISCOPE" deps --static -q --no-cache -j 1 \
	-o "$WORK/libc-sweep.json" "$libc"
check_status "pieces give the same report" 0 cmp "$WORK/libc-sweep.json" "$WORK/libc-pieces.json"
check_json "libc report has its call sites" "$WORK/libc-pieces.json" \
	'.static_syscalls.system_calls | length > 100'
