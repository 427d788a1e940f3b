// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The matcher. It picks the C library first, because the choice is
 * exclusive, and adds the providers of well-known shared libraries. Then a
 * greedy weighted set cover runs over the remaining libraries. Each round
 * takes the library that covers the most still-uncovered symbols and system
 * calls per unit of cost. The cost grows with the libraries its Kconfig
 * selects pull in and with build-time downloads. The chosen set is closed
 * under Kconfig select, imply and "depends on" after every round.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconfig.h"
#include "log.h"
#include "match.h"
#include "util.h"

/* Weights of the set-cover cost, in units of "one more library chosen". */
#define COST_PER_PULLED_LIBRARY 0.25
#define COST_OF_DOWNLOAD 2.0

/* Maximum count of names a "why" text lists before "and N more". */
#define WHY_MAX_NAMES 6

struct libc_choice {
	const char *name;
	const char *option;
};

static const struct libc_choice libc_choices[] = {
	{ "nolibc", "LIBNOLIBC" },
	{ "musl", "LIBMUSL" },
	{ "newlib", "LIBNEWLIBC" },
};

/*
 * Well-known shared libraries, matched by soname prefix, and the Unikraft
 * library that provides each one. A NULL provider means the C library itself
 * provides it, "" means nothing is needed.
 */
struct shared_lib_rule {
	const char *prefix;
	const char *with_musl;		/* provider when the libc is musl */
	const char *with_other;		/* provider with nolibc or newlib */
	const char *repository;		/* where the provider lives outside the core */
	const char *why;
};

static const struct shared_lib_rule shared_lib_rules[] = {
	{ "libc.so", NULL, NULL, NULL,
	  "the C library itself: covered by the exclusive libc choice" },
	{ "ld-linux", "", "", NULL,
	  "the dynamic loader: a unikernel image is linked statically, so none is needed" },
	{ "libpthread.so", NULL, "LIBPTHREAD_EMBEDDED", "unikraft/lib-pthread-embedded",
	  "POSIX threads: musl implements them itself on posix-process clone and "
	  "posix-futex; with nolibc or newlib, lib-pthread-embedded maps them onto "
	  "uksched threads" },
	{ "libm.so", NULL, "LIBNEWLIBM", "unikraft/lib-newlib",
	  "the math library: part of musl; newlib builds it as libnewlibm; nolibc has "
	  "none, so math symbols stay uncovered there" },
	{ "libdl.so", "LIBPOSIX_LIBDL", "LIBPOSIX_LIBDL", NULL,
	  "dlopen and dlsym: posix-libdl provides the interface; the image is static, "
	  "so nothing can be loaded at run time" },
	{ "librt.so", "LIBPOSIX_TIME", "LIBPOSIX_TIME", NULL,
	  "POSIX clocks and timers (clock_*, timer_*): posix-time implements them" },
	{ "libz.so", "LIBZLIB", "LIBZLIB", "unikraft/lib-zlib",
	  "zlib compression: ported as the external library lib-zlib" },
	{ "libssl.so", "LIBSSL", "LIBSSL", "unikraft/lib-openssl",
	  "OpenSSL TLS: ported as the external library lib-openssl (option LIBSSL)" },
	{ "libcrypto.so", "LIBCRYPTO", "LIBCRYPTO", "unikraft/lib-openssl",
	  "OpenSSL crypto: ported as the external library lib-openssl (option LIBCRYPTO)" },
	{ "libsqlite3.so", "LIBSQLITE", "LIBSQLITE", "unikraft/lib-sqlite",
	  "SQLite: ported as the external library lib-sqlite" },
};

/*
 * Options that an enabled option is of little use without, although Kconfig
 * does not select them: libraries, or sub-options of one.
 */
struct companion_rule {
	const char *option;
	const char *companion;
	const char *why;
};

