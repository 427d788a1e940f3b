// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-syscall counts and latency of a set of processes, aggregated in the
 * kernel so that no system call is lost at any rate.
 *
 * Latency uses two paths. A system call that does not sleep starts and ends
 * on one CPU with no context switch in between, so its start time lives in a
 * per-CPU slot. When a task is switched out inside a system call, the slot
 * moves into the task's local storage, which also collects the time the task
 * spends off-CPU before the call returns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "trace.h"

#define TS_COMPAT 0x0002		/* x86 thread_info.status: in a 32-bit system call */
#define X32_SYSCALL_BIT 0x40000000
#define MAX_ERRNO 4095
/* ERESTARTSYS to ERESTART_RESTARTBLOCK: a signal cut the call short. */
#define ERESTART_FIRST 512
#define ERESTART_LAST 517

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Tunables, set by user space before load. */
const volatile bool targ_latency = true;
const volatile bool targ_per_thread = false;
const volatile bool targ_follow = true;
const volatile __u32 targ_exit_nr = 60;
const volatile __u32 targ_exit_group_nr = 231;
const volatile __u32 targ_exit_nr_32 = 1;
const volatile __u32 targ_exit_group_nr_32 = 252;
/* Restoring a signal frame sets orig_ax to -1: the exit shows no number. */
const volatile __u32 targ_rt_sigreturn_nr = 15;
const volatile __u32 targ_rt_sigreturn_nr_32 = 173;
const volatile __u32 targ_execve_nr = 59;
const volatile __u32 targ_execveat_nr = 322;
/* Library-call mode: report executable mappings (mmap number: targ_mmap_nr). */
const volatile bool targ_track_maps = false;
const volatile __u32 targ_mmap_nr = 9;
/*
 * Stop a process of the analysed program (inode targ_program_inode) that
 * maps a file not in known_inodes, until user space probes it.
 */
const volatile bool targ_stop_on_new_files = false;
const volatile __u64 targ_program_inode = 0;

/* Bumped whenever the set of traced processes changes, to refresh filter caches. */
__u64 traced_generation;
__u64 losses[LOSS_KINDS];
/* Stats slots handed out (user space takes some too) and pool entries used. */
__u32 next_stats_slot;
__u32 stats_pool_used;

/* Zeroed values to create map entries with; too large for the BPF stack. */
struct syscall_stats zero_syscall_stats;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct proc_info);
} traced_procs SEC(".maps");

/*
 * The statistics outside the pool. Preallocated: an allocation at update
 * time can fail for a while after a burst of new keys (a new process's
 * first calls), which lost counts. User space raises max_entries for
 * --per-thread, where every key lands here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct syscall_key);
	__type(value, struct syscall_stats);
} syscall_stats SEC(".maps");

/* Pool entry of each (stats slot, number): 0 until the first call, or STATS_POOL_FULL. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STATS_SLOTS * STATS_FAST_NR);
	__type(key, __u32);
	__type(value, __u32);
} stats_index SEC(".maps");

/* Entry 0 is never used, so that 0 in the index means "none yet". */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STATS_POOL_SIZE);
	__type(key, __u32);
	__type(value, struct syscall_stats);
} stats_pool SEC(".maps");

/* The key each pool entry counts, for user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STATS_POOL_SIZE);
	__type(key, __u32);
	__type(value, struct syscall_key);
} stats_pool_keys SEC(".maps");

/*
 * Maps updated less often than once per system call are shared by the CPUs
 * and updated with atomic adds: a preallocated per-CPU hash map allocates
 * per-CPU memory entry by entry, which took about 1 us an entry at load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct errno_key);
	__type(value, __u64);
} errno_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct proc_stats);
} proc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct uring_key);
	__type(value, struct uring_stats);
} uring_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct libcall_key);
	__type(value, struct libcall_counts);
} libcall_counts SEC(".maps");

/* Files whose functions are probed already, by inode; a new one is added when reported. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} known_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/*
 * Whether the task last seen on this CPU is traced, valid for one generation.
 * The TID, the result, the process's stats slot and the generation share one
 * word, written with one store. A BPF program can be preempted, and another
 * program that runs on this CPU in between must never leave one task's result
 * under another TID.
 */
struct filter_cache {
	__u64 word;		/* tid << 32 | slot << 16 | traced << 15 | generation */
	__u64 code_start;	/* of the process last looked up; for attribution only */
	__u64 code_end;
};

/*
 * 15 bits of generation: a stale entry would need the same task to be the
 * last one on its CPU across 32768 changes of the traced set.
 */
#define FILTER_GENERATION_MASK 0x7fffull
#define FILTER_TRACED (1ull << 15)
#define FILTER_SLOT_SHIFT 16
#define FILTER_SLOT_MASK (0xffffull << FILTER_SLOT_SHIFT)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filter_cache);
} filter_cache SEC(".maps");

