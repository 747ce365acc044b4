/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the ICCCM and EWMH window properties the window manager
 * reads.  Pure functions over property bytes: X clients are untrusted, so
 * every length is checked, and they are unit-tested on their own.
 */
#ifndef WLNEST_XWM_PROPS_H
#define WLNEST_XWM_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* WM_NORMAL_HINTS, the parts a Wayland toplevel can express. */
struct xwm_size_hints {
	int32_t min_width, min_height;	/* 0: none */
	int32_t max_width, max_height;	/* 0: none */
};

/* Parses WM_NORMAL_HINTS (an array of CARD32).  False if malformed. */
bool xwm_parse_size_hints(const uint32_t *data, size_t count,
			  struct xwm_size_hints *hints);

/*
 * Parses WM_CLASS ("instance\0class\0").  Returns the class as a new
 * UTF-8 string (the instance when the class is missing), or NULL.
 */
char *xwm_parse_wm_class(const char *data, size_t length);

/* A Latin-1 (ICCCM STRING) property as a new UTF-8 string. */
char *xwm_latin1_to_utf8(const char *data, size_t length);

/*
 * A UTF8_STRING property as a new string, cut at the first NUL and with
 * invalid sequences replaced, so the host gets valid UTF-8 only.
 */
char *xwm_sanitize_utf8(const char *data, size_t length);

/* Whether atom is among count atoms. */
bool xwm_atom_list_has(const uint32_t *atoms, size_t count, uint32_t atom);

/*
 * _NET_WM_MOVERESIZE direction to an xdg_toplevel resize edge; returns
 * false for directions that are not a pointer resize (move, keyboard,
 * cancel, unknown).
 */
bool xwm_moveresize_edge(uint32_t direction, uint32_t *edge);

#define XWM_MOVERESIZE_MOVE 8
#define XWM_MOVERESIZE_CANCEL 11

/* Reads _MOTIF_WM_HINTS: false if it asks for no decorations. */
bool xwm_motif_wants_decorations(const uint32_t *data, size_t count);

#endif
