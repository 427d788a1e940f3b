// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
struct widget;
/* Opens a widget device; not implemented anywhere, so a stub stands in. */
extern int widget_open(const char *path,
		       int flags);
struct widget *widget_lookup(const char *);
void widget_reset(struct widget *, size_t);
long widget_count(void);