static const struct companion_rule companion_rules[] = {
	{ "LIBPOSIX_SOCKET", "LIBLWIP",
	  "posix-socket only dispatches to address-family drivers; lwip registers "
	  "AF_INET and AF_INET6 and is the network stack of the Unikraft pool" },
	{ "LIBVFSCORE", "LIBRAMFS",
	  "vfscore needs a root file system to open files in; ramfs keeps one in memory" },
	{ "LIBPOSIX_PROCESS_PIDS", "LIBPOSIX_PROCESS_INIT_PIDS",
	  "without a PID assigned at boot, getpid() in main fails with ENOTSUP" },
};

struct matcher {
	struct pool *pool;
	const struct report *report;
	const struct match_options *options;
	json_t *requested;	/* option -> {"reason", "why"}, in order of choice */
	json_t *enabled;	/* closure: Kconfig symbol -> {"by", "how"} */
	json_t *covered_symbols;
	json_t *covered_syscalls;
	json_t *shared_libs;	/* array of results of the shared-library table */
	json_t *libc_candidates;
	const char *libc_option;
	bool libc_is_nolibc;
};

static void add_names(json_t *set, json_t *source)
{
	const char *name;
	json_t *value;
	size_t i;

	if (json_is_object(source)) {
		json_object_foreach(source, name, value) {
			char bare[256];

			/* "memcpy@GLIBC_2.14" -> "memcpy" */
			snprintf(bare, sizeof(bare), "%s", name);
			bare[strcspn(bare, "@")] = '\0';
			if (*bare && !json_object_get(set, bare))
				json_object_set_new(set, bare, json_is_string(value) ?
						    json_copy(value) : json_string(""));
		}
	} else if (json_is_array(source)) {
		json_array_foreach(source, i, value)
			if (json_is_string(value))
				json_object_set_new(set, json_string_value(value), json_string(""));
	}
}

static void add_shared_libs(json_t *set, json_t *shared_libs)
{
	const char *name;
	json_t *needed, *value;
	size_t i;

	if (json_is_array(shared_libs)) {
		add_names(set, shared_libs);
		return;
	}
	json_object_foreach(shared_libs, name, needed) {
		json_object_set_new(set, name, json_true());
		json_array_foreach(needed, i, value)
			if (json_is_string(value))
				json_object_set_new(set, json_string_value(value), json_true());
	}
}

int report_load(struct report *report, const char *path)
{
	static const char *const sections[] = { "static_data", "dynamic_data" };
	json_error_t error;
	json_t *root = json_load_file(path, 0, &error);
	int found = 0;

	memset(report, 0, sizeof(*report));
	if (!root) {
		p_err("cannot read report %s: %s (line %d)", path, error.text, error.line);
		return -1;
	}
	report->symbols = json_object();
	report->syscalls = json_object();
	report->shared_libs = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		json_t *section = json_object_get(root, sections[i]);

		if (!json_is_object(section))
			continue;
		found++;
		add_names(report->symbols, json_object_get(section, "symbols"));
		add_names(report->syscalls, json_object_get(section, "system_calls"));
		add_shared_libs(report->shared_libs, json_object_get(section, "shared_libs"));
	}
	json_decref(root);
	if (!found) {
		p_err("%s has neither \"static_data\" nor \"dynamic_data\": is it a report "
		      "written by 'uniscope deps'?", path);
		report_free(report);
		return -1;
	}
	return 0;
}

void report_free(struct report *report)
{
	json_decref(report->symbols);
	json_decref(report->syscalls);
	json_decref(report->shared_libs);
	memset(report, 0, sizeof(*report));
}

static bool is_libc_option(const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(libc_choices); i++)
		if (!strcmp(libc_choices[i].option, option))
			return true;
	return !strcmp(option, "LIBNEWLIBM");
}

/*
 * Adds to symbols and syscalls the report's needs that the libraries built
 * for option provide. With nolibc, a library that implements a system call
 * also defines the libc-style function of that name, so it covers the
 * symbol too. musl and newlib define those functions themselves.
 */
