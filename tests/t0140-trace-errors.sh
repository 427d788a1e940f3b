#!/bin/bash
# uniscope trace: every bad input gets a clear message and its exit status,
# two instances do not disturb each other, and nothing stays loaded.
. "$(dirname "$0")/lib.sh"

check_status "no target is a usage error" 2 "$UNISCOPE" trace
check_grep "no target message" 'nothing to trace' "$WORK/out"

check_status "missing command exits 127" 127 "$UNISCOPE" trace -- uniscope-no-such-command
check_grep "missing command named" "command 'uniscope-no-such-command' not found" "$WORK/out"

check_status "unknown PID fails" 1 "$UNISCOPE" trace -p 4000000
check_grep "unknown PID named" 'process 4000000 not found' "$WORK/out"

check_status "invalid PID is a usage error" 2 "$UNISCOPE" trace -p 12x
check_grep "invalid PID named" "invalid value '12x' for -p" "$WORK/out"

check_status "invalid duration" 2 "$UNISCOPE" trace -d -1 -- true
check_grep "invalid duration named" "invalid duration '-1' for -d" "$WORK/out"

check_status "unknown syscall name" 2 "$UNISCOPE" trace -e trace=getppidd -- true
check_grep "close name suggested" "did you mean 'getppid'" "$WORK/out"

check_status "unknown class" 2 "$UNISCOPE" trace -e trace=%files -- true
check_grep "classes listed" '%network' "$WORK/out"

check_status "invalid sort key" 2 "$UNISCOPE" trace -S speed -- true
check_status "conflicting options" 2 "$UNISCOPE" trace --per-process --per-thread -- true
check_status "unknown option" 2 "$UNISCOPE" trace --bogus -- true

check_status "unwritable output" 1 "$UNISCOPE" trace -o /nonexistent/dir/report.json -- true
check_grep "unwritable output named" "/nonexistent/dir/report.json" "$WORK/out"

# Without privileges: the missing capabilities are named.
if command -v setpriv > /dev/null; then
	cp "$UNISCOPE" "$WORK/uniscope-copy"
	chmod 755 "$WORK" "$WORK/uniscope-copy"
	check_status "unprivileged run fails" 1 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --inh-caps=-all "$WORK/uniscope-copy" trace -- true
	check_grep "capabilities named" 'missing capability CAP_BPF and CAP_PERFMON' "$WORK/out"
else
	skip "unprivileged run" "setpriv is not installed"
fi

# Without kernel BTF (hidden in a private mount namespace): the option is named.
check_status "no BTF fails" 1 unshare -m sh -c \
	"mount -t tmpfs none /sys/kernel/btf && exec '$UNISCOPE' trace -- true"
check_grep "BTF option named" 'CONFIG_DEBUG_INFO_BTF' "$WORK/out"

# Two traces at once count only their own processes.
"$UNISCOPE" trace --json -- "$PROGS/syscall_counts" 20000 1 0 > "$WORK/one.json" &
first=$!
"$UNISCOPE" trace --json -- "$PROGS/syscall_counts" 30000 1 0 > "$WORK/two.json"
wait "$first"
check_json "first of two instances" "$WORK/one.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 20000'
check_json "second of two instances" "$WORK/two.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 30000'

# A target killed mid-trace still gives a report.
"$UNISCOPE" trace --json -- "$PROGS/sleeper" 1000 10 > "$WORK/killed.json" 2> /dev/null &
tracer=$!
sleep 0.5
pkill -KILL -P "$tracer" -f sleeper
wait "$tracer"
check_eq "killed target's status" 137 $?
check_json "killed target's report" "$WORK/killed.json" \
	'.syscalls[] | select(.name == "nanosleep") | .calls >= 10'

check_eq "no BPF program left loaded" "" "$(loaded_uniscope_progs)"
