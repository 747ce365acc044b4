// SPDX-License-Identifier: MIT
/*
 * nullhost: the cheapest possible host compositor, so that benchmarks
 * measure the path in front of it and not the compositor.  It offers
 * wl_compositor (v4), wl_shm (libwayland's) and xdg_wm_base (v1), sends one
 * configure per toplevel, and on every commit releases the attached buffer
 * and fires the frame callbacks at once.  It never reads a pixel.
 *
 *   nullhost [--slow-us N] [--hold] [--repaint-ms N] [--stall-ms N] [--sum]
 *            [--gtk-shell] SOCKET
 *       SOCKET: a name in $XDG_RUNTIME_DIR or an absolute path; prints
 *       "nullhost: ready" once listening.  --slow-us makes every commit
 *       take N microseconds, a host slower than its clients, so that
 *       whatever writes to it meets a full socket (backpressure tests).
 *       --hold keeps each buffer until a newer commit replaces it, as a
 *       compositor that reads buffers at repaint.  --repaint-ms keeps
 *       every buffer committed until the second repaint (one every N ms)
 *       after a newer commit replaced it, as a compositor whose frames
 *       take two repaints to retire; a
 *       commit of a buffer it still holds is counted ("busy_commits=N"
 *       beside the commit count: the client wrote into a buffer the host
 *       may be reading).  --stall-ms stops for N ms at the first commit
 *       of a buffer, reading nothing meanwhile, as a compositor busy
 *       setting up its first window.  --sum prints, with
 *       the commit count, the pixsum (tests/clients/pixsum.h) of the shm
 *       buffer of 32 bits per pixel committed last, as "nullhost:
 *       sum=HEX", read when that buffer is destroyed or at the end (its
 *       client writes into it only for a later commit): it costs the
 *       commits nothing.
 *       --gtk-shell also offers GNOME's gtk_shell1 (v5) and prints each
 *       request of it and of its gtk_surface1 objects, as "nullhost:
 *       INTERFACE.REQUEST ARGS" (protocol forwarding tests).
 * SIGTERM/SIGINT end it; it then prints "nullhost: commits=N", which
 * SIGUSR2 prints at any time (frame rates of clients that pace
 * themselves).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server.h>
#include "gtk-shell-server-protocol.h"
#include "xdg-shell-server-protocol.h"
#include "pixsum.h"

struct null_surface {
	struct wl_resource *resource;
	struct wl_resource *pending_buffer;
	struct wl_listener pending_buffer_destroy;
	struct wl_resource *shown_buffer;	/* --hold */
	struct wl_listener shown_buffer_destroy;
	struct wl_list frames; /* wl_resource links of wl_callbacks */
	struct held *latest_held;		/* --repaint-ms */
};

/* --repaint-ms: a buffer the host holds until a repaint */
struct held {
	struct wl_list link;			/* held_buffers */
	struct wl_resource *buffer;
	struct wl_listener destroy;
	struct null_surface *latest_of;		/* NULL once replaced */
	int repaints;				/* since it was replaced */
};

static struct wl_list held_buffers;
static unsigned repaint_ms;
static unsigned long busy_commits;
static unsigned stall_ms;
static struct wl_event_source *repaint_timer;

static unsigned long commits;
static useconds_t slow_us;
static bool hold, sum;
static uint64_t last_sum;
static struct wl_resource *sum_buffer;	/* committed last */
static struct wl_listener sum_buffer_destroy;

static void resource_destroy(struct wl_client *c, struct wl_resource *r)
{
	wl_resource_destroy(r);
}

static void pending_buffer_gone(struct wl_listener *l, void *data)
{
	struct null_surface *s = wl_container_of(l, s, pending_buffer_destroy);

	s->pending_buffer = NULL;
	wl_list_remove(&s->pending_buffer_destroy.link);
	wl_list_init(&s->pending_buffer_destroy.link);
}

static void shown_buffer_gone(struct wl_listener *l, void *data)
{
	struct null_surface *s = wl_container_of(l, s, shown_buffer_destroy);

	s->shown_buffer = NULL;
	wl_list_remove(&s->shown_buffer_destroy.link);
	wl_list_init(&s->shown_buffer_destroy.link);
}

