// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "perf_faults.h"

static int open_software_event(unsigned long long config, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = config,
		.sample_period = 1,
		.disabled = 0,
	};

	return syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int attach_on_cpu(struct perf_faults *faults, struct bpf_program *prog,
			 unsigned long long config, int cpu)
{
	struct bpf_link *link;
	int fd, err;

	fd = open_software_event(config, cpu);
	if (fd < 0) {
		/* A CPU that is offline has no events; it runs nothing either. */
		return errno == ENODEV ? 0 : -errno;
	}
	link = bpf_program__attach_perf_event(prog, fd);
	if (!link) {
		err = -errno;
		close(fd);
		return err;
	}
	faults->links[faults->count] = link;
	faults->fds[faults->count] = fd;
	faults->count++;
	return 0;
}

int perf_faults_attach(struct perf_faults *faults, struct bpf_program *minor,
		       struct bpf_program *major)
{
	int cpus = libbpf_num_possible_cpus(), cpu, err = 0;

	memset(faults, 0, sizeof(*faults));
	if (cpus <= 0)
		return -EINVAL;
	faults->links = calloc(2 * cpus, sizeof(*faults->links));
	faults->fds = calloc(2 * cpus, sizeof(*faults->fds));
	if (!faults->links || !faults->fds)
		err = -ENOMEM;

	for (cpu = 0; cpu < cpus && !err; cpu++) {
		err = attach_on_cpu(faults, minor, PERF_COUNT_SW_PAGE_FAULTS_MIN, cpu);
		if (!err)
			err = attach_on_cpu(faults, major, PERF_COUNT_SW_PAGE_FAULTS_MAJ, cpu);
	}
	if (err) {
		log_errno(LOG_WARN, err, "page faults are not counted: cannot attach to the "
			  "page-fault software events");
		perf_faults_detach(faults);
	}
	return err;
}

void perf_faults_detach(struct perf_faults *faults)
{
	int i;

	for (i = 0; i < faults->count; i++) {
		bpf_link__destroy(faults->links[i]);
		close(faults->fds[i]);
	}
	free(faults->links);
	free(faults->fds);
	memset(faults, 0, sizeof(*faults));
}
