#!/bin/bash
# uniscope deps -p probes the files the process has mapped, not the files
# now on disk. The cases:
#   - a library replaced since the start,
#   - a library on a mount that only the process's mount namespace has,
#     and one it loads with dlopen after the attach,
#   - a process in a chroot with its own /etc/ld.so.preload.
. "$(dirname "$0")/lib.sh"

SRC=$TOP/tests/progs/shlib
BUILD=$WORK/build
COUNT=9
# counter_step(i) adds i for i below COUNT: the total that build 1 prints.
TOTAL=$((COUNT * (COUNT - 1) / 2))
mkdir -p "$BUILD"

# build_library OUTPUT SONAME [CFLAGS...]
build_library()
{
	local output=$1 soname=$2

	shift 2
	cc -shared -fPIC -O1 "$@" -Wl,-soname,"$soname" -o "$output" "$SRC/counter.c"
}

build_library "$BUILD/libcounter.so" libcounter.so
build_library "$BUILD/libextra.so" libextra.so
cc -shared -fPIC -O1 -o "$BUILD/libinterpose.so" "$SRC/interpose_malloc.c"

# build_user OUTPUT RUNPATH: counter_user linked with libcounter.so found in RUNPATH.
build_user()
{
	cc -O1 -o "$1" "$SRC/counter_user.c" -L"$BUILD" -lcounter -Wl,-rpath,"$2" -ldl
}

calls_in()	# calls_in REPORT SYMBOL LIBRARY FIELD
{
	jq "[.dynamic.library_calls[] | select(.symbol == \"$2\" and .library == \"$3\") | .$4] |
		add // 0" "$1"
}

# start_user COMMAND...: runs COMMAND with its stdin on file descriptor 7
# of this shell, its output in $WORK/user.out; sets $user to its PID.
start_user()
{
	rm -f "$WORK/in" "$WORK/user.out"
	mkfifo "$WORK/in"
	"$@" < "$WORK/in" > "$WORK/user.out" 2> "$WORK/user.err" &
	user=$!
	exec 7> "$WORK/in"
	for _ in $(seq 100); do
		grep -q '^ready$' "$WORK/user.out" 2> /dev/null && return 0
		sleep 0.1
	done
	fail "test program started" "$(cat "$WORK/user.err")"
	return 1
}

# attach REPORT: starts uniscope deps -p on $user; returns once the probes are attached.
attach()
{
	"$UNISCOPE" -v deps -q --no-packages -p "$user" -d 60 -o "$1" 2> "$WORK/attach.log" 7>&- &
	tracer=$!
	for _ in $(seq 300); do
		grep -Eq 'attached [0-9]+ uprobes to process' "$WORK/attach.log" && return 0
		kill -0 "$tracer" 2> /dev/null || break
		sleep 0.1
	done
	fail "uniscope attached" "$(cat "$WORK/attach.log")"
	return 1
}

# send COMMAND: hands the test program one command, waits for its reply line.
send()
{
	local lines

	lines=$(grep -c . "$WORK/user.out")
	echo "$1" >&7
	for _ in $(seq 100); do
		[ "$(grep -c . "$WORK/user.out")" -gt "$lines" ] && return 0
		sleep 0.1
	done
	fail "test program answered '$1'" "$(cat "$WORK/user.err")"
}

# finish: ends the test program's input, then waits for it and for uniscope.
finish()
{
	exec 7>&-
	wait "$user"
	wait "$tracer"
	check_eq "$1: uniscope exit status" 0 $?
}

# A library replaced on disk after the start: written to a temporary file
# and renamed over the original, as package managers do. The process still
# runs the original, which the new file's offsets would miss.
build_user "$BUILD/counter_user" "$BUILD"
if start_user "$BUILD/counter_user" "$COUNT"; then
	build_library "$BUILD/libcounter.so.new" libcounter.so -DCOUNTER_BUILD=2
	mv -f "$BUILD/libcounter.so.new" "$BUILD/libcounter.so"
	if attach "$WORK/replaced.json"; then
		send run
		finish "replaced library"
		check_grep "original library ran" "^$TOTAL\$" "$WORK/user.out"
		check_eq "calls into the replaced library" "$COUNT" \
			"$(calls_in "$WORK/replaced.json" counter_step "$BUILD/libcounter.so" calls)"
		check_eq "replaced library: calls by the program" "$COUNT" \
			"$(calls_in "$WORK/replaced.json" counter_step "$BUILD/libcounter.so" from_program)"
		check_json "replaced library reported" "$WORK/replaced.json" \
			".dynamic.probes.replaced_on_disk | index(\"$BUILD/libcounter.so\") != null"
		check_json "malloc calls by the program" "$WORK/replaced.json" \
			"[.dynamic.library_calls[] | select(.symbol == \"malloc\") | .from_program] == [$COUNT]"
		check_json "attached process's files listed" "$WORK/replaced.json" \
			"[.dynamic.mapped_files[].path] | index(\"$BUILD/libcounter.so\") != null"
	fi
