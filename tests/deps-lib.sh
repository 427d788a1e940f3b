# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Helpers of the "deps" tests, sourced after tests/lib.sh. ldd and readelf
# serve only as references here: uniscope itself never runs them.

# Prints up to COUNT dynamically linked ELF programs of /usr/bin, sorted.
dynamic_programs()
{
	local count=$1 file found=0

	for file in /usr/bin/*; do
		[ "$found" -lt "$count" ] || break
		[ -f "$file" ] && [ ! -L "$file" ] || continue
		[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		readelf -d "$file" 2>/dev/null | grep -q '(NEEDED)' || continue
		echo "$file"
		found=$((found + 1))
	done
}

# Prints the sorted libraries glibc's loader resolves for PROGRAM, per ldd:
# one path a line, or "NAME not found".
ldd_libraries()
{
	ldd "$1" 2>/dev/null | awk '
		/linux-vdso|linux-gate/ { next }
		/=> not found/ { print $1 " not found"; next }
		/=>/ { print $3; next }
		/^\t\// { print $1 }' | sort -u
}

# Prints the same set from a uniscope report.
report_libraries()
{
	jq -r '.libraries[] | if .path then .path else .name + " not found" end' "$1" | sort -u
}

# Prints the undefined dynamic symbols of PROGRAM per readelf, as NAME@VERSION.
readelf_imports()
{
	readelf -W --dyn-syms "$1" 2>/dev/null |
		awk '$7 == "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && $8 != "" { print $8 }' |
		sort -u
}

# Prints the same from a uniscope report.
report_imports()
{
	jq -r '.imports[] | if .version then .name + "@" + .version else .name end' "$1" |
		sort -u
}

# Runs uniscope deps quietly with a JSON report in FILE: deps_report FILE ARGS...
deps_report()
{
	local file=$1

	shift
	"$UNISCOPE" deps --static -q --no-syscalls -o "$file" "$@"
}

# Prints the defined dynamic symbols of a library per readelf, as NAME@VERSION
# ("@@" made "@"; readelf prints a version's own symbol without the suffix).
readelf_exports()
{
	readelf -W --dyn-syms "$1" 2>/dev/null |
		awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK" || $5 == "UNIQUE") && $8 != "" {
			sub("@@", "@", $8); print $8 }' | sort -u
}

report_exports()
{
	jq -r '.exports[] | if .version and .version != .name then .name + "@" + .version
			   else .name end' "$1" | sort -u
}

# Copies ELF64 SOURCE to TARGET without section headers: e_shoff, e_shnum
# and e_shstrndx zeroed, and the file cut after the last loaded byte.
strip_section_headers()
{
	local source=$1 target=$2 end=0 type offset vaddr paddr filesz rest

	while read -r type offset vaddr paddr filesz rest; do
		[ "$type" = LOAD ] || continue
		[ $((offset + filesz)) -le "$end" ] || end=$((offset + filesz))
	done < <(readelf -lW "$source")
	head -c "$end" "$source" > "$target"
	printf '\0\0\0\0\0\0\0\0' | dd of="$target" bs=1 seek=40 conv=notrunc status=none
	printf '\0\0\0\0' | dd of="$target" bs=1 seek=60 conv=notrunc status=none
	chmod +x "$target"
}
