// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "wl_test_env.h"

uint16_t env_queue_size = 64;

static int
listen_at(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

struct env *
env_new(uint64_t features, void (*tweak)(struct wl_config *))
{
	struct env *e = calloc(1, sizeof(*e));
	char err[128];

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/wltest.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path[0], sizeof(e->path[0]), "%s/wayland-0", e->dir);
	snprintf(e->path[1], sizeof(e->path[1]), "%s/second", e->dir);
	e->listen_fd[0] = listen_at(e->path[0]);
	e->listen_fd[1] = listen_at(e->path[1]);
	wl_config_init(&e->cfg);
	assert_int_equal(wl_config_add_socket(&e->cfg, "", e->path[0], err, sizeof(err)), 0);
	assert_int_equal(wl_config_add_socket(&e->cfg, "second", e->path[1], err,
					      sizeof(err)), 0);
	e->cfg.limits.io_timeout_ms = 200;
	if (tweak)
		tweak(&e->cfg);
	assert_int_equal(fake_vm_init(&e->vm, &e->cfg, env_queue_size), 0);
	wl_dev_activate(e->vm.dev, features);
	return e;
}

void
env_free(struct env *e)
{
	fake_vm_finish(&e->vm);
	close(e->listen_fd[0]);
	close(e->listen_fd[1]);
	unlink(e->path[0]);
	unlink(e->path[1]);
	rmdir(e->dir);
	free(e);
}

struct wl_dev_stats
stats(struct env *e)
{
	struct wl_dev_stats s;

	wl_dev_get_stats(e->vm.dev, &s);
	return s;
}

/* Requests */

uint32_t
new_alloc(struct env *e, uint32_t id, uint32_t flags, uint32_t size,
	  struct virtio_wl_ctrl_vfd_new *resp)
{
	struct virtio_wl_ctrl_vfd_new req = { 0 }, dummy;

	req.hdr.type = htole32(VIRTIO_WL_CMD_VFD_NEW);
	req.vfd_id = htole32(id);
	req.flags = htole32(flags);
	req.size = htole32(size);
	return fake_cmd(&e->vm, &req, sizeof(req), resp ? resp : &dummy, sizeof(req));
}

uint32_t
new_ctx(struct env *e, uint32_t id, const char *name,
	struct virtio_wl_ctrl_vfd_new *resp)
{
	struct virtio_wl_ctrl_vfd_new req = { 0 }, dummy;

	req.hdr.type = htole32(name ? VIRTIO_WL_CMD_VFD_NEW_CTX_NAMED :
				      VIRTIO_WL_CMD_VFD_NEW_CTX);
	req.vfd_id = htole32(id);
	req.flags = htole32(VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_READ);
	if (name)
		memcpy(req.name, name, strnlen(name, sizeof(req.name)));
	return fake_cmd(&e->vm, &req, sizeof(req), resp ? resp : &dummy, sizeof(req));
}

uint32_t
new_pipe(struct env *e, uint32_t id, uint32_t flags,
	 struct virtio_wl_ctrl_vfd_new *resp)
{
	struct virtio_wl_ctrl_vfd_new req = { 0 }, dummy;

	req.hdr.type = htole32(VIRTIO_WL_CMD_VFD_NEW_PIPE);
	req.vfd_id = htole32(id);
	req.flags = htole32(flags);
	return fake_cmd(&e->vm, &req, sizeof(req), resp ? resp : &dummy, sizeof(req));
}

uint32_t
close_vfd(struct env *e, uint32_t id)
{
	struct virtio_wl_ctrl_vfd req = { 0 };
	uint8_t resp[8];

	req.hdr.type = htole32(VIRTIO_WL_CMD_VFD_CLOSE);
	req.vfd_id = htole32(id);
	return fake_cmd(&e->vm, &req, sizeof(req), resp, sizeof(resp));
}

uint32_t
send_raw(struct env *e, uint32_t type, uint32_t target, uint32_t count,
	 const void *entries, size_t entries_len, const void *data, size_t len)
{
	static uint8_t buf[65536];
	uint8_t resp[8];
	struct virtio_wl_ctrl_vfd_send hdr = { 0 };

	assert_true(sizeof(hdr) + entries_len + len <= sizeof(buf));
	hdr.hdr.type = htole32(type);
	hdr.vfd_id = htole32(target);
	hdr.vfd_count = htole32(count);
	memcpy(buf, &hdr, sizeof(hdr));
	if (entries_len)
		memcpy(buf + sizeof(hdr), entries, entries_len);
	if (len)
		memcpy(buf + sizeof(hdr) + entries_len, data, len);
	return fake_cmd(&e->vm, buf, sizeof(hdr) + entries_len + len, resp, sizeof(resp));
}

uint32_t
send_ids(struct env *e, uint32_t target, const uint32_t *ids, uint32_t n,
	 const void *data, size_t len)
{
	uint32_t le[32] = { 0 };
	uint32_t i;

	for (i = 0; i < n; i++)
		le[i] = htole32(ids[i]);
	return send_raw(e, VIRTIO_WL_CMD_VFD_SEND, target, n, le, n * 4, data, len);
}

/* The compositor's side */

int
accept_one(struct env *e, int which)
{
	int fd = accept4(e->listen_fd[which], NULL, NULL, SOCK_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

ssize_t
recv_with_fds(int fd, void *buf, size_t cap, int *fds, unsigned int *n_fds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 32)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { buf, cap };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	ssize_t n;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.b;
	mh.msg_controllen = sizeof(control.b);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	*n_fds = 0;
	for (c = n < 0 ? NULL : CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		memcpy(fds + *n_fds, CMSG_DATA(c), k * sizeof(int));
		*n_fds += (unsigned int)k;
	}
	return n;
}

void
send_with_fds(int fd, const void *data, size_t len, const int *fds, unsigned int n)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 32)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { 0 };

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (n) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	assert_int_equal(sendmsg(fd, &mh, 0), (ssize_t)len);
}

int
make_memfd(const char *content, size_t size)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (content)
		assert_int_equal(pwrite(fd, content, strlen(content), 0),
				 (ssize_t)strlen(content));
	return fd;
}

struct fake_map *
map_at(struct env *e, uint64_t offset)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX_MAPS; i++)
		if (e->vm.maps[i].live && e->vm.maps[i].offset == offset)
			return &e->vm.maps[i];
	return NULL;
}

unsigned int
live_maps(struct env *e)
{
	unsigned int i, n = 0;

	for (i = 0; i < FAKE_MAX_MAPS; i++)
		n += e->vm.maps[i].live;
	return n;
}

bool
watched_fd_ready(struct env *e)
{
	struct pollfd pfd = { .fd = e->vm.watch_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

int
expect_msg(struct env *e, uint32_t type, uint32_t id, uint8_t *buf, size_t cap)
{
	struct virtio_wl_ctrl_vfd m;
	int len = fake_in_msg(&e->vm, buf, cap);

	assert_true(len >= (int)sizeof(m));
	memcpy(&m, buf, sizeof(m));
	assert_int_equal(le32toh(m.hdr.type), type);
	assert_int_equal(le32toh(m.vfd_id), id);
	return len;
}

