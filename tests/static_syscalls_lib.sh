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

# set_recall_workloads DIR: sets RECALL_WORKLOADS to "NAME|COMMAND" entries of
# coreutils and sqlite3 runs, with their files in DIR. The sqlite3 entry takes
# RECALL_SQL as one more argument, because its SQL contains spaces.
set_recall_workloads()
{
	local dir=$1

	printf 'hello\nworld\n' > "$dir/input"
	RECALL_SQL="create table t(a integer primary key, b text);
begin; insert into t(b) values ('x'), ('y'); commit;
create index t_b on t(b); select count(*) from t; pragma integrity_check;"
	RECALL_WORKLOADS=(
		"ls|ls -la /usr/bin"
		"cat|cat /etc/passwd $dir/input"
		"sort|sort -r /etc/passwd"
		"wc|wc -l /etc/passwd"
		"cp|cp /etc/passwd $dir/copy"
		"du|du -s /usr/share/doc"
		"date|date"
		"sqlite3|sqlite3 $dir/test.db"
	)
}

# recall_line SCAN TRACE: prints "STATIC ALL_LIBRARIES DYNAMIC FOUND RECALL_PERMILLE MISSING".
# The dynamic set is the traced calls of the program's ABI without execve:
# that call is made by the launcher to start the program, not by its code.
recall_line()
{
	jq -r --slurpfile trace "$2" '
		.abi as $abi
		| ([$trace[0].syscalls[] | select(.abi == $abi and .name != "execve") | .name]
		   | unique) as $dynamic
		| ($dynamic - (.system_calls | keys)) as $missing
		| ($dynamic | length) as $total
		| "\(.static_set_size) \(.all_sites_in_libraries_size) \($total) "
		  + "\($total - ($missing | length)) "
		  + "\(if $total > 0 then (($total - ($missing | length)) * 1000 / $total
		       | floor) else 1000 end) "
		  + "\($missing | join(",") | if . == "" then "-" else . end)"' "$1"
}
