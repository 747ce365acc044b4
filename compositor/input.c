// SPDX-License-Identifier: MIT
/*
 * wl_pointer and wl_keyboard hooks, for the Xwayland client only: its
 * window manager needs recent input serials (the latest button press for
 * interactive move and resize, any for setting the selection) and to know
 * which X window the pointer is over; a surface that becomes a cursor
 * needs no window-manager role before it may show.  Everything is still
 * forwarded, except pointer events while the pointer is on a host surface
 * that is no guest's (a window frame the window manager drew): Xwayland
 * would take them for input to the window it last had the pointer in.
 */
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "nest.h"
#include "xwayland.h"

static bool
pointer_request(struct nest_object *object, uint32_t opcode,
		const struct wl_message *message, union wl_argument *args)
{
	struct nest_object *surface;

	if (!object->client->xwayland || opcode != WL_POINTER_SET_CURSOR ||
	    !args[1].o)
		return false;
	surface = nest_object_from_resource((struct wl_resource *)args[1].o);
	if (!surface)
		return false;
	/* The cursor role first, then the held content. */
	nest_forward_request(object, opcode, message, args);
	nest_surface_ungate(surface);
	return true;
}

static bool
pointer_event(struct nest_object *object, uint32_t opcode,
	      const struct wl_message *message, union wl_argument *args)
{
	struct nest_client *nc = object->client;
	struct nest_object *surface;

	if (!nc->xwayland)
		return false;
	switch (opcode) {
	case WL_POINTER_ENTER:
		surface = nest_object_from_proxy((struct wl_proxy *)args[1].o);
		nc->pointer_elsewhere = !surface;
		if (surface)
			nest_xwayland_pointer_enter(surface);
		nest_xwayland_input_serial(nc, args[0].u, false);
		break;
	case WL_POINTER_LEAVE:
		if (nc->pointer_elsewhere) {
			nc->pointer_elsewhere = false;
			return true;
		}
		break;
	case WL_POINTER_FRAME:
		break;
	case WL_POINTER_BUTTON:
		if (nc->pointer_elsewhere)
			return true;
		nest_xwayland_input_serial(nc, args[0].u,
					   args[3].u ==
						   WL_POINTER_BUTTON_STATE_PRESSED);
		break;
	default:
		if (nc->pointer_elsewhere)
			return true;
		break;
	}
	return false;
}

static bool
keyboard_event(struct nest_object *object, uint32_t opcode,
	       const struct wl_message *message, union wl_argument *args)
{
	if (object->client->xwayland &&
	    (opcode == WL_KEYBOARD_ENTER || opcode == WL_KEYBOARD_KEY))
		nest_xwayland_input_serial(object->client, args[0].u, false);
	return false;
}

const struct object_hooks nest_keyboard_hooks = {
	.event = keyboard_event,
};

const struct object_hooks nest_pointer_hooks = {
	.request = pointer_request,
	.event = pointer_event,
};
