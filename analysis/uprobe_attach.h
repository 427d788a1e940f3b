/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attaches the library-call uprobes of a probe plan: one uprobe-multi link
 * per library where the kernel accepts them (Linux 6.6 and later), else one
 * perf-event link per function, created from several threads. libbpf 1.1
 * has no uprobe-multi support, so those links are made with the bpf()
 * system call directly.
 */
#ifndef __UNISCOPE_UPROBE_ATTACH_H
#define __UNISCOPE_UPROBE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes.h"

struct bpf_program;
struct bpf_link;

/* The links of one run, and what attaching them cost. */
struct uprobe_links {
	int *multi_fds;			/* one uprobe-multi link per library and batch */
	size_t multi_count;
	size_t multi_probes;		/* probes attached through uprobe-multi links */
	size_t moved_probes;		/* of those, probes past the first instruction */
	struct bpf_link **perf_links;	/* one per function on the perf-event path */
	size_t perf_count;
	size_t perf_probes;		/* perf-event links created */
	size_t failed;			/* probes attached by neither */
	uint64_t attach_ns;
	bool multi_rejected;		/* the kernel rejected uprobe-multi links */
};

/*
 * Sets up the uprobe-multi program before the BPF object is loaded: loads
 * it only when library calls are traced, with the attach type that the
 * kernel requires of programs on uprobe-multi links.
 */
void uprobe_attach_prepare(struct bpf_program *multi_prog, bool enable);

/*
 * Attaches targets[first] to targets[end - 1], each with its index as
 * cookie: multi_prog (NULL to skip that path) at probe_offset, else
 * perf_prog at offset. Setting UNISCOPE_UPROBE_MULTI=0 in the environment
 * forces the perf-event path. Returns 0, or -ENOMEM; probes that cannot be
 * attached are counted in links->failed and listed at debug level.
 */
int uprobe_attach_targets(struct uprobe_links *links, struct bpf_program *multi_prog,
			  struct bpf_program *perf_prog, const struct probe_target *targets,
			  size_t first, size_t end);

/* Names the attach path used: "uprobe_multi", "perf_event", both joined by '+', or "none". */
const char *uprobe_attach_method(const struct uprobe_links *links);

/* Detaches every probe and frees the links. */
void uprobe_links_destroy(struct uprobe_links *links);

#endif /* __UNISCOPE_UPROBE_ATTACH_H */
