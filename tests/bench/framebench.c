// SPDX-License-Identifier: MIT
/*
 * framebench: commits 1920x1080 ARGB8888 wl_shm frames as fast as the
 * buffers come back, and reports frames per second and CPU time per frame
 * for itself plus every process in the trees given with --pids (the
 * proxy, the host, ...), all measured over the same window.
 *
 *   framebench [--damage full|square] [--pace buffers|frame] [--seconds S]
 *              [--warmup N] [--buffers N] [--pids PID,PID...] [--count-parent]
 *              [--label NAME]
 *   framebench --memcpy full|square [--seconds S] [--buffers N]
 *   framebench --paint-copy [--seconds S] [--buffers N] [--keep-lines|--paint-only]
 *
 * Each frame repaints and damages either the whole buffer or a 64x64
 * square (moving, changing colour).  By default a frame is committed as
 * soon as a buffer is free; --pace frame also waits for the previous
 * frame's wl_surface.frame callback, as toolkits do.  --memcpy measures the
 * physical limit instead: copying the same bytes between two buffers, or
 * with --buffers N frame k from the k-th of N sources to the k-th of N
 * destinations (round robin), the memory a path with N buffers in flight
 * on each side touches.  --paint-copy measures the limit of a path that
 * copies every frame once (copy mode) on this machine: a child process
 * paints full frames into memory files as the client does while this one
 * copies each painted frame out of its own read-only mapping into one
 * buffer (all a proxy needs when its host gives buffers back at once, as
 * nullhost does), then drops
 * the lines it read from its caches as wlnest does (not with
 * --keep-lines: a plain memcpy), over N
 * buffers (3 by default), both at once as the client and the proxy run;
 * its frames/s over native's is the most copy mode can reach against
 * passthrough, which only paints, and its CPU per frame what copying a
 * frame just painted on another core costs (others_cpu_ms: the painter's,
 * which a copy slows down as well).  --paint-only passes the turns and
 * copies nothing: the painter's CPU without a copy.
 * Output: one line "framebench: label=... frames=N seconds=S fps=F
 * cpu_ms_per_frame=C self_cpu_ms=A others_cpu_ms=B".
 */
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <poll.h>
#include <sys/wait.h>
#include <sys/resource.h>

#include <wayland-client.h>
#include "xdg-shell-client-protocol.h"
#include "common.h"
#include "../../compositor/cachelines.h"
#include "pixsum.h"

#define WIDTH 1920
#define HEIGHT 1080
#define STRIDE (WIDTH * 4)
#define SQUARE 64
#define MAX_BUFFERS 8
#define MAX_ROOTS 16

struct buffer {
	struct wl_buffer *wl;
	uint32_t *px;
	bool busy;
	unsigned long painted;	/* the squares of frames before this are in */
};

struct bench {
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct buffer buffers[MAX_BUFFERS];
	struct buffer *last;	/* committed last */
	int n_buffers;
	bool configured, damage_full;
	bool pace_frame, frame_pending;
	unsigned long frame;
	pid_t roots[MAX_ROOTS];
	int n_roots;
};

/* ---- CPU time of process trees ---- */

struct proc_entry {
	pid_t pid, ppid;
	unsigned long long ticks; /* utime+stime+cutime+cstime */
};

static bool read_stat(pid_t pid, struct proc_entry *e)
{
	char path[64], buf[1024], *p;
	unsigned long long f[17];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "r");
	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return false;
	/* fields after the name: state ppid pgrp session tty tpgid flags
	 * minflt cminflt majflt cmajflt utime stime cutime cstime */
	if (sscanf(p + 2, "%*c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
		   &f[10], &f[11], &f[12], &f[13]) != 14)
		return false;
	e->pid = pid;
	e->ppid = (pid_t)f[0];
	e->ticks = f[10] + f[11] + f[12] + f[13];
	return true;
}

/* Ticks of every process descending from (or equal to) a root, except
 * ourselves: our own time comes from getrusage. */
