// SPDX-License-Identifier: MIT
/*
 * An X11 test client for the window manager tests.
 *
 *   xwin menu [--size WxH] [--at DX,DY]   a toplevel, an override-redirect
 *                                         "menu" at DX,DY from it, and a
 *                                         nested one beside the menu
 *   xwin transient                        a toplevel and a dialog that is
 *                                         transient for it
 *   xwin fullscreen                       a toplevel that asks for
 *                                         _NET_WM_STATE_FULLSCREEN
 *   xwin maximize                         a toplevel that asks for
 *                                         _NET_WM_STATE_MAXIMIZED_VERT
 *                                         and _HORZ
 *   xwin maximized                        a toplevel mapped with those
 *                                         states already set
 *   xwin drag                             a toplevel that, when a button
 *                                         is pressed in it, asks the window
 *                                         manager to move it with the
 *                                         pointer (_NET_WM_MOVERESIZE), as
 *                                         client-side decorations do;
 *                                         its class is XWinFloat
 *   xwin cursor                           a toplevel whose cursor is a
 *                                         16x16 magenta square
 *   xwin title [--title TEXT]             a toplevel with a UTF-8 title
 *                                         (or TEXT)
 *   xwin clicks                           a toplevel that prints every
 *                                         button press, "button 0x400001
 *                                         1 at 50,30" (window coordinates);
 *                                         its class is XWinClicks
 *   xwin shape [--depth 24|32]            a shaped toplevel (SHAPE), its
 *                                         class XWinFloat: its bounding
 *                                         shape the top-left and
 *                                         bottom-right quarters, its input
 *                                         shape the top-left quarter; the
 *                                         first button press in it makes
 *                                         it 100 pixels taller, blue, and
 *                                         shaped as the other two quarters
 *                                         (input shape: all of that); the
 *                                         next one shrinks its bounding
 *                                         shape to the top-right quarter,
 *                                         without drawing anything
 *
 * --decorations 0 (or 1) puts _MOTIF_WM_HINTS on the toplevel, asking the
 * window manager for no frame (or a frame), as clients that draw their
 * own do.
 *
 * Windows use a 32-bit ARGB visual when there is one, with opaque alpha,
 * so every host's screenshots show their colours exactly; shaped ones the
 * default (24-bit) visual unless asked otherwise, as most X clients.  Colours:
 * toplevel #00ff00 (green), menu #ff0000 (red), nested menu #0000ff
 * (blue), dialog #ffff00 (yellow).  The client prints lines such as
 * "mapped 0x400001 320x240", "configured 0x400001 800x600" and
 * "moveresize 0x400001 at 412,300" on stdout, and runs until killed.
 * The shape client prints every button press that reaches it, on its
 * window or the root window, as "press 0xWINDOW at X,Y"; "shaped 0x400001
 * WxH" follows each new shape.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xcb/shape.h>
#include <xcb/xcb.h>

#define GREEN 0xff00ff00u
#define RED 0xffff0000u
#define BLUE 0xff0000ffu
#define YELLOW 0xffffff00u

struct xwin {
	bool drag, clicks;
	int decorations;		/* _MOTIF_WM_HINTS: -1 none, 0, 1 */
	bool shape;			/* the window is the shape test's */
	int phase;			/* shape test: 0 green, 1 blue */
	xcb_window_t shaped;
	uint16_t width, height;
	xcb_connection_t *conn;
	xcb_screen_t *screen;
	xcb_visualid_t visual;
	uint8_t depth;
	xcb_colormap_t colormap;
};

struct window {
	xcb_window_t id;
	uint32_t colour;
	uint16_t width, height;
};

static xcb_atom_t
atom(struct xwin *x, const char *name)
{
	xcb_intern_atom_reply_t *reply = xcb_intern_atom_reply(
		x->conn, xcb_intern_atom(x->conn, 0, (uint16_t)strlen(name), name),
		NULL);
	xcb_atom_t a = reply ? reply->atom : XCB_ATOM_NONE;

	free(reply);
	return a;
}