/* The system call in flight on this CPU: the fast path. id = nr | abi << 16. */
struct inflight {
	__u32 tid;
	__u32 id;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* The traced task running on this CPU and since when, for on-CPU time. */
struct cpu_run {
	__u32 tid;
	__u32 tgid;
	__u64 switched_in_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_run);
} cpu_run SEC(".maps");

/* A traced task's state across context switches: the slow path. */
struct task_state {
	__u64 start_ns;
	__u64 offcpu_ns;
	__u64 switched_out_ns;
	__u32 id;
	__u32 in_syscall;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_state SEC(".maps");

static __always_inline void count_loss(enum loss_kind kind)
{
	if (kind < LOSS_KINDS)
		__sync_fetch_and_add(&losses[kind], 1);
}

static __always_inline bool tgid_is_traced(__u32 tgid)
{
	struct proc_info *info = bpf_map_lookup_elem(&traced_procs, &tgid);

	return info && !info->exited && !info->awaiting_exec;
}

/*
 * Returns the current task's cache entry, refreshed for this generation, or
 * NULL when the task is not traced. Stores the process's stats slot in *slot.
 */
static __always_inline struct filter_cache *current_filter(__u32 tid, __u32 tgid, __u32 *slot)
{
	__u64 generation = *(volatile __u64 *)&traced_generation & FILTER_GENERATION_MASK;
	__u64 key = (__u64)tid << 32 | generation, word;
	struct filter_cache *cache;
	struct proc_info *info;
	__u32 zero = 0;

	cache = bpf_map_lookup_elem(&filter_cache, &zero);
	if (!cache)
		return NULL;
	word = *(volatile __u64 *)&cache->word;
	if ((word & ~(FILTER_TRACED | FILTER_SLOT_MASK)) == key) {
		*slot = (word & FILTER_SLOT_MASK) >> FILTER_SLOT_SHIFT;
		return word & FILTER_TRACED ? cache : NULL;
	}

	info = bpf_map_lookup_elem(&traced_procs, &tgid);
	if (!info || info->exited || info->awaiting_exec) {
		*(volatile __u64 *)&cache->word = key;
		return NULL;
	}
	*slot = info->stats_slot & 0xffff;
	cache->code_start = info->code_start;
	cache->code_end = info->code_end;
	*(volatile __u64 *)&cache->word = key | FILTER_TRACED |
					  (__u64)*slot << FILTER_SLOT_SHIFT;
	return cache;
}

/* Whether the current task is traced, cached per CPU for the common case. */
static __always_inline bool current_is_traced(__u32 tid, __u32 tgid)
{
	__u32 slot;

	return current_filter(tid, tgid, &slot) != NULL;
}

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 high = v >> 32;

	return high ? log2_u32(high) + 32 : log2_u32(v);
}

