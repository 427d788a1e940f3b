// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_env.h"
#include "dynamic.h"
#include "log.h"
#include "lookup_scope.h"
#include "probes.h"
#include "tracer.h"
#include "trace.skel.h"
#include "uprobe_attach.h"
#include "util.h"
#include "workload.h"

/* Functions the vDSO may serve without a system call, probed in libc when present. */
static const char *const vdso_functions[] = {
	"clock_gettime", "clock_getres", "gettimeofday", "time", "getcpu",
};

struct mapped_file {
	char path[PATH_MAX];	/* as the first process to map it sees it */
	unsigned long long inode;
	unsigned int dev;	/* the kernel's encoding: major << 20 | minor */
	json_t *pids;
	bool known;		/* the static analysis found it (program, loader or needed) */
	bool probed;		/* its functions have uprobes (known files have theirs from the start) */
	bool is_program;
	const char *static_name;	/* its name in the static report, if it has one */
};

struct dynamic_run {
	const struct dynamic_options *options;
	json_t *report;
	struct probe_plan plan;
	struct uprobe_links links;
	size_t attached;	/* targets of the plan attached so far */
	struct mapped_file *maps;
	size_t map_count;
	struct workload workload;
	bool has_workload;
	struct tracer *tracer;
	const char *libc_path;
	struct known_file *known;	/* the files the static analysis found */
	size_t known_count;
	struct lookup_scope scope;	/* where imports are looked up, in the loader's order */
};

struct known_file {
	unsigned long long inode;
	const char *name;	/* the library's name in the static report, or NULL */
	bool program;
	bool found_statically;	/* false for a preload the static analysis does not know */
};

static void add_known_file(struct dynamic_run *run, const char *path, const char *name,
			   bool program, bool found_statically)
{
	struct known_file *grown;
	struct stat info;

	if (!path || stat(path, &info))
		return;
	grown = realloc(run->known, (run->known_count + 1) * sizeof(*grown));
	if (!grown)
		return;
	run->known = grown;
	grown[run->known_count].inode = info.st_ino;
	grown[run->known_count].name = name;
	grown[run->known_count].program = program;
	grown[run->known_count].found_statically = found_statically;
	run->known_count++;
}

static const struct known_file *find_known_file(const struct dynamic_run *run,
						unsigned long long inode)
{
	size_t i;

	for (i = 0; i < run->known_count; i++)
		if (run->known[i].inode == inode)
			return &run->known[i];
	return NULL;
}

/* Returns the static report's name of a library in the scope, matched by SONAME, path or file name. */
static const char *static_library_name(const json_t *report, const struct scope_object *object)
{
	const json_t *libraries = json_object_get(report, "libraries"), *library;
	const char *file_name = strrchr(object->path, '/');
	size_t i;

	file_name = file_name ? file_name + 1 : object->path;
	json_array_foreach(libraries, i, library) {
		const char *name = json_string_value(json_object_get(library, "name"));
		const char *path = json_string_value(json_object_get(library, "path"));

		if (!name)
			continue;
		if ((object->soname && !strcmp(name, object->soname)) ||
		    (path && !strcmp(path, object->path)) || !strcmp(name, file_name))
			return name;
	}
	return NULL;
}

/*
 * The program, its loader and every library the static analysis resolved,
 * and every object of the lookup scope: with -p, the files the process has
 * mapped, which can differ from the files now on disk.
 */
static void collect_known_files(struct dynamic_run *run)
{
	const json_t *libraries = json_object_get(run->report, "libraries"), *library;
	const json_t *program = json_object_get(run->report, "program");
	size_t i;

	add_known_file(run, json_string_value(json_object_get(program, "path")), NULL, true, true);
	json_array_foreach(libraries, i, library)
		add_known_file(run, json_string_value(json_object_get(library, "path")),
			       json_string_value(json_object_get(library, "name")), false, true);
	for (i = 0; i < run->scope.count; i++) {
		const struct scope_object *object = &run->scope.objects[i];
		const char *name = object->program ? NULL :
				   static_library_name(run->report, object);

		add_known_file(run, object->file, name, object->program,
			       object->program || name);
	}
}

