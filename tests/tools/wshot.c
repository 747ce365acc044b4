// SPDX-License-Identifier: MIT
/*
 * wshot: a screenshot of one weston output, written as a binary PPM (P6).
 *
 *   wshot [--output N] [--timeout SECS] [--raw] FILE   (FILE - is stdout)
 *
 * It asks weston's private weston_screenshooter global (weston offers it
 * when started with --debug) to copy the output's framebuffer into a
 * wl_shm buffer of the output's current mode size.  weston writes every
 * pixel there as 0xAARRGGBB; wshot keeps R, G and B and drops the top
 * byte, as a display does.  (weston-screenshooter writes the same pixels
 * as premultiplied ARGB into its PNG: where weston's pixman renderer left
 * the unused byte of XRGB content 0, those pixels come out black and
 * transparent.)
 *
 *   --output N      the Nth wl_output the registry announces (default 0)
 *   --timeout SECS  how long to wait for weston's answer (default 10)
 *   --raw           the framebuffer as it is; by default an output with a
 *                   transform (wl_output.geometry) is turned back, so the
 *                   image shows what the output shows
 * The image is in pixels whatever the output's scale.  Exit status 0 on
 * success; 1 with a message on stderr otherwise.
 */
#include <getopt.h>
#include <poll.h>

#include <wayland-client.h>
#include "weston-screenshooter-client-protocol.h"
#include "common.h"

#define WSHOT_MAX_OUTPUTS 16
#define WSHOT_MAX_DIM 16384

struct output {
	struct wl_output *wl;
	int32_t width, height; /* current mode, in pixels */
	int32_t transform;
	bool v1;   /* bound at version 1: no done event */
	bool done; /* wl_output.done, or at version 1 the current mode */
};

struct wshot {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_shm *shm;
	struct weston_screenshooter *shooter;
	struct output outputs[WSHOT_MAX_OUTPUTS];
	int n_outputs;
	bool shot_done;
};

static void output_geometry(void *data, struct wl_output *wl, int32_t x, int32_t y,
			    int32_t physical_width, int32_t physical_height,
			    int32_t subpixel, const char *make, const char *model,
			    int32_t transform)
{
	struct output *o = data;

	o->transform = transform;
}

static void output_mode(void *data, struct wl_output *wl, uint32_t flags,
			int32_t width, int32_t height, int32_t refresh)
{
	struct output *o = data;

	if (flags & WL_OUTPUT_MODE_CURRENT) {
		o->width = width;
		o->height = height;
		if (o->v1)
			o->done = true;
	}
}

static void output_done(void *data, struct wl_output *wl)
{
	struct output *o = data;

	o->done = true;
}

static void output_scale(void *data, struct wl_output *wl, int32_t factor)
{
}

static const struct wl_output_listener output_listener = {
	.geometry = output_geometry,
	.mode = output_mode,
	.done = output_done,
	.scale = output_scale,
};

static void global(void *data, struct wl_registry *registry, uint32_t name,
		   const char *interface, uint32_t version)
{
	struct wshot *w = data;

	if (strcmp(interface, wl_shm_interface.name) == 0 && !w->shm) {
		w->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, weston_screenshooter_interface.name) == 0 &&
		   !w->shooter) {
		w->shooter = wl_registry_bind(registry, name,
					      &weston_screenshooter_interface, 1);
	} else if (strcmp(interface, wl_output_interface.name) == 0 &&
		   w->n_outputs < WSHOT_MAX_OUTPUTS) {
		struct output *o = &w->outputs[w->n_outputs++];

		o->wl = wl_registry_bind(registry, name, &wl_output_interface,
					 version < 2 ? version : 2);
		o->v1 = version < 2;
		wl_output_add_listener(o->wl, &output_listener, o);
	}
}

static void global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = { global, global_remove };

static void shot_done(void *data, struct weston_screenshooter *shooter)
{
	struct wshot *w = data;

	w->shot_done = true;
}

static const struct weston_screenshooter_listener shooter_listener = {
	.done = shot_done,
};

/* Says why the connection failed, if it did. */
static void connection_error(struct wl_display *display)
{
	const struct wl_interface *iface = NULL;
	uint32_t id = 0, code;
	int err = wl_display_get_error(display);

	if (err == EPROTO) {
		code = wl_display_get_protocol_error(display, &iface, &id);
		fprintf(stderr, "wshot: protocol error %u on %s@%u%s\n", code,
			iface ? iface->name : "?", id,
			iface == &weston_screenshooter_interface ?
			" (weston lets only its own screenshooter or, started "
			"with --debug, every client take screenshots)" : "");
	} else {
		fprintf(stderr, "wshot: connection to the compositor failed: %s\n",
			strerror(err ? err : EPIPE));
	}
}

