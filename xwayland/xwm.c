// SPDX-License-Identifier: MIT
/*
 * The X11 window manager for wlnest's Xwayland.
 *
 * Each X window that Xwayland shows gets a wl_surface on Xwayland's
 * connection to wlnest (paired through the WL_SURFACE_ID client message).
 * The window manager gives that surface a role on the host, on the host
 * connection of the Xwayland client:
 * - managed windows become xdg_toplevels, with title, app id, size
 *   limits, parent, fullscreen and maximized state taken from their ICCCM
 *   and EWMH properties, and host configure/close turned back into X
 *   requests;
 * - override-redirect windows (menus, tooltips, drop-downs) become
 *   desynchronized subsurfaces of the toplevel they belong to, at their
 *   X offset from it, so they show exactly where the X client put them,
 *   nested menus included, and never get dismissed by the host.
 * The window manager does not reparent: libdecor makes the host toplevel
 * of a window that wants decorations, and frames it where the host does
 * not decorate it (xwm-decor.c); without libdecor, wlnest asks the host
 * for server-side decorations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <xcb/composite.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

#include "nest.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"
#include "xwayland-private.h"
#include "xwm-decor.h"
#include "xwm-props.h"
#include "xwm.h"

#define ICCCM_WITHDRAWN_STATE 0
#define ICCCM_NORMAL_STATE 1
#define NET_WM_STATE_REMOVE 0
#define NET_WM_STATE_ADD 1
#define NET_WM_STATE_TOGGLE 2
#define CURSOR_FONT_LEFT_PTR 68

static const char *const atom_names[ATOM_COUNT] = {
	[ATOM_WM_PROTOCOLS] = "WM_PROTOCOLS",
	[ATOM_WM_DELETE_WINDOW] = "WM_DELETE_WINDOW",
	[ATOM_WM_TAKE_FOCUS] = "WM_TAKE_FOCUS",
	[ATOM_WM_STATE] = "WM_STATE",
	[ATOM_WM_CHANGE_STATE] = "WM_CHANGE_STATE",
	[ATOM_WM_S0] = "WM_S0",
	[ATOM_WM_CLASS] = "WM_CLASS",
	[ATOM_WM_NAME] = "WM_NAME",
	[ATOM_WM_NORMAL_HINTS] = "WM_NORMAL_HINTS",
	[ATOM_WM_TRANSIENT_FOR] = "WM_TRANSIENT_FOR",
	[ATOM_WL_SURFACE_ID] = "WL_SURFACE_ID",
	[ATOM_UTF8_STRING] = "UTF8_STRING",
	[ATOM_NET_WM_NAME] = "_NET_WM_NAME",
	[ATOM_NET_SUPPORTED] = "_NET_SUPPORTED",
	[ATOM_NET_SUPPORTING_WM_CHECK] = "_NET_SUPPORTING_WM_CHECK",
	[ATOM_NET_ACTIVE_WINDOW] = "_NET_ACTIVE_WINDOW",
	[ATOM_NET_CLIENT_LIST] = "_NET_CLIENT_LIST",
	[ATOM_NET_WM_STATE] = "_NET_WM_STATE",
	[ATOM_NET_WM_STATE_FULLSCREEN] = "_NET_WM_STATE_FULLSCREEN",
	[ATOM_NET_WM_STATE_MAXIMIZED_VERT] = "_NET_WM_STATE_MAXIMIZED_VERT",
	[ATOM_NET_WM_STATE_MAXIMIZED_HORZ] = "_NET_WM_STATE_MAXIMIZED_HORZ",
	[ATOM_NET_WM_STATE_FOCUSED] = "_NET_WM_STATE_FOCUSED",
	[ATOM_NET_WM_STATE_HIDDEN] = "_NET_WM_STATE_HIDDEN",
	[ATOM_NET_WM_MOVERESIZE] = "_NET_WM_MOVERESIZE",
	[ATOM_NET_WM_WINDOW_TYPE] = "_NET_WM_WINDOW_TYPE",
	[ATOM_NET_WM_WINDOW_TYPE_DIALOG] = "_NET_WM_WINDOW_TYPE_DIALOG",
	[ATOM_NET_WM_PID] = "_NET_WM_PID",
	[ATOM_NET_FRAME_EXTENTS] = "_NET_FRAME_EXTENTS",
	[ATOM_NET_WM_CM_S0] = "_NET_WM_CM_S0",
	[ATOM_NET_NUMBER_OF_DESKTOPS] = "_NET_NUMBER_OF_DESKTOPS",
	[ATOM_NET_CURRENT_DESKTOP] = "_NET_CURRENT_DESKTOP",
	[ATOM_MOTIF_WM_HINTS] = "_MOTIF_WM_HINTS",
	[ATOM_GTK_FRAME_EXTENTS] = "_GTK_FRAME_EXTENTS",
	[ATOM_CLIPBOARD] = "CLIPBOARD",
	[ATOM_PRIMARY] = "PRIMARY",
	[ATOM_TARGETS] = "TARGETS",
	[ATOM_TIMESTAMP] = "TIMESTAMP",
	[ATOM_INCR] = "INCR",
	[ATOM_TEXT] = "TEXT",
	[ATOM_STRING] = "STRING",
	[ATOM_TEXT_PLAIN_UTF8] = "text/plain;charset=utf-8",
	[ATOM_TEXT_PLAIN] = "text/plain",
	[ATOM_WLNEST_SELECTION] = "_WLNEST_SELECTION",
	[ATOM_CLIPBOARD_MANAGER] = "CLIPBOARD_MANAGER",
};

static void role_create(struct xwm_window *w);
static void role_destroy(struct xwm_window *w);

static void handle_event(struct xwm *wm, xcb_generic_event_t *event);

/*
 * Waiting for a reply makes xcb read every event that came before it into
 * its own queue, where the fd no longer signals them: whatever made a
 * round trip outside the X event handler leaves them for this.
 */
static void
drain_queued_events(void *data)
{
	struct xwm *wm = data;
	xcb_generic_event_t *event;

	wm->drain_idle = NULL;
	while ((event = xcb_poll_for_queued_event(wm->conn))) {
		handle_event(wm, event);
		free(event);
	}
	xcb_flush(wm->conn);
}

void
xwm_flush(struct xwm *wm)
{
	xcb_flush(wm->conn);
	if (!wm->drain_idle)
		wm->drain_idle = wl_event_loop_add_idle(wm->xw->nest->loop,
							drain_queued_events, wm);
}

struct xwm_window *
xwm_window_find(struct xwm *wm, xcb_window_t id)
{
	struct xwm_window *w;

	wl_list_for_each (w, &wm->windows, link) {
		if (w->id == id)
			return w;
	}
	return NULL;
}

static struct xwm_window *
window_for_surface(struct xwm *wm, struct nest_object *surface)
{
	struct xwm_window *w;

	wl_list_for_each (w, &wm->windows, link) {
		if (w->surface == surface)
			return w;
	}
	return NULL;
}

