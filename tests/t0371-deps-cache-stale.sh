#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# A file changed after its analysis was cached is analysed again: rewritten
# with another size, and rewritten in place with the same size and its old
# modification time, which only the change time reveals.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME=$WORK/cache

# build_program FILE NUMBER: a program whose only system calls are NUMBER and exit.
build_program()
{
	cat > "$WORK/prog.c" <<-END
		void _start(void)
		{
			__asm__ volatile("mov \$$2, %eax; syscall; mov \$60, %eax; syscall");
		}
	END
	gcc -O1 -nostdlib -static -o "$1" "$WORK/prog.c"
}

# calls REPORT: the names of the report's static system calls, sorted.
calls()
{
	jq -r '.static_syscalls.system_calls | keys | join(",")' "$1"
}

build_program "$WORK/getppid" 110	# getppid
build_program "$WORK/getpid" 39		# getpid, same code size
build_program "$WORK/longer" 39
printf 'padding' >> "$WORK/longer"
check_eq "test programs built" "yes" "$([ -x "$WORK/getppid" ] && [ -x "$WORK/getpid" ] &&
	echo yes)"
check_eq "test programs have one size" "$(stat -c %s "$WORK/getppid")" \
	"$(stat -c %s "$WORK/getpid")"

cp "$WORK/getppid" "$WORK/program"
check_status "first run" 0 "$UNISCOPE" deps --static -q -o "$WORK/before.json" "$WORK/program"
check_eq "calls before the change" "exit,getppid" "$(calls "$WORK/before.json")"

# Same inode, new size and modification time.
cat "$WORK/longer" > "$WORK/program"
check_status "run after a rewrite" 0 "$UNISCOPE" -vv deps --static -q -o "$WORK/rewritten.json" \
	"$WORK/program"
check_grep "rewritten program analysed again" "syscall scan: analysing $WORK/program" "$WORK/out"
check_eq "calls after a rewrite" "exit,getpid" "$(calls "$WORK/rewritten.json")"

# Same inode, same size, modification time set back: only ctime changes.
cat "$WORK/getppid" > "$WORK/program"
touch -r "$WORK/getppid" "$WORK/program"
"$UNISCOPE" deps --static -q -o "$WORK/again.json" "$WORK/program"
check_eq "calls before the in-place edit" "exit,getppid" "$(calls "$WORK/again.json")"
inode=$(stat -c %i "$WORK/program")
cat "$WORK/getpid" > "$WORK/program"
touch -r "$WORK/getppid" "$WORK/program"
check_eq "same inode" "$inode" "$(stat -c %i "$WORK/program")"
check_eq "same modification time" "$(stat -c %y "$WORK/getppid")" \
	"$(stat -c %y "$WORK/program")"
check_status "run after an in-place edit" 0 "$UNISCOPE" -vv deps --static -q \
	-o "$WORK/edited.json" "$WORK/program"
check_grep "edited program analysed again" "syscall scan: analysing $WORK/program" "$WORK/out"
check_eq "calls after an in-place edit" "exit,getpid" "$(calls "$WORK/edited.json")"
"$UNISCOPE" deps --static --no-cache -q -o "$WORK/reference.json" "$WORK/program"
check_status "report equals an uncached one" 0 cmp "$WORK/reference.json" "$WORK/edited.json"
