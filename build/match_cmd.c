// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `uniscope match`: reads a dependency report and a library pool, and prints
 * and writes the libraries chosen for the program. Also the pool options
 * that `uniscope build` shares.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "match.h"
#include "util.h"

const char *default_git_cache(char *buf, size_t size)
{
	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (cache && *cache)
		snprintf(buf, size, "%s/uniscope/git", cache);
	else
		snprintf(buf, size, "%s/.cache/uniscope/git", home && *home ? home : "/tmp");
	return buf;
}

/* Splits "URL#REF" into url and ref (NULL without "#"). */
static void split_git_source(const char *source, char *url, size_t size, const char **ref)
{
	const char *hash = strrchr(source, '#');

	snprintf(url, size, "%.*s", hash ? (int)(hash - source) : (int)strlen(source), source);
	*ref = hash && hash[1] ? hash + 1 : NULL;
}

int pool_sources_load(const struct pool_sources *sources, struct pool *pool)
{
	char cache[PATH_MAX];
	const char *git_cache = sources->git_cache ? sources->git_cache :
				default_git_cache(cache, sizeof(cache));

	if (!sources->npaths && !sources->ngit) {
		p_err("no library pool: give --pool (a Unikraft core, a library folder or "
		      "pool JSON data) or --git URL[#REF]");
		return -1;
	}
	for (int i = 0; i < sources->npaths; i++)
		if (pool_load_path(pool, sources->paths[i]))
			return -1;
	for (int i = 0; i < sources->ngit; i++) {
		char url[PATH_MAX];
		const char *ref;

		split_git_source(sources->git[i], url, sizeof(url), &ref);
		if (pool_load_git(pool, url, ref, git_cache))
			return -1;
	}
	for (int i = 0; i < sources->nsymbols; i++) {
		char lib[256];
		const char *equals = strchr(sources->symbols[i], '=');

		if (!equals || equals == sources->symbols[i] || !equals[1]) {
			p_err("invalid --symbols '%s': expected LIBRARY=FILE", sources->symbols[i]);
			return -1;
		}
		snprintf(lib, sizeof(lib), "%.*s", (int)(equals - sources->symbols[i]),
			 sources->symbols[i]);
		if (pool_load_symbols(pool, lib, equals + 1))
			return -1;
	}
	p_info("pool: %zu libraries, %zu Kconfig symbols", pool->count,
	       json_object_size(pool->kconfig));
	return 0;
}

static void print_names(FILE *out, const char *title, json_t *names)
{
	json_t *name;
	size_t i;

	fprintf(out, "%s (%zu):", title, json_array_size(names));
	json_array_foreach(names, i, name)
		fprintf(out, " %s", json_string_value(name));
	fprintf(out, "\n");
}

void match_print(const json_t *result, FILE *out)
{
	json_t *libraries = json_object_get(result, "libraries");
	json_t *coverage = json_object_get(result, "coverage");
	json_t *lib;
	size_t i;

	fprintf(out, "libc: %s\n\n%-28s %-26s %-14s %s\n",
		json_string_value(json_object_get(result, "libc")),
		"LIBRARY", "OPTION", "REASON", "WHY");
	json_array_foreach(libraries, i, lib)
		fprintf(out, "%-28s %-26s %-14s %s\n",
			json_string_value(json_object_get(lib, "dir")),
			json_string_value(json_object_get(lib, "option")),
			json_string_value(json_object_get(lib, "reason")),
			json_string_value(json_object_get(lib, "why")));
	fprintf(out, "\n");
	print_names(out, "uncovered symbols",
		    json_object_get(json_object_get(result, "uncovered"), "symbols"));
	print_names(out, "uncovered system calls",
		    json_object_get(json_object_get(result, "uncovered"), "syscalls"));
	fprintf(out, "coverage: %lld of %lld symbols, %lld of %lld system calls (%.1f%%)\n",
		json_integer_value(json_object_get(coverage, "symbols_covered")),
		json_integer_value(json_object_get(coverage, "symbols_total")),
		json_integer_value(json_object_get(coverage, "syscalls_covered")),
		json_integer_value(json_object_get(coverage, "syscalls_total")),
		100.0 * json_real_value(json_object_get(coverage, "share")));
}

