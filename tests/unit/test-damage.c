// SPDX-License-Identifier: MIT
/*
 * Damage-to-buffer math and damage copies of the shm copy path, checked
 * against brute-force references written independently of the code under
 * test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "damage.h"
#include "formats.h"

/*
 * Reference: the buffer pixel a compositor samples for the surface
 * point (sx, sy) (logical, unscaled coordinates of a surface w x h), for
 * each wl_output_transform, as 2x3 integer matrices on (sx, sy, 1) with w
 * and h terms.  Written out per transform, not derived.
 */
static void
reference_surface_to_buffer(uint32_t transform, double w, double h, double sx,
			    double sy, double *bx, double *by)
{
	switch (transform) {
	case 0: *bx = sx; *by = sy; break;		/* normal */
	case 1: *bx = sy; *by = w - sx; break;		/* 90 */
	case 2: *bx = w - sx; *by = h - sy; break;	/* 180 */
	case 3: *bx = h - sy; *by = sx; break;		/* 270 */
	case 4: *bx = w - sx; *by = sy; break;		/* flipped */
	case 5: *bx = sy; *by = sx; break;		/* flipped 90 */
	case 6: *bx = sx; *by = h - sy; break;		/* flipped 180 */
	case 7: *bx = h - sy; *by = w - sx; break;	/* flipped 270 */
	default: *bx = *by = -1; break;
	}
}

/* The buffer pixels whose centres a surface rect covers, by brute force. */
static void
reference_region(const struct surface_geometry *g, int x, int y, int rw, int rh,
		 pixman_region32_t *out)
{
	bool swapped = g->transform & 1;
	double lw = (double)(swapped ? g->buffer_height : g->buffer_width) /
		    g->scale;
	double lh = (double)(swapped ? g->buffer_width : g->buffer_height) /
		    g->scale;

	pixman_region32_init(out);
	/* Map the centre of every buffer pixel under the rect. */
	for (int sy = y; sy < y + rh; sy++) {
		for (int sx = x; sx < x + rw; sx++) {
			for (int sub_y = 0; sub_y < g->scale; sub_y++) {
				for (int sub_x = 0; sub_x < g->scale; sub_x++) {
					double px = sx + (sub_x + 0.5) / g->scale;
					double py = sy + (sub_y + 0.5) / g->scale;
					double bx, by;

					reference_surface_to_buffer(
						g->transform, lw, lh, px, py,
						&bx, &by);
					bx *= g->scale;
					by *= g->scale;
					if (bx < 0 || by < 0 ||
					    bx >= g->buffer_width ||
					    by >= g->buffer_height)
						continue;
					pixman_region32_union_rect(
						out, out, (int)bx, (int)by, 1, 1);
				}
			}
		}
	}
}

static void
check_transform(uint32_t transform, int scale)
{
	struct surface_geometry g = {
		.buffer_width = 24 * scale,
		.buffer_height = 16 * scale,
		.scale = scale,
		.transform = transform,
	};
	static const int rects[][4] = {
		{ 0, 0, 1, 1 }, { 3, 2, 5, 4 }, { 0, 0, 16, 16 }, { 7, 1, 9, 3 },
	};

	for (size_t i = 0; i < sizeof(rects) / sizeof(rects[0]); i++) {
		pixman_region32_t surface, got, want;

		pixman_region32_init_rect(&surface, rects[i][0], rects[i][1],
					  (unsigned)rects[i][2],
					  (unsigned)rects[i][3]);
		pixman_region32_init(&got);
		assert_true(nest_damage_to_buffer(&g, &surface, &got));
		reference_region(&g, rects[i][0], rects[i][1], rects[i][2],
				 rects[i][3], &want);
		assert_true(pixman_region32_equal(&got, &want));
		pixman_region32_fini(&surface);
		pixman_region32_fini(&got);
		pixman_region32_fini(&want);
	}
}

static void
every_transform_and_scale(void **state)
{
	for (uint32_t t = 0; t < 8; t++) {
		check_transform(t, 1);
		check_transform(t, 2);
		check_transform(t, 3);
	}
}