static unsigned long long tree_ticks(const pid_t *roots, int n_roots)
{
	static struct proc_entry procs[8192];
	int n = 0;
	unsigned long long sum = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < (int)(sizeof(procs) / sizeof(procs[0]))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (read_stat((pid_t)atoi(de->d_name), &procs[n]))
			n++;
	}
	closedir(d);
	for (int i = 0; i < n; i++) {
		pid_t p = procs[i].pid;
		bool in = false;

		if (p == getpid())
			continue;
		/* walk up the parent chain (bounded) looking for a root */
		for (int depth = 0; depth < 64 && p > 1 && !in; depth++) {
			for (int r = 0; r < n_roots; r++)
				if (p == roots[r])
					in = true;
			if (in)
				break;
			pid_t parent = 0;
			for (int j = 0; j < n; j++)
				if (procs[j].pid == p) {
					parent = procs[j].ppid;
					break;
				}
			p = parent;
		}
		if (in)
			sum += procs[i].ticks;
	}
	return sum;
}

static double self_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---- Wayland ---- */

static void buffer_release(void *data, struct wl_buffer *b)
{
	((struct buffer *)data)->busy = false;
}
static const struct wl_buffer_listener buffer_listener = { buffer_release };

static void global(void *d, struct wl_registry *reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct bench *b = d;

	if (strcmp(iface, "wl_compositor") == 0 && version >= 4)
		b->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 4);
	else if (strcmp(iface, "wl_shm") == 0)
		b->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, "xdg_wm_base") == 0)
		b->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
}
static void global_remove(void *d, struct wl_registry *r, uint32_t n) {}
static const struct wl_registry_listener registry_listener = { global, global_remove };

static void xs_configure(void *d, struct xdg_surface *xs, uint32_t serial)
{
	struct bench *b = d;

	xdg_surface_ack_configure(xs, serial);
	b->configured = true;
}
static const struct xdg_surface_listener xdg_surface_listener = { xs_configure };

static void wm_ping(void *d, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}
static const struct xdg_wm_base_listener wm_listener = { wm_ping };

static void paint_square(uint32_t *px, unsigned long frame, int *sx, int *sy)
{
	uint32_t colour = 0xff000000u | (uint32_t)(frame * 0x00102030u);

	*sx = (int)((frame * 37) % (WIDTH - SQUARE));
	*sy = (int)((frame * 23) % (HEIGHT - SQUARE));
	for (int y = *sy; y < *sy + SQUARE; y++)
		for (int x = *sx; x < *sx + SQUARE; x++)
			px[(size_t)y * WIDTH + x] = colour;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	((struct bench *)data)->frame_pending = false;
	wl_callback_destroy(cb);
}
static const struct wl_callback_listener frame_listener = { frame_done };

static struct buffer *free_buffer(struct bench *b)
{
	if (b->frame_pending)
		return NULL;
	for (int i = 0; i < b->n_buffers; i++)
		if (!b->buffers[i].busy)
			return &b->buffers[i];
	return NULL;
}

/* A full-damage frame is a full repaint, as in a real client; the fill
 * value changes every frame so no layer can skip identical content. */
static void paint_full(uint32_t *px, unsigned long frame)
{
	uint32_t colour = 0xff000000u | (uint32_t)(frame * 0x00010203u);

	for (size_t i = 0; i < (size_t)WIDTH * HEIGHT; i++)
		px[i] = colour;
}

static void commit_frame(struct bench *b, struct buffer *buf)
{
	int sx, sy;

	if (b->damage_full) {
		paint_full(buf->px, b->frame);
		paint_square(buf->px, b->frame, &sx, &sy);
	} else {
		/* the squares this buffer missed too, as a client that knows
		 * its buffers' age: each buffer holds the whole frame */
		for (unsigned long f = buf->painted; f <= b->frame; f++)
			paint_square(buf->px, f, &sx, &sy);
	}
	buf->painted = b->frame + 1;
	b->last = buf;
	wl_surface_attach(b->surface, buf->wl, 0, 0);
	if (b->damage_full)
		wl_surface_damage_buffer(b->surface, 0, 0, WIDTH, HEIGHT);
	else
		wl_surface_damage_buffer(b->surface, sx, sy, SQUARE, SQUARE);
	if (b->pace_frame) {
		wl_callback_add_listener(wl_surface_frame(b->surface), &frame_listener, b);
		b->frame_pending = true;
	}
	wl_surface_commit(b->surface);
	buf->busy = true;
	b->frame++;
}

