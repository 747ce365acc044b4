/* SPDX-License-Identifier: MIT */
/*
 * Damage math and damage copies for the shm copy path.  Pure functions:
 * no Wayland objects, so they are unit-tested on their own.
 */
#ifndef WLNEST_DAMAGE_H
#define WLNEST_DAMAGE_H

#include <pixman.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats.h"

/* How a surface maps onto its buffer after a commit. */
struct surface_geometry {
	int32_t buffer_width, buffer_height;	/* pixels */
	int32_t scale;				/* wl_surface.set_buffer_scale */
	uint32_t transform;			/* enum wl_output_transform */
	bool has_source;			/* wp_viewport.set_source */
	double source_x, source_y, source_width, source_height;
	bool has_destination;			/* wp_viewport.set_destination */
	int32_t destination_width, destination_height;
};

/*
 * Adds to *buffer_damage the buffer pixels that can show within the
 * surface-coordinate region *surface_damage, rounded outward and clipped
 * to the buffer.  Returns false (adding nothing) for a geometry the
 * protocol forbids, e.g. a zero scale or a transform out of range.
 */
bool nest_damage_to_buffer(const struct surface_geometry *geometry,
			   const pixman_region32_t *surface_damage,
			   pixman_region32_t *buffer_damage);

/*
 * Copies the pixels of region (buffer coordinates, already clipped to the
 * buffer) from src to dst, two buffers of the same format and height with
 * their own strides.  With @set_unused, the unused bits of the format
 * (the X byte of XRGB) are set in every pixel: X clients leave them zero,
 * and weston composites them as alpha; other clients' bytes are copied as
 * they are, a plain memcpy.  Returns the number of bytes copied.
 */
size_t nest_copy_region(uint8_t *dst, size_t dst_stride, const uint8_t *src,
			size_t src_stride, const struct nest_format *format,
			const pixman_region32_t *region, bool set_unused);

/*
 * Zeroes the pixels of region (buffer coordinates, clipped to the buffer)
 * in a buffer of a format whose blocks are whole pixels: transparent in
 * ARGB8888.  Returns the number of bytes written.
 */
size_t nest_clear_region(uint8_t *dst, size_t dst_stride,
			 const struct nest_format *format,
			 const pixman_region32_t *region);

#endif
