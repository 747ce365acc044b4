/* SPDX-License-Identifier: MIT */
/*
 * Frames for X toplevels where the host does not decorate them (no
 * xdg-decoration, as on weston or mutter, or client-side picked for the
 * window, as sway may), drawn by libdecor on the Xwayland client's host
 * connection.  xwm.c asks for a frame when it makes a toplevel;
 * everything libdecor-specific stays in xwm-decor.c.
 */
#ifndef WLNEST_XWM_DECOR_H
#define WLNEST_XWM_DECOR_H

#include <stdbool.h>

struct xwm;
struct xwm_decor;
struct xwm_window;

/*
 * Starts libdecor on the window manager's host connection (wm->nc), or
 * returns NULL (logged once) when frames are off, unsupported by the
 * channel, or libdecor has no plugin to draw them.
 */
struct xwm_decor *xwm_decor_create(struct xwm *wm);
void xwm_decor_destroy(struct xwm_decor *decor);
/*
 * True until libdecor has its globals (a roundtrip after
 * xwm_decor_create): toplevels wait for it, then xwm_create_roles.
 */
bool xwm_decor_waiting(const struct xwm_decor *decor);

/*
 * Whether w's client draws its own frame: _MOTIF_WM_HINTS without
 * decorations, or _GTK_FRAME_EXTENTS.
 */
bool xwm_draws_own_frame(struct xwm_window *w);

/*
 * Makes w's host toplevel a libdecor frame when w wants decorations
 * (w->decorations) and libdecor runs; the frame shows while the host
 * picks client-side decorations.  On success w->host.toplevel is
 * libdecor's (borrowed), for xwm.c to set up before the role commit,
 * xwm_decor_frame_map; false leaves w untouched.
 */
bool xwm_decor_frame_create(struct xwm_window *w);
/* The role commit of w's frame: the host answers with a configure. */
void xwm_decor_frame_map(struct xwm_window *w);
/* Drops w's frame, its xdg_toplevel with it; no-op without a frame. */
void xwm_decor_frame_destroy(struct xwm_window *w);
/* Title, app id and size limits from w's properties. */
void xwm_decor_frame_update(struct xwm_window *w);
/* The X window's own new size: the frame and window geometry follow. */
void xwm_decor_frame_resize(struct xwm_window *w);

#endif
