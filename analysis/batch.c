// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Batch analysis. Workers are forked processes, so the loader cache and
 * the dpkg database read once are shared copy-on-write, and a program that
 * crashes an analysis cannot take the batch down.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch.h"
#include "dpkg.h"
#include "graph.h"
#include "log.h"
#include "syscall_sites.h"
#include "util.h"

struct program_list {
	char **programs;	/* as given: paths or names */
	char **reports;		/* report file of each program */
	size_t count;
};

static int append_program(struct program_list *list, const char *program)
{
	char **grown = realloc(list->programs, (list->count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	list->programs = grown;
	list->programs[list->count] = strdup(program);
	if (!list->programs[list->count])
		return -1;
	list->count++;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lists the regular files of dir, sorted. Symbolic links are skipped: they
 * name files listed under their own name, or files outside dir.
 */
static int list_directory(const char *dir, struct program_list *list)
{
	struct dirent *entry;
	DIR *stream;
	int err = 0;

	stream = opendir(dir);
	if (!stream) {
		log_errno(LOG_ERROR, errno, "cannot read the batch directory '%s'", dir);
		return -1;
	}
	while (!err && (entry = readdir(stream))) {
		char path[PATH_MAX];
		struct stat st;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		if (lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		err = append_program(list, path);
	}
	closedir(stream);
	if (err)
		p_err("out of memory listing '%s'", dir);
	qsort(list->programs, list->count, sizeof(char *), compare_strings);
	return err;
}

/*
 * Reads one program a line. Blank lines, lines of spaces and tabs, and
 * lines whose first other character is '#' are skipped.
 */
static int list_file(const char *path, struct program_list *list)
{
	char line[PATH_MAX], *first;
	FILE *file;
	int err = 0;

	file = fopen(path, "re");
	if (!file) {
		log_errno(LOG_ERROR, errno, "cannot read the batch list '%s'", path);
		return -1;
	}
	while (!err && fgets(line, sizeof(line), file)) {
		line[strcspn(line, "\r\n")] = '\0';
		first = line + strspn(line, " \t");
		if (!*first || *first == '#')
			continue;
		err = append_program(list, line);
	}
	fclose(file);
	return err;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Sets report i to OUTPUT_DIR/STEM.json and adds STEM to used_stems. */
static int set_report(struct program_list *list, size_t i, const char *output_dir,
		      const char *stem, json_t *used_stems)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.json", output_dir, stem);
	list->reports[i] = strdup(path);
	if (!list->reports[i])
		return -1;
	return json_object_set_new(used_stems, stem, json_true());
}

/*
 * Names each report after its program's file name. The first program of
 * each name gets NAME.json, then the others NAME.2.json, NAME.3.json...
 * skipping names that programs have, so that no two reports share a file
 * (a program called "tool.2" keeps tool.2.json from a second "tool").
 */
static int name_reports(const char *output_dir, struct program_list *list)
{
	json_t *used_stems = json_object();
	char stem[PATH_MAX];
	size_t i, n;
	int err = 0;

	list->reports = calloc(list->count ? list->count : 1, sizeof(char *));
	if (!used_stems || !list->reports) {
		json_decref(used_stems);
		return -1;
	}
	for (i = 0; !err && i < list->count; i++) {
		const char *base = base_name(list->programs[i]);

		if (!json_object_get(used_stems, base))
			err = set_report(list, i, output_dir, base, used_stems);
	}
	for (i = 0; !err && i < list->count; i++) {
		const char *base = base_name(list->programs[i]);

		if (list->reports[i])
			continue;
		for (n = 2;; n++) {
			snprintf(stem, sizeof(stem), "%s.%zu", base, n);
			if (!json_object_get(used_stems, stem))
				break;
		}
		err = set_report(list, i, output_dir, stem, used_stems);
	}
	json_decref(used_stems);
	return err ? -1 : 0;
}

static void free_list(struct program_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->programs[i]);
		if (list->reports)
			free(list->reports[i]);
	}
	free(list->programs);
	free(list->reports);
}

static void analyse_in_worker(const struct program_list *list, size_t i,
			      const struct batch_options *batch,
			      const struct static_options *options,
			      const struct static_context *context)
{
	char error[1024];
	json_t *report;
	int err;

	p_info("analysing '%s'", list->programs[i]);
	report = static_analysis(list->programs[i], options, context, error, sizeof(error));
	if (!report) {
		p_warn("%s", error);
		report = json_pack("{s:{s:s}, s:s}", "program", "requested",
				   list->programs[i], "error", error);
	} else if (batch->graphs_dir) {
		write_graphs(report, batch->graphs_dir);
	}
	err = json_write_atomic(list->reports[i], report);
	if (err)
		log_errno(LOG_ERROR, -err, "cannot write '%s'", list->reports[i]);
	json_decref(report);
}

/*
 * Forks the workers. Each takes the next program from a counter they share,
 * so that one slow program (a first analysis of a large library) does not
 * leave the other workers idle at the end. Without the shared page, worker k
 * takes programs k, k + jobs, k + 2 * jobs...
 */
static int run_workers(const struct program_list *list, const struct batch_options *batch,
		       const struct static_options *options,
		       const struct static_context *context)
{
	size_t *next = mmap(NULL, sizeof(*next), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long worker, started = 0;
	pid_t pid, parent = getpid();
	int status, failed = 0;

	if (next == MAP_FAILED)
		next = NULL;
	else
		*next = 0;
	fflush(NULL);
	for (worker = 0; worker < batch->jobs && worker < list->count; worker++) {
		pid = fork();
		if (pid < 0) {
			log_errno(LOG_ERROR, errno, "cannot start batch worker %lu", worker);
			failed = 1;
			break;
		}
		if (pid == 0) {
			size_t i;

			/* A worker whose parent was killed stops too. */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(1);
			/* The workers already keep the CPUs busy. */
			if (batch->jobs > 1)
				syscall_scan_set_threads(1);
			while (next && (i = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED)) < list->count)
				analyse_in_worker(list, i, batch, options, context);
			for (i = worker; !next && i < list->count; i += batch->jobs)
				analyse_in_worker(list, i, batch, options, context);
			fflush(NULL);
			_exit(0);
		}
		started++;
	}
	while (started && (pid = wait(&status)) > 0) {
		started--;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			p_err("batch worker %d died (status 0x%x): reports of its programs may be missing",
			      (int)pid, status);
			failed = 1;
		}
	}
	if (next)
		munmap(next, sizeof(*next));
	return failed ? -1 : 0;
}

struct usage {
	json_t *libraries;	/* name -> number of programs */
	json_t *syscalls;
	json_t *symbols;
	size_t analysed;
	size_t failed;
	size_t threads;		/* programs that create threads */
	size_t forks;		/* programs that fork */
	size_t both;
};

static void count_keys(json_t *counter, const json_t *object)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)object, key, value)
		json_object_set_new(counter, key,
				    json_integer(json_integer_value(json_object_get(counter, key)) + 1));
}