static int run_frames(struct bench *b, double seconds, int warmup, const char *label)
{
	struct wl_display *dpy = wl_display_connect(NULL);
	struct wl_shm_pool *pool;
	struct xdg_surface *xs;
	struct xdg_toplevel *tl;
	size_t size = (size_t)STRIDE * HEIGHT * b->n_buffers;
	unsigned long long ticks0 = 0, ticks1;
	double t0 = 0, cpu0 = 0, t1, cpu1;
	unsigned long frames0 = 0;
	long hz = sysconf(_SC_CLK_TCK);
	uint8_t *mem;
	int fd;

	if (!dpy) {
		fprintf(stderr, "framebench: cannot connect\n");
		return 1;
	}
	wl_registry_add_listener(wl_display_get_registry(dpy), &registry_listener, b);
	wl_display_roundtrip(dpy);
	if (!b->compositor || !b->shm || !b->wm_base) {
		fprintf(stderr, "framebench: host lacks wl_compositor v4, wl_shm or xdg_wm_base\n");
		return 1;
	}
	xdg_wm_base_add_listener(b->wm_base, &wm_listener, b);
	fd = shm_alloc(size);
	mem = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "framebench: cannot allocate %zu bytes\n", size);
		return 1;
	}
	memset(mem, 0x40, size);
	pool = wl_shm_create_pool(b->shm, fd, (int32_t)size);
	close(fd);
	for (int i = 0; i < b->n_buffers; i++) {
		b->buffers[i].px = (uint32_t *)(mem + (size_t)i * STRIDE * HEIGHT);
		b->buffers[i].wl = wl_shm_pool_create_buffer(pool, i * STRIDE * HEIGHT, WIDTH,
							     HEIGHT, STRIDE, WL_SHM_FORMAT_ARGB8888);
		wl_buffer_add_listener(b->buffers[i].wl, &buffer_listener, &b->buffers[i]);
	}
	wl_shm_pool_destroy(pool);
	b->surface = wl_compositor_create_surface(b->compositor);
	xs = xdg_wm_base_get_xdg_surface(b->wm_base, b->surface);
	xdg_surface_add_listener(xs, &xdg_surface_listener, b);
	tl = xdg_surface_get_toplevel(xs);
	xdg_toplevel_set_app_id(tl, "framebench");
	wl_surface_commit(b->surface);
	while (!b->configured)
		if (wl_display_dispatch(dpy) < 0)
			return 1;

	for (;;) {
		struct buffer *buf;

		if (b->frame == (unsigned long)warmup) {
			t0 = now_seconds();
			cpu0 = self_cpu_seconds();
			ticks0 = tree_ticks(b->roots, b->n_roots);
			frames0 = b->frame;
		}
		if (b->frame > (unsigned long)warmup && now_seconds() - t0 >= seconds)
			break;
		while (!(buf = free_buffer(b))) {
			if (wl_display_dispatch(dpy) < 0) {
				fprintf(stderr, "framebench: connection lost (error %d)\n",
					wl_display_get_error(dpy));
				return 1;
			}
		}
		commit_frame(b, buf);
		if (wl_display_flush(dpy) < 0 && errno != EAGAIN)
			return 1;
		if (wl_display_dispatch_pending(dpy) < 0)
			return 1;
	}
	t1 = now_seconds();
	cpu1 = self_cpu_seconds();
	ticks1 = tree_ticks(b->roots, b->n_roots);
	{
		unsigned long frames = b->frame - frames0;
		double secs = t1 - t0;
		double self_ms = (cpu1 - cpu0) * 1000.0;
		double others_ms = (double)(ticks1 - ticks0) * 1000.0 / (double)hz;

		printf("framebench: label=%s frames=%lu seconds=%.3f fps=%.1f "
		       "cpu_ms_per_frame=%.3f self_cpu_ms=%.0f others_cpu_ms=%.0f total_commits=%lu "
		       "last_sum=%016llx\n",
		       label, frames, secs, frames / secs, (self_ms + others_ms) / frames,
		       self_ms, others_ms, b->frame,
		       b->last ? (unsigned long long)pixsum((const uint8_t *)b->last->px, WIDTH,
							    HEIGHT, STRIDE) : 0ull);
	}
	wl_display_roundtrip(dpy);
	wl_display_disconnect(dpy);
	return 0;
}

