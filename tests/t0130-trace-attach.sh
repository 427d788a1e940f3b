#!/bin/bash
# uniscope trace -p: attach to a running process, follow its new children,
# stop after -d or when the target exits; Ctrl-C still reports.
. "$(dirname "$0")/lib.sh"

start_server()
{
	"$PROGS/server_loop" > "$WORK/server.out" &
	server=$!
	for _ in $(seq 50); do
		grep -q ready "$WORK/server.out" && return
		sleep 0.1
	done
}

start_server
"$UNISCOPE" trace -p "$server" -d 1.5 -o "$WORK/attach.json" 2> "$WORK/attach.txt" &
tracer=$!
sleep 0.7
kill -USR1 "$server"
wait "$tracer"
check_eq "attach run exits 0" 0 $?
check_json "server loop calls seen" "$WORK/attach.json" \
	'.syscalls[] | select(.name == "getppid") | .calls >= 300'
check_json "sleeps seen" "$WORK/attach.json" \
	'.syscalls[] | select(.name == "clock_nanosleep") | .calls >= 300'
check_json "child forked after attach followed" "$WORK/attach.json" \
	'[.processes[] | select(.ppid == '"$server"') | .syscalls[] | select(.name == "getppid") | .calls] == [17]'
check_json "duration respected" "$WORK/attach.json" \
	'.duration_ns >= 1400000000 and .duration_ns < 3000000000'
check_grep "table printed for attach" 'getppid$' "$WORK/attach.txt"
kill -0 "$server" 2> /dev/null
check_eq "target left running" 0 $?

# The trace ends when the target exits, well before -d.
"$UNISCOPE" trace -p "$server" -d 30 --json -o "$WORK/ends.json" 2> /dev/null &
tracer=$!
sleep 0.5
kill "$server"
start=$(date +%s)
wait "$tracer"
check_le "trace ends with its target" 3 $(($(date +%s) - start))
check_json "target exit recorded" "$WORK/ends.json" '.processes[0].exited == true'

# Ctrl-C: the table is printed and the JSON is complete.
"$UNISCOPE" trace -o "$WORK/int.json" -- "$PROGS/sleeper" 1000 10 2> "$WORK/int.txt" &
tracer=$!
sleep 0.6
kill -INT "$tracer"
wait "$tracer"
check_eq "interrupted launch exits 130" 130 $?
check_json "interrupted JSON is valid" "$WORK/int.json" \
	'.interrupted == true and (.syscalls[] | select(.name == "nanosleep") | .calls >= 20)'
check_grep "interrupted table printed" 'nanosleep$' "$WORK/int.txt"
check_grep "interruption stated" '^interrupted' "$WORK/int.txt"

# SIGTERM on an attach-mode trace.
start_server
"$UNISCOPE" trace -p "$server" --json > "$WORK/term.json" 2> /dev/null &
tracer=$!
sleep 0.6
kill -TERM "$tracer"
wait "$tracer"
check_json "SIGTERM still writes JSON" "$WORK/term.json" \
	'.syscalls[] | select(.name == "getppid") | .calls > 100'
kill "$server"
wait "$server" 2> /dev/null || true
