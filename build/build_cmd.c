// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `uniscope build`: matches a report, generates the application folder,
 * configures it with the workspace's Kconfig and runs the build loop.
 * With --link-log it only turns linker output into a stubs file.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildloop.h"
#include "commands.h"
#include "generate.h"
#include "log.h"
#include "match.h"
#include "stubs.h"
#include "util.h"

#define MAX_CONFIG_LINES 64
#define MAX_INCLUDE_DIRS 32

struct build_args {
	const char *report;
	const char *workspace;
	const char *libs;
	const char *app_src;
	const char *output;
	const char *name;
	const char *target;
	const char *link_log;
	const char *stubs;
	const char *includes[MAX_INCLUDE_DIRS];
	int nincludes;
	const char *config_lines[MAX_CONFIG_LINES];
	int nconfig_lines;
	bool generate_only;
	bool no_build;
	unsigned long jobs;
	unsigned long max_rounds;
	struct pool_sources sources;
	struct match_options match;
};

static void build_usage(FILE *out)
{
	fprintf(out,
		"Usage: uniscope build REPORT.json --workspace UK_ROOT --app-src DIR [OPTIONS]\n"
		"       uniscope build --link-log LOG --stubs FILE [--include DIR]...\n\n"
		"Chooses libraries for the report (as 'uniscope match'), writes a Unikraft\n"
		"application folder, makes its .config with the workspace's Kconfig and builds\n"
		"it, stubbing undefined symbols until the image links.\n\n"
		"  --workspace DIR      Unikraft core (UK_ROOT)\n"
		"  --libs DIR           external libraries folder (UK_LIBS)\n"
		"  --app-src DIR        the program's C or C++ sources, copied into the app\n"
		"  -o, --output DIR     application folder (default ./NAME-unikraft)\n"
		"  --name NAME          application name (default: the source folder's name)\n"
		"  --config CONFIG_X=V  extra line of the defconfig fragment (V=n unsets X)\n"
		"  --target TARGET      kraftkit target in the Kraftfile (default qemu/x86_64)\n"
		"  --generate-only      write the files, run neither Kconfig nor make\n"
		"  --no-build           write the files and .config, do not run make\n"
		"  -j, --jobs N         parallel make jobs (default 2)\n"
		"  --max-rounds N       build rounds before giving up (default %d)\n"
		"  --link-log LOG       parse linker output in LOG and write --stubs FILE only\n"
		"  --include DIR        header folder searched for stub prototypes (repeatable)\n"
		"Pool and matching options of 'uniscope match' apply too (--pool, --git,\n"
		"--symbols, --libc, ...); without --pool or --git, the pool is the workspace\n"
		"and --libs.\n", BUILD_DEFAULT_MAX_ROUNDS);
}

enum {
	OPT_WORKSPACE = 512,
	OPT_LIBS,
	OPT_APP_SRC,
	OPT_NAME,
	OPT_CONFIG,
	OPT_TARGET,
	OPT_GENERATE_ONLY,
	OPT_NO_BUILD,
	OPT_MAX_ROUNDS,
	OPT_LINK_LOG,
	OPT_STUBS,
	OPT_INCLUDE,
};

static const struct option build_own_options[] = {
	{ "workspace", required_argument, NULL, OPT_WORKSPACE },
	{ "libs", required_argument, NULL, OPT_LIBS },
	{ "app-src", required_argument, NULL, OPT_APP_SRC },
	{ "output", required_argument, NULL, 'o' },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "generate-only", no_argument, NULL, OPT_GENERATE_ONLY },
	{ "no-build", no_argument, NULL, OPT_NO_BUILD },
	{ "jobs", required_argument, NULL, 'j' },
	{ "max-rounds", required_argument, NULL, OPT_MAX_ROUNDS },
	{ "link-log", required_argument, NULL, OPT_LINK_LOG },
	{ "stubs", required_argument, NULL, OPT_STUBS },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "help", no_argument, NULL, 'h' },
};

