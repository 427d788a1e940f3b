/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small reader for Unikraft's Config.uk files (the Kconfig language) and
 * an evaluator for Kconfig dependency expressions.
 */
#ifndef __UNISCOPE_KCONFIG_H
#define __UNISCOPE_KCONFIG_H

#include <stdbool.h>
#include <jansson.h>

/*
 * Parses Config.uk text and adds one entry per config/menuconfig symbol to
 * symbols (an object keyed by name without "CONFIG_"):
 *   { "type", "prompt", "depends_on" (with enclosing "if" and "menu"
 *     conditions joined by &&, or null), "selects": [{"symbol", "if"}],
 *     "implies": [...], "defaults": [{"value", "if"}], "files": [origin] }
 * A symbol defined in several places gets its attributes merged.
 * Returns 0, or -1 after reporting a syntax error with origin and line.
 */
int kconfig_parse(const char *text, const char *origin, json_t *symbols);

/* Returns the value of a symbol (name without "CONFIG_") for evaluation. */
typedef bool (*kconfig_lookup_fn)(const char *name, void *ctx);

/*
 * Evaluates a dependency expression (symbols, !, &&, ||, parentheses,
 * "=" and "!=" against y/n or another symbol) as a boolean. A NULL or empty
 * expression is true. On a syntax error it returns true and sets *invalid.
 */
bool kconfig_eval(const char *expr, kconfig_lookup_fn lookup, void *ctx, bool *invalid);

/*
 * Appends to terms (a JSON array) the &&-terms of expr that evaluate false,
 * as text ("LIBUK9P", "HAVE_PCI"), to explain why Kconfig dropped an option.
 */
void kconfig_unmet_terms(const char *expr, kconfig_lookup_fn lookup, void *ctx,
			 json_t *terms);

/* Strips a leading "CONFIG_" from name (returns a pointer into name). */
const char *kconfig_bare_name(const char *name);

#endif /* __UNISCOPE_KCONFIG_H */