static int option_covers(struct matcher *m, const char *option, json_t *symbols,
			 json_t *syscalls)
{
	int count = 0;

	for (size_t i = 0; i < m->pool->count; i++) {
		struct pool_lib *lib = &m->pool->libs[i];
		const char *name;
		json_t *value;

		if (!lib->option || strcmp(lib->option, option))
			continue;
		json_object_foreach(m->report->symbols, name, value) {
			if (!json_object_get(lib->symbols, name) &&
			    !(m->libc_is_nolibc && json_object_get(lib->syscalls, name)))
				continue;
			if (!symbols || !json_object_get(symbols, name))
				count++;
			if (symbols)
				json_object_set_new(symbols, name, json_string(option));
		}
		json_object_foreach(m->report->syscalls, name, value) {
			if (!json_object_get(lib->syscalls, name))
				continue;
			if (!syscalls || !json_object_get(syscalls, name))
				count++;
			if (syscalls)
				json_object_set_new(syscalls, name, json_string(option));
		}
	}
	return count;
}

/* Counts the needs option covers that are not covered yet. */
static int count_new_coverage(struct matcher *m, const char *option)
{
	json_t *symbols = json_deep_copy(m->covered_symbols);
	json_t *syscalls = json_deep_copy(m->covered_syscalls);
	size_t before = json_object_size(symbols) + json_object_size(syscalls);

	option_covers(m, option, symbols, syscalls);
	before = json_object_size(symbols) + json_object_size(syscalls) - before;
	json_decref(symbols);
	json_decref(syscalls);
	return (int)before;
}

static bool lookup_enabled(const char *name, void *ctx)
{
	return json_object_get(ctx, name) != NULL;
}

static void enable(json_t *enabled, const char *symbol, const char *by, const char *how)
{
	if (json_object_get(enabled, symbol))
		return;
	json_object_set_new(enabled, symbol, by ?
			    json_pack("{s:s, s:s}", "by", by, "how", how) :
			    json_pack("{s:s}", "how", how));
}

/* Returns the Kconfig attributes of symbol, from Config.uk data or the library. */
static json_t *symbol_attributes(struct matcher *m, const char *symbol, json_t *scratch)
{
	json_t *attributes = json_object_get(m->pool->kconfig, symbol);
	struct pool_lib *lib;

	if (attributes)
		return attributes;
	lib = pool_find_by_option(m->pool, symbol);
	if (!lib)
		return NULL;
	json_object_set(scratch, "selects", lib->selects);
	json_object_set(scratch, "implies", lib->implies);
	json_object_set_new(scratch, "depends_on", lib->depends_on ?
			    json_string(lib->depends_on) : json_null());
	return scratch;
}

/* Enables each plain symbol of depends_on's top-level && terms that is a library. */
static void enable_required_libraries(struct matcher *m, json_t *enabled, const char *by,
				      const char *depends_on)
{
	char term[128];
	size_t len = 0;
	int nesting = 0;

	for (const char *p = depends_on;; p++) {
		bool plain = len < sizeof(term) - 1 &&
			     (isalnum((unsigned char)*p) || *p == '_');

		if (*p == '(')
			nesting++;
		else if (*p == ')')
			nesting--;
		if (plain) {
			term[len++] = *p;
			continue;
		}
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p && strncmp(p, "&&", 2)) {
			len = sizeof(term);	/* not a plain term: skip it */
			continue;
		}
		if (len && len < sizeof(term) && !nesting) {
			term[len] = '\0';
			if (pool_find_by_option(m->pool, term))
				enable(enabled, term, by, "depends on");
		}
		if (!*p)
			return;
		len = 0;
		p++;
	}
}

