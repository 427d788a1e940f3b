#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Stub generation on real linker output: a C program with missing symbols is
# linked, the errors become stubs, the relinked program runs and its calls
# return ENOSYS.
. "$(dirname "$0")/lib.sh"

src=$TOP/tests/data/stubs-prog
gcc -I"$src/include" "$src/widget_user.c" -o "$WORK/prog" 2> "$WORK/link.log"
check_eq "first link misses 5 symbols" 5 \
	"$(grep -o 'undefined reference to .*' "$WORK/link.log" | sort -u | wc -l)"

check_status "stubs from linker output" 0 "$UNISCOPE" build --link-log "$WORK/link.log" \
	--stubs "$WORK/stubs.c" --include "$src/include"
check_grep "stub count printed" "^5 stubs written" "$WORK/out"
check_grep "declared type kept" '^int widget_open\(const char \*path, int flags\)$' "$WORK/stubs.c"
check_grep "unnamed parameter named" '^struct widget \* widget_lookup\(const char \* uniscope_arg0\)$' \
	"$WORK/stubs.c"
check_grep "undeclared symbol gets long" '^long undeclared_helper\(void\)$' "$WORK/stubs.c"
check_grep "header included" "^#include \"$src/include/widget.h\"$" "$WORK/stubs.c"

gcc -Wall -Werror -I"$src/include" "$src/widget_user.c" "$WORK/stubs.c" -o "$WORK/prog" \
	> "$WORK/relink.log" 2>&1
check_eq "relink succeeds" 0 $?
"$WORK/prog" > "$WORK/run.out" 2> "$WORK/run.err"
check_eq "program runs" 0 $?
check_grep "stub returns -1 with ENOSYS" "^widget_open=-1 errno=ENOSYS$" "$WORK/run.out"
check_grep "pointer stub returns NULL" "^widget_lookup=NULL$" "$WORK/run.out"
check_grep "undeclared stub returns -1" "^undeclared_helper=-1$" "$WORK/run.out"
check_grep "first call logged" "uniscope stub: widget_open\(\) is not implemented" "$WORK/run.err"
check_eq "only the first call logged" 1 "$(grep -c 'widget_open()' "$WORK/run.err")"

check_status "--link-log without --stubs" 2 "$UNISCOPE" build --link-log "$WORK/link.log"
