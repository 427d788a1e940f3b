/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Graphs of a dependency report in Graphviz DOT: shared libraries (who needs
 * whom) and Debian packages (who depends on whom), also rendered to PNG and
 * SVG through libgvc.
 */
#ifndef __UNISCOPE_GRAPH_H
#define __UNISCOPE_GRAPH_H

#include <jansson.h>

/* Returns the DOT text of the library graph of report (caller frees). */
char *library_graph_dot(const json_t *report);

/* Returns the DOT text of the package graph of report (caller frees). */
char *package_graph_dot(const json_t *report);

/*
 * Writes NAME.libraries.{dot,png,svg} and NAME.packages.{dot,png,svg} into
 * dir (created if missing), NAME being the program's file name. A rendering
 * that graphviz cannot do is a warning, the DOT file is still written.
 * Returns 0, or -1 when a file cannot be written (reported).
 */
int write_graphs(const json_t *report, const char *dir);

#endif /* __UNISCOPE_GRAPH_H */