/* Attaches the targets planned since the last call; counts the time in the report. */
static int attach_new_targets(struct dynamic_run *run, struct trace_bpf *skel)
{
	size_t failed_before = run->links.failed;
	int err;

	err = uprobe_attach_targets(&run->links, skel->progs.uni_libcall_multi,
				    skel->progs.uni_libcall, run->plan.targets, run->attached,
				    run->plan.count);
	if (err)
		return err;
	run->attached = run->plan.count;
	if (run->links.failed > failed_before)
		p_warn("%zu of %zu uprobes could not be attached; run with -vv for the list",
		       run->links.failed - failed_before, run->plan.count);
	return 0;
}

static bool is_libc(const char *path)
{
	const char *name = strrchr(path, '/');

	name = name ? name + 1 : path;
	return !strncmp(name, "libc.so", 7) || !strncmp(name, "libc-", 5) ||
	       !strncmp(name, "ld-musl", 7);
}

/* Adds the libc functions the vDSO may serve, so their calls can be compared. */
static void plan_vdso_functions(struct dynamic_run *run)
{
	size_t i, j;

	for (i = 0; i < run->scope.count; i++) {
		const struct scope_object *object = &run->scope.objects[i];

		if (!object->global || object->program || !is_libc(object->path))
			continue;
		run->libc_path = object->file;
		for (j = 0; j < ARRAY_SIZE(vdso_functions); j++)
			probe_plan_add_symbol(&run->plan, object, vdso_functions[j]);
		return;
	}
}

/* Tells the BPF side which files are probed already, so only new ones stop a process. */
static void load_known_inodes(struct dynamic_run *run, struct tracer *tracer)
{
	__u8 one = 1;
	size_t i;

	for (i = 0; i < run->known_count; i++) {
		__u64 inode = run->known[i].inode;

		bpf_map__update_elem(tracer->skel->maps.known_inodes, &inode, sizeof(inode), &one,
				     sizeof(one), BPF_ANY);
	}
}

static int before_release(void *ctx, struct tracer *tracer)
{
	struct dynamic_run *run = ctx;
	int err;

	run->tracer = tracer;
	load_known_inodes(run, tracer);
	err = attach_new_targets(run, tracer->skel);
	if (err)
		return err;
	p_info("attached %zu uprobes in %.1f ms (%s)", run->attached, run->links.attach_ns / 1e6,
	       uprobe_attach_method(&run->links));

	if (!run->has_workload)
		return 0;
	err = workload_start(&run->workload, tracer->command.pid, tracer->command.stdin_fd,
			     tracer->command.output_fd);
	if (err) {
		log_errno(LOG_ERROR, err, "cannot start the workload");
		return -1;
	}
	/* The workload owns these now. */
	tracer->command.stdin_fd = -1;
	tracer->command.output_fd = -1;
	return 0;
}

static void join_path(const struct map_event *event, char *path, size_t size)
{
	size_t used = 0;
	int i;

	path[0] = '\0';
	for (i = (int)event->depth - 1; i >= 0 && used < size; i--)
		used += snprintf(path + used, size - used, "/%.*s", PATH_NAME_LEN,
				 event->names[i]);
	if (!event->depth)
		snprintf(path, size, "?");
}

static struct mapped_file *find_mapping(struct dynamic_run *run, unsigned int dev,
					unsigned long long inode)
{
	size_t i;

	for (i = 0; i < run->map_count; i++)
		if (run->maps[i].dev == dev && run->maps[i].inode == inode)
			return &run->maps[i];
	return NULL;
}