static __always_inline __u32 hist_slot(__u64 ns)
{
	__u32 log2, slot;

	if (ns < HIST_SUB_SLOTS)
		return ns;
	log2 = log2_u64(ns);
	slot = (log2 - 1) * HIST_SUB_SLOTS + ((ns >> (log2 - HIST_SUB_BITS)) & (HIST_SUB_SLOTS - 1));
	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

static __always_inline __u32 syscall_id(long nr, struct task_struct *task)
{
	__u32 abi = ABI_64;

	/* A direct load from a BTF pointer: no helper call on the hot path. */
	if (task->thread_info.status & TS_COMPAT)
		abi = ABI_32;
	else if (nr & X32_SYSCALL_BIT) {
		abi = ABI_X32;
		nr &= ~X32_SYSCALL_BIT;
	}
	if (nr < 0 || nr >= MAX_SYSCALL_NR)
		nr = MAX_SYSCALL_NR;
	return (__u32)nr | abi << 16;
}

/*
 * Takes a pool entry for the key of *index. When two programs race for the
 * same key, the loser's entry stays unused: user space skips empty entries.
 */
static __noinline __u32 claim_pool_entry(__u32 *index, struct syscall_key *key)
{
	struct syscall_key *stored;
	__u32 entry, published;

	entry = __sync_fetch_and_add(&stats_pool_used, 1) + 1;
	if (entry >= STATS_POOL_SIZE) {
		__sync_val_compare_and_swap(index, 0, STATS_POOL_FULL);
		return *(volatile __u32 *)index;
	}
	stored = bpf_map_lookup_elem(&stats_pool_keys, &entry);
	if (!stored)
		return STATS_POOL_FULL;
	*stored = *key;
	published = __sync_val_compare_and_swap(index, 0, entry);
	return published ? published : entry;
}

/* Returns the pool entry of a native call of a process with a slot, or NULL. */
static __always_inline struct syscall_stats *pool_stats(__u32 slot, struct syscall_key *key)
{
	__u32 position, entry, *index;

	if (targ_per_thread || slot >= STATS_SLOTS || key->abi != ABI_64 ||
	    key->nr >= STATS_FAST_NR)
		return NULL;
	position = slot * STATS_FAST_NR + key->nr;
	index = bpf_map_lookup_elem(&stats_index, &position);
	if (!index)
		return NULL;
	entry = *(volatile __u32 *)index;
	if (!entry)
		entry = claim_pool_entry(index, key);
	if (entry == STATS_POOL_FULL)
		return NULL;
	return bpf_map_lookup_elem(&stats_pool, &entry);
}

/*
 * Returns the id of the call ending at sys_exit, with no entry to compare.
 * Restoring a signal frame sets orig_ax to -1, so -1 is rt_sigreturn.
 */
static __always_inline __u32 exit_syscall_id(struct pt_regs *regs, struct task_struct *task)
{
	if ((long)regs->orig_ax != -1)
		return syscall_id(regs->orig_ax, task);
	/* NOTE: i386 sigreturn and rt_sigreturn look alike here, so both count as rt_sigreturn. */
	if (task->thread_info.status & TS_COMPAT)
		return targ_rt_sigreturn_nr_32 | ABI_32 << 16;
	return targ_rt_sigreturn_nr;
}

static __always_inline struct syscall_stats *stats_entry(__u32 slot, struct syscall_key *key)
{
	struct syscall_stats *stats = pool_stats(slot, key);

	if (stats)
		return stats;
	stats = bpf_map_lookup_elem(&syscall_stats, key);

	if (stats)
		return stats;
	if (bpf_map_update_elem(&syscall_stats, key, &zero_syscall_stats, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&syscall_stats, key)) {
		count_loss(LOSS_STATS_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&syscall_stats, key);
}

static __always_inline void count_errno(struct syscall_key *key, long ret)
{
	struct errno_key errno_key = { .syscall = *key, .err = -ret };
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&errno_counts, &errno_key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return;
	}
	if (bpf_map_update_elem(&errno_counts, &errno_key, &one, BPF_NOEXIST)) {
		count = bpf_map_lookup_elem(&errno_counts, &errno_key);
		if (count)
			__sync_fetch_and_add(count, 1);
		else
			count_loss(LOSS_ERRNO_MAP_FULL);
	}
}

/* Adds one finished (or, with unfinished set, abandoned) system call. */
static __always_inline void record_syscall(__u32 tgid, __u32 tid, __u32 stats_slot, __u32 id,
					   __u64 latency_ns, __u64 offcpu_ns, long ret,
					   bool unfinished)
{
	struct syscall_key key = {
		.tgid = tgid,
		.tid = targ_per_thread ? tid : 0,
		.nr = id & 0xffff,
		.abi = id >> 16,
	};
	struct syscall_stats *stats;
	__u32 slot;

	stats = stats_entry(stats_slot, &key);
	if (!stats)
		return;

	stats->count++;
	if (ret <= -ERESTART_FIRST && ret >= -ERESTART_LAST)
		unfinished = true;
	if (unfinished)
		stats->unfinished++;
	else if (ret < 0 && ret >= -MAX_ERRNO) {
		stats->errors++;
		count_errno(&key, ret);
	}
	if (!targ_latency)
		return;

	stats->total_ns += latency_ns;
	stats->offcpu_ns += offcpu_ns;
	if (latency_ns > stats->max_ns)
		stats->max_ns = latency_ns;
	slot = hist_slot(latency_ns);
	/* Keep clang from moving the bound check away from the access the verifier checks. */
	asm volatile("" : "+r"(slot));
	if (slot < HIST_SLOTS)
		stats->hist[slot]++;
}

/* A map event is built here, then copied to the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct map_event);
} map_event_scratch SEC(".maps");

/* The position of a walk from a file's dentry up to the root. */
struct path_walk {
	__u64 dentry;
	__u64 vfsmnt;
	__u64 mount;
	__u32 depth;
};

/* One step of the walk: a path component, or a crossing to the parent mount. */
static long walk_path_step(__u32 index, void *data)
{
	struct path_walk *walk = data;
	struct dentry *dentry = (struct dentry *)walk->dentry, *parent;
	struct mount *mount = (struct mount *)walk->mount, *mount_parent;
	struct vfsmount *vfsmnt = (struct vfsmount *)walk->vfsmnt;
	struct map_event *event;
	__u32 zero = 0;

	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root) || dentry == parent) {
		mount_parent = BPF_CORE_READ(mount, mnt_parent);
		/* The root of the root mount ends the path. */
		if (mount == mount_parent)
			return 1;
		walk->dentry = (__u64)BPF_CORE_READ(mount, mnt_mountpoint);
		walk->mount = (__u64)mount_parent;
		walk->vfsmnt = (__u64)mount_parent + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}

	event = bpf_map_lookup_elem(&map_event_scratch, &zero);
	if (!event || walk->depth >= PATH_DEPTH)
		return 1;
	bpf_probe_read_kernel_str(event->names[walk->depth & (PATH_DEPTH - 1)], PATH_NAME_LEN,
				  BPF_CORE_READ(dentry, d_name.name));
	walk->depth++;
	walk->dentry = (__u64)parent;
	return 0;
}

