#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Damaged cache entries are detected, reported with a warning, analysed
# again and replaced: a flipped byte, a truncated entry, a foreign file in
# its place, and the same for the dpkg database entry. The pool of paths at
# the end of that entry is not hashed: damage there must not crash a run.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME=$WORK/cache
program=$PROGS/static_syscalls
entry=$XDG_CACHE_HOME/uniscope/syscalls/$(stat -c %D "$program")-$(printf '%x' \
	"$(stat -c %i "$program")")

"$UNISCOPE" deps --static --no-cache -q -o "$WORK/reference.json" "$program"
check_status "cold run" 0 "$UNISCOPE" deps --static -q -o "$WORK/cold.json" "$program"
check_eq "program entry written" "yes" "$([ -f "$entry" ] && echo yes)"
size=$(stat -c %s "$entry")

# damage NAME EXPECTED_REASON: runs on the damaged entry, then once more.
damage()
{
	check_status "$1: run" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/$1.json" "$program"
	check_grep "$1: warned" "warning: analysis cache entry '$entry' is damaged \($2" \
		"$WORK/out"
	check_grep "$1: analysed again" "syscall scan: analysing $program" "$WORK/out"
	check_status "$1: report correct" 0 cmp "$WORK/reference.json" "$WORK/$1.json"
	check_status "$1: next run" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/$1.2.json" \
		"$program"
	check_grep "$1: entry replaced" "syscall scan: $program read from the cache" "$WORK/out"
	check_no_grep "$1: no more warning" "warning" "$WORK/out"
}

# flip_byte FILE OFFSET: inverts every bit of one byte.
flip_byte()
{
	local byte

	byte=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\x$(printf '%02x' $((byte ^ 0xff)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

flip_byte "$entry" $((size / 2))
damage "flipped byte" "payload hash mismatch"

header_size=160		# struct entry_header in analysis/result_cache.c
truncate -s $((size - 100)) "$entry"
damage "truncated payload" "payload of $((size - 100 - header_size)) bytes where the header expects"

truncate -s 20 "$entry"
damage "truncated header" "20 bytes, shorter than its header"

head -c 4096 /dev/urandom > "$entry"
damage "foreign file" "not a uniscope cache entry"

dpkg_entry=$(find "$XDG_CACHE_HOME/uniscope/dpkg" -type f)
check_eq "one dpkg entry" 1 "$(printf '%s\n' "$dpkg_entry" | grep -c .)"
dpkg_size=$(stat -c %s "$dpkg_entry")
flip_byte "$dpkg_entry" $((header_size + 100))
check_status "damaged dpkg entry: run" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/dpkg.json" \
	"$program"
check_grep "damaged dpkg entry: warned" \
	"warning: analysis cache entry '$dpkg_entry' is damaged \(payload hash mismatch" "$WORK/out"
check_status "damaged dpkg entry: report correct" 0 cmp "$WORK/reference.json" "$WORK/dpkg.json"
check_status "damaged dpkg entry: next run" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/dpkg.2.json" "$program"
check_grep "damaged dpkg entry: replaced" "dpkg database read from the cache" "$WORK/out"

# The last path of the sorted pool is past every path this analysis looks up.
dpkg_size=$(stat -c %s "$dpkg_entry")
flip_byte "$dpkg_entry" $((dpkg_size - 3))
check_status "damaged path pool: run" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/paths.json" \
	"$program"
check_no_grep "damaged path pool: no warning" "warning" "$WORK/out"
check_status "damaged path pool: report correct" 0 cmp "$WORK/reference.json" "$WORK/paths.json"

# Without the final NUL, a lookup could read past the pool.
flip_byte "$dpkg_entry" $((dpkg_size - 1))
check_status "unterminated path pool: run" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/unterminated.json" "$program"
check_grep "unterminated path pool: warned" \
	"warning: analysis cache entry '$dpkg_entry' is damaged \(pool of paths truncated" "$WORK/out"
check_status "unterminated path pool: report correct" 0 cmp "$WORK/reference.json" \
	"$WORK/unterminated.json"
