// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reads the trace's BPF maps back into plain arrays, summed over CPUs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "syscalls.h"
#include "tracer.h"
#include "trace.skel.h"
#include "util.h"

static const char *const loss_names[LOSS_KINDS] = {
	[LOSS_STATS_MAP_FULL] = "syscall statistics map full",
	[LOSS_ERRNO_MAP_FULL] = "errno map full",
	[LOSS_PROC_MAP_FULL] = "process map full",
	[LOSS_TASK_STORAGE] = "task storage unavailable",
	[LOSS_RINGBUF] = "process events dropped (ring buffer full)",
	[LOSS_URING_MAP_FULL] = "io_uring map full",
};

const char *abi_name(unsigned int abi)
{
	switch (abi) {
	case ABI_32:
		return "32";
	case ABI_X32:
		return "x32";
	default:
		return "64";
	}
}

struct proc_row *trace_data_proc(struct trace_data *data, uint32_t tgid)
{
	struct proc_row *procs;
	size_t i;

	for (i = 0; i < data->proc_count; i++)
		if (data->procs[i].tgid == tgid)
			return &data->procs[i];

	procs = realloc(data->procs, (data->proc_count + 1) * sizeof(*procs));
	if (!procs)
		return NULL;
	data->procs = procs;
	memset(&procs[data->proc_count], 0, sizeof(*procs));
	procs[data->proc_count].tgid = tgid;
	return &procs[data->proc_count++];
}

static bool map_is_percpu(const struct bpf_map *map)
{
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false;
	}
}

/*
 * Calls add(values, cpus) for every key of a map: the value of each CPU for
 * a per-CPU map, a single value (cpus = 1) for a shared one.
 */
static int for_each_percpu(struct bpf_map *map, void *key, void *next_key,
			   void (*add)(void *ctx, const void *key, const void *values, int cpus),
			   void *ctx)
{
	size_t key_size = bpf_map__key_size(map);
	size_t value_size = (bpf_map__value_size(map) + 7) & ~7ul;
	int cpus = map_is_percpu(map) ? libbpf_num_possible_cpus() : 1;
	void *values, *previous = NULL;
	int err = 0;

	values = calloc(cpus, value_size);
	if (!values)
		return -ENOMEM;

	while (!bpf_map__get_next_key(map, previous, next_key, key_size)) {
		memcpy(key, next_key, key_size);
		previous = key;
		err = bpf_map__lookup_elem(map, key, key_size, values, value_size * cpus, 0);
		if (err == -ENOENT)
			continue;
		if (err)
			break;
		add(ctx, key, values, cpus);
	}
	free(values);
	return err;
}

static void name_syscall(struct syscall_row *row)
{
	enum syscall_table table = row->abi == ABI_32 ? SYSCALL_TABLE_32 : SYSCALL_TABLE_64;
	char buf[40];

	if (row->nr >= MAX_SYSCALL_NR)
		snprintf(row->name, sizeof(row->name), "syscall_out_of_range");
	else
		snprintf(row->name, sizeof(row->name), "%s",
			 syscall_name_or_number(table, row->nr, buf, sizeof(buf)));
}

static void collect_syscall(void *ctx, const void *key_ptr, const void *values, int cpus)
{
	const struct syscall_key *key = key_ptr;
	const struct syscall_stats *per_cpu = values;
	struct trace_data *data = ctx;
	struct syscall_row *rows, *row;
	int cpu;

	rows = realloc(data->syscalls, (data->syscall_count + 1) * sizeof(*rows));
	if (!rows)
		return;
	data->syscalls = rows;
	row = &rows[data->syscall_count++];
	memset(row, 0, sizeof(*row));
	row->tgid = key->tgid;
	row->tid = key->tid;
	row->nr = key->nr;
	row->abi = key->abi;
	name_syscall(row);
	for (cpu = 0; cpu < cpus; cpu++)
		merge_syscall_stats(&row->stats, &per_cpu[cpu]);
}

/*
 * Reads the pool entries in use. An entry lost in a race between two
 * programs has a key but counted nothing, and is skipped.
 */
