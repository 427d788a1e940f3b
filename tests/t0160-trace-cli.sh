#!/bin/bash
# uniscope trace: where -o writes (links, FIFOs, devices), write errors,
# the checks made before tracing starts, -p edge cases, commands that cannot
# run, non-UTF-8 names in JSON, -e sets and option errors.
. "$(dirname "$0")/lib.sh"

# check_file_type DESCRIPTION TEST_FLAG PATH: test(1) with TEST_FLAG is true for PATH.
check_file_type()
{
	if test "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "test $2 '$3' is false: $(ls -ld "$3" 2>&1)"
	fi
}

# check_report DESCRIPTION FILE JQ_FILTER: like check_json, but an empty or
# missing FILE fails (jq -e accepts empty input).
check_report()
{
	if [ -s "$2" ]; then
		check_json "$1" "$2" "$3"
	else
		fail "$1" "$2 is empty or missing"
	fi
}

# check_lines DESCRIPTION COUNT FILE: FILE has exactly COUNT lines.
check_lines()
{
	check_eq "$1" "$2" "$(wc -l < "$3")"
}

### -o through a symbolic link: the link stays, the file it names is replaced.

echo '{}' > "$WORK/target.json"
ln -s target.json "$WORK/link.json"
check_status "output through link" 0 "$UNISCOPE" trace -o "$WORK/link.json" -- true
check_file_type "link kept" -L "$WORK/link.json"
check_report "link target written" "$WORK/target.json" '.tool == "uniscope trace"'

ln -s "$WORK/created.json" "$WORK/dangling.json"
check_status "output through dangling link" 0 "$UNISCOPE" trace -o "$WORK/dangling.json" -- true
check_file_type "dangling link kept" -L "$WORK/dangling.json"
check_report "dangling link target created" "$WORK/created.json" '.tool == "uniscope trace"'

### -o to a FIFO: written in place, for the reader at the other end.

mkfifo "$WORK/fifo.json"
timeout 30 cat "$WORK/fifo.json" > "$WORK/fifo.out" &
reader=$!
check_status "output to FIFO" 0 timeout 30 "$UNISCOPE" trace -o "$WORK/fifo.json" -- true
wait "$reader"
check_file_type "FIFO kept" -p "$WORK/fifo.json"
check_report "FIFO reader got the report" "$WORK/fifo.out" '.tool == "uniscope trace"'

### -o to an open file through /proc (as /dev/stdout is): written in place.

ln -s /proc/self/fd/1 "$WORK/stdout-link"
"$UNISCOPE" trace -o "$WORK/stdout-link" -- true 2> /dev/null | cat > "$WORK/piped.txt"
check_file_type "link to /proc fd kept" -L "$WORK/stdout-link"
check_grep "report went down the pipe" 'total$' "$WORK/piped.txt"

### -o to devices: written in place, and a write error fails.

check_status "output to /dev/full fails" 1 "$UNISCOPE" trace -o /dev/full -- true
check_grep "full device named" "cannot write the report to '/dev/full': No space left on device" \
	"$WORK/out"
check_file_type "/dev/full still a device" -c /dev/full
check_status "output to /dev/null" 0 "$UNISCOPE" trace -o /dev/null -- true
check_file_type "/dev/null still a device" -c /dev/null

### --json to a standard output that fails.

"$UNISCOPE" trace --json -- true > /dev/full 2> "$WORK/full.err"
check_eq "json to full stdout exits 1" 1 $?
check_grep "full stdout named" \
	'cannot write the report to standard output: No space left on device' "$WORK/full.err"

"$UNISCOPE" trace --json -- true >&- 2> "$WORK/closed.err"
check_eq "json to closed stdout exits 1" 1 $?
check_grep "closed stdout named" 'cannot write the report to standard output' "$WORK/closed.err"

### An -o path that cannot be written fails before the command runs.

check_status "missing output folder" 1 "$UNISCOPE" trace -o "$WORK/no/such/dir/x.json" \
	-- touch "$WORK/ran"
