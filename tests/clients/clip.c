// SPDX-License-Identifier: MIT
/*
 * clip: clipboard and primary-selection endpoint that behaves like an
 * ordinary focused application (wl_data_device or zwp_primary_selection,
 * never data-control), so the proxied path is the one real programs use.
 *
 *   clip copy FILE [--primary] [--mime TYPE]
 *       maps a small window; on keyboard focus offers FILE's bytes as the
 *       selection and serves every request for it; exits 0 when another
 *       client takes the selection over (cancelled)
 *   clip paste OUT [--primary] [--mime TYPE] [--timeout SECS]
 *       maps a small window; once focused and offered a selection of TYPE,
 *       reads it into OUT and exits 0
 * Default TYPE: application/octet-stream.  Logs on stderr, prefixed "clip:".
 * Exit 77 when the host lacks the protocol asked for.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "common.h"

#define CLIP_MAX_MIMES 32
#define CLIP_MAX_BYTES (64u << 20)

struct offer {
	struct wl_data_offer *data;
	struct zwp_primary_selection_offer_v1 *primary;
	char *mimes[CLIP_MAX_MIMES];
	int n_mimes;
};

struct clip {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_data_device_manager *ddm;
	struct wl_data_device *data_device;
	struct zwp_primary_selection_device_manager_v1 *psm;
	struct zwp_primary_selection_device_v1 *primary_device;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_buffer *buffer;

	bool copy, primary;
	const char *path, *mime;
	double timeout;

	uint32_t enter_serial;
	bool focused, offered, done, failed;
	struct offer *selection; /* current selection offer, may be NULL */
	int served;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "clip: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void offer_free(struct offer *o)
{
	if (!o)
		return;
	for (int i = 0; i < o->n_mimes; i++)
		free(o->mimes[i]);
	if (o->data)
		wl_data_offer_destroy(o->data);
	if (o->primary)
		zwp_primary_selection_offer_v1_destroy(o->primary);
	free(o);
}

static void offer_add_mime(struct offer *o, const char *mime)
{
	if (o->n_mimes < CLIP_MAX_MIMES)
		o->mimes[o->n_mimes++] = strdup(mime);
}

static bool offer_has(const struct offer *o, const char *mime)
{
	for (int i = 0; i < o->n_mimes; i++)
		if (o->mimes[i] && strcmp(o->mimes[i], mime) == 0)
			return true;
	return false;
}

/* ---- serving the selection (copy) ---- */

static void serve(struct clip *c, const char *mime, int fd)
{
	logf_("send request for %s", mime);
	if (strcmp(mime, c->mime) != 0) {
		close(fd);
		return;
	}
	write_file_in_child(c->path, fd);
	c->served++;
}

static void ds_target(void *d, struct wl_data_source *s, const char *mime) {}
static void ds_send(void *d, struct wl_data_source *s, const char *mime, int32_t fd)
{
	serve(d, mime, fd);
}
static void ds_cancelled(void *d, struct wl_data_source *s)
{
	struct clip *c = d;

	logf_("selection cancelled after %d transfers", c->served);
	c->done = true;
}
static const struct wl_data_source_listener data_source_listener = {
	.target = ds_target, .send = ds_send, .cancelled = ds_cancelled,
};

static void ps_send(void *d, struct zwp_primary_selection_source_v1 *s,
		    const char *mime, int32_t fd)
{
	serve(d, mime, fd);
}
static void ps_cancelled(void *d, struct zwp_primary_selection_source_v1 *s)
{
	struct clip *c = d;

	logf_("primary selection cancelled after %d transfers", c->served);
	c->done = true;
}
static const struct zwp_primary_selection_source_v1_listener primary_source_listener = {
	.send = ps_send, .cancelled = ps_cancelled,
};

static void offer_selection(struct clip *c)
{
	if (c->primary) {
		struct zwp_primary_selection_source_v1 *s =
			zwp_primary_selection_device_manager_v1_create_source(c->psm);
		zwp_primary_selection_source_v1_add_listener(s, &primary_source_listener, c);
		zwp_primary_selection_source_v1_offer(s, c->mime);
		zwp_primary_selection_device_v1_set_selection(c->primary_device, s,
							      c->enter_serial);
	} else {
		struct wl_data_source *s = wl_data_device_manager_create_data_source(c->ddm);
		wl_data_source_add_listener(s, &data_source_listener, c);
		wl_data_source_offer(s, c->mime);
		wl_data_device_set_selection(c->data_device, s, c->enter_serial);
	}
	c->offered = true;
	logf_("%s offered as %s", c->primary ? "primary selection" : "selection", c->mime);
}

