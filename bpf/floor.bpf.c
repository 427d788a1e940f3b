// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The minimum cost of a system call tracer on the syscall tracepoints, for
 * the benchmarks. Some programs do nothing. Others only read the clock, as
 * a latency tracer must at entry and exit. No uniscope command loads them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Sum of the clock values read, so that the reads cannot be optimised out. */
__u64 clock_sum;

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter_empty, struct pt_regs *regs, long nr)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit_empty, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter_clock, struct pt_regs *regs, long nr)
{
	clock_sum += bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit_clock, struct pt_regs *regs, long ret)
{
	clock_sum += bpf_ktime_get_ns();
	return 0;
}