/* Applies the selects, implies and library dependencies of one enabled symbol. */
static void expand_symbol(struct matcher *m, json_t *enabled, const char *symbol)
{
	json_t *scratch = json_object();
	json_t *attributes = symbol_attributes(m, symbol, scratch);
	json_t *dep;
	size_t i;

	if (!attributes) {
		json_decref(scratch);
		return;
	}
	json_array_foreach(json_object_get(attributes, "selects"), i, dep) {
		const char *cond = json_string_value(json_object_get(dep, "if"));
		const char *target = json_string_value(json_object_get(dep, "symbol"));

		if (target && kconfig_eval(cond, lookup_enabled, enabled, NULL))
			enable(enabled, kconfig_bare_name(target), symbol, "select");
	}
	json_array_foreach(json_object_get(attributes, "implies"), i, dep) {
		const char *cond = json_string_value(json_object_get(dep, "if"));
		const char *target = json_string_value(json_object_get(dep, "symbol"));
		json_t *target_attributes = target ?
			json_object_get(m->pool->kconfig, kconfig_bare_name(target)) : NULL;
		const char *target_depends = json_string_value(
			json_object_get(target_attributes, "depends_on"));

		if (target && kconfig_eval(cond, lookup_enabled, enabled, NULL) &&
		    kconfig_eval(target_depends, lookup_enabled, enabled, NULL))
			enable(enabled, kconfig_bare_name(target), symbol, "imply");
	}
	if (json_is_string(json_object_get(attributes, "depends_on")))
		enable_required_libraries(m, enabled, symbol,
			json_string_value(json_object_get(attributes, "depends_on")));
	json_decref(scratch);
}

/*
 * Closes the requested options (plus extra, if not NULL) under Kconfig:
 * repeats expand_symbol() over every enabled symbol until nothing changes.
 * The libc comes first in requested, so "if !HAVE_LIBC" conditions see it.
 */
static json_t *close_options(struct matcher *m, const char *extra)
{
	json_t *enabled = json_object();
	const char *option;
	json_t *value;
	size_t before;

	enable(enabled, m->options->arch, NULL, "target");
	json_object_foreach(m->requested, option, value)
		enable(enabled, option, NULL, "requested");
	if (extra)
		enable(enabled, extra, NULL, "requested");
	enable(enabled, m->options->platform, NULL, "target");

	do {
		json_t *names = json_array();
		json_t *name;
		size_t i;

		before = json_object_size(enabled);
		json_object_foreach(enabled, option, value)
			json_array_append_new(names, json_string(option));
		json_array_foreach(names, i, name)
			expand_symbol(m, enabled, json_string_value(name));
		json_decref(names);
	} while (json_object_size(enabled) != before);
	return enabled;
}

/* Returns true if every enabled library's "depends on" is true in enabled. */
static bool dependencies_hold(struct matcher *m, json_t *enabled)
{
	for (size_t i = 0; i < m->pool->count; i++) {
		struct pool_lib *lib = &m->pool->libs[i];

		if (lib->option && json_object_get(enabled, lib->option) &&
		    !kconfig_eval(lib->depends_on, lookup_enabled, enabled, NULL))
			return false;
	}
	return true;
}

static int count_new_libraries(struct matcher *m, json_t *enabled)
{
	const char *option;
	json_t *value;
	int count = 0;

	json_object_foreach(enabled, option, value)
		if (!json_object_get(m->enabled, option) && pool_find_by_option(m->pool, option))
			count++;
	return count;
}

/* Recomputes the closure and what it covers after a change of the requested set. */
static void refresh_closure(struct matcher *m)
{
	const char *option;
	json_t *value;

	json_decref(m->enabled);
	m->enabled = close_options(m, NULL);
	json_object_clear(m->covered_symbols);
	json_object_clear(m->covered_syscalls);
	json_object_foreach(m->enabled, option, value)
		option_covers(m, option, m->covered_symbols, m->covered_syscalls);
}

static void request(struct matcher *m, const char *option, const char *reason,
		    const char *why)
{
	json_object_set_new(m->requested, option,
			    json_pack("{s:s, s:s}", "reason", reason, "why", why));
	refresh_closure(m);
}

