// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The text report of `uniscope trace`: tables, histograms, process summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls.h"
#include "tracer.h"
#include "util.h"

uint64_t hist_slot_low(unsigned int slot)
{
	unsigned int log2, sub;

	if (slot < HIST_SUB_SLOTS)
		return slot;
	log2 = slot / HIST_SUB_SLOTS + 1;
	sub = slot % HIST_SUB_SLOTS;
	return (1ull << log2) + sub * (1ull << (log2 - HIST_SUB_BITS));
}

uint64_t hist_slot_high(unsigned int slot)
{
	if (slot < HIST_SUB_SLOTS)
		return slot + 1;
	return hist_slot_low(slot) + (1ull << (slot / HIST_SUB_SLOTS + 1 - HIST_SUB_BITS));
}

uint64_t hist_quantile(const struct syscall_stats *stats, double quantile)
{
	uint64_t total = 0, seen = 0, rank, estimate;
	unsigned int slot;

	for (slot = 0; slot < HIST_SLOTS; slot++)
		total += stats->hist[slot];
	if (!total)
		return 0;

	rank = (uint64_t)(quantile * total + 0.999999);
	if (rank < 1)
		rank = 1;
	for (slot = 0; slot < HIST_SLOTS; slot++) {
		seen += stats->hist[slot];
		if (seen >= rank)
			break;
	}
	if (slot == HIST_SLOTS)
		slot = HIST_SLOTS - 1;

	/* The middle of the slot, which never lies past the largest value seen. */
	estimate = (hist_slot_low(slot) + hist_slot_high(slot) - 1) / 2;
	return estimate < stats->max_ns ? estimate : stats->max_ns;
}

void merge_syscall_stats(struct syscall_stats *sum, const struct syscall_stats *part)
{
	unsigned int slot;

	sum->count += part->count;
	sum->errors += part->errors;
	sum->total_ns += part->total_ns;
	sum->offcpu_ns += part->offcpu_ns;
	sum->unfinished += part->unfinished;
	if (part->max_ns > sum->max_ns)
		sum->max_ns = part->max_ns;
	for (slot = 0; slot < HIST_SLOTS; slot++)
		sum->hist[slot] += part->hist[slot];
}

size_t group_syscall_rows(const struct trace_data *data, enum row_scope scope, uint32_t id,
			  unsigned int abi, struct syscall_row **out)
{
	struct syscall_row *rows = NULL;
	size_t count = 0, i, j;

	for (i = 0; i < data->syscall_count; i++) {
		const struct syscall_row *row = &data->syscalls[i];

		if (row->abi != abi)
			continue;
		if ((scope == SCOPE_PROCESS && row->tgid != id) ||
		    (scope == SCOPE_THREAD && row->tid != id))
			continue;
		for (j = 0; j < count; j++)
			if (rows[j].nr == row->nr)
				break;
		if (j == count) {
			struct syscall_row *grown = realloc(rows, (count + 1) * sizeof(*rows));

			if (!grown)
				break;
			rows = grown;
			rows[count] = *row;
			rows[count].tgid = scope == SCOPE_ALL ? 0 : row->tgid;
			rows[count].tid = scope == SCOPE_THREAD ? row->tid : 0;
			count++;
		} else {
			merge_syscall_stats(&rows[j].stats, &row->stats);
		}
	}
	*out = rows;
	return count;
}

static enum sort_order sort_key;

static int compare_rows(const void *a, const void *b)
{
	const struct syscall_row *x = a, *y = b;

	switch (sort_key) {
	case SORT_NAME:
		return strcmp(x->name, y->name);
	case SORT_ERRORS:
		if (x->stats.errors != y->stats.errors)
			return x->stats.errors < y->stats.errors ? 1 : -1;
		break;
	case SORT_TIME:
		if (x->stats.total_ns != y->stats.total_ns)
			return x->stats.total_ns < y->stats.total_ns ? 1 : -1;
		break;
	case SORT_CALLS:
		break;
	}
	if (x->stats.count != y->stats.count)
		return x->stats.count < y->stats.count ? 1 : -1;
	return strcmp(x->name, y->name);
}

void sort_syscall_rows(struct syscall_row *rows, size_t count, enum sort_order order)
{
	sort_key = order;
	/* qsort() must not be given a null pointer, even with no rows. */
	if (count)
		qsort(rows, count, sizeof(*rows), compare_rows);
}

static const char *time_cell(uint64_t ns, char *buf, size_t size)
{
	return format_duration(ns, buf, size);
}

