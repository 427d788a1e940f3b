// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "commands.h"
#include "log.h"
#include "util.h"

int cmd_trace(int argc, char **argv)
{
	/* TODO: replaced by the tracer in the next commit. */
	p_err("'uniscope trace' is not built yet");
	return EXIT_FAILURE_RUNTIME;
}