static void
identity_and_clipping(void **state)
{
	struct surface_geometry g = {
		.buffer_width = 100, .buffer_height = 50, .scale = 1,
	};
	pixman_region32_t surface, got;
	pixman_box32_t *box;

	pixman_region32_init_rect(&surface, 90, 40, 50, 50);
	pixman_region32_init(&got);
	assert_true(nest_damage_to_buffer(&g, &surface, &got));
	box = pixman_region32_extents(&got);
	assert_int_equal(box->x1, 90);
	assert_int_equal(box->y1, 40);
	assert_int_equal(box->x2, 100);
	assert_int_equal(box->y2, 50);
	pixman_region32_fini(&surface);

	/* Damage wholly outside gives nothing; negative coordinates clip. */
	pixman_region32_clear(&got);
	pixman_region32_init_rect(&surface, 200, 200, 10, 10);
	assert_true(nest_damage_to_buffer(&g, &surface, &got));
	assert_false(pixman_region32_not_empty(&got));
	pixman_region32_fini(&surface);
	pixman_region32_init_rect(&surface, -5, -5, 10, 10);
	assert_true(nest_damage_to_buffer(&g, &surface, &got));
	box = pixman_region32_extents(&got);
	assert_int_equal(box->x1, 0);
	assert_int_equal(box->x2, 5);
	pixman_region32_fini(&surface);
	pixman_region32_fini(&got);
}

static void
invalid_geometry(void **state)
{
	struct surface_geometry g = {
		.buffer_width = 10, .buffer_height = 10, .scale = 0,
	};
	pixman_region32_t surface, got;

	pixman_region32_init_rect(&surface, 0, 0, 5, 5);
	pixman_region32_init(&got);
	assert_false(nest_damage_to_buffer(&g, &surface, &got));
	g.scale = 1;
	g.transform = 8;
	assert_false(nest_damage_to_buffer(&g, &surface, &got));
	g.transform = 0;
	g.has_destination = true;
	g.destination_width = 0;
	g.destination_height = 4;
	assert_false(nest_damage_to_buffer(&g, &surface, &got));
	assert_false(pixman_region32_not_empty(&got));
	pixman_region32_fini(&surface);
	pixman_region32_fini(&got);
}

/*
 * A viewport crops source (20,10) 40x20 of a 100x50 buffer and shows it
 * at 80x40: surface damage (10,10) 20x10 covers source (25,15) 10x5.
 */
static void
viewport_crop_and_scale(void **state)
{
	struct surface_geometry g = {
		.buffer_width = 100, .buffer_height = 50, .scale = 1,
		.has_source = true, .source_x = 20, .source_y = 10,
		.source_width = 40, .source_height = 20,
		.has_destination = true,
		.destination_width = 80, .destination_height = 40,
	};
	pixman_region32_t surface, got;
	pixman_box32_t *box;

	pixman_region32_init_rect(&surface, 10, 10, 20, 10);
	pixman_region32_init(&got);
	assert_true(nest_damage_to_buffer(&g, &surface, &got));
	box = pixman_region32_extents(&got);
	assert_int_equal(box->x1, 25);
	assert_int_equal(box->y1, 15);
	assert_int_equal(box->x2, 35);
	assert_int_equal(box->y2, 20);

	/* An odd rect maps to fractional pixels: rounded outward. */
	pixman_region32_fini(&surface);
	pixman_region32_clear(&got);
	pixman_region32_init_rect(&surface, 1, 1, 1, 1);
	assert_true(nest_damage_to_buffer(&g, &surface, &got));
	box = pixman_region32_extents(&got);
	assert_int_equal(box->x1, 20);
	assert_int_equal(box->y1, 10);
	assert_int_equal(box->x2, 21);
	assert_int_equal(box->y2, 11);

	/* Scale 2 with a fractional source rectangle. */
	pixman_region32_fini(&surface);
	pixman_region32_clear(&got);
	g.scale = 2;
	g.has_destination = false;
	g.source_x = 0.5;
	g.source_y = 0.25;
	g.source_width = 10;
	g.source_height = 10;
	pixman_region32_init_rect(&surface, 0, 0, 10, 10);
	assert_true(nest_damage_to_buffer(&g, &surface, &got));
	box = pixman_region32_extents(&got);
	assert_int_equal(box->x1, 1);
	assert_int_equal(box->y1, 0);
	assert_int_equal(box->x2, 21);
	assert_int_equal(box->y2, 21);
	pixman_region32_fini(&surface);
	pixman_region32_fini(&got);
}

