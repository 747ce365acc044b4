/* SPDX-License-Identifier: MIT */
/*
 * A checksum of a 32-bit-per-pixel image, the same for the test client
 * that drew it and the test host that received it.
 */
#ifndef VIRTWL_TESTS_PIXSUM_H
#define VIRTWL_TESTS_PIXSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* FNV-1a over the pixels' 32-bit words, row by row (the stride's padding
 * is not part of the image). */
static inline uint64_t
pixsum(const uint8_t *data, int32_t width, int32_t height, int32_t stride)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int32_t y = 0; y < height; y++) {
		const uint8_t *row = data + (size_t)y * (size_t)stride;

		for (int32_t x = 0; x < width; x++) {
			uint32_t w;

			memcpy(&w, row + (size_t)x * 4, 4);
			h = (h ^ w) * 0x100000001b3ull;
		}
	}
	return h;
}

#endif
