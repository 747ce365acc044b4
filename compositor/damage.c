// SPDX-License-Identifier: MIT
#include <math.h>
#include <string.h>
#include "cachelines.h"
#include "damage.h"

/* wl_output_transform values, without pulling in a protocol header. */
enum {
	TRANSFORM_NORMAL,
	TRANSFORM_90,
	TRANSFORM_180,
	TRANSFORM_270,
	TRANSFORM_FLIPPED,
	TRANSFORM_FLIPPED_90,
	TRANSFORM_FLIPPED_180,
	TRANSFORM_FLIPPED_270,
};

struct box {
	double x1, y1, x2, y2;
};

/*
 * The client drew the surface's image, then applied the buffer transform
 * to get the buffer: a horizontal flip first for the FLIPPED variants,
 * then a counter-clockwise rotation by a multiple of 90 degrees.  Apply
 * the same steps to a box of an image width x height.
 */
static struct box
transform_box(struct box b, uint32_t transform, double width, double height)
{
	struct box r = b;
	int quarter_turns = transform & 3;

	if (transform & 4) {
		r.x1 = width - b.x2;
		r.x2 = width - b.x1;
		b = r;
	}
	for (int i = 0; i < quarter_turns; i++) {
		/* (x, y) in a w x h image -> (y, w - x) in an h x w one */
		r.x1 = b.y1;
		r.x2 = b.y2;
		r.y1 = width - b.x2;
		r.y2 = width - b.x1;
		b = r;
		double t = width;
		width = height;
		height = t;
	}
	return r;
}

bool
nest_damage_to_buffer(const struct surface_geometry *g,
		      const pixman_region32_t *surface_damage,
		      pixman_region32_t *buffer_damage)
{
	double logical_width, logical_height;	/* transformed, unscaled */
	double surface_width, surface_height;
	double src_x = 0, src_y = 0, src_w, src_h;
	const pixman_box32_t *rects;
	int n;

	if (g->scale < 1 || g->transform > TRANSFORM_FLIPPED_270 ||
	    g->buffer_width <= 0 || g->buffer_height <= 0)
		return false;

	if (g->transform & 1) {
		logical_width = (double)g->buffer_height / g->scale;
		logical_height = (double)g->buffer_width / g->scale;
	} else {
		logical_width = (double)g->buffer_width / g->scale;
		logical_height = (double)g->buffer_height / g->scale;
	}
	src_w = logical_width;
	src_h = logical_height;
	if (g->has_source) {
		if (!(g->source_width > 0 && g->source_height > 0))
			return false;
		src_x = g->source_x;
		src_y = g->source_y;
		src_w = g->source_width;
		src_h = g->source_height;
	}
	if (g->has_destination) {
		if (g->destination_width <= 0 || g->destination_height <= 0)
			return false;
		surface_width = g->destination_width;
		surface_height = g->destination_height;
	} else {
		surface_width = src_w;
		surface_height = src_h;
	}

	rects = pixman_region32_rectangles(
		(pixman_region32_t *)surface_damage, &n);
	for (int i = 0; i < n; i++) {
		struct box b = {
			src_x + rects[i].x1 * src_w / surface_width,
			src_y + rects[i].y1 * src_h / surface_height,
			src_x + rects[i].x2 * src_w / surface_width,
			src_y + rects[i].y2 * src_h / surface_height,
		};
		double x1, y1, x2, y2;

		b = transform_box(b, g->transform, logical_width,
				  logical_height);
		x1 = floor(b.x1 * g->scale);
		y1 = floor(b.y1 * g->scale);
		x2 = ceil(b.x2 * g->scale);
		y2 = ceil(b.y2 * g->scale);
		if (x1 < 0)
			x1 = 0;
		if (y1 < 0)
			y1 = 0;
		if (x2 > g->buffer_width)
			x2 = g->buffer_width;
		if (y2 > g->buffer_height)
			y2 = g->buffer_height;
		if (x2 <= x1 || y2 <= y1)
			continue;
		pixman_region32_union_rect(buffer_damage, buffer_damage,
					   (int)x1, (int)y1,
					   (unsigned)(x2 - x1),
					   (unsigned)(y2 - y1));
	}
	return true;
}