check_grep "missing output folder named" "'$WORK/no/such/dir/x.json': No such file or directory" \
	"$WORK/out"
check_eq "command not run for a bad -o" "no" "$([ -e "$WORK/ran" ] && echo yes || echo no)"

check_status "directory as output" 1 "$UNISCOPE" trace -o "$WORK" -- true
check_grep "directory output named" "'$WORK': Is a directory" "$WORK/out"

### -p: kernel threads, exited leaders, the target's own row, PID lists.

if [ "$(cat /proc/2/comm 2> /dev/null)" = kthreadd ]; then
	check_status "kernel thread rejected" 1 timeout 30 "$UNISCOPE" trace -p 2
	check_grep "kernel thread named" \
		'process 2 \(kthreadd\) is a kernel thread: it makes no system calls' "$WORK/out"
else
	skip "kernel thread rejected" "PID 2 is not kthreadd in this PID namespace"
fi

"$PROGS/leader_exit" 20 100 &
leader=$!
for _ in $(seq 50); do
	grep -q '^State:.*Z' "/proc/$leader/status" 2> /dev/null && break
	sleep 0.05
done
check_status "exited leader accepted" 0 timeout 30 "$UNISCOPE" trace -p "$leader" --json \
	-o "$WORK/leader.json"
wait "$leader"
check_report "calls of the live thread counted" "$WORK/leader.json" \
	'.syscalls[] | select(.name == "getppid") | .calls >= 5'
check_report "exited leader's name" "$WORK/leader.json" '.processes[0].comm == "leader_exit"'
check_report "exited leader's executable" "$WORK/leader.json" \
	'.processes[0].exe == "'"$PROGS/leader_exit"'"'

"$PROGS/sleeper" 1 10000 &
sleeper=$!
check_status "PID traced for a while" 0 "$UNISCOPE" trace -p "$sleeper,$sleeper" -d 0.3 --json \
	-o "$WORK/attach.json"
check_report "target's name" "$WORK/attach.json" '.processes[0].comm == "sleeper"'
check_report "target's executable" "$WORK/attach.json" \
	'.processes[0].exe == "'"$PROGS/sleeper"'"'
check_report "target's parent" "$WORK/attach.json" ".processes[0].ppid == $$"
check_report "repeated PID listed once" "$WORK/attach.json" ".target.pids == [$sleeper]"
check_report "repeated PID one process" "$WORK/attach.json" '.processes | length == 1'
"$UNISCOPE" trace -p "$sleeper" -d 0.3 2> "$WORK/attach.txt"
check_grep "target's row in the table" "^ *$sleeper +$$ +sleeper " "$WORK/attach.txt"
kill "$sleeper"
wait "$sleeper" 2> /dev/null

for list in 1, ,1 1,,2; do
	check_status "PID list '$list' rejected" 2 timeout 30 "$UNISCOPE" trace -p "$list"
	check_grep "PID list '$list' named" "invalid PID list '$list' for -p" "$WORK/out"
done

### Commands that cannot run, with bash's messages and statuses.

check_status "directory as command" 126 "$UNISCOPE" trace -- "$WORK"
check_grep "directory command named" "cannot execute '$WORK': Is a directory" "$WORK/out"
check_status "empty command" 127 "$UNISCOPE" trace -- ""
check_grep "empty command not found" "command '' not found" "$WORK/out"

### Names that are not valid UTF-8 stay in the JSON, with U+FFFD.

odd_name=$(printf 'sl\377eeper')
cp "$PROGS/sleeper" "$WORK/$odd_name"
check_status "non-UTF-8 command traced" 0 "$UNISCOPE" trace --json -o "$WORK/utf8.json" \
	-- "$WORK/$odd_name" 1 1 "$(printf 'a\303b')"
check_report "command path kept" "$WORK/utf8.json" \
	'.target.command[0] == "'"$WORK"'/sl\ufffdeeper"'
