/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Entry points of the subcommands. Each takes the arguments after its own
 * name (argv[0] is the subcommand name) and returns the process exit status.
 */
#ifndef __UNISCOPE_COMMANDS_H
#define __UNISCOPE_COMMANDS_H

int cmd_trace(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_deps(int argc, char **argv);

#endif /* __UNISCOPE_COMMANDS_H */
