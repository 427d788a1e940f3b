/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `uniscope trace`: the options, the data read back from the BPF maps, and
 * the report built from it. trace.c runs the trace, trace_collect.c reads
 * the maps, trace_report.c prints the table and trace_json.c the JSON.
 */
#ifndef __UNISCOPE_TRACER_H
#define __UNISCOPE_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <linux/types.h>

#include "trace.h"

enum sort_order {
	SORT_TIME,
	SORT_CALLS,
	SORT_NAME,
	SORT_ERRORS,
};

#define MAX_TARGET_PIDS 64

struct tracer;

/* Callbacks of a front end that does more than count system calls. */
struct tracer_hooks {
	/* A file mapped executable by a traced process (with track_maps). */
	void (*on_map)(void *ctx, const struct map_event *event);
	/* Runs after the probes are attached and before the launched command starts. */
	int (*before_release)(void *ctx, struct tracer *tracer);
	void *ctx;
};

struct trace_options {
	char **command;			/* argv of the command to launch, or NULL */
	pid_t pids[MAX_TARGET_PIDS];	/* -p targets, as TGIDs */
	int pid_count;
	uint64_t duration_ns;		/* -d, 0 for no limit */
	bool follow;
	bool latency;
	bool summary;			/* -c */
	bool per_process;
	bool per_thread;
	bool list_errors;
	bool histogram;
	bool json_stdout;
	const char *output_path;	/* -o */
	enum sort_order sort;
	char **filter_names;		/* -e trace=..., NULL for all */
	int filter_count;
	bool filter_negated;
	bool track_maps;		/* report executable mappings */
	bool libcalls;			/* load the library-call uprobe program */
	bool stop_on_new_files;		/* SIGSTOP a process mapping an unknown file */
	unsigned long long program_inode;	/* ... when it runs this executable */
	unsigned int launch_flags;	/* enum launch_flags for the launched command */
	struct tracer_hooks hooks;
};

/* Per-syscall totals, summed over CPUs and over the keys merged into it. */
struct syscall_row {
	uint32_t tgid;
	uint32_t tid;
	uint16_t nr;
	uint8_t abi;
	char name[40];
	struct syscall_stats stats;
};

struct errno_row {
	uint32_t tgid;
	uint32_t tid;
	uint16_t nr;
	uint8_t abi;
	uint32_t err;
	uint64_t count;
};

struct proc_row {
	uint32_t tgid;
	uint32_t ppid;
	bool exited;
	int exit_code;
	bool exit_known;
	char comm[TASK_COMM_LEN];
	char exe[EXEC_PATH_LEN];
	uint32_t initial_threads;
	struct proc_stats stats;
};

struct uring_row {
	uint32_t tgid;
	uint16_t opcode;
	char name[32];
	struct uring_stats stats;
};

struct loss_row {
	const char *what;
	uint64_t count;
};

/* Everything a trace gathered, in the form the report uses. */
struct trace_data {
	struct syscall_row *syscalls;
	size_t syscall_count;
	struct errno_row *errnos;
	size_t errno_count;
	struct proc_row *procs;
	size_t proc_count;
	struct uring_row *urings;
	size_t uring_count;
	struct loss_row losses[LOSS_KINDS + 8];
	size_t loss_count;
	uint64_t duration_ns;
	bool interrupted;
	bool latency;
	bool per_thread;
	bool faults_available;
	int exit_status;		/* of the launched command, -1 if none */
	char **command;
	pid_t *pids;
	int pid_count;
};

struct trace_bpf;

#include "perf_faults.h"
#include "target.h"

/* State of one trace run, from load to report. */
struct tracer {
	struct trace_options *options;
	struct trace_bpf *skel;
	struct ring_buffer *events;
	struct perf_faults faults;
	struct launched_command command;
	bool launched;
	int epoll_fd;
	int pidfd;		/* of the launched command, -1 without one */
	struct trace_data data;
	uint64_t created_ns;	/* when the command line was parsed */
	uint64_t start_ns;
	volatile bool stop_requested;	/* set by a front end to end the run */
	struct exited_task *exited;	/* exits seen since the maps were last drained */
	size_t exited_count;
};

void tracer_init(struct tracer *tracer, struct trace_options *options);

/* Opens and loads the BPF programs. Returns 0 or -1 (reported). */
int tracer_load(struct tracer *tracer);

/*
 * Launches the command or adds the PIDs, and attaches the programs. Returns
 * 0, -1 (reported), or 126 or 127 when the command cannot be executed.
 */
int tracer_start(struct tracer *tracer);

/* Follows the targets until they end, the duration passes or a signal comes. */
void tracer_run(struct tracer *tracer);

/* Reads the maps into tracer->data and applies the -e filter. Returns 0 or -1. */
int tracer_collect(struct tracer *tracer);

/* The exit status of a finished run: the launched command's, else 0. */
int tracer_exit_status(struct tracer *tracer);

void tracer_destroy(struct tracer *tracer);

/* Makes SIGINT, SIGTERM and SIGHUP end a run (which still reports). */
void tracer_install_signal_handlers(void);

/* Fills data from the maps of a loaded trace program. Returns 0 or -errno. */
int trace_collect(struct trace_bpf *skel, const struct trace_options *options,
		  struct trace_data *data);
/* A process whose last thread exited (tid 0), or a thread that exited (--per-thread). */
struct exited_task {
	__u32 tgid;
	__u32 tid;
};

/*
 * Moves the data of exited processes and threads out of the maps, to make
 * room for new ones. Returns 0 or -errno.
 */
int trace_collect_exited(struct trace_bpf *skel, struct trace_data *data,
			 const struct exited_task *exited, size_t count);
void trace_data_free(struct trace_data *data);

/*
 * Returns the row of a traced process (a target, or one from a ring buffer
 * event), adding it when new.
 */
struct proc_row *trace_data_proc(struct trace_data *data, uint32_t tgid);

/* Keeps only the rows the -e filter selects. */
void trace_filter_rows(struct trace_data *data, const struct trace_options *options);

/* Name of a syscall row's ABI: "64", "32" or "x32". */
const char *abi_name(unsigned int abi);

/* Latency estimated from a histogram at a quantile in [0, 1], capped at max_ns. */
uint64_t hist_quantile(const struct syscall_stats *stats, double quantile);
uint64_t hist_slot_low(unsigned int slot);
uint64_t hist_slot_high(unsigned int slot);

enum row_scope {
	SCOPE_ALL,
	SCOPE_PROCESS,
	SCOPE_THREAD,
};

/*
 * Merges the rows of one ABI that belong to a scope (all, the process or
 * thread id) into one row per system call. The caller frees *out.
 */
size_t group_syscall_rows(const struct trace_data *data, enum row_scope scope, uint32_t id,
			  unsigned int abi, struct syscall_row **out);
void merge_syscall_stats(struct syscall_stats *sum, const struct syscall_stats *part);
void sort_syscall_rows(struct syscall_row *rows, size_t count, enum sort_order order);

/* Sum of the system calls of one process. */
uint64_t proc_syscall_count(const struct trace_data *data, uint32_t tgid);

/* Writes the text report to out. */
void trace_print_report(FILE *out, const struct trace_data *data,
			const struct trace_options *options);

/* Builds the JSON report; the caller owns the result. */
json_t *trace_report_json(const struct trace_data *data, const struct trace_options *options);

#endif /* __UNISCOPE_TRACER_H */
