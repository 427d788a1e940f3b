// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracing engine shared by `uniscope trace` and `uniscope deps`: loads
 * the BPF programs, launches or attaches to the targets, follows their
 * process events until they end, and reads the maps back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_env.h"
#include "log.h"
#include "perf_faults.h"
#include "syscalls.h"
#include "target.h"
#include "tracer.h"
#include "trace.skel.h"
#include "uprobe_attach.h"
#include "util.h"

#define POLL_INTERVAL_MS 100
#define LIVENESS_CHECK_NS 500000000ull
/* After an interrupt, how long the launched command gets to exit on its own. */
#define INTERRUPT_GRACE_NS 2000000000ull

static volatile sig_atomic_t stop_signal;

static void handle_stop_signal(int sig)
{
	stop_signal = sig;
}


/* Exited processes are drained from the maps in batches, one walk a map each. */
static void queue_exited(struct tracer *tracer, __u32 tgid, __u32 tid)
{
	struct exited_task *grown;

	grown = realloc(tracer->exited, (tracer->exited_count + 1) * sizeof(*grown));
	if (!grown)
		return;
	tracer->exited = grown;
	tracer->exited[tracer->exited_count].tgid = tgid;
	tracer->exited[tracer->exited_count].tid = tid;
	tracer->exited_count++;
}

static void drain_exited(struct tracer *tracer)
{
	if (!tracer->exited_count)
		return;
	trace_collect_exited(tracer->skel, &tracer->data, tracer->exited, tracer->exited_count);
	tracer->exited_count = 0;
}

static int handle_lifecycle_event(void *ctx, void *record, size_t size)
{
	const struct lifecycle_event *event = record;
	struct tracer *tracer = ctx;
	struct proc_row *proc;

	if (size >= sizeof(struct map_event) && event->type == EVENT_MAP) {
		if (tracer->options->hooks.on_map)
			tracer->options->hooks.on_map(tracer->options->hooks.ctx, record);
		return 0;
	}
	if (size < sizeof(*event))
		return 0;
	proc = trace_data_proc(&tracer->data, event->tgid);
	if (!proc)
		return 0;

	switch (event->type) {
	case EVENT_FORK:
		proc->ppid = event->ppid;
		snprintf(proc->comm, sizeof(proc->comm), "%s", event->comm);
		p_debug("process %u forked from %u", event->tgid, event->ppid);
		break;
	case EVENT_EXEC:
		snprintf(proc->comm, sizeof(proc->comm), "%s", event->comm);
		snprintf(proc->exe, sizeof(proc->exe), "%s", event->path);
		p_debug("process %u executed '%s'", event->tgid, event->path);
		break;
	case EVENT_EXIT:
		proc->exited = true;
		proc->exit_code = event->exit_code;
		proc->exit_known = true;
		p_debug("process %u exited", event->tgid);
		queue_exited(tracer, event->tgid, 0);
		break;
	case EVENT_THREAD_EXIT:
		queue_exited(tracer, event->tgid, event->tid);
		break;
	}
	return 0;
}

