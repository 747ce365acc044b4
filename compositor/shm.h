/* SPDX-License-Identifier: MIT */
/*
 * The guest-facing wl_shm of the copy mode, and shadow maps of the pools
 * forwarded for Xwayland in the passthrough mode (shm.c).
 */
#ifndef WLNEST_SHM_H
#define WLNEST_SHM_H

#include <stdbool.h>
#include <stdint.h>

struct nest_client;
struct nest_shm_pool;
struct wl_resource;

struct nest_shm_buffer {
	struct wl_resource *resource;	/* the guest's wl_buffer */
	struct nest_shm_pool *pool;	/* referenced while the buffer lives */
	int32_t offset, width, height, stride;
	const struct nest_format *format;
};

bool nest_shm_bind(struct nest_client *nc, uint32_t version, uint32_t id);

/* NULL unless resource is a wl_buffer of wlnest's own wl_shm. */
struct nest_shm_buffer *nest_shm_buffer_from_resource(struct wl_resource *r);

/*
 * The shadow of a forwarded wl_buffer of Xwayland (the passthrough mode):
 * its pixels, readable by wlnest; NULL if it has none.
 */
struct nest_shm_buffer *nest_shm_buffer_shadow(struct wl_resource *r);

/*
 * Returns the buffer's first byte; reads must end with
 * nest_shm_end_access(), which returns false (after sending the guest a
 * protocol error) if the guest's pool file turned out shorter than
 * promised.
 */
const uint8_t *nest_shm_begin_access(struct nest_shm_buffer *buffer);
bool nest_shm_end_access(struct nest_shm_buffer *buffer);

#endif
