/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types shared by bpf/trace.bpf.c and the user-space side of `uniscope
 * trace`. Only fixed-width types, so both sides agree on the layout.
 */
#ifndef __UNISCOPE_TRACE_H
#define __UNISCOPE_TRACE_H

#define TASK_COMM_LEN 16
#define EXEC_PATH_LEN 256

/* System call numbers at or above this are counted in one "out of range" key. */
#define MAX_SYSCALL_NR 1024

/*
 * Latency histogram: log2 buckets split in HIST_SUB_SLOTS linear parts, so a
 * slot spans at most a quarter of its power of two. Slot s covers, for
 * s >= 4, [2^m + k * 2^(m-2), 2^m + (k + 1) * 2^(m-2)) ns with m = s / 4 + 1
 * and k = s % 4; slots 0-3 hold exact values 0-3 ns. The last slot also holds
 * everything above 2^41 ns (about 37 minutes).
 */
#define HIST_SUB_BITS 2
#define HIST_SUB_SLOTS (1 << HIST_SUB_BITS)
#define HIST_MAX_LOG2 40
#define HIST_SLOTS (HIST_SUB_SLOTS * HIST_MAX_LOG2)

enum syscall_abi {
	ABI_64 = 0,	/* the native x86-64 table */
	ABI_32 = 1,	/* int 0x80 / sysenter: the i386 table */
	ABI_X32 = 2,	/* x32: native table with __X32_SYSCALL_BIT */
};

/*
 * The statistics of a process's native system calls live in a per-CPU pool
 * of entries, found through an index by (stats slot, number): two array
 * lookups where a hash lookup would cost about 30 ns a call. A process gets
 * a stats slot when it joins the traced set. Other keys go to a hash map:
 * processes beyond STATS_SLOTS, 32-bit and x32 calls, numbers from
 * STATS_FAST_NR, --per-thread keys, and keys arriving after the pool filled.
 */
#define STATS_SLOTS 256
#define STATS_SLOT_NONE 0xffff
#define STATS_FAST_NR 512
#define STATS_POOL_SIZE 4096
/* Index value of a key that did not get a pool entry: use the hash map. */
#define STATS_POOL_FULL 0xffffffffu

/* Keys of the per-syscall statistics; fields not asked for stay 0. */
struct syscall_key {
	__u32 tgid;
	__u32 tid;
	__u16 nr;
	__u8 abi;
	__u8 pad;
};

struct syscall_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 offcpu_ns;
	__u64 max_ns;
	__u64 unfinished;	/* ended by the task's exit, such as exit_group */
	__u64 hist[HIST_SLOTS];
};

struct errno_key {
	struct syscall_key syscall;
	__u32 err;
	__u32 pad;
};

/* Per-process totals, summed over its threads, from scheduler and fault events. */
struct proc_stats {
	__u64 oncpu_ns;
	__u64 offcpu_ns;
	__u64 voluntary_switches;
	__u64 involuntary_switches;
	__u64 minor_faults;
	__u64 major_faults;
	__u64 threads_started;
};

/* A traced process, by TGID. */
struct proc_info {
	__u32 ppid;
	__u32 exited;
	__u64 start_ns;
	__u64 code_start;	/* the main executable's code, to tell program calls apart */
	__u64 code_end;
	__u64 exe_inode;	/* inode of the main executable */
	char comm[TASK_COMM_LEN];
	__u32 stats_slot;	/* below STATS_SLOTS, or STATS_SLOT_NONE */
	__u32 awaiting_exec;	/* launched, traced from its execve on */
};

struct uring_key {
	__u32 tgid;
	__u16 opcode;
	__u16 pad;
};

struct uring_stats {
	__u64 submitted;
	__u64 completed;
	__u64 errors;
};

enum event_type {
	EVENT_FORK = 1,
	EVENT_EXEC = 2,
	EVENT_EXIT = 3,
	EVENT_THREAD_EXIT = 5,	/* with --per-thread: a thread ended, its process goes on */
	EVENT_MAP = 4,
};

/* Process lifetime events, sent through the ring buffer. */
struct lifecycle_event {
	__u32 type;
	__u32 tgid;
	__u32 ppid;
	__s32 exit_code;
	__u32 tid;		/* of EVENT_THREAD_EXIT */
	__u32 pad;
	__u64 time_ns;
	char comm[TASK_COMM_LEN];
	char path[EXEC_PATH_LEN];
};

/* Components of a mapped file's path, leaf first, as the kernel's dentries name them. */
#define PATH_DEPTH 16
#define PATH_NAME_LEN 64

/* A file mapped executable by a traced process (mmap with PROT_EXEC, or exec). */
struct map_event {
	__u32 type;		/* EVENT_MAP */
	__u32 tgid;
	__u64 start;
	__u64 length;
	__u64 file_offset;
	__u64 inode;
	__u32 dev;
	__u32 depth;		/* components used in names */
	__u32 stopped;		/* the process waits for SIGCONT until the file is probed */
	__u32 pad;
	char names[PATH_DEPTH][PATH_NAME_LEN];
};

/* Library calls counted by the uprobe program, per process and probe (attach cookie). */
struct libcall_key {
	__u32 tgid;
	__u32 probe;
};

struct libcall_counts {
	__u64 from_program;	/* the return address lies in the main executable */
	__u64 from_libraries;	/* anywhere else: libraries, the loader */
};

/* Counts of things the BPF side could not record, indexed by enum loss_kind. */
enum loss_kind {
	LOSS_STATS_MAP_FULL,
	LOSS_ERRNO_MAP_FULL,
	LOSS_PROC_MAP_FULL,
	LOSS_TASK_STORAGE,
	LOSS_RINGBUF,
	LOSS_URING_MAP_FULL,
	LOSS_LIBCALL_MAP_FULL,
	LOSS_KINDS,
};

#endif /* __UNISCOPE_TRACE_H */
