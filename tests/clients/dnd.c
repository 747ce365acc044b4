// SPDX-License-Identifier: MIT
/*
 * dnd: both ends of a Wayland drag and drop (wl_data_device v3), as an
 * ordinary application does it, for the proxy tests.
 *
 *   dnd source FILE [--mime TYPE] [--colour RRGGBB]
 *       maps a 120x90 window; when a pointer button is pressed in it,
 *       starts a drag offering FILE's bytes as TYPE (action copy) and
 *       serves every request for them.  Exits 0 once the target has
 *       finished with the drop, 3 if the drag was cancelled.
 *   dnd target OUT [--mime TYPE] [--colour RRGGBB] [--timeout SECS]
 *       maps a 120x90 window; accepts a drag offering TYPE that enters
 *       it, and on the drop reads the bytes into OUT, finishes and
 *       exits 0.
 * Default TYPE: application/octet-stream; colours: source 0000C0, target
 * 00C000.  Progress lines go to stdout ("dnd: drag started",
 * "dnd: entered", "dnd: dropped N bytes"), errors to stderr.
 * Exit 77 when the host lacks what is needed.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "common.h"

#define WIDTH 120
#define HEIGHT 90
#define DND_MAX_BYTES (64u << 20)

struct dnd {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_data_device_manager *ddm;
	struct wl_data_device *data_device;
	struct wl_surface *surface;
	struct wl_buffer *buffer;

	bool source;
	const char *path, *mime;
	uint32_t colour;
	double timeout;

	bool configured, dragging, done, failed;
	int status;
	struct wl_data_offer *offer;	/* the offer of the drag over us */
	bool offer_has_mime;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("dnd: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- source ---- */

static void ds_send(void *data, struct wl_data_source *s, const char *mime, int32_t fd)
{
	struct dnd *d = data;

	if (strcmp(mime, d->mime) != 0) {
		close(fd);
		return;
	}
	write_file_in_child(d->path, fd);
	say("sending %s", mime);
}

static void ds_target(void *data, struct wl_data_source *s, const char *mime)
{
	if (mime)
		say("target accepts %s", mime);
}

static void ds_cancelled(void *data, struct wl_data_source *s)
{
	struct dnd *d = data;

	say("drag cancelled");
	d->status = 3;
	d->done = true;
}

static void ds_drop_performed(void *data, struct wl_data_source *s)
{
	say("drop performed");
}

static void ds_finished(void *data, struct wl_data_source *s)
{
	struct dnd *d = data;

	say("drag finished");
	d->status = 0;
	d->done = true;
}

static void ds_action(void *data, struct wl_data_source *s, uint32_t action)
{
	say("action %u", action);
}

static const struct wl_data_source_listener source_listener = {
	.target = ds_target,
	.send = ds_send,
	.cancelled = ds_cancelled,
	.dnd_drop_performed = ds_drop_performed,
	.dnd_finished = ds_finished,
	.action = ds_action,
};

static void start_drag(struct dnd *d, uint32_t serial)
{
	struct wl_data_source *source = wl_data_device_manager_create_data_source(d->ddm);

	wl_data_source_add_listener(source, &source_listener, d);
	wl_data_source_offer(source, d->mime);
	wl_data_source_set_actions(source, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	wl_data_device_start_drag(d->data_device, source, d->surface, NULL, serial);
	d->dragging = true;
	say("drag started");
}

static void p_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s,
		    wl_fixed_t x, wl_fixed_t y) {}
static void p_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s) {}
static void p_motion(void *data, struct wl_pointer *p, uint32_t t, wl_fixed_t x, wl_fixed_t y) {}
static void p_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t t,
		     uint32_t button, uint32_t state)
{
	struct dnd *d = data;

	if (d->source && !d->dragging && state == WL_POINTER_BUTTON_STATE_PRESSED)
		start_drag(d, serial);
}
static void p_axis(void *data, struct wl_pointer *p, uint32_t t, uint32_t a, wl_fixed_t v) {}
static const struct wl_pointer_listener pointer_listener = {
	.enter = p_enter,
	.leave = p_leave,
	.motion = p_motion,
	.button = p_button,
	.axis = p_axis,
};

/* ---- target ---- */

static void do_offer(void *data, struct wl_data_offer *o, const char *mime)
{
	struct dnd *d = data;

	if (o == d->offer && strcmp(mime, d->mime) == 0)
		d->offer_has_mime = true;
}
static void do_source_actions(void *data, struct wl_data_offer *o, uint32_t a) {}
static void do_action(void *data, struct wl_data_offer *o, uint32_t a) {}
static const struct wl_data_offer_listener offer_listener = {
	.offer = do_offer,
	.source_actions = do_source_actions,
	.action = do_action,
};