/*
 * A copy that also sets the unused bits of every 32-bit pixel.  The
 * guest chooses the stride, so pixels need not be aligned: memcpy loads
 * and stores, which the compiler turns into plain (vector) moves.
 */
typedef uint32_t pixels4 __attribute__((vector_size(16)));

static void
copy_setting(uint8_t *dst, const uint8_t *src, size_t bytes, uint32_t bits)
{
	const pixels4 set = { bits, bits, bits, bits };
	size_t i = 0;

	for (; i + 16 <= bytes; i += 16) {
		pixels4 v;

		memcpy(&v, src + i, 16);
		v |= set;
		memcpy(dst + i, &v, 16);
	}
	for (; i + 4 <= bytes; i += 4) {
		uint32_t v;

		memcpy(&v, src + i, 4);
		v |= bits;
		memcpy(dst + i, &v, 4);
	}
}

/* Copies this large also drop the lines they read from the CPU's caches
 * (cachelines.h); smaller ones are not worth the flushes. */
#define DROP_LINES_MIN (1u << 20)

static void
copy_bytes(uint8_t *dst, const uint8_t *src, size_t bytes, uint32_t bits)
{
	if (bits)
		copy_setting(dst, src, bytes, bits);
	else
		memcpy(dst, src, bytes);
}

/* The bytes of one row of box, widened to whole blocks (pairs of pixels
 * for 4:2:2): their count, and in *offset where they start. */
static size_t
row_span(const struct nest_format *format, const pixman_box32_t *box,
	 size_t *offset)
{
	size_t bx1 = (size_t)box->x1 / format->block_width;
	size_t bx2 = ((size_t)box->x2 + format->block_width - 1) /
		     format->block_width;

	*offset = bx1 * format->block_bytes;
	return (bx2 - bx1) * format->block_bytes;
}

size_t
nest_copy_region(uint8_t *dst, size_t dst_stride, const uint8_t *src,
		 size_t src_stride, const struct nest_format *format,
		 const pixman_region32_t *region, bool set_unused)
{
	uint32_t bits = set_unused ? format->unused_bits : 0;

	const pixman_box32_t *rects;
	size_t copied = 0;
	int n;

	rects = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	for (int i = 0; i < n; i++) {
		size_t offset, row = row_span(format, &rects[i], &offset);
		size_t y = (size_t)rects[i].y1, y2 = (size_t)rects[i].y2;
		size_t bytes = (y2 - y) * row;
		bool drop = bytes >= DROP_LINES_MIN;

		copied += bytes;
		if (offset == 0 && row == dst_stride && dst_stride == src_stride) {
			/* Whole rows of equal stride: one copy. */
			copy_bytes(dst + y * dst_stride, src + y * src_stride,
				   bytes, bits);
			if (drop)
				nest_drop_lines(src + y * src_stride, bytes);
			continue;
		}
		for (; y < y2; y++) {
			copy_bytes(dst + y * dst_stride + offset,
				   src + y * src_stride + offset, row, bits);
			if (drop)
				nest_drop_lines(src + y * src_stride + offset, row);
		}
	}
	return copied;
}

size_t
nest_clear_region(uint8_t *dst, size_t dst_stride,
		  const struct nest_format *format,
		  const pixman_region32_t *region)
{
	const pixman_box32_t *rects;
	size_t cleared = 0;
	int n;

	rects = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	for (int i = 0; i < n; i++) {
		size_t offset, row = row_span(format, &rects[i], &offset);

		for (size_t y = (size_t)rects[i].y1; y < (size_t)rects[i].y2; y++)
			memset(dst + y * dst_stride + offset, 0, row);
		cleared += (size_t)(rects[i].y2 - rects[i].y1) * row;
	}
	return cleared;
}
