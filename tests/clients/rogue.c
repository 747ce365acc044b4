// SPDX-License-Identifier: MIT
/*
 * rogue: clients that break the rules, for checking that a compositor (or
 * wlnest in front of one) survives them and keeps serving everyone else.
 *
 *   rogue half-request   maps a window, attaches a fresh buffer, writes the
 *                        first half of a wl_surface.commit and SIGKILLs
 *                        itself: a client dying in the middle of a frame
 *   rogue garbage        after a round trip writes 4 KiB of random bytes on
 *                        its connection and waits for the server to close it;
 *                        exit 0 when closed, 2 when still open after 10 s
 *   rogue bad-object     sends a request to an object id that does not
 *                        exist; expects a protocol error (exit 0) or close
 */
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "common.h"

struct rogue {
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	bool configured;
};

static void global(void *d, struct wl_registry *reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct rogue *r = d;

	if (strcmp(iface, "wl_compositor") == 0)
		r->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	else if (strcmp(iface, "wl_shm") == 0)
		r->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, "xdg_wm_base") == 0)
		r->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
}
static void global_remove(void *d, struct wl_registry *r, uint32_t n) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static void xs_configure(void *d, struct xdg_surface *xs, uint32_t serial)
{
	struct rogue *r = d;

	xdg_surface_ack_configure(xs, serial);
	r->configured = true;
}
static const struct xdg_surface_listener xdg_surface_listener = { xs_configure };

static struct wl_buffer *make_buffer(struct rogue *r, uint32_t colour)
{
	int fd = shm_alloc(100 * 100 * 4);
	uint32_t *px;
	struct wl_shm_pool *pool;
	struct wl_buffer *b;

	if (fd < 0)
		return NULL;
	px = mmap(NULL, 100 * 100 * 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED)
		return NULL;
	for (int i = 0; i < 100 * 100; i++)
		px[i] = colour;
	pool = wl_shm_create_pool(r->shm, fd, 100 * 100 * 4);
	b = wl_shm_pool_create_buffer(pool, 0, 100, 100, 400, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return b;
}

static int half_request(struct wl_display *dpy, struct rogue *r)
{
	struct wl_surface *s;
	struct xdg_surface *xs;
	struct xdg_toplevel *t;
	uint32_t header[2];
	int fd = wl_display_get_fd(dpy);

	if (!r->compositor || !r->shm || !r->wm_base)
		return 77;
	s = wl_compositor_create_surface(r->compositor);
	xs = xdg_wm_base_get_xdg_surface(r->wm_base, s);
	xdg_surface_add_listener(xs, &xdg_surface_listener, r);
	t = xdg_surface_get_toplevel(xs);
	xdg_toplevel_set_app_id(t, "rogue");
	wl_surface_commit(s);
	while (!r->configured)
		if (wl_display_dispatch(dpy) < 0)
			return 1;
	wl_surface_attach(s, make_buffer(r, 0xff800000), 0, 0);
	wl_surface_commit(s);
	wl_display_roundtrip(dpy);
	/* a new frame: attach and damage go out whole, the commit only half */
	wl_surface_attach(s, make_buffer(r, 0xff008000), 0, 0);
	wl_surface_damage(s, 0, 0, 100, 100);
	wl_display_flush(dpy);
	header[0] = wl_proxy_get_id((struct wl_proxy *)s);
	header[1] = 8u << 16 | 6; /* size 8, opcode of wl_surface.commit */
	if (write(fd, header, 6) != 6)
		return 1;
	fprintf(stderr, "rogue: sent 6 of 8 bytes of wl_surface@%u.commit; dying\n", header[0]);
	raise(SIGKILL);
	return 1;
}

static int wait_closed(struct wl_display *dpy, double secs)
{
	double end = now_seconds() + secs;
	int fd = wl_display_get_fd(dpy);

	while (now_seconds() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "rogue: the server closed the connection\n");
			return 0;
		}
	}
	fprintf(stderr, "rogue: connection still open after %.0f s\n", secs);
	return 2;
}

static int garbage(struct wl_display *dpy)
{
	uint8_t junk[4096];
	int fd = wl_display_get_fd(dpy);
	size_t off = 0;

	if (getrandom(junk, sizeof(junk), 0) != (ssize_t)sizeof(junk))
		return 1;
	/* The first message is complete but invalid in a way every server
	 * detects (wl_display has no request 7), so the connection must be
	 * closed rather than left waiting for the rest of a huge message. */
	junk[0] = 1;
	junk[1] = junk[2] = junk[3] = 0;
	junk[4] = 7;
	junk[5] = 0;
	junk[6] = 8;
	junk[7] = 0;
	while (off < sizeof(junk)) {
		ssize_t n = write(fd, junk + off, sizeof(junk) - off);
		if (n < 0) {
			if (errno == EAGAIN) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };
				poll(&p, 1, 100);
				continue;
			}
			fprintf(stderr, "rogue: write failed after %zu bytes: %s\n", off,
				strerror(errno));
			return 0; /* already closed on us: fine */
		}
		off += (size_t)n;
	}
	fprintf(stderr, "rogue: wrote %zu garbage bytes\n", off);
	return wait_closed(dpy, 10);
}

static int bad_object(struct wl_display *dpy, struct rogue *r)
{
	uint32_t msg[2] = { 0xfff0, 8u << 16 | 0 };
	int fd = wl_display_get_fd(dpy);

	if (write(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		return 1;
	fprintf(stderr, "rogue: sent a request to object id 0xfff0\n");
	if (wl_display_roundtrip(dpy) < 0) {
		fprintf(stderr, "rogue: protocol error %d\n", wl_display_get_error(dpy));
		return 0;
	}
	return wait_closed(dpy, 5);
}

int main(int argc, char **argv)
{
	struct rogue r = { 0 };
	struct wl_display *dpy;

	if (argc != 2) {
		fprintf(stderr, "usage: rogue half-request|garbage|bad-object\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	dpy = wl_display_connect(NULL);
	if (!dpy) {
		fprintf(stderr, "rogue: cannot connect\n");
		return 1;
	}
	wl_registry_add_listener(wl_display_get_registry(dpy), &registry_listener, &r);
	if (wl_display_roundtrip(dpy) < 0)
		return 1;
	if (strcmp(argv[1], "half-request") == 0)
		return half_request(dpy, &r);
	if (strcmp(argv[1], "garbage") == 0)
		return garbage(dpy);
	if (strcmp(argv[1], "bad-object") == 0)
		return bad_object(dpy, &r);
	fprintf(stderr, "rogue: unknown mode %s\n", argv[1]);
	return 1;
}