static void print_table_header(FILE *out, bool latency)
{
	if (latency)
		fprintf(out, "%6s %9s %9s %10s %10s %10s %10s %10s %10s %10s  %s\n", "% time",
			"calls", "errors", "total", "avg", "p50", "p99", "max", "off-cpu",
			"on-cpu", "syscall");
	else
		fprintf(out, "%9s %9s  %s\n", "calls", "errors", "syscall");
}

static void print_row(FILE *out, const char *name, const struct syscall_stats *stats,
		      uint64_t all_ns, bool latency, bool totals)
{
	char total[16], avg[16], p50[16], p99[16], max[16], off[16], on[16];
	double share;

	if (!latency) {
		fprintf(out, "%9llu %9llu  %s\n", (unsigned long long)stats->count,
			(unsigned long long)stats->errors, name);
		return;
	}

	share = all_ns ? 100.0 * stats->total_ns / all_ns : 0;
	time_cell(stats->total_ns, total, sizeof(total));
	time_cell(stats->count ? stats->total_ns / stats->count : 0, avg, sizeof(avg));
	time_cell(stats->offcpu_ns, off, sizeof(off));
	time_cell(stats->total_ns - stats->offcpu_ns, on, sizeof(on));
	time_cell(stats->max_ns, max, sizeof(max));
	if (totals) {
		strcpy(p50, "");
		strcpy(p99, "");
	} else {
		time_cell(hist_quantile(stats, 0.50), p50, sizeof(p50));
		time_cell(hist_quantile(stats, 0.99), p99, sizeof(p99));
	}
	fprintf(out, "%6.2f %9llu %9llu %10s %10s %10s %10s %10s %10s %10s  %s\n", share,
		(unsigned long long)stats->count, (unsigned long long)stats->errors, total, avg,
		p50, p99, max, off, on, name);
}

static void print_rule(FILE *out, bool latency)
{
	if (latency)
		fprintf(out, "------ --------- --------- ---------- ---------- ---------- ---------- "
			     "---------- ---------- ----------  ----------------\n");
	else
		fprintf(out, "--------- ---------  ----------------\n");
}

static void print_syscall_table(FILE *out, struct syscall_row *rows, size_t count,
				const struct trace_options *options)
{
	struct syscall_stats *totals;
	bool latency = options->latency;
	size_t i;

	totals = calloc(1, sizeof(*totals));
	if (!totals)
		return;
	for (i = 0; i < count; i++)
		merge_syscall_stats(totals, &rows[i].stats);

	sort_syscall_rows(rows, count, latency ? options->sort :
			  options->sort == SORT_TIME ? SORT_CALLS : options->sort);
	print_table_header(out, latency);
	print_rule(out, latency);
	for (i = 0; i < count; i++)
		print_row(out, rows[i].name, &rows[i].stats, totals->total_ns, latency, false);
	print_rule(out, latency);
	print_row(out, "total", totals, totals->total_ns, latency, true);
	free(totals);
}

static bool any_failed_call(const struct syscall_row *rows, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (rows[i].stats.errors)
			return true;
	return false;
}

static void print_errno_list(FILE *out, const struct trace_data *data, enum row_scope scope,
			     uint32_t id, const struct syscall_row *rows, size_t count)
{
	size_t i, j;

	if (!any_failed_call(rows, count))
		return;
	fprintf(out, "\nerrors:\n");
	for (i = 0; i < count; i++) {
		bool first = true;

		if (!rows[i].stats.errors)
			continue;
		fprintf(out, "  %-20s", rows[i].name);
		for (j = 0; j < data->errno_count; j++) {
			const struct errno_row *e = &data->errnos[j];
			const char *name = errno_name(e->err);
			size_t k;
			uint64_t sum = 0;

			if (e->nr != rows[i].nr || e->abi != rows[i].abi)
				continue;
			if ((scope == SCOPE_PROCESS && e->tgid != id) ||
			    (scope == SCOPE_THREAD && e->tid != id))
				continue;
			/* Several keys (threads, processes) may hold the same errno: print it once. */
			for (k = 0; k < j; k++) {
				const struct errno_row *o = &data->errnos[k];

				if (o->nr == e->nr && o->abi == e->abi && o->err == e->err &&
				    !(scope == SCOPE_PROCESS && o->tgid != id) &&
				    !(scope == SCOPE_THREAD && o->tid != id))
					break;
			}
			if (k < j)
				continue;
			for (k = j; k < data->errno_count; k++) {
				const struct errno_row *o = &data->errnos[k];

				if (o->nr == e->nr && o->abi == e->abi && o->err == e->err &&
				    !(scope == SCOPE_PROCESS && o->tgid != id) &&
				    !(scope == SCOPE_THREAD && o->tid != id))
					sum += o->count;
			}
			if (name)
				fprintf(out, "%s %s ×%llu", first ? "" : ",", name,
					(unsigned long long)sum);
			else
				fprintf(out, "%s errno %u ×%llu", first ? "" : ",", e->err,
					(unsigned long long)sum);
			first = false;
		}
		fputc('\n', out);
	}
}

