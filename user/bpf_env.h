/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Checks that the kernel and the process can load uniscope's BPF programs. */
#ifndef __UNISCOPE_BPF_ENV_H
#define __UNISCOPE_BPF_ENV_H

#define KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"

/*
 * Checks for kernel BTF and for the capabilities BPF tracing needs
 * (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN). Prints what is missing and
 * how to get it; returns 0 when all is there, -1 otherwise.
 */
int bpf_env_check(void);

/* Prints an error for a failed skeleton load or attach, with a hint by errno. */
void bpf_env_report_failure(const char *what, int err);

#endif /* __UNISCOPE_BPF_ENV_H */
