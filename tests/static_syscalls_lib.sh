# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the static system call tests and benchmark: the static scan of
# a program (through the syscall_scan_test driver), a trace of one run, and
# the recall of the first against the second.

SCAN=${SCAN:-$TOP/.output/tests/syscall_scan_test}

# scan_program PROGRAM OUT: writes syscall_scan()'s JSON for PROGRAM to OUT.
scan_program()
{
	"$SCAN" "$(command -v "$1")" > "$2"
}

# trace_command OUT COMMAND...: writes the trace of one run of COMMAND to OUT.
trace_command()
{
	local out=$1

	shift
	"$UNISCOPE" trace --json -o "$out" -- "$@" > /dev/null 2>&1 < /dev/null
}

# recall_line SCAN TRACE: prints "STATIC ALL_LIBRARIES DYNAMIC FOUND RECALL_PERMILLE MISSING".
# The dynamic set is the native (64-bit) calls the trace saw, without execve:
# that call is made by the launcher to start the program, not by its code.
recall_line()
{
	jq -r --slurpfile trace "$2" '
		([$trace[0].syscalls[] | select(.abi == "64" and .name != "execve") | .name]
		 | unique) as $dynamic
		| ($dynamic - (.system_calls | keys)) as $missing
		| ($dynamic | length) as $total
		| "\(.static_set_size) \(.all_sites_in_libraries_size) \($total) "
		  + "\($total - ($missing | length)) "
		  + "\(if $total > 0 then (($total - ($missing | length)) * 1000 / $total
		       | floor) else 1000 end) "
		  + "\($missing | join(",") | if . == "" then "-" else . end)"' "$1"
}