static bool has_key(const json_t *object, const char *const *keys)
{
	for (; *keys; keys++)
		if (json_object_get(object, *keys))
			return true;
	return false;
}

/*
 * A program creates threads when it imports pthread_create or needs
 * libpthread, and forks when it imports or can call fork or vfork.
 */
static void classify(struct usage *usage, const json_t *static_data)
{
	static const char *const thread_symbols[] = { "pthread_create", NULL };
	static const char *const thread_libraries[] = { "libpthread.so.0", NULL };
	static const char *const fork_names[] = { "fork", "vfork", "_Fork", NULL };
	const json_t *symbols = json_object_get(static_data, "symbols");
	bool threads, forks;

	threads = has_key(symbols, thread_symbols) ||
		  has_key(json_object_get(static_data, "shared_libs"), thread_libraries);
	forks = has_key(symbols, fork_names) ||
		has_key(json_object_get(static_data, "system_calls"), fork_names);
	usage->threads += threads;
	usage->forks += forks;
	usage->both += threads && forks;
}

static void add_report(struct usage *usage, const char *path)
{
	json_t *report = json_load_file(path, 0, NULL);
	const json_t *static_data = json_object_get(report, "static_data");

	if (!static_data) {
		usage->failed++;
		json_decref(report);
		return;
	}
	usage->analysed++;
	count_keys(usage->libraries, json_object_get(static_data, "shared_libs"));
	count_keys(usage->syscalls, json_object_get(static_data, "system_calls"));
	count_keys(usage->symbols, json_object_get(static_data, "symbols"));
	classify(usage, static_data);
	json_decref(report);
}

struct usage_row {
	const char *name;
	long long programs;
};

static int compare_rows(const void *a, const void *b)
{
	const struct usage_row *left = a, *right = b;

	if (left->programs != right->programs)
		return left->programs < right->programs ? 1 : -1;
	return strcmp(left->name, right->name);
}

/* Returns the rows of a counter, most used first. */
static struct usage_row *sorted_rows(const json_t *counter, size_t *count)
{
	struct usage_row *rows = calloc(json_object_size(counter) + 1, sizeof(*rows));
	const char *name;
	json_t *value;

	*count = 0;
	if (!rows)
		return NULL;
	json_object_foreach((json_t *)counter, name, value) {
		rows[*count].name = name;
		rows[(*count)++].programs = json_integer_value(value);
	}
	qsort(rows, *count, sizeof(*rows), compare_rows);
	return rows;
}

static double percent(long long part, size_t whole)
{
	return whole ? 100.0 * part / whole : 0.0;
}

/* Quotes a CSV field that contains a comma, quote or newline (RFC 4180). */
static void put_csv_field(FILE *out, const char *text)
{
	if (!strpbrk(text, ",\"\n")) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (; *text; text++) {
		if (*text == '"')
			fputc('"', out);
		fputc(*text, out);
	}
	fputc('"', out);
}