static void
pick_visual(struct xwin *x, unsigned want_depth)
{
	xcb_depth_iterator_t d = xcb_screen_allowed_depths_iterator(x->screen);

	x->visual = x->screen->root_visual;
	x->depth = x->screen->root_depth;
	for (; want_depth == 32 && d.rem; xcb_depth_next(&d)) {
		xcb_visualtype_iterator_t v;

		if (d.data->depth != 32)
			continue;
		v = xcb_depth_visuals_iterator(d.data);
		if (v.rem && v.data->_class == XCB_VISUAL_CLASS_TRUE_COLOR) {
			x->visual = v.data->visual_id;
			x->depth = 32;
		}
	}
	x->colormap = xcb_generate_id(x->conn);
	xcb_create_colormap(x->conn, XCB_COLORMAP_ALLOC_NONE, x->colormap,
			    x->screen->root, x->visual);
}

static uint32_t
pixel(struct xwin *x, uint32_t argb)
{
	return x->depth == 32 ? argb : (argb & 0xffffff);
}

static struct window
create(struct xwin *x, int16_t px, int16_t py, uint16_t w, uint16_t h,
       uint32_t colour, bool override_redirect)
{
	struct window win = { xcb_generate_id(x->conn), colour, w, h };
	uint32_t mask = XCB_CW_BACK_PIXEL | XCB_CW_BORDER_PIXEL |
			XCB_CW_OVERRIDE_REDIRECT | XCB_CW_EVENT_MASK |
			XCB_CW_COLORMAP;
	uint32_t values[5] = {
		pixel(x, colour), 0, override_redirect,
		XCB_EVENT_MASK_EXPOSURE | XCB_EVENT_MASK_STRUCTURE_NOTIFY |
			XCB_EVENT_MASK_BUTTON_PRESS,
		x->colormap,
	};

	xcb_create_window(x->conn, x->depth, win.id, x->screen->root, px, py,
			  w, h, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT, x->visual,
			  mask, values);
	return win;
}

static void
set_string(struct xwin *x, xcb_window_t w, xcb_atom_t property,
	   xcb_atom_t type, const char *value, size_t length)
{
	xcb_change_property(x->conn, XCB_PROP_MODE_REPLACE, w, property, type,
			    8, (uint32_t)length, value);
}

static void
name(struct xwin *x, struct window *w, const char *title)
{
	static const char class[] = "xwin\0XWinTest";

	set_string(x, w->id, atom(x, "_NET_WM_NAME"), atom(x, "UTF8_STRING"),
		   title, strlen(title));
	set_string(x, w->id, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING, class,
		   sizeof(class));
	if (x->decorations >= 0) {
		/* flags: MWM_HINTS_DECORATIONS; functions, decorations */
		uint32_t hints[5] = { 2, 0, (uint32_t)x->decorations, 0, 0 };
		xcb_atom_t motif = atom(x, "_MOTIF_WM_HINTS");

		xcb_change_property(x->conn, XCB_PROP_MODE_REPLACE, w->id,
				    motif, motif, 32, 5, hints);
	}
}

/* Maps and waits until the window is mapped; prints where it is. */
static void
map_and_wait(struct xwin *x, struct window *w)
{
	xcb_generic_event_t *event;

	xcb_map_window(x->conn, w->id);
	xcb_flush(x->conn);
	while ((event = xcb_wait_for_event(x->conn))) {
		uint8_t type = event->response_type & 0x7f;
		xcb_window_t id = type == XCB_MAP_NOTIFY ?
					  ((xcb_map_notify_event_t *)event)->window :
					  0;

		free(event);
		if (id == w->id)
			break;
	}
	printf("mapped 0x%x %ux%u\n", w->id, w->width, w->height);
	fflush(stdout);
}

/* Adds one or two states (the second may be NULL). */
static void
net_wm_state(struct xwin *x, struct window *w, const char *state,
	     const char *state2)
{
	xcb_client_message_event_t ev = {
		.response_type = XCB_CLIENT_MESSAGE,
		.format = 32,
		.window = w->id,
		.type = atom(x, "_NET_WM_STATE"),
		.data.data32 = { 1, atom(x, state),
				 state2 ? atom(x, state2) : XCB_ATOM_NONE, 1, 0 },
	};

	xcb_send_event(x->conn, 0, x->screen->root,
		       XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY |
			       XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT,
		       (const char *)&ev);
	xcb_flush(x->conn);
}

/*
 * A button pressed in a "drag" window: give the pointer up and ask the
 * window manager for an interactive move, as a client drawing its own
 * title bar does.
 */