check_report "argument kept" "$WORK/utf8.json" '.target.command[3] == "a\ufffdb"'
check_report "process row kept" "$WORK/utf8.json" '.processes | length == 1'
check_report "executable kept" "$WORK/utf8.json" '.processes[0].exe | endswith("/sl\ufffdeeper")'

### -e sets: the suggested example is valid, and all, none and spaces are accepted.

check_status "empty set rejected" 2 "$UNISCOPE" trace -e 'trace=!' -- true
example=$(grep -o 'such as [^ ,]*,[^ ,]*' "$WORK/out" | sed 's/^such as //')
check_status "suggested set '$example' accepted" 0 "$UNISCOPE" trace -e "$example" -- true

check_status "trace=all accepted" 0 "$UNISCOPE" trace -e trace=all -o "$WORK/all.json" \
	-- "$PROGS/syscall_counts" 10 1 2
check_report "trace=all keeps getppid" "$WORK/all.json" \
	'.syscalls[] | select(.name == "getppid") | .calls == 10'
check_status "trace=none accepted" 0 "$UNISCOPE" trace -e trace=none -o "$WORK/none.json" \
	-- "$PROGS/syscall_counts" 10 1 2
check_report "trace=none keeps nothing" "$WORK/none.json" '.syscalls == []'
check_status "trace=!all accepted" 0 "$UNISCOPE" trace -e 'trace=!all' -o "$WORK/notall.json" \
	-- "$PROGS/syscall_counts" 10 1 2
check_report "trace=!all keeps nothing" "$WORK/notall.json" '.syscalls == []'
check_status "space after comma accepted" 0 "$UNISCOPE" trace -e 'trace=getppid, openat' \
	-o "$WORK/spaced.json" -- "$PROGS/syscall_counts" 10 1 2
check_report "space after comma allowed" "$WORK/spaced.json" \
	'[.syscalls[].name] | sort == ["getppid", "openat"]'

### -d names its maximum.

check_status "too long duration" 2 "$UNISCOPE" trace -d 1e9 -- true
check_grep "maximum duration stated" 'at most 10000000' "$WORK/out"

### --errors prints its heading only when a call failed.

"$UNISCOPE" trace --errors -e trace=getppid -- "$PROGS/syscall_counts" 10 1 0 2> "$WORK/ok.txt"
check_no_grep "no errors heading without failures" '^errors:' "$WORK/ok.txt"
"$UNISCOPE" trace --errors -- "$PROGS/syscall_counts" 10 1 3 2> "$WORK/failed.txt"
check_grep "errors heading with failures" '^errors:' "$WORK/failed.txt"

### Option errors: one line, naming the option and the problem.

check_status "unknown short option" 2 "$UNISCOPE" trace -x -- true
check_lines "unknown short option one line" 1 "$WORK/out"
check_grep "unknown short option named" "^uniscope: error: unknown option '-x'" "$WORK/out"

check_status "unknown long option" 2 "$UNISCOPE" trace --bogus -- true
check_lines "unknown long option one line" 1 "$WORK/out"
check_grep "unknown long option named" "^uniscope: error: unknown option '--bogus'" "$WORK/out"

check_status "missing short argument" 2 "$UNISCOPE" trace -p
check_lines "missing short argument one line" 1 "$WORK/out"
check_grep "missing short argument named" "missing argument for option '-p'" "$WORK/out"

check_status "missing long argument" 2 "$UNISCOPE" trace --output
check_grep "missing long argument named" "missing argument for option '--output'" "$WORK/out"

check_status "argument to a flag" 2 "$UNISCOPE" trace --json=yes -- true
check_grep "argument to a flag named" "option '--json' takes no argument" "$WORK/out"

check_status "ambiguous option" 2 "$UNISCOPE" trace --per -- true
check_grep "ambiguous option named" \
	"ambiguous option '--per', which matches --per-process, --per-thread" "$WORK/out"