static void *
get_property(struct xwm *wm, xcb_window_t window, xcb_atom_t property,
	     xcb_atom_t type, uint32_t max_words, xcb_atom_t *actual_type,
	     uint8_t *format, size_t *length)
{
	xcb_get_property_cookie_t cookie = xcb_get_property(
		wm->conn, 0, window, property, type, 0, max_words);
	xcb_get_property_reply_t *reply =
		xcb_get_property_reply(wm->conn, cookie, NULL);
	void *copy;
	int len;

	if (!reply)
		return NULL;
	len = xcb_get_property_value_length(reply);
	if (reply->type == XCB_ATOM_NONE || len <= 0) {
		free(reply);
		return NULL;
	}
	copy = malloc((size_t)len + 1);
	if (copy) {
		memcpy(copy, xcb_get_property_value(reply), (size_t)len);
		((char *)copy)[len] = '\0';
		*length = (size_t)len;
		if (actual_type)
			*actual_type = reply->type;
		if (format)
			*format = reply->format;
	}
	free(reply);
	return copy;
}

static void
set_atom_list(struct xwm *wm, xcb_window_t window, xcb_atom_t property,
	      const xcb_atom_t *atoms, uint32_t count)
{
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, window, property,
			    XCB_ATOM_ATOM, 32, count, atoms);
}

static void
read_title(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	xcb_atom_t type = 0;
	uint8_t format = 0;
	size_t len = 0;
	char *data;

	free(w->title);
	w->title = NULL;
	data = get_property(wm, w->id, wm->atoms[ATOM_NET_WM_NAME],
			    wm->atoms[ATOM_UTF8_STRING], 1024, &type, &format,
			    &len);
	if (data && format == 8) {
		w->title = xwm_sanitize_utf8(data, len);
		free(data);
		return;
	}
	free(data);
	data = get_property(wm, w->id, XCB_ATOM_WM_NAME, XCB_ATOM_ANY, 1024,
			    &type, &format, &len);
	if (data && format == 8) {
		w->title = type == wm->atoms[ATOM_UTF8_STRING] ?
				   xwm_sanitize_utf8(data, len) :
				   xwm_latin1_to_utf8(data, len);
	}
	free(data);
}

static void
read_class(struct xwm_window *w)
{
	size_t len = 0;
	uint8_t format = 0;
	char *data = get_property(w->wm, w->id, XCB_ATOM_WM_CLASS,
				  XCB_ATOM_STRING, 256, NULL, &format, &len);

	free(w->app_id);
	w->app_id = data && format == 8 ? xwm_parse_wm_class(data, len) : NULL;
	free(data);
}

static void
read_size_hints(struct xwm_window *w)
{
	size_t len = 0;
	uint8_t format = 0;
	uint32_t *data = get_property(w->wm, w->id, XCB_ATOM_WM_NORMAL_HINTS,
				      XCB_ATOM_WM_SIZE_HINTS, 18, NULL,
				      &format, &len);

	if (!data || format != 32 ||
	    !xwm_parse_size_hints(data, len / 4, &w->size_hints))
		memset(&w->size_hints, 0, sizeof(w->size_hints));
	free(data);
}

static void
read_transient_for(struct xwm_window *w)
{
	size_t len = 0;
	uint8_t format = 0;
	uint32_t *data = get_property(w->wm, w->id, XCB_ATOM_WM_TRANSIENT_FOR,
				      XCB_ATOM_WINDOW, 1, NULL, &format, &len);

	w->transient_for = data && format == 32 && len >= 4 ? data[0] : 0;
	free(data);
}

static void
read_protocols(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	size_t len = 0;
	uint8_t format = 0;
	uint32_t *data = get_property(wm, w->id, wm->atoms[ATOM_WM_PROTOCOLS],
				      XCB_ATOM_ATOM, 64, NULL, &format, &len);

	w->delete_window = w->take_focus = false;
	if (data && format == 32) {
		w->delete_window = xwm_atom_list_has(
			data, len / 4, wm->atoms[ATOM_WM_DELETE_WINDOW]);
		w->take_focus = xwm_atom_list_has(data, len / 4,
						  wm->atoms[ATOM_WM_TAKE_FOCUS]);
	}
	free(data);
}

static void
read_window_type(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	size_t len = 0;
	uint8_t format = 0;
	uint32_t *data =
		get_property(wm, w->id, wm->atoms[ATOM_NET_WM_WINDOW_TYPE],
			     XCB_ATOM_ATOM, 32, NULL, &format, &len);

	w->dialog = data && format == 32 &&
		    xwm_atom_list_has(data, len / 4,
				      wm->atoms[ATOM_NET_WM_WINDOW_TYPE_DIALOG]);
	free(data);
}

static void
read_net_wm_state(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	size_t len = 0;
	uint8_t format = 0;
	uint32_t *data = get_property(wm, w->id, wm->atoms[ATOM_NET_WM_STATE],
				      XCB_ATOM_ATOM, 32, NULL, &format, &len);

	w->fullscreen = w->maximized = false;
	if (data && format == 32) {
		w->fullscreen = xwm_atom_list_has(
			data, len / 4, wm->atoms[ATOM_NET_WM_STATE_FULLSCREEN]);
		w->maximized =
			xwm_atom_list_has(
				data, len / 4,
				wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT]) &&
			xwm_atom_list_has(
				data, len / 4,
				wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ]);
	}
	free(data);
}

static void
read_all_properties(struct xwm_window *w)
{
	read_title(w);
	read_class(w);
	read_size_hints(w);
	read_transient_for(w);
	read_protocols(w);
	read_window_type(w);
	read_net_wm_state(w);
}

/* _NET_WM_STATE as the window manager sees it now. */
static void
write_net_wm_state(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	xcb_atom_t atoms[4];
	uint32_t n = 0;

	if (w->fullscreen)
		atoms[n++] = wm->atoms[ATOM_NET_WM_STATE_FULLSCREEN];
	if (w->maximized) {
		atoms[n++] = wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT];
		atoms[n++] = wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ];
	}
	if (wm->focus == w)
		atoms[n++] = wm->atoms[ATOM_NET_WM_STATE_FOCUSED];
	set_atom_list(wm, w->id, wm->atoms[ATOM_NET_WM_STATE], atoms, n);
}

static void
write_wm_state(struct xwm_window *w, uint32_t state)
{
	uint32_t data[2] = { state, XCB_WINDOW_NONE };

	xcb_change_property(w->wm->conn, XCB_PROP_MODE_REPLACE, w->id,
			    w->wm->atoms[ATOM_WM_STATE],
			    w->wm->atoms[ATOM_WM_STATE], 32, 2, data);
}