static void put_table(FILE *markdown, FILE *csv, const char *kind, const char *title,
		      const json_t *counter, size_t analysed)
{
	struct usage_row *rows;
	size_t count, i;

	rows = sorted_rows(counter, &count);
	fprintf(markdown, "\n## %s\n\n| %s | Programs | Percent |\n|---|---:|---:|\n", title,
		kind);
	for (i = 0; rows && i < count; i++) {
		fprintf(markdown, "| `%s` | %lld | %.1f |\n", rows[i].name, rows[i].programs,
			percent(rows[i].programs, analysed));
		fprintf(csv, "%s,", kind);
		put_csv_field(csv, rows[i].name);
		fprintf(csv, ",%lld,%.2f\n", rows[i].programs, percent(rows[i].programs, analysed));
	}
	free(rows);
}

static void put_behaviour(FILE *markdown, FILE *csv, const char *name, size_t programs,
			  size_t analysed)
{
	fprintf(markdown, "| %s | %zu | %.1f |\n", name, programs, percent(programs, analysed));
	fprintf(csv, "behaviour,%s,%zu,%.2f\n", name, programs, percent(programs, analysed));
}

static int write_text(const char *dir, const char *name, char *text, size_t size)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = write_file_atomic(path, text, size);
	if (err)
		log_errno(LOG_ERROR, -err, "cannot write '%s'", path);
	return err;
}

static int write_tables(const struct usage *usage, const char *dir)
{
	char *markdown_text = NULL, *csv_text = NULL;
	size_t markdown_size = 0, csv_size = 0;
	FILE *markdown = open_memstream(&markdown_text, &markdown_size);
	FILE *csv = open_memstream(&csv_text, &csv_size);
	int err = -1;

	if (!markdown || !csv)
		goto out;
	fprintf(markdown, "# Usage across %zu programs\n\n%zu analysed, %zu failed.\n",
		usage->analysed + usage->failed, usage->analysed, usage->failed);
	fprintf(csv, "kind,name,programs,percent\n");

	fprintf(markdown, "\n## Threads and processes\n\n| Behaviour | Programs | Percent |\n"
			  "|---|---:|---:|\n");
	put_behaviour(markdown, csv, "pthreads", usage->threads, usage->analysed);
	put_behaviour(markdown, csv, "fork", usage->forks, usage->analysed);
	put_behaviour(markdown, csv, "pthreads and fork", usage->both, usage->analysed);

	put_table(markdown, csv, "library", "Shared libraries", usage->libraries, usage->analysed);
	put_table(markdown, csv, "syscall", "System calls", usage->syscalls, usage->analysed);
	put_table(markdown, csv, "symbol", "Symbols", usage->symbols, usage->analysed);
	if (fclose(markdown) | fclose(csv)) {
		markdown = csv = NULL;
		goto out;
	}
	markdown = csv = NULL;
	err = write_text(dir, "usage.md", markdown_text, markdown_size);
	if (!err)
		err = write_text(dir, "usage.csv", csv_text, csv_size);
out:
	if (markdown)
		fclose(markdown);
	if (csv)
		fclose(csv);
	free(markdown_text);
	free(csv_text);
	return err;
}

static int gather(const struct program_list *list, const struct batch_options *batch)
{
	struct usage usage = {
		.libraries = json_object(),
		.syscalls = json_object(),
		.symbols = json_object(),
	};
	size_t i;
	int err;

	for (i = 0; i < list->count; i++)
		add_report(&usage, list->reports[i]);
	err = write_tables(&usage, batch->output_dir);
	if (!err && !batch->quiet)
		printf("%zu programs analysed, %zu failed; reports and usage.md, usage.csv in %s\n",
		       usage.analysed, usage.failed, batch->output_dir);
	json_decref(usage.libraries);
	json_decref(usage.syscalls);
	json_decref(usage.symbols);
	return err;
}

int run_batch(const struct batch_options *batch, const struct static_options *options,
	      const struct static_context *context)
{
	struct program_list list = { 0 };
	struct stat st;
	int err;

	if (stat(batch->source, &st)) {
		log_errno(LOG_ERROR, errno, "cannot read the batch source '%s'", batch->source);
		return EXIT_USAGE;
	}
	err = S_ISDIR(st.st_mode) ? list_directory(batch->source, &list)
				  : list_file(batch->source, &list);
	if (!err && !list.count) {
		p_err("the batch source '%s' names no programs", batch->source);
		err = -1;
	}
	if (!err && mkdir(batch->output_dir, 0755) && errno != EEXIST) {
		log_errno(LOG_ERROR, errno, "cannot create the output directory '%s'",
			  batch->output_dir);
		err = -1;
	}
	/* One index of the file lists serves every worker. */
	if (!err && context->dpkg && dpkg_db_index_files(context->dpkg)) {
		p_err("out of memory indexing the dpkg file lists");
		err = -1;
	}
	if (!err && name_reports(batch->output_dir, &list)) {
		p_err("out of memory naming the reports");
		err = -1;
	}
	if (!err)
		err = run_workers(&list, batch, options, context);
	if (!err)
		err = gather(&list, batch);
	free_list(&list);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}
