#!/bin/bash
# Recall of the static system call set against what `uniscope trace` sees in
# one run of real programs (coreutils and sqlite3): at least 0.9 for each.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/static_syscalls_lib.sh"

MIN_RECALL_PERMILLE=900

printf 'hello\nworld\n' > "$WORK/input"
sql="create table t(a integer primary key, b text);
begin; insert into t(b) values ('x'), ('y'); commit;
create index t_b on t(b); select count(*) from t; pragma integrity_check;"

workloads=(
	"ls|ls -la /usr/bin"
	"cat|cat /etc/passwd $WORK/input"
	"sort|sort -r /etc/passwd"
	"wc|wc -l /etc/passwd"
	"cp|cp /etc/passwd $WORK/copy"
	"du|du -s /usr/share/doc"
	"date|date"
	"sqlite3|sqlite3 $WORK/test.db"
)

for workload in "${workloads[@]}"; do
	name=${workload%%|*}
	read -r -a command <<< "${workload#*|}"
	[ "$name" = sqlite3 ] && command+=("$sql")
	if ! command -v "${command[0]}" > /dev/null; then
		skip "recall of $name" "${command[0]} not installed"
		continue
	fi
	if ! scan_program "${command[0]}" "$WORK/$name.scan.json"; then
		fail "scan of $name"
		continue
	fi
	if ! trace_command "$WORK/$name.trace.json" "${command[@]}"; then
		fail "trace of $name" "$(head -c 600 "$WORK/$name.trace.json" 2>/dev/null)"
		continue
	fi
	read -r static all dynamic found recall missing <<< \
		"$(recall_line "$WORK/$name.scan.json" "$WORK/$name.trace.json")"
	echo "# $name: static $static, all library sites $all, traced $dynamic," \
		"found $found, recall $recall/1000, missing $missing"
	check_ge "recall of $name (missing: $missing)" "$MIN_RECALL_PERMILLE" "$recall"
	check_ge "$name traced some calls" 5 "$dynamic"
	check_json "$name static set below all library sites" "$WORK/$name.scan.json" \
		'.static_set_size < .all_sites_in_libraries_size'
done