static int collect_pool(struct trace_bpf *skel, struct trace_data *data)
{
	size_t value_size = (bpf_map__value_size(skel->maps.stats_pool) + 7) & ~7ul;
	__u32 used = skel->bss->stats_pool_used, entry;
	int cpus = libbpf_num_possible_cpus(), cpu, err = 0;
	struct syscall_stats *values, sum;
	struct syscall_key key;

	if (used >= bpf_map__max_entries(skel->maps.stats_pool)) {
		used = bpf_map__max_entries(skel->maps.stats_pool) - 1;
		p_debug("statistics pool full (%u entries): later keys went to the hash map",
			used);
	} else {
		p_debug("statistics pool: %u entries used", used);
	}
	values = calloc(cpus, value_size);
	if (!values)
		return -ENOMEM;

	for (entry = 1; entry <= used; entry++) {
		err = bpf_map__lookup_elem(skel->maps.stats_pool_keys, &entry, sizeof(entry),
					   &key, sizeof(key), 0);
		if (!err)
			err = bpf_map__lookup_elem(skel->maps.stats_pool, &entry, sizeof(entry),
						   values, value_size * cpus, 0);
		if (err)
			break;
		memset(&sum, 0, sizeof(sum));
		for (cpu = 0; cpu < cpus; cpu++)
			merge_syscall_stats(&sum, (void *)((char *)values + cpu * value_size));
		if (sum.count)
			collect_syscall(data, &key, values, cpus);
	}
	free(values);
	return err;
}

static void collect_errno(void *ctx, const void *key_ptr, const void *values, int cpus)
{
	const struct errno_key *key = key_ptr;
	const __u64 *per_cpu = values;
	struct trace_data *data = ctx;
	struct errno_row *rows, *row;
	int cpu;

	rows = realloc(data->errnos, (data->errno_count + 1) * sizeof(*rows));
	if (!rows)
		return;
	data->errnos = rows;
	row = &rows[data->errno_count++];
	memset(row, 0, sizeof(*row));
	row->tgid = key->syscall.tgid;
	row->tid = key->syscall.tid;
	row->nr = key->syscall.nr;
	row->abi = key->syscall.abi;
	row->err = key->err;
	for (cpu = 0; cpu < cpus; cpu++)
		row->count += per_cpu[cpu];
}

static void collect_proc_stats(void *ctx, const void *key_ptr, const void *values, int cpus)
{
	const struct proc_stats *per_cpu = values;
	struct trace_data *data = ctx;
	struct proc_row *proc;
	int cpu;

	proc = trace_data_proc(data, *(const __u32 *)key_ptr);
	if (!proc)
		return;
	for (cpu = 0; cpu < cpus; cpu++) {
		proc->stats.oncpu_ns += per_cpu[cpu].oncpu_ns;
		proc->stats.offcpu_ns += per_cpu[cpu].offcpu_ns;
		proc->stats.voluntary_switches += per_cpu[cpu].voluntary_switches;
		proc->stats.involuntary_switches += per_cpu[cpu].involuntary_switches;
		proc->stats.minor_faults += per_cpu[cpu].minor_faults;
		proc->stats.major_faults += per_cpu[cpu].major_faults;
		proc->stats.threads_started += per_cpu[cpu].threads_started;
	}
}

/* Generated from the kernel's UAPI header (user/gen_uring_ops.sh). */
extern const char *const uring_op_names[];
extern const unsigned int uring_op_names_count;

static void name_uring_opcode(struct uring_row *row)
{
	if (row->opcode < uring_op_names_count && uring_op_names[row->opcode])
		snprintf(row->name, sizeof(row->name), "%s", uring_op_names[row->opcode]);
	else
		snprintf(row->name, sizeof(row->name), "opcode_%u", row->opcode);
}

