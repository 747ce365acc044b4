/* SPDX-License-Identifier: MIT */
/* The X11 window manager's state, shared by xwm.c and selection.c. */
#ifndef WLNEST_XWM_H
#define WLNEST_XWM_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <xcb/xcb.h>

#include "xwm-props.h"

struct libdecor_frame;
struct nest_client;
struct nest_object;
struct nest_xwayland;

enum xwm_atom {
	ATOM_WM_PROTOCOLS,
	ATOM_WM_DELETE_WINDOW,
	ATOM_WM_TAKE_FOCUS,
	ATOM_WM_STATE,
	ATOM_WM_CHANGE_STATE,
	ATOM_WM_S0,
	ATOM_WM_CLASS,
	ATOM_WM_NAME,
	ATOM_WM_NORMAL_HINTS,
	ATOM_WM_TRANSIENT_FOR,
	ATOM_WL_SURFACE_ID,
	ATOM_UTF8_STRING,
	ATOM_NET_WM_NAME,
	ATOM_NET_SUPPORTED,
	ATOM_NET_SUPPORTING_WM_CHECK,
	ATOM_NET_ACTIVE_WINDOW,
	ATOM_NET_CLIENT_LIST,
	ATOM_NET_WM_STATE,
	ATOM_NET_WM_STATE_FULLSCREEN,
	ATOM_NET_WM_STATE_MAXIMIZED_VERT,
	ATOM_NET_WM_STATE_MAXIMIZED_HORZ,
	ATOM_NET_WM_STATE_FOCUSED,
	ATOM_NET_WM_STATE_HIDDEN,
	ATOM_NET_WM_MOVERESIZE,
	ATOM_NET_WM_WINDOW_TYPE,
	ATOM_NET_WM_WINDOW_TYPE_DIALOG,
	ATOM_NET_WM_PID,
	ATOM_NET_FRAME_EXTENTS,
	ATOM_NET_WM_CM_S0,
	ATOM_NET_NUMBER_OF_DESKTOPS,
	ATOM_NET_CURRENT_DESKTOP,
	ATOM_MOTIF_WM_HINTS,
	ATOM_GTK_FRAME_EXTENTS,
	ATOM_CLIPBOARD,
	ATOM_PRIMARY,
	ATOM_TARGETS,
	ATOM_TIMESTAMP,
	ATOM_INCR,
	ATOM_TEXT,
	ATOM_STRING,
	ATOM_TEXT_PLAIN_UTF8,
	ATOM_TEXT_PLAIN,
	ATOM_WLNEST_SELECTION,
	ATOM_CLIPBOARD_MANAGER,
	ATOM_COUNT
};

struct xwm;
struct xwm_decor;

/* Who decorates a window with a libdecor frame, as last logged. */
enum xwm_frame_shown {
	XWM_FRAME_UNKNOWN,
	XWM_FRAME_DRAWN,	/* libdecor draws its frame */
	XWM_FRAME_BY_HOST,	/* the host decorates it */
};

struct xwm_window {
	struct wl_list link;		/* xwm.windows, newest first */
	struct xwm *wm;
	xcb_window_t id;
	int16_t x, y;
	uint16_t width, height;
	uint16_t border_width;
	bool override_redirect;
	bool managed;			/* went through MapRequest */
	bool mapped;
	uint32_t surface_id;		/* from WL_SURFACE_ID, 0 if none yet */
	struct nest_object *surface;	/* Xwayland's wl_surface for it */

	/* from its properties */
	char *title;
	char *app_id;
	struct xwm_size_hints size_hints;
	xcb_window_t transient_for;
	bool delete_window, take_focus;
	bool dialog;
	/* wants a frame from the window manager: false for clients that
	 * draw their own (read when its toplevel is made) */
	bool decorations;
	bool fullscreen, maximized;

	/* its SHAPE regions, in buffer pixels (xwm-shape.c) */
	struct {
		bool bounding_set, input_set;
		pixman_region32_t bounding, input;
	} shape;

