// SPDX-License-Identifier: MIT
/*
 * churn: N short-lived clients in a row, each a complete small session:
 * connect, bind, map a 64x64 window with a wl_shm buffer, see its frame
 * callback, disconnect.  Used to look for fd and memory growth in the
 * server between a warm-up and a measured run.
 *
 *   churn COUNT        exit 0 when every session completed
 */
#include <poll.h>
#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "common.h"

struct session {
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_buffer *buffer;
	struct wl_surface *surface;
	bool configured, frame_done;
};

static void global(void *d, struct wl_registry *reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct session *s = d;

	if (strcmp(iface, "wl_compositor") == 0)
		s->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	else if (strcmp(iface, "wl_shm") == 0)
		s->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, "xdg_wm_base") == 0)
		s->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
}
static void global_remove(void *d, struct wl_registry *r, uint32_t n) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static void frame_done(void *d, struct wl_callback *cb, uint32_t t)
{
	struct session *s = d;

	s->frame_done = true;
	wl_callback_destroy(cb);
}
static const struct wl_callback_listener frame_listener = { frame_done };

static void xs_configure(void *d, struct xdg_surface *xs, uint32_t serial)
{
	struct session *s = d;

	xdg_surface_ack_configure(xs, serial);
	if (!s->configured) {
		struct wl_callback *cb = wl_surface_frame(s->surface);
		wl_callback_add_listener(cb, &frame_listener, s);
		wl_surface_attach(s->surface, s->buffer, 0, 0);
		wl_surface_damage(s->surface, 0, 0, 64, 64);
	}
	wl_surface_commit(s->surface);
	s->configured = true;
}
static const struct xdg_surface_listener xdg_surface_listener = { xs_configure };

static void wm_ping(void *d, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}
static const struct xdg_wm_base_listener wm_listener = { wm_ping };

static bool one_session(int i)
{
	struct session s = { 0 };
	struct wl_display *dpy = wl_display_connect(NULL);
	struct wl_shm_pool *pool;
	struct xdg_surface *xs;
	struct xdg_toplevel *t;
	double deadline = now_seconds() + 10;
	uint32_t *px;
	bool ok = false;
	int fd;

	if (!dpy) {
		fprintf(stderr, "churn: session %d cannot connect\n", i);
		return false;
	}
	wl_registry_add_listener(wl_display_get_registry(dpy), &registry_listener, &s);
	if (wl_display_roundtrip(dpy) < 0 || !s.compositor || !s.shm || !s.wm_base) {
		fprintf(stderr, "churn: session %d: no globals\n", i);
		goto out;
	}
	xdg_wm_base_add_listener(s.wm_base, &wm_listener, &s);
	fd = shm_alloc(64 * 64 * 4);
	if (fd < 0)
		goto out;
	px = mmap(NULL, 64 * 64 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		close(fd);
		goto out;
	}
	for (int k = 0; k < 64 * 64; k++)
		px[k] = 0xff000000u | (uint32_t)(i * 0x010203);
	munmap(px, 64 * 64 * 4);
	pool = wl_shm_create_pool(s.shm, fd, 64 * 64 * 4);
	close(fd);
	s.buffer = wl_shm_pool_create_buffer(pool, 0, 64, 64, 256, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	s.surface = wl_compositor_create_surface(s.compositor);
	xs = xdg_wm_base_get_xdg_surface(s.wm_base, s.surface);
	xdg_surface_add_listener(xs, &xdg_surface_listener, &s);
	t = xdg_surface_get_toplevel(xs);
	xdg_toplevel_set_app_id(t, "churn");
	wl_surface_commit(s.surface);
	while (!s.frame_done && now_seconds() < deadline) {
		struct pollfd p = { .fd = wl_display_get_fd(dpy), .events = POLLIN };

		while (wl_display_prepare_read(dpy) != 0)
			wl_display_dispatch_pending(dpy);
		wl_display_flush(dpy);
		if (poll(&p, 1, 100) <= 0) {
			wl_display_cancel_read(dpy);
			continue;
		}
		if (wl_display_read_events(dpy) < 0 || wl_display_dispatch_pending(dpy) < 0)
			break;
	}
	ok = s.frame_done;
	if (!ok)
		fprintf(stderr, "churn: session %d: no frame callback (error %d)\n", i,
			wl_display_get_error(dpy));
out:
	wl_display_disconnect(dpy);
	return ok;
}

int main(int argc, char **argv)
{
	int count = argc == 2 ? atoi(argv[1]) : 0;
	double t0 = now_seconds();

	if (count <= 0 || count > 100000) {
		fprintf(stderr, "usage: churn COUNT\n");
		return 1;
	}
	for (int i = 0; i < count; i++)
		if (!one_session(i))
			return 1;
	fprintf(stderr, "churn: %d sessions in %.2f s\n", count, now_seconds() - t0);
	return 0;
}