/* Every pixel in the region copied, every other byte untouched. */
static void
check_copy(const struct nest_format *format, int width, int height,
	   size_t src_stride, size_t dst_stride, const int (*rects)[4],
	   int rect_count, bool set_unused)
{
	size_t row = (size_t)nest_format_row_bytes(format, width);
	uint8_t *src = malloc(src_stride * (size_t)height);
	uint8_t *dst = malloc(dst_stride * (size_t)height);
	pixman_region32_t region;
	size_t copied, expected = 0;

	assert_true(src_stride >= row && dst_stride >= row);
	for (size_t i = 0; i < src_stride * (size_t)height; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0xa5, dst_stride * (size_t)height);
	pixman_region32_init(&region);
	for (int i = 0; i < rect_count; i++)
		pixman_region32_union_rect(&region, &region, rects[i][0],
					   rects[i][1], (unsigned)rects[i][2],
					   (unsigned)rects[i][3]);
	pixman_region32_intersect_rect(&region, &region, 0, 0,
				       (unsigned)width, (unsigned)height);

	copied = nest_copy_region(dst, dst_stride, src, src_stride, format,
				  &region, set_unused);

	for (int y = 0; y < height; y++) {
		for (size_t byte = 0; byte < dst_stride; byte++) {
			size_t block = byte / format->block_bytes;
			int x = (int)(block * format->block_width);
			bool inside = false;

			/* A block is copied if any of its pixels is in. */
			for (int p = 0; p < format->block_width; p++) {
				if (byte < row &&
				    pixman_region32_contains_point(
					    &region, x + p, y, NULL))
					inside = true;
			}
			if (inside) {
				/* X clients' unused bits set; others' bytes as they are. */
				uint8_t want = src[(size_t)y * src_stride + byte] |
					       (set_unused ? (uint8_t)(format->unused_bits >>
								       (8 * (byte % 4))) : 0);

				assert_int_equal(dst[(size_t)y * dst_stride + byte],
						 want);
				expected++;
			} else {
				assert_int_equal(dst[(size_t)y * dst_stride + byte],
						 0xa5);
			}
		}
	}
	assert_int_equal(copied, expected);
	pixman_region32_fini(&region);
	free(src);
	free(dst);
}

static void
copy_odd_sizes_strides_formats(void **state)
{
	static const uint32_t codes[] = {
		0,				/* ARGB8888 */
		1,				/* XRGB8888: X bits set */
		0x34325852,			/* RGBX8888: X bits set */
		0x36314752,			/* RGB565 */
		0x34324752,			/* RGB888: 3 bytes */
		0x20203852,			/* R8 */
		0x38345241,			/* ARGB16161616: 8 bytes */
		0x56595559,			/* YUYV: 2-pixel blocks */
	};
	static const int rects[][4] = {
		{ 0, 0, 1, 1 }, { 3, 2, 7, 5 }, { 10, 9, 30, 2 }, { 36, 0, 1, 13 },
	};
	static const int full[][4] = { { 0, 0, 1000, 1000 } };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const struct nest_format *f = nest_format_lookup(codes[i]);
		size_t row;

		assert_non_null(f);
		row = (size_t)nest_format_row_bytes(f, 37);
		/* same stride, padded strides, different strides; an X client's
		 * buffer (unused bits set) and another's */
		for (int x = 0; x < 2; x++) {
			check_copy(f, 37, 13, row, row, rects, 4, x);
			check_copy(f, 37, 13, row + 3, row + 3, rects, 4, x);
			check_copy(f, 37, 13, row + 64, row + 1, rects, 4, x);
			check_copy(f, 37, 13, row, row, full, 1, x);
			check_copy(f, 37, 13, row + 5, row, full, 1, x);
			check_copy(f, 1, 1, row, row, full, 1, x);
		}
	}
}