static void read_sum(void)
{
	struct wl_shm_buffer *shm = sum_buffer ? wl_shm_buffer_get(sum_buffer) : NULL;

	if (!shm || wl_shm_buffer_get_format(shm) > WL_SHM_FORMAT_XRGB8888)
		return;
	wl_shm_buffer_begin_access(shm);
	last_sum = pixsum(wl_shm_buffer_get_data(shm), wl_shm_buffer_get_width(shm),
			  wl_shm_buffer_get_height(shm), wl_shm_buffer_get_stride(shm));
	wl_shm_buffer_end_access(shm);
}

static void set_sum_buffer(struct wl_resource *buffer)
{
	wl_list_remove(&sum_buffer_destroy.link);
	wl_list_init(&sum_buffer_destroy.link);
	sum_buffer = buffer;
	if (buffer)
		wl_resource_add_destroy_listener(buffer, &sum_buffer_destroy);
}

/* still readable: the destroy signal comes before the buffer goes */
static void sum_buffer_gone(struct wl_listener *l, void *data)
{
	read_sum();
	set_sum_buffer(NULL);
}

static void held_free(struct held *h)
{
	if (h->latest_of)
		h->latest_of->latest_held = NULL;
	wl_list_remove(&h->destroy.link);
	wl_list_remove(&h->link);
	free(h);
}

static void held_gone(struct wl_listener *l, void *data)
{
	struct held *h = wl_container_of(l, h, destroy);

	held_free(h);
}

/* --repaint-ms: buffer, just committed on s, is held until a repaint */
static void hold_until_repaint(struct null_surface *s, struct wl_resource *buffer)
{
	struct held *h, *found = NULL;

	wl_list_for_each(h, &held_buffers, link) {
		if (h->buffer == buffer)
			found = h;
	}
	if (found) {
		busy_commits++;
	} else {
		found = calloc(1, sizeof(*found));
		if (!found) {
			wl_buffer_send_release(buffer);
			return;
		}
		found->buffer = buffer;
		found->destroy.notify = held_gone;
		wl_resource_add_destroy_listener(buffer, &found->destroy);
		wl_list_insert(held_buffers.prev, &found->link);
	}
	if (s->latest_held && s->latest_held != found)
		s->latest_held->latest_of = NULL;
	if (found->latest_of && found->latest_of != s)
		found->latest_of->latest_held = NULL;
	found->latest_of = s;
	found->repaints = 0;
	s->latest_held = found;
}

static int on_repaint(void *data)
{
	struct held *h, *tmp;

	wl_list_for_each_safe(h, tmp, &held_buffers, link) {
		if (h->latest_of || ++h->repaints < 2)
			continue;
		wl_buffer_send_release(h->buffer);
		held_free(h);
	}
	wl_event_source_timer_update(repaint_timer, (int)repaint_ms);
	return 0;
}

static void surface_attach(struct wl_client *c, struct wl_resource *r,
			   struct wl_resource *buffer, int32_t x, int32_t y)
{
	struct null_surface *s = wl_resource_get_user_data(r);

	wl_list_remove(&s->pending_buffer_destroy.link);
	wl_list_init(&s->pending_buffer_destroy.link);
	s->pending_buffer = buffer;
	if (buffer)
		wl_resource_add_destroy_listener(buffer, &s->pending_buffer_destroy);
}

static void surface_damage(struct wl_client *c, struct wl_resource *r, int32_t x,
			   int32_t y, int32_t w, int32_t h)
{
}

static void callback_unlink(struct wl_resource *r)
{
	wl_list_remove(wl_resource_get_link(r));
}

static void surface_frame(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct null_surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb = wl_resource_create(c, &wl_callback_interface, 1, id);

	if (!cb) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(cb, NULL, NULL, callback_unlink);
	wl_list_insert(s->frames.prev, wl_resource_get_link(cb));
}

static void surface_set_region(struct wl_client *c, struct wl_resource *r,
			       struct wl_resource *region)
{
}

