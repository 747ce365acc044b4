// SPDX-License-Identifier: MIT
/*
 * solid: an xdg_toplevel showing one wl_shm buffer of a single colour, the
 * pixel-exact workhorse of the integration tests.  It re-commits after every
 * configure (sway holds a window back until it does) and logs every event it
 * gets on stderr, prefixed "solid:".
 *
 *   solid [options]
 *     --color AARRGGBB|RRGGBB   fill colour (default ff00ff)
 *     --size WxH                buffer size in pixels (default 200x150)
 *     --format NAME             wl_shm format, e.g. argb8888 rgb565 (default argb8888)
 *     --scale N                 wl_surface.set_buffer_scale
 *     --viewport WxH            wp_viewport destination size
 *     --fullscreen              ask for fullscreen; the buffer follows the configure size
 *     --stride-pad BYTES        bytes added to every row beyond width*bpp
 *     --offset BYTES            where the buffers start inside the pool
 *     --pool-resize             create the pool holding the first buffer only, then
 *                               grow it (wl_shm_pool.resize) for the second
 *     --subsurface X,Y,WxH=C    a synchronized subsurface of colour C at X,Y
 *     --popup X,Y,WxH=C         once the first frame is shown, an xdg_popup of
 *                               colour C with its top-left corner at X,Y
 *     --viewport-source X,Y,W,H wp_viewport.set_source (crop), in buffer pixels
 *     --update X,Y,W,H=COLOR    once the previous frame is shown, repaint this buffer
 *                               rectangle and commit it with only that damage
 *                               (repeatable, applied in order)
 *     --paint X,Y,W,H=COLOR     a rectangle of another colour in the very first frame
 *                               (repeatable)
 *     --damage buffer|surface   request used for update damage (default buffer)
 *     --app-id ID --title T     (default app id and title "solid"; --title "" sets none)
 *     --list-formats            print the host's wl_shm formats and exit
 *     --exit-after-updates      exit 0 once every update's frame is shown
 * Exit status: 0 on close or --exit-after-updates, 1 on error, 77 when the
 * host lacks what was asked for (format, viewporter, damage_buffer).
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>

#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "common.h"

#define SOLID_MAX_UPDATES 16
#define SOLID_MAX_FORMATS 64
#define SOLID_MAX_DIM 8192

#define FOURCC(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
			    (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

enum pack { PACK_32, PACK_16, PACK_24 };

struct format_info {
	const char *name;
	uint32_t code;
	enum pack pack;
	/* bit position and width of each channel in the pixel word */
	uint8_t rs, rw, gs, gw, bs, bw, as, aw;
};

static const struct format_info formats[] = {
	{ "argb8888", WL_SHM_FORMAT_ARGB8888, PACK_32, 16, 8, 8, 8, 0, 8, 24, 8 },
	{ "xrgb8888", WL_SHM_FORMAT_XRGB8888, PACK_32, 16, 8, 8, 8, 0, 8, 24, 0 },
	{ "abgr8888", FOURCC('A', 'B', '2', '4'), PACK_32, 0, 8, 8, 8, 16, 8, 24, 8 },
	{ "xbgr8888", FOURCC('X', 'B', '2', '4'), PACK_32, 0, 8, 8, 8, 16, 8, 24, 0 },
	{ "rgba8888", FOURCC('R', 'A', '2', '4'), PACK_32, 24, 8, 16, 8, 8, 8, 0, 8 },
	{ "rgbx8888", FOURCC('R', 'X', '2', '4'), PACK_32, 24, 8, 16, 8, 8, 8, 0, 0 },
	{ "bgra8888", FOURCC('B', 'A', '2', '4'), PACK_32, 8, 8, 16, 8, 24, 8, 0, 8 },
	{ "bgrx8888", FOURCC('B', 'X', '2', '4'), PACK_32, 8, 8, 16, 8, 24, 8, 0, 0 },
	{ "argb2101010", FOURCC('A', 'R', '3', '0'), PACK_32, 20, 10, 10, 10, 0, 10, 30, 2 },
	{ "xrgb2101010", FOURCC('X', 'R', '3', '0'), PACK_32, 20, 10, 10, 10, 0, 10, 30, 0 },
	{ "abgr2101010", FOURCC('A', 'B', '3', '0'), PACK_32, 0, 10, 10, 10, 20, 10, 30, 2 },
	{ "xbgr2101010", FOURCC('X', 'B', '3', '0'), PACK_32, 0, 10, 10, 10, 20, 10, 30, 0 },
	{ "rgb565", FOURCC('R', 'G', '1', '6'), PACK_16, 11, 5, 5, 6, 0, 5, 0, 0 },
	{ "bgr565", FOURCC('B', 'G', '1', '6'), PACK_16, 0, 5, 5, 6, 11, 5, 0, 0 },
	{ "rgb888", FOURCC('R', 'G', '2', '4'), PACK_24, 16, 8, 8, 8, 0, 8, 0, 0 },
	{ "bgr888", FOURCC('B', 'G', '2', '4'), PACK_24, 0, 8, 8, 8, 16, 8, 0, 0 },
};

