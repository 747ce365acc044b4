// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "wl_window.h"

struct wl_window_range {
	struct wl_window_range *next;
	uint64_t offset;
	uint64_t len;
};

void
wl_window_init(struct wl_window *win, uint64_t size)
{
	win->size = size & ~(WL_PAGE_SIZE - 1);
	win->ranges = NULL;
}

int
wl_window_alloc(struct wl_window *win, uint64_t len, uint64_t *offset)
{
	struct wl_window_range **link = &win->ranges;
	struct wl_window_range *range;
	uint64_t start = 0;

	if (len == 0 || (len & (WL_PAGE_SIZE - 1)) || len > win->size)
		return -EINVAL;
	for (;;) {
		uint64_t end = *link ? (*link)->offset : win->size;

		if (end - start >= len)
			break;
		if (!*link)
			return -ENOMEM;
		start = (*link)->offset + (*link)->len;
		link = &(*link)->next;
	}
	range = malloc(sizeof(*range));
	if (!range)
		return -ENOMEM;
	range->offset = start;
	range->len = len;
	range->next = *link;
	*link = range;
	*offset = start;
	return 0;
}

int
wl_window_free(struct wl_window *win, uint64_t offset)
{
	struct wl_window_range **link;

	for (link = &win->ranges; *link; link = &(*link)->next) {
		struct wl_window_range *range = *link;

		if (range->offset == offset) {
			*link = range->next;
			free(range);
			return 0;
		}
		if (range->offset > offset)
			break;
	}
	return -ENOENT;
}

void
wl_window_finish(struct wl_window *win)
{
	while (win->ranges) {
		struct wl_window_range *range = win->ranges;

		win->ranges = range->next;
		free(range);
	}
}
