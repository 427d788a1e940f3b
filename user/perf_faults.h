/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Page-fault counting: BPF programs on the kernel's minor and major fault
 * software events, one perf event per CPU, so that every process is seen
 * without per-process counters.
 */
#ifndef __UNISCOPE_PERF_FAULTS_H
#define __UNISCOPE_PERF_FAULTS_H

struct bpf_link;
struct bpf_program;

struct perf_faults {
	struct bpf_link **links;
	int *fds;
	int count;
};

/* Attaches both programs on every CPU. Returns 0, or -errno with a warning printed. */
int perf_faults_attach(struct perf_faults *faults, struct bpf_program *minor,
		       struct bpf_program *major);

void perf_faults_detach(struct perf_faults *faults);

#endif /* __UNISCOPE_PERF_FAULTS_H */