static void forget_offer(struct dnd *d)
{
	if (d->offer)
		wl_data_offer_destroy(d->offer);
	d->offer = NULL;
	d->offer_has_mime = false;
}

static void dd_data_offer(void *data, struct wl_data_device *dd, struct wl_data_offer *o)
{
	struct dnd *d = data;

	/* every new offer is announced here; enter or selection says which
	 * it is for */
	forget_offer(d);
	d->offer = o;
	wl_data_offer_add_listener(o, &offer_listener, d);
}

static void dd_enter(void *data, struct wl_data_device *dd, uint32_t serial,
		     struct wl_surface *s, wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *o)
{
	struct dnd *d = data;

	if (d->source || !o || o != d->offer)
		return;
	if (!d->offer_has_mime) {
		say("entered by a drag without %s", d->mime);
		wl_data_offer_accept(o, serial, NULL);
		return;
	}
	wl_data_offer_accept(o, serial, d->mime);
	wl_data_offer_set_actions(o, WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY,
				  WL_DATA_DEVICE_MANAGER_DND_ACTION_COPY);
	say("entered");
}

static void dd_leave(void *data, struct wl_data_device *dd)
{
	struct dnd *d = data;

	if (!d->source && !d->done)
		forget_offer(d);
}

static void dd_motion(void *data, struct wl_data_device *dd, uint32_t t, wl_fixed_t x,
		      wl_fixed_t y) {}

static void dd_drop(void *data, struct wl_data_device *dd)
{
	struct dnd *d = data;
	char buf[65536];
	size_t total = 0;
	int fds[2], out;
	ssize_t n;

	if (d->source || !d->offer || !d->offer_has_mime)
		return;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		d->failed = true;
		return;
	}
	wl_data_offer_receive(d->offer, d->mime, fds[1]);
	close(fds[1]);
	wl_display_flush(d->display);
	out = open(d->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "dnd: cannot create %s\n", d->path);
		close(fds[0]);
		d->failed = true;
		return;
	}
	while ((n = read(fds[0], buf, sizeof(buf))) > 0 && total <= DND_MAX_BYTES) {
		if (write(out, buf, (size_t)n) != n) {
			d->failed = true;
			break;
		}
		total += (size_t)n;
	}
	close(fds[0]);
	close(out);
	if (n < 0 || total > DND_MAX_BYTES)
		d->failed = true;
	wl_data_offer_finish(d->offer);
	forget_offer(d);
	say("dropped %zu bytes", total);
	d->status = d->failed ? 1 : 0;
	d->done = true;
}

static void dd_selection(void *data, struct wl_data_device *dd, struct wl_data_offer *o)
{
	struct dnd *d = data;

	if (o && o == d->offer) {
		/* a clipboard offer, not ours to use */
		wl_data_offer_destroy(o);
		d->offer = NULL;
		d->offer_has_mime = false;
	}
}

static const struct wl_data_device_listener device_listener = {
	.data_offer = dd_data_offer,
	.enter = dd_enter,
	.leave = dd_leave,
	.motion = dd_motion,
	.drop = dd_drop,
	.selection = dd_selection,
};

/* ---- window and globals ---- */

static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct dnd *d = data;

	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !d->pointer) {
		d->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(d->pointer, &pointer_listener, d);
	}
}
static void seat_name(void *data, struct wl_seat *s, const char *n) {}
static const struct wl_seat_listener seat_listener = { seat_caps, seat_name };

static void xs_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct dnd *d = data;

	xdg_surface_ack_configure(xs, serial);
	if (!d->configured) {
		wl_surface_attach(d->surface, d->buffer, 0, 0);
		wl_surface_damage_buffer(d->surface, 0, 0, WIDTH, HEIGHT);
	}
	wl_surface_commit(d->surface);
	d->configured = true;
}
static const struct xdg_surface_listener xdg_surface_listener = { xs_configure };

static void tl_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
			 struct wl_array *states) {}
static void tl_close(void *data, struct xdg_toplevel *t) {}
static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = tl_configure,
	.close = tl_close,
};

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}
static const struct xdg_wm_base_listener wm_listener = { wm_ping };