/* Picks the libc: the forced one, or the one whose symbol set covers the most. */
static int choose_libc(struct matcher *m)
{
	const struct libc_choice *best = NULL;
	int best_count = -1;
	char why[256];

	for (size_t i = 0; i < ARRAY_SIZE(libc_choices); i++) {
		const struct libc_choice *choice = &libc_choices[i];
		struct pool_lib *lib = pool_find_by_option(m->pool, choice->option);
		bool forced = strcmp(m->options->libc, "auto") != 0;
		int count;

		if (!lib)
			continue;
		m->libc_is_nolibc = !strcmp(choice->name, "nolibc");
		count = option_covers(m, choice->option, NULL, NULL);
		json_array_append_new(m->libc_candidates, json_pack("{s:s, s:s, s:b, s:i}",
			"libc", choice->name, "option", choice->option,
			"symbol_data", lib->has_symbol_data, "covers", count));
		if (forced && !strcmp(m->options->libc, choice->name)) {
			best = choice;
			best_count = count;
		} else if (!forced && lib->has_symbol_data && count > best_count) {
			best = choice;
			best_count = count;
		}
	}
	if (!best && !strcmp(m->options->libc, "auto")) {
		p_err("no C library with a known symbol set in the pool: add the core (nolibc) "
		      "with --pool, give --symbols for musl or newlib, or choose one with --libc");
		return -1;
	}
	if (!best) {
		p_err("C library '%s' not found in the pool: add the core (nolibc) or the "
		      "external library (musl, newlib) with --pool or --git", m->options->libc);
		return -1;
	}

	m->libc_option = best->option;
	m->libc_is_nolibc = !strcmp(best->name, "nolibc");
	if (strcmp(m->options->libc, "auto"))
		snprintf(why, sizeof(why), "C library %s, requested with --libc", best->name);
	else
		snprintf(why, sizeof(why), "C library %s: its symbol set covers %d of the "
			 "report's needs, the most of the libcs with symbol data", best->name,
			 best_count);
	request(m, best->option, "libc", why);
	return 0;
}

static const struct shared_lib_rule *find_shared_lib_rule(const char *soname)
{
	for (size_t i = 0; i < ARRAY_SIZE(shared_lib_rules); i++) {
		const char *prefix = shared_lib_rules[i].prefix;

		if (!strncmp(soname, prefix, strlen(prefix)))
			return &shared_lib_rules[i];
	}
	return NULL;
}

/* Maps each shared library of the report through the table. */
static void map_shared_libraries(struct matcher *m)
{
	const char *soname;
	json_t *value;

	json_object_foreach(m->report->shared_libs, soname, value) {
		const struct shared_lib_rule *rule = find_shared_lib_rule(soname);
		bool musl = !strcmp(m->libc_option, "LIBMUSL");
		const char *provider;
		json_t *entry = json_pack("{s:s}", "name", soname);

		json_array_append_new(m->shared_libs, entry);
		if (!rule) {
			json_object_set_new(entry, "why", json_string(
				"not in the table of well-known libraries: its symbols are "
				"matched one by one"));
			continue;
		}
		provider = musl ? rule->with_musl : rule->with_other;
		json_object_set_new(entry, "why", json_string(rule->why));
		if (!provider || !*provider) {
			json_object_set_new(entry, "provider", provider ? json_null() :
					    json_string(m->libc_option));
			continue;
		}
		json_object_set_new(entry, "provider", json_string(provider));
		json_object_set_new(entry, "in_pool",
				    json_boolean(pool_find_by_option(m->pool, provider)));
		if (rule->repository)
			json_object_set_new(entry, "repository", json_string(rule->repository));
		if (!pool_find_by_option(m->pool, provider)) {
			p_warn("%s needs %s from %s, which is not in the pool: add it with "
			       "--pool or --git", soname, provider,
			       rule->repository ? rule->repository : "the core");
			continue;
		}
		if (!json_object_get(m->requested, provider)) {
			char why[512];

			snprintf(why, sizeof(why), "provides %s: %s", soname, rule->why);
			request(m, provider, "shared library", why);
		}
	}
}