static void collect_uring(void *ctx, const void *key_ptr, const void *values, int cpus)
{
	const struct uring_stats *per_cpu = values;
	const struct uring_key *key = key_ptr;
	struct trace_data *data = ctx;
	struct uring_row *rows, *row;
	int cpu;

	rows = realloc(data->urings, (data->uring_count + 1) * sizeof(*rows));
	if (!rows)
		return;
	data->urings = rows;
	row = &rows[data->uring_count++];
	memset(row, 0, sizeof(*row));
	row->tgid = key->tgid;
	row->opcode = key->opcode;
	name_uring_opcode(row);
	for (cpu = 0; cpu < cpus; cpu++) {
		row->stats.submitted += per_cpu[cpu].submitted;
		row->stats.completed += per_cpu[cpu].completed;
		row->stats.errors += per_cpu[cpu].errors;
	}
}

static void collect_procs(struct trace_bpf *skel, struct trace_data *data)
{
	struct bpf_map *map = skel->maps.traced_procs;
	__u32 key, next, *previous = NULL;
	struct proc_info info;
	struct proc_row *proc;

	while (!bpf_map__get_next_key(map, previous, &next, sizeof(next))) {
		key = next;
		previous = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &info, sizeof(info), 0))
			continue;
		proc = trace_data_proc(data, key);
		if (!proc)
			continue;
		proc->ppid = info.ppid;
		proc->exited = proc->exited || info.exited;
		if (info.comm[0])
			snprintf(proc->comm, sizeof(proc->comm), "%s", info.comm);
	}
}

/*
 * Whether a key belongs to a listed process, or with has_tid (the key's
 * second word is a TID) to a listed thread.
 */
static bool key_listed(const __u32 *key, bool has_tid, const struct exited_task *exited,
		       size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (key[0] != exited[i].tgid)
			continue;
		if (!exited[i].tid || (has_tid && key[1] == exited[i].tid))
			return true;
	}
	return false;
}

/*
 * Moves the entries of the listed processes (keys that start with a listed
 * TGID) from a map into data, so that a long trace of many short processes
 * does not fill the map. The matching keys are gathered first, because
 * deleting while walking a hash map restarts the walk.
 */
static int drain_process_keys(struct bpf_map *map, bool has_tid,
			      const struct exited_task *exited, size_t exited_count,
			      void (*add)(void *ctx, const void *key, const void *values, int cpus),
			      struct trace_data *data)
{
	size_t key_size = bpf_map__key_size(map);
	size_t value_size = (bpf_map__value_size(map) + 7) & ~7ul;
	int cpus = map_is_percpu(map) ? libbpf_num_possible_cpus() : 1;
	char *keys = NULL, *grown, key[64], next[64];
	size_t count = 0, i;
	void *previous = NULL, *values;
	int err = 0;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map__get_next_key(map, previous, next, key_size)) {
		memcpy(key, next, key_size);
		previous = key;
		if (!key_listed((const __u32 *)key, has_tid, exited, exited_count))
			continue;
		grown = realloc(keys, (count + 1) * key_size);
		if (!grown) {
			free(keys);
			return -ENOMEM;
		}
		keys = grown;
		memcpy(keys + count++ * key_size, key, key_size);
	}

	values = calloc(cpus, value_size);
	if (!values) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < count && !err; i++) {
		char *entry_key = keys + i * key_size;

		err = bpf_map__lookup_elem(map, entry_key, key_size, values, value_size * cpus, 0);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (err)
			break;
		add(data, entry_key, values, cpus);
		bpf_map__delete_elem(map, entry_key, key_size, 0);
	}
	free(values);
	free(keys);
	return err;
}

int trace_collect_exited(struct trace_bpf *skel, struct trace_data *data,
			 const struct exited_task *exited, size_t count)
{
	struct proc_info info;
	struct proc_row *proc;
	size_t i;
	int err;

	/* Syscall and errno keys hold a TID with --per-thread (0 otherwise). */
	err = drain_process_keys(skel->maps.syscall_stats, true, exited, count, collect_syscall,
				 data);
	if (!err)
		err = drain_process_keys(skel->maps.errno_counts, true, exited, count,
					 collect_errno, data);
	if (!err)
		err = drain_process_keys(skel->maps.uring_stats, false, exited, count,
					 collect_uring, data);
	if (!err)
		err = drain_process_keys(skel->maps.proc_stats, false, exited, count,
					 collect_proc_stats, data);
	if (err) {
		log_errno(LOG_WARN, err, "reading the counts of %zu exited tasks failed", count);
		return err;
	}

	for (i = 0; i < count; i++) {
		__u32 tgid = exited[i].tgid;

		if (exited[i].tid ||
		    bpf_map__lookup_elem(skel->maps.traced_procs, &tgid, sizeof(tgid), &info,
					 sizeof(info), 0))
			continue;
		proc = trace_data_proc(data, tgid);
		if (proc) {
			proc->ppid = info.ppid;
			proc->exited = true;
			if (info.comm[0])
				snprintf(proc->comm, sizeof(proc->comm), "%s", info.comm);
		}
		bpf_map__delete_elem(skel->maps.traced_procs, &tgid, sizeof(tgid), 0);
	}
	return 0;
}

