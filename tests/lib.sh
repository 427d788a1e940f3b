# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by every test script: paths and the check functions that record
# one result line per check in $RESULTS (set by tests/run).

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RESULTS=${RESULTS:-/dev/null}
UNISCOPE=${UNISCOPE:-$TOP/uniscope}
PROGS=$TOP/.output/tests
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

pass()
{
	echo "ok - $1"
	echo "pass $TEST_NAME: $1" >> "$RESULTS"
}

# fail DESCRIPTION [DETAIL]: DETAIL is printed indented below the failure.
fail()
{
	echo "not ok - $1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | head -n 40 | sed 's/^/#     /'
	echo "fail $TEST_NAME: $1" >> "$RESULTS"
}

skip()
{
	echo "skip - $1: $2"
	echo "skip $TEST_NAME: $1" >> "$RESULTS"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# check_ge DESCRIPTION MINIMUM ACTUAL (integers)
check_ge()
{
	if [ -n "$3" ] && [ "$3" -ge "$2" ] 2>/dev/null; then
		pass "$1"
	else
		fail "$1" "expected at least $2, got '$3'"
	fi
}

# check_le DESCRIPTION MAXIMUM ACTUAL (integers)
check_le()
{
	if [ -n "$3" ] && [ "$3" -le "$2" ] 2>/dev/null; then
		pass "$1"
	else
		fail "$1" "expected at most $2, got '$3'"
	fi
}

# check_grep DESCRIPTION PATTERN FILE: FILE has a line matching the ERE PATTERN.
check_grep()
{
	if grep -Eq -- "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "no line matches /$2/ in $3:
$(head -n 30 "$3")"
	fi
}

# check_no_grep DESCRIPTION PATTERN FILE
check_no_grep()
{
	if grep -Eq -- "$2" "$3"; then
		fail "$1" "unexpected match of /$2/: $(grep -E -- "$2" "$3" | head -n 5)"
	else
		pass "$1"
	fi
}

# check_json DESCRIPTION FILE JQ_FILTER: the jq filter yields true on FILE.
check_json()
{
	local result

	result=$(jq -e "$3" "$2" 2>&1)
	if [ $? -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "jq '$3' gave '$result'"
	fi
}

# check_status DESCRIPTION EXPECTED_STATUS COMMAND...: runs COMMAND, output in $WORK/out.
check_status()
{
	local description=$1 expected=$2 status

	shift 2
	"$@" > "$WORK/out" 2>&1
	status=$?
	if [ "$status" = "$expected" ]; then
		pass "$description"
	else
		fail "$description" "exit status $status, expected $expected; output:
$(cat "$WORK/out")"
	fi
}

# Names of BPF programs of uniscope left loaded: held by no process, or by a
# process that is not a running uniscope (a traced command that inherited
# them). Programs of another uniscope that runs at the same time are not
# counted.
loaded_uniscope_progs()
{
	local names

	# The kernel frees a program shortly after its last file descriptor closes.
	for _ in $(seq 20); do
		names=$(bpftool -j prog show 2>/dev/null | jq -r '.[] | select(.name | test("^uni_")) |
			select((.pids // []) | (length == 0 or any(.comm != "uniscope"))) | .name')
		[ -n "$names" ] || return 0
		sleep 0.1
	done
	echo "$names"
}