/* Returns the cost of adding option and whether adding it keeps the set valid. */
static bool candidate_cost(struct matcher *m, struct pool_lib *lib, double *cost)
{
	json_t *enabled = close_options(m, lib->option);
	bool valid = dependencies_hold(m, enabled);

	*cost = 1.0 + COST_PER_PULLED_LIBRARY * (count_new_libraries(m, enabled) - 1) +
		(lib->downloads ? COST_OF_DOWNLOAD : 0.0);
	json_decref(enabled);
	return valid;
}

/* Describes what option newly covers: "covers 3 needs: socket, bind, listen". */
static void describe_gain(struct matcher *m, const char *option, char *buf, size_t size)
{
	json_t *symbols = json_object(), *syscalls = json_object();
	const char *name;
	json_t *value;
	size_t len, listed = 0, total = 0;

	option_covers(m, option, symbols, syscalls);
	len = (size_t)snprintf(buf, size, "covers");
	json_object_foreach(symbols, name, value) {
		if (json_object_get(m->covered_symbols, name))
			continue;
		if (listed++ < WHY_MAX_NAMES && len < size)
			len += (size_t)snprintf(buf + len, size - len, " %s()", name);
		total++;
	}
	json_object_foreach(syscalls, name, value) {
		if (json_object_get(m->covered_syscalls, name))
			continue;
		if (listed++ < WHY_MAX_NAMES && len < size)
			len += (size_t)snprintf(buf + len, size - len, " sys_%s", name);
		total++;
	}
	if (total > WHY_MAX_NAMES && len < size)
		snprintf(buf + len, size - len, " and %zu more", total - WHY_MAX_NAMES);
	if (len < size)
		snprintf(buf + strlen(buf), size - strlen(buf),
			 " (%zu needs nothing chosen before covers)", total);
	json_decref(symbols);
	json_decref(syscalls);
}

/* The greedy weighted set cover over the libraries not yet enabled. */
static void cover_greedily(struct matcher *m)
{
	for (;;) {
		struct pool_lib *best = NULL;
		double best_ratio = 0.0, best_cost = 0.0;
		char why[1024];

		for (size_t i = 0; i < m->pool->count; i++) {
			struct pool_lib *lib = &m->pool->libs[i];
			double cost, ratio;
			int gain;

			if (!lib->option || is_libc_option(lib->option) ||
			    json_object_get(m->enabled, lib->option))
				continue;
			gain = count_new_coverage(m, lib->option);
			if (!gain || !candidate_cost(m, lib, &cost))
				continue;
			ratio = gain / cost;
			if (ratio > best_ratio || (ratio == best_ratio && cost < best_cost)) {
				best = lib;
				best_ratio = ratio;
				best_cost = cost;
			}
		}
		if (!best)
			return;
		describe_gain(m, best->option, why, sizeof(why));
		p_debug("cover: %s (ratio %.2f, cost %.2f): %s", best->option, best_ratio,
			best_cost, why);
		request(m, best->option, "covers", why);
	}
}

/* Adds the companions of enabled options that the pool has. */
static void add_companions(struct matcher *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(companion_rules); i++) {
		const struct companion_rule *rule = &companion_rules[i];

		if (!json_object_get(m->enabled, rule->option) ||
		    json_object_get(m->enabled, rule->companion))
			continue;
		if (!pool_find_by_option(m->pool, rule->companion) &&
		    !json_object_get(m->pool->kconfig, rule->companion)) {
			p_warn("CONFIG_%s is chosen but CONFIG_%s, which it needs at run time, is "
			       "not in the pool: add it with --pool or --git", rule->option,
			       rule->companion);
			continue;
		}
		request(m, rule->companion, "companion", rule->why);
	}
}

/*
 * Requests the sub-options that enable covered system calls: lib/posix-process
 * implements getpid only with CONFIG_LIBPOSIX_PROCESS_PIDS, for example.
 */
