#!/bin/bash
# uniscope trace: rt_sigreturn, calls from execve on, on-CPU time, many exits.
. "$(dirname "$0")/lib.sh"

# rt_sigreturn restores orig_ax to -1: each mode still counts it by name.
for mode in -c --no-latency; do
	"$UNISCOPE" trace "$mode" --json -- "$PROGS/signal_loop" 500 > "$WORK/signals.json"
	check_json "$mode: kill counted" "$WORK/signals.json" \
		'.syscalls[] | select(.name == "kill") | .calls == 500'
	check_json "$mode: rt_sigreturn counted" "$WORK/signals.json" \
		'.syscalls[] | select(.name == "rt_sigreturn" and .abi == "64") | .calls == 500'
	check_json "$mode: no out-of-range call" "$WORK/signals.json" \
		'[.syscalls[] | select(.name == "syscall_out_of_range")] | length == 0'
done

# The launcher's calls before execve (waiting for the tracer, closing
# descriptors, glibc's fork handler) are not the command's: set_robust_list
# comes once, from the command's own start.
"$UNISCOPE" trace --json -- "$PROGS/fork_many" 0 0 > "$WORK/launch.json"
check_json "set_robust_list only from the command" "$WORK/launch.json" \
	'.syscalls[] | select(.name == "set_robust_list") | .calls == 1'
check_json "execve counted" "$WORK/launch.json" \
	'.syscalls[] | select(.name == "execve") | .calls == 1'
# The loader's read of libc's ELF header is the only read.
check_json "no gate read counted" "$WORK/launch.json" \
	'.syscalls[] | select(.name == "read") | .calls == 1'
"$UNISCOPE" trace --no-latency --json -- "$PROGS/fork_many" 0 0 > "$WORK/launch2.json"
check_json "counts-only: execve counted" "$WORK/launch2.json" \
	'.syscalls[] | select(.name == "execve") | .calls == 1'
check_json "counts-only: set_robust_list once" "$WORK/launch2.json" \
	'.syscalls[] | select(.name == "set_robust_list") | .calls == 1'

# A process spends at least the on-CPU time of its own calls on the CPU,
# including its last stretch before exit.
for _ in 1 2 3; do
	"$UNISCOPE" trace --json -- "$PROGS/syscall_counts" 50000 0 0 > "$WORK/oncpu.json"
	check_json "process on-CPU covers its calls" "$WORK/oncpu.json" \
		'.processes[0].oncpu_ns >= ([.syscalls[].oncpu_ns] | add)'
done

# 1200 short processes: exited ones leave the maps, so nothing is lost.
for mode in -c --no-latency; do
	"$UNISCOPE" trace "$mode" --json -- sh -c \
		'i=0; while [ $i -lt 1200 ]; do /bin/true; i=$((i + 1)); done' > "$WORK/loop.json"
	check_json "$mode: 1201 execve" "$WORK/loop.json" \
		'.syscalls[] | select(.name == "execve") | .calls == 1201'
	check_json "$mode: 1201 exit_group" "$WORK/loop.json" \
		'.syscalls[] | select(.name == "exit_group") | .calls == 1201'
	check_json "$mode: nothing lost in 1200 exits" "$WORK/loop.json" '.lost == {}'
done

# Calls cut short by the process's exit are unfinished, not errors with the
# kernel's internal restart codes.
"$UNISCOPE" trace --json -- "$PROGS/blocked_exit" 3 > "$WORK/blocked.json"
check_json "sleeping threads' calls unfinished" "$WORK/blocked.json" \
	'.syscalls[] | select(.name == "clock_nanosleep") | .unfinished == 3'
check_json "sleeping threads' calls not errors" "$WORK/blocked.json" \
	'.syscalls[] | select(.name == "clock_nanosleep") | .errors == 0'
check_json "no restart code as errno" "$WORK/blocked.json" \
	'[.syscalls[].errno | keys[] | select(startswith("errno_51"))] | length == 0'
