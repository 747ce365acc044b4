/* SPDX-License-Identifier: MIT */
/*
 * Page-granular offset allocator for the shared-memory window: which byte
 * ranges of shm region 0 hold a mapping.  First fit over a sorted list;
 * the list is as long as the number of mappings, which the vfd limit caps.
 */
#ifndef VIRTWL_WL_WINDOW_H
#define VIRTWL_WL_WINDOW_H

#include <stdint.h>

#define WL_PAGE_SIZE 4096ull

struct wl_window_range;

struct wl_window {
	uint64_t size;
	struct wl_window_range *ranges;	/* sorted by offset, disjoint */
};

void wl_window_init(struct wl_window *win, uint64_t size);
/*
 * Reserves @len bytes (a nonzero page multiple).  Returns 0 and the
 * offset in *@offset, or -ENOMEM when no hole is large enough, or
 * -EINVAL for a bad @len.
 */
int wl_window_alloc(struct wl_window *win, uint64_t len, uint64_t *offset);
/* Releases the range that starts at @offset; returns -ENOENT if none. */
int wl_window_free(struct wl_window *win, uint64_t offset);
/* Releases everything. */
void wl_window_finish(struct wl_window *win);

#endif /* VIRTWL_WL_WINDOW_H */