static void set_tunables(struct trace_bpf *skel, const struct trace_options *options)
{
	skel->rodata->targ_latency = options->latency;
	skel->rodata->targ_per_thread = options->per_thread;
	skel->rodata->targ_follow = options->follow;
	skel->rodata->targ_exit_nr = syscall_number(SYSCALL_TABLE_64, "exit");
	skel->rodata->targ_exit_group_nr = syscall_number(SYSCALL_TABLE_64, "exit_group");
	skel->rodata->targ_exit_nr_32 = syscall_number(SYSCALL_TABLE_32, "exit");
	skel->rodata->targ_exit_group_nr_32 = syscall_number(SYSCALL_TABLE_32, "exit_group");
	skel->rodata->targ_rt_sigreturn_nr = syscall_number(SYSCALL_TABLE_64, "rt_sigreturn");
	skel->rodata->targ_rt_sigreturn_nr_32 = syscall_number(SYSCALL_TABLE_32, "rt_sigreturn");
	skel->rodata->targ_execve_nr = syscall_number(SYSCALL_TABLE_64, "execve");
	skel->rodata->targ_execveat_nr = syscall_number(SYSCALL_TABLE_64, "execveat");
	skel->rodata->targ_track_maps = options->track_maps;
	/*
	 * One key per thread and call: room for a few thousand threads. The pool
	 * serves process keys only, so it shrinks to one unused entry.
	 */
	if (options->per_thread) {
		bpf_map__set_max_entries(skel->maps.syscall_stats, 32768);
		bpf_map__set_max_entries(skel->maps.stats_index, 1);
		bpf_map__set_max_entries(skel->maps.stats_pool, 1);
		bpf_map__set_max_entries(skel->maps.stats_pool_keys, 1);
	}
	skel->rodata->targ_mmap_nr = syscall_number(SYSCALL_TABLE_64, "mmap");
	bpf_program__set_autoload(skel->progs.uni_libcall, options->libcalls);
	uprobe_attach_prepare(skel->progs.uni_libcall_multi, options->libcalls);
	/* Preallocating 65536 per-CPU entries takes about 50 ms: only when needed. */
	if (!options->libcalls)
		bpf_map__set_max_entries(skel->maps.libcall_counts, 1);
	bpf_program__set_autoload(skel->progs.uni_exec_maps, options->track_maps);
	skel->rodata->targ_stop_on_new_files = options->stop_on_new_files;
	skel->rodata->targ_program_inode = options->program_inode;

	/* Counts-only mode reads the number at exit and needs no sys_enter program. */
	bpf_program__set_autoload(skel->progs.uni_sys_enter, options->latency);
	bpf_program__set_autoload(skel->progs.uni_sys_exit, options->latency);
	bpf_program__set_autoload(skel->progs.uni_sys_exit_cnt, !options->latency);
}

static int open_and_load_once(struct tracer *tracer, bool with_uring)
{
	int err;

	tracer->skel = trace_bpf__open();
	if (!tracer->skel) {
		bpf_env_report_failure("opening the BPF object", errno);
		return -1;
	}
	set_tunables(tracer->skel, tracer->options);
	bpf_program__set_autoload(tracer->skel->progs.uni_uring_submit, with_uring);
	bpf_program__set_autoload(tracer->skel->progs.uni_uring_done, with_uring);

	err = trace_bpf__load(tracer->skel);
	if (err) {
		trace_bpf__destroy(tracer->skel);
		tracer->skel = NULL;
	}
	return err;
}

static int open_and_load(struct tracer *tracer)
{
	int err;

	/* Looking io_uring up in the kernel's BTF first would parse it twice. */
	log_mute_libbpf(1);
	err = open_and_load_once(tracer, true);
	log_mute_libbpf(0);
	if (!err) {
		p_debug("BPF object loaded %.1f ms after start",
			(now_ns() - tracer->created_ns) / 1e6);
		return 0;
	}

	/* A kernel without io_uring lacks its tracepoints: go on without them. */
	err = open_and_load_once(tracer, false);
	if (err) {
		bpf_env_report_failure("loading the BPF programs", err);
		return -1;
	}
	p_warn("io_uring requests are not counted: this kernel has no io_uring tracepoints");
	return 0;
}

/* A launched command (awaiting_exec) is traced from its execve on. */
static int add_traced_process(struct tracer *tracer, pid_t tgid, pid_t ppid, bool awaiting_exec)
{
	struct proc_info info = {
		.ppid = ppid,
		.start_ns = now_ns(),
		.awaiting_exec = awaiting_exec,
	};
	struct proc_row *proc;
	__u32 key = tgid;
	int err;

	/* The BPF side hands out slots to forked children from the same counter. */
	info.stats_slot = __atomic_fetch_add(&tracer->skel->bss->next_stats_slot, 1,
					     __ATOMIC_SEQ_CST);
	if (info.stats_slot >= STATS_SLOTS)
		info.stats_slot = STATS_SLOT_NONE;

	err = bpf_map__update_elem(tracer->skel->maps.traced_procs, &key, sizeof(key), &info,
				   sizeof(info), BPF_ANY);
	if (err) {
		log_errno(LOG_ERROR, err, "cannot add process %d to the traced set", tgid);
		return -1;
	}
	/* Make every CPU's filter cache look the process up again. */
	__atomic_add_fetch(&tracer->skel->bss->traced_generation, 1, __ATOMIC_SEQ_CST);

	proc = trace_data_proc(&tracer->data, tgid);
	if (proc)
		proc->initial_threads = target_thread_count(tgid);
	return 0;
}

