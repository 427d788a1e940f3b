// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON report of `uniscope trace`; README.md documents its schema. */
#include <stdlib.h>
#include <string.h>

#include "syscalls.h"
#include "tracer.h"
#include "util.h"

static json_t *errno_object(const struct trace_data *data, const struct syscall_row *row,
			    enum row_scope scope)
{
	json_t *errnos = json_object();
	size_t i;

	for (i = 0; i < data->errno_count; i++) {
		const struct errno_row *e = &data->errnos[i];
		const char *name = errno_name(e->err);
		char fallback[24];
		json_t *old;

		if (e->nr != row->nr || e->abi != row->abi)
			continue;
		if ((scope == SCOPE_PROCESS && e->tgid != row->tgid) ||
		    (scope == SCOPE_THREAD && e->tid != row->tid))
			continue;
		if (!name) {
			snprintf(fallback, sizeof(fallback), "errno_%u", e->err);
			name = fallback;
		}
		old = json_object_get(errnos, name);
		json_object_set_new(errnos, name,
				    json_integer(e->count + (old ? json_integer_value(old) : 0)));
	}
	return errnos;
}

static json_t *histogram_array(const struct syscall_stats *stats)
{
	json_t *slots = json_array();
	unsigned int slot;

	for (slot = 0; slot < HIST_SLOTS; slot++) {
		if (!stats->hist[slot])
			continue;
		json_array_append_new(slots, json_pack("{s:I, s:I, s:I}",
						       "low_ns", (json_int_t)hist_slot_low(slot),
						       "high_ns", (json_int_t)hist_slot_high(slot),
						       "count", (json_int_t)stats->hist[slot]));
	}
	return slots;
}

static json_t *syscall_object(const struct trace_data *data, const struct syscall_row *row,
			      enum row_scope scope)
{
	const struct syscall_stats *s = &row->stats;
	json_t *object;

	object = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I}",
			   "name", row->name, "abi", abi_name(row->abi), "nr", row->nr,
			   "calls", (json_int_t)s->count, "errors", (json_int_t)s->errors,
			   "unfinished", (json_int_t)s->unfinished);
	if (!object)
		return NULL;
	if (data->latency) {
		json_object_set_new(object, "total_ns", json_integer(s->total_ns));
		json_object_set_new(object, "avg_ns",
				    json_integer(s->count ? s->total_ns / s->count : 0));
		json_object_set_new(object, "p50_ns", json_integer(hist_quantile(s, 0.5)));
		json_object_set_new(object, "p99_ns", json_integer(hist_quantile(s, 0.99)));
		json_object_set_new(object, "max_ns", json_integer(s->max_ns));
		json_object_set_new(object, "offcpu_ns", json_integer(s->offcpu_ns));
		json_object_set_new(object, "oncpu_ns", json_integer(s->total_ns - s->offcpu_ns));
		json_object_set_new(object, "histogram", histogram_array(s));
	}
	json_object_set_new(object, "errno", errno_object(data, row, scope));
	return object;
}

/* An array of merged per-syscall objects for one scope, all ABIs. */
static json_t *syscall_array(const struct trace_data *data, const struct trace_options *options,
			     enum row_scope scope, uint32_t id)
{
	json_t *array = json_array();
	struct syscall_row *rows;
	unsigned int abi;
	size_t count, i;

	for (abi = ABI_64; abi <= ABI_X32; abi++) {
		count = group_syscall_rows(data, scope, id, abi, &rows);
		sort_syscall_rows(rows, count, data->latency ? options->sort : SORT_CALLS);
		for (i = 0; i < count; i++)
			json_array_append_new(array, syscall_object(data, &rows[i], scope));
		free(rows);
	}
	return array;
}

static json_t *process_object(const struct trace_data *data,
			      const struct trace_options *options, const struct proc_row *p)
{
	json_t *object;

	/* comm and exe are bytes from the kernel, not always valid UTF-8. */
	object = json_pack("{s:i, s:i, s:o, s:o, s:b}", "pid", p->tgid, "ppid", p->ppid,
			   "comm", json_string_lossy(p->comm), "exe", json_string_lossy(p->exe),
			   "exited", p->exited);
	if (!object)
		return NULL;
	if (p->exit_known)
		json_object_set_new(object, "wait_status", json_integer(p->exit_code));
	json_object_set_new(object, "oncpu_ns", json_integer(p->stats.oncpu_ns));
	json_object_set_new(object, "offcpu_ns", json_integer(p->stats.offcpu_ns));
	json_object_set_new(object, "voluntary_switches",
			    json_integer(p->stats.voluntary_switches));
	json_object_set_new(object, "involuntary_switches",
			    json_integer(p->stats.involuntary_switches));
	json_object_set_new(object, "minor_faults", json_integer(p->stats.minor_faults));
	json_object_set_new(object, "major_faults", json_integer(p->stats.major_faults));
	json_object_set_new(object, "threads",
			    json_integer((p->initial_threads ? p->initial_threads : 1) +
					 p->stats.threads_started));
	json_object_set_new(object, "syscall_count",
			    json_integer(proc_syscall_count(data, p->tgid)));
	json_object_set_new(object, "syscalls",
			    syscall_array(data, options, SCOPE_PROCESS, p->tgid));
	return object;
}