static int run_memcpy(bool full, int n_pairs, double seconds, const char *label)
{
	size_t size = (size_t)STRIDE * HEIGHT;
	uint8_t *srcs[MAX_BUFFERS], *dsts[MAX_BUFFERS], *src, *dst;
	unsigned long n = 0;
	double t0, cpu0, secs, cpu_ms;
	unsigned checksum = 0;

	for (int i = 0; i < n_pairs; i++) {
		srcs[i] = malloc(size);
		dsts[i] = malloc(size);
		if (!srcs[i] || !dsts[i])
			return 1;
		memset(srcs[i], 0x5a, size);
		memset(dsts[i], 0xa5, size);
	}
	t0 = now_seconds();
	cpu0 = self_cpu_seconds();
	do {
		src = srcs[n % (unsigned long)n_pairs];
		dst = dsts[n % (unsigned long)n_pairs];
		if (full) {
			memcpy(dst, src, size);
		} else {
			size_t off = ((n * 23) % (HEIGHT - SQUARE)) * STRIDE +
				     ((n * 37) % (WIDTH - SQUARE)) * 4;
			for (int y = 0; y < SQUARE; y++)
				memcpy(dst + off + (size_t)y * STRIDE, src + off + (size_t)y * STRIDE,
				       SQUARE * 4);
		}
		src[n % size]++; /* keep the copies from being optimised away */
		n++;
	} while (full ? (n % 8 || now_seconds() - t0 < seconds)
		      : (n % 4096 || now_seconds() - t0 < seconds));
	secs = now_seconds() - t0;
	cpu_ms = (self_cpu_seconds() - cpu0) * 1000.0;
	for (int i = 0; i < n_pairs; i++) {
		checksum += dsts[i][size / 2] + dsts[i][12345];
		free(srcs[i]);
		free(dsts[i]);
	}
	printf("framebench: label=%s frames=%lu seconds=%.3f fps=%.1f cpu_ms_per_frame=%.4f "
	       "self_cpu_ms=%.0f others_cpu_ms=0 checksum=%u\n",
	       label, n, secs, n / secs, cpu_ms / n, cpu_ms, checksum);
	return 0;
}

/*
 * --paint-copy: a painter process (the client) paints full frames into
 * memory files while this process, which maps them on its own and
 * read-only as a proxy does, copies each painted frame out; a pipe each
 * way passes the turns, over a ring of n buffers.
 */
enum paint_copy { PAINT_COPY_DROP, PAINT_COPY_KEEP, PAINT_ONLY };

