// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the virtio-wl device model: fuzzer bytes become
 * out-queue commands, raw bytes written over the out queue's ring (the
 * descriptor walk), in-buffers of any size and shape, and a compositor
 * that writes data and fds back (more than fit, pipes it keeps writing
 * to), reads slowly or not at all, and hangs up; the device's clock,
 * map failures, fd exhaustion and resets come from the input too.
 * Crashes, sanitizer reports and leaked host fds are failures.
 *
 * Input: byte 0 features, byte 1 configuration, byte 2 more of it, then
 * records (the first byte's low 4 bits pick one):
 *   0 CMD      u16 len, u8 resp_cap, u8 split, len bytes
 *   1 RING     u16 offset, u8 n, n bytes over the out ring, then a kick
 *   2 POST     u8 count, u16 size: in-buffers
 *   3 HOST     u8 n, u8 kind, n * 17 bytes from the compositor with fds
 *   4 HANGUP   the compositor closes its connections
 *   5 DRAIN    run events; the driver takes every in message, the
 *              compositor reads everything
 *   6 WAIT     u8 t: the device's clock moves on t * 4 ms
 *   7 RESET    u8 again: the driver resets the device (and sets it up
 *              again if again is odd; until then requests go unanswered)
 *   8 PIPE     u8 which, u8 n: the compositor writes n bytes into a pipe
 *              it gave the guest the read end of, or reads n bytes from
 *              one it gave the write end of (n = 0: closes it)
 *   9 SPLIT    u8 count, u16 size, u8 pieces: in-buffers in pieces
 *  10 FAILMAP  the VMM's next map fails
 *  11 EMFILE   u8 room: the next CMD runs with only that many free fds
 *  12 FILL     u8 id, u8 n: large SENDs (n % 29 fds of vfd 2 each) to vfd
 *              id (ids from 0x80 on: host vfd 0x40000000 + id % 8) until
 *              one is held
 *  13 SIP      u8 which, u16 n: the compositor reads up to n bytes
 *  14 CONFIG   u8 len, len bytes: a socket spec and limits for a scratch
 *              configuration (parsing and checks; a device it may make)
 *  15 NOMEM    u8 n: the device's n-th next allocation fails, for the
 *              next record
 *  16 BATCH    u8 n: n requests in the ring before one kick
 *  17 WINDOW   u8 size, u8 n, n bytes: allocations and frees in a window
 *              of its own (the allocator alone; overlaps are failures)
 *  18 VRING    u8 n, n bytes: a ring set up from these bytes, then walked
 *
 * Byte 2: bits 0-2 max contexts - 1, bit 3 a 256-entry ring, bit 4 the
 * smallest max-send.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_wl.h>

#include "../unit/wl_fake_vmm.h"
#include "../../host/wl/wl_window.h"

#define MAX_CONNS 8
#define MAX_PIPES 8

static char sock_path[108], gone_path[108], alloc_dir[108];
static int listen_fd = -1;
static int conns[MAX_CONNS];
static int n_conns;
/* The compositor's ends of pipes and sockets whose other end went to the
 * guest: it writes into them, or reads from them. */
static struct {
	int fd;
	bool reads;
} pipes[MAX_PIPES];
static int n_pipes;

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned int
take8(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static unsigned int
take16(struct input *in)
{
	unsigned int lo = take8(in);

	return lo | take8(in) << 8;
}

static char top_dir[32];

/* The socket and directories go with the process. */
static void
remove_dirs(void)
{
	unlink(sock_path);
	rmdir(alloc_dir);
	rmdir(top_dir);
}

static void
setup_once(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	/*
	 * Not on tmpfs: posix_fallocate there clears real pages, and the
	 * allocations' sizes come from the input.
	 */
	char dir[] = "/tmp/wlfuzz.XXXXXX";

	if (listen_fd >= 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		abort();
	memcpy(top_dir, dir, sizeof(dir));
	atexit(remove_dirs);
	snprintf(sock_path, sizeof(sock_path), "%s/wayland-0", dir);
	snprintf(gone_path, sizeof(gone_path), "%s/gone", dir);
	snprintf(alloc_dir, sizeof(alloc_dir), "%s/alloc", dir);
	if (mkdir(alloc_dir, 0700) < 0)
		abort();
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memcpy(addr.sun_path, sock_path, strlen(sock_path) + 1);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listen_fd, 64) < 0)
		abort();
}

static void
accept_all(void)
{
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (n_conns < MAX_CONNS)
			conns[n_conns++] = fd;
		else
			close(fd);
	}
}