static __noinline void send_map_event(__u32 tgid, struct file *file, __u64 start,
				      __u64 length, __u64 file_offset)
{
	struct path_walk walk = {};
	struct map_event *event;
	__u32 zero = 0;

	event = bpf_map_lookup_elem(&map_event_scratch, &zero);
	if (!file || !event)
		return;
	event->stopped = 0;
	event->type = EVENT_MAP;
	event->tgid = tgid;
	event->start = start;
	event->length = length;
	event->file_offset = file_offset;
	event->inode = BPF_CORE_READ(file, f_inode, i_ino);
	event->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);

	walk.dentry = (__u64)BPF_CORE_READ(file, f_path.dentry);
	walk.vfsmnt = (__u64)BPF_CORE_READ(file, f_path.mnt);
	walk.mount = walk.vfsmnt - bpf_core_field_offset(struct mount, mnt);
	bpf_loop(PATH_DEPTH * 2, walk_path_step, &walk, 0);
	event->depth = walk.depth;

	if (bpf_ringbuf_output(&events, event, sizeof(*event), 0))
		count_loss(LOSS_RINGBUF);
}

/* Tells user space that the process waits for SIGCONT until file is probed. */
static __noinline void send_stop_notice(__u32 tgid, struct file *file)
{
	struct map_event *event;
	__u32 zero = 0;

	event = bpf_map_lookup_elem(&map_event_scratch, &zero);
	if (!event)
		return;
	/* The scratch buffer still contains the event just sent for this file. */
	event->stopped = 1;
	if (bpf_ringbuf_output(&events, event, sizeof(*event), 0))
		count_loss(LOSS_RINGBUF);
}

/*
 * A library mapped at run time (dlopen) gets its uprobes from user space,
 * which takes longer than the loader needs to call into it. The process
 * stops before it returns from mmap, and user space continues it once the
 * probes are attached, so no call is missed.
 */
static __always_inline bool stop_for_new_file(struct file *file, __u32 tgid)
{
	__u64 inode = BPF_CORE_READ(file, f_inode, i_ino);
	struct proc_info *info;
	__u8 one = 1;

	/* Only the analysed program: other programs its children execute keep running. */
	info = bpf_map_lookup_elem(&traced_procs, &tgid);
	if (!info || info->exe_inode != targ_program_inode)
		return false;
	if (bpf_map_lookup_elem(&known_inodes, &inode))
		return false;
	if (bpf_map_update_elem(&known_inodes, &inode, &one, BPF_NOEXIST))
		return false;
	return bpf_send_signal(19) == 0;	/* SIGSTOP */
}

/* After a successful mmap with PROT_EXEC of a file, reports the file. */
static __always_inline void report_exec_mapping(struct pt_regs *regs, long ret, __u32 tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *file = NULL;
	unsigned int fd;

	if (ret < 0 && ret >= -MAX_ERRNO)
		return;
	if (!(regs->dx & 0x4) || (regs->r10 & 0x20))	/* PROT_EXEC, MAP_ANONYMOUS */
		return;
	fd = regs->r8;
	if (fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return;
	send_map_event(tgid, file, ret, regs->si, regs->r9);
	if (targ_stop_on_new_files && stop_for_new_file(file, tgid))
		send_stop_notice(tgid, file);
}

/*
 * Counts one call of a probed function by the current process, split by
 * caller. stack_slots is the number of 8-byte pushes between the function's
 * entry and the probe, so the return address lies that many slots above the
 * stack top.
 */
static __always_inline int count_libcall(struct pt_regs *ctx, __u32 probe, __u32 stack_slots)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct libcall_key key = { .tgid = pid_tgid >> 32, .probe = probe };
	static const struct libcall_counts zero;
	struct libcall_counts *counts;
	struct filter_cache *cache;
	__u64 return_address = 0;
	__u32 stats_slot;

	cache = current_filter((__u32)pid_tgid, key.tgid, &stats_slot);
	if (!cache)
		return 0;

	bpf_probe_read_user(&return_address, sizeof(return_address),
			    (void *)(ctx->sp + 8 * (__u64)stack_slots));

	counts = bpf_map_lookup_elem(&libcall_counts, &key);
	if (!counts) {
		bpf_map_update_elem(&libcall_counts, &key, &zero, BPF_NOEXIST);
		counts = bpf_map_lookup_elem(&libcall_counts, &key);
		if (!counts) {
			count_loss(LOSS_LIBCALL_MAP_FULL);
			return 0;
		}
	}
	if (return_address >= cache->code_start && return_address < cache->code_end)
		counts->from_program++;
	else
		counts->from_libraries++;
	return 0;
}

