// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The "deps" command: options, the JSON report file, graphs and the
 * terminal summary, for one program or for a batch.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "commands.h"
#include "deps.h"
#include "graph.h"
#include "log.h"
#include "util.h"

enum {
	OPT_STATIC = 256,
	OPT_LIBRARY_PATH,
	OPT_LD_CACHE,
	OPT_DPKG_DIR,
	OPT_NO_PACKAGES,
	OPT_NO_SYSCALLS,
	OPT_GRAPHS,
	OPT_BATCH,
	OPT_JSON,
};

struct deps_args {
	struct static_options options;
	const char *output;
	const char *graphs;
	const char *batch;
	unsigned long jobs;
	bool json;
	bool quiet;
};

static void print_help(FILE *out)
{
	fprintf(out,
"Usage: uniscope deps [--static] [OPTIONS] PROGRAM\n"
"       uniscope deps [--static] [OPTIONS] --batch DIR|LISTFILE -o OUTDIR [-j N]\n"
"\n"
"Find what PROGRAM (a path, or a name looked up on PATH) needs from its\n"
"system without running it: ELF facts, imported symbols and their versions,\n"
"shared libraries resolved as the dynamic loader does, Debian packages and\n"
"their dependencies, and the system calls its code and libraries can make.\n"
"A '#!' script is analysed through its interpreter. Dynamic tracing joins\n"
"this command later; today the analysis is static with or without --static.\n"
"\n"
"Options:\n"
"  --static              static analysis only (the default for now)\n"
"  -o, --output FILE     write the JSON report to FILE ('-' for stdout);\n"
"                        with --batch, the directory for all outputs\n"
"  --json                print the JSON report instead of the summary\n"
"  -q, --quiet           print no summary\n"
"  --graphs DIR          write DOT graphs of libraries and packages to DIR,\n"
"                        rendered to PNG and SVG when graphviz is usable\n"
"  --library-path[=DIRS] honour LD_LIBRARY_PATH (DIRS, or the environment's)\n"
"  --ld-cache FILE       loader cache to read (default /etc/ld.so.cache)\n"
"  --dpkg-dir DIR        dpkg database directory (default /var/lib/dpkg)\n"
"  --no-packages         skip the Debian package lookup\n"
"  --no-syscalls         skip the static system call scan\n"
"  --batch SOURCE        analyse every file in directory SOURCE, or every\n"
"                        path or name listed (one a line) in file SOURCE\n"
"  -j, --jobs N          programs analysed in parallel with --batch (1-256)\n"
"  -h, --help            show this help\n"
"\n"
"Examples:\n"
"  uniscope deps ls                       # summary for /usr/bin/ls\n"
"  uniscope deps -o ls.json --graphs g ls # JSON report and graphs\n"
"  uniscope deps --batch /usr/bin -o out -j 4\n");
}

