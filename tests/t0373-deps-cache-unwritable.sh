#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A cache location that cannot be written costs one warning, never a report:
# the cache root is a regular file, or its syscalls directory is.
. "$(dirname "$0")/lib.sh"
program=$PROGS/static_syscalls

XDG_CACHE_HOME=$WORK/cache "$UNISCOPE" deps --static --no-cache -q -o "$WORK/reference.json" \
	"$program"

# unwritable NAME: runs with XDG_CACHE_HOME=$WORK/NAME, already set up to fail.
unwritable()
{
	check_status "$1: run" 0 env XDG_CACHE_HOME="$WORK/$1" "$UNISCOPE" deps --static -q \
		-o "$WORK/$1.json" "$program"
	check_grep "$1: warned" "warning: cannot write the analysis cache entry '$WORK/$1/uniscope/" \
		"$WORK/out"
	check_eq "$1: warned once" 1 "$(grep -c 'cannot write the analysis cache' "$WORK/out")"
	check_status "$1: full report" 0 cmp "$WORK/reference.json" "$WORK/$1.json"
	check_json "$1: report has the system calls" "$WORK/$1.json" \
		'.static_syscalls.system_calls | has("getppid") and has("umask")'
}

echo "not a directory" > "$WORK/root-is-file"
unwritable root-is-file

mkdir -p "$WORK/kind-is-file/uniscope"
echo "not a directory" > "$WORK/kind-is-file/uniscope/syscalls"
unwritable kind-is-file
check_eq "kind-is-file: file left alone" "not a directory" \
	"$(cat "$WORK/kind-is-file/uniscope/syscalls")"

printf '%s\n' "$program" /usr/bin/true > "$WORK/list"
check_status "batch with unwritable cache" 0 env XDG_CACHE_HOME="$WORK/root-is-file" \
	"$UNISCOPE" deps --static -q --batch "$WORK/list" -o "$WORK/batch" -j 2
check_status "batch report complete" 0 cmp "$WORK/reference.json" \
	"$WORK/batch/static_syscalls.json"

# Without HOME and XDG_CACHE_HOME there is no cache, and no warning either.
check_status "no cache location" 0 env -u HOME -u XDG_CACHE_HOME "$UNISCOPE" deps --static -q \
	-o "$WORK/homeless.json" "$program"
check_no_grep "no cache location: no warning" "warning" "$WORK/out"
check_status "no cache location: full report" 0 cmp "$WORK/reference.json" \
	"$WORK/homeless.json"