static void
start_move(struct xwin *x, xcb_button_press_event_t *press)
{
	xcb_client_message_event_t ev = {
		.response_type = XCB_CLIENT_MESSAGE,
		.format = 32,
		.window = press->event,
		.type = atom(x, "_NET_WM_MOVERESIZE"),
		.data.data32 = { (uint32_t)press->root_x, (uint32_t)press->root_y,
				 8 /* _NET_WM_MOVERESIZE_MOVE */,
				 press->detail, 1 /* a normal application */ },
	};

	xcb_ungrab_pointer(x->conn, press->time);
	xcb_send_event(x->conn, 0, x->screen->root,
		       XCB_EVENT_MASK_SUBSTRUCTURE_NOTIFY |
			       XCB_EVENT_MASK_SUBSTRUCTURE_REDIRECT,
		       (const char *)&ev);
	xcb_flush(x->conn);
	printf("moveresize 0x%x at %d,%d\n", press->event, press->root_x,
	       press->root_y);
	fflush(stdout);
}

/* A 16x16 cursor, all magenta, its hotspot at its top-left corner. */
static void
set_square_cursor(struct xwin *x, struct window *w)
{
	xcb_pixmap_t bits = xcb_generate_id(x->conn);
	xcb_gcontext_t gc = xcb_generate_id(x->conn);
	xcb_cursor_t cursor = xcb_generate_id(x->conn);
	xcb_rectangle_t all = { 0, 0, 16, 16 };
	uint32_t one = 1;

	xcb_create_pixmap(x->conn, 1, bits, x->screen->root, 16, 16);
	xcb_create_gc(x->conn, gc, bits, XCB_GC_FOREGROUND, &one);
	xcb_poly_fill_rectangle(x->conn, bits, gc, 1, &all);
	/* source and mask both all ones: every pixel in the foreground */
	xcb_create_cursor(x->conn, cursor, bits, bits, 0xffff, 0, 0xffff, 0, 0,
			  0, 0, 0);
	xcb_change_window_attributes(x->conn, w->id, XCB_CW_CURSOR, &cursor);
	xcb_free_gc(x->conn, gc);
	xcb_free_pixmap(x->conn, bits);
}

/* Sets one shape of the window to the given quarters of it. */
static void
set_quarters(struct xwin *x, xcb_shape_kind_t kind, bool top_left,
	     bool top_right, bool bottom_left, bool bottom_right)
{
	int16_t hw = (int16_t)(x->width / 2), hh = (int16_t)(x->height / 2);
	uint16_t rw = (uint16_t)(x->width - hw), rh = (uint16_t)(x->height - hh);
	xcb_rectangle_t rects[4];
	uint32_t n = 0;

	if (top_left)
		rects[n++] = (xcb_rectangle_t){ 0, 0, (uint16_t)hw, (uint16_t)hh };
	if (top_right)
		rects[n++] = (xcb_rectangle_t){ hw, 0, rw, (uint16_t)hh };
	if (bottom_left)
		rects[n++] = (xcb_rectangle_t){ 0, hh, (uint16_t)hw, rh };
	if (bottom_right)
		rects[n++] = (xcb_rectangle_t){ hw, hh, rw, rh };
	xcb_shape_rectangles(x->conn, XCB_SHAPE_SO_SET, kind,
			     XCB_CLIP_ORDERING_UNSORTED, x->shaped, 0, 0, n,
			     rects);
}

/* The shape test's window, shaped for its phase and size. */
static void
reshape(struct xwin *x)
{
	if (x->phase == 0) {
		set_quarters(x, XCB_SHAPE_SK_BOUNDING, true, false, false, true);
		set_quarters(x, XCB_SHAPE_SK_INPUT, true, false, false, false);
	} else {
		set_quarters(x, XCB_SHAPE_SK_BOUNDING, false, true,
			     x->phase == 1, false);
		/* no input shape of its own: the bounding one */
		xcb_shape_mask(x->conn, XCB_SHAPE_SO_SET, XCB_SHAPE_SK_INPUT,
			       x->shaped, 0, 0, XCB_NONE);
	}
	xcb_clear_area(x->conn, 0, x->shaped, 0, 0, 0, 0);
	xcb_flush(x->conn);
	printf("shaped 0x%x %ux%u\n", x->shaped, x->width, x->height);
	fflush(stdout);
}

