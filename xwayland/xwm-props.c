// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "xwm-props.h"

/* ICCCM WM_SIZE_HINTS flags and the field positions they govern */
#define HINT_MIN_SIZE (1u << 4)
#define HINT_MAX_SIZE (1u << 5)
#define HINT_FIELDS 18
#define FIELD_MIN_WIDTH 5
#define FIELD_MAX_WIDTH 7

static int32_t
sane_size(uint32_t v)
{
	/* X sizes are 16-bit; anything larger or "negative" means none. */
	return v > 0 && v <= 32767 ? (int32_t)v : 0;
}

bool
xwm_parse_size_hints(const uint32_t *data, size_t count,
		     struct xwm_size_hints *hints)
{
	memset(hints, 0, sizeof(*hints));
	/* Old clients write 15 fields (no base size or gravity). */
	if (!data || count < 15 || count > HINT_FIELDS)
		return false;
	if (data[0] & HINT_MIN_SIZE) {
		hints->min_width = sane_size(data[FIELD_MIN_WIDTH]);
		hints->min_height = sane_size(data[FIELD_MIN_WIDTH + 1]);
	}
	if (data[0] & HINT_MAX_SIZE) {
		hints->max_width = sane_size(data[FIELD_MAX_WIDTH]);
		hints->max_height = sane_size(data[FIELD_MAX_WIDTH + 1]);
	}
	/* A maximum below the minimum is ignored rather than obeyed. */
	if (hints->max_width && hints->max_width < hints->min_width)
		hints->max_width = 0;
	if (hints->max_height && hints->max_height < hints->min_height)
		hints->max_height = 0;
	return true;
}

char *
xwm_latin1_to_utf8(const char *data, size_t length)
{
	char *out = malloc(length * 2 + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < length && data[i]; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c < 0x80) {
			out[n++] = (char)c;
		} else {
			out[n++] = (char)(0xc0 | (c >> 6));
			out[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[n] = '\0';
	return out;
}

/* Length of the valid UTF-8 sequence at s (at most left bytes), or 0. */
static size_t
utf8_sequence(const unsigned char *s, size_t left)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > left)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *
xwm_sanitize_utf8(const char *data, size_t length)
{
	/* each bad byte becomes U+FFFD: 3 bytes */
	char *out = malloc(length * 3 + 1);
	const unsigned char *s = (const unsigned char *)data;
	size_t n = 0, i = 0;

	if (!out)
		return NULL;
	while (i < length && s[i]) {
		size_t len = utf8_sequence(s + i, length - i);

		if (len == 0) {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
			i++;
			continue;
		}
		memcpy(out + n, s + i, len);
		n += len;
		i += len;
	}
	out[n] = '\0';
	return out;
}

char *
xwm_parse_wm_class(const char *data, size_t length)
{
	size_t instance_len;

	if (!data || length == 0)
		return NULL;
	instance_len = strnlen(data, length);
	if (instance_len + 1 < length && data[instance_len + 1])
		return xwm_latin1_to_utf8(data + instance_len + 1,
					  length - instance_len - 1);
	return instance_len ? xwm_latin1_to_utf8(data, instance_len) : NULL;
}

bool
xwm_atom_list_has(const uint32_t *atoms, size_t count, uint32_t atom)
{
	for (size_t i = 0; atoms && i < count; i++) {
		if (atoms[i] == atom)
			return true;
	}
	return false;
}

bool
xwm_moveresize_edge(uint32_t direction, uint32_t *edge)
{
	/* xdg_toplevel.resize_edge values, indexed by EWMH direction */
	static const uint32_t edges[] = {
		5,	/* top left */
		1,	/* top */
		9,	/* top right */
		8,	/* right */
		10,	/* bottom right */
		2,	/* bottom */
		6,	/* bottom left */
		4,	/* left */
	};

	if (direction >= sizeof(edges) / sizeof(edges[0]))
		return false;
	*edge = edges[direction];
	return true;
}

bool
xwm_motif_wants_decorations(const uint32_t *data, size_t count)
{
	/* flags, functions, decorations, ...; bit 1 of flags: decorations */
	if (!data || count < 3 || !(data[0] & 2))
		return true;
	return data[2] != 0;
}