static void surface_commit(struct wl_client *c, struct wl_resource *r)
{
	struct null_surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb, *tmp;

	commits++;
	if (slow_us)
		usleep(slow_us);
	if (s->pending_buffer && stall_ms) {
		usleep((useconds_t)stall_ms * 1000);
		stall_ms = 0;
	}
	if (s->pending_buffer) {
		if (sum)
			set_sum_buffer(s->pending_buffer);
		if (repaint_ms) {
			hold_until_repaint(s, s->pending_buffer);
		} else if (hold) {
			if (s->shown_buffer && s->shown_buffer != s->pending_buffer)
				wl_buffer_send_release(s->shown_buffer);
			wl_list_remove(&s->shown_buffer_destroy.link);
			s->shown_buffer = s->pending_buffer;
			wl_resource_add_destroy_listener(s->shown_buffer,
							 &s->shown_buffer_destroy);
		} else {
			wl_buffer_send_release(s->pending_buffer);
		}
		wl_list_remove(&s->pending_buffer_destroy.link);
		wl_list_init(&s->pending_buffer_destroy.link);
		s->pending_buffer = NULL;
	}
	wl_resource_for_each_safe(cb, tmp, &s->frames) {
		wl_callback_send_done(cb, 0);
		wl_resource_destroy(cb);
	}
}

static void surface_set_transform(struct wl_client *c, struct wl_resource *r, int32_t t) {}
static void surface_set_scale(struct wl_client *c, struct wl_resource *r, int32_t s) {}

static const struct wl_surface_interface surface_impl = {
	.destroy = resource_destroy,
	.attach = surface_attach,
	.damage = surface_damage,
	.frame = surface_frame,
	.set_opaque_region = surface_set_region,
	.set_input_region = surface_set_region,
	.commit = surface_commit,
	.set_buffer_transform = surface_set_transform,
	.set_buffer_scale = surface_set_scale,
	.damage_buffer = surface_damage,
};

static void surface_free(struct wl_resource *r)
{
	struct null_surface *s = wl_resource_get_user_data(r);
	struct wl_resource *cb, *tmp;

	wl_resource_for_each_safe(cb, tmp, &s->frames)
		wl_resource_destroy(cb);
	wl_list_remove(&s->pending_buffer_destroy.link);
	wl_list_remove(&s->shown_buffer_destroy.link);
	if (s->latest_held)
		s->latest_held->latest_of = NULL;
	free(s);
}

static void region_op(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y,
		      int32_t w, int32_t h)
{
}

static const struct wl_region_interface region_impl = {
	.destroy = resource_destroy, .add = region_op, .subtract = region_op,
};

static void compositor_create_surface(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct null_surface *s = calloc(1, sizeof(*s));

	if (!s) {
		wl_client_post_no_memory(c);
		return;
	}
	s->resource = wl_resource_create(c, &wl_surface_interface,
					 wl_resource_get_version(r), id);
	if (!s->resource) {
		free(s);
		wl_client_post_no_memory(c);
		return;
	}
	wl_list_init(&s->frames);
	wl_list_init(&s->pending_buffer_destroy.link);
	s->pending_buffer_destroy.notify = pending_buffer_gone;
	wl_list_init(&s->shown_buffer_destroy.link);
	s->shown_buffer_destroy.notify = shown_buffer_gone;
	wl_resource_set_implementation(s->resource, &surface_impl, s, surface_free);
}

static void compositor_create_region(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct wl_resource *region = wl_resource_create(c, &wl_region_interface, 1, id);

	if (!region) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(region, &region_impl, NULL, NULL);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = compositor_create_surface,
	.create_region = compositor_create_region,
};

static void compositor_bind(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(c, &wl_compositor_interface, version, id);

	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &compositor_impl, NULL, NULL);
}

/* ---- xdg-shell: just enough for a toplevel to get its configure ---- */

static void toplevel_set_parent(struct wl_client *c, struct wl_resource *r, struct wl_resource *p) {}
static void toplevel_set_string(struct wl_client *c, struct wl_resource *r, const char *s) {}
static void toplevel_show_menu(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
			       uint32_t serial, int32_t x, int32_t y) {}
static void toplevel_move(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
			  uint32_t serial) {}
static void toplevel_resize(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
			    uint32_t serial, uint32_t edges) {}
