#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The build loop without Unikraft: a stand-in core Makefile configures and
# compiles the application for the host, so the loop's stub rounds, the
# check of dropped Kconfig options and compile error reports run anywhere.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unikraft-pool.sh"

workspace=$WORK/unikraft
mkdir -p "$workspace"
cp "$TOP/tests/data/fake-workspace.mk" "$workspace/Makefile"
app=$WORK/widget
check_status "build with stub rounds" 0 "$UNISCOPE" build \
	"$TOP/tests/data/clock-report.json" --workspace "$workspace" \
	--app-src "$TOP/tests/data/stubs-prog" --pool "$POOL" --libc nolibc \
	--name widget -o "$app"
cp "$WORK/out" "$WORK/build.out"
summary=$app/uniscope-build.json
check_json "link succeeds" "$summary" '.build.success'
check_json "two rounds" "$summary" '.build.rounds == 2'
check_json "five stubs" "$summary" \
	'(.build.stubs | sort) == ["undeclared_helper", "widget_count", "widget_lookup", "widget_open", "widget_reset"]'
check_json "image and size" "$summary" ".build.image == \"$app/build/app\" and .build.image_size > 0"
check_grep "summary lists the stubs" "^stubs \(5\):" "$WORK/build.out"
check_grep "stub typed from copied header" '^int widget_open\(const char \*path, int flags\)$' \
	"$app/uniscope_stubs.c"
check_grep "log keeps both rounds" "undefined reference to .widget_open" "$app/build.log"

"$app/build/app" > "$WORK/run.out" 2>/dev/null
check_grep "built program gets ENOSYS" "^widget_open=-1 errno=ENOSYS$" "$WORK/run.out"

check_status "rebuild in the same folder" 0 "$UNISCOPE" build \
	"$TOP/tests/data/clock-report.json" --workspace "$workspace" \
	--app-src "$TOP/tests/data/stubs-prog" --pool "$POOL" --libc nolibc \
	--name widget -o "$app"
check_json "rebuild stubs again" "$summary" '.build.rounds == 2 and (.build.stubs | length) == 5'

check_json "dropped options reported" "$summary" \
	'[.dropped_options[].option] == ["LIBPOSIX_PROCESS_PIDS", "LIBPOSIX_PROCESS_INIT_PIDS"]'
check_json "unmet dependency named" "$summary" \
	'.dropped_options[1].unmet == ["LIBPOSIX_PROCESS_PIDS"]'
check_grep "dropped option warned" \
	"Kconfig dropped CONFIG_LIBPOSIX_PROCESS_INIT_PIDS: unmet dependency LIBPOSIX_PROCESS_PIDS" \
	"$WORK/build.out"

check_status "compile error fails the build" 1 "$UNISCOPE" build \
	"$TOP/tests/data/clock-report.json" --workspace "$workspace" \
	--app-src "$TOP/tests/data/broken-src" --pool "$POOL" --libc nolibc \
	--name broken -o "$WORK/broken"
check_grep "compile error has file and line" "error: .*/src/broken.c:5: " "$WORK/out"
check_json "compile error in summary" "$WORK/broken/uniscope-build.json" \
	'.build.compile_errors[0].line == 5 and (.build.compile_errors[0].file | endswith("src/broken.c"))'