struct update {
	int x, y, w, h;
	uint32_t colour;
};

struct buffer {
	struct wl_buffer *wl;
	uint8_t *data; /* first byte of this buffer inside the pool mapping */
	bool busy;
};

struct solid {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	uint32_t compositor_version;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_viewporter *viewporter;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wp_viewport *viewport;

	uint32_t shm_formats[SOLID_MAX_FORMATS];
	int n_shm_formats;

	/* options */
	uint32_t colour;
	int width, height, scale, stride_pad, offset;
	int viewport_w, viewport_h;
	bool fullscreen, damage_buffer, list_formats, exit_after_updates, pool_resize;
	/* --subsurface: a synchronized child surface of one colour */
	int sub_x, sub_y, sub_w, sub_h;
	uint32_t sub_colour;
	struct wl_subcompositor *subcompositor;
	struct wl_surface *sub_surface;
	struct wl_subsurface *subsurface;
	/* --popup: an xdg_popup of one colour, mapped after the first frame */
	int popup_x, popup_y, popup_w, popup_h;
	uint32_t popup_colour;
	struct wl_surface *popup_surface;
	struct xdg_surface *popup_xdg;
	struct xdg_popup *popup;
	struct wl_buffer *popup_buffer;
	bool popup_shown;
	/* --viewport-source */
	int src_x, src_y, src_w, src_h;
	const struct format_info *format;
	const char *app_id, *title;
	struct update updates[SOLID_MAX_UPDATES];
	int n_updates, next_update;
	struct update paints[SOLID_MAX_UPDATES];
	int n_paints;