/* ---- receiving the selection (paste) ---- */

static void try_paste(struct clip *c)
{
	struct offer *o = c->selection;
	int p[2], out;
	char buf[65536];
	size_t total = 0;
	ssize_t n;

	if (c->copy || c->done || !c->focused || !o || !offer_has(o, c->mime))
		return;
	if (pipe2(p, O_CLOEXEC) < 0) {
		c->failed = true;
		return;
	}
	if (o->primary)
		zwp_primary_selection_offer_v1_receive(o->primary, c->mime, p[1]);
	else
		wl_data_offer_receive(o->data, c->mime, p[1]);
	close(p[1]);
	wl_display_flush(c->display);
	out = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(p[0]);
		c->failed = true;
		return;
	}
	/* The source may be this very process only in copy mode, so reading
	 * here without dispatching cannot deadlock. */
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		total += (size_t)n;
		if (total > CLIP_MAX_BYTES || write(out, buf, (size_t)n) != n) {
			c->failed = true;
			break;
		}
	}
	if (n < 0)
		c->failed = true;
	close(p[0]);
	if (close(out) < 0)
		c->failed = true;
	logf_("received %zu bytes of %s", total, c->mime);
	c->done = true;
}

static void do_offer(void *d, struct wl_data_offer *o, const char *mime)
{
	offer_add_mime(wl_data_offer_get_user_data(o), mime);
}
static void do_source_actions(void *d, struct wl_data_offer *o, uint32_t a) {}
static void do_action(void *d, struct wl_data_offer *o, uint32_t a) {}
static const struct wl_data_offer_listener data_offer_listener = {
	.offer = do_offer, .source_actions = do_source_actions, .action = do_action,
};

static void dd_data_offer(void *d, struct wl_data_device *dd, struct wl_data_offer *wo)
{
	struct offer *o = calloc(1, sizeof(*o));

	if (!o) {
		wl_data_offer_destroy(wo);
		return;
	}
	o->data = wo;
	wl_data_offer_add_listener(wo, &data_offer_listener, o);
	wl_data_offer_set_user_data(wo, o);
}
static void dd_enter(void *d, struct wl_data_device *dd, uint32_t serial,
		     struct wl_surface *s, wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *o) {}
static void dd_leave(void *d, struct wl_data_device *dd) {}
static void dd_motion(void *d, struct wl_data_device *dd, uint32_t t, wl_fixed_t x, wl_fixed_t y) {}
static void dd_drop(void *d, struct wl_data_device *dd) {}
static void dd_selection(void *d, struct wl_data_device *dd, struct wl_data_offer *wo)
{
	struct clip *c = d;

	if (c->primary)
		return;
	if (c->selection && c->selection->data != wo)
		offer_free(c->selection);
	c->selection = wo ? wl_data_offer_get_user_data(wo) : NULL;
	logf_("selection %s", wo ? "offered" : "cleared");
	try_paste(c);
}
static const struct wl_data_device_listener data_device_listener = {
	.data_offer = dd_data_offer, .enter = dd_enter, .leave = dd_leave,
	.motion = dd_motion, .drop = dd_drop, .selection = dd_selection,
};

static void po_offer(void *d, struct zwp_primary_selection_offer_v1 *o, const char *mime)
{
	offer_add_mime(zwp_primary_selection_offer_v1_get_user_data(o), mime);
}
static const struct zwp_primary_selection_offer_v1_listener primary_offer_listener = {
	.offer = po_offer,
};

static void pd_data_offer(void *d, struct zwp_primary_selection_device_v1 *pd,
			  struct zwp_primary_selection_offer_v1 *po)
{
	struct offer *o = calloc(1, sizeof(*o));