fi

# A mount that only the process's mount namespace has: the library path
# does not exist on the host. The process also preloads a library through
# its environment, and loads one more with dlopen after the attach.
if unshare -m true 2> /dev/null; then
	NSLIB=$WORK/nslib
	mkdir -p "$NSLIB"
	build_user "$BUILD/ns_user" "$NSLIB"
	if start_user env LD_PRELOAD="$NSLIB/libinterpose.so" unshare -m --propagation private \
		sh -c 'mount -t tmpfs uniscope-test "$1" && cp "$2"/libcounter.so "$2"/libextra.so \
			"$2"/libinterpose.so "$1"/ && exec "$2"/ns_user "$3"' \
		sh "$NSLIB" "$BUILD" "$COUNT"; then
		check_eq "namespace library absent on the host" no \
			"$([ -e "$NSLIB/libcounter.so" ] && echo yes || echo no)"
		if attach "$WORK/ns.json"; then
			send run
			send "load $NSLIB/libextra.so"
			finish "mount namespace"
			check_eq "calls into the namespace's library" "$COUNT" \
				"$(calls_in "$WORK/ns.json" counter_step "$NSLIB/libcounter.so" from_program)"
			check_eq "calls into the library loaded after the attach" "$COUNT" \
				"$(calls_in "$WORK/ns.json" counter_step "$NSLIB/libextra.so" calls)"
			check_eq "preloaded malloc counted from the environment" "$COUNT" \
				"$(calls_in "$WORK/ns.json" malloc "$NSLIB/libinterpose.so" from_program)"
			check_json "preload named in the report" "$WORK/ns.json" \
				".dynamic.library_calls[] | select(.symbol == \"malloc\" and .preload) |
				 .interposes | test(\"libc.so.6\$\")"
		fi
	fi
else
	skip "mount namespace" "unshare -m is not permitted here"
fi

# A chroot: the process sees its library at a path that the host lacks,
# and preloads through the /etc/ld.so.preload inside its root.
INTERPRETER=/lib64/ld-linux-x86-64.so.2
if [ "$(uname -m)" = x86_64 ] && [ -e "$INTERPRETER" ]; then
	ROOT=$WORK/root
	LIBDIR=/opt/uniscope-test-$$/lib
	libc=$(ldd "$BUILD/counter_user" | awk '$1 == "libc.so.6" { print $3 }')
	mkdir -p "$ROOT/bin" "$ROOT/lib64" "$ROOT/etc" "$ROOT$LIBDIR" "$ROOT$(dirname "$libc")"
	build_user "$ROOT/bin/counter_user" "$LIBDIR"
	build_library "$ROOT$LIBDIR/libcounter.so" libcounter.so
	cp "$BUILD/libinterpose.so" "$ROOT$LIBDIR/"
	cp -L "$INTERPRETER" "$ROOT$INTERPRETER"
	cp -L "$libc" "$ROOT$libc"
	echo "# preloaded by the test
$LIBDIR/libinterpose.so" > "$ROOT/etc/ld.so.preload"
	if start_user chroot "$ROOT" /bin/counter_user "$COUNT"; then
		if attach "$WORK/chroot.json"; then
			send run
			finish "chroot"
			check_eq "calls into the chroot's library" "$COUNT" \
				"$(calls_in "$WORK/chroot.json" counter_step "$LIBDIR/libcounter.so" from_program)"
			check_eq "malloc preloaded by the chroot's ld.so.preload" "$COUNT" \
				"$(calls_in "$WORK/chroot.json" malloc "$LIBDIR/libinterpose.so" from_program)"
			check_json "chroot paths as the process sees them" "$WORK/chroot.json" \
				"[.dynamic.mapped_files[].path] | index(\"$LIBDIR/libcounter.so\") != null"
		fi
	fi
else
	skip "chroot" "the chroot is built for x86-64 only"
fi