	struct {
		struct xdg_surface *xdg_surface;
		struct xdg_toplevel *toplevel;
		/* a frame's too: the window manager's, not libdecor's */
		struct zxdg_toplevel_decoration_v1 *decoration;
		/* a libdecor frame owns toplevel, xdg_surface is NULL */
		struct libdecor_frame *frame;
		enum xwm_frame_shown frame_shown;
		/* the mode the host's decoration configure gave a frame, 0
		 * before any (a host without xdg-decoration) */
		uint32_t decoration_mode;
		struct wl_subsurface *subsurface;
		struct xwm_window *subsurface_parent;
		bool configured;
		int32_t pending_width, pending_height;
		bool pending_fullscreen, pending_maximized, pending_activated;
		/* a configure that resizes the X window is acked (with a
		 * frame: committed) with the first commit at its size (see
		 * xdg_surface_configure) */
		bool ack_pending;
		uint32_t ack_serial;
		int32_t ack_width, ack_height;
		struct wl_event_source *ack_timer;
	} host;
};

struct xwm_selection;

struct xwm {
	struct nest_xwayland *xw;
	xcb_connection_t *conn;
	xcb_screen_t *screen;
	struct wl_event_source *source;
	struct wl_event_source *drain_idle;	/* see drain_queued_events */
	xcb_atom_t atoms[ATOM_COUNT];
	xcb_window_t wm_window;
	struct wl_list windows;		/* struct xwm_window */
	struct xwm_window *focus;
	uint32_t button_serial;		/* latest host button press */
	bool have_button_serial;
	uint32_t input_serial;		/* latest host input event */
	bool have_input_serial;

	struct nest_client *nc;		/* Xwayland's, NULL once gone */
	struct {
		struct wl_compositor *compositor;	/* for input regions */
		struct xdg_wm_base *wm_base;
		struct wl_subcompositor *subcompositor;
		struct wl_seat *seat;
		struct zxdg_decoration_manager_v1 *decoration_manager;
		struct xwm_decor *decor;	/* NULL: no frames of ours */
	} host;

	struct xwm_selection *clipboard;
	struct xwm_selection *primary;
	uint8_t xfixes_event_base;
	bool have_shape;
	uint8_t shape_event_base;
};

void xwm_flush(struct xwm *wm);
/* A host configure's pending state (host.pending_*), once acked. */
void xwm_window_apply_configure(struct xwm_window *w);
/*
 * A configure of w's frame, acked by libdecor, for content of width x
 * height: the host surface commits it when the X client draws at that
 * size, or at once if it shows that size already.
 */
void xwm_window_frame_configured(struct xwm_window *w, int32_t width,
				 int32_t height);
/* The host asks to close w: WM_DELETE_WINDOW, else the client goes. */
void xwm_window_close(struct xwm_window *w);
/* Gives a host role to every window that can have one and has none. */
void xwm_create_roles(struct xwm *wm);
struct xwm_window *xwm_window_find(struct xwm *wm, xcb_window_t id);

/* xwm-shape.c */
void xwm_shape_init(struct xwm *wm);
void xwm_shape_select(struct xwm *wm, xcb_window_t window);
void xwm_shape_window_init(struct xwm_window *w);
void xwm_shape_window_finish(struct xwm_window *w);
void xwm_shape_read(struct xwm_window *w);
void xwm_shape_apply(struct xwm_window *w, bool commit);
bool xwm_shape_handle_event(struct xwm *wm, xcb_generic_event_t *event);

/* selection.c */
void xwm_selection_init(struct xwm *wm);
void xwm_selection_finish(struct xwm *wm);
void xwm_selection_host_release(struct xwm *wm);
void xwm_selection_input_serial(struct xwm *wm);
bool xwm_selection_handle_event(struct xwm *wm, xcb_generic_event_t *event);

#endif