static void print_histogram(FILE *out, const struct syscall_row *row)
{
	uint64_t buckets[64] = {}, peak = 0;
	unsigned int slot, log2, first = 64, last = 0;
	char stars[41];

	for (slot = 0; slot < HIST_SLOTS; slot++) {
		uint64_t low = hist_slot_low(slot);

		log2 = low ? 63 - __builtin_clzll(low) : 0;
		buckets[log2] += row->stats.hist[slot];
	}
	for (log2 = 0; log2 < 64; log2++) {
		if (!buckets[log2])
			continue;
		if (log2 < first)
			first = log2;
		last = log2;
		if (buckets[log2] > peak)
			peak = buckets[log2];
	}
	if (!peak)
		return;

	fprintf(out, "\n%s: latency histogram\n%24s : %-9s distribution\n", row->name,
		"ns", "count");
	for (log2 = first; log2 <= last; log2++) {
		uint64_t low = log2 ? 1ull << log2 : 0, high = (1ull << (log2 + 1)) - 1;
		int width = (int)(40 * buckets[log2] / peak);

		memset(stars, '*', width);
		stars[width] = '\0';
		fprintf(out, "%11llu -> %-10llu : %-9llu |%-40s|\n", (unsigned long long)low,
			(unsigned long long)high, (unsigned long long)buckets[log2], stars);
	}
}

static const char *const abi_titles[] = {
	[ABI_64] = NULL,
	[ABI_32] = "i386 system calls (int 0x80 or sysenter from this process)",
	[ABI_X32] = "x32 system calls",
};

/* Prints the tables of one scope: all processes, one process or one thread. */
static void print_scope(FILE *out, const struct trace_data *data,
			const struct trace_options *options, enum row_scope scope, uint32_t id)
{
	struct syscall_row *rows;
	unsigned int abi;
	size_t count, i;

	for (abi = ABI_64; abi <= ABI_X32; abi++) {
		count = group_syscall_rows(data, scope, id, abi, &rows);
		if (!count && abi != ABI_64) {
			free(rows);
			continue;
		}
		if (abi_titles[abi])
			fprintf(out, "\n%s:\n", abi_titles[abi]);
		print_syscall_table(out, rows, count, options);
		if (options->list_errors)
			print_errno_list(out, data, scope, id, rows, count);
		if (options->histogram)
			for (i = 0; i < count; i++)
				print_histogram(out, &rows[i]);
		free(rows);
	}
}

static const struct proc_row *find_proc(const struct trace_data *data, uint32_t tgid)
{
	size_t i;

	for (i = 0; i < data->proc_count; i++)
		if (data->procs[i].tgid == tgid)
			return &data->procs[i];
	return NULL;
}

