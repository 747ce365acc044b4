// SPDX-License-Identifier: MIT
#include <stddef.h>

#include "formats.h"

#define FOURCC(a, b, c, d)                                                   \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |      \
	 ((uint32_t)(d) << 24))

static const struct nest_format formats[] = {
	/* wl_shm's own codes for the two mandatory formats */
	{ 0, 1, 4, 0 },	/* ARGB8888 */
	{ 1, 1, 4, 0xff000000 },	/* XRGB8888 */
	/* 8 bits */
	{ FOURCC('C', '8', ' ', ' '), 1, 1, 0 },
	{ FOURCC('R', '8', ' ', ' '), 1, 1, 0 },
	{ FOURCC('R', 'G', 'B', '8'), 1, 1, 0 },
	{ FOURCC('B', 'G', 'R', '8'), 1, 1, 0 },
	/* 16 bits */
	{ FOURCC('X', 'R', '1', '2'), 1, 2, 0 },
	{ FOURCC('X', 'B', '1', '2'), 1, 2, 0 },
	{ FOURCC('R', 'X', '1', '2'), 1, 2, 0 },
	{ FOURCC('B', 'X', '1', '2'), 1, 2, 0 },
	{ FOURCC('A', 'R', '1', '2'), 1, 2, 0 },
	{ FOURCC('A', 'B', '1', '2'), 1, 2, 0 },
	{ FOURCC('R', 'A', '1', '2'), 1, 2, 0 },
	{ FOURCC('B', 'A', '1', '2'), 1, 2, 0 },
	{ FOURCC('X', 'R', '1', '5'), 1, 2, 0 },
	{ FOURCC('X', 'B', '1', '5'), 1, 2, 0 },
	{ FOURCC('R', 'X', '1', '5'), 1, 2, 0 },
	{ FOURCC('B', 'X', '1', '5'), 1, 2, 0 },
	{ FOURCC('A', 'R', '1', '5'), 1, 2, 0 },
	{ FOURCC('A', 'B', '1', '5'), 1, 2, 0 },
	{ FOURCC('R', 'A', '1', '5'), 1, 2, 0 },
	{ FOURCC('B', 'A', '1', '5'), 1, 2, 0 },
	{ FOURCC('R', 'G', '1', '6'), 1, 2, 0 },
	{ FOURCC('B', 'G', '1', '6'), 1, 2, 0 },
	{ FOURCC('R', '1', '6', ' '), 1, 2, 0 },
	{ FOURCC('R', 'G', '8', '8'), 1, 2, 0 },
	{ FOURCC('G', 'R', '8', '8'), 1, 2, 0 },
	/* 24 bits */
	{ FOURCC('R', 'G', '2', '4'), 1, 3, 0 },
	{ FOURCC('B', 'G', '2', '4'), 1, 3, 0 },
	/* 32 bits */
	{ FOURCC('X', 'B', '2', '4'), 1, 4, 0xff000000 },
	{ FOURCC('R', 'X', '2', '4'), 1, 4, 0x000000ff },
	{ FOURCC('B', 'X', '2', '4'), 1, 4, 0x000000ff },
	{ FOURCC('A', 'B', '2', '4'), 1, 4, 0 },
	{ FOURCC('R', 'A', '2', '4'), 1, 4, 0 },
	{ FOURCC('B', 'A', '2', '4'), 1, 4, 0 },
	{ FOURCC('X', 'R', '3', '0'), 1, 4, 0 },
	{ FOURCC('X', 'B', '3', '0'), 1, 4, 0 },
	{ FOURCC('R', 'X', '3', '0'), 1, 4, 0 },
	{ FOURCC('B', 'X', '3', '0'), 1, 4, 0 },
	{ FOURCC('A', 'R', '3', '0'), 1, 4, 0 },
	{ FOURCC('A', 'B', '3', '0'), 1, 4, 0 },
	{ FOURCC('R', 'A', '3', '0'), 1, 4, 0 },
	{ FOURCC('B', 'A', '3', '0'), 1, 4, 0 },
	{ FOURCC('G', 'R', '3', '2'), 1, 4, 0 },
	{ FOURCC('R', 'G', '3', '2'), 1, 4, 0 },
	{ FOURCC('A', 'Y', 'U', 'V'), 1, 4, 0 },
	{ FOURCC('X', 'Y', 'U', 'V'), 1, 4, 0 },
	/* 64 bits */
	{ FOURCC('X', 'R', '4', 'H'), 1, 8, 0 },
	{ FOURCC('X', 'B', '4', 'H'), 1, 8, 0 },
	{ FOURCC('A', 'R', '4', 'H'), 1, 8, 0 },
	{ FOURCC('A', 'B', '4', 'H'), 1, 8, 0 },
	{ FOURCC('X', 'R', '4', '8'), 1, 8, 0 },
	{ FOURCC('X', 'B', '4', '8'), 1, 8, 0 },
	{ FOURCC('A', 'R', '4', '8'), 1, 8, 0 },
	{ FOURCC('A', 'B', '4', '8'), 1, 8, 0 },
	/* packed 4:2:2: two pixels share four bytes */
	{ FOURCC('Y', 'U', 'Y', 'V'), 2, 4, 0 },
	{ FOURCC('Y', 'V', 'Y', 'U'), 2, 4, 0 },
	{ FOURCC('U', 'Y', 'V', 'Y'), 2, 4, 0 },
	{ FOURCC('V', 'Y', 'U', 'Y'), 2, 4, 0 },
};

const struct nest_format *
nest_format_lookup(uint32_t code)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (formats[i].code == code)
			return &formats[i];
	}
	return NULL;
}

uint64_t
nest_format_row_bytes(const struct nest_format *format, int32_t width)
{
	if (width <= 0)
		return 0;
	return ((uint64_t)width + format->block_width - 1) /
	       format->block_width * format->block_bytes;
}
