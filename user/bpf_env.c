// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "bpf_env.h"
#include "log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_capability(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

static int check_capabilities(void)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	char missing[64] = "";

	if (syscall(SYS_capget, &header, data)) {
		log_errno(LOG_ERROR, errno, "cannot read the capabilities of this process");
		return -1;
	}
	if (has_capability(data, CAP_SYS_ADMIN))
		return 0;

	if (!has_capability(data, CAP_BPF))
		strcat(missing, "CAP_BPF");
	if (!has_capability(data, CAP_PERFMON))
		strcat(missing, missing[0] ? " and CAP_PERFMON" : "CAP_PERFMON");
	if (!missing[0])
		return 0;

	p_err("missing capability %s (or CAP_SYS_ADMIN) needed to load BPF tracing programs: "
	      "run as root, or grant them with 'setcap cap_bpf,cap_perfmon+ep uniscope'",
	      missing);
	return -1;
}

int bpf_env_check(void)
{
	if (access(KERNEL_BTF_PATH, R_OK)) {
		log_errno(LOG_ERROR, errno,
			  "kernel BTF not found at '%s': uniscope needs a kernel built with "
			  "CONFIG_DEBUG_INFO_BTF=y", KERNEL_BTF_PATH);
		return -1;
	}
	return check_capabilities();
}

void bpf_env_report_failure(const char *what, int err)
{
	if (err < 0)
		err = -err;

	switch (err) {
	case EPERM:
	case EACCES:
		log_errno(LOG_ERROR, err,
			  "%s failed: the kernel refused; run as root, and check that "
			  "kernel lockdown or a security module does not forbid BPF tracing",
			  what);
		break;
	case ENOENT:
	case ESRCH:
	case EINVAL:
		log_errno(LOG_ERROR, err,
			  "%s failed: the kernel may be too old or lack a tracepoint; "
			  "run with -v to see libbpf's messages", what);
		break;
	default:
		log_errno(LOG_ERROR, err, "%s failed; run with -v to see libbpf's messages", what);
	}
}