static void toplevel_set_size(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h) {}
static void toplevel_no_arg(struct wl_client *c, struct wl_resource *r) {}
static void toplevel_set_fullscreen(struct wl_client *c, struct wl_resource *r,
				    struct wl_resource *output) {}

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = resource_destroy,
	.set_parent = toplevel_set_parent,
	.set_title = toplevel_set_string,
	.set_app_id = toplevel_set_string,
	.show_window_menu = toplevel_show_menu,
	.move = toplevel_move,
	.resize = toplevel_resize,
	.set_max_size = toplevel_set_size,
	.set_min_size = toplevel_set_size,
	.set_maximized = toplevel_no_arg,
	.unset_maximized = toplevel_no_arg,
	.set_fullscreen = toplevel_set_fullscreen,
	.unset_fullscreen = toplevel_no_arg,
	.set_minimized = toplevel_no_arg,
};

static uint32_t next_serial = 1;

static void xdg_surface_get_toplevel(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct wl_resource *t = wl_resource_create(c, &xdg_toplevel_interface,
						   wl_resource_get_version(r), id);
	struct wl_array states;

	if (!t) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(t, &toplevel_impl, NULL, NULL);
	wl_array_init(&states);
	xdg_toplevel_send_configure(t, 0, 0, &states);
	wl_array_release(&states);
	xdg_surface_send_configure(r, next_serial++);
}

static void xdg_surface_get_popup(struct wl_client *c, struct wl_resource *r, uint32_t id,
				  struct wl_resource *parent, struct wl_resource *positioner)
{
	wl_resource_post_error(r, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
			       "nullhost has no popups");
}

static void xdg_surface_set_geometry(struct wl_client *c, struct wl_resource *r, int32_t x,
				     int32_t y, int32_t w, int32_t h) {}
static void xdg_surface_ack(struct wl_client *c, struct wl_resource *r, uint32_t serial) {}

static const struct xdg_surface_interface xdg_surface_impl = {
	.destroy = resource_destroy,
	.get_toplevel = xdg_surface_get_toplevel,
	.get_popup = xdg_surface_get_popup,
	.set_window_geometry = xdg_surface_set_geometry,
	.ack_configure = xdg_surface_ack,
};

static void positioner_int2(struct wl_client *c, struct wl_resource *r, int32_t a, int32_t b) {}
static void positioner_rect(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y,
			    int32_t w, int32_t h) {}
static void positioner_uint(struct wl_client *c, struct wl_resource *r, uint32_t v) {}

static const struct xdg_positioner_interface positioner_impl = {
	.destroy = resource_destroy,
	.set_size = positioner_int2,
	.set_anchor_rect = positioner_rect,
	.set_anchor = positioner_uint,
	.set_gravity = positioner_uint,
	.set_constraint_adjustment = positioner_uint,
	.set_offset = positioner_int2,
};

static void wm_create_positioner(struct wl_client *c, struct wl_resource *r, uint32_t id)
{
	struct wl_resource *p = wl_resource_create(c, &xdg_positioner_interface,
						   wl_resource_get_version(r), id);
	if (!p) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(p, &positioner_impl, NULL, NULL);
}

static void wm_get_xdg_surface(struct wl_client *c, struct wl_resource *r, uint32_t id,
			       struct wl_resource *surface)
{
	struct wl_resource *xs = wl_resource_create(c, &xdg_surface_interface,
						    wl_resource_get_version(r), id);
	if (!xs) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(xs, &xdg_surface_impl, NULL, NULL);
}

static void wm_pong(struct wl_client *c, struct wl_resource *r, uint32_t serial) {}

static const struct xdg_wm_base_interface wm_impl = {
	.destroy = resource_destroy,
	.create_positioner = wm_create_positioner,
	.get_xdg_surface = wm_get_xdg_surface,
	.pong = wm_pong,
};

static void wm_bind(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(c, &xdg_wm_base_interface, version, id);

	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &wm_impl, NULL, NULL);
}

/* ---- gtk_shell1: what a GNOME host is asked, printed ---- */

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

static void gtk_surface_set_dbus_properties(struct wl_client *c, struct wl_resource *r,
					    const char *application_id, const char *app_menu_path,
					    const char *menubar_path, const char *window_object_path,
					    const char *application_object_path,
					    const char *unique_bus_name)
{
	fprintf(stderr, "nullhost: gtk_surface1.set_dbus_properties application_id=%s\n",
		or_null(application_id));
}

