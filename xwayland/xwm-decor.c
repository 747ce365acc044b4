// SPDX-License-Identifier: MIT
/*
 * Frames for X toplevels, drawn by libdecor where the host compositor
 * does not decorate them: it has no xdg-decoration (weston, mutter), or
 * it picks client-side decorations for a window (sway for one matched by
 * "border csd", at any time while it is mapped).
 *
 * Every X toplevel that wants decorations is a libdecor frame, on hosts
 * with xdg-decoration too: the window manager asks the host for a
 * decoration without naming a mode, so the host's default applies
 * (server-side on sway and kwin), and on each configure libdecor draws
 * the frame only while the host's mode is client-side (the frame's
 * visibility), freeing it otherwise; the frame's border is then nothing,
 * and the window geometry the content's.
 *
 * libdecor runs on the Xwayland client's host connection, where the X
 * windows' wl_surfaces live: its frame subsurfaces must share their
 * connection.  libdecor 0.1.1 only binds globals there and flushes (no
 * roundtrip, no dispatch of its own): its proxies' events are dispatched
 * with wlnest's own, from the event loop.  The forwarder drops events
 * that name libdecor's surfaces (they are no guest objects), and the
 * cairo plugin tells its surfaces from ours by proxy tag.
 *
 * Its plugin draws into memory files it maps itself: through virtwl,
 * the channel moves them into virtwl memory when they are sent (virtwl.c).
 *
 * A frame replaces the window manager's own xdg_surface/xdg_toplevel:
 * libdecor acks each configure when it redraws the frame, with a window
 * geometry that includes the frame; the X window is resized to the
 * content size, and the host surface commits them with the X client's
 * first frame at that size (xwm_window_frame_configured).
 */
#include <dirent.h>
#include <libdecor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>
#include <xcb/xcb.h>

#include "nest.h"
#include "xdg-decoration-unstable-v1-client-protocol.h"
#include "xdg-shell-client-protocol.h"
#include "xwayland-private.h"
#include "xwm-decor.h"
#include "xwm-props.h"
#include "xwm.h"

#ifndef XWM_LIBDECOR_PLUGIN_DIR
#define XWM_LIBDECOR_PLUGIN_DIR "/usr/lib/x86_64-linux-gnu/libdecor/plugins-1"
#endif

bool nest_x_decorations = true;

struct xwm_decor {
	struct xwm *wm;
	struct libdecor *context;
	struct wl_callback *ready_callback;
	bool ready;			/* libdecor has its globals */
	/* LIBDECOR_FORCE_CSD as it was before libdecor started */
	bool env_held;
	char *env_saved;
	bool decorations;		/* frames get xdg-decoration objects */
};

/* Set while libdecor redraws inside a configure: it commits after. */
static bool commits_held;

/*
 * Whether libdecor will find a plugin that draws.  Without one it falls
 * back to frames without decorations; and libdecor 0.1.1 loops forever
 * on a plugin directory it cannot open, so that is checked first.
 */
static bool
plugin_available(void)
{
	const char *env = getenv("LIBDECOR_PLUGIN_DIR");
	char *dirs = strdup(env ? env : XWM_LIBDECOR_PLUGIN_DIR);
	char *save = NULL, *dir;
	bool found = false, readable = true;

	if (!dirs)
		return false;
	for (dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		DIR *d = opendir(dir);
		struct dirent *entry;

		if (!d) {
			readable = false;
			break;
		}
		while ((entry = readdir(d))) {
			const char *dot = strrchr(entry->d_name, '.');

			if (dot && strcmp(dot, ".so") == 0)
				found = true;
		}
		closedir(d);
	}
	free(dirs);
	return found && readable;
}

/*
 * libdecor's errors are a host without xdg_wm_base (then no toplevel is
 * made at all) or size limits it rejects (xwm_decor_frame_update keeps
 * those valid): logged only.
 */
static void
decor_error(struct libdecor *context, enum libdecor_error error,
	    const char *message)
{
	nest_log("window frames (libdecor): %s", message);
}

/* not const: libdecor's API takes them as plain pointers */
static struct libdecor_interface decor_interface = {
	.error = decor_error,
};

/*
 * libdecor 0.1.1 never destroys the xdg-decoration object it makes for a
 * frame: the proxy leaks, and its toplevel goes first, which the protocol
 * forbids (a host may end the connection for it).  So libdecor starts
 * with LIBDECOR_FORCE_CSD, which makes it skip the decoration manager,
 * and the window manager keeps the decoration objects itself.  The
 * variable is libdecor's to read once, while its registry's globals are
 * dispatched: it is put back as it was once libdecor is ready.
 */
