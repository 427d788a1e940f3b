#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Debian packages: the owner of each program and library matches dpkg -S
# (with the merged-/usr alias of the path, as dpkg records shipped names),
# and dependencies match dpkg-query's Depends and Pre-Depends, recursively.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deps-lib.sh"
unset LD_LIBRARY_PATH

# Prints the alias of a path across the merged-/usr symbolic links.
usr_alias()
{
	case $1 in
	/usr/bin/* | /usr/sbin/* | /usr/lib/* | /usr/lib32/* | /usr/lib64/*) echo "${1#/usr}" ;;
	/bin/* | /sbin/* | /lib/* | /lib32/* | /lib64/*) echo "/usr$1" ;;
	*) echo "$1" ;;
	esac
}

# Prints the package dpkg -S names for a file, or nothing.
dpkg_owner()
{
	local path candidate owner

	for path in "$1" "$(readlink -f "$1")"; do
		for candidate in "$path" "$(usr_alias "$path")"; do
			owner=$(dpkg -S "$candidate" 2>/dev/null |
				awk -F': ' 'NR == 1 { sub(/:[a-z0-9]*$/, "", $1); print $1 }')
			[ -z "$owner" ] || { echo "$owner"; return; }
		done
	done
}

# Prints "group" lines of a package's Pre-Depends and Depends, names only.
dpkg_dependencies()
{
	dpkg-query -W -f='${Pre-Depends}, ${Depends}\n' "$1" 2>/dev/null | tr ',' '\n' |
		sed -e 's/([^)]*)//g' -e 's/:[a-z0-9]*//g' -e 's/  */ /g' \
		    -e 's/^ //' -e 's/ $//' | grep -v '^$' | sort -u
}

agree=0 total=0 differ=""
for program in $(dynamic_programs 200 | awk 'NR % 25 == 1'); do
	deps_report "$WORK/report.json" "$program" || continue
	for file in "$program" $(jq -r '.libraries[].path // empty' "$WORK/report.json"); do
		total=$((total + 1))
		expected=$(dpkg_owner "$file")
		actual=$(jq -r --arg file "$file" \
			'if $file == .program.path then .packages.program
			 else (.libraries[] | select(.path == $file) | .package) end // ""' \
			"$WORK/report.json" | head -n 1)
		if [ "$expected" = "$actual" ]; then
			agree=$((agree + 1))
		else
			differ="$differ $file($expected/$actual)"
		fi
	done
done
check_ge "files compared" 40 "$total"
check_eq "owners equal dpkg -S" "$total" "$agree"
[ -z "$differ" ] || echo "# differ:$differ"

deps_report "$WORK/ls.json" /usr/bin/ls
check_json "ls belongs to coreutils" "$WORK/ls.json" '.packages.program == "coreutils"'
check_json "usrmerge: /lib64 loader owned" "$WORK/ls.json" \
	'.libraries[] | select(.found_by == "interpreter") | .package == "libc6"'

# Direct dependencies of every package in the closure, as dpkg records them.
agree=0 total=0 differ=""
for package in $(jq -r '.static_data.dependencies | keys[]' "$WORK/ls.json"); do
	total=$((total + 1))
	expected=$(dpkg_dependencies "$package")
	actual=$(jq -r --arg p "$package" '.static_data.dependencies[$p][]' "$WORK/ls.json" |
		sort -u)
	if [ "$expected" = "$actual" ]; then
		agree=$((agree + 1))
	else
		differ="$differ $package"
	fi
done
check_ge "packages in the closure of ls" 5 "$total"
check_eq "dependencies equal dpkg-query's" "$total" "$agree"
[ -z "$differ" ] || echo "# differ:$differ"

# The closure is complete: an installed alternative of every group is a key.
check_json "closure is complete" "$WORK/ls.json" '
	.static_data.dependencies as $d
	| [$d[][] | split(" | ") | any(. as $n | $d | has($n))] | all'

check_json "every closure package is installed" "$WORK/ls.json" \
	'.packages.details | to_entries | all(.value.version != null)'

# Alternatives are kept as "a | b", as dpkg records them for apt.
deps_report "$WORK/apt.json" /usr/bin/apt
expected=$(dpkg_dependencies apt | grep '|' | head -n 1)
check_json "alternatives kept" "$WORK/apt.json" \
	".static_data.dependencies.apt | index(\"$expected\") != null"

# A dpkg directory that does not exist is a clear error, --no-packages skips it.
check_status "missing dpkg database rejected" 1 "$UNISCOPE" deps --static --dpkg-dir "$WORK/none" ls
check_grep "missing dpkg database: clear error" "cannot read the dpkg status file" "$WORK/out"
check_status "--no-packages skips dpkg" 0 "$UNISCOPE" deps --static --no-syscalls --no-packages \
	--dpkg-dir "$WORK/none" ls