static void gtk_surface_set_modal(struct wl_client *c, struct wl_resource *r)
{
	fprintf(stderr, "nullhost: gtk_surface1.set_modal\n");
}

static void gtk_surface_unset_modal(struct wl_client *c, struct wl_resource *r)
{
	fprintf(stderr, "nullhost: gtk_surface1.unset_modal\n");
}

static void gtk_surface_present(struct wl_client *c, struct wl_resource *r, uint32_t time)
{
	fprintf(stderr, "nullhost: gtk_surface1.present\n");
}

static void gtk_surface_request_focus(struct wl_client *c, struct wl_resource *r,
				      const char *startup_id)
{
	fprintf(stderr, "nullhost: gtk_surface1.request_focus %s\n", or_null(startup_id));
}

static void gtk_surface_titlebar_gesture(struct wl_client *c, struct wl_resource *r,
					 uint32_t serial, struct wl_resource *seat,
					 uint32_t gesture)
{
	fprintf(stderr, "nullhost: gtk_surface1.titlebar_gesture %u\n", gesture);
}

static void gtk_surface_release(struct wl_client *c, struct wl_resource *r)
{
	fprintf(stderr, "nullhost: gtk_surface1.release\n");
	wl_resource_destroy(r);
}

static const struct gtk_surface1_interface gtk_surface_impl = {
	.set_dbus_properties = gtk_surface_set_dbus_properties,
	.set_modal = gtk_surface_set_modal,
	.unset_modal = gtk_surface_unset_modal,
	.present = gtk_surface_present,
	.request_focus = gtk_surface_request_focus,
	.release = gtk_surface_release,
	.titlebar_gesture = gtk_surface_titlebar_gesture,
};

static void gtk_shell_get_gtk_surface(struct wl_client *c, struct wl_resource *r, uint32_t id,
				      struct wl_resource *surface)
{
	struct wl_resource *gs = wl_resource_create(c, &gtk_surface1_interface,
						    wl_resource_get_version(r), id);

	if (!gs) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(gs, &gtk_surface_impl, NULL, NULL);
	fprintf(stderr, "nullhost: gtk_shell1.get_gtk_surface\n");
}

static void gtk_shell_set_startup_id(struct wl_client *c, struct wl_resource *r,
				     const char *startup_id)
{
	fprintf(stderr, "nullhost: gtk_shell1.set_startup_id %s\n", or_null(startup_id));
}

static void gtk_shell_system_bell(struct wl_client *c, struct wl_resource *r,
				  struct wl_resource *surface)
{
	fprintf(stderr, "nullhost: gtk_shell1.system_bell\n");
}

static void gtk_shell_notify_launch(struct wl_client *c, struct wl_resource *r,
				    const char *startup_id)
{
	fprintf(stderr, "nullhost: gtk_shell1.notify_launch %s\n", or_null(startup_id));
}

static const struct gtk_shell1_interface gtk_shell_impl = {
	.get_gtk_surface = gtk_shell_get_gtk_surface,
	.set_startup_id = gtk_shell_set_startup_id,
	.system_bell = gtk_shell_system_bell,
	.notify_launch = gtk_shell_notify_launch,
};

static void gtk_shell_bind(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(c, &gtk_shell1_interface, version, id);

	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &gtk_shell_impl, NULL, NULL);
	gtk_shell1_send_capabilities(r, 0);
	fprintf(stderr, "nullhost: gtk_shell1 bound (v%u)\n", version);
}

/* SIGUSR2, and on the way out: the commit count (and --sum) */
static int on_count(int sig, void *data)
{
	if (repaint_ms)
		fprintf(stderr, "nullhost: commits=%lu busy_commits=%lu\n", commits, busy_commits);
	else
		fprintf(stderr, "nullhost: commits=%lu\n", commits);
	if (sum) {
		read_sum();
		fprintf(stderr, "nullhost: sum=%016llx\n", (unsigned long long)last_sum);
	}
	return 0;
}

static int on_signal(int sig, void *data)
{
	wl_display_terminate(data);
	return 0;
}

/* An output that SIGUSR1 plugs in and out, for hotplug tests. */
static struct wl_global *output_global;

static void output_release(struct wl_client *c, struct wl_resource *r)
{
	wl_resource_destroy(r);
}