static void
hang_up_all(void)
{
	while (n_conns)
		close(conns[--n_conns]);
}

/*
 * Allocation failures on demand: the model's objects are linked with
 * --wrap=malloc,--wrap=calloc, so their calls come here.
 */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
static int fail_in = -1;	/* allocations until one fails; -1: none */
static uint32_t max_vfds;	/* of the device under test */

static bool
alloc_fails(void)
{
	if (fail_in < 0)
		return false;
	return fail_in-- == 0;
}

void *
__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *ent;
	int n = 0;

	if (!d)
		return -1;
	while ((ent = readdir(d)))
		n++;
	closedir(d);
	return n;
}

/* Posts one request, without kicking. */
static void
post_cmd(struct fake_vm *vm, const uint8_t *req, unsigned int len, unsigned int cap,
	 unsigned int split)
{
	struct fake_seg segs[4];
	unsigned int n = 0, cut, i;
	uint64_t addr = fake_alloc(vm, len + 16);

	memcpy(vm->mem + addr, req, len);
	/* The request in 1-3 readable pieces, then the answer area. */
	cut = split ? len / (split + 1) : len;
	for (i = 0; i <= split; i++) {
		unsigned int start = i * cut, end = i == split ? len : (i + 1) * cut;

		segs[n++] = (struct fake_seg){ addr + start, end - start, false };
	}
	if (cap)
		segs[n++] = (struct fake_seg){ fake_alloc(vm, cap), cap, true };
	fake_post(vm, WL_QUEUE_OUT, segs, n);
}

static void
do_cmd(struct fake_vm *vm, struct input *in)
{
	unsigned int len = take16(in) % 8192, cap = take8(in), split = take8(in) % 3;

	if (len > in->left)
		len = (unsigned int)in->left;
	post_cmd(vm, in->p, len, cap, split);
	in->p += len;
	in->left -= len;
	wl_dev_kick(vm->dev, WL_QUEUE_OUT);
	accept_all();
}

static void
do_ring(struct fake_vm *vm, struct input *in)
{
	unsigned int off = take16(in) % 0x3000, n = take8(in);

	if (n > in->left)
		n = (unsigned int)in->left;
	memcpy(vm->mem + FAKE_QUEUE_BASE(WL_QUEUE_OUT) + off, in->p,
	       n > 0x3000 - off ? 0x3000 - off : n);
	in->p += n;
	in->left -= n;
	wl_dev_kick(vm->dev, WL_QUEUE_OUT);
	accept_all();
}

/* Keeps @fd as the compositor's end (or closes it when there is no room). */
static void
keep_end(int fd, bool reads)
{
	if (n_pipes < MAX_PIPES) {
		/* Our end only: the guest's keeps the mode the host gave it. */
		fcntl(fd, F_SETFL, O_NONBLOCK);
		pipes[n_pipes].fd = fd;
		pipes[n_pipes++].reads = reads;
	} else {
		close(fd);
	}
}

