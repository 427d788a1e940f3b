// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* DOT graphs of dependency reports, rendered in process with libgvc. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gvc.h>

#include "graph.h"
#include "graphviz_lazy.h"
#include "log.h"
#include "util.h"

/* Writes text as a quoted DOT identifier. */
static void put_quoted(FILE *out, const char *text)
{
	fputc('"', out);
	for (; *text; text++) {
		if (*text == '"' || *text == '\\')
			fputc('\\', out);
		fputc(*text, out);
	}
	fputc('"', out);
}

static void put_edge(FILE *out, const char *from, const char *to, const char *attributes)
{
	fputs("  ", out);
	put_quoted(out, from);
	fputs(" -> ", out);
	put_quoted(out, to);
	if (attributes)
		fprintf(out, " [%s]", attributes);
	fputs(";\n", out);
}

static const char *program_name(const json_t *report)
{
	const char *path = json_string_value(json_object_get(json_object_get(report, "program"),
							     "path"));
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!path)
		return "program";
	return slash ? slash + 1 : path;
}

static void put_library_nodes(FILE *out, const json_t *report)
{
	const json_t *library;
	size_t i;

	json_array_foreach(json_object_get(report, "libraries"), i, library) {
		const char *name = json_string_value(json_object_get(library, "name"));

		if (json_object_get(library, "path") && !json_is_null(json_object_get(library, "path")))
			continue;
		fputs("  ", out);
		put_quoted(out, name);
		fputs(" [color=red, style=dashed, label=", out);
		put_quoted(out, name);
		fputs("];\n", out);
	}
}

char *library_graph_dot(const json_t *report)
{
	const json_t *library, *need;
	size_t size = 0, i, j;
	char *text = NULL;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		return NULL;
	fputs("digraph libraries {\n  rankdir=LR;\n  node [shape=box];\n", out);
	fputs("  ", out);
	put_quoted(out, program_name(report));
	fputs(" [shape=doubleoctagon];\n", out);
	put_library_nodes(out, report);

	json_array_foreach(json_object_get(report, "direct_needs"), i, need)
		put_edge(out, program_name(report), json_string_value(need), NULL);
	json_array_foreach(json_object_get(report, "libraries"), i, library) {
		const char *name = json_string_value(json_object_get(library, "name"));

		json_array_foreach(json_object_get(library, "needs"), j, need)
			put_edge(out, name, json_string_value(need), NULL);
	}
	fputs("}\n", out);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Draws "a | b" groups as dashed edges to each alternative. */
static void put_dependency(FILE *out, const char *package, const char *group)
{
	bool alternatives = strstr(group, " | ") != NULL;
	char name[256];

	while (*group) {
		size_t length = strcspn(group, " |");

		if (length) {
			snprintf(name, sizeof(name), "%.*s", (int)length, group);
			put_edge(out, package, name, alternatives ? "style=dashed" : NULL);
		}
		group += length;
		group += strspn(group, " |");
	}
}

char *package_graph_dot(const json_t *report)
{
	const json_t *dependencies = json_object_get(json_object_get(report, "static_data"),
						     "dependencies");
	const json_t *groups, *group;
	const char *package;
	size_t size = 0, i;
	char *text = NULL;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		return NULL;
	fputs("digraph packages {\n  node [shape=ellipse];\n", out);
	json_object_foreach((json_t *)dependencies, package, groups) {
		fputs("  ", out);
		put_quoted(out, package);
		fputs(";\n", out);
		json_array_foreach(groups, i, group)
			put_dependency(out, package, json_string_value(group));
	}
	fputs("}\n", out);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Renders dot into path in format ("png", "svg"); failures are warnings. */
static void render(GVC_t *context, const char *dot, const char *format, const char *path)
{
	unsigned int length = 0;
	char *data = NULL;
	Agraph_t *graph;
	int err;

	graph = agmemread(dot);
	if (!graph) {
		p_warn("graphviz cannot parse the graph for '%s'", path);
		return;
	}
	if (gvLayout(context, graph, "dot")) {
		p_warn("graphviz cannot lay out '%s'", path);
		agclose(graph);
		return;
	}
	if (gvRenderData(context, graph, format, &data, &length)) {
		p_warn("graphviz cannot render %s for '%s': install the graphviz package for its plugins",
		       format, path);
	} else {
		err = write_file_atomic(path, data, length);
		if (err)
			log_errno(LOG_WARN, -err, "cannot write '%s'", path);
	}
	gvFreeRenderData(data);
	gvFreeLayout(context, graph);
	agclose(graph);
}

static int write_graph(GVC_t *context, const char *dot, const char *dir, const char *name,
		       const char *kind)
{
	static const char *const formats[] = { "png", "svg" };
	char path[PATH_MAX];
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/%s.%s.dot", dir, name, kind);
	err = write_file_atomic(path, dot, strlen(dot));
	if (err) {
		log_errno(LOG_ERROR, -err, "cannot write the graph '%s'", path);
		return -1;
	}
	for (i = 0; context && i < ARRAY_SIZE(formats); i++) {
		snprintf(path, sizeof(path), "%s/%s.%s.%s", dir, name, kind, formats[i]);
		render(context, dot, formats[i], path);
	}
	return 0;
}

/*
 * Returns the process's graphviz context, created on first use and kept:
 * graphviz 2.42 caches font names across contexts, so freeing one and
 * creating another reads freed memory (AddressSanitizer shows it).
 * Returns NULL, with a warning, when graphviz cannot be loaded.
 */
static GVC_t *graphviz_context(void)
{
	static GVC_t *context;
	static bool tried;

	if (!tried) {
		tried = true;
		if (graphviz_load()) {
			p_warn("%s", graphviz_load_error());
			return NULL;
		}
		agseterr(AGMAX);	/* failures are reported here, not by graphviz */
		context = gvContext();
	}
	return context;
}

int write_graphs(const json_t *report, const char *dir)
{
	char *libraries = library_graph_dot(report);
	char *packages = package_graph_dot(report);
	GVC_t *context;
	int err = -1;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		log_errno(LOG_ERROR, errno, "cannot create the graph directory '%s'", dir);
		goto out;
	}
	if (!libraries || !packages) {
		p_err("out of memory writing graphs into '%s'", dir);
		goto out;
	}
	context = graphviz_context();
	if (!context)
		p_warn("graphviz is not usable: only DOT files are written into '%s'", dir);

	err = write_graph(context, libraries, dir, program_name(report), "libraries");
	if (!err)
		err = write_graph(context, packages, dir, program_name(report), "packages");
out:
	free(libraries);
	free(packages);
	return err;
}