/* Records that process tgid maps a file; path is used when the file is new. */
static struct mapped_file *record_mapping(struct dynamic_run *run, const char *path,
					  unsigned int dev, unsigned long long inode, pid_t tgid)
{
	struct mapped_file *file = find_mapping(run, dev, inode), *grown;

	if (!file) {
		const struct known_file *known = find_known_file(run, inode);

		grown = realloc(run->maps, (run->map_count + 1) * sizeof(*grown));
		if (!grown)
			return NULL;
		run->maps = grown;
		file = &grown[run->map_count++];
		memset(file, 0, sizeof(*file));
		snprintf(file->path, sizeof(file->path), "%s", path);
		file->inode = inode;
		file->dev = dev;
		file->pids = json_array();
		file->known = known && known->found_statically;
		file->probed = known != NULL;
		file->is_program = known && known->program;
		file->static_name = known ? known->name : NULL;
	}
	if (!json_array_size(file->pids) ||
	    json_integer_value(json_array_get(file->pids, json_array_size(file->pids) - 1)) !=
		    tgid)
		json_array_append_new(file->pids, json_integer(tgid));
	return file;
}

/*
 * Finds the mapping of an event in its process: probe_file receives the
 * /proc/PID/map_files path, which reaches the mapped inode from any mount
 * namespace, and path the name the process sees. Returns false when the
 * process or its mapping of that inode is gone.
 */
static bool find_event_file(const struct map_event *event, char *probe_file, size_t file_size,
			    char *path, size_t path_size)
{
	struct stat info;

	if (process_mapped_file(event->tgid, event->start, probe_file, file_size, path,
				path_size))
		return false;
	return !stat(probe_file, &info) && info.st_ino == event->inode;
}

/* Records a file mapped executable; a library not planned yet gets probes on all its functions. */
static void on_map(void *ctx, const struct map_event *event)
{
	struct dynamic_run *run = ctx;
	char path[PATH_MAX], probe_file[96];
	struct mapped_file *file;
	bool found = false;
	int added = 0;

	file = find_mapping(run, event->dev, event->inode);
	if (!file) {
		found = find_event_file(event, probe_file, sizeof(probe_file), path, sizeof(path));
		if (!found)
			join_path(event, path, sizeof(path));
		file = record_mapping(run, path, event->dev, event->inode, event->tgid);
	} else {
		record_mapping(run, file->path, event->dev, event->inode, event->tgid);
	}

	/* Only a library new to the analysed program comes with a stop notice. */
	if (!run->tracer || !event->stopped)
		return;
	if (file && !file->probed) {
		/* Probe each library only once, even when several processes map it. */
		file->probed = true;
		if (found || find_event_file(event, probe_file, sizeof(probe_file), path,
					     sizeof(path)))
			added = probe_plan_add_library(&run->plan, probe_file, file->path);
		if (added > 0) {
			p_info("probing %d functions of '%s', mapped at run time", added,
			       file->path);
			attach_new_targets(run, run->tracer->skel);
		}
	}
	/* The BPF side stopped the process at this mapping: probes are in place now. */
	kill(event->tgid, SIGCONT);
}

/* Records the files a process attached by PID had mapped before the trace started. */
static void record_scope_mappings(struct dynamic_run *run)
{
	size_t i;

	for (i = 0; i < run->scope.count; i++) {
		const struct scope_object *object = &run->scope.objects[i];
		unsigned int dev = major(object->dev) << 20 | minor(object->dev);

		record_mapping(run, object->path, dev, object->inode, run->options->pid);
	}
}

struct symbol_counts {
	uint64_t from_program;
	uint64_t from_libraries;
	json_t *per_process;	/* {"PID": calls} */
};

/* Sums the library-call map by probe, over CPUs and with a per-process split. */
static struct symbol_counts *read_libcall_counts(struct dynamic_run *run)
{
	struct bpf_map *map = run->tracer->skel->maps.libcall_counts;
	int cpus = libbpf_num_possible_cpus();
	struct libcall_key key, next, *previous = NULL;
	struct symbol_counts *counts;
	struct libcall_counts *values;