static void
update_client_list(struct xwm *wm)
{
	xcb_window_t ids[256];
	uint32_t n = 0;
	struct xwm_window *w;

	wl_list_for_each_reverse (w, &wm->windows, link) {
		if (w->managed && w->mapped && n < 256)
			ids[n++] = w->id;
	}
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, wm->screen->root,
			    wm->atoms[ATOM_NET_CLIENT_LIST], XCB_ATOM_WINDOW,
			    32, n, ids);
}

static void
send_wm_message(struct xwm_window *w, xcb_atom_t protocol)
{
	xcb_client_message_event_t event = {
		.response_type = XCB_CLIENT_MESSAGE,
		.format = 32,
		.window = w->id,
		.type = w->wm->atoms[ATOM_WM_PROTOCOLS],
		.data.data32 = { protocol, XCB_CURRENT_TIME },
	};

	xcb_send_event(w->wm->conn, 0, w->id, XCB_EVENT_MASK_NO_EVENT,
		       (const char *)&event);
}

static void
raise_window(struct xwm_window *w)
{
	uint32_t above = XCB_STACK_MODE_ABOVE;

	xcb_configure_window(w->wm->conn, w->id, XCB_CONFIG_WINDOW_STACK_MODE,
			     &above);
}

static void
focus_window(struct xwm *wm, struct xwm_window *w)
{
	struct xwm_window *old = wm->focus;

	wm->focus = w;
	if (old && old != w)
		write_net_wm_state(old);
	if (w) {
		if (w->take_focus)
			send_wm_message(w, wm->atoms[ATOM_WM_TAKE_FOCUS]);
		xcb_set_input_focus(wm->conn, XCB_INPUT_FOCUS_POINTER_ROOT,
				    w->id, XCB_CURRENT_TIME);
		raise_window(w);
		write_net_wm_state(w);
	}
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, wm->screen->root,
			    wm->atoms[ATOM_NET_ACTIVE_WINDOW], XCB_ATOM_WINDOW,
			    32, 1, w ? &w->id : &(xcb_window_t){ XCB_NONE });
}

static void
configure_x_window(struct xwm_window *w, int32_t x, int32_t y,
		   uint32_t width, uint32_t height)
{
	uint32_t values[4] = { (uint32_t)x, (uint32_t)y, width, height };

	xcb_configure_window(w->wm->conn, w->id,
			     XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y |
				     XCB_CONFIG_WINDOW_WIDTH |
				     XCB_CONFIG_WINDOW_HEIGHT,
			     values);
}

/* ---- host side: xdg_toplevel for managed windows ---- */

static void
toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
		   int32_t height, struct wl_array *states)
{
	struct xwm_window *w = data;
	uint32_t *state;

	w->host.pending_width = width;
	w->host.pending_height = height;
	w->host.pending_fullscreen = false;
	w->host.pending_maximized = false;
	w->host.pending_activated = false;
	wl_array_for_each (state, states) {
		switch (*state) {
		case XDG_TOPLEVEL_STATE_FULLSCREEN:
			w->host.pending_fullscreen = true;
			break;
		case XDG_TOPLEVEL_STATE_MAXIMIZED:
			w->host.pending_maximized = true;
			break;
		case XDG_TOPLEVEL_STATE_ACTIVATED:
			w->host.pending_activated = true;
			break;
		}
	}
}

void
xwm_window_close(struct xwm_window *w)
{
	if (w->delete_window)
		send_wm_message(w, w->wm->atoms[ATOM_WM_DELETE_WINDOW]);
	else
		xcb_kill_client(w->wm->conn, w->id);
	xwm_flush(w->wm);
}

static void
toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	xwm_window_close(data);
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

/* No configure is kept back any more. */
static void
ack_pending_clear(struct xwm_window *w)
{
	w->host.ack_pending = false;
	if (w->host.ack_timer) {
		wl_event_source_remove(w->host.ack_timer);
		w->host.ack_timer = NULL;
	}
}

/*
 * Acks the configure kept back (libdecor acked a frame's already: the
 * commit under way, or the next one, brings it); a surface still gated
 * (the first configure) shows its latest frame now.
 */
static void
ack_now(struct xwm_window *w)
{
	if (!w->host.ack_pending)
		return;
	ack_pending_clear(w);
	if (!w->host.frame)
		xdg_surface_ack_configure(w->host.xdg_surface,
					  w->host.ack_serial);
	if (w->surface)
		nest_surface_ungate(w->surface);
}

static int
ack_timeout(void *data)
{
	struct xwm_window *w = data;
	bool gated = w->surface && nest_surface_is_gated(w->surface);

	nest_debug("X window 0x%x: no frame at %dx%d in time; acking anyway",
		   w->id, w->host.ack_width, w->host.ack_height);
	ack_now(w);
	/* a frame's ack waits for a commit; ungating sent one */
	if (w->host.frame && !gated && w->surface && w->surface->host.proxy)
		wl_surface_commit((struct wl_surface *)w->surface->host.proxy);
	xwm_flush(w->wm);
	return 0;
}

/* How long a resized X window may take to draw at its new size. */
#define ACK_TIMEOUT_MS 500

/* Whether the X window's surface shows width x height already. */
static bool
shows_size(struct xwm_window *w, int32_t width, int32_t height)
{
	int32_t shown_width, shown_height;

	return w->surface &&
	       nest_surface_committed_size(w->surface, &shown_width,
					   &shown_height) &&
	       shown_width == width && shown_height == height;
}

/* Keeps the configure back until the X client draws at width x height. */
static void
ack_later(struct xwm_window *w, uint32_t serial, int32_t width,
	  int32_t height)
{
	if (!w->host.ack_pending || w->host.ack_width != width ||
	    w->host.ack_height != height)
		nest_debug("X window 0x%x: configure %dx%d: %s with the "
			   "first frame at that size", w->id, width, height,
			   w->host.frame ? "committed" : "acked");
	/* a newer serial stands for any older one kept back */
	w->host.ack_pending = true;
	w->host.ack_serial = serial;
	w->host.ack_width = width;
	w->host.ack_height = height;
	if (!w->host.ack_timer)
		w->host.ack_timer = wl_event_loop_add_timer(
			w->wm->xw->nest->loop, ack_timeout, w);
	if (w->host.ack_timer)
		wl_event_source_timer_update(w->host.ack_timer, ACK_TIMEOUT_MS);
}

/*
 * A configure with a size the surface does not show yet is acked only
 * with the first frame Xwayland commits at that size: a host checks the
 * frame after an ack against the configured state (weston ends a client
 * whose maximized window has another size), and the X client needs a
 * moment to redraw at the size its window is given; a tiling host (sway)
 * waits for that commit to show the new layout at once.  The first
 * configure also keeps the surface gated until then.
 */
/* The host's first configure of w ("what" names its kind in the log):
 * the X client's frames may go to the host once no ack waits. */
