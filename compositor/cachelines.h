// SPDX-License-Identifier: MIT
/*
 * Dropping the lines a copy read from this CPU's caches.  Left there, they
 * make the next writer of that memory on another core take each line
 * back: on a host whose cores share no last-level cache, a client
 * repainting a buffer wlnest had just copied painted at half its speed.
 * Where the CPU cannot say so (no clflushopt), nothing is done.
 */
#ifndef NEST_CACHELINES_H
#define NEST_CACHELINES_H

#include <stddef.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("clflushopt"))) static inline void
nest_drop_lines_clflushopt(const uint8_t *p, size_t bytes)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)63;

	for (; a < (uintptr_t)p + bytes; a += 64)
		_mm_clflushopt((void *)a);
}
#endif

static inline void
nest_drop_lines(const uint8_t *p, size_t bytes)
{
#if defined(__x86_64__) || defined(__i386__)
	static int supported = -1;

	if (supported < 0) {
		__builtin_cpu_init();
		supported = __builtin_cpu_supports("clflushopt") != 0;
	}
	if (supported)
		nest_drop_lines_clflushopt(p, bytes);
#else
	(void)p;
	(void)bytes;
#endif
}

#endif
