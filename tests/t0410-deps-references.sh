#!/bin/bash
# uniscope deps against the reference tools on a small deterministic program:
# strace -f -c for system calls, ltrace -c for library calls.
. "$(dirname "$0")/lib.sh"

"$UNISCOPE" deps -q -o "$WORK/run.json" "$PROGS/libc_calls" 30 > /dev/null
ours_getpid=$(jq '[.dynamic.trace.syscalls[] | select(.name == "getpid") | .calls] | add' "$WORK/run.json")
strace -f -c -e trace=getpid -o "$WORK/strace.txt" "$PROGS/libc_calls" 30 > /dev/null
theirs_getpid=$(awk '$NF == "getpid" { print $4 }' "$WORK/strace.txt")
check_eq "getpid agrees with strace -f -c" "$theirs_getpid" "$ours_getpid"

# ltrace -c counts calls the program makes through its PLT, as from_program does.
if command -v ltrace > /dev/null; then
	ltrace -c -o "$WORK/ltrace.txt" "$PROGS/libc_calls" 30 > /dev/null 2>&1
	for function in malloc strlen free; do
		theirs=$(awk -v f="$function" '$NF == f { print $4 }' "$WORK/ltrace.txt")
		ours=$(jq "[.dynamic.library_calls[] | select(.symbol == \"$function\") | .from_program] | add" \
			"$WORK/run.json")
		if [ -z "$theirs" ]; then
			# ltrace 0.7.3 finds no PLT call in binaries linked with -z now
			# (Debian's default): nothing to compare against.
			skip "$function agrees with ltrace -c" "ltrace counted no $function call"
		else
			check_eq "$function agrees with ltrace -c" "$theirs" "$ours"
		fi
	done
else
	skip "ltrace comparison" "ltrace is not installed"
fi
