#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Damaged cache entries are detected, reported with a warning, analysed
# again and replaced: a flipped byte, a truncated entry, a foreign file in
# its place, and the same for the dpkg database entry. The pool of paths at
# the end of that entry is checked path by path, against hashes in its table.
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

# A FIFO must not block the run that opens it.
rm -f "$entry"
mkfifo "$entry"
check_status "fifo entry: no hang" 0 timeout 60 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/fifo.json" "$program"
check_grep "fifo entry: warned" "entry '$entry' is damaged \(not a readable regular file" \
	"$WORK/out"
check_status "fifo entry: report correct" 0 cmp "$WORK/reference.json" "$WORK/fifo.json"
check_status "fifo entry: replaced by a file" 0 test -f "$entry"

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

# Without the final NUL, a lookup could read past the pool.
dpkg_size=$(stat -c %s "$dpkg_entry")
flip_byte "$dpkg_entry" $((dpkg_size - 1))
check_status "unterminated path pool: run" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/unterminated.json" "$program"
check_grep "unterminated path pool: warned" \
	"warning: analysis cache entry '$dpkg_entry' is damaged \(pool of paths truncated" "$WORK/out"
check_status "unterminated path pool: report correct" 0 cmp "$WORK/reference.json" \
	"$WORK/unterminated.json"

# A damaged path in the middle of the sorted pool misleads every binary
# search that passes it: the table's hash of each path catches it, and the
# lists are read afresh.
"$UNISCOPE" deps --static -q -o /dev/null "$program"
dpkg_entry=$(find "$XDG_CACHE_HOME/uniscope/dpkg" -type f)
python3 - "$dpkg_entry" <<'SCRIPT'
import struct, sys

# Layout of analysis/dpkg.c's entry after the 160-byte header: the string
# pool, the native architecture, the packages (6 u32), the list owners
# (u32), the path table (3 u32: offset, list, hash), then the pool of paths.
data = bytearray(open(sys.argv[1], "rb").read())
at = 160
(pool_size,) = struct.unpack_from("<Q", data, at)
at += 8 + pool_size + 4
(packages,) = struct.unpack_from("<Q", data, at)
at += 8 + 24 * packages
(lists,) = struct.unpack_from("<Q", data, at)
at += 8 + 4 * lists
(paths,) = struct.unpack_from("<Q", data, at)
table = at + 8
pool = table + 12 * paths + 8
(offset, _, _) = struct.unpack_from("<III", data, table + 12 * (paths // 2))
data[pool + offset] = ord("~")
open(sys.argv[1], "wb").write(data)
SCRIPT
check_status "damaged middle path: run" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/middle.json" "$program"
check_grep "damaged middle path: warned" \
	"warning: analysis cache entry '$dpkg_entry' is damaged \(a path does not match its hash" \
	"$WORK/out"
check_status "damaged middle path: report correct" 0 cmp "$WORK/reference.json" \
	"$WORK/middle.json"
check_eq "damaged middle path: entry removed" "" "$(find "$XDG_CACHE_HOME/uniscope/dpkg" -type f)"
check_status "damaged middle path: next run" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/middle.2.json" "$program"
check_no_grep "damaged middle path: no more warning" "warning" "$WORK/out"
check_status "damaged middle path: entry written again" 0 test -f "$dpkg_entry"
check_status "damaged middle path: third run" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/middle.3.json" "$program"
check_grep "damaged middle path: new entry read" "dpkg database read from the cache" "$WORK/out"
check_status "damaged middle path: report still correct" 0 cmp "$WORK/reference.json" \
	"$WORK/middle.3.json"
