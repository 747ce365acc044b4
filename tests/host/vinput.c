// SPDX-License-Identifier: MIT
/*
 * vinput: a virtual keyboard and pointer on a wlroots host
 * (zwp_virtual_keyboard_v1, zwlr_virtual_pointer_v1) that stay connected
 * for a whole test and read the same FIFO commands as the weston-inject
 * module: "key CODE 1|0" (evdev codes, US layout), "motion X Y" (output
 * pixels), "button CODE 1|0".
 *
 * A wlroots seat only has the keyboard capability while some keyboard
 * device exists; wtype's keyboard lives only as long as one wtype run, and
 * without a keyboard no client gets keyboard focus, key serials, or the
 * selection.  Debian has no tool for pointer input at all.
 *
 *   vinput FIFO WIDTH HEIGHT   (WIDTH x HEIGHT: the output, for absolute
 *                               motion; prints "vinput: ready" when set up)
 *
 * The protocols' interfaces are described here by hand: Debian ships no XML
 * for them.  Requests, in order: keyboard manager.create_virtual_keyboard
 * (seat, new_id); keyboard.keymap(format, fd, size), key(time, key, state),
 * modifiers(depressed, latched, locked, group), destroy(); pointer
 * manager.create_virtual_pointer(seat or null, new_id), destroy();
 * pointer.motion(time, dx, dy), motion_absolute(time, x, y, x_extent,
 * y_extent), button(time, button, state), axis(time, axis, value), frame(),
 * axis_source, axis_stop, axis_discrete, destroy().
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <xkbcommon/xkbcommon.h>
#include <wayland-client.h>
#include "common.h"

extern const struct wl_interface vkbd_keyboard_interface;

static const struct wl_interface *create_types[] = {
	&wl_seat_interface, &vkbd_keyboard_interface,
};

static const struct wl_message manager_requests[] = {
	{ "create_virtual_keyboard", "on", create_types },
};

static const struct wl_interface vkbd_manager_interface = {
	"zwp_virtual_keyboard_manager_v1", 1, 1, manager_requests, 0, NULL,
};

static const struct wl_interface *no_types[4];

static const struct wl_message keyboard_requests[] = {
	{ "keymap", "uhu", no_types },
	{ "key", "uuu", no_types },
	{ "modifiers", "uuuu", no_types },
	{ "destroy", "", no_types },
};

const struct wl_interface vkbd_keyboard_interface = {
	"zwp_virtual_keyboard_v1", 1, 4, keyboard_requests, 0, NULL,
};

enum { REQ_CREATE = 0, REQ_KEYMAP = 0, REQ_KEY = 1, REQ_MODIFIERS = 2, REQ_DESTROY = 3 };

extern const struct wl_interface vptr_pointer_interface;

static const struct wl_interface *create_pointer_types[] = {
	&wl_seat_interface, &vptr_pointer_interface,
};

static const struct wl_message pointer_manager_requests[] = {
	{ "create_virtual_pointer", "?on", create_pointer_types },
	{ "destroy", "", no_types },
};

static const struct wl_interface vptr_manager_interface = {
	"zwlr_virtual_pointer_manager_v1", 1, 2, pointer_manager_requests, 0, NULL,
};

static const struct wl_message pointer_requests[] = {
	{ "motion", "uff", no_types },
	{ "motion_absolute", "uuuuu", no_types },
	{ "button", "uuu", no_types },
	{ "axis", "uuf", no_types },
	{ "frame", "", no_types },
	{ "axis_source", "u", no_types },
	{ "axis_stop", "uu", no_types },
	{ "axis_discrete", "uufi", no_types },
	{ "destroy", "", no_types },
};

const struct wl_interface vptr_pointer_interface = {
	"zwlr_virtual_pointer_v1", 1, 9, pointer_requests, 0, NULL,
};

enum { PTR_MOTION_ABSOLUTE = 1, PTR_BUTTON = 2, PTR_FRAME = 4, PTR_DESTROY = 8 };

struct vinput {
	struct wl_display *display;
	struct wl_seat *seat;
	struct wl_proxy *manager;
	struct wl_proxy *keyboard;
	struct wl_proxy *pointer_manager;
	struct wl_proxy *pointer; /* NULL when the host has no virtual pointer */
	uint32_t width, height;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	char line[256];
	size_t len;
};

static void global(void *data, struct wl_registry *reg, uint32_t name,
		   const char *iface, uint32_t version)
{
	struct vinput *v = data;

	if (strcmp(iface, "wl_seat") == 0 && !v->seat)
		v->seat = wl_registry_bind(reg, name, &wl_seat_interface, 1);
	else if (strcmp(iface, vkbd_manager_interface.name) == 0)
		v->manager = wl_registry_bind(reg, name, &vkbd_manager_interface, 1);
	else if (strcmp(iface, vptr_manager_interface.name) == 0)
		v->pointer_manager = wl_registry_bind(reg, name, &vptr_manager_interface, 1);
}