/* Appends value to a bounded list of option values; -1 when it is full. */
static int add_value(const char **list, int *count, int max, const char *option,
		     const char *value)
{
	if (*count >= max) {
		p_err("too many %s options: at most %d", option, max);
		return -1;
	}
	list[(*count)++] = value;
	return 0;
}

/* Handles one option of build itself; returns 0, or -1 if it is invalid. */
static int parse_build_option(int opt, struct build_args *args)
{
	switch (opt) {
	case OPT_WORKSPACE: args->workspace = optarg; return 0;
	case OPT_LIBS: args->libs = optarg; return 0;
	case OPT_APP_SRC: args->app_src = optarg; return 0;
	case 'o': args->output = optarg; return 0;
	case OPT_NAME: args->name = optarg; return 0;
	case OPT_TARGET: args->target = optarg; return 0;
	case OPT_GENERATE_ONLY: args->generate_only = true; return 0;
	case OPT_NO_BUILD: args->no_build = true; return 0;
	case OPT_LINK_LOG: args->link_log = optarg; return 0;
	case OPT_STUBS: args->stubs = optarg; return 0;
	case 'j':
		return parse_ulong(optarg, "--jobs", 1, 1024, &args->jobs);
	case OPT_MAX_ROUNDS:
		return parse_ulong(optarg, "--max-rounds", 1, 100, &args->max_rounds);
	case OPT_CONFIG:
		if (!strchr(optarg, '=')) {
			p_err("invalid --config '%s': expected CONFIG_NAME=VALUE", optarg);
			return -1;
		}
		return add_value(args->config_lines, &args->nconfig_lines, MAX_CONFIG_LINES,
				 "--config", optarg);
	case OPT_INCLUDE:
		return add_value(args->includes, &args->nincludes, MAX_INCLUDE_DIRS,
				 "--include", optarg);
	default:
		return -1;
	}
}

