#!/bin/bash
# uniscope deps attaches its uprobes with uprobe-multi links, or with
# perf-event links when UNISCOPE_UPROBE_MULTI=0: both paths count the same
# calls exactly, probe dlopen'ed libraries and leave nothing loaded.
. "$(dirname "$0")/lib.sh"

# bpftool shows no holder process on some kernels, so programs of another
# uniscope that runs at the same time would look left behind.
check_nothing_loaded()	# check_nothing_loaded DESCRIPTION
{
	if pgrep -x uniscope > /dev/null; then
		skip "$1" "another uniscope is running"
	else
		check_eq "$1" "" "$(loaded_uniscope_progs)"
	fi
}

calls_of()	# calls_of REPORT SYMBOL FIELD
{
	jq "[.dynamic.library_calls[] | select(.symbol == \"$2\") | .$3] | add // 0" "$1"
}

if ! UNISCOPE_UPROBE_MULTI=1 "$UNISCOPE" -vv deps -q --no-packages --no-syscalls \
	-o "$WORK/probe.json" "$PROGS/libcall_loop" strlen 10 > "$WORK/probe.log" 2>&1 ||
	! grep -q "uprobe-multi link" "$WORK/probe.log"; then
	multi_available=false
else
	multi_available=true
fi

for path in multi perf; do
	if [ "$path" = multi ] && [ "$multi_available" = false ]; then
		skip "uprobe-multi path" "this kernel rejects uprobe-multi links"
		continue
	fi
	setting=1
	method=uprobe_multi
	if [ "$path" = perf ]; then
		setting=0
		method=perf_event
	fi

	# strlen is an IFUNC: its AVX2 or EVEX implementation starts with
	# instructions the kernel single-steps, so the multi path moves its probe
	# to the first branch, and the count must stay exact.
	UNISCOPE_UPROBE_MULTI=$setting "$UNISCOPE" -vv deps -q --no-packages --no-syscalls \
		-o "$WORK/strlen-$path.json" "$PROGS/libcall_loop" strlen 5000 \
		> "$WORK/strlen-$path.log" 2>&1
	check_eq "$path: run succeeds" 0 $?
	check_eq "$path: attach method" "$method" \
		"$(jq -r .dynamic.probes.method "$WORK/strlen-$path.json")"
	check_eq "$path: no probe failed" 0 "$(jq .dynamic.probes.failed "$WORK/strlen-$path.json")"
	check_json "$path: every probe attached" "$WORK/strlen-$path.json" \
		'.dynamic.probes.attached == .dynamic.probes.count'
	check_json "$path: attach time reported" "$WORK/strlen-$path.json" \
		'.dynamic.probes.attach_ms > 0'
	check_eq "$path: strlen calls from the program" 5000 \
		"$(calls_of "$WORK/strlen-$path.json" strlen from_program)"
	if [ "$path" = multi ]; then
		check_grep "multi: path taken is logged" "with one uprobe-multi link" \
			"$WORK/strlen-$path.log"
		check_json "multi: probes moved to emulated instructions" \
			"$WORK/strlen-$path.json" '.dynamic.probes.moved_to_emulated > 0'
	else
		check_grep "perf: path taken is logged" "UNISCOPE_UPROBE_MULTI=0" \
			"$WORK/strlen-$path.log"
		check_eq "perf: no probe moved" 0 \
			"$(jq .dynamic.probes.moved_to_emulated "$WORK/strlen-$path.json")"
	fi

	# free starts with test and je: on the multi path its probe sits on the je.
	UNISCOPE_UPROBE_MULTI=$setting "$UNISCOPE" deps -q --no-packages --no-syscalls \
		-o "$WORK/malloc-$path.json" "$PROGS/libcall_loop" malloc 5000 > /dev/null 2>&1
	check_eq "$path: malloc calls from the program" 5000 \
		"$(calls_of "$WORK/malloc-$path.json" malloc from_program)"
	check_eq "$path: free calls from the program" 5000 \
		"$(calls_of "$WORK/malloc-$path.json" free from_program)"

	# zlib is mapped at run time: its probes are attached while the process waits.
	UNISCOPE_UPROBE_MULTI=$setting "$UNISCOPE" deps -q --no-packages --no-syscalls \
		-o "$WORK/dlopen-$path.json" "$PROGS/dlopen_zlib" 7 > /dev/null 2>&1
	check_eq "$path: dlopen'ed function counted" 8 \
		"$(calls_of "$WORK/dlopen-$path.json" zlibVersion calls)"
	check_json "$path: dlopen'ed library probed" "$WORK/dlopen-$path.json" \
		'.dynamic.library_calls | map(select(.library | test("libz"))) | length > 0'

	check_nothing_loaded "$path: nothing left loaded"
done

# Every exported function of sqlite3's libraries: the kernel cannot probe a
# locked first instruction (pthread_spin_lock), which is left out up front.
"$UNISCOPE" deps --all-libs -q --no-packages --no-syscalls -o "$WORK/all.json" \
	--stdin /dev/null sqlite3 > /dev/null 2>&1
check_eq "all libraries: run succeeds" 0 $?
check_eq "all libraries: no probe failed" 0 "$(jq .dynamic.probes.failed "$WORK/all.json")"
check_json "all libraries: thousands of probes" "$WORK/all.json" '.dynamic.probes.count > 3000'
check_json "all libraries: locked entry left out" "$WORK/all.json" \
	'[.dynamic.probes.unresolved[] | select(.symbol == "pthread_spin_lock") | .reason] |
	 any(test("lock"))'
check_nothing_loaded "all libraries: nothing left loaded"