static void
first_configure(struct xwm_window *w, const char *what, int32_t width,
		int32_t height)
{
	nest_debug("X window 0x%x: first %sconfigure %dx%d", w->id, what,
		   width, height);
	w->host.configured = true;
	if (w->surface && !w->host.ack_pending)
		nest_surface_ungate(w->surface);
}

static void
xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
		      uint32_t serial)
{
	struct xwm_window *w = data;
	struct wl_surface *host =
		w->surface ? (struct wl_surface *)w->surface->host.proxy : NULL;
	int32_t width = w->host.pending_width, height = w->host.pending_height;
	bool sized = width > 0 && height > 0;

	if (sized && !shows_size(w, width, height)) {
		ack_later(w, serial, width, height);
	} else {
		ack_pending_clear(w);
		xdg_surface_ack_configure(xdg_surface, serial);
	}
	xwm_window_apply_configure(w);

	if (!w->host.configured) {
		first_configure(w, "", width, height);
	} else if (!w->host.ack_pending && host) {
		/* Nothing will redraw: commit so the host's configure
		 * sequence completes now, not at its timeout. */
		wl_surface_commit(host);
	}
	xwm_flush(w->wm);
}

/*
 * libdecor acked the configure, and set the frame's window geometry: the
 * same as above, the X client's first frame at the content size commits
 * them, so the host shows frame, geometry and content together.
 */
void
xwm_window_frame_configured(struct xwm_window *w, int32_t width,
			    int32_t height)
{
	struct wl_surface *host =
		w->surface ? (struct wl_surface *)w->surface->host.proxy : NULL;

	if (!shows_size(w, width, height)) {
		ack_later(w, 0, width, height);
	} else {
		ack_pending_clear(w);
		if (host)
			wl_surface_commit(host);
	}
	if (!w->host.configured)
		first_configure(w, "frame ", width, height);
}

void
xwm_window_apply_configure(struct xwm_window *w)
{
	int32_t width = w->host.pending_width, height = w->host.pending_height;

	if (w->fullscreen != w->host.pending_fullscreen ||
	    w->maximized != w->host.pending_maximized) {
		w->fullscreen = w->host.pending_fullscreen;
		w->maximized = w->host.pending_maximized;
		write_net_wm_state(w);
	}
	if (width > 0 && height > 0 &&
	    ((uint32_t)width != w->width || (uint32_t)height != w->height))
		configure_x_window(w, w->x, w->y, (uint32_t)width,
				   (uint32_t)height);
	if (w->host.pending_activated && w->wm->focus != w)
		focus_window(w->wm, w);
	else if (!w->host.pending_activated && w->wm->focus == w)
		focus_window(w->wm, NULL);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static struct xwm_window *
toplevel_of(struct xwm_window *w)
{
	while (w && w->host.subsurface_parent)
		w = w->host.subsurface_parent;
	return w && w->host.toplevel ? w : NULL;
}

static void
toplevel_update_properties(struct xwm_window *w)
{
	struct xwm_window *parent;

	if (!w->host.toplevel)
		return;
	if (w->host.frame) {
		xwm_decor_frame_update(w);
	} else {
		nest_toplevel_set_title(w->wm->xw->nest, w->host.toplevel,
					w->title);
		nest_toplevel_set_app_id(w->wm->xw->nest, w->host.toplevel,
					 w->app_id);
		xdg_toplevel_set_min_size(w->host.toplevel,
					  w->size_hints.min_width,
					  w->size_hints.min_height);
		xdg_toplevel_set_max_size(w->host.toplevel,
					  w->size_hints.max_width,
					  w->size_hints.max_height);
	}
	parent = w->transient_for ?
			 toplevel_of(xwm_window_find(w->wm, w->transient_for)) :
			 NULL;
	if (parent != w)
		xdg_toplevel_set_parent(w->host.toplevel,
					parent ? parent->host.toplevel : NULL);
}

static void
toplevel_create(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	struct wl_surface *host = (struct wl_surface *)w->surface->host.proxy;
	bool framed;

	w->decorations = !xwm_draws_own_frame(w);
	framed = w->decorations && xwm_decor_frame_create(w);
	if (!framed) {
		w->host.xdg_surface =
			xdg_wm_base_get_xdg_surface(wm->host.wm_base, host);
		xdg_surface_add_listener(w->host.xdg_surface,
					 &xdg_surface_listener, w);
		w->host.toplevel =
			xdg_surface_get_toplevel(w->host.xdg_surface);
		xdg_toplevel_add_listener(w->host.toplevel, &toplevel_listener,
					  w);
	}
	/* the parent too before the window maps: hosts float dialogs */
	toplevel_update_properties(w);
	/* without a frame of ours: the host's decorations, or none for a
	 * client that draws its own */
	if (!framed && wm->host.decoration_manager) {
		w->host.decoration =
			zxdg_decoration_manager_v1_get_toplevel_decoration(
				wm->host.decoration_manager, w->host.toplevel);
		zxdg_toplevel_decoration_v1_set_mode(
			w->host.decoration,
			w->decorations ?
				ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE :
				ZXDG_TOPLEVEL_DECORATION_V1_MODE_CLIENT_SIDE);
	}
	if (w->fullscreen)
		xdg_toplevel_set_fullscreen(w->host.toplevel, NULL);
	if (w->maximized)
		xdg_toplevel_set_maximized(w->host.toplevel);
	/* The role commit, without a buffer: the host answers with a
	 * configure, which ungates the surface. */
	if (framed)
		xwm_decor_frame_map(w);
	else
		wl_surface_commit(host);
}

/* ---- host side: subsurfaces for override-redirect windows ---- */

/*
 * The toplevel an override-redirect window belongs to: the one it names
 * as transient-for, else one of its own client's (a menu can map before
 * the host has focused its new toplevel), else any; of those, the
 * focused one, else the most recently mapped.
 */
static struct xwm_window *
popup_parent(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	/* X resource ids carry their client's above the server's mask */
	uint32_t client_bits = ~xcb_get_setup(wm->conn)->resource_id_mask;
	struct xwm_window *candidate;

	if (w->transient_for) {
		candidate = toplevel_of(xwm_window_find(wm, w->transient_for));
		if (candidate)
			return candidate;
	}
	for (int own = 1; own >= 0; own--) {
		uint32_t mask = own ? client_bits : 0;

		if (wm->focus && wm->focus->host.toplevel &&
		    (wm->focus->id & mask) == (w->id & mask))
			return wm->focus;
		wl_list_for_each (candidate, &wm->windows, link) {
			if (candidate->host.toplevel && candidate->mapped &&
			    (candidate->id & mask) == (w->id & mask))
				return candidate;
		}
	}
	return NULL;
}

static void
subsurface_place(struct xwm_window *w)
{
	struct xwm_window *parent = w->host.subsurface_parent;

	wl_subsurface_set_position(w->host.subsurface, w->x - parent->x,
				   w->y - parent->y);
	/* A position takes effect with the parent's next commit. */
	wl_surface_commit((struct wl_surface *)parent->surface->host.proxy);
}

static bool
subsurface_create(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	struct xwm_window *parent = popup_parent(w);

	if (!parent || !parent->surface || !wm->host.subcompositor)
		return false;
	w->host.subsurface = wl_subcompositor_get_subsurface(
		wm->host.subcompositor,
		(struct wl_surface *)w->surface->host.proxy,
		(struct wl_surface *)parent->surface->host.proxy);
	w->host.subsurface_parent = parent;
	wl_subsurface_set_desync(w->host.subsurface);
	subsurface_place(w);
	nest_surface_ungate(w->surface);
	return true;
}

static void
role_create(struct xwm_window *w)
{
	struct xwm *wm = w->wm;

	if (!w->surface || !w->mapped || w->host.toplevel ||
	    w->host.subsurface || !wm->nc || !w->surface->host.proxy ||
	    !wm->host.wm_base)
		return;
	/* a toplevel waits to know whether it gets a frame */
	if (!w->override_redirect && xwm_decor_waiting(wm->host.decor))
		return;
	/* before its first frame shows; the role's commit brings them */
	xwm_shape_read(w);
	xwm_shape_apply(w, false);
	nest_debug("X window 0x%x: %s role for surface %u",
		   w->id, w->override_redirect ? "subsurface" : "toplevel",
		   w->surface_id);
	if (w->override_redirect && subsurface_create(w))
		return;
	toplevel_create(w);
}

void
xwm_create_roles(struct xwm *wm)
{
	struct xwm_window *w;

	wl_list_for_each (w, &wm->windows, link)
		role_create(w);
	xwm_flush(wm);
}

static void
role_destroy(struct xwm_window *w)
{
	struct xwm_window *other;

	/* Override-redirect children lose their parent first. */
	wl_list_for_each (other, &w->wm->windows, link) {
		if (other->host.subsurface_parent == w)
			role_destroy(other);
	}
	/* before its toplevel, a frame's too */
	if (w->host.decoration)
		zxdg_toplevel_decoration_v1_destroy(w->host.decoration);
	xwm_decor_frame_destroy(w);
	if (w->host.toplevel)
		xdg_toplevel_destroy(w->host.toplevel);
	if (w->host.xdg_surface)
		xdg_surface_destroy(w->host.xdg_surface);
	if (w->host.subsurface)
		wl_subsurface_destroy(w->host.subsurface);
	if (w->host.ack_timer)
		wl_event_source_remove(w->host.ack_timer);
	memset(&w->host, 0, sizeof(w->host));
}

/* ---- X events ---- */

static struct xwm_window *
window_create(struct xwm *wm, xcb_window_t id, int16_t x, int16_t y,
	      uint16_t width, uint16_t height, uint16_t border_width,
	      bool override_redirect)
{
	struct xwm_window *w = calloc(1, sizeof(*w));
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE |
			XCB_EVENT_MASK_FOCUS_CHANGE;

	if (!w)
		return NULL;
	w->wm = wm;
	w->id = id;
	w->x = x;
	w->y = y;
	w->width = width;
	w->height = height;
	w->border_width = border_width;
	w->override_redirect = override_redirect;
	w->decorations = true;
	xwm_shape_window_init(w);
	wl_list_insert(&wm->windows, &w->link);
	xcb_change_window_attributes(wm->conn, id, XCB_CW_EVENT_MASK, &mask);
	xwm_shape_select(wm, id);
	return w;
}

static void
window_destroy(struct xwm_window *w)
{
	if (w->wm->focus == w)
		w->wm->focus = NULL;
	role_destroy(w);
	wl_list_remove(&w->link);
	xwm_shape_window_finish(w);
	free(w->title);
	free(w->app_id);
	free(w);
}

static void
associate_surface(struct xwm_window *w)
{
	struct nest_client *nc = w->wm->nc;
	struct wl_resource *resource;
	struct nest_object *surface;

	if (!nc || !w->surface_id || w->surface)
		return;
	resource = wl_client_get_object(nc->client, w->surface_id);
	surface = resource ? nest_object_from_resource(resource) : NULL;
	if (!surface || strcmp(wl_resource_get_class(resource), "wl_surface"))
		return;	/* not created yet: nest_xwayland_surface_created */
	if (window_for_surface(w->wm, surface))
		return;
	w->surface = surface;
	role_create(w);
}

static void
handle_create_notify(struct xwm *wm, xcb_create_notify_event_t *ev)
{
	if (ev->parent != wm->screen->root || ev->window == wm->wm_window ||
	    xwm_window_find(wm, ev->window))
		return;
	window_create(wm, ev->window, ev->x, ev->y, ev->width, ev->height,
		      ev->border_width, ev->override_redirect);
}

static void
handle_destroy_notify(struct xwm *wm, xcb_destroy_notify_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);

	if (w)
		window_destroy(w);
	update_client_list(wm);
}

