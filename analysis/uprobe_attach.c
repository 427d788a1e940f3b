// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "uprobe_attach.h"
#include "util.h"

/*
 * From the kernel's include/uapi/linux/bpf.h (Linux 6.6 and later), which
 * Debian 12's 6.1 headers predate: the attach type of uprobe-multi links.
 */
#define UPROBE_MULTI_ATTACH_TYPE 48

/*
 * The BPF_LINK_CREATE part of union bpf_attr for a uprobe-multi link, laid
 * out as in the kernel's UAPI: prog_fd at byte 0, attach_type at 8, then
 * the uprobe_multi member at 16 (checked below against the 6.18 kernel's
 * BTF). The kernel requires the bytes after the last field it supports to
 * be zero, so the size passed is that of the whole structure.
 */
struct uprobe_multi_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;			/* user pointer to a NUL-terminated path */
	uint64_t offsets;		/* user pointer to cnt file offsets */
	uint64_t ref_ctr_offsets;	/* user pointer, or 0 for none */
	uint64_t cookies;		/* user pointer to cnt cookies, or 0 */
	uint32_t cnt;
	uint32_t multi_flags;		/* BPF_F_UPROBE_MULTI_RETURN (1) for return probes */
	uint32_t pid;			/* 0: every process */
	uint32_t pad;
};

_Static_assert(offsetof(struct uprobe_multi_attr, path) == 16, "uprobe_multi.path offset");
_Static_assert(offsetof(struct uprobe_multi_attr, cnt) == 48, "uprobe_multi.cnt offset");
_Static_assert(offsetof(struct uprobe_multi_attr, pid) == 56, "uprobe_multi.pid offset");

/* Perf-event links are created by this many threads at most. */
#define MAX_ATTACH_THREADS 8
/* Below this many probes, one thread is faster than starting more. */
#define MIN_PROBES_PER_THREAD 16

void uprobe_attach_prepare(struct bpf_program *multi_prog, bool enable)
{
	bpf_program__set_autoload(multi_prog, enable);
	bpf_program__set_expected_attach_type(multi_prog, UPROBE_MULTI_ATTACH_TYPE);
}

/* The kernel's uprobe PMU type, from sysfs; -errno when uprobes are unavailable. */
static int uprobe_pmu_type(void)
{
	static int type = -ENOENT;
	FILE *file;

	if (type >= 0)
		return type;
	file = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	if (!file)
		return -errno;
	if (fscanf(file, "%d", &type) != 1)
		type = -EINVAL;
	fclose(file);
	return type;
}

/* Attaches prog as a uprobe on every process that runs path at offset. */
static struct bpf_link *attach_uprobe(struct bpf_program *prog, const char *path,
				      uint64_t offset, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = cookie);
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.config1 = (uint64_t)(uintptr_t)path,
		.config2 = offset,
	};
	struct bpf_link *link;
	int type = uprobe_pmu_type(), fd;

	if (type < 0) {
		errno = -type;
		return NULL;
	}
	attr.type = type;
	/* pid -1 with a CPU: the probe fires in every process, on every CPU. */
	fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return NULL;
	link = bpf_program__attach_perf_event_opts(prog, fd, &opts);
	if (!link)
		close(fd);
	return link;
}

/* Creates one uprobe-multi link; returns its fd or -errno. */
static int create_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
			     const uint64_t *cookies, uint32_t count)
{
	struct uprobe_multi_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = prog_fd;
	attr.attach_type = UPROBE_MULTI_ATTACH_TYPE;
	attr.path = (uint64_t)(uintptr_t)path;
	attr.offsets = (uint64_t)(uintptr_t)offsets;
	attr.cookies = (uint64_t)(uintptr_t)cookies;
	attr.cnt = count;
	fd = syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* The perf-event work shared by the attaching threads. */
struct perf_batch {
	struct bpf_program *prog;
	const struct probe_target *targets;
	const size_t *indexes;		/* into targets */
	struct bpf_link **links;	/* one per index, NULL where attaching failed */
	size_t count;
	size_t next;			/* taken atomically */
};

static void *attach_perf_worker(void *arg)
{
	struct perf_batch *batch = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&batch->next, 1, __ATOMIC_RELAXED)) < batch->count) {
		size_t index = batch->indexes[i];
		const struct probe_target *target = &batch->targets[index];

		batch->links[i] = attach_uprobe(batch->prog, target->library, target->offset, index);
		if (!batch->links[i])
			log_errno(LOG_DEBUG, errno, "cannot attach a uprobe to %s in '%s' at 0x%llx",
				  target->symbol, target->library,
				  (unsigned long long)target->offset);
	}
	return NULL;
}