static void add_syscall_options(struct matcher *m)
{
	json_t *wanted = json_object();
	const char *name, *option;
	json_t *value;

	for (size_t i = 0; i < m->pool->count; i++) {
		struct pool_lib *lib = &m->pool->libs[i];

		if (!lib->option || !json_object_get(m->enabled, lib->option))
			continue;
		json_object_foreach(m->report->syscalls, name, value) {
			const char *needed =
				json_string_value(json_object_get(lib->syscalls, name));

			if (needed && strcmp(needed, lib->option) &&
			    !json_object_get(m->enabled, needed))
				json_object_set_new(wanted, needed, json_string(name));
		}
	}
	json_object_foreach(wanted, option, value) {
		char why[256];

		snprintf(why, sizeof(why), "enables sys_%s", json_string_value(value));
		request(m, option, "sub-option", why);
	}
	json_decref(wanted);
}

/* Says why a library that was not requested is in the set. */
static json_t *dependency_reason(struct matcher *m, const char *option)
{
	json_t *state = json_object_get(m->enabled, option);
	const char *how = json_string_value(json_object_get(state, "how"));
	const char *by = json_string_value(json_object_get(state, "by"));
	char why[256];

	if (!strcmp(how, "target")) {
		snprintf(why, sizeof(why), "the target platform or architecture");
		return json_pack("{s:s, s:s}", "reason", "platform", "why", why);
	}
	snprintf(why, sizeof(why), "%s %s%s", !strcmp(how, "select") ? "selected by" :
		 !strcmp(how, "imply") ? "implied by" : "required (depends on) by",
		 by ? "CONFIG_" : "", by ? by : "");
	return json_pack("{s:s, s:s, s:s?}", "reason", "dependency", "why", why, "by", by);
}

static json_t *sorted_keys(json_t *set)
{
	json_t *keys = json_array();
	const char *name;
	json_t *value;

	json_object_foreach(set, name, value)
		json_array_append_new(keys, json_string(name));
	return keys;
}

static json_t *library_entry(struct matcher *m, struct pool_lib *lib)
{
	json_t *symbols = json_object(), *syscalls = json_object();
	json_t *requested = json_object_get(m->requested, lib->option);
	json_t *reason;
	json_t *entry = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}",
		"dir", lib->dir, "library", lib->make_name, "option", lib->option,
		"origin", lib->origin, "external", lib->external,
		"downloads_sources", lib->downloads, "symbol_data", lib->has_symbol_data);

	if (lib->path)
		json_object_set_new(entry, "path", json_string(lib->path));
	reason = requested ? json_incref(requested) : dependency_reason(m, lib->option);
	json_object_update(entry, reason);
	json_decref(reason);
	option_covers(m, lib->option, symbols, syscalls);
	json_object_set_new(entry, "symbols", sorted_keys(symbols));
	json_object_set_new(entry, "syscalls", sorted_keys(syscalls));
	json_decref(symbols);
	json_decref(syscalls);
	return entry;
}

static json_t *uncovered(json_t *needs, json_t *covered)
{
	json_t *names = json_array();
	const char *name;
	json_t *value;

	json_object_foreach(needs, name, value)
		if (!json_object_get(covered, name))
			json_array_append_new(names, json_string(name));
	return names;
}

/* Options the defconfig must set: requested ones and libraries required by "depends on". */
static json_t *requested_options(struct matcher *m)
{
	json_t *options = json_array();
	const char *option;
	json_t *state;

	json_object_foreach(m->enabled, option, state) {
		const char *how = json_string_value(json_object_get(state, "how"));

		if (!strcmp(how, "requested") || !strcmp(how, "depends on"))
			json_array_append_new(options, json_string(option));
	}
	return options;
}

/* True if an earlier library has the same folder and option (libmusl, libmuslglue). */
static bool listed_before(struct pool *pool, size_t index)
{
	struct pool_lib *lib = &pool->libs[index];

	for (size_t i = 0; i < index; i++)
		if (pool->libs[i].option && !strcmp(pool->libs[i].option, lib->option) &&
		    !strcmp(pool->libs[i].dir, lib->dir))
			return true;
	return false;
}

static int compare_scores(const void *a, const void *b)
{
	json_int_t left = json_integer_value(json_object_get(*(json_t *const *)a, "covers"));
	json_int_t right = json_integer_value(json_object_get(*(json_t *const *)b, "covers"));

	return left < right ? 1 : left > right ? -1 : 0;
}