static void
handle_map_request(struct xwm *wm, xcb_map_request_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);
	uint32_t extents[4] = { 0, 0, 0, 0 };
	uint32_t no_border = 0;

	if (!w)
		return;
	/* The host frames the window: an X border would make its surface
	 * larger than the size the host asked for. */
	xcb_configure_window(wm->conn, w->id, XCB_CONFIG_WINDOW_BORDER_WIDTH,
			     &no_border);
	read_all_properties(w);
	w->managed = true;
	write_wm_state(w, ICCCM_NORMAL_STATE);
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, w->id,
			    wm->atoms[ATOM_NET_FRAME_EXTENTS],
			    XCB_ATOM_CARDINAL, 32, 4, extents);
	write_net_wm_state(w);
	xcb_map_window(wm->conn, w->id);
}

static void
handle_map_notify(struct xwm *wm, xcb_map_notify_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);

	if (!w)
		return;
	w->mapped = true;
	if (w->override_redirect) {
		read_transient_for(w);
	}
	update_client_list(wm);
	role_create(w);
}

static void
handle_unmap_notify(struct xwm *wm, xcb_unmap_notify_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);

	if (!w || ev->response_type & 0x80)
		return;
	w->mapped = false;
	role_destroy(w);
	w->surface = NULL;
	w->surface_id = 0;
	if (wm->focus == w)
		focus_window(wm, NULL);
	if (w->managed)
		write_wm_state(w, ICCCM_WITHDRAWN_STATE);
	update_client_list(wm);
}

