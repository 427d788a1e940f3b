#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The dependency analysis tests again, with a uniscope built with
# AddressSanitizer and UndefinedBehaviorSanitizer (make asan): every check
# must pass and the sanitizers must report nothing, leaks included.
. "$(dirname "$0")/lib.sh"

if ! make -s -C "$TOP" asan > "$WORK/build" 2>&1; then
	fail "sanitizer build" "$(tail -n 20 "$WORK/build")"
	exit 0
fi
pass "sanitizer build"

mkdir "$WORK/logs"
export ASAN_OPTIONS="log_path=$WORK/logs/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$WORK/logs/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$TOP/tests/lsan.supp"
UNISCOPE=$TOP/.output/asan/uniscope "$TOP/tests/run" t0300 t0310 t0320 t0330 t0340 t0380 \
	> "$WORK/run" 2>&1
summary=$(tail -n 1 "$WORK/run")
check_grep "all checks pass under the sanitizers" "^[0-9]+ passed, 0 failed" <(echo "$summary")
grep '^not ok' "$WORK/run" | head -n 10
check_eq "checks run" 1 "$(echo "$summary" | awk '$1 > 100 { print 1 }')"

# Logs also hold the list of suppressions used, which is no finding.
pattern='ERROR: (Address|Leak)Sanitizer|runtime error:'
findings=$(cat "$WORK"/logs/* "$WORK/run" 2>/dev/null | grep -cE "$pattern")
check_eq "no sanitizer findings" 0 "$findings"
[ "$findings" = 0 ] || cat "$WORK"/logs/* "$WORK/run" 2>/dev/null |
	grep -A 8 -E "$pattern" | grep -E "$pattern|#[0-4] " | head -n 40
