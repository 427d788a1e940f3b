// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libcounter.so, a shared library for the tests of `uniscope deps -p`.
 * Built with -DCOUNTER_BUILD=2 it is another build of the same library:
 * a padding function moves counter_step to another file offset, so a probe
 * placed from the wrong build misses every call.
 */
#ifndef COUNTER_BUILD
#define COUNTER_BUILD 1
#endif

#if COUNTER_BUILD == 2
volatile long counter_padding_sink;

void counter_padding(void)
{
	long i;

	for (i = 0; i < 64; i++)
		counter_padding_sink += i * i;
}
#endif

long counter_total;

long counter_step(long value)
{
	counter_total += value * COUNTER_BUILD;
	return counter_total;
}