	if (!o) {
		zwp_primary_selection_offer_v1_destroy(po);
		return;
	}
	o->primary = po;
	zwp_primary_selection_offer_v1_add_listener(po, &primary_offer_listener, o);
	zwp_primary_selection_offer_v1_set_user_data(po, o);
}
static void pd_selection(void *d, struct zwp_primary_selection_device_v1 *pd,
			 struct zwp_primary_selection_offer_v1 *po)
{
	struct clip *c = d;

	if (!c->primary)
		return;
	if (c->selection && c->selection->primary != po)
		offer_free(c->selection);
	c->selection = po ? zwp_primary_selection_offer_v1_get_user_data(po) : NULL;
	logf_("primary selection %s", po ? "offered" : "cleared");
	try_paste(c);
}
static const struct zwp_primary_selection_device_v1_listener primary_device_listener = {
	.data_offer = pd_data_offer, .selection = pd_selection,
};

/* ---- window and focus ---- */

static void kb_keymap(void *d, struct wl_keyboard *k, uint32_t f, int32_t fd, uint32_t s)
{
	close(fd);
}
static void kb_enter(void *d, struct wl_keyboard *k, uint32_t serial,
		     struct wl_surface *s, struct wl_array *keys)
{
	struct clip *c = d;

	logf_("keyboard.enter serial %u", serial);
	c->focused = true;
	c->enter_serial = serial;
	if (c->copy && !c->offered)
		offer_selection(c);
	try_paste(c);
}
static void kb_leave(void *d, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
	logf_("keyboard.leave");
}
static void kb_key(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t t,
		   uint32_t key, uint32_t state) {}
static void kb_mods(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t a,
		    uint32_t b, uint32_t cc, uint32_t g) {}
static void kb_repeat(void *d, struct wl_keyboard *k, int32_t r, int32_t dl) {}
static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = kb_keymap, .enter = kb_enter, .leave = kb_leave, .key = kb_key,
	.modifiers = kb_mods, .repeat_info = kb_repeat,
};

static void seat_caps(void *d, struct wl_seat *seat, uint32_t caps)
{
	struct clip *c = d;

	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !c->keyboard) {
		c->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(c->keyboard, &keyboard_listener, c);
	}
}
static void seat_name(void *d, struct wl_seat *s, const char *n) {}
static const struct wl_seat_listener seat_listener = { seat_caps, seat_name };

static void xs_configure(void *d, struct xdg_surface *xs, uint32_t serial)
{
	struct clip *c = d;

	xdg_surface_ack_configure(xs, serial);
	wl_surface_attach(c->surface, c->buffer, 0, 0);
	wl_surface_damage(c->surface, 0, 0, 64, 64);
	wl_surface_commit(c->surface);
}
static const struct xdg_surface_listener xdg_surface_listener = { xs_configure };

static void tl_configure(void *d, struct xdg_toplevel *t, int32_t w, int32_t h,
			 struct wl_array *s) {}
static void tl_close(void *d, struct xdg_toplevel *t) {}
static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = tl_configure, .close = tl_close,
};

static void wm_ping(void *d, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}
static const struct xdg_wm_base_listener wm_listener = { wm_ping };