static int parse_args(int argc, char **argv, struct deps_args *args)
{
	static const struct option long_options[] = {
		{ "static", no_argument, NULL, OPT_STATIC },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "graphs", required_argument, NULL, OPT_GRAPHS },
		{ "library-path", optional_argument, NULL, OPT_LIBRARY_PATH },
		{ "ld-cache", required_argument, NULL, OPT_LD_CACHE },
		{ "dpkg-dir", required_argument, NULL, OPT_DPKG_DIR },
		{ "no-packages", no_argument, NULL, OPT_NO_PACKAGES },
		{ "no-syscalls", no_argument, NULL, OPT_NO_SYSCALLS },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int option;

	optind = 1;
	opterr = 0;	/* messages go through p_err */
	while ((option = getopt_long(argc, argv, "+o:qj:h", long_options, NULL)) != -1) {
		switch (option) {
		case OPT_STATIC:
			break;
		case 'o':
			args->output = optarg;
			break;
		case OPT_JSON:
			args->json = true;
			break;
		case 'q':
			args->quiet = true;
			break;
		case OPT_GRAPHS:
			args->graphs = optarg;
			break;
		case OPT_LIBRARY_PATH:
			args->options.library_path = optarg ? optarg : getenv("LD_LIBRARY_PATH");
			break;
		case OPT_LD_CACHE:
			args->options.cache_file = optarg;
			break;
		case OPT_DPKG_DIR:
			args->options.dpkg_dir = optarg;
			break;
		case OPT_NO_PACKAGES:
			args->options.packages = false;
			break;
		case OPT_NO_SYSCALLS:
			args->options.syscalls = false;
			break;
		case OPT_BATCH:
			args->batch = optarg;
			break;
		case 'j':
			if (parse_ulong(optarg, "--jobs", 1, 256, &args->jobs))
				return -1;
			break;
		case 'h':
			print_help(stdout);
			exit(EXIT_OK);
		default:
			p_err("invalid option or missing value '%s' for 'deps': see 'uniscope deps --help'",
			      argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

static int check_args(int argc, char **argv, const struct deps_args *args)
{
	int programs = argc - optind;

	if (args->batch && programs) {
		p_err("--batch takes no PROGRAM argument, got '%s'", argv[optind]);
		return -1;
	}
	if (args->batch && !args->output) {
		p_err("--batch needs -o DIR: the directory for the reports and tables");
		return -1;
	}
	if (!args->batch && programs != 1) {
		p_err(programs ? "deps takes one PROGRAM, got %d: use --batch for many"
			       : "missing PROGRAM: see 'uniscope deps --help'", programs);
		return -1;
	}
	if (!args->batch && args->jobs != 1) {
		p_err("-j/--jobs only applies to --batch");
		return -1;
	}
	return 0;
}

static int write_report(const json_t *report, const char *output)
{
	int err;

	if (!strcmp(output, "-")) {
		err = json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		return err;
	}
	err = json_write_atomic(output, report);
	if (err)
		log_errno(LOG_ERROR, -err, "cannot write the report '%s'", output);
	return err;
}

static int analyse_one(const char *requested, const struct deps_args *args,
		       const struct static_context *context)
{
	char error[1024];
	json_t *report;
	int err = 0;

	report = static_analysis(requested, &args->options, context, error, sizeof(error));
	if (!report) {
		p_err("%s", error);
		return EXIT_FAILURE_RUNTIME;
	}
	if (args->output)
		err = write_report(report, args->output);
	if (!err && args->json && (!args->output || strcmp(args->output, "-")))
		err = write_report(report, "-");
	if (!err && args->graphs)
		err = write_graphs(report, args->graphs);
	if (!args->json && !args->quiet)
		print_static_summary(report, stdout);
	json_decref(report);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

int cmd_deps(int argc, char **argv)
{
	struct deps_args args = {
		.options = {
			.cache_file = "/etc/ld.so.cache",
			.dpkg_dir = "/var/lib/dpkg",
			.packages = true,
			.syscalls = true,
		},
		.jobs = 1,
	};
	struct static_context context;
	int status;

	if (parse_args(argc, argv, &args) || check_args(argc, argv, &args))
		return EXIT_USAGE;
	if (static_context_open(&context, &args.options))
		return EXIT_FAILURE_RUNTIME;

	if (args.batch) {
		struct batch_options batch = {
			.source = args.batch,
			.output_dir = args.output,
			.graphs_dir = args.graphs,
			.jobs = args.jobs,
			.quiet = args.quiet,
		};

		status = run_batch(&batch, &args.options, &context);
	} else {
		status = analyse_one(argv[optind], &args, &context);
	}
	static_context_close(&context);
	return status;
}

static const char *string_member(const json_t *object, const char *key)
{
	return json_string_value(json_object_get(object, key));
}

static long long count_member(const json_t *report, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(report, "counts"), key));
}

static void print_elf_line(const json_t *report, FILE *out)
{
	const json_t *elf = json_object_get(report, "elf");
	const json_t *program = json_object_get(report, "program");
	const char *interpreter = string_member(elf, "interpreter");
	const char *machine = string_member(elf, "machine");

	fprintf(out, "%s: ELF %lld-bit %s %s", string_member(program, "path"),
		json_integer_value(json_object_get(elf, "class")),
		machine ? machine : "unknown-machine", string_member(elf, "type"));
	if (json_is_true(json_object_get(elf, "static")))
		fprintf(out, ", static");
	if (interpreter)
		fprintf(out, ", interpreter %s", interpreter);
	fprintf(out, ", %s", json_is_true(json_object_get(elf, "stripped")) ? "stripped"
									     : "not stripped");
	if (!json_is_true(json_object_get(elf, "section_headers")))
		fprintf(out, ", no section headers");
	fprintf(out, "\n");
}

void print_static_summary(const json_t *report, FILE *out)
{
	const json_t *script = json_object_get(json_object_get(report, "program"), "script");
	const json_t *packages = json_object_get(report, "packages");
	const json_t *library;
	size_t i;

	if (script)
		fprintf(out, "%s: script run by '%s', analysed through %s\n",
			string_member(script, "path"), string_member(script, "interpreter"),
			string_member(script, "analysed"));
	print_elf_line(report, out);
	if (string_member(packages, "program"))
		fprintf(out, "  package: %s (%lld packages with dependencies)\n",
			string_member(packages, "program"), count_member(report, "packages"));

	fprintf(out, "  shared libraries: %zu (%lld not found)\n",
		json_array_size(json_object_get(report, "libraries")),
		count_member(report, "libraries_not_found"));
	json_array_foreach(json_object_get(report, "libraries"), i, library) {
		const char *path = string_member(library, "path");
		const char *package = string_member(library, "package");

		if (path)
			fprintf(out, "    %s => %s (%s)", string_member(library, "name"), path,
				string_member(library, "found_by"));
		else
			fprintf(out, "    %s => not found", string_member(library, "name"));
		if (package)
			fprintf(out, " [%s]", package);
		fprintf(out, "\n");
	}
	fprintf(out, "  symbols: %lld imported (%lld versioned), %lld exported, from %s\n",
		count_member(report, "imports"), count_member(report, "versioned_imports"),
		count_member(report, "exports"),
		string_member(json_object_get(report, "elf"), "symbol_source"));
	if (json_object_get(report, "static_syscalls"))
		fprintf(out, "  system calls: %lld found by the static scan\n",
			count_member(report, "system_calls"));
}