static json_t *thread_array(const struct trace_data *data, const struct trace_options *options)
{
	json_t *threads = json_array();
	uint32_t *tids;
	size_t count = 0, i, j;

	tids = calloc(data->syscall_count + 1, sizeof(*tids));
	if (!tids)
		return threads;
	for (i = 0; i < data->syscall_count; i++) {
		for (j = 0; j < count; j++)
			if (tids[j] == data->syscalls[i].tid)
				break;
		if (j < count)
			continue;
		tids[count++] = data->syscalls[i].tid;
		json_array_append_new(threads,
				      json_pack("{s:i, s:i, s:o}", "tid", data->syscalls[i].tid,
						"pid", data->syscalls[i].tgid, "syscalls",
						syscall_array(data, options, SCOPE_THREAD,
							      data->syscalls[i].tid)));
	}
	free(tids);
	return threads;
}

static json_t *totals_object(const struct trace_data *data)
{
	uint64_t calls = 0, errors = 0, total_ns = 0, offcpu_ns = 0, threads = 0;
	size_t i;

	for (i = 0; i < data->syscall_count; i++) {
		calls += data->syscalls[i].stats.count;
		errors += data->syscalls[i].stats.errors;
		total_ns += data->syscalls[i].stats.total_ns;
		offcpu_ns += data->syscalls[i].stats.offcpu_ns;
	}
	for (i = 0; i < data->proc_count; i++)
		threads += (data->procs[i].initial_threads ? data->procs[i].initial_threads : 1) +
			   data->procs[i].stats.threads_started;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "calls", (json_int_t)calls,
			 "errors", (json_int_t)errors, "total_ns", (json_int_t)total_ns,
			 "offcpu_ns", (json_int_t)offcpu_ns, "processes",
			 (json_int_t)data->proc_count, "threads", (json_int_t)threads);
}

static json_t *target_object(const struct trace_data *data)
{
	json_t *target = json_object(), *list = json_array();
	int i;

	if (data->command) {
		for (i = 0; data->command[i]; i++)
			json_array_append_new(list, json_string_lossy(data->command[i]));
		json_object_set_new(target, "command", list);
		if (data->exit_status >= 0)
			json_object_set_new(target, "exit_status", json_integer(data->exit_status));
	} else {
		for (i = 0; i < data->pid_count; i++)
			json_array_append_new(list, json_integer(data->pids[i]));
		json_object_set_new(target, "pids", list);
	}
	return target;
}

json_t *trace_report_json(const struct trace_data *data, const struct trace_options *options)
{
	json_t *root, *procs, *uring, *losses;
	size_t i;

	root = json_object();
	json_object_set_new(root, "tool", json_string("uniscope trace"));
	json_object_set_new(root, "target", target_object(data));
	json_object_set_new(root, "duration_ns", json_integer(data->duration_ns));
	json_object_set_new(root, "interrupted", json_boolean(data->interrupted));
	json_object_set_new(root, "latency", json_boolean(data->latency));
	json_object_set_new(root, "follow", json_boolean(options->follow));
	json_object_set_new(root, "syscalls", syscall_array(data, options, SCOPE_ALL, 0));
	json_object_set_new(root, "totals", totals_object(data));

	procs = json_array();
	for (i = 0; i < data->proc_count; i++)
		json_array_append_new(procs, process_object(data, options, &data->procs[i]));
	json_object_set_new(root, "processes", procs);
	if (data->per_thread)
		json_object_set_new(root, "threads", thread_array(data, options));

	uring = json_array();
	for (i = 0; i < data->uring_count; i++)
		json_array_append_new(uring, json_pack("{s:i, s:s, s:i, s:I, s:I, s:I}",
			"pid", data->urings[i].tgid, "opcode", data->urings[i].name,
			"opcode_nr", data->urings[i].opcode,
			"submitted", (json_int_t)data->urings[i].stats.submitted,
			"completed", (json_int_t)data->urings[i].stats.completed,
			"errors", (json_int_t)data->urings[i].stats.errors));
	json_object_set_new(root, "io_uring", uring);

	losses = json_object();
	for (i = 0; i < data->loss_count; i++)
		json_object_set_new(losses, data->losses[i].what,
				    json_integer(data->losses[i].count));
	json_object_set_new(root, "lost", losses);
	json_object_set_new(root, "page_faults_available", json_boolean(data->faults_available));
	return root;
}