	/* state */
	struct wl_shm_pool *pool;
	uint8_t *pool_data;
	size_t pool_size;
	int stride;
	struct buffer buffers[2];
	int front; /* index of the buffer last attached, -1 before the first */
	bool configured, frame_pending, closed, failed;
	int want_w, want_h; /* from the last configure, 0 = our choice */
	int frames;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "solid: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint32_t chan(uint32_t v8, int width)
{
	if (width == 0)
		return 0;
	if (width <= 8)
		return v8 >> (8 - width);
	return (v8 << (width - 8)) | (v8 >> (16 - width));
}

static uint32_t pack_pixel(const struct format_info *f, uint32_t argb)
{
	uint32_t a = argb >> 24, r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff,
		 b = argb & 0xff;

	uint32_t px = chan(r, f->rw) << f->rs | chan(g, f->gw) << f->gs |
		      chan(b, f->bw) << f->bs;

	if (f->aw)
		return px | chan(a, f->aw) << f->as;
	/* Unused "X" bits are set, as most clients leave them. */
	if (f->pack == PACK_32)
		px |= ~(((1u << f->rw) - 1) << f->rs | ((1u << f->gw) - 1) << f->gs |
			((1u << f->bw) - 1) << f->bs);
	return px;
}

static int bytes_per_pixel(const struct format_info *f)
{
	return f->pack == PACK_32 ? 4 : f->pack == PACK_24 ? 3 : 2;
}

static void fill_rect(struct solid *s, uint8_t *base, int x, int y, int w, int h,
		      uint32_t argb)
{
	uint32_t px = pack_pixel(s->format, argb);
	int bpp = bytes_per_pixel(s->format);

	for (int j = y; j < y + h; j++) {
		uint8_t *row = base + (size_t)j * s->stride + (size_t)x * bpp;
		for (int i = 0; i < w; i++, row += bpp) {
			switch (s->format->pack) {
			case PACK_32:
				memcpy(row, &px, 4);
				break;
			case PACK_16: {
				uint16_t v = (uint16_t)px;
				memcpy(row, &v, 2);
				break;
			}
			case PACK_24:
				row[0] = (uint8_t)px;
				row[1] = (uint8_t)(px >> 8);
				row[2] = (uint8_t)(px >> 16);
				break;
			}
		}
	}
}

static void buffer_release(void *data, struct wl_buffer *wl)
{
	struct buffer *b = data;

	b->busy = false;
	logf_("buffer released");
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_release,
};

static void destroy_buffers(struct solid *s)
{
	for (int i = 0; i < 2; i++) {
		if (s->buffers[i].wl)
			wl_buffer_destroy(s->buffers[i].wl);
		s->buffers[i].wl = NULL;
		s->buffers[i].busy = false;
	}
	if (s->pool)
		wl_shm_pool_destroy(s->pool);
	s->pool = NULL;
	if (s->pool_data)
		munmap(s->pool_data, s->pool_size);
	s->pool_data = NULL;
	s->front = -1;
}

/* Two buffers at offset and offset + stride * height inside one pool. */
static bool create_buffers(struct solid *s)
{
	size_t one;
	int fd;

	destroy_buffers(s);
	s->stride = s->width * bytes_per_pixel(s->format) + s->stride_pad;
	one = (size_t)s->stride * s->height;
	s->pool_size = (size_t)s->offset + 2 * one;
	fd = shm_alloc(s->pool_size);
	if (fd < 0) {
		logf_("cannot allocate %zu bytes of shm", s->pool_size);
		return false;
	}
	s->pool_data = mmap(NULL, s->pool_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->pool_data == MAP_FAILED) {
		s->pool_data = NULL;
		close(fd);
		return false;
	}
	/* Padding bytes get a value no colour check uses, so that reading
	 * them by mistake shows up on a screenshot. */
	memset(s->pool_data, 0x5a, s->pool_size);
	/* With --pool-resize the pool starts holding only the first buffer
	 * and grows (wl_shm_pool.resize) before the second is made in the
	 * new part, which every later update uses. */
	s->pool = wl_shm_create_pool(s->shm, fd, (int32_t)(s->pool_resize ?
				     (size_t)s->offset + one : s->pool_size));
	for (int i = 0; i < 2; i++) {
		struct buffer *b = &s->buffers[i];
		size_t off = (size_t)s->offset + (size_t)i * one;

		if (i == 1 && s->pool_resize) {
			wl_shm_pool_resize(s->pool, (int32_t)s->pool_size);
			logf_("pool grown to %zu bytes", s->pool_size);
		}
		b->data = s->pool_data + off;
		b->wl = wl_shm_pool_create_buffer(s->pool, (int32_t)off, s->width,
						  s->height, s->stride, s->format->code);
		wl_buffer_add_listener(b->wl, &buffer_listener, b);
		b->busy = false;
	}
	close(fd);
	logf_("buffers %dx%d %s stride %d offset %d", s->width, s->height,
	      s->format->name, s->stride, s->offset);
	return true;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time);
static const struct wl_callback_listener frame_listener = { .done = frame_done };

static void commit_with_frame(struct solid *s)
{
	struct wl_callback *cb = wl_surface_frame(s->surface);

	wl_callback_add_listener(cb, &frame_listener, s);
	s->frame_pending = true;
	wl_surface_commit(s->surface);
}

static void draw_full(struct solid *s)
{
	struct buffer *b;
	int next = s->front < 0 ? 0 : 1 - s->front;

	b = &s->buffers[next];
	fill_rect(s, b->data, 0, 0, s->width, s->height, s->colour);
	for (int i = 0; i < s->n_paints; i++) {
		struct update *u = &s->paints[i];
		if (u->x + u->w <= s->width && u->y + u->h <= s->height)
			fill_rect(s, b->data, u->x, u->y, u->w, u->h, u->colour);
	}
	/* updates already applied stay visible across a resize */
	for (int i = 0; i < s->next_update; i++) {
		struct update *u = &s->updates[i];
		if (u->x + u->w <= s->width && u->y + u->h <= s->height)
			fill_rect(s, b->data, u->x, u->y, u->w, u->h, u->colour);
	}
	wl_surface_attach(s->surface, b->wl, 0, 0);
	if (s->compositor_version >= 4)
		wl_surface_damage_buffer(s->surface, 0, 0, INT32_MAX, INT32_MAX);
	else
		wl_surface_damage(s->surface, 0, 0, INT32_MAX, INT32_MAX);
	b->busy = true;
	s->front = next;
	commit_with_frame(s);
	logf_("frame %d committed (full)", s->frames);
}

static bool apply_update(struct solid *s)
{
	struct update *u = &s->updates[s->next_update];
	int back = 1 - s->front;
	struct buffer *b = &s->buffers[back];

	if (b->busy)
		return false; /* wait for its release */
	/* The back buffer gets the whole current picture, then the change. */
	for (int j = 0; j < s->height; j++)
		memcpy(b->data + (size_t)j * s->stride,
		       s->buffers[s->front].data + (size_t)j * s->stride,
		       (size_t)s->width * bytes_per_pixel(s->format));
	fill_rect(s, b->data, u->x, u->y, u->w, u->h, u->colour);
	wl_surface_attach(s->surface, b->wl, 0, 0);
	if (s->damage_buffer)
		wl_surface_damage_buffer(s->surface, u->x, u->y, u->w, u->h);
	else
		wl_surface_damage(s->surface, u->x / s->scale, u->y / s->scale,
				  (u->w + s->scale - 1) / s->scale,
				  (u->h + s->scale - 1) / s->scale);
	b->busy = true;
	s->front = back;
	s->next_update++;
	commit_with_frame(s);
	logf_("update %d committed %d,%d %dx%d %08x (damage_%s)", s->next_update,
	      u->x, u->y, u->w, u->h, u->colour, s->damage_buffer ? "buffer" : "surface");
	return true;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct solid *s = data;

	wl_callback_destroy(cb);
	s->frame_pending = false;
	s->frames++;
	logf_("frame %d done", s->frames);
}

static void xdg_surface_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct solid *s = data;
	bool resize = false;