static int parse_build_args(int argc, char **argv, struct build_args *args)
{
	struct option options[32];
	size_t count = 0;
	int opt;

	for (size_t i = 0; match_pool_options[i].name; i++)
		options[count++] = match_pool_options[i];
	for (size_t i = 0; i < ARRAY_SIZE(build_own_options); i++)
		options[count++] = build_own_options[i];
	memset(&options[count], 0, sizeof(options[count]));

	while ((opt = getopt_long(argc, argv, "o:j:h", options, NULL)) != -1) {
		int handled = match_parse_option(opt, optarg, &args->sources, &args->match);

		if (handled < 0)
			return EXIT_USAGE;
		if (handled)
			continue;
		if (opt == 'h') {
			build_usage(stdout);
			return EXIT_OK;
		}
		if (opt == '?' || parse_build_option(opt, args)) {
			if (opt == '?')
				build_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		args->report = argv[optind++];
	if (optind < argc) {
		p_err("build takes one report file, got also '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

/* Resolves path to an absolute one in buf; reports and returns -1 if it is missing. */
static int absolute_folder(const char *path, const char *option, char *buf)
{
	if (!realpath(path, buf)) {
		log_errno(LOG_ERROR, errno, "%s %s: folder not found", option, path);
		return -1;
	}
	return 0;
}

/* Parses linker output and writes stubs, the standalone mode. */
static int write_stubs_from_log(struct build_args *args)
{
	json_t *undefined = json_object(), *dirs = json_array();
	char *log = NULL;
	size_t size = 0;
	FILE *file;
	int err = -1;

	if (!args->stubs) {
		p_err("--link-log needs --stubs FILE, the C file to write");
		return EXIT_USAGE;
	}
	file = fopen(args->link_log, "r");
	if (!file) {
		log_errno(LOG_ERROR, errno, "cannot read linker output %s", args->link_log);
		return EXIT_FAILURE_RUNTIME;
	}
	if (getdelim(&log, &size, '\0', file) < 0) {
		free(log);
		log = strdup("");
	}
	fclose(file);

	stubs_parse_log(log, undefined, NULL);
	for (int i = 0; i < args->nincludes; i++) {
		char absolute[PATH_MAX];

		if (absolute_folder(args->includes[i], "--include", absolute))
			goto out;
		json_array_append_new(dirs, json_string(absolute));
	}
	err = stubs_write(args->stubs, undefined, dirs, NULL);
	if (err)
		log_errno(LOG_ERROR, -err, "cannot write %s", args->stubs);
	else
		printf("%zu stubs written to %s\n", json_object_size(undefined), args->stubs);
out:
	free(log);
	json_decref(undefined);
	json_decref(dirs);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

/* Makes an application name from the source folder: lower case, [a-z0-9_]. */
static void default_name(const char *app_src, char *buf, size_t size)
{
	const char *base = strrchr(app_src, '/');
	size_t len = 0;

	base = base && base[1] ? base + 1 : app_src;
	for (; *base && len < size - 1; base++)
		buf[len++] = isalnum((unsigned char)*base) ? tolower((unsigned char)*base) : '_';
	buf[len] = '\0';
	if (!len)
		snprintf(buf, size, "app");
}

static bool valid_name(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (!islower((unsigned char)*name) && !isdigit((unsigned char)*name) &&
		    *name != '_')
			return false;
	return true;
}

static int load_build_pool(struct build_args *args, const char *uk_root, const char *uk_libs,
			   struct pool *pool)
{
	if (!args->sources.npaths && !args->sources.ngit) {
		args->sources.paths[args->sources.npaths++] = uk_root;
		if (uk_libs)
			args->sources.paths[args->sources.npaths++] = uk_libs;
	}
	return pool_sources_load(&args->sources, pool);
}

/* Folders searched for the declarations of stubbed symbols. */
static json_t *stub_header_dirs(const struct generate_options *gen, const json_t *match,
				const struct build_args *args)
{
	json_t *dirs = json_array(), *lib;
	char path[PATH_MAX * 2];
	size_t i;

	for (int n = 0; n < args->nincludes; n++)
		json_array_append_new(dirs, json_string(args->includes[n]));
	snprintf(path, sizeof(path), "%s/src", gen->app_dir);
	json_array_append_new(dirs, json_string(path));
	json_array_foreach(json_object_get(match, "libraries"), i, lib) {
		const char *lib_path = json_string_value(json_object_get(lib, "path"));
		const char *dir = json_string_value(json_object_get(lib, "dir"));

		if (lib_path)
			snprintf(path, sizeof(path), "%s/include", lib_path);
		else
			snprintf(path, sizeof(path), "%s/%s/include", gen->uk_root, dir);
		if (!access(path, F_OK))
			json_array_append_new(dirs, json_string(path));
	}
	return dirs;
}

static void print_summary(const json_t *summary, const json_t *match, FILE *out)
{
	json_t *build = json_object_get(summary, "build");
	json_t *item;
	size_t i;

	fprintf(out, "application: %s\n", json_string_value(json_object_get(summary, "app_dir")));
	if (json_object_get(build, "image"))
		fprintf(out, "image: %s (%lld bytes)\n",
			json_string_value(json_object_get(build, "image")),
			json_integer_value(json_object_get(build, "image_size")));
	fprintf(out, "libraries:");
	json_array_foreach(json_object_get(match, "libraries"), i, item)
		fprintf(out, " %s", json_string_value(json_object_get(item, "dir")));
	fprintf(out, "\nstubs (%zu):", json_array_size(json_object_get(build, "stubs")));
	json_array_foreach(json_object_get(build, "stubs"), i, item)
		fprintf(out, " %s", json_string_value(item));
	fprintf(out, "\ndropped options (%zu):",
		json_array_size(json_object_get(summary, "dropped_options")));
	json_array_foreach(json_object_get(summary, "dropped_options"), i, item)
		fprintf(out, " CONFIG_%s", json_string_value(json_object_get(item, "option")));
	fprintf(out, "\n");
}

/* Configures and builds the generated application; fills summary. */
static int configure_and_build(struct build_args *args, struct generate_options *gen,
			       const json_t *match, struct pool *pool, json_t *summary)
{
	char log_path[PATH_MAX * 2];
	json_t *dropped = json_array();
	struct build_loop loop = {
		.app_dir = gen->app_dir,
		.log_path = log_path,
		.jobs = (int)args->jobs,
		.max_rounds = (int)args->max_rounds,
	};
	json_t *build;

	snprintf(log_path, sizeof(log_path), "%s/build.log", gen->app_dir);
	unlink(log_path);
	json_object_set_new(summary, "log", json_string(log_path));
	json_object_set_new(summary, "dropped_options", dropped);
	if (configure_app(gen, match, pool, log_path, dropped))
		return -1;
	if (args->no_build)
		return 0;

	loop.header_dirs = stub_header_dirs(gen, match, args);
	build = build_loop_run(&loop);
	json_decref(loop.header_dirs);
	json_object_set_new(summary, "build", build);
	return json_is_true(json_object_get(build, "success")) ? 0 : -1;
}

int cmd_build(int argc, char **argv)
{
	struct build_args args = {
		.target = "qemu/x86_64", .jobs = 2, .max_rounds = BUILD_DEFAULT_MAX_ROUNDS,
		.match = { .libc = "auto", .platform = "PLAT_KVM", .arch = "ARCH_X86_64" },
	};
	char uk_root[PATH_MAX], uk_libs[PATH_MAX], app_src[PATH_MAX], app_dir[PATH_MAX];
	char name[128], match_path[PATH_MAX * 2], summary_path[PATH_MAX * 2];
	struct generate_options gen = { 0 };
	json_t *match = NULL, *summary = json_object();
	struct report report = { 0 };
	struct pool pool;
	int status = parse_build_args(argc, argv, &args);
	int err = -1;

	if (status >= 0)
		return status;
	if (args.link_log)
		return write_stubs_from_log(&args);
	if (!args.report || !args.workspace || !args.app_src) {
		p_err("build needs REPORT.json, --workspace and --app-src: see "
		      "'uniscope build --help'");
		return EXIT_USAGE;
	}
	if (absolute_folder(args.workspace, "--workspace", uk_root) ||
	    absolute_folder(args.app_src, "--app-src", app_src) ||
	    (args.libs && absolute_folder(args.libs, "--libs", uk_libs)))
		return EXIT_USAGE;
	default_name(app_src, name, sizeof(name));
	if (args.name && !valid_name(args.name)) {
		p_err("invalid --name '%s': use lower-case letters, digits and '_'", args.name);
		return EXIT_USAGE;
	}
	snprintf(app_dir, sizeof(app_dir), "%s-unikraft", args.name ? args.name : name);
	if (args.output)
		snprintf(app_dir, sizeof(app_dir), "%s", args.output);
	if (mkdir(app_dir, 0755) && errno != EEXIST) {
		log_errno(LOG_ERROR, errno, "cannot create application folder %s", app_dir);
		return EXIT_FAILURE_RUNTIME;
	}
	if (absolute_folder(app_dir, "--output", app_dir))
		return EXIT_FAILURE_RUNTIME;

	pool_init(&pool);
	if (report_load(&report, args.report) ||
	    load_build_pool(&args, uk_root, args.libs ? uk_libs : NULL, &pool))
		goto out;
	match = match_run(&pool, &report, &args.match);
	if (!match)
		goto out;
	snprintf(match_path, sizeof(match_path), "%s/match.json", app_dir);
	json_write_atomic(match_path, match);

	gen = (struct generate_options){
		.app_dir = app_dir, .app_src = app_src, .name = args.name ? args.name : name,
		.uk_root = uk_root, .uk_libs = args.libs ? uk_libs : NULL, .target = args.target,
		.config_lines = args.config_lines, .nconfig_lines = args.nconfig_lines,
	};
	json_object_set_new(summary, "app_dir", json_string(app_dir));
	if (generate_app(&gen, match))
		goto out;
	err = args.generate_only ? 0 : configure_and_build(&args, &gen, match, &pool, summary);
	json_object_set(summary, "libraries", json_object_get(match, "libraries"));
	snprintf(summary_path, sizeof(summary_path), "%s/uniscope-build.json", app_dir);
	json_write_atomic(summary_path, summary);
	print_summary(summary, match, stdout);
out:
	json_decref(match);
	json_decref(summary);
	pool_free(&pool);
	report_free(&report);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}
