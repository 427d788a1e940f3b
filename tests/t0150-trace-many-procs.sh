#!/bin/bash
# uniscope trace: more processes than stats slots, more keys than the pool.
. "$(dirname "$0")/lib.sh"

# 300 children: the first ones get stats slots, the later ones use the hash map.
"$UNISCOPE" trace --json -- "$PROGS/fork_many" 300 7 > "$WORK/many.json"
check_json "getppid of 300 children" "$WORK/many.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 2100'
check_json "301 processes traced" "$WORK/many.json" '.processes | length == 301'
check_json "exit_group of every process" "$WORK/many.json" \
	'.syscalls[] | select(.name == "exit_group") | .calls == 301'
check_json "nothing lost with many processes" "$WORK/many.json" '.lost == {}'

# 120 children with 37 failing calls each fill the pool of 4096 entries.
"$UNISCOPE" -vv trace --json -- "$PROGS/fork_many" 120 2 badfd > "$WORK/keys.json" \
	2> "$WORK/keys.log"
check_grep "pool filled" "statistics pool full" "$WORK/keys.log"
check_eq "36 calls failing once per child" 36 \
	"$(jq '[.syscalls[] | select(.errors == 120)] | length' "$WORK/keys.json")"
check_json "tee counted once per child" "$WORK/keys.json" \
	'.syscalls[] | select(.name == "tee") | .calls == 120'
check_json "getppid counted past the full pool" "$WORK/keys.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 240'
check_json "nothing lost with a full pool" "$WORK/keys.json" '.lost == {}'

# The counts-only mode takes the same paths.
"$UNISCOPE" trace --no-latency --json -- "$PROGS/fork_many" 120 2 badfd > "$WORK/quick.json"
check_eq "counts-only: 36 failing calls" 36 \
	"$(jq '[.syscalls[] | select(.errors == 120)] | length' "$WORK/quick.json")"
check_json "counts-only: exit_group of every process" "$WORK/quick.json" \
	'.syscalls[] | select(.name == "exit_group") | .calls == 121'

# Per process, a child beyond the slots is attributed like the first one.
"$UNISCOPE" trace --per-process --json -- "$PROGS/fork_many" 280 3 > "$WORK/per.json"
check_eq "every child has its 3 calls" 280 \
	"$(jq '[.processes[] | select(.ppid != 0) | .syscalls[] |
		select(.name == "getppid" and .calls == 3)] | length' "$WORK/per.json")"

# --per-thread keeps a key per thread: those of exited threads leave the maps.
"$UNISCOPE" trace --per-thread --json -- "$PROGS/thread_churn" 5000 > "$WORK/churn.json"
check_json "getppid of 5000 threads" "$WORK/churn.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 50000'
check_json "5001 threads listed" "$WORK/churn.json" '.threads | length == 5001'
check_json "nothing lost with exited threads" "$WORK/churn.json" '.lost == {}'
