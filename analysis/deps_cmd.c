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
#include "dynamic.h"
#include "graph.h"
#include "log.h"
#include "syscall_sites.h"
#include "util.h"

enum {
	OPT_STATIC = 256,
	OPT_LIBRARY_PATH,
	OPT_LD_CACHE,
	OPT_DPKG_DIR,
	OPT_NO_PACKAGES,
	OPT_NO_SYSCALLS,
	OPT_NO_CACHE,
	OPT_GRAPHS,
	OPT_BATCH,
	OPT_JSON,
	OPT_TEST_FILE,
	OPT_STDIN,
	OPT_ALL_LIBS,
};

struct deps_args {
	struct static_options options;
	const char *output;
	const char *graphs;
	const char *batch;
	unsigned long jobs;	/* 0 unless -j was given */
	bool json;
	bool quiet;
	bool static_only;
	struct dynamic_options dynamic;
};

static void print_help(FILE *out)
{
	fprintf(out,
"Usage: uniscope deps [OPTIONS] PROGRAM [ARGS...]\n"
"       uniscope deps [OPTIONS] -p PID [-d SECONDS]\n"
"       uniscope deps --static [OPTIONS] PROGRAM\n"
"       uniscope deps --static [OPTIONS] --batch DIR|LISTFILE -o OUTDIR [-j N]\n"
"\n"
"Find what PROGRAM (a path, or a name looked up on PATH) needs from its\n"
"system. Statically: ELF facts, imported symbols and their versions, shared\n"
"libraries resolved as the dynamic loader does, Debian packages and their\n"
"dependencies, and the system calls its code and libraries can make. Then,\n"
"unless --static is given, dynamically: PROGRAM runs under BPF tracing (no\n"
"ptrace) and the report adds the system calls it made, the library\n"
"functions it called (counted by uprobes, by the program or inside\n"
"libraries), the files it mapped executable, and what each side alone saw.\n"
"A '#!' script is analysed through its interpreter.\n"
"\n"
"Options:\n"
"  --static              static analysis only: do not run PROGRAM\n"
"  --test-file FILE      exercise PROGRAM with the JSON steps in FILE\n"
"  --stdin FILE          feed FILE to PROGRAM's stdin\n"
"  -w, --wait SECONDS    let PROGRAM run SECONDS (to be exercised by hand),\n"
"                        then stop it with SIGTERM\n"
"  -p, --pid PID         analyse a running process instead of PROGRAM\n"
"  -d, --duration SECS   with -p: watch for SECS seconds (default: until it exits)\n"
"  --all-libs            probe every exported function of every library, not\n"
"                        only the functions PROGRAM imports\n"
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
"  --no-cache            neither read nor write the analysis cache\n"
"                        ($XDG_CACHE_HOME/uniscope, or ~/.cache/uniscope)\n"
"  --batch SOURCE        analyse every file in directory SOURCE, or every\n"
"                        path or name listed (one a line) in file SOURCE\n"
"  -j, --jobs N          programs analysed in parallel with --batch (1-256);\n"
"                        else threads that analyse objects missing from the\n"
"                        cache (default: one per CPU, at most 4)\n"
"  -h, --help            show this help\n"
"\n"
"Examples:\n"
"  # sqlite3 driven by a test file, report as JSON\n"
"  uniscope deps -o sqlite3.json --test-file queries.json sqlite3\n"
"  uniscope deps --static ls              # summary for /usr/bin/ls, not run\n"
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
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "jobs", required_argument, NULL, 'j' },
		{ "test-file", required_argument, NULL, OPT_TEST_FILE },
		{ "stdin", required_argument, NULL, OPT_STDIN },
		{ "wait", required_argument, NULL, 'w' },
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "all-libs", no_argument, NULL, OPT_ALL_LIBS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long pid;
	uint64_t ns;
	int option;

	optind = 1;
	opterr = 0;	/* messages go through p_err */
	while ((option = getopt_long(argc, argv, "+o:qj:w:p:d:h", long_options, NULL)) != -1) {
		switch (option) {
		case OPT_STATIC:
			args->static_only = true;
			break;
		case OPT_TEST_FILE:
			args->dynamic.test_file = optarg;
			break;
		case OPT_STDIN:
			args->dynamic.stdin_path = optarg;
			break;
		case OPT_ALL_LIBS:
			args->dynamic.all_libs = true;
			break;
		case 'w':
			if (parse_seconds(optarg, "--wait", &ns))
				return -1;
			args->dynamic.wait_seconds = ns / 1e9;
			break;
		case 'd':
			if (parse_seconds(optarg, "--duration", &ns))
				return -1;
			args->dynamic.duration = ns / 1e9;
			break;
		case 'p':
			if (parse_ulong(optarg, "--pid", 1, 4194304, &pid))
				return -1;
			args->dynamic.pid = pid;
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
		case OPT_NO_CACHE:
			args->options.no_cache = true;
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
	if (args->batch && !args->static_only) {
		p_err("--batch runs no program: add --static");
		return -1;
	}
	if (args->dynamic.pid && programs) {
		p_err("both -p and PROGRAM given: analyse either a running process or a program");
		return -1;
	}
	if (args->dynamic.pid && args->static_only) {
		p_err("-p traces a running process, which --static excludes: drop one of them");
		return -1;
	}
	if (!args->batch && !args->dynamic.pid && programs < 1) {
		p_err("missing PROGRAM: see 'uniscope deps --help'");
		return -1;
	}
	if (args->static_only && programs > 1) {
		p_err("--static takes one PROGRAM and no arguments, got %d words: use --batch "
		      "for many", programs);
		return -1;
	}
	return 0;
}

static int write_report(const json_t *report, const char *output)
{
	uint64_t start = now_ns();
	int err;

	if (!strcmp(output, "-")) {
		err = json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		return err;
	}
	err = json_write_atomic(output, report);
	if (err)
		p_err("cannot write the report '%s': %s: give a file path in an existing, "
		      "writable folder with free space", output, strerror(-err));
	else
		p_debug("report written to %s in %.2f ms", output, (now_ns() - start) / 1e6);
	return err;
}

/* Prints what the run showed, after the static summary. */
static void print_dynamic_summary(const json_t *report, FILE *out)
{
	const json_t *dynamic = json_object_get(report, "dynamic");
	const json_t *data = json_object_get(report, "dynamic_data");
	const json_t *compared = json_object_get(report, "comparison");
	const json_t *call;
	size_t i, by_program = 0;

	if (!dynamic)
		return;
	json_array_foreach(json_object_get(dynamic, "library_calls"), i, call)
		if (json_integer_value(json_object_get(call, "from_program")))
			by_program++;
	fprintf(out, "  run: %zu system calls made, %zu library functions called (%zu by the "
		"program), %zu files mapped executable, %lld uprobes\n",
		json_object_size(json_object_get(data, "system_calls")),
		json_array_size(json_object_get(dynamic, "library_calls")), by_program,
		json_array_size(json_object_get(dynamic, "mapped_files")),
		json_integer_value(json_object_get(json_object_get(dynamic, "probes"), "count")));
	if (json_object_get(dynamic, "note"))
		fprintf(out, "  note: %s\n", json_string_value(json_object_get(dynamic, "note")));
	fprintf(out, "  system calls: %zu seen by both, %zu only statically, %zu only at run time\n",
		json_array_size(json_object_get(json_object_get(compared, "system_calls"), "both")),
		json_array_size(json_object_get(json_object_get(compared, "system_calls"),
						"static_only")),
		json_array_size(json_object_get(json_object_get(compared, "system_calls"),
						"dynamic_only")));
}

/* For -p: the static part reads the process's own executable. */
static char *requested_program(int argc, char **argv, const struct deps_args *args)
{
	char path[64];

	if (!args->dynamic.pid)
		return strdup(argv[optind]);
	snprintf(path, sizeof(path), "/proc/%d/exe", args->dynamic.pid);
	return strdup(path);
}

static int analyse_one(const char *requested, char **command, const struct deps_args *args,
		       const struct static_context *context)
{
	struct dynamic_options dynamic = args->dynamic;
	int err = 0, status = EXIT_OK;
	char error[1024];
	json_t *report;

	report = static_analysis(requested, &args->options, context, error, sizeof(error));
	if (!report) {
		p_err("%s", error);
		return EXIT_FAILURE_RUNTIME;
	}
	if (!args->static_only) {
		/* The program runs as resolved, so PATH lookups agree with the static part. */
		const char *path = json_string_value(json_object_get(json_object_get(report,
										     "program"),
								     "path"));

		if (command && path && !json_object_get(json_object_get(report, "program"),
							"script"))
			command[0] = (char *)path;
		dynamic.command = command;
		dynamic.ld_cache = context->cache;
		dynamic.library_path = args->options.library_path;
		status = dynamic_analysis(report, &dynamic);
	}
	/* A failed run still writes what it gathered. */
	if (args->output)
		err = write_report(report, args->output);
	if (!err && args->json && (!args->output || strcmp(args->output, "-")))
		err = write_report(report, "-");
	if (!err && args->graphs)
		err = write_graphs(report, args->graphs);
	if (!args->json && !args->quiet) {
		print_static_summary(report, stdout);
		print_dynamic_summary(report, stdout);
	}
	json_decref(report);
	if (err)
		return EXIT_FAILURE_RUNTIME;
	return status;
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
	};
	struct static_context context;
	int status;

	if (parse_args(argc, argv, &args) || check_args(argc, argv, &args))
		return EXIT_USAGE;
	/* A run or a workload must not end in an unwritable report. */
	if (!args.batch && args.output && strcmp(args.output, "-")) {
		int err = check_output_path(args.output);

		if (err) {
			p_err("cannot write the report to '%s': %s: give a file path in an "
			      "existing, writable folder", args.output, strerror(-err));
			return EXIT_FAILURE_RUNTIME;
		}
	}
	if (static_context_open(&context, &args.options))
		return EXIT_FAILURE_RUNTIME;

	if (args.batch) {
		struct batch_options batch = {
			.source = args.batch,
			.output_dir = args.output,
			.graphs_dir = args.graphs,
			.jobs = args.jobs ? args.jobs : 1,
			.quiet = args.quiet,
		};

		status = run_batch(&batch, &args.options, &context);
	} else {
		char *requested = requested_program(argc, argv, &args);

		syscall_scan_set_threads(args.jobs);

		status = analyse_one(requested, args.dynamic.pid ? NULL : argv + optind, &args,
				     &context);
		free(requested);
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