static void
handle_configure_request(struct xwm *wm, xcb_configure_request_event_t *ev)
{
	uint32_t values[7], n = 0;
	uint16_t mask = ev->value_mask & (XCB_CONFIG_WINDOW_X |
					  XCB_CONFIG_WINDOW_Y |
					  XCB_CONFIG_WINDOW_WIDTH |
					  XCB_CONFIG_WINDOW_HEIGHT |
					  XCB_CONFIG_WINDOW_STACK_MODE);
	struct xwm_window *w = xwm_window_find(wm, ev->window);

	/* Fullscreen and maximized sizes are the host's to decide. */
	if (w && (w->fullscreen || w->maximized) && w->host.configured)
		mask &= (uint16_t) ~(XCB_CONFIG_WINDOW_WIDTH |
				     XCB_CONFIG_WINDOW_HEIGHT);
	if (mask & XCB_CONFIG_WINDOW_X)
		values[n++] = (uint32_t)ev->x;
	if (mask & XCB_CONFIG_WINDOW_Y)
		values[n++] = (uint32_t)ev->y;
	if (mask & XCB_CONFIG_WINDOW_WIDTH)
		values[n++] = ev->width;
	if (mask & XCB_CONFIG_WINDOW_HEIGHT)
		values[n++] = ev->height;
	if (mask & XCB_CONFIG_WINDOW_STACK_MODE)
		values[n++] = ev->stack_mode;
	xcb_configure_window(wm->conn, ev->window, mask, values);
}

static void
handle_configure_notify(struct xwm *wm, xcb_configure_notify_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);
	struct xwm_window *child;
	bool moved, resized;

	if (!w)
		return;
	moved = w->x != ev->x || w->y != ev->y;
	resized = w->width != ev->width || w->height != ev->height ||
		  w->border_width != ev->border_width;
	w->x = ev->x;
	w->y = ev->y;
	w->width = ev->width;
	w->height = ev->height;
	w->border_width = ev->border_width;
	w->override_redirect = ev->override_redirect;
	/* shapes are clipped to the window: they change with its size */
	if (resized && (w->shape.bounding_set || w->shape.input_set)) {
		xwm_shape_read(w);
		xwm_shape_apply(w, true);
	}
	/* a size the client chose: the frame follows it */
	if (resized && w->host.frame)
		xwm_decor_frame_resize(w);
	if (!moved)
		return;
	if (w->host.subsurface) {
		subsurface_place(w);
		return;
	}
	/* A moved toplevel keeps its override-redirect children in place. */
	wl_list_for_each (child, &wm->windows, link) {
		if (child->host.subsurface_parent == w)
			subsurface_place(child);
	}
}

static void
handle_property_notify(struct xwm *wm, xcb_property_notify_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);

	if (!w)
		return;
	if (ev->atom == wm->atoms[ATOM_NET_WM_NAME] ||
	    ev->atom == XCB_ATOM_WM_NAME)
		read_title(w);
	else if (ev->atom == XCB_ATOM_WM_CLASS)
		read_class(w);
	else if (ev->atom == XCB_ATOM_WM_NORMAL_HINTS)
		read_size_hints(w);
	else if (ev->atom == XCB_ATOM_WM_TRANSIENT_FOR)
		read_transient_for(w);
	else if (ev->atom == wm->atoms[ATOM_WM_PROTOCOLS])
		read_protocols(w);
	else if (ev->atom == wm->atoms[ATOM_NET_WM_WINDOW_TYPE])
		read_window_type(w);
	else
		return;
	toplevel_update_properties(w);
}

static void
handle_net_wm_state(struct xwm_window *w, xcb_client_message_event_t *ev)
{
	struct xwm *wm = w->wm;
	uint32_t action = ev->data.data32[0];
	bool fullscreen = w->fullscreen, maximized = w->maximized;

	for (int i = 1; i <= 2; i++) {
		uint32_t property = ev->data.data32[i];
		bool *flag;

		if (property == wm->atoms[ATOM_NET_WM_STATE_FULLSCREEN])
			flag = &fullscreen;
		else if (property == wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT] ||
			 property == wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ])
			flag = &maximized;
		else
			continue;
		if (action == NET_WM_STATE_ADD)
			*flag = true;
		else if (action == NET_WM_STATE_REMOVE)
			*flag = false;
		else if (action == NET_WM_STATE_TOGGLE && i == 1)
			*flag = !*flag;
	}
	if (!w->host.toplevel) {
		/* Before the window shows: taken when its role is made. */
		w->fullscreen = fullscreen;
		w->maximized = maximized;
		write_net_wm_state(w);
		return;
	}
	if (fullscreen != w->fullscreen) {
		if (fullscreen)
			xdg_toplevel_set_fullscreen(w->host.toplevel, NULL);
		else
			xdg_toplevel_unset_fullscreen(w->host.toplevel);
	}
	if (maximized != w->maximized) {
		if (maximized)
			xdg_toplevel_set_maximized(w->host.toplevel);
		else
			xdg_toplevel_unset_maximized(w->host.toplevel);
	}
}

static void
handle_moveresize(struct xwm_window *w, xcb_client_message_event_t *ev)
{
	struct xwm *wm = w->wm;
	uint32_t direction = ev->data.data32[2], edge;
	struct xwm_window *top = toplevel_of(w);

	if (!top || !wm->host.seat || !wm->have_button_serial)
		return;
	if (direction == XWM_MOVERESIZE_MOVE)
		xdg_toplevel_move(top->host.toplevel, wm->host.seat,
				  wm->button_serial);
	else if (xwm_moveresize_edge(direction, &edge))
		xdg_toplevel_resize(top->host.toplevel, wm->host.seat,
				    wm->button_serial, edge);
}

static void
handle_client_message(struct xwm *wm, xcb_client_message_event_t *ev)
{
	struct xwm_window *w = xwm_window_find(wm, ev->window);

	if (!w)
		return;
	if (ev->type == wm->atoms[ATOM_WL_SURFACE_ID]) {
		nest_debug("X window 0x%x: WL_SURFACE_ID %u", w->id,
			   ev->data.data32[0]);
		if (w->surface)
			return;
		w->surface_id = ev->data.data32[0];
		associate_surface(w);
	} else if (ev->type == wm->atoms[ATOM_NET_WM_STATE]) {
		handle_net_wm_state(w, ev);
	} else if (ev->type == wm->atoms[ATOM_NET_WM_MOVERESIZE]) {
		handle_moveresize(w, ev);
	} else if (ev->type == wm->atoms[ATOM_WM_CHANGE_STATE]) {
		/* IconicState: minimize */
		if (ev->data.data32[0] == 3 && w->host.toplevel)
			xdg_toplevel_set_minimized(w->host.toplevel);
	} else if (ev->type == wm->atoms[ATOM_NET_ACTIVE_WINDOW]) {
		/* The host decides activation; within X, raise it. */
		raise_window(w);
	}
}

