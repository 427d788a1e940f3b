// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Config.uk reader and Kconfig expression evaluator. It understands what
 * Unikraft libraries use: config/menuconfig, types and prompts, default,
 * depends on, select/imply with "if", if/endif, menu/endmenu,
 * choice/endchoice and help blocks. Everything else is skipped.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"
#include "log.h"

#define KCONFIG_MAX_NESTING 32

struct kconfig_parser {
	const char *origin;
	int line_no;
	json_t *symbols;
	json_t *current;		/* symbol being defined, or NULL */
	json_t *current_depends;	/* its own "depends on" terms */
	bool in_menu_header;		/* "depends on" applies to a menu */
	int help_indent;		/* -1: not in help; 0: help, indent unknown */
	int help_keyword_indent;
	const char *conditions[KCONFIG_MAX_NESTING];
	char *owned[KCONFIG_MAX_NESTING];
	int depth;
};

const char *kconfig_bare_name(const char *name)
{
	return strncmp(name, "CONFIG_", 7) ? name : name + 7;
}

static int line_indent(const char *line)
{
	int indent = 0;

	for (; *line == ' ' || *line == '\t'; line++)
		indent = *line == '\t' ? (indent / 8 + 1) * 8 : indent + 1;
	return indent;
}

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t len = strlen(s);

	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
}

/* Splits "WORD rest" in place: returns WORD, *rest points after the blanks. */
static char *next_word(char *s, char **rest)
{
	char *word = skip_space(s);
	char *end = word;

	while (*end && !isspace((unsigned char)*end))
		end++;
	if (*end)
		*end++ = '\0';
	*rest = skip_space(end);
	return word;
}

/* Finds a top-level " if " in an attribute tail, outside quotes. */
static char *find_if_clause(char *s)
{
	bool quoted = false;

	for (char *p = s; *p; p++) {
		if (*p == '"' && (p == s || p[-1] != '\\'))
			quoted = !quoted;
		if (!quoted && !strncmp(p, "if", 2) && (p == s || isspace((unsigned char)p[-1])) &&
		    (isspace((unsigned char)p[2]) || p[2] == '('))
			return p;
	}
	return NULL;
}

/* Splits "VALUE if EXPR": terminates VALUE, returns EXPR or NULL. */
static char *split_if(char *s)
{
	char *clause = find_if_clause(s);

	if (!clause)
		return NULL;
	*clause = '\0';
	trim_end(s);
	return skip_space(clause + 2);
}

static json_t *new_dep(const char *symbol, const char *cond)
{
	json_t *dep = json_pack("{s:s}", "symbol", kconfig_bare_name(symbol));

	if (cond && *cond)
		json_object_set_new(dep, "if", json_string(cond));
	return dep;
}

/* Returns the text of a quoted prompt, unescaped, or NULL. */
static json_t *quoted_string(const char *s)
{
	char buf[512];
	size_t len = 0;

	s = strchr(s, '"');
	if (!s)
		return NULL;
	for (s++; *s && *s != '"' && len < sizeof(buf) - 1; s++) {
		if (*s == '\\' && s[1])
			s++;
		buf[len++] = *s;
	}
	buf[len] = '\0';
	return json_string(buf);
}

/* Joins the enclosing conditions and the symbol's own "depends on". */
static json_t *joined_depends(struct kconfig_parser *parser)
{
	json_t *terms = json_array();
	json_t *term;
	char *joined = NULL;
	size_t i, len = 0;

	for (int d = 0; d < parser->depth; d++)
		if (parser->conditions[d] && *parser->conditions[d])
			json_array_append_new(terms, json_string(parser->conditions[d]));
	json_array_extend(terms, parser->current_depends);
	if (!json_array_size(terms)) {
		json_decref(terms);
		return json_null();
	}

	json_array_foreach(terms, i, term)
		len += strlen(json_string_value(term)) + 8;
	joined = calloc(1, len + 1);
	json_array_foreach(terms, i, term) {
		const char *text = json_string_value(term);
		bool wrap = json_array_size(terms) > 1 && strstr(text, "||");

		if (i)
			strcat(joined, " && ");
		strcat(joined, wrap ? "(" : "");
		strcat(joined, text);
		strcat(joined, wrap ? ")" : "");
	}
	json_decref(terms);
	term = json_string(joined);
	free(joined);
	return term;
}

