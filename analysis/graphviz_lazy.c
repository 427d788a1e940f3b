// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The graphviz functions uniscope calls, forwarded to libgvc and libcgraph
 * once they are loaded. Without them each one fails as graphviz reports
 * errors: a NULL context or graph, or -1.
 */
#include <stddef.h>

#include "graphviz_lazy.h"
#include "lazy_library.h"
#include <gvc.h>

/* The Makefile reads the SONAMEs from the libgvc.so and libcgraph.so the headers belong to. */
#if !defined(GVC_SONAME) || !defined(CGRAPH_SONAME)
#error "GVC_SONAME or CGRAPH_SONAME is not defined: build with make, which defines them"
#endif
#ifndef GVC_PACKAGE
#define GVC_PACKAGE ""
#endif
#ifndef CGRAPH_PACKAGE
#define CGRAPH_PACKAGE ""
#endif

static __typeof__(gvContext) *gvContext_pointer;
static __typeof__(gvLayout) *gvLayout_pointer;
static __typeof__(gvRenderData) *gvRenderData_pointer;
static __typeof__(gvFreeRenderData) *gvFreeRenderData_pointer;
static __typeof__(gvFreeLayout) *gvFreeLayout_pointer;
static __typeof__(agmemread) *agmemread_pointer;
static __typeof__(agclose) *agclose_pointer;
static __typeof__(agseterr) *agseterr_pointer;

static const struct lazy_symbol gvc_symbols[] = {
	LAZY_SYMBOL(gvContext),
	LAZY_SYMBOL(gvLayout),
	LAZY_SYMBOL(gvRenderData),
	LAZY_SYMBOL(gvFreeRenderData),
	LAZY_SYMBOL(gvFreeLayout),
	{ NULL, NULL },
};

static const struct lazy_symbol cgraph_symbols[] = {
	LAZY_SYMBOL(agmemread),
	LAZY_SYMBOL(agclose),
	LAZY_SYMBOL(agseterr),
	{ NULL, NULL },
};

static struct lazy_library gvc = {
	.name = "graphviz",
	.soname = GVC_SONAME,
	.package = GVC_PACKAGE,
	.symbols = gvc_symbols,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static struct lazy_library cgraph = {
	.name = "graphviz",
	.soname = CGRAPH_SONAME,
	.package = CGRAPH_PACKAGE,
	.symbols = cgraph_symbols,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

int graphviz_load(void)
{
	return lazy_library_load(&gvc) || lazy_library_load(&cgraph) ? -1 : 0;
}

const char *graphviz_load_error(void)
{
	if (!lazy_library_is_loaded(&gvc))
		return lazy_library_error(&gvc);
	return lazy_library_error(&cgraph);
}

GVC_t *gvContext(void)
{
	if (!lazy_library_ready(&gvc, __func__))
		return NULL;
	return gvContext_pointer();
}

int gvLayout(GVC_t *context, graph_t *graph, const char *engine)
{
	if (!lazy_library_ready(&gvc, __func__))
		return -1;
	return gvLayout_pointer(context, graph, engine);
}

int gvRenderData(GVC_t *context, graph_t *graph, const char *format, char **result,
		 unsigned int *length)
{
	if (!lazy_library_ready(&gvc, __func__))
		return -1;
	return gvRenderData_pointer(context, graph, format, result, length);
}

/* Only a loaded library can have allocated data. */
void gvFreeRenderData(char *data)
{
	if (lazy_library_is_loaded(&gvc))
		gvFreeRenderData_pointer(data);
}

int gvFreeLayout(GVC_t *context, graph_t *graph)
{
	if (!lazy_library_ready(&gvc, __func__))
		return -1;
	return gvFreeLayout_pointer(context, graph);
}

Agraph_t *agmemread(const char *text)
{
	if (!lazy_library_ready(&cgraph, __func__))
		return NULL;
	return agmemread_pointer(text);
}

int agclose(Agraph_t *graph)
{
	if (!lazy_library_ready(&cgraph, __func__))
		return -1;
	return agclose_pointer(graph);
}

/* Without libcgraph, returns graphviz's default level as the previous one. */
agerrlevel_t agseterr(agerrlevel_t level)
{
	if (!lazy_library_ready(&cgraph, __func__))
		return AGWARN;
	return agseterr_pointer(level);
}