static void global(void *d, struct wl_registry *reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct clip *c = d;

	if (strcmp(iface, "wl_compositor") == 0)
		c->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	else if (strcmp(iface, "wl_shm") == 0)
		c->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, "xdg_wm_base") == 0) {
		c->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(c->wm_base, &wm_listener, c);
	} else if (strcmp(iface, "wl_seat") == 0 && !c->seat) {
		c->seat = wl_registry_bind(reg, name, &wl_seat_interface, 1);
		wl_seat_add_listener(c->seat, &seat_listener, c);
	} else if (strcmp(iface, "wl_data_device_manager") == 0)
		c->ddm = wl_registry_bind(reg, name, &wl_data_device_manager_interface,
					  version < 3 ? version : 3);
	else if (strcmp(iface, zwp_primary_selection_device_manager_v1_interface.name) == 0)
		c->psm = wl_registry_bind(reg, name,
					  &zwp_primary_selection_device_manager_v1_interface, 1);
}
static void global_remove(void *d, struct wl_registry *r, uint32_t n) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static int usage(void)
{
	fprintf(stderr, "usage: clip copy FILE|paste OUT [--primary] [--mime TYPE] "
			"[--timeout SECS]\n");
	return 1;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct clip c = { .mime = "application/octet-stream", .timeout = 30 };
	double deadline;
	int fd, ret = 1;
	uint32_t *px;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "copy") == 0)
		c.copy = true;
	else if (strcmp(argv[1], "paste") != 0)
		return usage();
	c.path = argv[2];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--primary") == 0)
			c.primary = true;
		else if (strcmp(argv[i], "--mime") == 0 && i + 1 < argc)
			c.mime = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			c.timeout = atof(argv[++i]);
		else
			return usage();
	}
	signal(SIGCHLD, SIG_IGN); /* writer children reap themselves */
	signal(SIGPIPE, SIG_IGN);
	c.display = wl_display_connect(NULL);
	if (!c.display) {
		logf_("cannot connect");
		return 1;
	}
	wl_registry_add_listener(wl_display_get_registry(c.display), &registry_listener, &c);
	wl_display_roundtrip(c.display);
	if (!c.compositor || !c.shm || !c.wm_base || !c.seat) {
		logf_("host lacks wl_compositor, wl_shm, xdg_wm_base or wl_seat");
		return 77;
	}
	if (c.primary ? !c.psm : !c.ddm) {
		logf_("host lacks %s", c.primary ? "zwp_primary_selection_device_manager_v1"
						 : "wl_data_device_manager");
		return 77;
	}
	if (c.primary) {
		c.primary_device = zwp_primary_selection_device_manager_v1_get_device(c.psm, c.seat);
		zwp_primary_selection_device_v1_add_listener(c.primary_device,
							     &primary_device_listener, &c);
	} else {
		c.data_device = wl_data_device_manager_get_data_device(c.ddm, c.seat);
		wl_data_device_add_listener(c.data_device, &data_device_listener, &c);
	}
	fd = shm_alloc(64 * 64 * 4);
	px = fd < 0 ? MAP_FAILED : mmap(NULL, 64 * 64 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED)
		return 1;
	for (int i = 0; i < 64 * 64; i++)
		px[i] = c.copy ? 0xff0000c0 : 0xff00c000;
	{
		struct wl_shm_pool *pool = wl_shm_create_pool(c.shm, fd, 64 * 64 * 4);
		c.buffer = wl_shm_pool_create_buffer(pool, 0, 64, 64, 256, WL_SHM_FORMAT_XRGB8888);
		wl_shm_pool_destroy(pool);
		close(fd);
	}
	c.surface = wl_compositor_create_surface(c.compositor);
	c.xdg_surface = xdg_wm_base_get_xdg_surface(c.wm_base, c.surface);
	xdg_surface_add_listener(c.xdg_surface, &xdg_surface_listener, &c);
	c.toplevel = xdg_surface_get_toplevel(c.xdg_surface);
	xdg_toplevel_add_listener(c.toplevel, &toplevel_listener, &c);
	xdg_toplevel_set_app_id(c.toplevel, c.copy ? "clip-copy" : "clip-paste");
	xdg_toplevel_set_title(c.toplevel, "clip");
	wl_surface_commit(c.surface);

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	deadline = now_seconds() + c.timeout;
	while (!stop && !c.done && !c.failed) {
		struct pollfd p = { .fd = wl_display_get_fd(c.display), .events = POLLIN };
		double left = deadline - now_seconds();

		if (!c.copy && left <= 0) {
			logf_("timed out (focused %d, selection %s)", c.focused,
			      c.selection ? "offered" : "none");
			goto out;
		}
		while (wl_display_prepare_read(c.display) != 0)
			wl_display_dispatch_pending(c.display);
		wl_display_flush(c.display);
		if (poll(&p, 1, c.copy ? -1 : (int)(left * 1000) + 1) < 0) {
			wl_display_cancel_read(c.display);
			if (errno == EINTR)
				continue;
			break;
		}
		if (wl_display_read_events(c.display) < 0 ||
		    wl_display_dispatch_pending(c.display) < 0) {
			logf_("connection lost (error %d)", wl_display_get_error(c.display));
			goto out;
		}
	}
	ret = c.failed ? 1 : 0;
out:
	offer_free(c.selection);
	wl_display_disconnect(c.display);
	return ret;
}