/* Ends the current symbol: computes its dependencies and merges it in. */
static void finish_symbol(struct kconfig_parser *parser)
{
	json_t *sym = parser->current;
	json_t *depends;

	if (!sym)
		return;
	depends = joined_depends(parser);
	if (json_is_string(json_object_get(sym, "depends_on")) && json_is_string(depends)) {
		/* A second definition: either one makes the symbol available. */
		char buf[2048];

		snprintf(buf, sizeof(buf), "(%s) || (%s)",
			 json_string_value(json_object_get(sym, "depends_on")),
			 json_string_value(depends));
		json_decref(depends);
		depends = json_string(buf);
	}
	json_object_set_new(sym, "depends_on", depends);
	json_array_clear(parser->current_depends);
	parser->current = NULL;
}

static void start_symbol(struct kconfig_parser *parser, const char *name, bool menuconfig)
{
	json_t *sym;

	finish_symbol(parser);
	sym = json_object_get(parser->symbols, name);
	if (!sym) {
		sym = json_pack("{s:s, s:n, s:n, s:n, s:[], s:[], s:[], s:[]}",
				"type", "unknown", "prompt", "depends_on", "choice",
				"selects", "implies", "defaults", "files");
		json_object_set_new(parser->symbols, name, sym);
		json_object_del(sym, "choice");
	}
	if (menuconfig)
		json_object_set_new(sym, "menuconfig", json_true());
	json_array_append_new(json_object_get(sym, "files"), json_string(parser->origin));
	parser->current = sym;
	parser->in_menu_header = false;
}

static int push_condition(struct kconfig_parser *parser, const char *expr)
{
	if (parser->depth >= KCONFIG_MAX_NESTING) {
		p_err("%s:%d: if/menu blocks nested more than %d deep", parser->origin,
		      parser->line_no, KCONFIG_MAX_NESTING);
		return -1;
	}
	parser->owned[parser->depth] = strdup(expr);
	parser->conditions[parser->depth] = parser->owned[parser->depth];
	parser->depth++;
	return 0;
}

static int pop_condition(struct kconfig_parser *parser, const char *keyword)
{
	if (!parser->depth) {
		p_err("%s:%d: '%s' without a matching opening block", parser->origin,
		      parser->line_no, keyword);
		return -1;
	}
	parser->depth--;
	free(parser->owned[parser->depth]);
	return 0;
}

static void add_type(json_t *sym, const char *type, char *rest)
{
	json_t *prompt;

	split_if(rest);
	json_object_set_new(sym, "type", json_string(type));
	prompt = quoted_string(rest);
	if (prompt)
		json_object_set_new(sym, "prompt", prompt);
}

static void add_default(json_t *sym, char *rest, bool set_bool)
{
	char *cond = split_if(rest);
	json_t *entry;

	if (set_bool)
		json_object_set_new(sym, "type", json_string("bool"));
	entry = json_pack("{s:s}", "value", rest);
	if (cond)
		json_object_set_new(entry, "if", json_string(cond));
	json_array_append_new(json_object_get(sym, "defaults"), entry);
}

/* Handles one attribute line of the current symbol. */
static void parse_attribute(struct kconfig_parser *parser, char *keyword, char *rest)
{
	json_t *sym = parser->current;

	if (!strcmp(keyword, "bool") || !strcmp(keyword, "tristate") ||
	    !strcmp(keyword, "int") || !strcmp(keyword, "hex") || !strcmp(keyword, "string")) {
		add_type(sym, keyword, rest);
	} else if (!strcmp(keyword, "def_bool") || !strcmp(keyword, "def_tristate")) {
		add_default(sym, rest, true);
	} else if (!strcmp(keyword, "prompt")) {
		split_if(rest);
		json_object_set_new(sym, "prompt", quoted_string(rest));
	} else if (!strcmp(keyword, "default")) {
		add_default(sym, rest, false);
	} else if (!strcmp(keyword, "select") || !strcmp(keyword, "imply")) {
		char *cond = split_if(rest);
		const char *list = !strcmp(keyword, "select") ? "selects" : "implies";

		json_array_append_new(json_object_get(sym, list), new_dep(rest, cond));
	}
}

static bool is_help_keyword(const char *word)
{
	return !strcmp(word, "help") || !strcmp(word, "---help---");
}

