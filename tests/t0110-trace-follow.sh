#!/bin/bash
# uniscope trace: forks, vfork+exec, clone3 threads and exec'ed grandchildren.
. "$(dirname "$0")/lib.sh"

"$UNISCOPE" trace --per-process --json -- "$PROGS/process_family" > "$WORK/family.json"
getppid_of()
{
	jq "[.processes[] | select($1) | .syscalls[] | select(.name == \"getppid\") | .calls] | add" \
		"$WORK/family.json"
}
main_pid=$(jq '.processes[] | select(.ppid != 0) | .pid' "$WORK/family.json" | sort -n | head -1)

check_eq "four processes traced" 4 "$(jq '.processes | length' "$WORK/family.json")"
check_eq "main process and its clone3 thread" 8 "$(getppid_of ".pid == $main_pid")"
check_eq "fork child" 7 "$(getppid_of ".ppid == $main_pid and .syscall_count < 20")"
check_eq "vfork+exec child" 11 "$(getppid_of ".ppid == $main_pid and .syscall_count >= 20")"
check_eq "exec'ed grandchild" 13 "$(getppid_of ".ppid != $main_pid and .pid != $main_pid")"
check_json "clone3 used for the thread" "$WORK/family.json" \
	'.syscalls[] | select(.name == "clone3") | .calls >= 1'
check_json "vfork counted" "$WORK/family.json" '.syscalls[] | select(.name == "vfork") | .calls == 1'
check_json "all getppid calls in the total" "$WORK/family.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 39'

"$UNISCOPE" trace --per-process -- "$PROGS/process_family" 2> "$WORK/family.txt"
check_eq "one table per process" 4 "$(grep -c '^process [0-9]* (' "$WORK/family.txt")"

# --no-follow keeps to the launched process (its threads included).
"$UNISCOPE" trace --no-follow --json -- "$PROGS/process_family" > "$WORK/nofollow.json"
check_eq "no-follow traces one process" 1 "$(jq '.processes | length' "$WORK/nofollow.json")"
check_json "no-follow keeps threads" "$WORK/nofollow.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 8'

# --per-thread splits the threads of one process.
"$UNISCOPE" trace --per-thread --json -- "$PROGS/syscall_counts" 300 3 0 > "$WORK/threads.json"
check_eq "per-thread rows" "300 300 300" \
	"$(jq -r '[.threads[] | .syscalls[] | select(.name == "getppid") | .calls] | sort | join(" ")' \
		"$WORK/threads.json")"

# Repeated runs: every member of the tree keeps all of its calls each time.
complete=0
for _ in $(seq 15); do
	"$UNISCOPE" trace --json -- "$PROGS/process_family" > "$WORK/repeat.json"
	calls=$(jq '.syscalls[] | select(.name == "getppid") | .calls' "$WORK/repeat.json")
	[ "$calls" = 39 ] && complete=$((complete + 1))
done
check_eq "15 repeated trees complete" 15 "$complete"
