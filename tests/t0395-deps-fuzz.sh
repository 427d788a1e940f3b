#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Fuzzes the ELF reader and the ld.so.cache parser with libFuzzer, under
# AddressSanitizer and UndefinedBehaviorSanitizer, for FUZZ_SECONDS
# (default 20 here, 60 with make fuzz).
. "$(dirname "$0")/lib.sh"

seconds=${FUZZ_SECONDS:-20}
rm -f "$TOP"/.output/fuzz/crash-* "$TOP"/.output/fuzz/leak-* "$TOP"/.output/fuzz/timeout-*
make -s -C "$TOP" fuzz FUZZ_SECONDS="$seconds" > "$WORK/fuzz" 2>&1
status=$?
check_eq "fuzzer ran $seconds s without a finding" 0 "$status"
[ "$status" = 0 ] || grep -A 20 -E 'ERROR|runtime error' "$WORK/fuzz" | head -n 40
check_grep "fuzzer executed inputs" "^stat::number_of_executed_units: [0-9]{4,}" "$WORK/fuzz"
check_eq "no crash files" "" "$(ls "$TOP"/.output/fuzz/ | grep -E '^(crash|leak|timeout)-')"