/* The first press in the shaped window: taller, blue, the other quarters. */
static void
next_phase(struct xwin *x)
{
	uint32_t blue = pixel(x, BLUE), height = x->height + 100u;

	x->phase = 1;
	xcb_change_window_attributes(x->conn, x->shaped, XCB_CW_BACK_PIXEL,
				     &blue);
	xcb_configure_window(x->conn, x->shaped, XCB_CONFIG_WINDOW_HEIGHT,
			     &height);
	x->height = (uint16_t)height;
	reshape(x);
}

/* The second: a smaller shape, and nothing to redraw in X. */
static void
shrink(struct xwin *x)
{
	x->phase = 2;
	set_quarters(x, XCB_SHAPE_SK_BOUNDING, false, true, false, false);
	xcb_flush(x->conn);
	printf("shrunk 0x%x %ux%u\n", x->shaped, x->width, x->height);
	fflush(stdout);
}

static void
handle_press(struct xwin *x, xcb_button_press_event_t *press)
{
	if (x->shape) {
		printf("press 0x%x at %d,%d\n", press->event, press->event_x,
		       press->event_y);
		fflush(stdout);
	}
	if (x->drag)
		start_move(x, press);
	else if (x->shape && press->event == x->shaped && x->phase == 0)
		next_phase(x);
	else if (x->shape && press->event == x->shaped && x->phase == 1)
		shrink(x);
}

/* Reports every size change until killed. */
static int
run(struct xwin *x)
{
	xcb_generic_event_t *event;

	while ((event = xcb_wait_for_event(x->conn))) {
		if ((event->response_type & 0x7f) == XCB_BUTTON_PRESS && x->clicks) {
			xcb_button_press_event_t *b = (void *)event;

			printf("button 0x%x %u at %d,%d\n", b->event, b->detail,
			       b->event_x, b->event_y);
			fflush(stdout);
		}
		if ((event->response_type & 0x7f) == XCB_BUTTON_PRESS)
			handle_press(x, (xcb_button_press_event_t *)event);
		if ((event->response_type & 0x7f) == XCB_CONFIGURE_NOTIFY) {
			xcb_configure_notify_event_t *c = (void *)event;

			printf("configured 0x%x %ux%u\n", c->window, c->width,
			       c->height);
			fflush(stdout);
			if (x->shape && c->window == x->shaped &&
			    (c->width != x->width || c->height != x->height)) {
				x->width = c->width;
				x->height = c->height;
				reshape(x);
			}
		}
		free(event);
	}
	return 0;
}

/* Presses nobody else takes land on the root window: report them too. */
static void
watch_root_presses(struct xwin *x)
{
	uint32_t mask = XCB_EVENT_MASK_BUTTON_PRESS;
	xcb_generic_error_t *error = xcb_request_check(
		x->conn, xcb_change_window_attributes_checked(
				 x->conn, x->screen->root, XCB_CW_EVENT_MASK,
				 &mask));

	if (error) {
		fprintf(stderr, "xwin: cannot watch presses on the root\n");
		free(error);
	}
}