static void global_remove(void *data, struct wl_registry *reg, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = { global, global_remove };

static uint32_t now_ms(void)
{
	return (uint32_t)(now_seconds() * 1000.0);
}

static void command(struct vinput *v, const char *line)
{
	unsigned code, state, x, y;

	/* The pointer device is made on first use only: with one present,
	 * sway draws its cursor into every screenshot. */
	if (!v->pointer && v->pointer_manager &&
	    (strncmp(line, "motion ", 7) == 0 || strncmp(line, "button ", 7) == 0)) {
		v->pointer = wl_proxy_marshal_flags(v->pointer_manager, REQ_CREATE,
						    &vptr_pointer_interface, 1, 0, v->seat, NULL);
		fprintf(stderr, "vinput: pointer created\n");
	}

	if (v->pointer && sscanf(line, "motion %u %u", &x, &y) == 2 &&
	    x < v->width && y < v->height) {
		wl_proxy_marshal_flags(v->pointer, PTR_MOTION_ABSOLUTE, NULL, 1, 0, now_ms(),
				       x, y, v->width, v->height);
		wl_proxy_marshal_flags(v->pointer, PTR_FRAME, NULL, 1, 0);
		return;
	}
	if (v->pointer && sscanf(line, "button %u %u", &code, &state) == 2 && code < 768) {
		wl_proxy_marshal_flags(v->pointer, PTR_BUTTON, NULL, 1, 0, now_ms(), code,
				       state ? 1u : 0u);
		wl_proxy_marshal_flags(v->pointer, PTR_FRAME, NULL, 1, 0);
		return;
	}
	if (sscanf(line, "key %u %u", &code, &state) != 2 || code > 767) {
		fprintf(stderr, "vinput: ignoring \"%s\"\n", line);
		return;
	}
	wl_proxy_marshal_flags(v->keyboard, REQ_KEY, NULL, 1, 0, now_ms(), code,
			       state ? 1u : 0u);
	xkb_state_update_key(v->state, code + 8, state ? XKB_KEY_DOWN : XKB_KEY_UP);
	wl_proxy_marshal_flags(v->keyboard, REQ_MODIFIERS, NULL, 1, 0,
			       xkb_state_serialize_mods(v->state, XKB_STATE_MODS_DEPRESSED),
			       xkb_state_serialize_mods(v->state, XKB_STATE_MODS_LATCHED),
			       xkb_state_serialize_mods(v->state, XKB_STATE_MODS_LOCKED),
			       xkb_state_serialize_layout(v->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	struct vinput v = { 0 };
	char *keymap_text;
	size_t keymap_size;
	int fifo, keymap_fd;

	if (argc != 4 || atoi(argv[2]) <= 0 || atoi(argv[3]) <= 0) {
		fprintf(stderr, "usage: vinput FIFO WIDTH HEIGHT\n");
		return 1;
	}
	v.width = (uint32_t)atoi(argv[2]);
	v.height = (uint32_t)atoi(argv[3]);
	if (mkfifo(argv[1], 0600) < 0 && errno != EEXIST) {
		perror("vinput: mkfifo");
		return 1;
	}
	fifo = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		perror("vinput: open");
		return 1;
	}
	v.display = wl_display_connect(NULL);
	if (!v.display) {
		fprintf(stderr, "vinput: cannot connect\n");
		return 1;
	}
	wl_registry_add_listener(wl_display_get_registry(v.display), &registry_listener, &v);
	wl_display_roundtrip(v.display);
	if (!v.seat || !v.manager) {
		fprintf(stderr, "vinput: host lacks wl_seat or the virtual keyboard manager\n");
		return 77;
	}
	v.xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	v.keymap = v.xkb ? xkb_keymap_new_from_names(v.xkb, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	if (!v.keymap) {
		fprintf(stderr, "vinput: cannot compile the default keymap\n");
		return 1;
	}
	v.state = xkb_state_new(v.keymap);
	keymap_text = xkb_keymap_get_as_string(v.keymap, XKB_KEYMAP_FORMAT_TEXT_V1);
	keymap_size = strlen(keymap_text) + 1;
	keymap_fd = shm_alloc(keymap_size);
	if (keymap_fd < 0 || pwrite(keymap_fd, keymap_text, keymap_size, 0) != (ssize_t)keymap_size) {
		fprintf(stderr, "vinput: cannot store the keymap\n");
		return 1;
	}
	free(keymap_text);
	v.keyboard = wl_proxy_marshal_flags(v.manager, REQ_CREATE, &vkbd_keyboard_interface,
					    1, 0, v.seat, NULL);
	wl_proxy_marshal_flags(v.keyboard, REQ_KEYMAP, NULL, 1, 0,
			       (uint32_t)XKB_KEYMAP_FORMAT_TEXT_V1, keymap_fd,
			       (uint32_t)keymap_size);
	close(keymap_fd);
	if (wl_display_roundtrip(v.display) < 0) {
		fprintf(stderr, "vinput: the host refused the keyboard\n");
		return 1;
	}
	fprintf(stderr, "vinput: ready (keyboard%s)\n",
		v.pointer_manager ? "; pointer on first use" : "; the host has no virtual pointer");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		struct pollfd p[2] = {
			{ .fd = wl_display_get_fd(v.display), .events = POLLIN },
			{ .fd = fifo, .events = POLLIN },
		};
		char buf[256];
		ssize_t n;

		wl_display_flush(v.display);
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			if (wl_display_dispatch(v.display) < 0)
				break;
		}
		if (!(p[1].revents & POLLIN))
			continue;
		while ((n = read(fifo, buf, sizeof(buf))) > 0) {
			for (ssize_t i = 0; i < n; i++) {
				if (buf[i] != '\n') {
					if (v.len + 1 < sizeof(v.line))
						v.line[v.len++] = buf[i];
					continue;
				}
				v.line[v.len] = '\0';
				command(&v, v.line);
				v.len = 0;
			}
		}
	}
	wl_proxy_marshal_flags(v.keyboard, REQ_DESTROY, NULL, 1, WL_MARSHAL_FLAG_DESTROY);
	if (v.pointer)
		wl_proxy_marshal_flags(v.pointer, PTR_DESTROY, NULL, 1, WL_MARSHAL_FLAG_DESTROY);
	wl_display_roundtrip(v.display);
	wl_display_disconnect(v.display);
	xkb_state_unref(v.state);
	xkb_keymap_unref(v.keymap);
	xkb_context_unref(v.xkb);
	return 0;
}