static const struct wl_output_interface output_impl = {
	.release = output_release,
};

static void output_bind(struct wl_client *c, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(c, &wl_output_interface, version, id);

	if (!r) {
		wl_client_post_no_memory(c);
		return;
	}
	wl_resource_set_implementation(r, &output_impl, NULL, NULL);
	wl_output_send_geometry(r, 0, 0, 300, 200, WL_OUTPUT_SUBPIXEL_UNKNOWN, "virtwl",
				"nullhost", WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(r, WL_OUTPUT_MODE_CURRENT, 1280, 800, 60000);
	if (version >= 2)
		wl_output_send_done(r);
}

static int on_hotplug(int sig, void *data)
{
	if (output_global) {
		wl_global_destroy(output_global);
		output_global = NULL;
		fprintf(stderr, "nullhost: output unplugged\n");
	} else {
		output_global = wl_global_create(data, &wl_output_interface, 3, NULL, output_bind);
		fprintf(stderr, "nullhost: output plugged in\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct wl_event_source *sigs[4];
	bool gtk_shell = false;

	if (argc >= 4 && strcmp(argv[1], "--slow-us") == 0) {
		slow_us = (useconds_t)atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	for (;;) {
		if (argc >= 3 && strcmp(argv[1], "--gtk-shell") == 0)
			gtk_shell = true;
		else if (argc >= 3 && strcmp(argv[1], "--hold") == 0)
			hold = true;
		else if (argc >= 3 && strcmp(argv[1], "--sum") == 0)
			sum = true;
		else if (argc >= 4 && strcmp(argv[1], "--repaint-ms") == 0) {
			repaint_ms = (unsigned)atoi(argv[2]);
			argv++;
			argc--;
		} else if (argc >= 4 && strcmp(argv[1], "--stall-ms") == 0) {
			stall_ms = (unsigned)atoi(argv[2]);
			argv++;
			argc--;
		} else
			break;
		argv++;
		argc--;
	}
	if (argc != 2 || slow_us > 1000000 || repaint_ms > 10000 || stall_ms > 10000) {
		fprintf(stderr, "usage: nullhost [--slow-us N] [--hold] [--repaint-ms N] [--stall-ms N] [--sum] [--gtk-shell] SOCKET\n");
		return 1;
	}
	wl_list_init(&held_buffers);
	wl_list_init(&sum_buffer_destroy.link);
	sum_buffer_destroy.notify = sum_buffer_gone;
	display = wl_display_create();
	if (!display)
		return 1;
	if (wl_display_add_socket(display, argv[1]) < 0) {
		fprintf(stderr, "nullhost: cannot listen on %s\n", argv[1]);
		return 1;
	}
	if (!wl_global_create(display, &wl_compositor_interface, 4, NULL, compositor_bind) ||
	    !wl_global_create(display, &xdg_wm_base_interface, 1, NULL, wm_bind) ||
	    wl_display_init_shm(display) < 0)
		return 1;
	if (gtk_shell && !wl_global_create(display, &gtk_shell1_interface, 5, NULL, gtk_shell_bind))
		return 1;
	loop = wl_display_get_event_loop(display);
	sigs[0] = wl_event_loop_add_signal(loop, SIGTERM, on_signal, display);
	sigs[1] = wl_event_loop_add_signal(loop, SIGINT, on_signal, display);
	sigs[2] = wl_event_loop_add_signal(loop, SIGUSR1, on_hotplug, display);
	sigs[3] = wl_event_loop_add_signal(loop, SIGUSR2, on_count, display);
	if (repaint_ms) {
		repaint_timer = wl_event_loop_add_timer(loop, on_repaint, NULL);
		if (!repaint_timer)
			return 1;
		wl_event_source_timer_update(repaint_timer, (int)repaint_ms);
	}
	fprintf(stderr, "nullhost: ready\n");
	wl_display_run(display);
	on_count(SIGUSR2, display);
	wl_event_source_remove(sigs[0]);
	wl_event_source_remove(sigs[1]);
	wl_event_source_remove(sigs[2]);
	wl_event_source_remove(sigs[3]);
	if (repaint_timer)
		wl_event_source_remove(repaint_timer);
	wl_display_destroy_clients(display);
	wl_display_destroy(display);
	return 0;
}