	xdg_surface_ack_configure(xs, serial);
	logf_("xdg_surface.configure serial %u", serial);
	if (s->fullscreen && s->want_w > 0 && s->want_h > 0 &&
	    (s->want_w * s->scale != s->width || s->want_h * s->scale != s->height) &&
	    s->want_w * s->scale <= SOLID_MAX_DIM && s->want_h * s->scale <= SOLID_MAX_DIM) {
		s->width = s->want_w * s->scale;
		s->height = s->want_h * s->scale;
		resize = true;
	}
	if (!s->configured || resize) {
		if ((resize || !s->pool) && !create_buffers(s)) {
			s->failed = true;
			return;
		}
		s->configured = true;
		draw_full(s);
		return;
	}
	/* Nothing changed: commit anyway so the compositor sees the ack. */
	wl_surface_commit(s->surface);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *t, int32_t w,
			       int32_t h, struct wl_array *states)
{
	struct solid *s = data;
	uint32_t *st;
	char buf[128] = "";
	size_t len = 0;

	wl_array_for_each(st, states)
		len += (size_t)snprintf(buf + len, len < sizeof(buf) ? sizeof(buf) - len : 0,
					" %u", *st);
	logf_("xdg_toplevel.configure %dx%d states:%s", w, h, buf);
	s->want_w = w;
	s->want_h = h;
}

static void toplevel_close(void *data, struct xdg_toplevel *t)
{
	struct solid *s = data;

	logf_("xdg_toplevel.close");
	s->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = { .ping = wm_ping };

static void shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct solid *s = data;

	if (s->n_shm_formats < SOLID_MAX_FORMATS)
		s->shm_formats[s->n_shm_formats++] = format;
}

static const struct wl_shm_listener shm_listener = { .format = shm_format };

static void kb_keymap(void *d, struct wl_keyboard *k, uint32_t fmt, int32_t fd, uint32_t size)
{
	logf_("keyboard.keymap format %u size %u", fmt, size);
	close(fd);
}
static void kb_enter(void *d, struct wl_keyboard *k, uint32_t serial,
		     struct wl_surface *surf, struct wl_array *keys)
{
	logf_("keyboard.enter serial %u", serial);
}
static void kb_leave(void *d, struct wl_keyboard *k, uint32_t serial, struct wl_surface *surf)
{
	logf_("keyboard.leave");
}
static void kb_key(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t time,
		   uint32_t key, uint32_t state)
{
	logf_("keyboard.key %u %u", key, state);
}
static void kb_modifiers(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t dep,
			 uint32_t lat, uint32_t lock, uint32_t group)
{
	logf_("keyboard.modifiers %u %u %u %u", dep, lat, lock, group);
}
static void kb_repeat(void *d, struct wl_keyboard *k, int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = kb_keymap, .enter = kb_enter, .leave = kb_leave,
	.key = kb_key, .modifiers = kb_modifiers, .repeat_info = kb_repeat,
};

