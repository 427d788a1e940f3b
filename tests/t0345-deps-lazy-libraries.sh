#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# capstone, libgit2 and graphviz are opened with dlopen() on first use, so
# ldd does not list them and a cached analysis does not load capstone. A
# library that cannot be loaded is reported with its name and the fix.
# The broken copies sit in a folder given as LD_LIBRARY_PATH, which dlopen()
# searches before the system folders.
. "$(dirname "$0")/lib.sh"
unset LD_LIBRARY_PATH

# Prints the SONAME of lib$2.so in the libdir of pkg-config package $1.
soname_of()
{
	readelf -d "$(pkg-config --variable=libdir "$1")/lib$2.so" 2>/dev/null |
		sed -n 's/.*Library soname: \[\(.*\)\]$/\1/p'
}

capstone=$(soname_of capstone capstone)
libgit2=$(soname_of libgit2 git2)
gvc=$(soname_of libgvc gvc)
for soname in "$capstone" "$libgit2" "$gvc"; do
	if [ -z "$soname" ]; then
		fail "development libraries present" "a SONAME is missing: run make deps"
		exit 0
	fi
done

ldd "$UNISCOPE" > "$WORK/ldd"
for name in libcapstone libgit2 libgvc libcgraph libcrypto libkrb5 libssh2 libmbedtls; do
	check_no_grep "ldd does not list $name" "$name" "$WORK/ldd"
done

export XDG_CACHE_HOME=$WORK/cache
check_status "first scan fills the cache" 0 "$UNISCOPE" deps --static -q -o "$WORK/fresh.json" ls
LD_DEBUG=files "$UNISCOPE" deps --static -q -o "$WORK/cached.json" ls > "$WORK/files" 2>&1
check_no_grep "cached scan does not load capstone" "file=$capstone" "$WORK/files"
check_json "cached scan finds system calls" "$WORK/cached.json" \
	'.static_data.system_calls | has("openat")'

# Files that are not ELF objects, under the SONAMEs dlopen() searches for.
broken=$WORK/broken
mkdir "$broken"
for soname in "$capstone" "$libgit2" "$gvc"; do
	echo "not a shared library" > "$broken/$soname"
done

check_status "cached scan needs no capstone" 0 env LD_LIBRARY_PATH="$broken" \
	"$UNISCOPE" deps --static -q -o "$WORK/cached-broken.json" ls
check_no_grep "cached scan without capstone warns nothing" "warning" "$WORK/out"
check_json "cached scan without capstone finds system calls" "$WORK/cached-broken.json" \
	'.static_data.system_calls | has("openat")'

check_status "scan without capstone succeeds" 0 env LD_LIBRARY_PATH="$broken" \
	"$UNISCOPE" deps --static -q --no-cache -o "$WORK/broken.json" ls
check_grep "scan names capstone and the fix" \
	"capstone cannot be loaded: $broken/$capstone: .*\. Install the package" "$WORK/out"

# A shared object without the functions uniscope calls.
empty=$WORK/empty
mkdir "$empty"
echo 'int unrelated(void) { return 0; }' > "$WORK/empty.c"
gcc -shared -fPIC -o "$empty/$capstone" "$WORK/empty.c"
check_status "scan with an unrelated capstone succeeds" 0 env LD_LIBRARY_PATH="$empty" \
	"$UNISCOPE" deps --static -q --no-cache -o "$WORK/empty.json" ls
check_grep "scan names the missing function" \
	"capstone cannot be loaded: .*undefined symbol: cs_.*Build uniscope again" "$WORK/out"

check_status "graphs without graphviz succeed" 0 env LD_LIBRARY_PATH="$broken" \
	"$UNISCOPE" deps --static -q --no-syscalls -o "$WORK/graphs.json" \
	--graphs "$WORK/graphs" ls
check_grep "graphs name graphviz and the fix" \
	"graphviz cannot be loaded: $broken/$gvc: .*\. Install the package" "$WORK/out"
check_grep "DOT graph still written" "^digraph libraries" "$WORK/graphs/ls.libraries.dot"
check_eq "no PNG without graphviz" "" "$(ls "$WORK/graphs"/*.png 2>/dev/null)"

. "$(dirname "$0")/unikraft-pool.sh"
repo=$WORK/lib-empty
git init -q "$repo"
echo '{"static_data": {"symbols": {}, "system_calls": {}, "shared_libs": {}}}' \
	> "$WORK/report.json"
check_status "git pool without libgit2 fails" 1 env LD_LIBRARY_PATH="$broken" \
	"$UNISCOPE" match "$WORK/report.json" --pool "$POOL" --git "$repo" \
	--git-cache "$WORK/git-cache" -o "$WORK/match.json"
check_grep "git pool names libgit2 and the fix" \
	"libgit2 cannot be loaded: $broken/$libgit2: .*\. Install the package" "$WORK/out"