static void
full_frame_is_one_block_of_bytes(void **state)
{
	const struct nest_format *f = nest_format_lookup(0);
	static const int full[][4] = { { 0, 0, 640, 480 } };
	static const int square[][4] = { { 100, 100, 64, 64 } };

	check_copy(f, 640, 480, 640 * 4, 640 * 4, full, 1, true);
	check_copy(f, 640, 480, 640 * 4, 640 * 4, square, 1, false);
}

static void
format_table(void **state)
{
	assert_non_null(nest_format_lookup(0));
	assert_non_null(nest_format_lookup(1));
	assert_null(nest_format_lookup(0x3231564e)); /* NV12: two planes */
	assert_int_equal(nest_format_row_bytes(nest_format_lookup(0), 3), 12);
	assert_int_equal(
		nest_format_row_bytes(nest_format_lookup(0x56595559), 3), 8);
	assert_int_equal(nest_format_row_bytes(nest_format_lookup(0), 0), 0);
}

/*
 * Clearing a region (pixels outside an X window's shape): exactly the
 * region's pixels become zero, whatever the stride; the padding and
 * every other pixel keep their bytes.
 */
static void
clear_region_exact(void **state)
{
	const struct nest_format *f = nest_format_lookup(0);
	const int width = 23, height = 11;
	const size_t stride = (size_t)width * 4 + 12;
	uint8_t *buf = malloc(stride * (size_t)height);
	pixman_region32_t region;
	size_t cleared, expected = 0;

	assert_non_null(buf);
	memset(buf, 0xa5, stride * (size_t)height);
	pixman_region32_init_rect(&region, 0, 0, 5, 3);
	pixman_region32_union_rect(&region, &region, 7, 2, 16, 9);
	pixman_region32_union_rect(&region, &region, 1, 10, 1, 1);
	cleared = nest_clear_region(buf, stride, f, &region);
	for (int y = 0; y < height; y++) {
		for (size_t x = 0; x < stride; x++) {
			bool inside = x < (size_t)width * 4 &&
				      pixman_region32_contains_point(
					      &region, (int)(x / 4), y, NULL);

			assert_int_equal(buf[(size_t)y * stride + x],
					 inside ? 0 : 0xa5);
			expected += inside;
		}
	}
	assert_int_equal(cleared, expected);
	pixman_region32_fini(&region);
	free(buf);
}

/*
 * Copies of a megabyte and more also drop the source lines from the CPU's
 * caches: the bytes come out the same, whole rows at once or row by row.
 */
static void
large_copies_exact(void **state)
{
	const struct nest_format *argb = nest_format_lookup(0);
	const struct nest_format *xrgb = nest_format_lookup(1);
	static const int whole[][4] = { { 0, 0, 640, 480 } };
	static const int part[][4] = { { 3, 1, 600, 470 }, { 0, 475, 9, 5 } };
	size_t row = 640 * 4;

	assert_non_null(argb);
	assert_non_null(xrgb);
	/* 1.2 MB in one block of rows; 1.1 MB of rows narrower than the
	 * stride; the same with unused bits set and unequal strides */
	check_copy(argb, 640, 480, row, row, whole, 1, false);
	check_copy(argb, 640, 480, row + 128, row + 128, part, 2, false);
	check_copy(xrgb, 640, 480, row, row, whole, 1, true);
	check_copy(xrgb, 640, 480, row + 64, row, part, 2, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_transform_and_scale),
		cmocka_unit_test(identity_and_clipping),
		cmocka_unit_test(invalid_geometry),
		cmocka_unit_test(viewport_crop_and_scale),
		cmocka_unit_test(copy_odd_sizes_strides_formats),
		cmocka_unit_test(large_copies_exact),
		cmocka_unit_test(full_frame_is_one_block_of_bytes),
		cmocka_unit_test(format_table),
		cmocka_unit_test(clear_region_exact),
	};
	return cmocka_run_group_tests_name("damage", tests, NULL, NULL);
}