static void
force_csd_hold(struct xwm_decor *decor)
{
	const char *env = getenv("LIBDECOR_FORCE_CSD");

	decor->env_saved = env ? strdup(env) : NULL;
	if ((env && !decor->env_saved) ||
	    setenv("LIBDECOR_FORCE_CSD", "1", 1) != 0) {
		/* libdecor may make decoration objects: frames make none */
		free(decor->env_saved);
		decor->env_saved = NULL;
		return;
	}
	decor->env_held = true;
	decor->decorations = true;
}

static void
force_csd_release(struct xwm_decor *decor)
{
	if (!decor->env_held)
		return;
	if (decor->env_saved)
		setenv("LIBDECOR_FORCE_CSD", decor->env_saved, 1);
	else
		unsetenv("LIBDECOR_FORCE_CSD");
	free(decor->env_saved);
	decor->env_saved = NULL;
	decor->env_held = false;
}

static void
ready_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct xwm_decor *decor = data;

	force_csd_release(decor);
	wl_callback_destroy(callback);
	decor->ready_callback = NULL;
	decor->ready = true;
	nest_debug("window frames: libdecor is ready");
	xwm_create_roles(decor->wm);
}

static const struct wl_callback_listener ready_listener = {
	.done = ready_done,
};

/* libdecor's cairo plugin needs these (without wl_subcompositor it
 * crashes in its error path). */
static bool
host_has(struct nest *nest, const char *name)
{
	struct nest_global *global;

	wl_list_for_each (global, &nest->globals, link) {
		if (!global->removed &&
		    strcmp(global->info->interface->name, name) == 0)
			return true;
	}
	return false;
}

struct xwm_decor *
xwm_decor_create(struct xwm *wm)
{
	struct wl_display *display = wm->nc->host.display;
	struct xwm_decor *decor;

	if (!nest_x_decorations)
		return NULL;
	if (!host_has(wm->xw->nest, "wl_compositor") ||
	    !host_has(wm->xw->nest, "wl_subcompositor") ||
	    !host_has(wm->xw->nest, "wl_shm")) {
		nest_log("no frames for X windows: the host compositor lacks "
			 "wl_compositor, wl_subcompositor or wl_shm");
		return NULL;
	}
	if (!plugin_available()) {
		nest_log("no frames for X windows: libdecor has no plugin "
			 "(install libdecor-0-plugin-1-cairo)");
		return NULL;
	}
	decor = calloc(1, sizeof(*decor));
	if (!decor)
		return NULL;
	decor->wm = wm;
	force_csd_hold(decor);
	decor->context = libdecor_new(display, &decor_interface);
	if (!decor->context) {
		nest_log("no frames for X windows: libdecor failed to start");
		force_csd_release(decor);
		free(decor);
		return NULL;
	}
	/* Answered after libdecor's own initial sync and its plugin's. */
	decor->ready_callback = wl_display_sync(display);
	wl_callback_add_listener(decor->ready_callback, &ready_listener,
				 decor);
	return decor;
}

bool
xwm_decor_waiting(const struct xwm_decor *decor)
{
	return decor && !decor->ready;
}

void
xwm_decor_destroy(struct xwm_decor *decor)
{
	if (!decor)
		return;
	force_csd_release(decor);
	if (decor->ready_callback)
		wl_callback_destroy(decor->ready_callback);
	libdecor_unref(decor->context);
	free(decor);
}

/* ---- whether a window wants a frame ---- */

static uint32_t *
property_words(struct xwm *wm, xcb_window_t window, xcb_atom_t property,
	       uint32_t max_words, size_t *count)
{
	xcb_get_property_reply_t *reply = xcb_get_property_reply(
		wm->conn,
		xcb_get_property(wm->conn, 0, window, property, XCB_ATOM_ANY,
				 0, max_words),
		NULL);
	uint32_t *words = NULL;
	int len;

	*count = 0;
	if (!reply)
		return NULL;
	len = xcb_get_property_value_length(reply);
	if (reply->format == 32 && len >= 4) {
		words = malloc((size_t)len);
		if (words) {
			memcpy(words, xcb_get_property_value(reply), (size_t)len);
			*count = (size_t)len / 4;
		}
	}
	free(reply);
	return words;
}

/* _MOTIF_WM_HINTS without decorations, or GTK's client-side frame. */
bool
xwm_draws_own_frame(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	size_t count;
	uint32_t *words;
	bool own = false;

	words = property_words(wm, w->id, wm->atoms[ATOM_MOTIF_WM_HINTS], 5,
			       &count);
	if (words && !xwm_motif_wants_decorations(words, count))
		own = true;
	free(words);
	if (!own) {
		words = property_words(wm, w->id,
				       wm->atoms[ATOM_GTK_FRAME_EXTENTS], 4,
				       &count);
		own = words && count == 4;
		free(words);
	}
	return own;
}