static void match_usage(FILE *out)
{
	fprintf(out,
		"Usage: uniscope match REPORT.json --pool PATH... [OPTIONS]\n\n"
		"Chooses the Unikraft libraries that provide the symbols and system calls of\n"
		"a dependency report, prints them with the reason for each, and writes JSON.\n\n"
		"Pool (at least one of --pool and --git, each repeatable):\n"
		"  --pool PATH          Unikraft core (UK_ROOT), UK_LIBS folder, one library\n"
		"                       folder, pool JSON file or a folder of pool-*.json\n"
		"  --git URL[#REF]      external library repository at REF (default HEAD)\n"
		"  --git-cache DIR      where repositories are cloned (default\n"
		"                       ~/.cache/uniscope/git)\n"
		"  --symbols LIB=FILE   symbol set of LIB from an archive, object or text file\n\n"
		"Matching:\n"
		"  --libc NAME          auto (default), nolibc, musl or newlib\n"
		"  --platform OPTION    Kconfig platform option (default PLAT_KVM)\n"
		"  --arch OPTION        Kconfig architecture option (default ARCH_X86_64)\n"
		"  -o, --output FILE    JSON result (default match.json)\n");
}

enum {
	OPT_POOL = 256,
	OPT_GIT,
	OPT_GIT_CACHE,
	OPT_SYMBOLS,
	OPT_LIBC,
	OPT_PLATFORM,
	OPT_ARCH,
};

const struct option match_pool_options[] = {
	{ "pool", required_argument, NULL, OPT_POOL },
	{ "git", required_argument, NULL, OPT_GIT },
	{ "git-cache", required_argument, NULL, OPT_GIT_CACHE },
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "libc", required_argument, NULL, OPT_LIBC },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ 0 },
};


int match_parse_option(int opt, const char *arg, struct pool_sources *sources,
		       struct match_options *options)
{
	static const char *const libcs[] = { "auto", "nolibc", "musl", "newlib" };
	const char **list = NULL;
	int *count = NULL;

	switch (opt) {
	case OPT_POOL:
		list = sources->paths, count = &sources->npaths;
		break;
	case OPT_GIT:
		list = sources->git, count = &sources->ngit;
		break;
	case OPT_SYMBOLS:
		list = sources->symbols, count = &sources->nsymbols;
		break;
	case OPT_GIT_CACHE:
		sources->git_cache = arg;
		return 1;
	case OPT_LIBC:
		for (size_t i = 0; i < ARRAY_SIZE(libcs); i++)
			if (!strcmp(arg, libcs[i])) {
				options->libc = arg;
				return 1;
			}
		p_err("invalid --libc '%s': expected auto, nolibc, musl or newlib", arg);
		return -1;
	case OPT_PLATFORM:
		options->platform = arg;
		return 1;
	case OPT_ARCH:
		options->arch = arg;
		return 1;
	default:
		return 0;
	}
	if (*count >= 32) {
		p_err("too many pool options: at most 32 of each");
		return -1;
	}
	list[(*count)++] = arg;
	return 1;
}

int cmd_match(int argc, char **argv)
{
	struct match_options options = {
		.libc = "auto", .platform = "PLAT_KVM", .arch = "ARCH_X86_64",
	};
	struct pool_sources sources = { 0 };
	const char *output = "match.json";
	struct report report;
	struct pool pool;
	struct option long_options[16];
	size_t count = 0;
	json_t *result;
	int opt, err;

	for (size_t i = 0; match_pool_options[i].name; i++)
		long_options[count++] = match_pool_options[i];
	long_options[count++] = (struct option){ "output", required_argument, NULL, 'o' };
	long_options[count++] = (struct option){ "help", no_argument, NULL, 'h' };
	memset(&long_options[count], 0, sizeof(long_options[count]));

	while ((opt = getopt_long(argc, argv, "o:h", long_options, NULL)) != -1) {
		err = match_parse_option(opt, optarg, &sources, &options);
		if (err < 0)
			return EXIT_USAGE;
		if (err)
			continue;
		if (opt == 'o') {
			output = optarg;
		} else if (opt == 'h') {
			match_usage(stdout);
			return EXIT_OK;
		} else {
			match_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		p_err("match takes one report file: see 'uniscope match --help'");
		return EXIT_USAGE;
	}

	if (report_load(&report, argv[optind]))
		return EXIT_FAILURE_RUNTIME;
	pool_init(&pool);
	err = pool_sources_load(&sources, &pool);
	result = err ? NULL : match_run(&pool, &report, &options);
	if (result) {
		json_object_set_new(result, "report", json_string(argv[optind]));
		match_print(result, stdout);
		err = json_write_atomic(output, result);
		if (err)
			log_errno(LOG_ERROR, -err, "cannot write %s", output);
	}
	json_decref(result);
	pool_free(&pool);
	report_free(&report);
	return result && !err ? EXIT_OK : EXIT_FAILURE_RUNTIME;
}