static void ptr_enter(void *d, struct wl_pointer *p, uint32_t serial,
		      struct wl_surface *surf, wl_fixed_t x, wl_fixed_t y)
{
	logf_("pointer.enter %.0f,%.0f", wl_fixed_to_double(x), wl_fixed_to_double(y));
}
static void ptr_leave(void *d, struct wl_pointer *p, uint32_t serial, struct wl_surface *surf)
{
	logf_("pointer.leave");
}
static void ptr_motion(void *d, struct wl_pointer *p, uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	logf_("pointer.motion %.0f,%.0f", wl_fixed_to_double(x), wl_fixed_to_double(y));
}
static void ptr_button(void *d, struct wl_pointer *p, uint32_t serial, uint32_t time,
		       uint32_t button, uint32_t state)
{
	logf_("pointer.button 0x%x %u", button, state);
}
static void ptr_axis(void *d, struct wl_pointer *p, uint32_t time, uint32_t axis, wl_fixed_t v)
{
	logf_("pointer.axis %u %.2f", axis, wl_fixed_to_double(v));
}

static void ptr_frame(void *d, struct wl_pointer *p) {}
static void ptr_axis_source(void *d, struct wl_pointer *p, uint32_t source) {}
static void ptr_axis_stop(void *d, struct wl_pointer *p, uint32_t time, uint32_t axis) {}
static void ptr_axis_discrete(void *d, struct wl_pointer *p, uint32_t axis, int32_t n) {}

static const struct wl_pointer_listener pointer_listener = {
	.enter = ptr_enter, .leave = ptr_leave, .motion = ptr_motion,
	.button = ptr_button, .axis = ptr_axis, .frame = ptr_frame,
	.axis_source = ptr_axis_source, .axis_stop = ptr_axis_stop,
	.axis_discrete = ptr_axis_discrete,
};

static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct solid *s = data;

	logf_("seat.capabilities %u", caps);
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !s->keyboard) {
		s->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(s->keyboard, &keyboard_listener, s);
	} else if (!(caps & WL_SEAT_CAPABILITY_KEYBOARD) && s->keyboard) {
		wl_keyboard_destroy(s->keyboard);
		s->keyboard = NULL;
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !s->pointer) {
		s->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(s->pointer, &pointer_listener, s);
	} else if (!(caps & WL_SEAT_CAPABILITY_POINTER) && s->pointer) {
		wl_pointer_destroy(s->pointer);
		s->pointer = NULL;
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
	logf_("seat.name %s", name);
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_caps, .name = seat_name,
};

static void registry_global(void *data, struct wl_registry *reg, uint32_t name,
			    const char *iface, uint32_t version)
{
	struct solid *s = data;

	if (strcmp(iface, wl_compositor_interface.name) == 0) {
		s->compositor_version = version < 4 ? version : 4;
		s->compositor = wl_registry_bind(reg, name, &wl_compositor_interface,
						 s->compositor_version);
	} else if (strcmp(iface, wl_shm_interface.name) == 0) {
		s->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
		wl_shm_add_listener(s->shm, &shm_listener, s);
	} else if (strcmp(iface, xdg_wm_base_interface.name) == 0) {
		s->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(s->wm_base, &wm_listener, s);
	} else if (strcmp(iface, wl_subcompositor_interface.name) == 0) {
		s->subcompositor = wl_registry_bind(reg, name, &wl_subcompositor_interface, 1);
	} else if (strcmp(iface, wp_viewporter_interface.name) == 0) {
		s->viewporter = wl_registry_bind(reg, name, &wp_viewporter_interface, 1);
	} else if (strcmp(iface, wl_seat_interface.name) == 0 && !s->seat) {
		s->seat = wl_registry_bind(reg, name, &wl_seat_interface,
					   version < 5 ? version : 5);
		wl_seat_add_listener(s->seat, &seat_listener, s);
	}
}

static void registry_remove(void *data, struct wl_registry *reg, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global, .global_remove = registry_remove,
};