/* ---- the host's decoration mode ---- */

static void
decoration_configure(void *data,
		     struct zxdg_toplevel_decoration_v1 *decoration,
		     uint32_t mode)
{
	struct xwm_window *w = data;

	/* taken with the xdg_surface configure that follows */
	w->host.decoration_mode = mode;
}

static const struct zxdg_toplevel_decoration_v1_listener decoration_listener = {
	.configure = decoration_configure,
};

/* The content size limits from w's size hints, for the next commit. */
static void
frame_set_limits(struct xwm_window *w)
{
	const struct xwm_size_hints *hints = &w->size_hints;
	int min_width = hints->min_width, min_height = hints->min_height;
	int max_width = hints->max_width, max_height = hints->max_height;

	/* libdecor takes a minimum above the maximum for an error that
	 * ends all frames: an X client's hints are not trusted that far */
	if (min_width < 0 || min_height < 0)
		min_width = min_height = 0;
	if (max_width < 0 || max_height < 0 ||
	    (max_width > 0 && max_width < min_width) ||
	    (max_height > 0 && max_height < min_height))
		max_width = max_height = 0;
	libdecor_frame_set_min_content_size(w->host.frame, min_width,
					    min_height);
	libdecor_frame_set_max_content_size(w->host.frame, max_width,
					    max_height);
}

/*
 * Draws or frees the frame at the size it has, for a change of the
 * host's mode; the configure's own commit of the frame follows, and the
 * host surface's commit after it.  The cairo plugin raises the minimum
 * content size to fit its title bar when it draws one: without it, the
 * window's own limits apply again.
 */
static void
frame_show(struct xwm_window *w, bool shown)
{
	commits_held = true;
	libdecor_frame_set_visibility(w->host.frame, shown);
	commits_held = false;
	if (!shown)
		frame_set_limits(w);
}

/* ---- a frame's events ---- */

/*
 * Says who decorates the window when that changes: libdecor's frame has
 * a border (the title bar) only while it draws it.  Fullscreen, nobody
 * does: not asked then.
 */
static void
log_frame_shown(struct xwm_window *w)
{
	enum xwm_frame_shown shown;
	int x, y;

	libdecor_frame_translate_coordinate(w->host.frame, 0, 0, &x, &y);
	shown = x > 0 || y > 0 ? XWM_FRAME_DRAWN : XWM_FRAME_BY_HOST;
	if (shown == w->host.frame_shown)
		return;
	w->host.frame_shown = shown;
	if (shown == XWM_FRAME_DRAWN)
		nest_debug("X window 0x%x: frame drawn by wlnest (libdecor)",
			   w->id);
	else
		nest_debug("X window 0x%x: decorated by the host", w->id);
}

static void
frame_configure(struct libdecor_frame *frame,
		struct libdecor_configuration *configuration, void *data)
{
	struct xwm_window *w = data;
	enum libdecor_window_state window_state = LIBDECOR_WINDOW_STATE_NONE;
	struct libdecor_state *state;
	int width, height, fixed_width, fixed_height;
	bool shown = w->host.decoration_mode !=
		     ZXDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE;
	bool sized;

	/* the host's mode changed (before its first commit the frame has
	 * no size to draw at): the content size below counts the frame */
	if (w->host.configured && shown != libdecor_frame_is_visible(frame))
		frame_show(w, shown);
	sized = libdecor_configuration_get_content_size(configuration, frame,
							&width, &height) &&
		width > 0 && height > 0;
	if (!sized) {
		/* the host lets the window keep its size */
		width = w->width;
		height = w->height;
	}
	if (width <= 0 || height <= 0)
		width = height = 1;
	libdecor_configuration_get_window_state(configuration, &window_state);
	w->host.pending_fullscreen =
		window_state & LIBDECOR_WINDOW_STATE_FULLSCREEN;
	w->host.pending_maximized =
		window_state & LIBDECOR_WINDOW_STATE_MAXIMIZED;
	w->host.pending_activated = window_state & LIBDECOR_WINDOW_STATE_ACTIVE;

