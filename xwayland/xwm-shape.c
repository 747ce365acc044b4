// SPDX-License-Identifier: MIT
/*
 * Shaped X windows (the SHAPE extension: xeyes, round clocks, splash
 * screens).  The window manager follows each window's shapes and hands
 * them to the host side of its surface:
 * - the bounding shape goes to the core (nest_surface_set_shape), which
 *   shows the pixels outside it transparent;
 * - the input shape, cut to the bounding one as X does, becomes the host
 *   surface's input region, so clicks outside it reach what is below.
 * An unshaped window has neither: the infinite input region, the pixels
 * as they come.
 *
 * Shapes come from the X client through Xwayland: their rectangles are
 * counted and clipped before use.
 */
#include <stdlib.h>
#include <wayland-client-protocol.h>
#include <xcb/shape.h>
#include <xcb/xcb.h>

#include "nest.h"
#include "xwayland.h"
#include "xwm.h"

/* More rectangles than this in one shape: the window counts as unshaped. */
#define SHAPE_RECTANGLES_MAX 16384

void
xwm_shape_init(struct xwm *wm)
{
	const xcb_query_extension_reply_t *ext =
		xcb_get_extension_data(wm->conn, &xcb_shape_id);

	wm->have_shape = ext && ext->present;
	if (wm->have_shape)
		wm->shape_event_base = ext->first_event;
}

void
xwm_shape_select(struct xwm *wm, xcb_window_t window)
{
	if (wm->have_shape)
		xcb_shape_select_input(wm->conn, window, 1);
}

void
xwm_shape_window_init(struct xwm_window *w)
{
	pixman_region32_init(&w->shape.bounding);
	pixman_region32_init(&w->shape.input);
}

void
xwm_shape_window_finish(struct xwm_window *w)
{
	pixman_region32_fini(&w->shape.bounding);
	pixman_region32_fini(&w->shape.input);
}

/*
 * Reads one shape of the window into region, in buffer pixels (the
 * window's pixmap starts at its border), clipped to the buffer.  Returns
 * false when it leaves nothing out: the window is not shaped that way.
 */
static bool
read_shape(struct xwm_window *w, xcb_shape_kind_t kind,
	   pixman_region32_t *region)
{
	struct xwm *wm = w->wm;
	xcb_shape_get_rectangles_reply_t *reply;
	xcb_rectangle_t *rects;
	int32_t bw = w->border_width;
	uint32_t width = (uint32_t)w->width + 2u * (uint32_t)bw;
	uint32_t height = (uint32_t)w->height + 2u * (uint32_t)bw;
	pixman_box32_t all = { 0, 0, (int32_t)width, (int32_t)height };
	bool shaped;
	int n;

	pixman_region32_clear(region);
	reply = xcb_shape_get_rectangles_reply(
		wm->conn, xcb_shape_get_rectangles(wm->conn, w->id, kind), NULL);
	if (!reply)
		return false;
	n = xcb_shape_get_rectangles_rectangles_length(reply);
	/* the count is a field of its own: it must fit the reply's data */
	if (n < 0 || n > SHAPE_RECTANGLES_MAX ||
	    (uint64_t)n * sizeof(xcb_rectangle_t) > (uint64_t)reply->length * 4) {
		nest_debug("X window 0x%x: %d shape rectangles; taken as "
			   "unshaped", w->id, n);
		free(reply);
		return false;
	}
	rects = xcb_shape_get_rectangles_rectangles(reply);
	for (int i = 0; i < n; i++) {
		if (!rects[i].width || !rects[i].height)
			continue;
		/* int16 + uint16 + border: no overflow in 32 bits */
		pixman_region32_union_rect(region, region,
					   (int32_t)rects[i].x + bw,
					   (int32_t)rects[i].y + bw,
					   rects[i].width, rects[i].height);
	}
	free(reply);
	pixman_region32_intersect_rect(region, region, 0, 0, width, height);
	shaped = pixman_region32_contains_rectangle(region, &all) !=
		 PIXMAN_REGION_IN;
	if (!shaped)
		pixman_region32_clear(region);
	return shaped;
}

/* The host surface's input region: the input shape within the bounding. */
static void
apply_input_region(struct xwm_window *w)
{
	struct xwm *wm = w->wm;
	struct wl_surface *host =
		(struct wl_surface *)w->surface->host.proxy;
	pixman_region32_t input;
	const pixman_box32_t *boxes;
	struct wl_region *region;
	int32_t bw = w->border_width;
	int n;

	if (!w->shape.input_set && !w->shape.bounding_set) {
		wl_surface_set_input_region(host, NULL);
		return;
	}
	if (!wm->host.compositor)
		return;
	pixman_region32_init(&input);
	if (w->shape.input_set && w->shape.bounding_set)
		pixman_region32_intersect(&input, &w->shape.input,
					  &w->shape.bounding);
	else
		pixman_region32_copy(&input, w->shape.input_set ?
						     &w->shape.input :
						     &w->shape.bounding);
	/* buffer pixels to surface coordinates: Xwayland's scale is 1 */
	region = wl_compositor_create_region(wm->host.compositor);
	boxes = pixman_region32_rectangles(&input, &n);
	for (int i = 0; i < n; i++)
		wl_region_add(region, boxes[i].x1 - bw, boxes[i].y1 - bw,
			      boxes[i].x2 - boxes[i].x1,
			      boxes[i].y2 - boxes[i].y1);
	wl_surface_set_input_region(host, region);
	wl_region_destroy(region);
	pixman_region32_fini(&input);
}

/*
 * Gives the host side of the window's surface the shapes read last.  The
 * input region takes effect with the surface's next commit; one comes
 * now unless the surface still waits for its role (its first commit
 * brings it then).
 */
void
xwm_shape_apply(struct xwm_window *w, bool commit)
{
	struct wl_surface *host;

	if (!w->surface || !w->surface->host.proxy || !w->wm->nc)
		return;
	host = (struct wl_surface *)w->surface->host.proxy;
	apply_input_region(w);
	/* may commit a new frame cut to the new shape */
	nest_surface_set_shape(w->surface, w->shape.bounding_set ?
						   &w->shape.bounding :
						   NULL);
	if (commit && !nest_surface_is_gated(w->surface))
		wl_surface_commit(host);
}

/* Reads both shapes of the window from the X server. */
void
xwm_shape_read(struct xwm_window *w)
{
	if (!w->wm->have_shape)
		return;
	w->shape.bounding_set =
		read_shape(w, XCB_SHAPE_SK_BOUNDING, &w->shape.bounding);
	w->shape.input_set = read_shape(w, XCB_SHAPE_SK_INPUT, &w->shape.input);
}

bool
xwm_shape_handle_event(struct xwm *wm, xcb_generic_event_t *event)
{
	xcb_shape_notify_event_t *ev = (xcb_shape_notify_event_t *)event;
	struct xwm_window *w;

	if (!wm->have_shape ||
	    (event->response_type & 0x7f) !=
		    wm->shape_event_base + XCB_SHAPE_NOTIFY)
		return false;
	w = xwm_window_find(wm, ev->affected_window);
	if (!w)
		return true;
	nest_debug("X window 0x%x: %s shape %s", w->id,
		   ev->shape_kind == XCB_SHAPE_SK_INPUT ? "input" : "bounding",
		   ev->shaped ? "set" : "removed");
	xwm_shape_read(w);
	xwm_shape_apply(w, true);
	return true;
}