static void global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct dnd *d = data;

	if (strcmp(iface, "wl_compositor") == 0 && version >= 4) {
		d->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 4);
	} else if (strcmp(iface, "wl_shm") == 0) {
		d->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	} else if (strcmp(iface, "xdg_wm_base") == 0) {
		d->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(d->wm_base, &wm_listener, d);
	} else if (strcmp(iface, "wl_seat") == 0 && !d->seat) {
		d->seat = wl_registry_bind(reg, name, &wl_seat_interface, 1);
		wl_seat_add_listener(d->seat, &seat_listener, d);
	} else if (strcmp(iface, "wl_data_device_manager") == 0 && version >= 3) {
		d->ddm = wl_registry_bind(reg, name, &wl_data_device_manager_interface, 3);
	}
}
static void global_remove(void *data, struct wl_registry *r, uint32_t n) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static bool make_window(struct dnd *d)
{
	struct xdg_surface *xs;
	struct xdg_toplevel *tl;
	struct wl_shm_pool *pool;
	size_t size = (size_t)WIDTH * HEIGHT * 4;
	uint32_t *px;
	int fd = shm_alloc(size);

	px = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED)
		return false;
	for (size_t i = 0; i < (size_t)WIDTH * HEIGHT; i++)
		px[i] = d->colour;
	pool = wl_shm_create_pool(d->shm, fd, (int32_t)size);
	d->buffer = wl_shm_pool_create_buffer(pool, 0, WIDTH, HEIGHT, WIDTH * 4,
					      WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	d->surface = wl_compositor_create_surface(d->compositor);
	xs = xdg_wm_base_get_xdg_surface(d->wm_base, d->surface);
	xdg_surface_add_listener(xs, &xdg_surface_listener, d);
	tl = xdg_surface_get_toplevel(xs);
	xdg_toplevel_add_listener(tl, &toplevel_listener, d);
	xdg_toplevel_set_app_id(tl, d->source ? "dnd-source" : "dnd-target");
	xdg_toplevel_set_title(tl, "dnd");
	wl_surface_commit(d->surface);
	return true;
}

static int usage(void)
{
	fprintf(stderr, "usage: dnd source FILE|target OUT [--mime TYPE] [--colour RRGGBB] "
			"[--timeout SECS]\n");
	return 2;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct dnd d = { .mime = "application/octet-stream", .timeout = 30, .status = 1 };
	double deadline;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "source") == 0)
		d.source = true;
	else if (strcmp(argv[1], "target") != 0)
		return usage();
	d.path = argv[2];
	d.colour = d.source ? 0xff0000c0u : 0xff00c000u;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--mime") == 0 && i + 1 < argc)
			d.mime = argv[++i];
		else if (strcmp(argv[i], "--colour") == 0 && i + 1 < argc) {
			if (!parse_hex32(argv[++i], &d.colour))
				return usage();
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			d.timeout = atof(argv[++i]);
		else
			return usage();
	}
	if (d.source && access(d.path, R_OK) != 0) {
		fprintf(stderr, "dnd: cannot read %s\n", d.path);
		return 1;
	}
	signal(SIGCHLD, SIG_IGN); /* writer children reap themselves */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	d.display = wl_display_connect(NULL);
	if (!d.display) {
		fprintf(stderr, "dnd: cannot connect\n");
		return 1;
	}
	wl_registry_add_listener(wl_display_get_registry(d.display), &registry_listener, &d);
	wl_display_roundtrip(d.display);
	if (!d.compositor || !d.shm || !d.wm_base || !d.seat || !d.ddm) {
		fprintf(stderr, "dnd: host lacks wl_compositor v4, wl_shm, xdg_wm_base, wl_seat "
				"or wl_data_device_manager v3\n");
		return 77;
	}
	d.data_device = wl_data_device_manager_get_data_device(d.ddm, d.seat);
	wl_data_device_add_listener(d.data_device, &device_listener, &d);
	if (!make_window(&d))
		return 1;

	deadline = now_seconds() + d.timeout;
	while (!stop && !d.done && !d.failed) {
		struct pollfd p = { .fd = wl_display_get_fd(d.display), .events = POLLIN };
		double left = deadline - now_seconds();

		if (left <= 0) {
			fprintf(stderr, "dnd: timed out\n");
			break;
		}
		while (wl_display_prepare_read(d.display) != 0)
			wl_display_dispatch_pending(d.display);
		wl_display_flush(d.display);
		if (poll(&p, 1, (int)(left * 1000) + 1) < 0) {
			wl_display_cancel_read(d.display);
			if (errno == EINTR)
				continue;
			break;
		}
		if (wl_display_read_events(d.display) < 0 ||
		    wl_display_dispatch_pending(d.display) < 0) {
			fprintf(stderr, "dnd: connection lost (error %d)\n",
				wl_display_get_error(d.display));
			break;
		}
	}
	wl_display_roundtrip(d.display);
	wl_display_disconnect(d.display);
	return d.done ? d.status : 1;
}
