#!/bin/bash
# uniscope deps without --static: library calls, mapped files, system calls
# and the comparison, on real programs (sqlite3, dlopen, static, musl).
. "$(dirname "$0")/lib.sh"

calls_of()	# calls_of REPORT SYMBOL FIELD
{
	jq "[.dynamic.library_calls[] | select(.symbol == \"$2\") | .$3] | add // 0" "$1"
}

# sqlite3 driven by a test file: sqlite3_prepare_v2 runs once per statement,
# so twice the statements give exactly that many more calls from the program.
sql_steps()
{
	local n=$1 i
	printf '[{"stdin": "create table t(a);\\n"}'
	for i in $(seq "$n"); do printf ', {"stdin": "insert into t values(%d);\\n"}' "$i"; done
	printf ', {"stdin": "select count(*) from t;\\n"}, {"close_stdin": true}]\n'
}
sql_steps 5 > "$WORK/sql5.json"
sql_steps 15 > "$WORK/sql15.json"
"$UNISCOPE" deps -q -o "$WORK/sq5.json" --test-file "$WORK/sql5.json" sqlite3 > "$WORK/sq5.out"
check_eq "sqlite3 run succeeds" 0 $?
"$UNISCOPE" deps -q -o "$WORK/sq15.json" --test-file "$WORK/sql15.json" sqlite3 > "$WORK/sq15.out"
check_grep "sqlite3 answered the query" '^15$' "$WORK/sq15.out"
check_eq "sqlite3 exit status" 0 "$(jq .dynamic.trace.target.exit_status "$WORK/sq15.json")"
check_eq "prepare calls scale with statements" 10 \
	$(($(calls_of "$WORK/sq15.json" sqlite3_prepare_v2 from_program) -
	   $(calls_of "$WORK/sq5.json" sqlite3_prepare_v2 from_program)))
check_json "sqlite3 libraries loaded" "$WORK/sq15.json" \
	'.dynamic_data.shared_libs | has("libsqlite3.so.0") and has("libc.so.6")'
check_json "sqlite3 library functions listed" "$WORK/sq15.json" \
	'.dynamic_data.symbols | has("sqlite3_open_v2") and has("malloc")'
check_json "sqlite3 system calls listed" "$WORK/sq15.json" \
	'.dynamic_data.system_calls | has("read") and has("write") and has("exit_group")'
check_json "static section kept" "$WORK/sq15.json" '.static_data.symbols | has("sqlite3_open")'
check_json "comparison of system calls" "$WORK/sq15.json" \
	'.comparison.system_calls.both | index("read") != null'
check_json "all imports probed" "$WORK/sq15.json" '.dynamic.probes.count >= 200'
check_json "probes attached in under a second" "$WORK/sq15.json" '.dynamic.probes.attach_ms < 1000'

# Exact counts, caller attribution, threads and forked children.
"$UNISCOPE" deps -q -o "$WORK/libc.json" "$PROGS/libc_calls" 40 > /dev/null
check_eq "malloc calls by the program" 40 "$(calls_of "$WORK/libc.json" malloc from_program)"
check_eq "strlen calls by the program" 40 "$(calls_of "$WORK/libc.json" strlen from_program)"
check_eq "free calls by the program" 40 "$(calls_of "$WORK/libc.json" free from_program)"
check_eq "getpid from thread and child" 80 "$(calls_of "$WORK/libc.json" getpid calls)"
check_json "getpid in two processes" "$WORK/libc.json" \
	'.dynamic.library_calls[] | select(.symbol == "getpid") | .processes | length == 2'
check_json "libc calls inside libraries" "$WORK/libc.json" \
	'[.dynamic.library_calls[] | .from_libraries] | add > 0'
check_eq "getpid system calls" 80 \
	"$(jq '[.dynamic.trace.syscalls[] | select(.name == "getpid") | .calls] | add' "$WORK/libc.json")"

# A library loaded with dlopen after start is seen and probed in time.
"$UNISCOPE" deps -q -o "$WORK/dlopen.json" "$PROGS/dlopen_zlib" 7 > /dev/null
check_json "dlopen'ed library mapped" "$WORK/dlopen.json" \
	'.dynamic.mapped_files[] | select(.path | test("libz")) | .found_statically == false'
check_eq "dlopen'ed function counted" 8 "$(calls_of "$WORK/dlopen.json" zlibVersion calls)"
check_json "dlopen'ed library only at run time" "$WORK/dlopen.json" \
	'.comparison.shared_libs.dynamic_only | map(test("libz")) | any'

# A static binary: no library calls, a note, and its system calls.
"$UNISCOPE" deps -q -o "$WORK/static.json" "$PROGS/libc_calls_static" 10 > /dev/null
check_json "static binary has a note" "$WORK/static.json" '.dynamic.note | test("statically")'
check_json "static binary: no library calls" "$WORK/static.json" '.dynamic.library_calls == []'
check_json "static binary: system calls" "$WORK/static.json" '.dynamic_data.system_calls | has("getpid")'

# musl: calls into musl's libc are counted.
if [ -x "$PROGS/libc_calls_musl" ]; then
	"$UNISCOPE" deps -q -o "$WORK/musl.json" "$PROGS/libc_calls_musl" 25 > /dev/null
	check_eq "musl malloc calls" 25 "$(calls_of "$WORK/musl.json" malloc from_program)"
	check_json "musl libc probed" "$WORK/musl.json" \
		'.dynamic.library_calls[] | select(.symbol == "malloc") | .library | test("musl")'
else
	skip "musl binary" "musl-gcc is not installed"
fi

# The vDSO serves clock_gettime: counted as libc calls, not as system calls.
"$UNISCOPE" deps -q -o "$WORK/clock.json" "$PROGS/clock_calls" 300 > /dev/null
check_json "vDSO calls reported" "$WORK/clock.json" \
	'.dynamic.vdso[] | select(.function == "clock_gettime") | .libc_calls == 300 and .vdso_calls == 300'
check_json "vDSO calls are not system calls" "$WORK/clock.json" \
	'.dynamic_data.system_calls | has("clock_gettime") | not'
