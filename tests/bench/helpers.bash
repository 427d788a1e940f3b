# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sourced by the benchmark scripts (not a benchmark itself: tests/bench/run
# runs *.sh only). Needs RUNS and OUT (a scratch folder) set by the caller.

# Prints the median of its arguments.
median()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Runs a command RUNS times and prints the median wall time of its loop in
# ns, as the test programs write it to $UNISCOPE_LOOP_TIME.
loop_time()
{
	local times=()

	for _ in $(seq "$RUNS"); do
		rm -f "$OUT/loop"
		UNISCOPE_LOOP_TIME=$OUT/loop "$@" > /dev/null 2>&1
		[ -s "$OUT/loop" ] && times+=("$(cut -d' ' -f1 "$OUT/loop")")
	done
	median "${times[@]}"
}

# loop_time_under TRACER READY_TEXT COMMAND...: like loop_time, while the
# shell command TRACER runs in the background. The loop starts once
# READY_TEXT shows in the tracer's output, or after 3 s when it is empty.
loop_time_under()
{
	local tracer=$1 ready=$2 times=() pid

	shift 2
	for _ in $(seq "$RUNS"); do
		bash -c "exec $tracer" > "$OUT/tracer.txt" 2>&1 &
		pid=$!
		if [ -z "$ready" ]; then
			sleep 3
		else
			for _ in $(seq 100); do
				grep -q "$ready" "$OUT/tracer.txt" && break
				sleep 0.1
			done
		fi
		rm -f "$OUT/loop"
		UNISCOPE_LOOP_TIME=$OUT/loop "$@" > /dev/null 2>&1
		kill -INT "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		[ -s "$OUT/loop" ] && times+=("$(cut -d' ' -f1 "$OUT/loop")")
	done
	median "${times[@]}"
}