static int
memfd_of(off_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd >= 0 && ftruncate(fd, size) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* An fd a compositor might send: memory of many kinds, pipes, sockets. */
static int
host_fd(unsigned int kind)
{
	char path[64];
	int p[2], fd;

	switch (kind % 8) {
	case 0:
		/* Sizes from none to a few pages. */
		return memfd_of((off_t)((kind >> 3) % 16 * 997));
	case 1:
		/* A read end for the guest; the compositor keeps writing. */
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
			return -1;
		keep_end(p[1], false);
		return p[0];
	case 2:
		/* A write end (blocking, as the host made it); we read, or not. */
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		keep_end(p[0], true);
		return p[1];
	case 3:
		/* A socket end: the guest may both read and write it. */
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
			return -1;
		if (kind & 8)
			keep_end(p[1], true);
		else
			close(p[1]);
		return p[0];
	case 4:
		/* More than the guest can be told the size of. */
		return memfd_of(5ll << 30);
	case 5:
		/* Memory the guest could not even read. */
		fd = memfd_of(4096);
		if (fd < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		p[0] = open(path, (kind & 8 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		close(fd);
		return p[0];
	case 6:
		fd = memfd_of(8192);
		if (fd >= 0)
			fcntl(fd, F_ADD_SEALS, kind & 8 ? F_SEAL_WRITE : F_SEAL_SHRINK);
		return fd;
	default:
		return open("/dev/null", O_RDWR | O_CLOEXEC);
	}
}

static void
do_host(struct fake_vm *vm, struct input *in)
{
	unsigned int n = take8(in) * 17, kind = take8(in), n_fds = kind >> 6, i;
	union {
		char b[CMSG_SPACE(sizeof(int) * 40)];
		struct cmsghdr align;
	} control;
	int fds[40];
	struct msghdr mh = { 0 };
	struct iovec iov;
	static uint8_t zeros[4096 + 512];

	if (!n_conns)
		return;
	if (n > in->left)
		n = (unsigned int)in->left;
	iov.iov_base = n ? (void *)in->p : zeros;
	iov.iov_len = n ? n : 1;
	in->p += n;
	in->left -= n;
	/* 3: more fds than a RECV carries (the device must hang up). */
	if (n_fds == 3)
		n_fds = 29 + kind % 11;
	for (i = 0; i < n_fds; i++) {
		fds[i] = i < 3 ? host_fd(kind + i) : dup(fds[0]);
		if (fds[i] < 0)
			break;
	}
	n_fds = i;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (n_fds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n_fds);
	}
	(void)sendmsg(conns[kind % n_conns], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	for (i = 0; i < n_fds; i++)
		close(fds[i]);
	fake_run_events(vm);
}

static void
close_received(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t k, nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (k = 0; k < nfd; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
			close(fd);
		}
	}
}

/* The compositor reads up to @max bytes of connection @i; fds are closed. */
static size_t
sip(int i, size_t max)
{
	uint8_t buf[8192];
	size_t got = 0;

	while (got < max) {
		union {
			char b[CMSG_SPACE(sizeof(int) * 32)];
			struct cmsghdr align;
		} control;
		struct iovec iov = { buf, max - got < sizeof(buf) ? max - got : sizeof(buf) };
		struct msghdr mh = { 0 };
		ssize_t n;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = control.b;
		mh.msg_controllen = sizeof(control.b);
		n = recvmsg(conns[i], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n <= 0)
			break;
		close_received(&mh);
		got += (size_t)n;
	}
	return got;
}

static void
drain(struct fake_vm *vm)
{
	uint8_t buf[8192];
	int i;

	fake_run_events(vm);
	for (i = 0; i < 512 && fake_in_msg(vm, buf, sizeof(buf)) >= 0; i++)
		;
	{
		struct wl_dev_stats st;

		wl_dev_get_stats(vm->dev, &st);
		if (st.vfds > max_vfds || st.held_chains > 256)
			fprintf(stderr, "bound broken: %u vfds (max %u), %u held\n", st.vfds, max_vfds, st.held_chains), abort();
	}
	for (i = 0; i < n_conns; i++)
		sip(i, SIZE_MAX);
	fake_run_events(vm);
}

static void
do_pipe(struct fake_vm *vm, struct input *in)
{
	unsigned int which = take8(in), n = take8(in) * 64;
	static uint8_t data[256 * 64];
	ssize_t ret;

	if (!n_pipes)
		return;
	which %= (unsigned int)n_pipes;
	if (!n) {
		close(pipes[which].fd);
		pipes[which] = pipes[--n_pipes];
	} else if (pipes[which].reads) {
		ret = recv(pipes[which].fd, data, n, MSG_DONTWAIT);
		if (ret < 0 && errno == ENOTSOCK)
			ret = read(pipes[which].fd, data, n);
	} else {
		ret = send(pipes[which].fd, data, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (ret < 0 && errno == ENOTSOCK)
			ret = write(pipes[which].fd, data, n);
	}
	fake_run_events(vm);
}

/* The window allocator alone: no two ranges it hands out overlap. */
static void
do_window(struct input *in)
{
	uint64_t start[32], size[32];
	unsigned int n_live = 0, n = take8(in) % 64, i, j;
	struct wl_window win;

	wl_window_init(&win, (uint64_t)(take8(in) % 64 + 1) * WL_PAGE_SIZE);
	for (i = 0; i < n; i++) {
		unsigned int op = take8(in);

		if (op & 1 && n_live) {
			unsigned int k = (op >> 1) % n_live;

			if (wl_window_free(&win, start[k]) < 0)
				abort();
			start[k] = start[--n_live];
			size[k] = size[n_live];
		} else if (n_live < 32) {
			uint64_t len = (uint64_t)(op >> 1) * WL_PAGE_SIZE, off;

			if (wl_window_alloc(&win, len, &off) < 0)
				continue;
			for (j = 0; j < n_live; j++)
				if (off < start[j] + size[j] && start[j] < off + len)
					abort();
			if (off + len > win.size)
				abort();
			start[n_live] = off;
			size[n_live++] = len;
		}
	}
	if (wl_window_free(&win, win.size + WL_PAGE_SIZE) != -ENOENT)
		abort();
	wl_window_finish(&win);
}

/* A ring laid out by the input in memory of its own, then walked. */
static void
do_vring(struct input *in)
{
	static uint8_t mem[16384];
	unsigned int n = take8(in), i;
	struct wl_vring vr;
	struct wl_chain chain;

	if (n > in->left)
		n = (unsigned int)in->left;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, in->p, n);
	in->p += n;
	in->left -= n;
	if (wl_vring_setup(&vr, mem, sizeof(mem), (uint16_t)(1u << (mem[0] % 10)),
			   mem[1] * 64ull, 4096 + mem[2] * 2ull, 8192 + mem[3] * 4ull) < 0) {
		/* not set up: it yields nothing */
		if (wl_vring_has_chain(&vr) || wl_vring_pop(&vr, &chain) != 0)
			abort();
		return;
	}
	for (i = 0; i < 8 && wl_vring_pop(&vr, &chain) > 0; i++)
		wl_vring_push(&vr, &chain, 0);
}

/*
 * The next CMD (or events, or making a device) with only @room fds free
 * in the process.
 */
static void
do_emfile(struct fake_vm *vm, const struct wl_config *cfg, struct input *in)
{
	unsigned int room = take8(in) % 6, what = take8(in) % 3;
	struct rlimit saved, tight;
	int open_now = count_fds();

	if (open_now < 0 || getrlimit(RLIMIT_NOFILE, &saved) < 0)
		return;
	tight = saved;
	/* fds are numbered from the lowest free one: count, plus room. */
	tight.rlim_cur = (rlim_t)open_now + room;
	if (tight.rlim_cur > saved.rlim_cur)
		return;
	setrlimit(RLIMIT_NOFILE, &tight);
	if (what == 0) {
		do_cmd(vm, in);
	} else if (what == 1) {
		fake_run_events(vm);
	} else {
		struct fake_vm other;

		if (fake_vm_init(&other, cfg, 8) == 0)
			fake_vm_finish(&other);
	}
	setrlimit(RLIMIT_NOFILE, &saved);
}

/* Socket specs and limits for a configuration of their own. */
static void
do_config(struct input *in)
{
	unsigned int len = take8(in) % 160, i;
	struct wl_config cfg;
	char spec[200], err[256];
	struct fake_vm other;

	if (len > in->left)
		len = (unsigned int)in->left;
	memcpy(spec, in->p, len);
	spec[len] = '\0';
	in->p += len;
	in->left -= len;
	wl_config_init(&cfg);
	wl_config_parse_socket(&cfg, spec, err, sizeof(err));
	wl_config_add_socket(&cfg, len % 2 ? spec : NULL, "/x", err, sizeof(err));
	if (len > 11 && spec[11] & 1)
		wl_config_add_socket(&cfg, WL_MEMFD_CTX_NAME, "/m", err, sizeof(err));
	/* More names than a device takes. */
	for (i = 0; len > 12 && spec[12] & 1 && i < 20; i++) {
		char name[8];

		snprintf(name, sizeof(name), "n%u", i);
		wl_config_add_socket(&cfg, name, "/y", err, sizeof(err));
	}
	/* Limits from the same bytes, right or wrong. */
	cfg.window_size = 1ull << (16 + (len ? spec[0] & 31 : 0));
	cfg.limits.max_vfds = len > 1 ? (uint8_t)spec[1] * 4099u : 0;
	cfg.limits.max_contexts = len > 2 ? (uint8_t)spec[2] : 1;
	cfg.limits.max_mapped_bytes = len > 3 ? (uint64_t)(uint8_t)spec[3] << 20 : 0;
	cfg.limits.max_send_bytes = len > 4 ? (uint32_t)(uint8_t)spec[4] << 19 : 0;
	cfg.limits.io_timeout_ms = len > 5 ? (uint32_t)(uint8_t)spec[5] * 3000 : 1;
	cfg.limits.vfd_queue_bytes = len > 6 ? (uint32_t)(uint8_t)spec[6] << 16 : 1;
	cfg.limits.max_queued_fds = len > 7 ? (uint32_t)(uint8_t)spec[7] * 20 : 0;
	cfg.memfd_server = len > 8 && spec[8] & 1;
	if (len > 9 && spec[9] & 1)
		snprintf(cfg.alloc_dir, sizeof(cfg.alloc_dir), "%s", len > 10 && spec[10] & 1 ?
			 "relative" : alloc_dir);
	/*
	 * A valid configuration with a command buffer of many MiB is left at
	 * the check: creating it shows nothing new and costs the sanitizer
	 * more than the rest of the run.
	 */
	if (wl_config_check(&cfg, err, sizeof(err)) == 0 &&
	    cfg.limits.max_send_bytes > (64u << 10))
		return;
	if (wl_config_check(&cfg, err, sizeof(err)) == 0 && wl_config_max_fds(&cfg) &&
	    fake_vm_init(&other, &cfg, 8) == 0)
		fake_vm_finish(&other);
	else
		wl_dev_destroy(wl_dev_create(&cfg, &fake_vmm_ops, NULL));
}

/* @n cheap requests (CLOSE of no vfd) in the ring, then one kick. */
static void
do_batch(struct fake_vm *vm, unsigned int n)
{
	static const uint8_t req[12] = { 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x77, 0, 0, 0 };
	unsigned int i;

	for (i = 0; i < n && i < vm->ring[WL_QUEUE_OUT].num; i++)
		post_cmd(vm, req, sizeof(req), 8, 0);
	wl_dev_kick(vm->dev, WL_QUEUE_OUT);
}

/* SENDs of 8000 bytes to vfd @id until one gets no answer at once. */
static void
do_fill(struct fake_vm *vm, struct input *in)
{
	static uint8_t req[16 + 28 * 4 + 8000];
	unsigned int b = take8(in), n_fds = take8(in) % 29, i;
	uint32_t id = htole32(b & 0x80 ? 0x40000000u + b % 8 : b % 8 + 1);
	uint32_t type = htole32(VIRTIO_WL_CMD_VFD_SEND), count = htole32(n_fds);
	uint32_t two = htole32(2);

	memset(req, 0x5a, sizeof(req));
	memcpy(req, &type, 4);
	memset(req + 4, 0, 4);
	memcpy(req + 8, &id, 4);
	memcpy(req + 12, &count, 4);
	for (i = 0; i < n_fds; i++)
		memcpy(req + 16 + 4 * i, &two, 4);
	for (i = 0; i < 48; i++) {
		uint32_t head, len;

		post_cmd(vm, req, 16 + 4 * n_fds + 8000, 8, 0);
		wl_dev_kick(vm->dev, WL_QUEUE_OUT);
		if (!fake_used(vm, WL_QUEUE_OUT, &head, &len))
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct wl_config cfg;
	struct fake_vm vm;
	unsigned int features, conf, conf2, steps;
	int fds_before;
	char err[128];

	setup_once();
	fds_before = count_fds();
	features = take8(&in) & 7u << 1;
	conf = take8(&in);
	conf2 = take8(&in);
	wl_config_init(&cfg);
	if (wl_config_add_socket(&cfg, "", sock_path, err, sizeof(err)) < 0 ||
	    wl_config_add_socket(&cfg, "second", sock_path, err, sizeof(err)) < 0 ||
	    wl_config_add_socket(&cfg, "gone", gone_path, err, sizeof(err)) < 0)
		abort();
	cfg.memfd_server = conf & 1;
	cfg.offer_use_shmem = !(conf & 2);
	cfg.window_size = conf & 64 ? 1ull << 20 : 64ull << 20;
	cfg.limits.max_mapped_bytes = conf & 4 ? 64 * 1024 : conf & 64 ? 1ull << 20 : 16ull << 20;
	cfg.limits.max_vfds = conf & 8 ? 4 : 64;
	cfg.limits.max_contexts = 1 + conf2 % 8;
	cfg.limits.max_send_bytes = conf2 & 16 ? 0 : 64 * 1024;
	cfg.limits.io_timeout_ms = 20;
	cfg.limits.max_pending_msgs = 64;
	if (conf & 32) {
		cfg.limits.vfd_queue_bytes = 4096;
		cfg.limits.dev_queue_bytes = 8192;
		cfg.limits.max_queued_fds = 8;
	}
	if (conf & 128) {
		/*
		 * Allocations become files under /tmp: small ones, since a disk
		 * that discards on close can take seconds over many MiB.
		 */
		snprintf(cfg.alloc_dir, sizeof(cfg.alloc_dir), "%s", alloc_dir);
		if (cfg.limits.max_mapped_bytes > (1u << 20))
			cfg.limits.max_mapped_bytes = 1u << 20;
	}
	if (fake_vm_init(&vm, &cfg, conf & 16 ? 8 : conf2 & 8 ? 256 : 64) < 0)
		abort();
	max_vfds = cfg.limits.max_vfds;
	wl_dev_activate(vm.dev, features);

	for (steps = 0; in.left && steps < 256; steps++) {
		/* An allocation failure armed by NOMEM lasts one record. */
		switch (take8(&in) % 19) {
		case 0: do_cmd(&vm, &in); break;
		case 1: do_ring(&vm, &in); break;
		case 2: fake_post_in(&vm, take8(&in) % 8 + 1, take16(&in) % 5000); break;
		case 3: do_host(&vm, &in); break;
		case 4: hang_up_all(); fake_run_events(&vm); break;
		case 5: drain(&vm); break;
		case 6: fake_advance(&vm, (int64_t)take8(&in) * 4); break;
		case 7:
			wl_dev_reset(vm.dev);
			if (take8(&in) % 2)
				wl_dev_activate(vm.dev, features);
			break;
		case 8: do_pipe(&vm, &in); break;
		case 9: {
			unsigned int count = take8(&in) % 8 + 1, sz = take16(&in) % 5000;

			fake_post_in_split(&vm, count, sz, take8(&in) % 4 + 1);
			break;
		}
		case 10: vm.fail_map = take8(&in) % 2 ? ENOMEM : EINVAL; break;
		case 11: do_emfile(&vm, &cfg, &in); break;
		case 12: do_fill(&vm, &in); break;
		case 13:
			if (n_conns) {
				sip((int)(take8(&in) % (unsigned int)n_conns), take16(&in));
				fake_run_events(&vm);
			}
			break;
		case 14: do_config(&in); break;
		case 15: fail_in = (int)(take8(&in) % 8); continue;
		case 16: do_batch(&vm, take8(&in)); break;
		case 17: do_window(&in); break;
		case 18: do_vring(&in); break;
		}
		fail_in = -1;
	}
	fail_in = -1;
	drain(&vm);
	fake_vm_finish(&vm);
	hang_up_all();
	while (n_pipes)
		close(pipes[--n_pipes].fd);
	/* Every host fd the device took must be closed with it. */
	if (fds_before >= 0 && count_fds() != fds_before) {
		fprintf(stderr, "fd leak: %d open before, %d after\n", fds_before,
			count_fds());
		abort();
	}
	return 0;
}