static void add_loss(struct trace_data *data, const char *what, uint64_t count)
{
	if (!count || data->loss_count >= ARRAY_SIZE(data->losses))
		return;
	data->losses[data->loss_count].what = what;
	data->losses[data->loss_count].count = count;
	data->loss_count++;
}

/* BPF programs skipped because another ran on the same CPU count as losses too. */
static void collect_losses(struct trace_bpf *skel, struct trace_data *data)
{
	static char names[8][64];
	struct bpf_program *prog;
	int kind, slot = 0;

	for (kind = 0; kind < LOSS_KINDS; kind++)
		add_loss(data, loss_names[kind], skel->bss->losses[kind]);

	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.recursion_misses)
			continue;
		if (slot == ARRAY_SIZE(names))
			break;
		snprintf(names[slot], sizeof(names[slot]), "runs of %s skipped by the kernel",
			 bpf_program__name(prog));
		add_loss(data, names[slot++], info.recursion_misses);
	}
}

int trace_collect(struct trace_bpf *skel, const struct trace_options *options,
		  struct trace_data *data)
{
	struct syscall_key syscall_key, syscall_next;
	struct errno_key errno_key, errno_next;
	struct uring_key uring_key, uring_next;
	__u32 tgid, tgid_next;
	int err;

	err = collect_pool(skel, data);
	if (!err)
		err = for_each_percpu(skel->maps.syscall_stats, &syscall_key, &syscall_next,
				      collect_syscall, data);
	if (!err)
		err = for_each_percpu(skel->maps.errno_counts, &errno_key, &errno_next,
				      collect_errno, data);
	if (!err)
		err = for_each_percpu(skel->maps.proc_stats, &tgid, &tgid_next,
				      collect_proc_stats, data);
	if (!err)
		err = for_each_percpu(skel->maps.uring_stats, &uring_key, &uring_next,
				      collect_uring, data);
	if (err) {
		log_errno(LOG_ERROR, err, "reading the BPF maps failed");
		return err;
	}

	collect_procs(skel, data);
	collect_losses(skel, data);
	return 0;
}

static bool filter_selects(const struct trace_options *options, const char *name)
{
	int i;

	for (i = 0; i < options->filter_count; i++) {
		const char *entry = options->filter_names[i];

		if (entry[0] == '%' ? syscall_in_class(entry + 1, name) : !strcmp(entry, name))
			return !options->filter_negated;
	}
	return options->filter_negated;
}

void trace_filter_rows(struct trace_data *data, const struct trace_options *options)
{
	size_t i, kept = 0;

	if (!options->filter_count)
		return;

	for (i = 0; i < data->syscall_count; i++)
		if (filter_selects(options, data->syscalls[i].name))
			data->syscalls[kept++] = data->syscalls[i];
	data->syscall_count = kept;

	kept = 0;
	for (i = 0; i < data->errno_count; i++) {
		struct errno_row *row = &data->errnos[i];
		enum syscall_table table = row->abi == ABI_32 ? SYSCALL_TABLE_32 : SYSCALL_TABLE_64;
		char buf[40];

		if (filter_selects(options, syscall_name_or_number(table, row->nr, buf, sizeof(buf))))
			data->errnos[kept++] = *row;
	}
	data->errno_count = kept;
}

void trace_data_free(struct trace_data *data)
{
	free(data->syscalls);
	free(data->errnos);
	free(data->procs);
	free(data->urings);
	memset(data, 0, sizeof(*data));
}