static void
handle_event(struct xwm *wm, xcb_generic_event_t *event)
{
	uint8_t type = event->response_type & 0x7f;

	if (xwm_selection_handle_event(wm, event) ||
	    xwm_shape_handle_event(wm, event))
		return;
	switch (type) {
	case XCB_CREATE_NOTIFY:
		handle_create_notify(wm, (xcb_create_notify_event_t *)event);
		break;
	case XCB_DESTROY_NOTIFY:
		handle_destroy_notify(wm, (xcb_destroy_notify_event_t *)event);
		break;
	case XCB_MAP_REQUEST:
		handle_map_request(wm, (xcb_map_request_event_t *)event);
		break;
	case XCB_MAP_NOTIFY:
		handle_map_notify(wm, (xcb_map_notify_event_t *)event);
		break;
	case XCB_UNMAP_NOTIFY:
		handle_unmap_notify(wm, (xcb_unmap_notify_event_t *)event);
		break;
	case XCB_CONFIGURE_REQUEST:
		handle_configure_request(wm,
					 (xcb_configure_request_event_t *)event);
		break;
	case XCB_CONFIGURE_NOTIFY:
		handle_configure_notify(wm,
					(xcb_configure_notify_event_t *)event);
		break;
	case XCB_PROPERTY_NOTIFY:
		handle_property_notify(wm, (xcb_property_notify_event_t *)event);
		break;
	case XCB_CLIENT_MESSAGE:
		handle_client_message(wm, (xcb_client_message_event_t *)event);
		break;
	case 0: {
		xcb_generic_error_t *error = (xcb_generic_error_t *)event;

		nest_debug("X error %u (request %u.%u, resource 0x%x)",
			   error->error_code, error->major_code,
			   error->minor_code, error->resource_id);
		break;
	}
	}
}

static int
xwm_readable(int fd, uint32_t mask, void *data)
{
	struct xwm *wm = data;
	xcb_generic_event_t *event;
	int count = 0;

	while ((event = xcb_poll_for_event(wm->conn))) {
		handle_event(wm, event);
		free(event);
		count++;
	}
	if (xcb_connection_has_error(wm->conn)) {
		nest_debug("lost the X11 window manager connection");
		wl_event_source_remove(wm->source);
		wm->source = NULL;
		return 0;
	}
	xwm_flush(wm);
	return count;
}

/* ---- host globals on the Xwayland client's connection ---- */

static void
wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_ping,
};

static void
host_bind(struct xwm *wm)
{
	struct nest_client *nc = wm->nc;

	wm->host.compositor = nest_client_bind(nc, &wl_compositor_interface, 1);
	wm->host.wm_base = nest_client_bind(nc, &xdg_wm_base_interface, 2);
	if (wm->host.wm_base)
		xdg_wm_base_add_listener(wm->host.wm_base, &wm_base_listener,
					 wm);
	else
		nest_log("the host compositor has no xdg_wm_base: X windows "
			 "cannot be shown");
	wm->host.subcompositor =
		nest_client_bind(nc, &wl_subcompositor_interface, 1);
	wm->host.seat = nest_client_bind(nc, &wl_seat_interface, 1);
	wm->host.decoration_manager = nest_client_bind(
		nc, &zxdg_decoration_manager_v1_interface, 1);
	/* frames where the host does not decorate X toplevels: it has no
	 * xdg-decoration, or it picks client-side for them */
	if (wm->host.wm_base)
		wm->host.decor = xwm_decor_create(wm);
}

static void
host_release(struct xwm *wm)
{
	struct xwm_window *w;

	wl_list_for_each (w, &wm->windows, link) {
		role_destroy(w);
		w->surface = NULL;
	}
	xwm_selection_host_release(wm);
	xwm_decor_destroy(wm->host.decor);
	if (wm->host.decoration_manager)
		zxdg_decoration_manager_v1_destroy(wm->host.decoration_manager);
	if (wm->host.seat)
		wl_seat_destroy(wm->host.seat);
	if (wm->host.subcompositor)
		wl_subcompositor_destroy(wm->host.subcompositor);
	if (wm->host.wm_base)
		xdg_wm_base_destroy(wm->host.wm_base);
	if (wm->host.compositor)
		wl_compositor_destroy(wm->host.compositor);
	memset(&wm->host, 0, sizeof(wm->host));
	wm->nc = NULL;
}

void
xwm_client_gone(struct xwm *wm)
{
	host_release(wm);
}

/* ---- the core's notifications ---- */

static struct xwm *
wm_of(struct nest_object *surface)
{
	struct nest_xwayland *xw = surface->client->nest->xwayland;

	return xw && xw->wm && xw->wm->nc == surface->client ? xw->wm : NULL;
}

void
nest_xwayland_surface_created(struct nest_object *surface)
{
	struct xwm *wm = wm_of(surface);
	uint32_t id = wl_resource_get_id(surface->resource);
	struct xwm_window *w;

	if (!wm)
		return;
	wl_list_for_each (w, &wm->windows, link) {
		if (w->surface_id == id && !w->surface) {
			associate_surface(w);
			break;
		}
	}
	xwm_flush(wm);
}

void
nest_xwayland_surface_committing(struct nest_object *surface)
{
	struct xwm *wm = wm_of(surface);
	struct xwm_window *w = wm ? window_for_surface(wm, surface) : NULL;
	int32_t width, height;

	if (!w || !w->host.ack_pending)
		return;
	/* a buffer of unknown size: ack as it comes */
	if (!nest_surface_committed_size(surface, &width, &height)) {
		nest_debug("X window 0x%x: a frame of unknown size; acking",
			   w->id);
		ack_now(w);
	} else if (width == w->host.ack_width &&
		   height == w->host.ack_height) {
		ack_now(w);
	}
}

void
nest_xwayland_surface_destroying(struct nest_object *surface)
{
	struct xwm *wm = wm_of(surface);
	struct xwm_window *w = wm ? window_for_surface(wm, surface) : NULL;

	if (!w)
		return;
	role_destroy(w);
	w->surface = NULL;
	w->surface_id = 0;
}

void
nest_xwayland_pointer_enter(struct nest_object *surface)
{
	struct xwm *wm = wm_of(surface);
	struct xwm_window *w = wm ? window_for_surface(wm, surface) : NULL;

	/* Toplevels may overlap in X: the one under the host pointer must
	 * be on top there, or X would route the pointer elsewhere. */
	if (w && w->managed) {
		raise_window(w);
		xwm_flush(wm);
	}
}

void
nest_xwayland_input_serial(struct nest_client *nc, uint32_t serial,
			   bool button_press)
{
	struct nest_xwayland *xw = nc->nest->xwayland;

	if (!xw || !xw->wm)
		return;
	xw->wm->input_serial = serial;
	if (button_press) {
		xw->wm->button_serial = serial;
		xw->wm->have_button_serial = true;
	}
	xw->wm->have_input_serial = true;
	xwm_selection_input_serial(xw->wm);
}

/* ---- set-up ---- */

static bool
intern_atoms(struct xwm *wm)
{
	xcb_intern_atom_cookie_t cookies[ATOM_COUNT];

	for (int i = 0; i < ATOM_COUNT; i++)
		cookies[i] = xcb_intern_atom(wm->conn, 0,
					     (uint16_t)strlen(atom_names[i]),
					     atom_names[i]);
	for (int i = 0; i < ATOM_COUNT; i++) {
		xcb_intern_atom_reply_t *reply =
			xcb_intern_atom_reply(wm->conn, cookies[i], NULL);

		if (!reply)
			return false;
		wm->atoms[i] = reply->atom;
		free(reply);
	}
	return true;
}

