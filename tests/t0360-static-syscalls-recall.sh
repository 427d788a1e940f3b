#!/bin/bash
# Recall of the static system call set against the calls `uniscope trace`
# records in one run of real programs (coreutils and sqlite3): at least 0.9 each.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/static_syscalls_lib.sh"

MIN_RECALL_PERMILLE=900

set_recall_workloads "$WORK"
for workload in "${RECALL_WORKLOADS[@]}"; do
	name=${workload%%|*}
	read -r -a command <<< "${workload#*|}"
	[ "$name" = sqlite3 ] && command+=("$RECALL_SQL")
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
