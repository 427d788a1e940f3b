// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uniscope: find out with eBPF what a program needs from its operating
 * system, and turn that into a tuned unikernel.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "util.h"

#define UNISCOPE_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "trace", cmd_trace, "count and time the system calls of a command or process" },
	{ "match", cmd_match, "choose the Unikraft libraries that cover a dependency report" },
	{ "build", cmd_build, "generate, configure and build a Unikraft application" },
	{ "deps", cmd_deps, "find the libraries, symbols, packages and system calls a program needs" },
};

static void print_usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: uniscope [-v] COMMAND [ARGS...]\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'uniscope COMMAND --help' describes each command.\n"
		     "Options before COMMAND: -v (libbpf and progress messages), -vv (debug),\n"
		     "--version, --help.\n");
}

/* Finds a command by its full name or by a prefix that only it has. */
static const struct command *find_command(const char *name)
{
	const struct command *match = NULL;
	size_t len = strlen(name), i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
		if (!strncmp(commands[i].name, name, len)) {
			if (match)
				return NULL;
			match = &commands[i];
		}
	}
	return match;
}

static void report_unknown_command(const char *name)
{
	const char *names[ARRAY_SIZE(commands)];
	const char *suggestion;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	suggestion = closest_name(name, names, ARRAY_SIZE(names));
	if (suggestion)
		p_err("unknown command '%s': did you mean '%s'? See 'uniscope --help'",
		      name, suggestion);
	else
		p_err("unknown command '%s': see 'uniscope --help' for the list", name);
}

int main(int argc, char **argv)
{
	const struct command *command;
	int i = 1;

	setvbuf(stderr, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v")) {
			log_verbosity++;
		} else if (!strcmp(argv[i], "-vv")) {
			log_verbosity += 2;
		} else if (!strcmp(argv[i], "--version")) {
			printf("uniscope %s\n", UNISCOPE_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_usage(stdout);
			return EXIT_OK;
		} else {
			p_err("unknown option '%s' before the command: see 'uniscope --help'",
			      argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		print_usage(stdout);
		return EXIT_OK;
	}

	command = find_command(argv[i]);
	if (!command) {
		report_unknown_command(argv[i]);
		return EXIT_USAGE;
	}
	log_setup_libbpf();
	return command->run(argc - i, argv + i);
}