static void
set_root_cursor(struct xwm *wm)
{
	xcb_font_t font = xcb_generate_id(wm->conn);
	xcb_cursor_t cursor = xcb_generate_id(wm->conn);

	xcb_open_font(wm->conn, font, 6, "cursor");
	xcb_create_glyph_cursor(wm->conn, cursor, font, font,
				CURSOR_FONT_LEFT_PTR, CURSOR_FONT_LEFT_PTR + 1,
				0, 0, 0, 0xffff, 0xffff, 0xffff);
	xcb_change_window_attributes(wm->conn, wm->screen->root, XCB_CW_CURSOR,
				     &cursor);
	xcb_free_cursor(wm->conn, cursor);
	xcb_close_font(wm->conn, font);
}

static void
announce_wm(struct xwm *wm)
{
	xcb_window_t root = wm->screen->root;
	const char *name = "wlnest";
	uint32_t zero = 0, one = 1;
	xcb_atom_t supported[] = {
		wm->atoms[ATOM_NET_SUPPORTED],
		wm->atoms[ATOM_NET_SUPPORTING_WM_CHECK],
		wm->atoms[ATOM_NET_ACTIVE_WINDOW],
		wm->atoms[ATOM_NET_CLIENT_LIST],
		wm->atoms[ATOM_NET_WM_NAME],
		wm->atoms[ATOM_NET_WM_STATE],
		wm->atoms[ATOM_NET_WM_STATE_FULLSCREEN],
		wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_VERT],
		wm->atoms[ATOM_NET_WM_STATE_MAXIMIZED_HORZ],
		wm->atoms[ATOM_NET_WM_STATE_FOCUSED],
		wm->atoms[ATOM_NET_WM_MOVERESIZE],
		wm->atoms[ATOM_NET_WM_WINDOW_TYPE],
		wm->atoms[ATOM_NET_WM_WINDOW_TYPE_DIALOG],
		wm->atoms[ATOM_NET_FRAME_EXTENTS],
		wm->atoms[ATOM_NET_NUMBER_OF_DESKTOPS],
		wm->atoms[ATOM_NET_CURRENT_DESKTOP],
	};

	wm->wm_window = xcb_generate_id(wm->conn);
	xcb_create_window(wm->conn, XCB_COPY_FROM_PARENT, wm->wm_window, root,
			  -1, -1, 1, 1, 0, XCB_WINDOW_CLASS_INPUT_ONLY,
			  XCB_COPY_FROM_PARENT, 0, NULL);
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, wm->wm_window,
			    wm->atoms[ATOM_NET_SUPPORTING_WM_CHECK],
			    XCB_ATOM_WINDOW, 32, 1, &wm->wm_window);
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, wm->wm_window,
			    wm->atoms[ATOM_NET_WM_NAME],
			    wm->atoms[ATOM_UTF8_STRING], 8,
			    (uint32_t)strlen(name), name);
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, root,
			    wm->atoms[ATOM_NET_SUPPORTING_WM_CHECK],
			    XCB_ATOM_WINDOW, 32, 1, &wm->wm_window);
	set_atom_list(wm, root, wm->atoms[ATOM_NET_SUPPORTED], supported,
		      sizeof(supported) / sizeof(supported[0]));
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, root,
			    wm->atoms[ATOM_NET_NUMBER_OF_DESKTOPS],
			    XCB_ATOM_CARDINAL, 32, 1, &one);
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, root,
			    wm->atoms[ATOM_NET_CURRENT_DESKTOP],
			    XCB_ATOM_CARDINAL, 32, 1, &zero);
	xcb_set_selection_owner(wm->conn, wm->wm_window, wm->atoms[ATOM_WM_S0],
				XCB_CURRENT_TIME);
	xcb_set_selection_owner(wm->conn, wm->wm_window,
				wm->atoms[ATOM_NET_WM_CM_S0],
				XCB_CURRENT_TIME);
	update_client_list(wm);
	focus_window(wm, NULL);
}

struct xwm *
xwm_create(struct nest_xwayland *xw, int fd)
{
	struct xwm *wm = calloc(1, sizeof(*wm));
	uint32_t mask = XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY |
			XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT |
			XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_void_cookie_t redirect;
	xcb_generic_error_t *error;

	if (!wm) {
		close(fd);
		return NULL;
	}
	wm->xw = xw;
	wl_list_init(&wm->windows);
	wm->conn = xcb_connect_to_fd(fd, NULL);
	if (xcb_connection_has_error(wm->conn)) {
		nest_log("cannot connect to Xwayland as its window manager");
		goto err_conn;
	}
	wm->screen = xcb_setup_roots_iterator(xcb_get_setup(wm->conn)).data;
	if (!intern_atoms(wm))
		goto err_conn;
	xcb_prefetch_extension_data(wm->conn, &xcb_composite_id);
	xcb_prefetch_extension_data(wm->conn, &xcb_xfixes_id);
	xcb_prefetch_extension_data(wm->conn, &xcb_shape_id);

	redirect = xcb_change_window_attributes_checked(
		wm->conn, wm->screen->root, XCB_CW_EVENT_MASK, &mask);
	error = xcb_request_check(wm->conn, redirect);
	if (error) {
		nest_log("another window manager runs on %s",
			 xw->display_name);
		free(error);
		goto err_conn;
	}
	if (xcb_get_extension_data(wm->conn, &xcb_composite_id)->present)
		xcb_composite_redirect_subwindows(wm->conn, wm->screen->root,
						  XCB_COMPOSITE_REDIRECT_MANUAL);
	xwm_shape_init(wm);
	announce_wm(wm);
	set_root_cursor(wm);

	wm->nc = xw->client;
	if (wm->nc)
		host_bind(wm);
	xwm_selection_init(wm);
	wm->source = wl_event_loop_add_fd(xw->nest->loop,
					  xcb_get_file_descriptor(wm->conn),
					  WL_EVENT_READABLE, xwm_readable, wm);
	xwm_flush(wm);
	/* Events may already wait in xcb's queue. */
	xwm_readable(0, 0, wm);
	return wm;

err_conn:
	xcb_disconnect(wm->conn);
	free(wm);
	return NULL;
}

void
xwm_destroy(struct xwm *wm)
{
	struct xwm_window *w, *tmp;

	host_release(wm);
	xwm_selection_finish(wm);
	wl_list_for_each_safe (w, tmp, &wm->windows, link)
		window_destroy(w);
	if (wm->source)
		wl_event_source_remove(wm->source);
	if (wm->drain_idle)
		wl_event_source_remove(wm->drain_idle);
	xcb_disconnect(wm->conn);
	free(wm);
}