/*
 * Scores every library option of the pool by the report's needs it covers
 * on its own, best first, so a reader can see what the cover passed over.
 */
static json_t *library_scores(struct matcher *m)
{
	json_t **entries = calloc(m->pool->count + 1, sizeof(*entries));
	json_t *scores = json_array();
	size_t count = 0;

	for (size_t i = 0; i < m->pool->count; i++) {
		struct pool_lib *lib = &m->pool->libs[i];
		int covers;

		if (!lib->option || pool_find_by_option(m->pool, lib->option) != lib)
			continue;
		covers = option_covers(m, lib->option, NULL, NULL);
		if (covers)
			entries[count++] = json_pack("{s:s, s:s, s:i, s:b}", "option", lib->option,
						     "dir", lib->dir, "covers", covers, "chosen",
						     json_object_get(m->enabled, lib->option) != NULL);
	}
	qsort(entries, count, sizeof(*entries), compare_scores);
	for (size_t i = 0; i < count; i++)
		json_array_append_new(scores, entries[i]);
	free(entries);
	return scores;
}

static json_t *assemble_result(struct matcher *m)
{
	size_t needs = json_object_size(m->report->symbols) + json_object_size(m->report->syscalls);
	size_t covered = json_object_size(m->covered_symbols) +
			 json_object_size(m->covered_syscalls);
	json_t *libraries = json_array();
	const char *libc_name = "";

	for (size_t i = 0; i < ARRAY_SIZE(libc_choices); i++)
		if (!strcmp(libc_choices[i].option, m->libc_option))
			libc_name = libc_choices[i].name;
	for (size_t i = 0; i < m->pool->count; i++) {
		struct pool_lib *lib = &m->pool->libs[i];

		if (lib->option && json_object_get(m->enabled, lib->option) &&
		    !listed_before(m->pool, i))
			json_array_append_new(libraries, library_entry(m, lib));
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:o, s:o}, s:{s:I, s:I, s:I, s:I, s:f},"
			 " s:o, s:o, s:o}",
		"libc", libc_name, "platform", m->options->platform, "arch", m->options->arch,
		"libraries", libraries, "libc_candidates", json_incref(m->libc_candidates),
		"uncovered",
		"symbols", uncovered(m->report->symbols, m->covered_symbols),
		"syscalls", uncovered(m->report->syscalls, m->covered_syscalls),
		"coverage",
		"symbols_covered", (json_int_t)json_object_size(m->covered_symbols),
		"symbols_total", (json_int_t)json_object_size(m->report->symbols),
		"syscalls_covered", (json_int_t)json_object_size(m->covered_syscalls),
		"syscalls_total", (json_int_t)json_object_size(m->report->syscalls),
		"share", needs ? (double)covered / (double)needs : 1.0,
		"shared_libraries", json_incref(m->shared_libs),
		"requested_options", requested_options(m),
		"scores", library_scores(m));
}

json_t *match_run(struct pool *pool, const struct report *report,
		  const struct match_options *options)
{
	struct matcher m = {
		.pool = pool,
		.report = report,
		.options = options,
		.requested = json_object(),
		.enabled = json_object(),
		.covered_symbols = json_object(),
		.covered_syscalls = json_object(),
		.shared_libs = json_array(),
		.libc_candidates = json_array(),
	};
	json_t *result = NULL;

	if (!pool->count) {
		p_err("the pool is empty: give --pool with a workspace or pool JSON data");
		goto out;
	}
	if (choose_libc(&m))
		goto out;
	map_shared_libraries(&m);
	cover_greedily(&m);
	add_syscall_options(&m);
	add_companions(&m);
	result = assemble_result(&m);
out:
	json_decref(m.requested);
	json_decref(m.enabled);
	json_decref(m.covered_symbols);
	json_decref(m.covered_syscalls);
	json_decref(m.shared_libs);
	json_decref(m.libc_candidates);
	return result;
}