static const struct format_info *find_format(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

static bool parse_size(const char *arg, int *w, int *h)
{
	return sscanf(arg, "%dx%d", w, h) == 2 && *w > 0 && *h > 0 &&
	       *w <= SOLID_MAX_DIM && *h <= SOLID_MAX_DIM;
}

static int usage(void)
{
	fprintf(stderr, "usage: solid [--color C] [--size WxH] [--format F] [--scale N]\n"
			"  [--viewport WxH] [--fullscreen] [--stride-pad N] [--offset N]\n"
			"  [--update X,Y,W,H=C]... [--damage buffer|surface] [--app-id ID]\n"
			"  [--title T] [--list-formats] [--exit-after-updates]\n");
	return 1;
}

static bool parse_args(struct solid *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "color", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "scale", required_argument, NULL, 'S' },
		{ "viewport", required_argument, NULL, 'v' },
		{ "fullscreen", no_argument, NULL, 'F' },
		{ "stride-pad", required_argument, NULL, 'p' },
		{ "offset", required_argument, NULL, 'o' },
		{ "pool-resize", no_argument, NULL, 'r' },
		{ "popup", required_argument, NULL, 'P' },
		{ "viewport-source", required_argument, NULL, 'V' },
		{ "subsurface", required_argument, NULL, 'b' },
		{ "update", required_argument, NULL, 'u' },
		{ "paint", required_argument, NULL, 'i' },
		{ "damage", required_argument, NULL, 'd' },
		{ "app-id", required_argument, NULL, 'a' },
		{ "title", required_argument, NULL, 't' },
		{ "list-formats", no_argument, NULL, 'l' },
		{ "exit-after-updates", no_argument, NULL, 'x' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_hex32(optarg, &s->colour))
				return false;
			break;
		case 's':
			if (!parse_size(optarg, &s->width, &s->height))
				return false;
			break;
		case 'f':
			s->format = find_format(optarg);
			if (!s->format) {
				fprintf(stderr, "solid: unknown format %s\n", optarg);
				return false;
			}
			break;
		case 'S':
			s->scale = atoi(optarg);
			if (s->scale < 1 || s->scale > 8)
				return false;
			break;
		case 'v':
			if (!parse_size(optarg, &s->viewport_w, &s->viewport_h))
				return false;
			break;
		case 'F':
			s->fullscreen = true;
			break;
		case 'p':
			s->stride_pad = atoi(optarg);
			if (s->stride_pad < 0 || s->stride_pad > 4096)
				return false;
			break;
		case 'r':
			s->pool_resize = true;
			break;
		case 'P': {
			char colour[16];
			if (sscanf(optarg, "%d,%d,%dx%d=%15s", &s->popup_x, &s->popup_y,
				   &s->popup_w, &s->popup_h, colour) != 5 ||
			    !parse_hex32(colour, &s->popup_colour) || s->popup_w <= 0 ||
			    s->popup_h <= 0 || s->popup_w > SOLID_MAX_DIM || s->popup_h > SOLID_MAX_DIM)
				return false;
			break;
		}
		case 'V':
			if (sscanf(optarg, "%d,%d,%d,%d", &s->src_x, &s->src_y, &s->src_w,
				   &s->src_h) != 4 || s->src_x < 0 || s->src_y < 0 ||
			    s->src_w <= 0 || s->src_h <= 0)
				return false;
			break;
		case 'b': {
			char colour[16];
			if (sscanf(optarg, "%d,%d,%dx%d=%15s", &s->sub_x, &s->sub_y,
				   &s->sub_w, &s->sub_h, colour) != 5 ||
			    !parse_hex32(colour, &s->sub_colour) || s->sub_w <= 0 ||
			    s->sub_h <= 0 || s->sub_w > SOLID_MAX_DIM || s->sub_h > SOLID_MAX_DIM)
				return false;
			break;
		}
		case 'o':
			s->offset = atoi(optarg);
			if (s->offset < 0 || s->offset > (1 << 24))
				return false;
			break;
		case 'u': {
			struct update *u = &s->updates[s->n_updates];
			char colour[16];
			if (s->n_updates == SOLID_MAX_UPDATES ||
			    sscanf(optarg, "%d,%d,%d,%d=%15s", &u->x, &u->y, &u->w,
				   &u->h, colour) != 5 ||
			    !parse_hex32(colour, &u->colour) || u->x < 0 || u->y < 0 ||
			    u->w <= 0 || u->h <= 0)
				return false;
			s->n_updates++;
			break;
		}
		case 'i': {
			struct update *u = &s->paints[s->n_paints];
			char colour[16];
			if (s->n_paints == SOLID_MAX_UPDATES ||
			    sscanf(optarg, "%d,%d,%d,%d=%15s", &u->x, &u->y, &u->w,
				   &u->h, colour) != 5 ||
			    !parse_hex32(colour, &u->colour) || u->x < 0 || u->y < 0 ||
			    u->w <= 0 || u->h <= 0)
				return false;
			s->n_paints++;
			break;
		}
		case 'd':
			if (strcmp(optarg, "buffer") == 0)
				s->damage_buffer = true;
			else if (strcmp(optarg, "surface") == 0)
				s->damage_buffer = false;
			else
				return false;
			break;
		case 'a':
			s->app_id = optarg;
			break;
		case 't':
			s->title = optarg;
			break;
		case 'l':
			s->list_formats = true;
			break;
		case 'x':
			s->exit_after_updates = true;
			break;
		default:
			return false;
		}
	}
	for (int i = 0; i < s->n_updates; i++) {
		struct update *u = &s->updates[i];
		if (u->x + u->w > s->width || u->y + u->h > s->height) {
			fprintf(stderr, "solid: update %d outside the buffer\n", i + 1);
			return false;
		}
	}
	return optind == argc;
}