/* A perf-event uprobe at a function's first instruction. The cookie is the probe index. */
SEC("uprobe")
int uni_libcall(struct pt_regs *ctx)
{
	return count_libcall(ctx, bpf_get_attach_cookie(ctx), 0);
}

/*
 * uni_libcall for uprobe-multi links, loaded with the BPF_TRACE_UPROBE_MULTI
 * attach type, which the kernel checks at link creation. The low 32 bits
 * of the cookie are the probe's index, and the high 32 bits its stack slots.
 */
SEC("?uprobe")
int uni_libcall_multi(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	return count_libcall(ctx, (__u32)cookie, cookie >> 32);
}

/* The running task became traced: its on-CPU time counts from now. */
static __always_inline void start_oncpu_clock(struct task_struct *task, __u64 now)
{
	struct cpu_run *run;
	__u32 zero = 0;

	run = bpf_map_lookup_elem(&cpu_run, &zero);
	if (!run)
		return;
	run->tid = task->pid;
	run->tgid = task->tgid;
	run->switched_in_ns = now;
}

/*
 * A launched command is traced from its execve on, because the launcher's
 * own calls before it (waiting for the tracer, closing descriptors) are not
 * the command's. Called at an execve of an untraced task, it returns whether
 * that call starts the tracing of tgid.
 */
