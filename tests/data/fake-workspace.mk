# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Stands in for a Unikraft core's Makefile in tests that have none: A= is
# the application folder. "defconfig" copies the fragment but drops
# CONFIG_LIBPOSIX_PROCESS_PIDS and the option that depends on it, as Kconfig
# does with an unmet dependency; the default goal compiles the application
# for the host.
.PHONY: all defconfig

all:
	mkdir -p $(A)/build
	gcc -D_GNU_SOURCE $(addprefix -I,$(wildcard $(A)/src $(A)/src/include)) \
		$(wildcard $(A)/src/*.c) $(A)/uniscope_stubs.c -o $(A)/build/app

defconfig:
	grep -v -e '^CONFIG_LIBPOSIX_PROCESS_PIDS=' -e '^CONFIG_LIBPOSIX_PROCESS_INIT_PIDS=' \
		$(UK_DEFCONFIG) > $(A)/.config