/*
 * Dispatches events until *flag is set; false on a connection error or
 * when the deadline (CLOCK_MONOTONIC seconds) passes first.
 */
static bool wait_for(struct wshot *w, const bool *flag, double deadline)
{
	struct pollfd pfd = { .fd = wl_display_get_fd(w->display), .events = POLLIN };

	while (!*flag) {
		double left = deadline - now_seconds();
		int n;

		while (wl_display_prepare_read(w->display) != 0)
			if (wl_display_dispatch_pending(w->display) < 0)
				return false;
		if (*flag) {
			wl_display_cancel_read(w->display);
			break;
		}
		if (wl_display_flush(w->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(w->display);
			return false;
		}
		if (left <= 0) {
			wl_display_cancel_read(w->display);
			errno = ETIMEDOUT;
			return false;
		}
		n = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (n > 0) {
			if (wl_display_read_events(w->display) < 0)
				return false;
		} else {
			wl_display_cancel_read(w->display);
			if (n < 0 && errno != EINTR)
				return false;
		}
		if (wl_display_dispatch_pending(w->display) < 0)
			return false;
	}
	return true;
}

/*
 * Where the image's pixel X,Y (as the output shows it, LW x LH) lies in
 * the framebuffer: the compositor draws the output's content into its
 * framebuffer as a client draws into a buffer whose wl_surface buffer
 * transform is the output's transform.
 */
static void framebuffer_coord(int32_t transform, int lw, int lh, int x, int y,
			      int *fx, int *fy)
{
	switch (transform) {
	case WL_OUTPUT_TRANSFORM_90:
		*fx = y;
		*fy = lw - 1 - x;
		break;
	case WL_OUTPUT_TRANSFORM_180:
		*fx = lw - 1 - x;
		*fy = lh - 1 - y;
		break;
	case WL_OUTPUT_TRANSFORM_270:
		*fx = lh - 1 - y;
		*fy = x;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED:
		*fx = lw - 1 - x;
		*fy = y;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_90:
		*fx = y;
		*fy = x;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_180:
		*fx = x;
		*fy = lh - 1 - y;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_270:
		*fx = lh - 1 - y;
		*fy = lw - 1 - x;
		break;
	default:
		*fx = x;
		*fy = y;
		break;
	}
}

static bool swaps_axes(int32_t transform)
{
	return transform == WL_OUTPUT_TRANSFORM_90 || transform == WL_OUTPUT_TRANSFORM_270 ||
	       transform == WL_OUTPUT_TRANSFORM_FLIPPED_90 ||
	       transform == WL_OUTPUT_TRANSFORM_FLIPPED_270;
}

/* Writes the W x H framebuffer PX (0xXXRRGGBB) as a P6 PPM, turned back
 * by TRANSFORM. */
static bool write_ppm(const char *path, const uint32_t *px, int w, int h, int32_t transform)
{
	int lw = swaps_axes(transform) ? h : w, lh = swaps_axes(transform) ? w : h;
	bool to_stdout = strcmp(path, "-") == 0;
	FILE *f = to_stdout ? stdout : fopen(path, "wb");
	uint8_t *row = malloc((size_t)lw * 3);
	bool ok;

	if (!f || !row) {
		fprintf(stderr, "wshot: %s: %s\n", path, strerror(errno));
		free(row);
		if (f && !to_stdout)
			fclose(f);
		return false;
	}
	ok = fprintf(f, "P6\n%d %d\n255\n", lw, lh) > 0;
	for (int y = 0; ok && y < lh; y++) {
		for (int x = 0; x < lw; x++) {
			int fx, fy;
			uint32_t p;

			framebuffer_coord(transform, lw, lh, x, y, &fx, &fy);
			p = px[(size_t)fy * w + fx];
			row[3 * x] = (uint8_t)(p >> 16);
			row[3 * x + 1] = (uint8_t)(p >> 8);
			row[3 * x + 2] = (uint8_t)p;
		}
		ok = fwrite(row, 3, (size_t)lw, f) == (size_t)lw;
	}
	free(row);
	ok = fflush(f) == 0 && ok;
	if (!to_stdout)
		ok = fclose(f) == 0 && ok;
	if (!ok)
		fprintf(stderr, "wshot: writing %s failed: %s\n", path, strerror(errno));
	return ok;
}

static int usage(FILE *to, int status)
{
	fprintf(to, "usage: wshot [--output N] [--timeout SECS] [--raw] FILE\n"
		    "  a screenshot of weston's output N (default 0) as a binary PPM;\n"
		    "  FILE - is stdout.  weston must run with --debug.\n");
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct wshot w = { 0 };
	struct output *o;
	struct wl_shm_pool *pool;
	struct wl_buffer *buffer;
	uint32_t *pixels, *copy;
	double timeout = 10, deadline;
	bool raw = false, ok;
	size_t size;
	int which = 0, fd, c;
	char *end;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			errno = 0;
			which = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || which < 0 ||
			    which >= WSHOT_MAX_OUTPUTS)
				return usage(stderr, 1);
			break;
		case 't':
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(timeout > 0) || timeout > 3600)
				return usage(stderr, 1);
			break;
		case 'r':
			raw = true;
			break;
		case 'h':
			return usage(stdout, 0);
		default:
			return usage(stderr, 1);
		}
	}
	if (argc - optind != 1)
		return usage(stderr, 1);
	deadline = now_seconds() + timeout;

	w.display = wl_display_connect(NULL);
	if (!w.display) {
		fprintf(stderr, "wshot: cannot connect to the Wayland display %s: %s\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "wayland-0",
			strerror(errno));
		return 1;
	}
	w.registry = wl_display_get_registry(w.display);
	wl_registry_add_listener(w.registry, &registry_listener, &w);
	if (wl_display_roundtrip(w.display) < 0) {
		connection_error(w.display);
		return 1;
	}
	if (!w.shooter) {
		fprintf(stderr, "wshot: the compositor offers no weston_screenshooter "
				"(is it weston, started with --debug?)\n");
		return 1;
	}
	if (!w.shm) {
		fprintf(stderr, "wshot: the compositor offers no wl_shm\n");
		return 1;
	}
	if (which >= w.n_outputs) {
		fprintf(stderr, "wshot: no output %d: the compositor offers %d\n", which,
			w.n_outputs);
		return 1;
	}
	o = &w.outputs[which];
	if (!wait_for(&w, &o->done, deadline)) {
		if (errno == ETIMEDOUT)
			fprintf(stderr, "wshot: output %d sent no description in %g s\n",
				which, timeout);
		else
			connection_error(w.display);
		return 1;
	}
	if (o->width <= 0 || o->height <= 0 || o->width > WSHOT_MAX_DIM ||
	    o->height > WSHOT_MAX_DIM) {
		fprintf(stderr, "wshot: output %d has no usable current mode (%dx%d)\n",
			which, o->width, o->height);
		return 1;
	}

	/* weston copies its framebuffer, the size of the output's current
	 * mode, into a buffer at least that size, rows of width * 4 bytes */
	size = (size_t)o->width * o->height * 4;
	fd = shm_alloc(size);
	if (fd < 0) {
		fprintf(stderr, "wshot: cannot allocate %zu bytes of shared memory: %s\n",
			size, strerror(errno));
		return 1;
	}
	pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		fprintf(stderr, "wshot: mmap: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	pool = wl_shm_create_pool(w.shm, fd, (int32_t)size);
	close(fd);
	buffer = wl_shm_pool_create_buffer(pool, 0, o->width, o->height, o->width * 4,
					   WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);

	weston_screenshooter_add_listener(w.shooter, &shooter_listener, &w);
	weston_screenshooter_take_shot(w.shooter, o->wl, buffer);
	if (!wait_for(&w, &w.shot_done, deadline)) {
		/* weston answers a buffer it cannot use with nothing at all */
		if (errno == ETIMEDOUT)
			fprintf(stderr, "wshot: weston sent no screenshot of output %d "
					"(%dx%d) in %g s\n", which, o->width, o->height,
				timeout);
		else
			connection_error(w.display);
		return 1;
	}

	/* a private copy: the mapping is shared with the compositor */
	copy = malloc(size);
	if (!copy) {
		fprintf(stderr, "wshot: out of memory\n");
		return 1;
	}
	memcpy(copy, pixels, size);
	munmap(pixels, size);
	ok = write_ppm(argv[optind], copy, o->width, o->height,
		       raw ? WL_OUTPUT_TRANSFORM_NORMAL : o->transform);
	free(copy);

	wl_buffer_destroy(buffer);
	weston_screenshooter_destroy(w.shooter);
	for (int i = 0; i < w.n_outputs; i++)
		wl_output_destroy(w.outputs[i].wl);
	wl_shm_destroy(w.shm);
	wl_registry_destroy(w.registry);
	wl_display_disconnect(w.display);
	return ok ? 0 : 1;
}
