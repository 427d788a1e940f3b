#!/bin/bash
# uniscope deps: bad input gets a clear error naming the value, and what
# was gathered before a failure is still written.
. "$(dirname "$0")/lib.sh"

check_status "missing program" 1 "$UNISCOPE" deps -q -o "$WORK/none.json" uniscope-no-such-program
check_grep "missing program named" 'uniscope-no-such-program' "$WORK/out"

echo '[{"stdin": "x"' > "$WORK/broken.json"
check_status "test file not JSON" 1 "$UNISCOPE" deps -q --test-file "$WORK/broken.json" true
check_grep "invalid test file named" "invalid test file '$WORK/broken.json'" "$WORK/out"

echo '[{"wait": 0.1}, {"dance": 3}]' > "$WORK/unknown.json"
check_status "unknown step" 1 "$UNISCOPE" deps -q --test-file "$WORK/unknown.json" true
check_grep "unknown step named" 'invalid step 2 .*unknown step.*dance' "$WORK/out"

echo '[{"wait": -4}]' > "$WORK/negative.json"
check_status "invalid wait" 1 "$UNISCOPE" deps -q --test-file "$WORK/negative.json" true
check_grep "invalid wait named" 'invalid step 1.*seconds' "$WORK/out"

check_status "usage: no program" 2 "$UNISCOPE" deps
check_status "usage: -p with --static" 2 "$UNISCOPE" deps --static -p 1
check_status "usage: invalid wait" 2 "$UNISCOPE" deps -w soon true

# A server that never becomes ready: an error, and the report is still written.
port=$((20000 + RANDOM % 20000))
printf '{"server": true, "ready": {"port": %d, "timeout": 1}, "steps": []}\n' "$port" \
	> "$WORK/never.json"
check_status "server never ready" 1 "$UNISCOPE" deps -q -o "$WORK/never-report.json" \
	--test-file "$WORK/never.json" "$PROGS/sleeper" 1000 10
check_grep "readiness failure named" "never accepted connections on 127.0.0.1:$port" "$WORK/out"
check_json "report written after the failure" "$WORK/never-report.json" \
	'.dynamic.trace.syscalls | map(.name) | index("nanosleep") != null'
check_json "failure recorded in the report" "$WORK/never-report.json" \
	'.dynamic.workload.error | test("never accepted")'

check_eq "no BPF program left loaded" "" "$(loaded_uniscope_progs)"
