/* SPDX-License-Identifier: MIT */
/*
 * wl_shm formats the copy path understands: single-plane formats whose
 * pixels come in blocks of block_width pixels and block_bytes bytes.
 * Formats not listed are not offered to guests in copy mode.
 */
#ifndef WLNEST_FORMATS_H
#define WLNEST_FORMATS_H

#include <stdint.h>

struct nest_format {
	uint32_t code;		/* wl_shm format code */
	uint8_t block_width;	/* pixels per block (2 for packed 4:2:2) */
	uint8_t block_bytes;	/* bytes per block */
	/*
	 * 32-bit formats with an unused 8-bit channel: the bits of it, set
	 * in every copied pixel.  Compositors ignore them, but some read
	 * them as alpha in screenshots, and X clients leave them zero.
	 */
	uint32_t unused_bits;
};

const struct nest_format *nest_format_lookup(uint32_t code);

/* Bytes one row of width pixels takes, or 0 if width is not valid. */
uint64_t nest_format_row_bytes(const struct nest_format *format,
			       int32_t width);

#endif