static void print_scope_title(FILE *out, const struct trace_data *data, enum row_scope scope,
			      uint32_t id, uint32_t tgid)
{
	const struct proc_row *proc = find_proc(data, tgid);
	const char *comm = proc && proc->comm[0] ? proc->comm : "?";

	if (scope == SCOPE_PROCESS)
		fprintf(out, "\nprocess %u (%s)%s%s:\n", id, comm,
			proc && proc->exe[0] ? " " : "", proc ? proc->exe : "");
	else
		fprintf(out, "\nthread %u of process %u (%s):\n", id, tgid, comm);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints one section per process or thread, in PID order. */
static void print_breakdown(FILE *out, const struct trace_data *data,
			    const struct trace_options *options, enum row_scope scope)
{
	uint64_t *ids;
	size_t count = 0, i, j;

	ids = calloc(data->syscall_count + 1, sizeof(*ids));
	if (!ids)
		return;
	for (i = 0; i < data->syscall_count; i++) {
		const struct syscall_row *row = &data->syscalls[i];
		uint64_t id = scope == SCOPE_THREAD ? (uint64_t)row->tid << 32 | row->tgid :
						      row->tgid;

		for (j = 0; j < count; j++)
			if (ids[j] == id)
				break;
		if (j == count)
			ids[count++] = id;
	}
	qsort(ids, count, sizeof(*ids), compare_u64);
	for (i = 0; i < count; i++) {
		uint32_t id = scope == SCOPE_THREAD ? ids[i] >> 32 : (uint32_t)ids[i];
		uint32_t tgid = (uint32_t)ids[i];

		print_scope_title(out, data, scope, id, tgid);
		print_scope(out, data, options, scope, id);
	}
	free(ids);
}

uint64_t proc_syscall_count(const struct trace_data *data, uint32_t tgid)
{
	uint64_t count = 0;
	size_t i;

	for (i = 0; i < data->syscall_count; i++)
		if (data->syscalls[i].tgid == tgid)
			count += data->syscalls[i].stats.count;
	return count;
}

static void print_process_summary(FILE *out, const struct trace_data *data)
{
	uint64_t threads = 0, oncpu = 0, offcpu = 0, vcsw = 0, ivcsw = 0, minflt = 0, majflt = 0;
	char on[16], off[16], duration[16];
	size_t i;

	fprintf(out, "\n%7s %7s %-16s %10s %10s %8s %8s %9s %8s %10s  %s\n", "pid", "ppid",
		"command", "on-cpu", "off-cpu", "vol-cs", "invol-cs", "min-flt", "maj-flt",
		"syscalls", "exit");
	for (i = 0; i < data->proc_count; i++) {
		const struct proc_row *p = &data->procs[i];
		char exit_text[16] = "running";

		if (p->exited && p->exit_known)
			snprintf(exit_text, sizeof(exit_text), "%s%d",
				 p->exit_code & 0x7f ? "signal " : "",
				 p->exit_code & 0x7f ? p->exit_code & 0x7f : p->exit_code >> 8);
		else if (p->exited)
			snprintf(exit_text, sizeof(exit_text), "exited");
		fprintf(out, "%7u %7u %-16s %10s %10s %8llu %8llu %9llu %8llu %10llu  %s\n",
			p->tgid, p->ppid, p->comm[0] ? p->comm : "?",
			format_duration(p->stats.oncpu_ns, on, sizeof(on)),
			format_duration(p->stats.offcpu_ns, off, sizeof(off)),
			(unsigned long long)p->stats.voluntary_switches,
			(unsigned long long)p->stats.involuntary_switches,
			(unsigned long long)p->stats.minor_faults,
			(unsigned long long)p->stats.major_faults,
			(unsigned long long)proc_syscall_count(data, p->tgid), exit_text);
		threads += (p->initial_threads ? p->initial_threads : 1) + p->stats.threads_started;
		oncpu += p->stats.oncpu_ns;
		offcpu += p->stats.offcpu_ns;
		vcsw += p->stats.voluntary_switches;
		ivcsw += p->stats.involuntary_switches;
		minflt += p->stats.minor_faults;
		majflt += p->stats.major_faults;
	}
	fprintf(out, "%zu processes, %llu threads in %s: on-CPU %s, off-CPU %s, context switches "
		"%llu voluntary and %llu involuntary, page faults %llu minor and %llu major%s\n",
		data->proc_count, (unsigned long long)threads,
		format_duration(data->duration_ns, duration, sizeof(duration)),
		format_duration(oncpu, on, sizeof(on)), format_duration(offcpu, off, sizeof(off)),
		(unsigned long long)vcsw, (unsigned long long)ivcsw, (unsigned long long)minflt,
		(unsigned long long)majflt, data->faults_available ? "" : " (not available)");
}

static void print_uring(FILE *out, const struct trace_data *data)
{
	size_t i;

	if (!data->uring_count)
		return;
	fprintf(out, "\nio_uring requests (not system calls):\n%7s %-20s %10s %10s %8s\n",
		"pid", "opcode", "submitted", "completed", "errors");
	for (i = 0; i < data->uring_count; i++) {
		const struct uring_row *row = &data->urings[i];

		fprintf(out, "%7u %-20s %10llu %10llu %8llu\n", row->tgid, row->name,
			(unsigned long long)row->stats.submitted,
			(unsigned long long)row->stats.completed,
			(unsigned long long)row->stats.errors);
	}
}

static void print_losses(FILE *out, const struct trace_data *data)
{
	size_t i;

	if (!data->loss_count) {
		fprintf(out, "lost: nothing (every event was counted)\n");
		return;
	}
	for (i = 0; i < data->loss_count; i++)
		fprintf(out, "lost: %llu (%s)\n", (unsigned long long)data->losses[i].count,
			data->losses[i].what);
}

void trace_print_report(FILE *out, const struct trace_data *data,
			const struct trace_options *options)
{
	if (options->per_process)
		print_breakdown(out, data, options, SCOPE_PROCESS);
	else if (options->per_thread)
		print_breakdown(out, data, options, SCOPE_THREAD);
	else
		print_scope(out, data, options, SCOPE_ALL, 0);

	print_uring(out, data);
	print_process_summary(out, data);
	print_losses(out, data);
	if (data->interrupted)
		fprintf(out, "interrupted: the report covers the trace until the signal\n");
	fflush(out);
}
