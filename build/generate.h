/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The generator: writes a Unikraft application folder (Makefile,
 * Makefile.uk, Config.uk, defconfig fragment, Kraftfile, sources) from a
 * match result, and checks the .config that the workspace's Kconfig makes.
 */
#ifndef __UNISCOPE_GENERATE_H
#define __UNISCOPE_GENERATE_H

#include <stdbool.h>
#include <jansson.h>

#include "pool.h"

struct generate_options {
	const char *app_dir;	/* absolute output folder */
	const char *app_src;	/* absolute folder of the program's sources */
	const char *name;	/* application name: [a-z0-9_] */
	const char *uk_root;	/* absolute Unikraft core */
	const char *uk_libs;	/* absolute external library folder, or NULL */
	const char *target;	/* kraftkit target, "qemu/x86_64" */
	const char *const *config_lines;	/* extra "CONFIG_X=VALUE" */
	int nconfig_lines;
};

/* Writes every file of the application; returns 0 or -1 after reporting. */
int generate_app(const struct generate_options *options, const json_t *match);

/*
 * Runs "make defconfig" with the fragment through the workspace's Kconfig,
 * then checks that each requested option is set in .config. Appends to
 * dropped one {"option", "unmet"} per option Kconfig dropped. Returns 0, or
 * -1 if make failed (its output is in log_path).
 */
int configure_app(const struct generate_options *options, const json_t *match,
		  struct pool *pool, const char *log_path, json_t *dropped);

/* Name of the defconfig fragment inside the application folder. */
#define APP_DEFCONFIG "defconfig.uniscope"
/* Name of the stubs file inside the application folder. */
#define APP_STUBS "uniscope_stubs.c"

#endif /* __UNISCOPE_GENERATE_H */