/* Returns true while the line belongs to a help block (and consumes it). */
static bool in_help_block(struct kconfig_parser *parser, const char *line)
{
	int indent;

	if (parser->help_indent < 0)
		return false;
	if (!*skip_space((char *)line))
		return true;
	indent = line_indent(line);
	if (!parser->help_indent && indent > parser->help_keyword_indent)
		parser->help_indent = indent;
	if (parser->help_indent && indent >= parser->help_indent)
		return true;
	parser->help_indent = -1;
	return false;
}

/* Handles a block keyword; returns 1 if the line was one, -1 on error. */
static int parse_block(struct kconfig_parser *parser, char *keyword, char *rest)
{
	if (!strcmp(keyword, "config") || !strcmp(keyword, "menuconfig")) {
		start_symbol(parser, kconfig_bare_name(next_word(rest, &rest)),
			     keyword[0] == 'm');
		return 1;
	}
	if (!strcmp(keyword, "if")) {
		finish_symbol(parser);
		return push_condition(parser, rest) ? -1 : 1;
	}
	if (!strcmp(keyword, "menu")) {
		finish_symbol(parser);
		if (push_condition(parser, ""))
			return -1;
		parser->in_menu_header = true;
		return 1;
	}
	if (!strcmp(keyword, "endif") || !strcmp(keyword, "endmenu")) {
		finish_symbol(parser);
		parser->in_menu_header = false;
		return pop_condition(parser, keyword) ? -1 : 1;
	}
	if (!strcmp(keyword, "choice") || !strcmp(keyword, "endchoice") ||
	    !strcmp(keyword, "source") || !strcmp(keyword, "osource") ||
	    !strcmp(keyword, "rsource") || !strcmp(keyword, "comment") ||
	    !strcmp(keyword, "mainmenu")) {
		finish_symbol(parser);
		parser->in_menu_header = false;
		return 1;
	}
	return 0;
}

static int parse_line(struct kconfig_parser *parser, char *line)
{
	char *rest, *keyword;
	int indent = line_indent(line);
	int block;

	if (in_help_block(parser, line))
		return 0;
	keyword = next_word(line, &rest);
	if (!*keyword || *keyword == '#')
		return 0;
	trim_end(rest);

	block = parse_block(parser, keyword, rest);
	if (block)
		return block < 0 ? -1 : 0;

	if (!strcmp(keyword, "depends") && !strncmp(rest, "on", 2)) {
		char *expr = skip_space(rest + 2);

		if (parser->current)
			json_array_append_new(parser->current_depends, json_string(expr));
		else if (parser->in_menu_header && parser->depth) {
			free(parser->owned[parser->depth - 1]);
			parser->owned[parser->depth - 1] = strdup(expr);
			parser->conditions[parser->depth - 1] = parser->owned[parser->depth - 1];
		}
		return 0;
	}
	if (is_help_keyword(keyword)) {
		parser->help_indent = 0;
		parser->help_keyword_indent = indent;
		return 0;
	}
	if (parser->current)
		parse_attribute(parser, keyword, rest);
	return 0;
}

int kconfig_parse(const char *text, const char *origin, json_t *symbols)
{
	struct kconfig_parser parser = {
		.origin = origin,
		.symbols = symbols,
		.current_depends = json_array(),
		.help_indent = -1,
	};
	char *copy = strdup(text), *line, *next;
	int err = 0;

	for (line = copy; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		parser.line_no++;

		/* Joins continuation lines ending in a backslash. */
		while (next && *line && line[strlen(line) - 1] == '\\') {
			char *more = next;

			line[strlen(line) - 1] = ' ';
			next = strchr(more, '\n');
			if (next)
				*next++ = '\0';
			memmove(line + strlen(line), more, strlen(more) + 1);
			parser.line_no++;
		}
		err = parse_line(&parser, line);
	}
	finish_symbol(&parser);
	if (!err && parser.depth) {
		p_err("%s: %d if/menu block(s) not closed at the end of the file", origin,
		      parser.depth);
		err = -1;
	}
	while (parser.depth)
		free(parser.owned[--parser.depth]);
	json_decref(parser.current_depends);
	free(copy);
	return err;
}

/* Expression evaluation: a recursive-descent parser over the text. */
struct kconfig_expr {
	const char *pos;
	kconfig_lookup_fn lookup;
	void *ctx;
	bool invalid;
};

static void skip_expr_space(struct kconfig_expr *e)
{
	while (isspace((unsigned char)*e->pos))
		e->pos++;
}