static int run_paint_copy(int n, double seconds, enum paint_copy how, const char *label)
{
	size_t size = (size_t)STRIDE * HEIGHT;
	uint32_t *paint[MAX_BUFFERS];
	uint8_t *srcs[MAX_BUFFERS], *dst = malloc(size);
	int painted[2], free_slots[2], status;
	unsigned long copied = 0;
	double t0, cpu0, secs, cpu_ms;
	unsigned checksum = 0;
	struct rusage painter_usage;
	pid_t painter;
	char token;

	if (!dst)
		return 1;
	for (int i = 0; i < n; i++) {
		int fd = memfd_create("framebench-paint", MFD_CLOEXEC);

		if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
			return 1;
		paint[i] = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		srcs[i] = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (paint[i] == MAP_FAILED || srcs[i] == MAP_FAILED)
			return 1;
		memset(paint[i], 0x5a, size);
	}
	memset(dst, 0xa5, size);
	if (pipe(painted) < 0 || pipe(free_slots) < 0)
		return 1;
	painter = fork();
	if (painter < 0)
		return 1;
	if (painter == 0) {
		unsigned long k = 0;

		close(painted[0]);
		close(free_slots[1]);

		while (read(free_slots[0], &token, 1) == 1 && token == 'f') {
			paint_full(paint[k % (unsigned long)n], k);
			k++;
			if (write(painted[1], "p", 1) != 1)
				break;
		}
		_exit(0);
	}
	close(painted[1]);
	close(free_slots[0]);
	t0 = now_seconds();
	cpu0 = self_cpu_seconds();
	for (int i = 0; i < n; i++)
		if (write(free_slots[1], "f", 1) != 1)
			return 1;
	while (read(painted[0], &token, 1) == 1) {
		if (how != PAINT_ONLY)
			memcpy(dst, srcs[copied % (unsigned long)n], size);
		if (how == PAINT_COPY_DROP)
			nest_drop_lines(srcs[copied % (unsigned long)n], size);
		copied++;
		if (copied % 8 == 0 && now_seconds() - t0 >= seconds)
			break;
		if (write(free_slots[1], "f", 1) != 1)
			return 1;
	}
	secs = now_seconds() - t0;
	cpu_ms = (self_cpu_seconds() - cpu0) * 1000.0;
	close(free_slots[1]);	/* the painter ends at end of file */
	waitpid(painter, &status, 0);
	getrusage(RUSAGE_CHILDREN, &painter_usage);
	checksum = dst[size / 2] + dst[12345];
	free(dst);
	for (int i = 0; i < n; i++) {
		munmap(paint[i], size);
		munmap(srcs[i], size);
	}
	printf("framebench: label=%s frames=%lu seconds=%.3f fps=%.1f cpu_ms_per_frame=%.4f "
	       "self_cpu_ms=%.0f others_cpu_ms=%.0f checksum=%u\n",
	       label, copied, secs, copied / secs, cpu_ms / (double)copied, cpu_ms,
	       ((double)painter_usage.ru_utime.tv_sec + painter_usage.ru_utime.tv_usec / 1e6 +
		(double)painter_usage.ru_stime.tv_sec + painter_usage.ru_stime.tv_usec / 1e6) * 1000.0,
	       checksum);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "damage", required_argument, NULL, 'd' },
		{ "pace", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "buffers", required_argument, NULL, 'b' },
		{ "pids", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "memcpy", required_argument, NULL, 'm' },
		{ "count-parent", no_argument, NULL, 'P' },
		{ "paint-copy", no_argument, NULL, 'C' },
		{ "keep-lines", no_argument, NULL, 'K' },
		{ "paint-only", no_argument, NULL, 'O' },
		{ 0 },
	};
	struct bench b = { .damage_full = true, .n_buffers = 3 };
	const char *label = "frames", *memcpy_mode = NULL;
	double seconds = 3;
	int warmup = 30, c;
	bool buffers_given = false, paint_copy = false;
	enum paint_copy how = PAINT_COPY_DROP;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (strcmp(optarg, "full") && strcmp(optarg, "square")) {
				fprintf(stderr, "framebench: --damage full or square\n");
				return 1;
			}
			b.damage_full = strcmp(optarg, "square") != 0;
			break;
		case 'f':
			if (strcmp(optarg, "frame") && strcmp(optarg, "buffers")) {
				fprintf(stderr, "framebench: --pace buffers or frame\n");
				return 1;
			}
			b.pace_frame = strcmp(optarg, "frame") == 0;
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 'b':
			b.n_buffers = atoi(optarg);
			if (b.n_buffers < 1 || b.n_buffers > MAX_BUFFERS)
				return 1;
			buffers_given = true;
			break;
		case 'p':
			for (char *tok = strtok(optarg, ","); tok && b.n_roots < MAX_ROOTS;
			     tok = strtok(NULL, ","))
				b.roots[b.n_roots++] = (pid_t)atoi(tok);
			break;
		case 'l':
			label = optarg;
			break;
		case 'm':
			memcpy_mode = optarg;
			break;
		case 'C':
			paint_copy = true;
			break;
		case 'K':
			how = PAINT_COPY_KEEP;
			break;
		case 'O':
			how = PAINT_ONLY;
			break;
		case 'P':
			/* for a proxy that runs us as its child (waypipe server) */
			if (b.n_roots < MAX_ROOTS)
				b.roots[b.n_roots++] = getppid();
			break;
		default:
			fprintf(stderr, "usage: see tests/bench/framebench.c\n");
			return 1;
		}
	}
	if (seconds <= 0 || warmup < 0)
		return 1;
	if (paint_copy)
		return run_paint_copy(b.n_buffers, seconds, how, label);
	if (memcpy_mode)
		return run_memcpy(strcmp(memcpy_mode, "square") != 0,
				  buffers_given ? b.n_buffers : 1, seconds, label);
	return run_frames(&b, seconds, warmup, label);
}