	/* Draws the frame for the new state, or frees it while the host
	 * decorates, and acks the configure. */
	state = libdecor_state_new(width, height);
	libdecor_frame_commit(frame, state, configuration);
	libdecor_state_free(state);
	/* the first time, a frame the host decorates was drawn all the
	 * same: freed before the host sees it */
	if (!shown && libdecor_frame_is_visible(frame))
		frame_show(w, false);
	/*
	 * The cairo plugin counts its title bar in the frame only once it
	 * shows: on the first configure, or leaving fullscreen, the content
	 * size above was too large by the bar, and the window geometry,
	 * which weston checks against a maximized size, would be taller
	 * than configured.  Asked again, it knows; the geometry set now
	 * replaces the one before, both pending until the next commit.
	 */
	if (sized &&
	    libdecor_configuration_get_content_size(configuration, frame,
						    &fixed_width,
						    &fixed_height) &&
	    fixed_width > 0 && fixed_height > 0 &&
	    (fixed_width != width || fixed_height != height)) {
		width = fixed_width;
		height = fixed_height;
		state = libdecor_state_new(width, height);
		libdecor_frame_commit(frame, state, NULL);
		libdecor_state_free(state);
	}
	if (!(window_state & LIBDECOR_WINDOW_STATE_FULLSCREEN))
		log_frame_shown(w);
	w->host.pending_width = width;
	w->host.pending_height = height;
	xwm_window_apply_configure(w);
	xwm_window_frame_configured(w, width, height);
	xwm_flush(w->wm);
}

static void
frame_close(struct libdecor_frame *frame, void *data)
{
	xwm_window_close(data);
}

static void
frame_commit(struct libdecor_frame *frame, void *data)
{
	struct xwm_window *w = data;

	if (!commits_held && w->surface && w->surface->host.proxy)
		wl_surface_commit((struct wl_surface *)w->surface->host.proxy);
}

static void
frame_dismiss_popup(struct libdecor_frame *frame, const char *seat_name,
		    void *data)
{
}

static struct libdecor_frame_interface frame_interface = {
	.configure = frame_configure,
	.close = frame_close,
	.commit = frame_commit,
	.dismiss_popup = frame_dismiss_popup,
};

/* ---- frames ---- */

bool
xwm_decor_frame_create(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	struct xwm_decor *decor = wm->host.decor;
	struct wl_surface *host;

	if (!decor || !decor->ready || w->override_redirect ||
	    !w->decorations || !w->surface || !w->surface->host.proxy)
		return false;
	host = (struct wl_surface *)w->surface->host.proxy;
	w->host.frame = libdecor_decorate(decor->context, host,
					  &frame_interface, w);
	if (!w->host.frame)
		return false;
	w->host.toplevel = libdecor_frame_get_xdg_toplevel(w->host.frame);
	if (!w->host.toplevel) {
		libdecor_frame_unref(w->host.frame);
		w->host.frame = NULL;
		return false;
	}
	/* no mode asked for: the host's choice applies, and its configure
	 * says whether the frame shows */
	if (decor->decorations && wm->host.decoration_manager) {
		w->host.decoration =
			zxdg_decoration_manager_v1_get_toplevel_decoration(
				wm->host.decoration_manager, w->host.toplevel);
		zxdg_toplevel_decoration_v1_add_listener(
			w->host.decoration, &decoration_listener, w);
	}
	nest_debug("X window 0x%x: framed by libdecor", w->id);
	return true;
}

void
xwm_decor_frame_map(struct xwm_window *w)
{
	libdecor_frame_map(w->host.frame);
}

void
xwm_decor_frame_destroy(struct xwm_window *w)
{
	if (!w->host.frame)
		return;
	libdecor_frame_unref(w->host.frame);
	w->host.frame = NULL;
	w->host.toplevel = NULL;
}

void
xwm_decor_frame_update(struct xwm_window *w)
{
	const struct nest *nest = w->wm->xw->nest;
	const char *tag = nest->title_tag ? nest->title_tag : "";
	const char *title = w->title ? w->title : "";
	char *tagged = NULL;

	if (!w->host.frame)
		return;
	if (asprintf(&tagged, "%s%s", tag, title) < 0)
		tagged = NULL;
	libdecor_frame_set_title(w->host.frame, tagged ? tagged : title);
	free(tagged);
	nest_toplevel_set_app_id(nest, w->host.toplevel, w->app_id);
	frame_set_limits(w);
}

void
xwm_decor_frame_resize(struct xwm_window *w)
{
	struct libdecor_state *state;

	if (!w->host.frame || !w->host.configured || w->fullscreen ||
	    w->maximized || w->width == 0 || w->height == 0)
		return;
	/* frame and window geometry, shown with the client's next frame */
	state = libdecor_state_new(w->width, w->height);
	libdecor_frame_commit(w->host.frame, state, NULL);
	libdecor_state_free(state);
}
