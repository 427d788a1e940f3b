// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Linker-error parsing and stub generation. Declarations are found with a
 * textual scan of headers, not a C parser: a prototype must sit in one
 * statement ending in ';', as in libc and application headers.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stubs.h"
#include "util.h"

/* Header folders are searched this deep; libc include trees need about 3. */
#define HEADER_MAX_DEPTH 4

struct declaration {
	char ret[256];		/* return type, as written */
	char params[1024];	/* parameter list, every parameter named */
	char header[PATH_MAX];
};

static void add_compile_error(json_t *errors, const char *line)
{
	char file[PATH_MAX];
	int line_no, column, consumed = 0;
	const char *message;

	if (sscanf(line, "%4095[^:]:%d:%d: %n", file, &line_no, &column, &consumed) != 3 ||
	    !consumed)
		return;
	message = line + consumed;
	if (!strncmp(message, "fatal error: ", 13))
		message += 13;
	else if (!strncmp(message, "error: ", 7))
		message += 7;
	else
		return;
	json_array_append_new(errors, json_pack("{s:s, s:i, s:i, s:s}", "file", file,
						"line", line_no, "column", column,
						"message", message));
}

void stubs_parse_log(const char *log, json_t *undefined, json_t *compile_errors)
{
	const char *line = log;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char text[4096];
		char *ref;

		if (len >= sizeof(text))
			len = sizeof(text) - 1;
		memcpy(text, line, len);
		text[len] = '\0';
		line = end ? end + 1 : NULL;

		ref = strstr(text, "undefined reference to ");
		if (ref) {
			/* GNU ld quotes `name' (older) or 'name' (binutils 2.40+). */
			char *name = ref + 23 + 1;
			size_t name_len = strcspn(name, "'`");

			name[name_len] = '\0';
			if (*name)
				json_object_set_new(undefined, name, json_true());
			continue;
		}
		if (compile_errors)
			add_compile_error(compile_errors, text);
	}
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Turns every run of blanks into one space and trims both ends, in place. */
static void collapse_spaces(char *s)
{
	char *out = s;
	bool pending = false;

	for (char *in = s; *in; in++) {
		if (isspace((unsigned char)*in)) {
			pending = out != s;
			continue;
		}
		if (pending)
			*out++ = ' ';
		pending = false;
		*out++ = *in;
	}
	*out = '\0';
}

static bool is_type_word(const char *word)
{
	static const char *const words[] = {
		"int", "char", "long", "short", "unsigned", "signed", "void", "float",
		"double", "_Bool", "const", "volatile", "restrict", "__restrict",
		"struct", "union", "enum",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(word, words[i]))
			return true;
	return false;
}

/*
 * Decides whether a parameter declaration already has a name: it ends in an
 * identifier that is not a type keyword and is not the only word (and not
 * the tag of "struct X").
 */
static bool parameter_has_name(const char *param)
{
	char words[8][64];
	int count = 0;
	const char *p = param;
	size_t len = strlen(param);

	if (strchr(param, '('))
		return true;
	while (len && (param[len - 1] == ' ' || param[len - 1] == ']' || param[len - 1] == '[')) {
		if (param[len - 1] == '[')
			return len > 1 && is_ident(param[len - 2]);
		len--;
	}
	if (!len || !is_ident(param[len - 1]))
		return false;
	while (*p && count < 8) {
		size_t n = 0;

		while (*p && !is_ident(*p))
			p++;
		while (is_ident(*p) && n < 63)
			words[count][n++] = *p++;
		words[count][n] = '\0';
		if (n)
			count++;
	}
	if (count < 2 || is_type_word(words[count - 1]))
		return false;
	return !(count == 2 && (!strcmp(words[0], "struct") || !strcmp(words[0], "union") ||
				!strcmp(words[0], "enum")));
}

/* Rewrites params so that every parameter has a name (a definition needs them). */
static void name_parameters(const char *params, char *out, size_t size)
{
	char param[256];
	size_t len = 0, used = 0;
	int nesting = 0, index = 0;

	out[0] = '\0';
	if (!strcmp(params, "void") || !*params) {
		snprintf(out, size, "void");
		return;
	}
	for (const char *p = params;; p++) {
		if (*p == '(')
			nesting++;
		else if (*p == ')')
			nesting--;
		if (*p && (*p != ',' || nesting)) {
			if (len < sizeof(param) - 1)
				param[len++] = *p;
			continue;
		}
		param[len] = '\0';
		collapse_spaces(param);
		if (used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", index ? ", " : "",
						 param);
		if (strcmp(param, "...") && !parameter_has_name(param) && used < size)
			used += (size_t)snprintf(out + used, size - used, " uniscope_arg%d", index);
		index++;
		len = 0;
		if (!*p)
			return;
	}
}

/* Takes the statement around a match of "name(" and fills decl if it declares a function. */
static bool parse_statement(const char *text, const char *match, const char *name,
			    struct declaration *decl)
{
	const char *start = match, *open, *close;
	char ret[512], params[1024];
	int nesting = 0;
	size_t len;

	while (start > text && !strchr(";}{#\n", start[-1]))
		start--;
	/* A prototype may span lines: walk back over lines that do not end a statement. */
	while (start > text + 1 && start[-1] == '\n' && !strchr(";}{/>\"", start[-2]) &&
	       start[-2] != '\n') {
		start--;
		while (start > text && !strchr(";}{#\n", start[-1]))
			start--;
	}
	len = (size_t)(match - start);
	if (len >= sizeof(ret))
		return false;
	memcpy(ret, start, len);
	ret[len] = '\0';
	collapse_spaces(ret);
	if (!strncmp(ret, "extern ", 7))
		memmove(ret, ret + 7, strlen(ret + 7) + 1);
	while (*ret == ' ')
		memmove(ret, ret + 1, strlen(ret));
	if (!*ret || strpbrk(ret, "()=#,") || strstr(ret, "typedef") || strstr(ret, "static") ||
	    strstr(ret, "return") || strstr(ret, "define"))
		return false;