	counts = calloc(run->plan.count + 1, sizeof(*counts));
	values = calloc(cpus, sizeof(*values));
	if (!counts || !values) {
		free(counts);
		free(values);
		return NULL;
	}
	while (!bpf_map__get_next_key(map, previous, &next, sizeof(next))) {
		uint64_t calls = 0;
		char pid[16];
		int cpu;

		key = next;
		previous = &key;
		if (key.probe >= run->plan.count ||
		    bpf_map__lookup_elem(map, &key, sizeof(key), values, sizeof(*values) * cpus, 0))
			continue;
		for (cpu = 0; cpu < cpus; cpu++) {
			counts[key.probe].from_program += values[cpu].from_program;
			counts[key.probe].from_libraries += values[cpu].from_libraries;
			calls += values[cpu].from_program + values[cpu].from_libraries;
		}
		if (!counts[key.probe].per_process)
			counts[key.probe].per_process = json_object();
		snprintf(pid, sizeof(pid), "%u", key.tgid);
		json_object_set_new(counts[key.probe].per_process, pid, json_integer(calls));
	}
	free(values);
	return counts;
}

static uint64_t syscall_calls(const json_t *trace, const char *name)
{
	const json_t *syscalls = json_object_get(trace, "syscalls"), *row;
	uint64_t calls = 0;
	size_t i;

	json_array_foreach(syscalls, i, row)
		if (!strcmp(json_string_value(json_object_get(row, "name")) ?: "", name))
			calls += json_integer_value(json_object_get(row, "calls"));
	return calls;
}

/* Calls through libc's wrapper minus system calls of the same name: what the vDSO served. */
static json_t *vdso_report(struct dynamic_run *run, const struct symbol_counts *counts,
			   const json_t *trace)
{
	json_t *vdso = json_array();
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(vdso_functions); j++) {
		const char *name = vdso_functions[j];
		uint64_t calls = 0, syscalls = syscall_calls(trace, name);
		bool probed = false;

		for (i = 0; i < run->plan.count; i++) {
			const struct probe_target *target = &run->plan.targets[i];

			if (!run->libc_path || strcmp(target->library, run->libc_path) ||
			    strcmp(target->symbol, name))
				continue;
			probed = true;
			calls += counts[i].from_program + counts[i].from_libraries;
		}
		if (!probed) {
			json_array_append_new(vdso, json_pack("{s:s, s:I, s:n, s:s}", "function",
				name, "system_calls", (json_int_t)syscalls, "vdso_calls",
				"note", "libc binds this name straight to the vDSO: no uprobe can count it"));
			continue;
		}
		json_array_append_new(vdso, json_pack("{s:s, s:I, s:I, s:I}", "function", name,
			"libc_calls", (json_int_t)calls, "system_calls", (json_int_t)syscalls,
			"vdso_calls", (json_int_t)(calls > syscalls ? calls - syscalls : 0)));
	}
	return vdso;
}

static json_t *library_calls_report(struct dynamic_run *run, const struct symbol_counts *counts)
{
	json_t *calls = json_array();
	size_t i;

	for (i = 0; i < run->plan.count; i++) {
		const struct probe_target *target = &run->plan.targets[i];
		uint64_t total = counts[i].from_program + counts[i].from_libraries;
		json_t *row;

		if (!total)
			continue;
		row = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:b, s:b}", "symbol",
				target->symbol, "version", target->version, "library",
				target->path ? target->path : target->library, "calls",
				(json_int_t)total, "from_program",
				(json_int_t)counts[i].from_program, "from_libraries",
				(json_int_t)counts[i].from_libraries, "imported", target->imported,
				"ifunc", target->ifunc);
		json_object_set_new(row, "offset", json_integer(target->offset));
		if (target->preload)
			json_object_set_new(row, "preload", json_true());
		if (target->interposes)
			json_object_set_new(row, "interposes", json_string(target->interposes));
		json_object_set(row, "processes", counts[i].per_process);
		json_array_append_new(calls, row);
	}
	return calls;
}

static json_t *mapped_files_report(struct dynamic_run *run)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; i < run->map_count; i++)
		json_array_append_new(files, json_pack("{s:s, s:s?, s:O, s:b}", "path",
						       run->maps[i].path, "name",
						       run->maps[i].static_name, "processes",
						       run->maps[i].pids, "found_statically",
						       run->maps[i].known));
	return files;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The UNICORE-layout section: shared_libs, system_calls and symbols seen at run time. */
