/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * graphviz's libgvc and libcgraph, opened with dlopen() on first use
 * (user/lazy_library.h). Their functions keep the names and prototypes of
 * <gvc.h> and <cgraph.h>. libgvc loads its own plugins (PNG, SVG) later.
 */
#ifndef __UNISCOPE_GRAPHVIZ_LAZY_H
#define __UNISCOPE_GRAPHVIZ_LAZY_H

/* Loads libgvc and libcgraph if needed. Returns 0, or -1 with graphviz_load_error() set. */
int graphviz_load(void);

/* Why graphviz cannot be loaded: the library, dlerror()'s text and the fix. */
const char *graphviz_load_error(void);

#endif /* __UNISCOPE_GRAPHVIZ_LAZY_H */