static int thread_count(size_t probes)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = probes / MIN_PROBES_PER_THREAD;

	if (cpus < 1)
		cpus = 1;
	if (threads > (size_t)cpus)
		threads = cpus;
	if (threads > MAX_ATTACH_THREADS)
		threads = MAX_ATTACH_THREADS;
	return threads ? threads : 1;
}

/* Attaches one perf-event link per listed target, from several threads. */
static int attach_perf_links(struct uprobe_links *links, struct bpf_program *prog,
			     const struct probe_target *targets, const size_t *indexes,
			     size_t count)
{
	struct perf_batch batch = { .prog = prog, .targets = targets, .indexes = indexes,
				    .count = count };
	pthread_t threads[MAX_ATTACH_THREADS];
	struct bpf_link **grown;
	int requested = thread_count(count), started = 0, i;
	size_t j;

	if (!count)
		return 0;
	grown = realloc(links->perf_links, (links->perf_count + count) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	links->perf_links = grown;
	batch.links = grown + links->perf_count;
	memset(batch.links, 0, count * sizeof(*batch.links));

	/* libbpf probes its perf-link support on first use: do that on this thread alone. */
	uprobe_pmu_type();
	batch.next = 1;
	batch.links[0] = attach_uprobe(prog, targets[indexes[0]].library,
				       targets[indexes[0]].offset, indexes[0]);
	if (!batch.links[0])
		log_errno(LOG_DEBUG, errno, "cannot attach a uprobe to %s in '%s' at 0x%llx",
			  targets[indexes[0]].symbol, targets[indexes[0]].library,
			  (unsigned long long)targets[indexes[0]].offset);

	for (i = 1; i < requested; i++) {
		if (pthread_create(&threads[started], NULL, attach_perf_worker, &batch))
			break;
		started++;
	}
	attach_perf_worker(&batch);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	p_debug("attached %zu perf-event uprobes with %d threads", count, started + 1);

	for (j = 0; j < count; j++) {
		if (batch.links[j])
			links->perf_probes++;
		else
			links->failed++;
	}
	links->perf_count += count;
	return 0;
}

static bool multi_disabled_by_environment(void)
{
	const char *value = getenv("UNISCOPE_UPROBE_MULTI");

	return value && !strcmp(value, "0");
}

/*
 * Attaches the listed targets, all in one library, with one uprobe-multi
 * link. Returns 0, -ENOMEM, or another -errno when the kernel rejected the
 * link, so the caller can fall back to perf-event links.
 */
static int attach_multi_link(struct uprobe_links *links, int prog_fd,
			     const struct probe_target *targets, const size_t *indexes,
			     size_t count)
{
	uint64_t *offsets = calloc(count, sizeof(*offsets));
	uint64_t *cookies = calloc(count, sizeof(*cookies));
	int *grown, fd = -ENOMEM;
	size_t moved = 0, i;

	grown = realloc(links->multi_fds, (links->multi_count + 1) * sizeof(*grown));
	if (grown)
		links->multi_fds = grown;
	if (!offsets || !cookies || !grown)
		goto out;
	for (i = 0; i < count; i++) {
		const struct probe_target *target = &targets[indexes[i]];

		offsets[i] = target->probe_offset;
		if (target->probe_offset != target->offset)
			moved++;
		cookies[i] = (uint64_t)target->stack_slots << 32 | indexes[i];
	}
	fd = create_multi_link(prog_fd, targets[indexes[0]].library, offsets, cookies, count);
	if (fd >= 0) {
		links->multi_fds[links->multi_count++] = fd;
		links->multi_probes += count;
		links->moved_probes += moved;
		fd = 0;
	}
out:
	free(offsets);
	free(cookies);
	return fd;
}

/*
 * Attaches the listed targets of one library with uprobe-multi links. The
 * kernel rejects a whole link when it cannot probe one of its instructions
 * (ENOTSUPP), so a rejected batch is split in halves until the rejected
 * targets are alone. Those go to perf-event links, which fail alone too.
 */
static int attach_multi_split(struct uprobe_links *links, struct bpf_program *multi_prog,
			      struct bpf_program *perf_prog, const struct probe_target *targets,
			      const size_t *indexes, size_t count)
{
	const char *library = targets[indexes[0]].library;
	size_t half = count / 2;
	int err;

	err = attach_multi_link(links, bpf_program__fd(multi_prog), targets, indexes, count);
	if (!err) {
		p_debug("attached %zu uprobes in '%s' with one uprobe-multi link", count, library);
		return 0;
	}
	if (err == -ENOMEM)
		return err;
	if (err == -EINVAL && !links->multi_count) {
		/* No link has worked yet: take it that this kernel has no uprobe-multi links. */
		links->multi_rejected = true;
		log_errno(LOG_DEBUG, -err, "the kernel rejected a uprobe-multi link for '%s'; "
			  "attaching one perf-event link per function from now on", library);
		return attach_perf_links(links, perf_prog, targets, indexes, count);
	}
	if (count == 1) {
		log_errno(LOG_DEBUG, -err, "the kernel rejected a uprobe-multi link for %s in "
			  "'%s'; trying a perf-event link", targets[indexes[0]].symbol, library);
		return attach_perf_links(links, perf_prog, targets, indexes, count);
	}
	err = attach_multi_split(links, multi_prog, perf_prog, targets, indexes, half);
	if (!err)
		err = attach_multi_split(links, multi_prog, perf_prog, targets, indexes + half,
					 count - half);
	return err;
}

/* Attaches the targets of one library by the fastest path the kernel accepts. */
static int attach_library(struct uprobe_links *links, struct bpf_program *multi_prog,
			  struct bpf_program *perf_prog, const struct probe_target *targets,
			  const size_t *indexes, size_t count)
{
	if (!multi_prog || links->multi_rejected || bpf_program__fd(multi_prog) < 0)
		return attach_perf_links(links, perf_prog, targets, indexes, count);
	return attach_multi_split(links, multi_prog, perf_prog, targets, indexes, count);
}

int uprobe_attach_targets(struct uprobe_links *links, struct bpf_program *multi_prog,
			  struct bpf_program *perf_prog, const struct probe_target *targets,
			  size_t first, size_t end)
{
	uint64_t start = now_ns();
	size_t *indexes, count, i, j;
	bool *done;
	int err = 0;

	if (end <= first)
		return 0;
	if (multi_prog && multi_disabled_by_environment()) {
		p_debug("UNISCOPE_UPROBE_MULTI=0: attaching one perf-event link per function");
		multi_prog = NULL;
	}
	indexes = calloc(end - first, sizeof(*indexes));
	done = calloc(end - first, sizeof(*done));
	if (!indexes || !done) {
		err = -ENOMEM;
		goto out;
	}
	/* One batch per library, in the order the libraries first appear. */
	for (i = first; i < end && !err; i++) {
		if (done[i - first])
			continue;
		count = 0;
		for (j = i; j < end; j++) {
			if (done[j - first] || strcmp(targets[j].library, targets[i].library))
				continue;
			done[j - first] = true;
			indexes[count++] = j;
		}
		err = attach_library(links, multi_prog, perf_prog, targets, indexes, count);
	}
out:
	free(indexes);
	free(done);
	links->attach_ns += now_ns() - start;
	return err;
}

const char *uprobe_attach_method(const struct uprobe_links *links)
{
	if (links->multi_count && links->perf_count)
		return "uprobe_multi+perf_event";
	if (links->multi_count)
		return "uprobe_multi";
	return links->perf_count ? "perf_event" : "none";
}

void uprobe_links_destroy(struct uprobe_links *links)
{
	size_t i;

	for (i = 0; i < links->multi_count; i++)
		close(links->multi_fds[i]);
	for (i = 0; i < links->perf_count; i++)
		bpf_link__destroy(links->perf_links[i]);
	free(links->multi_fds);
	free(links->perf_links);
	memset(links, 0, sizeof(*links));
}