int
main(int argc, char **argv)
{
	struct xwin x = { .decorations = -1 };
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned w = 320, h = 240, depth = 0;
	int dx = 40, dy = 30;
	const char *title = "xwin \xc3\xa9t\xc3\xa9 \xe2\x9c\x93";

	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--size") == 0 &&
		    sscanf(argv[i + 1], "%ux%u", &w, &h) == 2)
			continue;
		if (strcmp(argv[i], "--at") == 0 &&
		    sscanf(argv[i + 1], "%d,%d", &dx, &dy) == 2)
			continue;
		if (strcmp(argv[i], "--decorations") == 0 &&
		    sscanf(argv[i + 1], "%d", &x.decorations) == 1)
			continue;
		if (strcmp(argv[i], "--title") == 0) {
			title = argv[i + 1];
			continue;
		}
		if (strcmp(argv[i], "--depth") == 0 &&
		    sscanf(argv[i + 1], "%u", &depth) == 1 &&
		    (depth == 24 || depth == 32))
			continue;
		fprintf(stderr, "xwin: bad option %s\n", argv[i]);
		return 2;
	}
	x.conn = xcb_connect(NULL, NULL);
	if (xcb_connection_has_error(x.conn)) {
		fprintf(stderr, "xwin: cannot connect to the X server\n");
		return 1;
	}
	x.screen = xcb_setup_roots_iterator(xcb_get_setup(x.conn)).data;
	if (!depth)
		depth = strcmp(mode, "shape") == 0 ? 24 : 32;
	pick_visual(&x, depth);

	if (strcmp(mode, "menu") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);
		struct window menu, nested;

		name(&x, &top, "xwin menu");
		map_and_wait(&x, &top);
		menu = create(&x, (int16_t)dx, (int16_t)dy, 60, 80, RED, true);
		map_and_wait(&x, &menu);
		nested = create(&x, (int16_t)(dx + 60), (int16_t)(dy + 20), 50,
				40, BLUE, true);
		map_and_wait(&x, &nested);
	} else if (strcmp(mode, "transient") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);
		struct window dialog = create(&x, 0, 0, 120, 90, YELLOW, false);
		xcb_atom_t type = atom(&x, "_NET_WM_WINDOW_TYPE_DIALOG");

		name(&x, &top, "xwin parent");
		map_and_wait(&x, &top);
		name(&x, &dialog, "xwin dialog");
		xcb_change_property(x.conn, XCB_PROP_MODE_REPLACE, dialog.id,
				    XCB_ATOM_WM_TRANSIENT_FOR, XCB_ATOM_WINDOW,
				    32, 1, &top.id);
		xcb_change_property(x.conn, XCB_PROP_MODE_REPLACE, dialog.id,
				    atom(&x, "_NET_WM_WINDOW_TYPE"),
				    XCB_ATOM_ATOM, 32, 1, &type);
		map_and_wait(&x, &dialog);
	} else if (strcmp(mode, "fullscreen") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		name(&x, &top, "xwin fullscreen");
		map_and_wait(&x, &top);
		net_wm_state(&x, &top, "_NET_WM_STATE_FULLSCREEN", NULL);
	} else if (strcmp(mode, "maximize") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		name(&x, &top, "xwin maximize");
		map_and_wait(&x, &top);
		net_wm_state(&x, &top, "_NET_WM_STATE_MAXIMIZED_VERT",
			     "_NET_WM_STATE_MAXIMIZED_HORZ");
	} else if (strcmp(mode, "cursor") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		name(&x, &top, "xwin cursor");
		set_square_cursor(&x, &top);
		map_and_wait(&x, &top);
	} else if (strcmp(mode, "maximized") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);
		xcb_atom_t states[2] = {
			atom(&x, "_NET_WM_STATE_MAXIMIZED_VERT"),
			atom(&x, "_NET_WM_STATE_MAXIMIZED_HORZ"),
		};

		name(&x, &top, "xwin maximized");
		xcb_change_property(x.conn, XCB_PROP_MODE_REPLACE, top.id,
				    atom(&x, "_NET_WM_STATE"), XCB_ATOM_ATOM,
				    32, 2, states);
		map_and_wait(&x, &top);
	} else if (strcmp(mode, "drag") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		x.drag = true;
		name(&x, &top, "xwin drag");
		/* its own class: a tiling host's test set-up floats it */
		set_string(&x, top.id, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING,
			   "xwin\0XWinFloat", sizeof("xwin\0XWinFloat"));
		map_and_wait(&x, &top);
	} else if (strcmp(mode, "clicks") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		x.clicks = true;
		name(&x, &top, "xwin clicks");
		set_string(&x, top.id, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING,
			   "xwin\0XWinClicks", sizeof("xwin\0XWinClicks"));
		map_and_wait(&x, &top);
	} else if (strcmp(mode, "title") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		name(&x, &top, title);
		map_and_wait(&x, &top);
	} else if (strcmp(mode, "shape") == 0) {
		struct window top = create(&x, 0, 0, (uint16_t)w, (uint16_t)h,
					   GREEN, false);

		x.shape = true;
		x.shaped = top.id;
		x.width = top.width;
		x.height = top.height;
		name(&x, &top, "xwin shape");
		set_string(&x, top.id, XCB_ATOM_WM_CLASS, XCB_ATOM_STRING,
			   "xwin\0XWinFloat", sizeof("xwin\0XWinFloat"));
		watch_root_presses(&x);
		reshape(&x);
		map_and_wait(&x, &top);
	} else {
		fprintf(stderr,
			"usage: xwin menu|transient|fullscreen|maximize|maximized|drag|cursor|title|clicks|shape "
			"[--size WxH] [--at DX,DY] [--decorations 0|1] [--depth 24|32] "
			"[--title TEXT]\n");
		return 2;
	}
	return run(&x);
}
