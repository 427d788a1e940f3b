#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Matching a pthread, socket, file and time program against the Unikraft
# 0.17 pool data, with musl's symbol set read from the musl-tools archive
# and with nolibc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unikraft-pool.sh"

REPORT=$TOP/tests/data/server-report.json
MUSL_A=/usr/lib/x86_64-linux-musl/libc.a

# chosen FILE OPTION: the reason the library with OPTION is in the result.
chosen()
{
	jq -r --arg option "$2" '.libraries[] | select(.option == $option) | .reason' "$1"
}

if [ -r "$MUSL_A" ]; then
	check_status "match with musl symbols" 0 "$UNISCOPE" match "$REPORT" --pool "$POOL" \
		--symbols "lib-musl=$MUSL_A" -o "$WORK/musl.json"
	m=$WORK/musl.json
	# musl covers every libc function the program calls, pthreads included.
	check_eq "musl is the libc" "musl" "$(jq -r .libc "$m")"
	check_eq "musl chosen as libc" "libc" "$(chosen "$m" LIBMUSL)"
	# Its system calls are in posix-socket, and only lwip gives it AF_INET.
	check_eq "posix-socket covers socket calls" "covers" "$(chosen "$m" LIBPOSIX_SOCKET)"
	check_eq "lwip joins posix-socket" "companion" "$(chosen "$m" LIBLWIP)"
	# Files: vfscore (musl selects it) and a root file system to open them in.
	check_eq "vfscore for open" "dependency" "$(chosen "$m" LIBVFSCORE)"
	check_eq "ramfs joins vfscore" "companion" "$(chosen "$m" LIBRAMFS)"
	check_json "posix-time covers clock_gettime" "$m" \
		'.libraries[] | select(.option == "LIBPOSIX_TIME") | .syscalls | index("clock_gettime") != null'
	check_json "posix-futex for pthread locks" "$m" \
		'.libraries[] | select(.option == "LIBPOSIX_FUTEX") | .syscalls == ["futex"]'
	check_eq "no pthread-embedded with musl" "" "$(chosen "$m" LIBPTHREAD_EMBEDDED)"
	check_eq "no nolibc with musl" "" "$(chosen "$m" LIBNOLIBC)"
	check_json "io_uring stays uncovered" "$m" \
		'.uncovered.symbols == ["io_uring_queue_init"] and (.uncovered.syscalls | sort) == ["clone3", "getrandom", "io_uring_setup"]'
	check_json "coverage share" "$m" '.coverage.share > 0.9 and .coverage.share < 1'
else
	skip "match with musl symbols" "$MUSL_A missing (Debian package musl-dev)"
fi

check_status "match with nolibc" 0 "$UNISCOPE" match "$REPORT" --pool "$POOL" \
	--libc nolibc -o "$WORK/nolibc.json"
n=$WORK/nolibc.json
check_eq "nolibc is the libc" "libc" "$(chosen "$n" LIBNOLIBC)"
# nolibc has no threads: libpthread maps to lib-pthread-embedded.
check_eq "pthread-embedded for libpthread" "shared library" "$(chosen "$n" LIBPTHREAD_EMBEDDED)"
check_eq "vfscore covers open" "covers" "$(chosen "$n" LIBVFSCORE)"
check_eq "posix-time covers time" "covers" "$(chosen "$n" LIBPOSIX_TIME)"
check_json "getpid needs the PIDs sub-option" "$n" \
	'.requested_options | index("LIBPOSIX_PROCESS_PIDS") != null'
check_json "perror uncovered with nolibc" "$n" '.uncovered.symbols | index("perror") != null'
check_json "no two libcs" "$n" '[.libraries[] | select(.reason == "libc")] | length == 1'
check_json "scores best first" "$n" '[.scores[].covers] == ([.scores[].covers] | sort | reverse)'
check_json "ukmmap scored, posix-mmap passed over" "$n" \
	'(.scores[] | select(.option == "LIBPOSIX_MMAP") | .chosen == false) and
	 (.scores[] | select(.option == "LIBUKMMAP") | .chosen)'
check_grep "printed table names vfscore" "^lib/vfscore +LIBVFSCORE +covers" "$WORK/out"

check_status "unknown libc is a usage error" 2 "$UNISCOPE" match "$REPORT" --pool "$POOL" \
	--libc glibc
check_status "missing pool is an error" 1 "$UNISCOPE" match "$REPORT" -o "$WORK/x.json"
check_grep "missing pool is explained" "no library pool" "$WORK/out"