static bool host_has_format(struct solid *s, uint32_t code)
{
	for (int i = 0; i < s->n_shm_formats; i++)
		if (s->shm_formats[i] == code)
			return true;
	return false;
}

/* A synchronized child: its buffer and position take effect with the
 * parent's first commit. */
/* A single ARGB8888 buffer of one colour, for subsurfaces and popups. */
static struct wl_buffer *plain_buffer(struct solid *s, int w, int h, uint32_t colour)
{
	size_t size = (size_t)w * h * 4;
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer;
	uint32_t *px;
	int fd;

	fd = shm_alloc(size);
	px = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (size_t i = 0; i < size / 4; i++)
		px[i] = colour;
	munmap(px, size);
	pool = wl_shm_create_pool(s->shm, fd, (int32_t)size);
	buffer = wl_shm_pool_create_buffer(pool, 0, w, h, w * 4, WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
}

static bool create_subsurface(struct solid *s)
{
	struct wl_buffer *buffer;

	if (!s->subcompositor) {
		logf_("host lacks wl_subcompositor");
		return false;
	}
	buffer = plain_buffer(s, s->sub_w, s->sub_h, s->sub_colour);
	if (!buffer)
		return false;
	s->sub_surface = wl_compositor_create_surface(s->compositor);
	s->subsurface = wl_subcompositor_get_subsurface(s->subcompositor, s->sub_surface,
							s->surface);
	wl_subsurface_set_position(s->subsurface, s->sub_x, s->sub_y);
	wl_surface_attach(s->sub_surface, buffer, 0, 0);
	wl_surface_damage(s->sub_surface, 0, 0, s->sub_w, s->sub_h);
	wl_surface_commit(s->sub_surface);
	logf_("subsurface %dx%d at %d,%d", s->sub_w, s->sub_h, s->sub_x, s->sub_y);
	return true;
}

static void popup_xdg_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct solid *s = data;

	xdg_surface_ack_configure(xs, serial);
	logf_("popup xdg_surface.configure serial %u", serial);
	if (!s->popup_shown) {
		wl_surface_attach(s->popup_surface, s->popup_buffer, 0, 0);
		wl_surface_damage(s->popup_surface, 0, 0, s->popup_w, s->popup_h);
		s->popup_shown = true;
	}
	wl_surface_commit(s->popup_surface);
}

static const struct xdg_surface_listener popup_xdg_listener = {
	.configure = popup_xdg_configure,
};

static void popup_configure(void *data, struct xdg_popup *p, int32_t x, int32_t y,
			    int32_t w, int32_t h)
{
	logf_("xdg_popup.configure %d,%d %dx%d", x, y, w, h);
}

static void popup_done(void *data, struct xdg_popup *p)
{
	logf_("xdg_popup.popup_done");
}

static void popup_repositioned(void *data, struct xdg_popup *p, uint32_t token)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = popup_configure,
	.popup_done = popup_done,
	.repositioned = popup_repositioned,
};