static __noinline bool begin_at_exec(__u32 tgid)
{
	struct proc_info *info;

	info = bpf_map_lookup_elem(&traced_procs, &tgid);
	if (!info || info->exited || !info->awaiting_exec)
		return false;
	info->awaiting_exec = 0;
	__sync_fetch_and_add(&traced_generation, 1);
	start_oncpu_clock(bpf_get_current_task_btf(), bpf_ktime_get_ns());
	return true;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(uni_sys_enter, struct pt_regs *regs, long nr)
{
	/* Fields of the BTF task pointer: one helper call where two would do. */
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = task->pid, tgid = task->tgid;
	struct inflight *slot;
	__u32 zero = 0;

	/* Untraced tasks of the whole system pass here: only an exec costs a lookup. */
	if (!current_is_traced(tid, tgid) &&
	    ((nr != targ_execve_nr && nr != targ_execveat_nr) || !begin_at_exec(tgid)))
		return 0;

	slot = bpf_map_lookup_elem(&inflight, &zero);
	if (!slot)
		return 0;
	slot->tid = 0;
	slot->id = syscall_id(nr, task);
	slot->start_ns = bpf_ktime_get_ns();
	slot->tid = tid;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(uni_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = task->pid, tgid = task->tgid;
	__u64 now, start_ns, offcpu_ns = 0;
	__u32 zero = 0, id, stats_slot;
	struct task_state *state;
	struct inflight *slot;

	if (!current_filter(tid, tgid, &stats_slot))
		return 0;

	now = bpf_ktime_get_ns();
	slot = bpf_map_lookup_elem(&inflight, &zero);
	if (!slot)
		return 0;
	/*
	 * The number at exit guards against a slot that another task's entry
	 * overwrote. After rt_sigreturn the number is gone, so the entry's is used.
	 */
	id = syscall_id(regs->orig_ax, task);
	if ((long)regs->orig_ax == -1 && slot->tid == tid)
		id = slot->id;
	if (slot->tid == tid && slot->id == id) {
		start_ns = slot->start_ns;
		slot->tid = 0;
	} else {
		/* The task was switched out since its sys_enter, or entered before tracing. */
		state = bpf_task_storage_get(&task_state, task, 0, 0);
		if (!state || !state->in_syscall)
			return 0;
		state->in_syscall = 0;
		if ((long)regs->orig_ax == -1)
			id = state->id;
		if (state->id != id)
			return 0;
		start_ns = state->start_ns;
		offcpu_ns = state->offcpu_ns;
	}
	record_syscall(tgid, tid, stats_slot, id, now - start_ns, offcpu_ns, ret, false);
	if (targ_track_maps && id == targ_mmap_nr)
		report_exec_mapping(regs, ret, tgid);
	return 0;
}

/* Counts-only mode: one program per system call, reading the number at exit. */
SEC("tp_btf/sys_exit")
int BPF_PROG(uni_sys_exit_cnt, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tid = task->pid, tgid = task->tgid, stats_slot;

	if (!current_filter(tid, tgid, &stats_slot))
		return 0;
	record_syscall(tgid, tid, stats_slot, exit_syscall_id(regs, task), 0, 0, ret, false);
	if (targ_track_maps && regs->orig_ax == targ_mmap_nr)
		report_exec_mapping(regs, ret, tgid);
	return 0;
}

static __always_inline struct proc_stats *proc_stats_entry(__u32 tgid)
{
	static const struct proc_stats zero;
	struct proc_stats *stats;

	stats = bpf_map_lookup_elem(&proc_stats, &tgid);
	if (stats)
		return stats;
	if (bpf_map_update_elem(&proc_stats, &tgid, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&proc_stats, &tgid)) {
		count_loss(LOSS_PROC_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&proc_stats, &tgid);
}

static __always_inline void switch_out(struct task_struct *prev, bool preempt,
				       unsigned int prev_state, __u64 now)
{
	__u32 tid = prev->pid, tgid = prev->tgid, zero = 0;
	struct task_state *state;
	struct proc_stats *stats;
	struct inflight *slot;
	struct cpu_run *run;

	stats = proc_stats_entry(tgid);
	run = bpf_map_lookup_elem(&cpu_run, &zero);
	if (stats && run && run->tid == tid && run->switched_in_ns)
		__sync_fetch_and_add(&stats->oncpu_ns, now - run->switched_in_ns);
	if (run)
		run->tid = 0;
	if (stats) {
		/* The kernel counts a switch as voluntary when the task blocked. */
		if (!preempt && prev_state)
			__sync_fetch_and_add(&stats->voluntary_switches, 1);
		else
			__sync_fetch_and_add(&stats->involuntary_switches, 1);
	}

	state = bpf_task_storage_get(&task_state, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	slot = bpf_map_lookup_elem(&inflight, &zero);
	if (!state) {
		count_loss(LOSS_TASK_STORAGE);
		return;
	}
	state->switched_out_ns = now;
	if (targ_latency && slot && slot->tid == tid) {
		state->start_ns = slot->start_ns;
		state->id = slot->id;
		state->offcpu_ns = 0;
		state->in_syscall = 1;
		slot->tid = 0;
	}
}

static __always_inline void switch_in(struct task_struct *next, __u64 now)
{
	__u32 tgid = next->tgid, zero = 0;
	struct task_state *state;
	struct proc_stats *stats;
	struct cpu_run *run;
	__u64 offcpu_ns;

	run = bpf_map_lookup_elem(&cpu_run, &zero);
	if (run) {
		run->tid = next->pid;
		run->tgid = tgid;
		run->switched_in_ns = now;
	}

	state = bpf_task_storage_get(&task_state, next, 0, 0);
	if (!state || !state->switched_out_ns)
		return;
	offcpu_ns = now - state->switched_out_ns;
	state->switched_out_ns = 0;
	if (state->in_syscall)
		state->offcpu_ns += offcpu_ns;
	stats = proc_stats_entry(tgid);
	if (stats)
		__sync_fetch_and_add(&stats->offcpu_ns, offcpu_ns);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(uni_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	if (current_is_traced((__u32)pid_tgid, pid_tgid >> 32))
		switch_out(prev, preempt, prev_state, now);
	if (tgid_is_traced(next->tgid))
		switch_in(next, now);
	return 0;
}

static __always_inline void send_event(__u32 type, __u32 tgid, __u32 ppid, int exit_code,
				       struct task_struct *task, const char *path)
{
	struct lifecycle_event *event;

	event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event) {
		count_loss(LOSS_RINGBUF);
		return;
	}
	event->type = type;
	event->tgid = tgid;
	event->ppid = ppid;
	event->exit_code = exit_code;
	event->tid = task->pid;
	event->pad = 0;
	event->time_ns = bpf_ktime_get_ns();
	bpf_probe_read_kernel_str(event->comm, sizeof(event->comm), task->comm);
	event->path[0] = '\0';
	if (path)
		bpf_probe_read_kernel_str(event->path, sizeof(event->path), path);
	bpf_ringbuf_submit(event, 0);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(uni_proc_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = parent->tgid, child_tgid = child->tgid;
	struct proc_info info = {};
	struct proc_stats *stats;

	if (!tgid_is_traced(parent_tgid))
		return 0;

	if (child->pid != child_tgid) {
		stats = proc_stats_entry(child_tgid);
		if (stats)
			__sync_fetch_and_add(&stats->threads_started, 1);
		return 0;
	}
	if (!targ_follow)
		return 0;

	info.ppid = parent_tgid;
	info.start_ns = bpf_ktime_get_ns();
	info.code_start = BPF_CORE_READ(parent, mm, start_code);
	info.code_end = BPF_CORE_READ(parent, mm, end_code);
	info.exe_inode = BPF_CORE_READ(parent, mm, exe_file, f_inode, i_ino);
	info.stats_slot = __sync_fetch_and_add(&next_stats_slot, 1);
	if (info.stats_slot >= STATS_SLOTS)
		info.stats_slot = STATS_SLOT_NONE;
	bpf_probe_read_kernel_str(info.comm, sizeof(info.comm), child->comm);
	if (bpf_map_update_elem(&traced_procs, &child_tgid, &info, BPF_ANY)) {
		count_loss(LOSS_PROC_MAP_FULL);
		return 0;
	}
	__sync_fetch_and_add(&traced_generation, 1);
	send_event(EVENT_FORK, child_tgid, parent_tgid, 0, child, NULL);
	return 0;
}

struct vma_file {
	__u64 file;
	__u64 start;
	__u64 end;
};

static long read_vma_file(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_file *found = data;

	found->file = (__u64)BPF_CORE_READ(vma, vm_file);
	found->start = BPF_CORE_READ(vma, vm_start);
	found->end = BPF_CORE_READ(vma, vm_end);
	return 0;
}

#define AT_BASE 7
#define AUXV_WORDS 64

struct auxv_copy {
	__u64 words[AUXV_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auxv_copy);
} auxv_scratch SEC(".maps");

/* Returns where exec mapped the dynamic loader: the auxiliary vector's AT_BASE, or 0. */
static __always_inline __u64 interpreter_base(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct auxv_copy *auxv;
	__u32 zero = 0;
	int pair;

	auxv = bpf_map_lookup_elem(&auxv_scratch, &zero);
	if (!auxv || bpf_core_read(auxv->words, sizeof(auxv->words), &mm->saved_auxv))
		return 0;
	for (pair = 0; pair < AUXV_WORDS / 2; pair++) {
		if (!auxv->words[2 * pair])
			return 0;
		if (auxv->words[2 * pair] == AT_BASE)
			return auxv->words[2 * pair + 1];
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(uni_proc_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	struct proc_info *info;

	info = bpf_map_lookup_elem(&traced_procs, &tgid);
	if (!info || info->exited)
		return 0;
	if (info->awaiting_exec) {
		/* Counts-only mode has no sys_enter program to start the tracing. */
		info->awaiting_exec = 0;
		start_oncpu_clock(task, bpf_ktime_get_ns());
	}
	bpf_probe_read_kernel_str(info->comm, sizeof(info->comm), task->comm);
	info->code_start = BPF_CORE_READ(task, mm, start_code);
	info->code_end = BPF_CORE_READ(task, mm, end_code);
	info->exe_inode = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	__sync_fetch_and_add(&traced_generation, 1);
	send_event(EVENT_EXEC, tgid, info->ppid, 0, task, BPF_CORE_READ(bprm, filename));
	return 0;
}

/* Library-call mode: exec maps the program and its loader with no mmap call to see. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(uni_exec_maps, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	__u64 code_start, code_end;
	struct vma_file found = {};
	struct proc_info *info;
	__u64 base;

	/* A launched command awaiting this exec counts too: uni_proc_exec may run after. */
	info = bpf_map_lookup_elem(&traced_procs, &tgid);
	if (!info || info->exited)
		return 0;
	code_start = BPF_CORE_READ(task, mm, start_code);
	code_end = BPF_CORE_READ(task, mm, end_code);
	send_map_event(tgid, BPF_CORE_READ(bprm, file), code_start, code_end - code_start, 0);
	base = interpreter_base(task);
	if (base && !bpf_find_vma(task, base, read_vma_file, &found, 0) && found.file)
		send_map_event(tgid, (struct file *)found.file, found.start,
			       found.end - found.start, 0);
	return 0;
}

/* A system call still in flight when its task exits: exit, exit_group, or killed. */
static __always_inline void finish_pending_syscall(struct task_struct *task, __u32 tgid,
						   __u32 tid, __u32 stats_slot, __u64 now)
{
	struct task_state *state;
	struct inflight *slot;
	__u32 zero = 0;
	long nr;

	if (!targ_latency) {
		/* Counts only: no start time is kept, so only exits are known. */
		nr = BPF_CORE_READ((struct pt_regs *)bpf_task_pt_regs(task), orig_ax);
		if (BPF_CORE_READ(task, thread_info.status) & TS_COMPAT) {
			if (nr != targ_exit_nr_32 && nr != targ_exit_group_nr_32)
				return;
		} else if (nr != targ_exit_nr && nr != targ_exit_group_nr) {
			return;
		}
		record_syscall(tgid, tid, stats_slot, syscall_id(nr, task), 0, 0, 0, true);
		return;
	}

	slot = bpf_map_lookup_elem(&inflight, &zero);
	if (slot && slot->tid == tid) {
		record_syscall(tgid, tid, stats_slot, slot->id, now - slot->start_ns, 0, 0, true);
		slot->tid = 0;
		return;
	}
	state = bpf_task_storage_get(&task_state, task, 0, 0);
	if (state && state->in_syscall) {
		record_syscall(tgid, tid, stats_slot, state->id, now - state->start_ns,
			       state->offcpu_ns, 0, true);
		state->in_syscall = 0;
	}
}

/*
 * Adds the exiting task's last stretch on the CPU, which no later switch
 * accounts: by then the process may no longer be in the traced set.
 */
static __always_inline void stop_oncpu_clock(struct task_struct *task, __u32 tgid, __u64 now)
{
	struct proc_stats *stats;
	struct cpu_run *run;
	__u32 zero = 0;

	run = bpf_map_lookup_elem(&cpu_run, &zero);
	if (!run || run->tid != task->pid || !run->switched_in_ns)
		return;
	stats = proc_stats_entry(tgid);
	if (stats)
		__sync_fetch_and_add(&stats->oncpu_ns, now - run->switched_in_ns);
	run->tid = 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(uni_proc_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid, tid = task->pid;
	struct proc_info *info;
	int exit_code;
	__u64 now;

	info = bpf_map_lookup_elem(&traced_procs, &tgid);
	if (!info || info->exited)
		return 0;
	now = bpf_ktime_get_ns();
	finish_pending_syscall(task, tgid, tid, info->stats_slot, now);
	stop_oncpu_clock(task, tgid, now);

	/* The kernel drops signal->live before this tracepoint: 0 means the whole group ended. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0) {
		/* Per-thread keys of a thread that ended can leave the maps now. */
		if (targ_per_thread)
			send_event(EVENT_THREAD_EXIT, tgid, info->ppid, 0, task, NULL);
		return 0;
	}
	info->exited = 1;
	__sync_fetch_and_add(&traced_generation, 1);
	exit_code = BPF_CORE_READ(task, signal, group_exit_code);
	if (!exit_code)
		exit_code = task->exit_code;
	send_event(EVENT_EXIT, tgid, info->ppid, exit_code, task, NULL);
	return 0;
}

static __always_inline int count_fault(bool major)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct proc_stats *stats;

	if (!current_is_traced((__u32)pid_tgid, pid_tgid >> 32))
		return 0;
	stats = proc_stats_entry(pid_tgid >> 32);
	if (!stats)
		return 0;
	if (major)
		__sync_fetch_and_add(&stats->major_faults, 1);
	else
		__sync_fetch_and_add(&stats->minor_faults, 1);
	return 0;
}

SEC("perf_event")
int uni_minor_fault(void *ctx)
{
	return count_fault(false);
}

SEC("perf_event")
int uni_major_fault(void *ctx)
{
	return count_fault(true);
}

static __always_inline struct uring_stats *uring_entry(__u32 tgid, __u16 opcode)
{
	static const struct uring_stats zero;
	struct uring_key key = { .tgid = tgid, .opcode = opcode };
	struct uring_stats *stats;

	stats = bpf_map_lookup_elem(&uring_stats, &key);
	if (stats)
		return stats;
	if (bpf_map_update_elem(&uring_stats, &key, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&uring_stats, &key)) {
		count_loss(LOSS_URING_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&uring_stats, &key);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(uni_uring_submit, struct io_kiocb *req)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct uring_stats *stats;

	if (!tgid_is_traced(tgid))
		return 0;
	stats = uring_entry(tgid, BPF_CORE_READ(req, opcode));
	if (stats)
		__sync_fetch_and_add(&stats->submitted, 1);
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(uni_uring_done, struct io_ring_ctx *ring_ctx, void *req_ptr, struct io_uring_cqe *cqe)
{
	struct io_kiocb *req = req_ptr;
	struct uring_stats *stats;
	__u32 tgid;

	/* Completions may run in interrupt or worker context: use the submitter. */
	tgid = BPF_CORE_READ(req, tctx, task, tgid);
	if (!tgid)
		tgid = bpf_get_current_pid_tgid() >> 32;
	if (!tgid_is_traced(tgid))
		return 0;
	stats = uring_entry(tgid, BPF_CORE_READ(req, opcode));
	if (!stats)
		return 0;
	__sync_fetch_and_add(&stats->completed, 1);
	if (BPF_CORE_READ(cqe, res) < 0)
		__sync_fetch_and_add(&stats->errors, 1);
	return 0;
}