static json_t *dynamic_data(struct dynamic_run *run, const struct symbol_counts *counts,
			    const json_t *trace)
{
	json_t *data = json_object(), *libs = json_object(), *syscalls = json_object();
	json_t *symbols = json_object(), *row;
	const json_t *static_libs = json_object_get(json_object_get(run->report, "static_data"),
						    "shared_libs");
	size_t i;

	for (i = 0; i < run->map_count; i++) {
		const struct mapped_file *file = &run->maps[i];
		const char *name = file->static_name ? file->static_name : base_name(file->path);
		json_t *needs = json_object_get(static_libs, name);

		if (file->is_program)
			continue;
		json_object_set_new(libs, name, needs ? json_deep_copy(needs) : json_array());
	}
	json_array_foreach(json_object_get(trace, "syscalls"), i, row)
		json_object_set_new(syscalls, json_string_value(json_object_get(row, "name")),
				    json_string(""));
	for (i = 0; i < run->plan.count; i++) {
		const struct probe_target *target = &run->plan.targets[i];

		if (counts[i].from_program + counts[i].from_libraries)
			json_object_set_new(symbols, target->symbol,
					    json_string(target->version ? target->version : ""));
	}
	json_object_set_new(data, "shared_libs", libs);
	json_object_set_new(data, "system_calls", syscalls);
	json_object_set_new(data, "symbols", symbols);
	return data;
}

/* Splits the keys of two objects into only-in-a, only-in-b and both. */
static json_t *compare_keys(const json_t *static_set, const json_t *dynamic_set)
{
	json_t *static_only = json_array(), *dynamic_only = json_array(), *both = json_array();
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)static_set, key, value)
		json_array_append_new(json_object_get(dynamic_set, key) ? both : static_only,
				      json_string(key));
	json_object_foreach((json_t *)dynamic_set, key, value)
		if (!json_object_get(static_set, key))
			json_array_append_new(dynamic_only, json_string(key));
	return json_pack("{s:o, s:o, s:o}", "static_only", static_only, "dynamic_only",
			 dynamic_only, "both", both);
}