/* Reads a symbol or a quoted string into buf; returns false if none. */
static bool read_atom(struct kconfig_expr *e, char *buf, size_t size, bool *quoted)
{
	size_t len = 0;

	skip_expr_space(e);
	*quoted = *e->pos == '"';
	if (*quoted) {
		for (e->pos++; *e->pos && *e->pos != '"'; e->pos++)
			if (len < size - 1)
				buf[len++] = *e->pos;
		if (*e->pos == '"')
			e->pos++;
	} else if (!strncmp(e->pos, "<choice>", 8)) {
		e->pos += 8;
		snprintf(buf, size, "y");
		*quoted = true;
		return true;
	} else {
		while (isalnum((unsigned char)*e->pos) || *e->pos == '_')
			if (len < size - 1)
				buf[len++] = *e->pos++;
			else
				e->pos++;
	}
	buf[len] = '\0';
	return len || *quoted;
}

/* Returns the tristate-as-text value of an atom: "y", "n" or a literal. */
static const char *atom_value(struct kconfig_expr *e, const char *atom, bool quoted)
{
	if (quoted || !strcmp(atom, "y") || !strcmp(atom, "n") || !strcmp(atom, "m"))
		return atom;
	if (isdigit((unsigned char)atom[0]))
		return atom;
	return e->lookup(kconfig_bare_name(atom), e->ctx) ? "y" : "n";
}

static bool eval_or(struct kconfig_expr *e);

static bool eval_primary(struct kconfig_expr *e)
{
	char left[128], right[128];
	const char *left_value;
	bool quoted, negate;

	skip_expr_space(e);
	if (*e->pos == '!' && e->pos[1] != '=') {
		e->pos++;
		return !eval_primary(e);
	}
	if (*e->pos == '(') {
		bool value;

		e->pos++;
		value = eval_or(e);
		skip_expr_space(e);
		if (*e->pos == ')')
			e->pos++;
		else
			e->invalid = true;
		return value;
	}
	if (!read_atom(e, left, sizeof(left), &quoted)) {
		e->invalid = true;
		if (*e->pos)
			e->pos++;
		return true;
	}
	left_value = atom_value(e, left, quoted);
	skip_expr_space(e);
	negate = !strncmp(e->pos, "!=", 2);
	if (!negate && *e->pos != '=')
		return strcmp(left_value, "n") != 0;

	e->pos += negate ? 2 : 1;
	if (!read_atom(e, right, sizeof(right), &quoted)) {
		e->invalid = true;
		return true;
	}
	return (strcmp(left_value, atom_value(e, right, quoted)) == 0) != negate;
}

static bool eval_and(struct kconfig_expr *e)
{
	bool value = eval_primary(e);

	for (;;) {
		skip_expr_space(e);
		if (strncmp(e->pos, "&&", 2))
			return value;
		e->pos += 2;
		value = eval_primary(e) && value;
	}
}

static bool eval_or(struct kconfig_expr *e)
{
	bool value = eval_and(e);

	for (;;) {
		skip_expr_space(e);
		if (strncmp(e->pos, "||", 2))
			return value;
		e->pos += 2;
		value = eval_and(e) || value;
	}
}

bool kconfig_eval(const char *expr, kconfig_lookup_fn lookup, void *ctx, bool *invalid)
{
	struct kconfig_expr e = { .pos = expr, .lookup = lookup, .ctx = ctx };
	bool value;

	if (!expr || !*expr)
		return true;
	value = eval_or(&e);
	skip_expr_space(&e);
	if (*e.pos)
		e.invalid = true;
	if (invalid)
		*invalid = e.invalid;
	return e.invalid ? true : value;
}

void kconfig_unmet_terms(const char *expr, kconfig_lookup_fn lookup, void *ctx,
			 json_t *terms)
{
	const char *start = expr;
	int nesting = 0;

	if (!expr)
		return;
	for (const char *p = expr;; p++) {
		if (*p == '(')
			nesting++;
		else if (*p == ')')
			nesting--;
		if (*p && (nesting || strncmp(p, "&&", 2)))
			continue;

		char term[512];
		size_t len = (size_t)(p - start);

		if (len >= sizeof(term))
			len = sizeof(term) - 1;
		memcpy(term, start, len);
		term[len] = '\0';
		trim_end(term);
		if (*skip_space(term) && !kconfig_eval(term, lookup, ctx, NULL))
			json_array_append_new(terms, json_string(skip_space(term)));
		if (!*p)
			return;
		start = p + 2;
		p++;
	}
}