static int attach_all(struct tracer *tracer)
{
	uint64_t start = now_ns();
	int err;

	err = trace_bpf__attach(tracer->skel);
	if (err) {
		bpf_env_report_failure("attaching to the tracepoints", err);
		return -1;
	}
	tracer->data.faults_available =
		perf_faults_attach(&tracer->faults, tracer->skel->progs.uni_minor_fault,
				   tracer->skel->progs.uni_major_fault) == 0;
	p_info("attached in %.1f ms", (now_ns() - start) / 1e6);
	return 0;
}

static int start_targets(struct tracer *tracer)
{
	struct trace_options *options = tracer->options;
	struct target_identity identity;
	int i, err;

	if (!options->command) {
		for (i = 0; i < options->pid_count; i++) {
			pid_t tgid = target_resolve_pid(options->pids[i]);

			if (tgid < 0)
				return -1;
			if (tgid == getpid()) {
				p_err("cannot trace uniscope itself (PID %d)", tgid);
				return -1;
			}
			options->pids[i] = tgid;
			target_read_identity(tgid, &identity);
			if (add_traced_process(tracer, tgid, identity.ppid, false))
				return -1;
		}
		return attach_all(tracer);
	}

	/* Orphaned grandchildren come back to us, so their ends are seen and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	err = launch_prepare(options->command, options->launch_flags, &tracer->command);
	if (!err) {
		tracer->launched = true;
		if (add_traced_process(tracer, tracer->command.pid, getpid(), true) ||
		    attach_all(tracer))
			return -1;
		if (options->hooks.before_release &&
		    options->hooks.before_release(options->hooks.ctx, tracer))
			return -1;
		p_info("tracing armed %.1f ms after start", (now_ns() - tracer->created_ns) / 1e6);
		err = launch_release(&tracer->command);
	}
	if (!err)
		return 0;

	if (err == ENOENT)
		p_err("command '%s' not found: check the name, or give its path", options->command[0]);
	else
		log_errno(LOG_ERROR, err, "cannot execute '%s'", options->command[0]);
	return err == ENOENT ? 127 : 126;
}

/* Whether any traced process still runs, according to the map and /proc. */
static bool targets_alive(struct tracer *tracer, bool check_proc)
{
	struct bpf_map *map = tracer->skel->maps.traced_procs;
	__u32 key, next, *previous = NULL;
	struct proc_info info;
	bool alive = false;

	if (tracer->launched && !launch_poll(&tracer->command))
		return true;

	while (!bpf_map__get_next_key(map, previous, &next, sizeof(next))) {
		key = next;
		previous = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &info, sizeof(info), 0))
			continue;
		if (info.exited)
			continue;
		if (check_proc && !target_is_alive(key)) {
			/* The exit was missed (for example, it happened before attaching). */
			p_debug("process %u ended without an exit event", key);
			info.exited = 1;
			bpf_map__update_elem(map, &key, sizeof(key), &info, sizeof(info),
					     BPF_EXIST);
			continue;
		}
		alive = true;
	}
	return alive;
}

static void forward_stop_signal(struct tracer *tracer, int sig)
{
	uint64_t deadline = now_ns() + INTERRUPT_GRACE_NS;

	if (!tracer->launched || launch_poll(&tracer->command))
		return;
	/* Like a shell's foreground job: the launched command gets the signal too. */
	kill(tracer->command.pid, sig);
	while (now_ns() < deadline && targets_alive(tracer, false)) {
		ring_buffer__poll(tracer->events, 20);
		usleep(1000);
	}
}

/*
 * Waits up to timeout_ms for a process event or for the launched command to
 * end (its pidfd becomes readable), then handles the events that arrived.
 */
static int wait_for_events(struct tracer *tracer, int timeout_ms)
{
	struct epoll_event ready;
	int err;

	err = epoll_wait(tracer->epoll_fd, &ready, 1, timeout_ms);
	if (err < 0 && errno != EINTR)
		return -errno;
	err = ring_buffer__consume(tracer->events);
	return err < 0 && err != -EINTR ? err : 0;
}