/* A popup whose top-left corner sits at popup_x,popup_y of the window. */
static void create_popup(struct solid *s)
{
	struct xdg_positioner *pos = xdg_wm_base_create_positioner(s->wm_base);

	s->popup_buffer = plain_buffer(s, s->popup_w, s->popup_h, s->popup_colour);
	xdg_positioner_set_size(pos, s->popup_w, s->popup_h);
	xdg_positioner_set_anchor_rect(pos, s->popup_x, s->popup_y, 1, 1);
	xdg_positioner_set_anchor(pos, XDG_POSITIONER_ANCHOR_TOP_LEFT);
	xdg_positioner_set_gravity(pos, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
	s->popup_surface = wl_compositor_create_surface(s->compositor);
	s->popup_xdg = xdg_wm_base_get_xdg_surface(s->wm_base, s->popup_surface);
	xdg_surface_add_listener(s->popup_xdg, &popup_xdg_listener, s);
	s->popup = xdg_surface_get_popup(s->popup_xdg, s->xdg_surface, pos);
	xdg_popup_add_listener(s->popup, &popup_listener, s);
	xdg_positioner_destroy(pos);
	wl_surface_commit(s->popup_surface);
	logf_("popup %dx%d requested at %d,%d", s->popup_w, s->popup_h, s->popup_x, s->popup_y);
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct solid s = {
		.colour = 0xffff00ff, .width = 200, .height = 150, .scale = 1,
		.damage_buffer = true, .app_id = "solid", .title = "solid", .front = -1,
	};
	int ret = 1;

	s.format = &formats[0];
	if (!parse_args(&s, argc, argv))
		return usage();
	s.display = wl_display_connect(NULL);
	if (!s.display) {
		logf_("cannot connect to the display");
		return 1;
	}
	s.registry = wl_display_get_registry(s.display);
	wl_registry_add_listener(s.registry, &registry_listener, &s);
	if (wl_display_roundtrip(s.display) < 0 || wl_display_roundtrip(s.display) < 0)
		goto out;
	if (s.list_formats) {
		for (int i = 0; i < s.n_shm_formats; i++) {
			const char *name = NULL;
			for (size_t j = 0; j < sizeof(formats) / sizeof(formats[0]); j++)
				if (formats[j].code == s.shm_formats[i])
					name = formats[j].name;
			if (name)
				printf("%s\n", name);
		}
		ret = 0;
		goto out;
	}
	if (!s.compositor || !s.shm || !s.wm_base) {
		logf_("host lacks wl_compositor, wl_shm or xdg_wm_base");
		goto out;
	}
	if (!host_has_format(&s, s.format->code)) {
		logf_("host does not offer format %s", s.format->name);
		ret = 77;
		goto out;
	}
	if (((s.viewport_w || s.src_w) && !s.viewporter) ||
	    (s.n_updates && s.damage_buffer && s.compositor_version < 4)) {
		logf_("host lacks wp_viewporter or wl_surface.damage_buffer");
		ret = 77;
		goto out;
	}
	if (s.width % s.scale || s.height % s.scale) {
		logf_("buffer size must be a multiple of the scale");
		goto out;
	}
	s.surface = wl_compositor_create_surface(s.compositor);
	if (s.scale > 1)
		wl_surface_set_buffer_scale(s.surface, s.scale);
	if (s.viewport_w || s.src_w) {
		s.viewport = wp_viewporter_get_viewport(s.viewporter, s.surface);
		if (s.viewport_w)
			wp_viewport_set_destination(s.viewport, s.viewport_w, s.viewport_h);
		/* wl_fixed arguments; a quarter is added and taken away again so
		 * a forwarder that rounds them shows up */
		if (s.src_w)
			wp_viewport_set_source(s.viewport,
					       wl_fixed_from_double(s.src_x + 0.25) - wl_fixed_from_double(0.25),
					       wl_fixed_from_int(s.src_y), wl_fixed_from_int(s.src_w),
					       wl_fixed_from_int(s.src_h));
	}
	s.xdg_surface = xdg_wm_base_get_xdg_surface(s.wm_base, s.surface);
	xdg_surface_add_listener(s.xdg_surface, &xdg_surface_listener, &s);
	s.toplevel = xdg_surface_get_toplevel(s.xdg_surface);
	xdg_toplevel_add_listener(s.toplevel, &toplevel_listener, &s);
	xdg_toplevel_set_app_id(s.toplevel, s.app_id);
	if (*s.title)	/* --title "": a toplevel that sets none */
		xdg_toplevel_set_title(s.toplevel, s.title);
	if (s.fullscreen)
		xdg_toplevel_set_fullscreen(s.toplevel, NULL);
	if (s.sub_w && !create_subsurface(&s)) {
		ret = 77;
		goto out;
	}
	wl_surface_commit(s.surface);

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop && !s.closed && !s.failed) {
		struct pollfd pfd = { .fd = wl_display_get_fd(s.display), .events = POLLIN };

		if (s.configured && !s.frame_pending && s.next_update < s.n_updates)
			apply_update(&s);
		if (s.configured && s.frames > 0 && s.popup_w && !s.popup_surface)
			create_popup(&s);
		if (s.exit_after_updates && s.configured && !s.frame_pending &&
		    s.next_update == s.n_updates) {
			ret = 0;
			goto out;
		}
		while (wl_display_prepare_read(s.display) != 0)
			wl_display_dispatch_pending(s.display);
		if (wl_display_flush(s.display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(s.display);
			break;
		}
		if (poll(&pfd, 1, -1) < 0) {
			wl_display_cancel_read(s.display);
			if (errno == EINTR)
				continue;
			break;
		}
		if (wl_display_read_events(s.display) < 0)
			break;
		if (wl_display_dispatch_pending(s.display) < 0)
			break;
	}
	if (wl_display_get_error(s.display)) {
		logf_("display error %d", wl_display_get_error(s.display));
		goto out;
	}
	ret = s.failed ? 1 : 0;
out:
	destroy_buffers(&s);
	wl_display_disconnect(s.display);
	return ret;
}
