#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Pool reading from a git repository at a ref, without a work tree: the files
# of an older ref, a missing ref, a repository that is not a library.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/unikraft-pool.sh"

repo=$WORK/lib-widget
git init -q "$repo"
git -C "$repo" config user.email test@example.com
git -C "$repo" config user.name test
cat > "$repo/Config.uk" <<'KCONFIG'
menuconfig LIBWIDGET
	bool "widget: a test library"
	select LIBPOSIX_TIME if !HAVE_LIBC
	help
	  A library made up for the test.
if LIBWIDGET
config LIBWIDGET_FAST
	bool "fast mode"
	depends on LIBUKDEBUG
endif
KCONFIG
cat > "$repo/Makefile.uk" <<'MAKE'
$(eval $(call addlib_s,libwidget,$(CONFIG_LIBWIDGET)))
LIBWIDGET_SRCS-y += $(LIBWIDGET_BASE)/widget.c
MAKE
printf 'widget_old\n# a comment\nwidget_common\n' > "$repo/exportsyms.uk"
git -C "$repo" add . && git -C "$repo" commit -q -m v1 && git -C "$repo" tag v1
printf 'widget_new\nwidget_common\n' > "$repo/exportsyms.uk"
git -C "$repo" commit -q -am v2
echo "UK_PROVIDED_SYSCALLS-\$(CONFIG_LIBWIDGET) += widget_ctl-2" >> "$repo/Makefile.uk"
git -C "$repo" commit -q -am v3

cat > "$WORK/report.json" <<'JSON'
{"static_data": {"symbols": {"widget_old": "", "widget_new": "", "widget_common": ""},
 "system_calls": {"widget_ctl": ""}, "shared_libs": {}}}
JSON

cache=$WORK/cache
check_status "match reads git ref v1" 0 \
	"$UNISCOPE" match "$WORK/report.json" --pool "$POOL" --libc nolibc \
	--git "$repo#v1" --git-cache "$cache" -o "$WORK/v1.json"
check_json "v1 exports widget_old" "$WORK/v1.json" \
	'.libraries[] | select(.dir == "lib-widget") | .symbols == ["widget_old", "widget_common"]'
check_json "v1 leaves widget_new uncovered" "$WORK/v1.json" \
	'.uncovered.symbols == ["widget_new"] and .uncovered.syscalls == ["widget_ctl"]'
check_json "select if !HAVE_LIBC applies" "$WORK/v1.json" \
	'.libraries[] | select(.dir == "lib/posix-time") | .why == "selected by CONFIG_LIBWIDGET"'
check_eq "bare clone has no work tree" "" "$(ls "$cache"/*lib-widget/Config.uk 2>/dev/null)"

check_status "match reads the newest commit" 0 \
	"$UNISCOPE" match "$WORK/report.json" --pool "$POOL" --libc nolibc \
	--git "$repo" --git-cache "$cache" -o "$WORK/head.json"
check_json "HEAD exports widget_new and widget_ctl" "$WORK/head.json" \
	'.uncovered.symbols == ["widget_old"] and .uncovered.syscalls == []'

check_status "missing ref fails" 1 \
	"$UNISCOPE" match "$WORK/report.json" --pool "$POOL" --git "$repo#v9" \
	--git-cache "$cache" -o "$WORK/none.json"
check_grep "missing ref is named" "ref 'v9' not found" "$WORK/out"

plain=$WORK/not-a-library
git init -q "$plain"
echo hello > "$plain/README"
git -C "$plain" add . && git -C "$plain" -c user.email=t@e -c user.name=t commit -q -m one
check_status "repository without Config.uk fails" 1 \
	"$UNISCOPE" match "$WORK/report.json" --pool "$POOL" --git "$plain" \
	--git-cache "$cache" -o "$WORK/none.json"
check_grep "missing Config.uk is named" "has no Config.uk: it is not a Unikraft library" "$WORK/out"
