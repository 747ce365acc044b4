// SPDX-License-Identifier: MIT
/*
 * weston-inject: a weston 10 module that adds a seat named "inject" with a
 * keyboard and a pointer, driven by text commands read from a FIFO.
 * Headless weston has no seat at all, so without this neither foot nor
 * kiosk-shell work there and nothing can type into a client.
 *
 * Load with: WESTON_INJECT_FIFO=/path weston ... --modules=/abs/weston-inject.so
 * Commands, one per line (codes are evdev codes, linux/input-event-codes.h):
 *   key CODE 1|0          press / release a key
 *   motion X Y            move the pointer to global coordinates
 *   button CODE 1|0       press / release a pointer button
 *   axis V|H VALUE        scroll
 * Unknown or malformed lines are logged and ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <wayland-server.h>
#include <libweston/libweston.h>

/*
 * These are exported by libweston-10.so.0 but declared only in weston's
 * private headers; the signatures are those of weston 10.0.x.  Later weston
 * releases changed several of them, hence the version pin in tests.mk.
 */
void weston_seat_init(struct weston_seat *seat, struct weston_compositor *ec,
		      const char *seat_name);
int weston_seat_init_pointer(struct weston_seat *seat);
int weston_seat_init_keyboard(struct weston_seat *seat, struct xkb_keymap *keymap);
void weston_seat_release(struct weston_seat *seat);
void notify_key(struct weston_seat *seat, const struct timespec *time,
		uint32_t key, enum wl_keyboard_key_state state,
		enum weston_key_state_update update_state);
void notify_motion_absolute(struct weston_seat *seat,
			    const struct timespec *time, double x, double y);
void notify_button(struct weston_seat *seat, const struct timespec *time,
		   int32_t button, enum wl_pointer_button_state state);
void notify_axis(struct weston_seat *seat, const struct timespec *time,
		 struct weston_pointer_axis_event *event);
void notify_pointer_frame(struct weston_seat *seat);

int wet_module_init(struct weston_compositor *compositor, int *argc, char *argv[]);

/* A command line longer than this is a writer bug; it is dropped whole. */
#define INJECT_LINE_MAX 256

struct inject {
	struct weston_compositor *compositor;
	struct weston_seat seat;
	struct wl_event_source *source;
	struct wl_listener compositor_destroy;
	int fd;
	char line[INJECT_LINE_MAX];
	size_t line_len;
	bool overlong;
};

static void inject_command(struct inject *inject, const char *line)
{
	struct timespec now;
	char verb[16];
	double a, b;
	char axis_name;

	weston_compositor_get_time(&now);
	if (sscanf(line, "key %lf %lf", &a, &b) == 2 && a >= 0 && a < 768) {
		notify_key(&inject->seat, &now, (uint32_t)a,
			   b != 0 ? WL_KEYBOARD_KEY_STATE_PRESSED :
				    WL_KEYBOARD_KEY_STATE_RELEASED,
			   STATE_UPDATE_AUTOMATIC);
	} else if (sscanf(line, "motion %lf %lf", &a, &b) == 2) {
		notify_motion_absolute(&inject->seat, &now, a, b);
		notify_pointer_frame(&inject->seat);
	} else if (sscanf(line, "button %lf %lf", &a, &b) == 2 && a >= 0 && a < 768) {
		notify_button(&inject->seat, &now, (int32_t)a,
			      b != 0 ? WL_POINTER_BUTTON_STATE_PRESSED :
				       WL_POINTER_BUTTON_STATE_RELEASED);
		notify_pointer_frame(&inject->seat);
	} else if (sscanf(line, "axis %c %lf", &axis_name, &a) == 2 &&
		   (axis_name == 'V' || axis_name == 'H')) {
		struct weston_pointer_axis_event ev = {
			.axis = axis_name == 'V' ? WL_POINTER_AXIS_VERTICAL_SCROLL :
						   WL_POINTER_AXIS_HORIZONTAL_SCROLL,
			.value = a,
		};
		notify_axis(&inject->seat, &now, &ev);
		notify_pointer_frame(&inject->seat);
	} else if (sscanf(line, "%15s", verb) == 1) {
		weston_log("weston-inject: ignoring \"%s\"\n", line);
	}
}

static int inject_readable(int fd, uint32_t mask, void *data)
{
	struct inject *inject = data;
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (inject->line_len + 1 < sizeof(inject->line))
					inject->line[inject->line_len++] = buf[i];
				else
					inject->overlong = true;
				continue;
			}
			inject->line[inject->line_len] = '\0';
			if (!inject->overlong)
				inject_command(inject, inject->line);
			else
				weston_log("weston-inject: dropping overlong line\n");
			inject->line_len = 0;
			inject->overlong = false;
		}
	}
	return 0;
}

static void inject_compositor_destroyed(struct wl_listener *listener, void *data)
{
	struct inject *inject = wl_container_of(listener, inject, compositor_destroy);

	wl_list_remove(&inject->compositor_destroy.link);
	wl_event_source_remove(inject->source);
	close(inject->fd);
	weston_seat_release(&inject->seat);
	free(inject);
}

WL_EXPORT int wet_module_init(struct weston_compositor *compositor, int *argc,
			      char *argv[])
{
	const char *path = getenv("WESTON_INJECT_FIFO");
	struct wl_event_loop *loop;
	struct inject *inject;

	if (!path || !*path) {
		weston_log("weston-inject: WESTON_INJECT_FIFO is not set\n");
		return -1;
	}
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		weston_log("weston-inject: mkfifo %s: %s\n", path, strerror(errno));
		return -1;
	}
	inject = calloc(1, sizeof(*inject));
	if (!inject)
		return -1;
	inject->compositor = compositor;
	/* Held open for writing too, so that writers coming and going never
	 * make the FIFO report end-of-file. */
	inject->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (inject->fd < 0) {
		weston_log("weston-inject: open %s: %s\n", path, strerror(errno));
		goto err_open;
	}
	weston_seat_init(&inject->seat, compositor, "inject");
	if (weston_seat_init_pointer(&inject->seat) < 0)
		goto err_seat;
	if (weston_seat_init_keyboard(&inject->seat, NULL) < 0)
		goto err_seat;
	loop = wl_display_get_event_loop(compositor->wl_display);
	inject->source = wl_event_loop_add_fd(loop, inject->fd, WL_EVENT_READABLE,
					      inject_readable, inject);
	if (!inject->source)
		goto err_seat;
	inject->compositor_destroy.notify = inject_compositor_destroyed;
	wl_signal_add(&compositor->destroy_signal, &inject->compositor_destroy);
	weston_log("weston-inject: seat \"inject\" reading %s\n", path);
	return 0;

err_seat:
	weston_seat_release(&inject->seat);
	close(inject->fd);
err_open:
	free(inject);
	return -1;
}
