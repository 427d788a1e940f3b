#!/bin/bash
# uniscope deps on a program launched with LD_PRELOAD: an import that a
# preloaded library defines is probed there, and the report names the
# library it interposes. libc's definition gets none of the program's calls.
. "$(dirname "$0")/lib.sh"

SRC=$TOP/tests/progs/shlib
BUILD=$WORK/build
COUNT=7
mkdir -p "$BUILD"
cc -shared -fPIC -O1 -Wl,-soname,libcounter.so -o "$BUILD/libcounter.so" "$SRC/counter.c"
cc -shared -fPIC -O1 -o "$BUILD/libinterpose.so" "$SRC/interpose_malloc.c"
cc -O1 -o "$BUILD/counter_user" "$SRC/counter_user.c" -L"$BUILD" -lcounter \
	-Wl,-rpath,"$BUILD" -ldl
echo run > "$WORK/run.txt"

# malloc_field REPORT LIBRARY_REGEX FIELD: FIELD summed over malloc's rows in matching libraries.
malloc_field()
{
	jq "[.dynamic.library_calls[] | select(.symbol == \"malloc\" and (.library | test(\"$2\"))) |
		.$3] | add // 0" "$1"
}

LD_PRELOAD=$BUILD/libinterpose.so "$UNISCOPE" deps -q --no-packages -o "$WORK/path.json" \
	--stdin "$WORK/run.txt" "$BUILD/counter_user" "$COUNT" > "$WORK/path.out"
check_eq "preloaded run succeeds" 0 $?
check_eq "malloc counted in the preload" "$COUNT" \
	"$(malloc_field "$WORK/path.json" "libinterpose.so\$" from_program)"
check_json "imported malloc marked as preloaded" "$WORK/path.json" \
	'.dynamic.library_calls[] | select(.symbol == "malloc") | .preload and .imported'
check_json "interposed library named" "$WORK/path.json" \
	'.dynamic.library_calls[] | select(.symbol == "malloc") | .interposes | test("libc.so.6$")'
check_eq "libc malloc not probed for the import" 0 \
	"$(malloc_field "$WORK/path.json" "libc.so.6\$" calls)"
check_json "free still bound to libc" "$WORK/path.json" \
	".dynamic.library_calls[] | select(.symbol == \"free\") |
	 (.library | test(\"libc.so.6\$\")) and .from_program == $COUNT and (has(\"preload\") | not)"
check_json "preload listed" "$WORK/path.json" \
	".dynamic.probes.preloaded == [\"$BUILD/libinterpose.so\"]"
check_json "preload mapped, not found statically" "$WORK/path.json" \
	'.dynamic.mapped_files[] | select(.path | test("libinterpose.so$")) | .found_statically == false'

# With every libc function probed, libc's malloc counts only the preload's
# calls through __libc_malloc, an alias of it, and none from the program.
LD_PRELOAD=$BUILD/libinterpose.so "$UNISCOPE" deps -q --no-packages --all-libs \
	-o "$WORK/all.json" --stdin "$WORK/run.txt" "$BUILD/counter_user" "$COUNT" > /dev/null
check_eq "all libraries: malloc in the preload" "$COUNT" \
	"$(malloc_field "$WORK/all.json" "libinterpose.so\$" from_program)"
check_eq "all libraries: libc malloc not called by the program" 0 \
	"$(malloc_field "$WORK/all.json" "libc.so.6\$" from_program)"
check_ge "all libraries: libc malloc called by the preload" "$COUNT" \
	"$(malloc_field "$WORK/all.json" "libc.so.6\$" from_libraries)"

# A name without a slash is searched like a library (here in
# LD_LIBRARY_PATH); one that cannot be loaded is skipped, as the loader does.
LD_LIBRARY_PATH=$BUILD LD_PRELOAD="/nonexistent/libnone.so libinterpose.so" \
	"$UNISCOPE" deps -q --no-packages -o "$WORK/name.json" --stdin "$WORK/run.txt" \
	"$BUILD/counter_user" "$COUNT" > /dev/null 2> "$WORK/name.err"
check_eq "preload by name: malloc in the preload" "$COUNT" \
	"$(malloc_field "$WORK/name.json" "libinterpose.so\$" from_program)"
check_json "preload that cannot be loaded reported" "$WORK/name.json" \
	'.dynamic.probes.preload_requests.not_loaded == ["/nonexistent/libnone.so"]'

# Without LD_PRELOAD, malloc is libc's again.
"$UNISCOPE" deps -q --no-packages -o "$WORK/plain.json" --stdin "$WORK/run.txt" \
	"$BUILD/counter_user" "$COUNT" > /dev/null
check_eq "no preload: malloc in libc" "$COUNT" \
	"$(malloc_field "$WORK/plain.json" "libc.so.6\$" from_program)"
check_json "no preload: nothing preloaded" "$WORK/plain.json" '.dynamic.probes.preloaded == []'