	open = match + strlen(name);
	while (*open == ' ' || *open == '\t')
		open++;
	if (*open != '(')
		return false;
	for (close = open; *close; close++) {
		if (*close == '(')
			nesting++;
		else if (*close == ')' && --nesting == 0)
			break;
	}
	if (!*close || (size_t)(close - open - 1) >= sizeof(decl->params))
		return false;
	snprintf(decl->ret, sizeof(decl->ret), "%s", ret);
	len = strlen(decl->ret);
	while (len && decl->ret[len - 1] == ' ')
		decl->ret[--len] = '\0';

	len = (size_t)(close - open - 1);
	memcpy(params, open + 1, len);
	params[len] = '\0';
	collapse_spaces(params);
	name_parameters(params, decl->params, sizeof(decl->params));
	return true;
}

/* Looks for a function declaration of name in one header's text. */
static bool find_in_text(const char *text, const char *name, struct declaration *decl)
{
	size_t len = strlen(name);

	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		if ((p > text && is_ident(p[-1])) || is_ident(p[len]))
			continue;
		if (parse_statement(text, p, name, decl))
			return true;
	}
	return false;
}

static bool find_in_folder(const char *dir, const char *name, struct declaration *decl,
			   int depth)
{
	struct dirent *entry;
	DIR *folder = opendir(dir);
	bool found = false;

	if (!folder)
		return false;
	while (!found && (entry = readdir(folder))) {
		char path[PATH_MAX];
		size_t len = strlen(entry->d_name);

		if (entry->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >=
		    sizeof(path))
			continue;
		if (entry->d_type == DT_DIR && depth < HEADER_MAX_DEPTH) {
			found = find_in_folder(path, name, decl, depth + 1);
		} else if (entry->d_type == DT_REG && len > 2 &&
			   !strcmp(entry->d_name + len - 2, ".h")) {
			FILE *file = fopen(path, "r");
			char *text = NULL;
			size_t size = 0;

			if (!file)
				continue;
			if (getdelim(&text, &size, '\0', file) > 0 && strstr(text, name) &&
			    find_in_text(text, name, decl)) {
				snprintf(decl->header, sizeof(decl->header), "%s", path);
				found = true;
			}
			free(text);
			fclose(file);
		}
	}
	closedir(folder);
	return found;
}

/*
 * Appends one stub for name to out.
 * TODO: an undefined data object (a variable) also gets a function stub.
 */
static void write_stub(FILE *out, const char *name, const struct declaration *decl)
{
	const char *ret = decl ? decl->ret : "long";
	bool is_void = !strcmp(ret, "void");
	bool is_pointer = strchr(ret, '*') != NULL;

	fprintf(out, "\n%s %s(%s)\n{\n", ret, name, decl ? decl->params : "void");
	fprintf(out, "\tstatic int called;\n\n");
	fprintf(out, "\tuniscope_stub_log(\"%s\", &called);\n", name);
	fprintf(out, "\terrno = ENOSYS;\n");
	if (is_pointer)
		fprintf(out, "\treturn NULL;\n");
	else if (!is_void)
		fprintf(out, "\treturn (%s)-1;\n", ret);
	fprintf(out, "}\n");
}

int stubs_write(const char *path, json_t *symbols, json_t *header_dirs, json_t *declared)
{
	struct declaration *decls = calloc(json_object_size(symbols) + 1, sizeof(*decls));
	bool *found = calloc(json_object_size(symbols) + 1, sizeof(*found));
	char *text = NULL;
	size_t size = 0, index = 0;
	const char *name;
	json_t *value;
	FILE *out = open_memstream(&text, &size);
	json_t *included = json_object();
	int err;

	fprintf(out, "// Generated by uniscope build: stubs for symbols that no library\n"
		     "// of the image defines. Each fails with ENOSYS and logs its first call.\n"
		     "#include <errno.h>\n#include <stddef.h>\n#include <stdio.h>\n");
	json_object_foreach(symbols, name, value) {
		size_t i;
		json_t *dir;

		json_array_foreach(header_dirs, i, dir)
			if (find_in_folder(json_string_value(dir), name, &decls[index], 0)) {
				found[index] = true;
				break;
			}
		if (found[index] && !json_object_get(included, decls[index].header)) {
			json_object_set_new(included, decls[index].header, json_true());
			fprintf(out, "#include \"%s\"\n", decls[index].header);
		}
		if (found[index]) {
			if (declared)
				json_object_set_new(declared, name,
						    json_string(decls[index].header));
		}
		index++;
	}
	fprintf(out, "\nstatic void uniscope_stub_log(const char *name, int *called)\n{\n"
		     "\tif (*called)\n\t\treturn;\n\t*called = 1;\n"
		     "\tfprintf(stderr, \"uniscope stub: %%s() is not implemented, "
		     "returning ENOSYS\\n\", name);\n}\n");
	index = 0;
	json_object_foreach(symbols, name, value) {
		write_stub(out, name, found[index] ? &decls[index] : NULL);
		index++;
	}
	fclose(out);
	err = write_file_atomic(path, text, size);
	free(text);
	json_decref(included);
	free(decls);
	free(found);
	return err;
}
