// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the virtio-wl device model: fuzzer bytes become
 * out-queue commands, raw bytes written over the out queue's ring (the
 * descriptor walk), in-buffers of any size, and a compositor that writes
 * data and fds back and hangs up.  Crashes, sanitizer reports and leaked
 * host fds are failures.
 *
 * Input: byte 0 features, byte 1 configuration, then records:
 *   0 CMD     u16 len, u8 resp_cap, u8 split, len bytes
 *   1 RING    u16 offset, u8 n, n bytes over the out ring, then a kick
 *   2 POST    u8 count, u16 size: in-buffers
 *   3 HOST    u8 n, u8 fdkind, n bytes from the compositor
 *   4 HANGUP  the compositor closes its connections
 *   5 DRAIN   run events, the driver takes every in message
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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../unit/wl_fake_vmm.h"

#define MAX_CONNS 8

static char sock_path[108];
static int listen_fd = -1;
static int conns[MAX_CONNS];
static int n_conns;

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

static void
setup_once(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/wlfuzz.XXXXXX";

	if (listen_fd >= 0)
		return;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/wayland-0", dir);
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

static void
do_cmd(struct fake_vm *vm, struct input *in)
{
	unsigned int len = take16(in) % 8192, cap = take8(in), split = take8(in) % 3;
	struct fake_seg segs[4];
	unsigned int n = 0, cut, i;
	uint64_t addr;

	if (len > in->left)
		len = (unsigned int)in->left;
	addr = fake_alloc(vm, len + 16);
	memcpy(vm->mem + addr, in->p, len);
	in->p += len;
	in->left -= len;
	/* The request in 1-3 readable pieces, then the answer area. */
	cut = split ? len / (split + 1) : len;
	for (i = 0; i <= split; i++) {
		unsigned int start = i * cut, end = i == split ? len : (i + 1) * cut;

		segs[n++] = (struct fake_seg){ addr + start, end - start, false };
	}
	if (cap)
		segs[n++] = (struct fake_seg){ fake_alloc(vm, cap), cap, true };
	fake_post(vm, WL_QUEUE_OUT, segs, n);
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

static int
host_fd(unsigned int kind)
{
	int p[2], fd;

	switch (kind % 4) {
	case 0:
		fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd >= 0 && ftruncate(fd, (off_t)(kind * 97)) < 0) {
			close(fd);
			fd = -1;
		}
		if (fd >= 0 && (kind & 0x10))
			fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE);
		return fd;
	case 1:
	case 2:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -1;
		close(p[kind % 4 == 1 ? 0 : 1]);
		return p[kind % 4 == 1 ? 1 : 0];
	default:
		return -1;
	}
}

static void
do_host(struct fake_vm *vm, struct input *in)
{
	unsigned int n = take8(in) * 17, kind = take8(in);
	union {
		char b[CMSG_SPACE(sizeof(int) * 3)];
		struct cmsghdr align;
	} control;
	int fds[3], n_fds = 0, i;
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
	for (i = 0; i < (int)(kind >> 6); i++) {
		int fd = host_fd(kind + (unsigned int)i);

		if (fd >= 0)
			fds[n_fds++] = fd;
	}
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
drain(struct fake_vm *vm)
{
	uint8_t buf[8192];
	int i;

	fake_run_events(vm);
	for (i = 0; i < 512 && fake_in_msg(vm, buf, sizeof(buf)) >= 0; i++)
		;
	/* What the compositor got is read and dropped, fds closed. */
	for (i = 0; i < n_conns; i++) {
		union {
			char b[CMSG_SPACE(sizeof(int) * 32)];
			struct cmsghdr align;
		} control;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { 0 };
		struct cmsghdr *c;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = control.b;
		mh.msg_controllen = sizeof(control.b);
		while (recvmsg(conns[i], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) > 0) {
			for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
				size_t k, nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				for (k = 0; k < nfd; k++) {
					int fd;

					memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
					close(fd);
				}
			}
			mh.msg_controllen = sizeof(control.b);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct wl_config cfg;
	struct fake_vm vm;
	unsigned int features, conf, steps;
	int fds_before;
	char err[128];

	setup_once();
	fds_before = count_fds();
	features = take8(&in);
	conf = take8(&in);
	wl_config_init(&cfg);
	if (wl_config_add_socket(&cfg, "", sock_path, err, sizeof(err)) < 0 ||
	    wl_config_add_socket(&cfg, "second", sock_path, err, sizeof(err)) < 0)
		abort();
	cfg.memfd_server = conf & 1;
	cfg.offer_use_shmem = !(conf & 2);
	cfg.window_size = 64ull << 20;
	cfg.limits.max_mapped_bytes = conf & 4 ? 64 * 1024 : 16ull << 20;
	cfg.limits.max_vfds = conf & 8 ? 4 : 64;
	cfg.limits.max_send_bytes = 64 * 1024;
	cfg.limits.io_timeout_ms = 1;
	cfg.limits.max_pending_msgs = 64;
	if (fake_vm_init(&vm, &cfg, conf & 16 ? 8 : 64) < 0)
		abort();
	wl_dev_activate(vm.dev, features & 7ull << 1);

	for (steps = 0; in.left && steps < 256; steps++) {
		switch (take8(&in) % 6) {
		case 0: do_cmd(&vm, &in); break;
		case 1: do_ring(&vm, &in); break;
		case 2: fake_post_in(&vm, take8(&in) % 8 + 1, take16(&in) % 5000); break;
		case 3: do_host(&vm, &in); break;
		case 4: hang_up_all(); fake_run_events(&vm); break;
		case 5: drain(&vm); break;
		}
	}
	drain(&vm);
	fake_vm_finish(&vm);
	hang_up_all();
	/* Every host fd the device took must be closed with it. */
	if (fds_before >= 0 && count_fds() != fds_before) {
		fprintf(stderr, "fd leak: %d open before, %d after\n", fds_before,
			count_fds());
		abort();
	}
	return 0;
}