static int setup_event_wait(struct tracer *tracer)
{
	struct epoll_event event = { .events = EPOLLIN };

	tracer->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (tracer->epoll_fd < 0)
		return -errno;
	if (epoll_ctl(tracer->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(tracer->events),
		      &event))
		return -errno;
	if (!tracer->launched)
		return 0;

	tracer->pidfd = syscall(SYS_pidfd_open, tracer->command.pid, 0);
	if (tracer->pidfd < 0)
		return 0;	/* Without pidfds, the poll timeout notices the end. */
	return epoll_ctl(tracer->epoll_fd, EPOLL_CTL_ADD, tracer->pidfd, &event) ? -errno : 0;
}

static void run_until_done(struct tracer *tracer)
{
	uint64_t deadline = 0, next_check = 0, now;
	int err;

	if (tracer->options->duration_ns)
		deadline = tracer->start_ns + tracer->options->duration_ns;

	err = setup_event_wait(tracer);
	if (err)
		log_errno(LOG_WARN, err, "cannot wait for process events");

	while (!stop_signal && !tracer->stop_requested) {
		err = wait_for_events(tracer, POLL_INTERVAL_MS);
		if (err) {
			log_errno(LOG_WARN, err, "reading process events failed");
			break;
		}
		drain_exited(tracer);
		now = now_ns();
		if (deadline && now >= deadline)
			break;
		if (!targets_alive(tracer, now >= next_check)) {
			ring_buffer__consume(tracer->events);
			break;
		}
		if (now >= next_check)
			next_check = now + LIVENESS_CHECK_NS;
	}

	if (stop_signal) {
		tracer->data.interrupted = true;
		forward_stop_signal(tracer, stop_signal);
	}
	ring_buffer__consume(tracer->events);
}

void tracer_install_signal_handlers(void)
{
	struct sigaction action = { .sa_handler = handle_stop_signal };

	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGHUP, &action, NULL);
}

int tracer_exit_status(struct tracer *tracer)
{
	if (tracer->launched) {
		if (launch_poll(&tracer->command))
			return wait_status_to_exit_code(tracer->command.wait_status);
		if (stop_signal)
			return 128 + stop_signal;
	}
	return EXIT_OK;
}

void tracer_destroy(struct tracer *tracer)
{
	if (tracer->launched && tracer->command.gate_fd >= 0) {
		/* The command never started: do not leave it waiting at its gate. */
		kill(tracer->command.pid, SIGKILL);
		launch_poll(&tracer->command);
	}
	if (tracer->pidfd >= 0)
		close(tracer->pidfd);
	if (tracer->epoll_fd >= 0)
		close(tracer->epoll_fd);
	ring_buffer__free(tracer->events);
	perf_faults_detach(&tracer->faults);
	trace_bpf__destroy(tracer->skel);
	trace_data_free(&tracer->data);
	free(tracer->exited);
}


void tracer_init(struct tracer *tracer, struct trace_options *options)
{
	memset(tracer, 0, sizeof(*tracer));
	tracer->options = options;
	tracer->created_ns = now_ns();
	tracer->epoll_fd = -1;
	tracer->pidfd = -1;
	tracer->data.exit_status = -1;
	tracer->data.command = options->command;
	tracer->data.pids = options->pids;
	tracer->data.pid_count = options->pid_count;
	tracer->data.latency = options->latency;
	tracer->data.per_thread = options->per_thread;
}

int tracer_load(struct tracer *tracer)
{
	if (open_and_load(tracer))
		return -1;
	tracer->events = ring_buffer__new(bpf_map__fd(tracer->skel->maps.events),
					  handle_lifecycle_event, tracer, NULL);
	if (!tracer->events) {
		log_errno(LOG_ERROR, errno, "cannot open the BPF ring buffer");
		return -1;
	}
	return 0;
}

int tracer_start(struct tracer *tracer)
{
	tracer->start_ns = now_ns();
	return start_targets(tracer);
}

void tracer_run(struct tracer *tracer)
{
	run_until_done(tracer);
	tracer->data.duration_ns = now_ns() - tracer->start_ns;
	if (tracer->launched && launch_poll(&tracer->command))
		tracer->data.exit_status = wait_status_to_exit_code(tracer->command.wait_status);
}

int tracer_collect(struct tracer *tracer)
{
	if (trace_collect(tracer->skel, tracer->options, &tracer->data))
		return -1;
	trace_filter_rows(&tracer->data, tracer->options);
	return 0;
}