static json_t *comparison(const json_t *report)
{
	const json_t *static_data = json_object_get(report, "static_data");
	const json_t *dynamic = json_object_get(report, "dynamic_data");
	json_t *result = json_object();
	static const char *const sections[] = { "system_calls", "symbols", "shared_libs" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		json_object_set_new(result, sections[i],
				    compare_keys(json_object_get(static_data, sections[i]),
						 json_object_get(dynamic, sections[i])));
	return result;
}

/* The attach cost of the probes: count, time, method and links made. */
static json_t *probes_report(struct dynamic_run *run)
{
	const struct uprobe_links *links = &run->links;
	return json_pack("{s:I, s:I, s:I, s:f, s:s, s:I, s:I, s:I, s:O}", "count",
			 (json_int_t)run->plan.count, "attached",
			 (json_int_t)(links->multi_probes + links->perf_probes), "failed",
			 (json_int_t)links->failed, "attach_ms", links->attach_ns / 1e6, "method",
			 uprobe_attach_method(links), "multi_links", (json_int_t)links->multi_count,
			 "perf_links", (json_int_t)links->perf_probes, "moved_to_emulated",
			 (json_int_t)links->moved_probes, "unresolved",
			 run->plan.unresolved);
}

/* Adds where the probed libraries came from: the preloads, and mapped files replaced on disk. */
static void add_scope_report(struct dynamic_run *run, json_t *probes)
{
	json_t *preloaded = json_array(), *replaced = json_array();
	size_t i;

	for (i = 0; i < run->scope.count; i++) {
		const struct scope_object *object = &run->scope.objects[i];

		if (object->preload)
			json_array_append_new(preloaded, json_string(object->path));
		if (object->replaced)
			json_array_append_new(replaced, json_string(object->path));
	}
	json_object_set_new(probes, "preloaded", preloaded);
	json_object_set(probes, "preload_requests", run->scope.preload);
	/* With -p: mapped files whose path on disk now names another file, or none. */
	json_object_set_new(probes, "replaced_on_disk", replaced);
}

static void add_results(struct dynamic_run *run, const struct trace_options *trace_options)
{
	struct symbol_counts *counts = read_libcall_counts(run);
	json_t *trace, *dynamic;
	size_t i;

	trace = trace_report_json(&run->tracer->data, trace_options);
	if (!counts || !trace) {
		free(counts);
		json_decref(trace);
		return;
	}
	dynamic = json_object();
	json_object_set_new(dynamic, "library_calls", library_calls_report(run, counts));
	json_object_set_new(dynamic, "mapped_files", mapped_files_report(run));
	json_object_set_new(dynamic, "vdso", vdso_report(run, counts, trace));
	json_object_set_new(dynamic, "probes", probes_report(run));
	add_scope_report(run, json_object_get(dynamic, "probes"));
	if (run->has_workload)
		json_object_set_new(dynamic, "workload", workload_report(&run->workload));
	if (json_is_true(json_object_get(json_object_get(run->report, "elf"), "static")))
		json_object_set_new(dynamic, "note",
				    json_string("statically linked: no library is loaded and no "
						"library call can be probed; system calls are counted"));
	json_object_set_new(dynamic, "trace", trace);

	json_object_set_new(run->report, "dynamic_data", dynamic_data(run, counts, trace));
	json_object_set_new(run->report, "dynamic", dynamic);
	json_object_set_new(run->report, "comparison", comparison(run->report));

	for (i = 0; i < run->plan.count; i++)
		json_decref(counts[i].per_process);
	free(counts);
}

static unsigned long long program_inode(const json_t *report)
{
	const char *path = json_string_value(json_object_get(json_object_get(report, "program"),
							     "path"));
	struct stat info;

	return path && !stat(path, &info) ? info.st_ino : 0;
}

static void set_trace_options(const struct dynamic_options *options, struct dynamic_run *run,
			      struct trace_options *trace_options)
{
	memset(trace_options, 0, sizeof(*trace_options));
	trace_options->command = options->command;
	if (options->pid) {
		trace_options->pids[0] = options->pid;
		trace_options->pid_count = 1;
		trace_options->duration_ns = options->duration * 1e9;
	}
	trace_options->follow = true;
	trace_options->latency = true;
	trace_options->sort = SORT_CALLS;
	trace_options->track_maps = true;
	trace_options->libcalls = true;
	trace_options->stop_on_new_files = true;
	trace_options->program_inode = program_inode(run->report);
	trace_options->hooks.on_map = on_map;
	trace_options->hooks.before_release = before_release;
	trace_options->hooks.ctx = run;
	if (run->has_workload && workload_needs_stdin(&run->workload))
		trace_options->launch_flags |= LAUNCH_PIPE_STDIN;
	if (run->has_workload && workload_needs_output(&run->workload))
		trace_options->launch_flags |= LAUNCH_PIPE_OUTPUT;
}

/*
 * Plans probes on every library the process attached by PID loaded with
 * dlopen before the trace started, as if the trace had seen it mapped.
 */
static void plan_loaded_libraries(struct dynamic_run *run)
{
	size_t i;

	for (i = 0; i < run->scope.count; i++) {
		const struct scope_object *object = &run->scope.objects[i];

		if (!object->global && !object->program)
			probe_plan_add_library(&run->plan, object->file, object->path);
	}
}

/* Reads the start and end of a process's program code from /proc/PID/stat (fields 26 and 27). */
static int read_code_range(pid_t pid, __u64 *start, __u64 *end)
{
	char path[64], line[1024], *fields;
	unsigned long long code_start, code_end;
	FILE *file;
	int found;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	found = fgets(line, sizeof(line), file) != NULL;
	fclose(file);
	/* The command name in field 2 can contain spaces: count fields after its ')'. */
	fields = found ? strrchr(line, ')') : NULL;
	if (!fields || sscanf(fields + 1, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			      "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu",
			      &code_start, &code_end) != 2)
		return -EINVAL;
	*start = code_start;
	*end = code_end;
	return 0;
}

/*
 * Completes the traced-set entry of a process attached by PID with what the
 * BPF side records at exec. The program's code range separates calls by the
 * program from calls inside libraries, and the executable's inode makes a
 * library mapped later stop the process until that library is probed.
 */
static void describe_attached_process(struct tracer *tracer, pid_t pid)
{
	struct bpf_map *map = tracer->skel->maps.traced_procs;
	struct proc_info info;
	char exe[64];
	struct stat program;
	__u32 key = pid;
	int err;

	if (bpf_map__lookup_elem(map, &key, sizeof(key), &info, sizeof(info), 0))
		return;
	err = read_code_range(pid, &info.code_start, &info.code_end);
	if (err)
		log_errno(LOG_WARN, -err, "cannot read the code range of process %d: its calls "
			  "count as calls inside libraries", pid);
	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	if (!stat(exe, &program))
		info.exe_inode = program.st_ino;
	bpf_map__update_elem(map, &key, sizeof(key), &info, sizeof(info), BPF_EXIST);
	/* Make every CPU's filter cache look the process up again. */
	__atomic_add_fetch(&tracer->skel->bss->traced_generation, 1, __ATOMIC_SEQ_CST);
}

static int build_scope(struct dynamic_run *run, const struct dynamic_options *options)
{
	struct ldso_options ldso = {
		.cache = options->ld_cache,
		.library_path = options->library_path,
	};

	if (options->pid)
		return lookup_scope_for_process(options->pid, &run->scope);
	if (lookup_scope_for_launch(run->report, &ldso, &run->scope)) {
		p_err("building the symbol lookup scope failed: out of memory");
		return -1;
	}
	return 0;
}

static int prepare_run(struct dynamic_run *run, const struct dynamic_options *options)
{
	if (options->test_file && workload_read_file(options->test_file, &run->workload))
		return -1;
	run->workload.stdin_path = (char *)options->stdin_path;
	run->workload.wait_seconds = options->wait_seconds;
	run->has_workload = options->command &&
			    (options->test_file || options->stdin_path || options->wait_seconds > 0);

	if (build_scope(run, options))
		return -1;
	if (probe_plan_from_report(run->report, &run->scope, options->all_libs, &run->plan)) {
		p_err("planning the uprobes failed: out of memory");
		return -1;
	}
	if (options->pid && !options->all_libs)
		plan_loaded_libraries(run);
	plan_vdso_functions(run);
	collect_known_files(run);
	if (options->pid)
		record_scope_mappings(run);
	return 0;
}

static void free_run(struct dynamic_run *run)
{
	size_t i;

	uprobe_links_destroy(&run->links);
	for (i = 0; i < run->map_count; i++)
		json_decref(run->maps[i].pids);
	free(run->maps);
	free(run->known);
	probe_plan_free(&run->plan);
	lookup_scope_free(&run->scope);
	if (run->has_workload)
		workload_free(&run->workload);
}

int dynamic_analysis(json_t *report, const struct dynamic_options *options)
{
	struct dynamic_run run = { .options = options, .report = report };
	struct trace_options trace_options;
	struct tracer tracer;
	int status = 0, err;

	if (bpf_env_check())
		return 1;
	if (prepare_run(&run, options)) {
		free_run(&run);
		return 1;
	}
	set_trace_options(options, &run, &trace_options);
	tracer_install_signal_handlers();
	tracer_init(&tracer, &trace_options);
	run.tracer = &tracer;

	err = tracer_load(&tracer);
	if (!err)
		err = tracer_start(&tracer);
	if (!err && !tracer.launched) {
		describe_attached_process(&tracer, trace_options.pids[0]);
		load_known_inodes(&run, &tracer);
		err = attach_new_targets(&run, tracer.skel);
		if (!err)
			p_info("attached %zu uprobes to process %d", run.attached, options->pid);
	}
	if (err) {
		status = 1;
		if (err == 127 || err == 126)
			status = err;
	} else {
		tracer_run(&tracer);
		if (run.has_workload)
			workload_join(&run.workload);
		if (!tracer_collect(&tracer))
			add_results(&run, &trace_options);
		if (run.has_workload && run.workload.error[0]) {
			p_err("workload failed: %s", run.workload.error);
			status = 1;
		}
	}
	tracer_destroy(&tracer);
	free_run(&run);
	return status;
}
