// SPDX-License-Identifier: MIT
/*
 * wl-guest-test: runs inside the VM against /dev/wl0 and the host test
 * peer (tests/vm/wl-test-peer.c), and prints one line per subtest:
 *
 *   @@TAP ok TAG/NAME
 *   @@TAP not ok TAG/NAME # why
 *   @@BENCH NAME VALUE UNIT
 *
 * which the host script turns into TAP.  Usage:
 *   wl-guest-test [--tag TAG] [--expect-shmem 0|1] [--cycles N]
 *                 [--only NAME] [--seconds S] [--bench]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_wl.h>
#include <linux/virtwl.h>

#include "wl-guest-lib.h"

#define MEMFD_CTX "virtwl-memfd"
#define VIRTIO_ID_WL 63		/* not in the kernel's uapi headers */
/* The 16-byte VIRTWL_IOCTL_NEW of the first ABI. */
#define IOCTL_NEW_V1 _IOC(_IOC_READ | _IOC_WRITE, 'w', 0x00, 16)

static const char *tag = "vm";
static int expect_shmem = -1;
static long cycles = 10000;

/* Subtests. */

static bool t_open(void)
{
	int fd = dev_open();
	long shm;

	CHECK(fd >= 0, "open /dev/wl0: %s", strerror(errno));
	close(fd);
	shm = read_long("/sys/class/misc/wl0/use_shmem");
	CHECK(shm == 0 || shm == 1, "no /sys/class/misc/wl0/use_shmem");
	CHECK(expect_shmem < 0 || shm == expect_shmem,
	      "use_shmem is %ld, expected %d", shm, expect_shmem);
	return true;
}

static bool t_ctx_echo(void)
{
	static const char msg[] = "hello through virtio_wl";
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	uint8_t *p;
	int r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	CHECK(fcntl(c->fd, F_GETFL) >= 0 &&
	      (fcntl(c->fd, F_GETFL) & O_ACCMODE) == O_RDWR, "context not O_RDWR");
	CHECK(fcntl(c->fd, F_GETFD) & FD_CLOEXEC, "context fd without FD_CLOEXEC");
	r = conn_send(c, WLT_ECHO, 0, 0, msg, sizeof(msg), NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, &p);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.op == WLT_ECHO && m.len == sizeof(msg) && !memcmp(p, msg, sizeof(msg)),
	      "echo differs (op %u len %u)", m.op, m.len);
	free(p);
	conn_close(c);
	return true;
}

static bool t_echo_28fds(void)
{
	int fds[WLT_MAX_FDS], back[WLT_MAX_FDS];
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	unsigned int i;
	int r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	for (i = 0; i < WLT_MAX_FDS; i++) {
		void *p;

		fds[i] = new_vfd(VIRTWL_IOCTL_NEW_ALLOC, 100 + i, NULL);
		CHECK(fds[i] >= 0, "ALLOC %u: %s", i, strerror(-fds[i]));
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		CHECK(p != MAP_FAILED, "mmap alloc %u: %s", i, strerror(errno));
		wlt_fill(p, PAGE, 1000 + i, 0);
		munmap(p, PAGE);
	}
	r = conn_send(c, WLT_ECHO, 0, 0, "28", 2, fds, WLT_MAX_FDS);
	CHECK(!r, "SEND with 28 fds: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.arg == WLT_MAX_FDS, "peer got %llu fds", (unsigned long long)m.arg);
	CHECK(conn_take_fds(c, back, WLT_MAX_FDS), "got %u fds back", c->nfds);
	for (i = 0; i < WLT_MAX_FDS; i++) {
		void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, back[i], 0);
		uint64_t bad;

		CHECK(p != MAP_FAILED, "mmap returned fd %u: %s", i, strerror(errno));
		bad = wlt_check(p, PAGE, 1000 + i, 0);
		munmap(p, PAGE);
		CHECK(!bad, "returned fd %u: wrong content at %llu", i,
		      (unsigned long long)bad - 1);
		CHECK(fcntl(back[i], F_GETFD) & FD_CLOEXEC, "received fd without FD_CLOEXEC");
		close(back[i]);
		close(fds[i]);
	}
	conn_close(c);
	return true;
}

static bool t_large(void)
{
	const size_t len = 300000;
	struct conn *c = conn_open(NULL);
	uint8_t *out = malloc(len), *p;
	int fds[3], back[3];
	struct wlt_msg m;
	unsigned int i;
	int r;

	CHECK(c && out, "NEW_CTX: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		fds[i] = new_vfd(VIRTWL_IOCTL_NEW_ALLOC, PAGE, NULL);
		CHECK(fds[i] >= 0, "ALLOC: %s", strerror(-fds[i]));
	}
	wlt_fill(out, len, 7, 0);
	r = conn_send(c, WLT_ECHO, 0, 0, out, (uint32_t)len, fds, 3);
	CHECK(!r, "SEND of %zu bytes: %s", len, strerror(-r));
	r = conn_reply(c, &m, &p);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.len == len, "echo of %u bytes", m.len);
	CHECK(!memcmp(p, out, len), "echoed data differs");
	CHECK(m.arg == 3 && conn_take_fds(c, back, 3), "fds with a large message");
	for (i = 0; i < 3; i++) {
		close(back[i]);
		close(fds[i]);
	}
	free(p);
	free(out);
	conn_close(c);
	return true;
}

static bool t_shm_guest(void)
{
	const uint32_t size = 16 * PAGE + 1;
	const size_t maplen = round_page(size);
	struct conn *c = conn_open(NULL);
	uint8_t *map, *part;
	struct wlt_msg m;
	uint64_t bad;
	int fd, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	fd = new_vfd(VIRTWL_IOCTL_NEW_ALLOC, size, NULL);
	CHECK(fd >= 0, "ALLOC: %s", strerror(-fd));
	map = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap of %zu bytes: %s", maplen, strerror(errno));
	wlt_fill(map, maplen, 11, 0);
	r = conn_send(c, WLT_CHECK_MEM, 11, maplen, NULL, 0, &fd, 1);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.arg == 0, "host saw other bytes than the guest wrote (at %llu)",
	      (unsigned long long)m.arg - 1);
	bad = wlt_check(map, maplen, 12, 0);
	CHECK(!bad, "guest does not see the host's writes (at %llu)",
	      (unsigned long long)bad - 1);

	/* A mapping at a page offset starts at that page. */
	part = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 3 * PAGE);
	CHECK(part != MAP_FAILED, "mmap at offset: %s", strerror(errno));
	CHECK(!memcmp(part, map + 3 * PAGE, 2 * PAGE), "mmap ignores the page offset");
	munmap(part, 2 * PAGE);
	errno = 0;
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, maplen) == MAP_FAILED &&
	      errno == EINVAL, "mmap past the end: errno %d", errno);
	errno = 0;
	CHECK(mmap(NULL, maplen + PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap longer than the vfd: errno %d", errno);
	munmap(map, maplen);
	CHECK(close(fd) == 0, "close: %s", strerror(errno));
	conn_close(c);
	return true;
}

static bool t_shm_host(void)
{
	const uint32_t size = 3 * PAGE + 100;
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	uint8_t *map;
	uint64_t bad;
	int fd, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	r = conn_send(c, WLT_MAKE_MEM, 21, size, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r && m.arg == 0, "reply: %s", strerror(-r));
	CHECK(conn_take_fds(c, &fd, 1), "no memfd came with the reply");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "host memfd vfd not O_RDWR");
	map = mmap(NULL, round_page(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap host memfd: %s", strerror(errno));
	bad = wlt_check(map, size, 21, 0);
	CHECK(!bad, "guest sees other bytes than the host wrote (at %llu)",
	      (unsigned long long)bad - 1);
	/* Keymaps are mapped MAP_PRIVATE; a private write stays private. */
	{
		uint8_t *priv = mmap(NULL, round_page(size), PROT_READ | PROT_WRITE,
				     MAP_PRIVATE, fd, 0);

		CHECK(priv != MAP_FAILED, "MAP_PRIVATE: %s", strerror(errno));
		CHECK(!wlt_check(priv, size, 21, 0), "MAP_PRIVATE sees other bytes");
		priv[0] ^= 0xff;
		CHECK(map[0] == wlt_pattern(21, 0), "a private write reached shared memory");
		munmap(priv, round_page(size));
	}
	wlt_fill(map, size, 22, 0);
	r = conn_send(c, WLT_VERIFY_MEM, 22, 0, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.arg == 0, "host does not see the guest's writes (at %llu)",
	      (unsigned long long)m.arg - 1);
	munmap(map, round_page(size));
	close(fd);
	conn_close(c);
	return true;
}

static bool t_pipe_guest_read(void)
{
	const size_t n = 100000;
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	uint64_t bad;
	long got;
	int p, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	p = new_vfd(VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(p >= 0, "NEW PIPE_READ: %s", strerror(-p));
	CHECK((fcntl(p, F_GETFL) & O_ACCMODE) == O_RDONLY, "PIPE_READ fd not O_RDONLY");
	errno = 0;
	CHECK(write(p, "x", 1) < 0 && errno == EBADF, "write on a read pipe: errno %d", errno);
	r = conn_send(c, WLT_FILL_PIPE, 31, n, NULL, 0, &p, 1);
	CHECK(!r, "SEND of the pipe: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r && m.arg == 0, "reply: %s", strerror(-r));
	got = read_to_eof(p, 31, &bad);
	CHECK(got == (long)n, "read %ld bytes, expected %zu", got, n);
	CHECK(!bad, "pipe data wrong at %llu", (unsigned long long)bad - 1);
	close(p);
	conn_close(c);
	return true;
}

static bool t_pipe_guest_write(void)
{
	const size_t n = 100000;
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	int p, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	p = new_vfd(VIRTWL_IOCTL_NEW_PIPE_WRITE, 0, NULL);
	CHECK(p >= 0, "NEW PIPE_WRITE: %s", strerror(-p));
	CHECK((fcntl(p, F_GETFL) & O_ACCMODE) == O_WRONLY, "PIPE_WRITE fd not O_WRONLY");
	r = conn_send(c, WLT_DRAIN_PIPE, 41, n, NULL, 0, &p, 1);
	CHECK(!r, "SEND of the pipe: %s", strerror(-r));
	r = write_pattern(p, 41, n, 7000);
	CHECK(!r, "write(2) on the pipe: %s", strerror(-r));
	CHECK(close(p) == 0, "close: %s", strerror(errno));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.arg == 0 && m.arg2 == n, "host read %llu bytes (%s)",
	      (unsigned long long)m.arg2, m.arg ? "bad data" : "data ok");
	conn_close(c);
	return true;
}

static bool t_pipe_host_read(void)
{
	const size_t n = 50000;
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	uint64_t bad;
	long got;
	int p, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	r = conn_send(c, WLT_MAKE_PIPE_R, 51, n, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(conn_take_fds(c, &p, 1), "no pipe came with the reply");
	CHECK((fcntl(p, F_GETFL) & O_ACCMODE) == O_RDONLY, "host read end not O_RDONLY");
	got = read_to_eof(p, 51, &bad);
	CHECK(got == (long)n && !bad, "read %ld bytes, bad at %llu", got,
	      (unsigned long long)bad);
	close(p);
	conn_close(c);
	return true;
}

static bool t_pipe_host_write(void)
{
	const size_t n = 50000;
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	int p, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	r = conn_send(c, WLT_MAKE_PIPE_W, 61, n, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(conn_take_fds(c, &p, 1), "no pipe came with the reply");
	CHECK((fcntl(p, F_GETFL) & O_ACCMODE) == O_WRONLY, "host write end not O_WRONLY");
	r = write_pattern(p, 61, n, 9000);
	CHECK(!r, "write(2): %s", strerror(-r));
	CHECK(close(p) == 0, "close: %s", strerror(errno));
	r = conn_reply(c, &m, NULL);
	CHECK(!r, "second reply: %s", strerror(-r));
	CHECK(m.arg == 0 && m.arg2 == n, "host read %llu bytes (%s)",
	      (unsigned long long)m.arg2, m.arg ? "bad data" : "data ok");
	conn_close(c);
	return true;
}

static bool whoami(const char *name, const char *expect)
{
	struct conn *c = conn_open(name);
	struct wlt_msg m;
	uint8_t *p;
	int r;

	CHECK(c, "NEW_CTX%s %s: %s", name ? "_NAMED" : "", name ? name : "",
	      strerror(errno));
	r = conn_send(c, WLT_WHOAMI, 0, 0, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &m, &p);
	CHECK(!r, "reply: %s", strerror(-r));
	CHECK(m.len == strlen(expect) && !memcmp(p, expect, m.len),
	      "context reached socket '%.*s', expected '%s'", (int)m.len, p, expect);
	free(p);
	conn_close(c);
	return true;
}

static bool t_named(void)
{
	int fd;

	if (!whoami(NULL, "") || !whoami("second", "second"))
		return false;
	fd = new_vfd(VIRTWL_IOCTL_NEW_CTX_NAMED, 0, "no-such-socket");
	CHECK(fd == -ENODEV, "unknown name gave %s, expected ENODEV",
	      fd >= 0 ? "a context" : strerror(-fd));
	return true;
}

/* One memfd-server request; returns the status byte, *fd the vfd or -1. */
static int memfd_request(struct conn *m, uint64_t size, const char *name, int *fd)
{
	uint8_t req[64], status;
	size_t nlen = strlen(name);
	int r;

	*fd = -1;
	memcpy(req, &size, 8);
	memcpy(req + 8, name, nlen);
	r = send_raw(m->fd, req, 8 + nlen, NULL, 0);
	if (r)
		return r;
	r = conn_read(m, &status, 1);
	if (r)
		return r;
	if (m->nfds)
		conn_take_fds(m, fd, 1);
	return status;
}

static bool t_memfd(void)
{
	const uint64_t size = 65536;
	struct conn *m = conn_open(MEMFD_CTX), *c;
	struct wlt_msg rep;
	uint8_t *map;
	uint64_t bad;
	int fd, st, r;

	CHECK(m, "NEW_CTX_NAMED %s: %s", MEMFD_CTX, strerror(errno));
	c = conn_open(NULL);
	CHECK(c, "NEW_CTX: %s", strerror(errno));
	st = memfd_request(m, size, "wlt-buffer", &fd);
	CHECK(st == 0 && fd >= 0, "memfd request: status %d, fd %d", st, fd);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap host memfd: %s", strerror(errno));
	wlt_fill(map, size, 71, 0);
	/* The same memory reaches the peer through the host's memfd. */
	r = conn_send(c, WLT_CHECK_MEM, 71, size, NULL, 0, &fd, 1);
	CHECK(!r, "SEND: %s", strerror(-r));
	r = conn_reply(c, &rep, NULL);
	CHECK(!r && rep.arg == 0, "host saw other bytes (%llu)", (unsigned long long)rep.arg);
	bad = wlt_check(map, size, 72, 0);
	CHECK(!bad, "guest does not see the host's writes (at %llu)",
	      (unsigned long long)bad - 1);
	munmap(map, size);
	close(fd);

	/* Statuses of host/README.md: 1 malformed, 2 over a limit. */
	st = memfd_request(m, 2ull << 30, "over-max-mem", &fd);
	CHECK(st == 2 && fd < 0, "request over the mapped-memory limit: status %d, fd %d",
	      st, fd);
	st = memfd_request(m, 1ull << 40, "too-big", &fd);
	CHECK(st == 1 && fd < 0, "request over 4 GiB: status %d, fd %d", st, fd);
	st = memfd_request(m, 0, "empty", &fd);
	CHECK(st == 1 && fd < 0, "zero-size request: status %d, fd %d", st, fd);
	st = memfd_request(m, PAGE, "bad name", &fd);
	CHECK(st == 1 && fd < 0, "name with a space: status %d, fd %d", st, fd);
	conn_close(c);
	conn_close(m);
	return true;
}

static bool t_poll_nonblock(void)
{
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	int ev, r, dev;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	CHECK(fcntl(c->fd, F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
	txn_reserve(4096);
	txn_buf->len = 4096;
	errno = 0;
	CHECK(ioctl(c->fd, VIRTWL_IOCTL_RECV, txn_buf) < 0 && errno == EAGAIN,
	      "RECV on an empty O_NONBLOCK context: errno %d", errno);
	errno = 0;
	CHECK(read(c->fd, c->buf, 16) < 0 && errno == EAGAIN,
	      "read on an empty O_NONBLOCK context: errno %d", errno);
	ev = wait_fd(c->fd, POLLIN | POLLOUT, 0);
	CHECK(ev == POLLOUT, "poll of an idle context: %#x, expected POLLOUT", ev);
	r = conn_send(c, WLT_ECHO, 0, 0, "ping", 4, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	ev = wait_fd(c->fd, POLLIN, TIMEOUT_MS);
	CHECK(ev & POLLIN, "no POLLIN after a reply (%#x)", ev);
	r = conn_reply(c, &m, NULL);
	CHECK(!r && m.len == 4, "reply: %s", strerror(-r));
	conn_close(c);

	dev = open("/dev/wl0", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(dev >= 0, "open O_NONBLOCK");
	r = wl_new(dev, VIRTWL_IOCTL_NEW_ALLOC, PAGE, NULL);
	CHECK(r >= 0, "NEW on an O_NONBLOCK /dev/wl0: %s", strerror(-r));
	close(r);
	close(dev);
	return true;
}

static bool t_hangup(void)
{
	struct conn *c = conn_open(NULL);
	char b;
	int ev, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	r = conn_send(c, WLT_HANGUP, 0, 0, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	ev = wait_fd(c->fd, POLLIN, TIMEOUT_MS);
	CHECK(ev & POLLHUP, "no POLLHUP after the host closed (%#x)", ev);
	r = conn_fill(c, 0);
	CHECK(r == 0 && c->eof, "RECV at EOF gave %d", r);
	CHECK(read(c->fd, &b, 1) == 0, "read at EOF: %s", strerror(errno));
	r = close(c->fd);
	c->fd = -1;
	CHECK(r == 0, "close of a hung-up context: %s", strerror(errno));
	conn_close(c);
	return true;
}

static bool t_zero_len_recv(void)
{
	struct conn *c = conn_open(NULL);
	double t0;
	int r, i;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	r = conn_send(c, WLT_ECHO, 0, 0, "abc", 3, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	CHECK(wait_fd(c->fd, POLLIN, TIMEOUT_MS) & POLLIN, "no reply");
	txn_reserve(64);
	t0 = now_s();
	for (i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		txn_buf->fds[i] = 77;
	txn_buf->len = 0;
	CHECK(ioctl(c->fd, VIRTWL_IOCTL_RECV, txn_buf) == 0, "RECV len 0: %s",
	      strerror(errno));
	CHECK(now_s() - t0 < 1.0, "RECV len 0 took %.1f s", now_s() - t0);
	CHECK(txn_buf->len == 0 && txn_buf->fds[0] == -1 && txn_buf->fds[27] == -1,
	      "RECV len 0 returned len %u fd %d", txn_buf->len, txn_buf->fds[0]);
	CHECK(wait_fd(c->fd, POLLIN, 0) & POLLIN, "data lost by a zero-length RECV");
	conn_close(c);
	return true;
}

static int errno_of(int r)
{
	return r < 0 ? errno : 0;
}

static bool t_bad_args(void)
{
	struct virtwl_ioctl_new n;
	struct { uint32_t type; int fd; uint32_t flags; uint32_t size; } v1;
	struct virtwl_ioctl_dmabuf_sync sync = { .flags = 0x8 };
	int dev = dev_open(), alloc, ctx, pr, e, nul;
	void *p;

	CHECK(dev >= 0, "open");
	memset(&n, 0, sizeof(n));
	n.type = 99;
	e = errno_of(ioctl(dev, VIRTWL_IOCTL_NEW, &n));
	CHECK(e == EINVAL, "unknown NEW type: %s", strerror(e));
	memset(&n, 0, sizeof(n));
	n.type = VIRTWL_IOCTL_NEW_ALLOC;
	n.size = PAGE;
	n.flags = 1;
	e = errno_of(ioctl(dev, VIRTWL_IOCTL_NEW, &n));
	CHECK(e == EINVAL, "NEW with flags: %s", strerror(e));
	n.flags = 0;
	n.size = 0;
	e = errno_of(ioctl(dev, VIRTWL_IOCTL_NEW, &n));
	CHECK(e == EINVAL, "ALLOC of 0 bytes: %s", strerror(e));
	e = errno_of(ioctl(dev, VIRTWL_IOCTL_NEW, (void *)16));
	CHECK(e == EFAULT, "NEW with a bad pointer: %s", strerror(e));
	e = errno_of(ioctl(dev, _IO('w', 0x42)));
	CHECK(e == ENOTTY, "unknown ioctl on /dev/wl0: %s", strerror(e));
	e = errno_of(ioctl(dev, VIRTWL_IOCTL_SEND, &n));
	CHECK(e == ENOTTY, "SEND on /dev/wl0: %s", strerror(e));

	/* The 16-byte NEW of the first ABI still works for CTX/ALLOC/PIPE. */
	memset(&v1, 0, sizeof(v1));
	v1.type = VIRTWL_IOCTL_NEW_ALLOC;
	v1.size = PAGE;
	CHECK(ioctl(dev, IOCTL_NEW_V1, &v1) == 0 && v1.fd >= 0, "16-byte NEW ALLOC: %s",
	      strerror(errno));
	close(v1.fd);
	v1.type = VIRTWL_IOCTL_NEW_CTX;
	CHECK(ioctl(dev, IOCTL_NEW_V1, &v1) == 0 && v1.fd >= 0, "16-byte NEW CTX: %s",
	      strerror(errno));
	close(v1.fd);
	v1.type = VIRTWL_IOCTL_NEW_DMABUF;
	e = errno_of(ioctl(dev, IOCTL_NEW_V1, &v1));
	CHECK(e == EINVAL, "16-byte NEW DMABUF: %s", strerror(e));
	/* No dma-buf allocator on this host: the device says INVALID_CMD. */
	memset(&n, 0, sizeof(n));
	n.type = VIRTWL_IOCTL_NEW_DMABUF;
	n.dmabuf.width = 64;
	n.dmabuf.height = 64;
	n.dmabuf.format = 0x34325241;	/* AR24 */
	e = errno_of(ioctl(dev, VIRTWL_IOCTL_NEW, &n));
	CHECK(e == ENOTTY, "NEW DMABUF without host support: %s", strerror(e));

	alloc = wl_new(dev, VIRTWL_IOCTL_NEW_ALLOC, PAGE, NULL);
	ctx = wl_new(dev, VIRTWL_IOCTL_NEW_CTX, 0, NULL);
	pr = wl_new(dev, VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(alloc >= 0 && ctx >= 0 && pr >= 0, "NEW");
	e = errno_of(ioctl(ctx, _IO('w', 0x42)));
	CHECK(e == ENOTTY, "unknown ioctl on a vfd: %s", strerror(e));
	e = errno_of(ioctl(ctx, VIRTWL_IOCTL_NEW, &n));
	CHECK(e == ENOTTY, "NEW on a vfd: %s", strerror(e));
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ctx, 0);
	CHECK(p == MAP_FAILED && errno == EACCES, "mmap of a context: %s", strerror(errno));
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	e = -send_raw(ctx, "x", 1, &nul, 1);
	CHECK(e == EBADFD, "SEND of a non-virtwl fd: %s", strerror(e));
	close(nul);
	nul = 1000;	/* not open */
	e = -send_raw(ctx, "x", 1, &nul, 1);
	CHECK(e == EBADF, "SEND of a closed fd: %s", strerror(e));
	sync.flags = 0x8;
	e = errno_of(ioctl(alloc, VIRTWL_IOCTL_DMABUF_SYNC, &sync));
	CHECK(e == EINVAL, "DMABUF_SYNC with bad flags: %s", strerror(e));
	e = errno_of(ioctl(ctx, VIRTWL_IOCTL_DMABUF_SYNC, &(struct virtwl_ioctl_dmabuf_sync){ 0 }));
	CHECK(e == EINVAL, "DMABUF_SYNC on a context: %s", strerror(e));
	/* This host has no dma-bufs and answers INVALID_CMD: it must show. */
	e = errno_of(ioctl(alloc, VIRTWL_IOCTL_DMABUF_SYNC, &(struct virtwl_ioctl_dmabuf_sync){ 2 }));
	CHECK(e == ENOTTY, "DMABUF_SYNC the device refuses: %s", strerror(e));
	txn_reserve(16);
	txn_buf->len = 16;
	e = errno_of(ioctl(alloc, VIRTWL_IOCTL_RECV, txn_buf));
	CHECK(e == EINVAL, "RECV on shared memory: %s", strerror(e));
	e = errno_of((int)write(alloc, "x", 1));
	CHECK(e == EINVAL, "write on shared memory: %s", strerror(e));
	e = errno_of((int)write(pr, "x", 1));
	CHECK(e == EBADF, "write on a read pipe: %s", strerror(e));
	e = errno_of(ioctl(ctx, VIRTWL_IOCTL_SEND, (void *)16));
	CHECK(e == EFAULT, "SEND with a bad pointer: %s", strerror(e));
	/* "Is this a virtwl fd?": an empty SEND succeeds on every vfd. */
	{
		int pw = wl_new(dev, VIRTWL_IOCTL_NEW_PIPE_WRITE, 0, NULL);
		int probe[] = { ctx, alloc, pr, pw };

		for (unsigned int i = 0; i < 4; i++) {
			e = -send_raw(probe[i], NULL, 0, NULL, 0);
			CHECK(e == 0, "empty SEND on vfd kind %u: %s", i, strerror(e));
		}
		close(pw);
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		e = -send_raw(nul, NULL, 0, NULL, 0);
		CHECK(e == ENOTTY, "empty SEND on /dev/null: %s", strerror(e));
		close(nul);
	}
	close(alloc);
	close(ctx);
	close(pr);
	close(dev);
	return true;
}

/* One context flooded and never read must not stall another one. */
static bool t_head_of_line(void)
{
	const size_t flood = 2 << 20;
	struct conn *a = conn_open(NULL), *b = conn_open(NULL);
	struct wlt_msg m;
	uint8_t *buf;
	uint64_t bad;
	double t0;
	int r, i;

	CHECK(a && b, "NEW_CTX: %s", strerror(errno));
	r = conn_send(a, WLT_FLOOD, 81, flood, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	usleep(300000);
	t0 = now_s();
	for (i = 0; i < 20; i++) {
		r = conn_send(b, WLT_ECHO, 0, 0, "hol", 3, NULL, 0);
		CHECK(!r, "SEND on the second context: %s", strerror(-r));
		r = conn_reply(b, &m, NULL);
		CHECK(!r, "round trip %d on the second context while the first is not read: %s",
		      i, strerror(-r));
	}
	printf("@@DIAG %s/head_of_line: 20 round trips in %.3f s beside %zu unread bytes\n",
	       tag, now_s() - t0, flood);
	buf = malloc(flood);
	CHECK(buf, "malloc");
	r = conn_read(a, buf, flood);
	CHECK(!r, "reading the flood: %s", strerror(-r));
	bad = wlt_check(buf, flood, 81, 0);
	CHECK(!bad, "flood data wrong at %llu", (unsigned long long)bad - 1);
	free(buf);
	conn_close(a);
	conn_close(b);
	return true;
}

/* Past the per-vfd bound data is dropped and the reader gets ENOBUFS. */
static bool t_overrun(void)
{
	const char *param = "/sys/module/virtio_wl/parameters/queue_kib";
	long old = read_long(param), before = read_long("/sys/class/misc/wl0/overruns");
	struct conn *c = conn_open(NULL);
	long got = 0;
	uint64_t bad = 0;
	char val[32];
	int ev, r;

	CHECK(c && old > 0, "NEW_CTX / %s", param);
	CHECK(write_str(param, "64"), "cannot set %s", param);
	r = conn_send(c, WLT_FLOOD, 91, 1 << 20, NULL, 0, NULL, 0);
	CHECK(!r, "SEND: %s", strerror(-r));
	ev = 0;
	for (int i = 0; i < 200 && !(ev & POLLERR); i++) {
		ev = wait_fd(c->fd, POLLIN, 100);
		if (!(ev & POLLERR))
			usleep(50000);
	}
	snprintf(val, sizeof(val), "%ld", old);
	write_str(param, val);
	CHECK(ev & POLLERR, "no POLLERR once the bound was passed (%#x)", ev);
	CHECK(read_long("/sys/class/misc/wl0/overruns") == before + 1, "overrun not counted");
	for (;;) {
		r = conn_fill(c, 1000);
		if (r <= 0)
			break;
		if (!bad) {
			bad = wlt_check(c->buf + c->off, c->have - c->off, 91, (uint64_t)got);
			if (bad)
				bad += (uint64_t)got;
		}
		got += (long)(c->have - c->off);
		c->off = c->have;
	}
	CHECK(r == -ENOBUFS, "after %ld queued bytes: %s, expected ENOBUFS", got, strerror(-r));
	CHECK(got > 0 && got <= 64 * 1024, "%ld bytes were queued under a 64 KiB bound", got);
	CHECK(!bad, "queued data wrong at %llu", (unsigned long long)bad - 1);
	conn_close(c);
	/* The host was still sending when it was closed: none of it may
	 * reach the next context. */
	c = conn_open(NULL);
	CHECK(c, "NEW_CTX: %s", strerror(errno));
	for (int i = 0; i < 5; i++) {
		struct wlt_msg m;
		uint8_t *p;

		r = conn_send(c, WLT_ECHO, 0, 0, "next", 4, NULL, 0);
		CHECK(!r, "SEND: %s", strerror(-r));
		r = conn_reply(c, &m, &p);
		CHECK(!r && m.op == WLT_ECHO && m.len == 4 && !memcmp(p, "next", 4),
		      "the next context got other data (op %u len %u): %s", m.op, m.len,
		      strerror(-r));
		free(p);
	}
	conn_close(c);
	CHECK(read_long("/sys/class/misc/wl0/queued_bytes") == 0, "%ld bytes still queued",
	      read_long("/sys/class/misc/wl0/queued_bytes"));
	return true;
}

static uint32_t vfd_id(int fd, char *kind, size_t kind_len);

/*
 * Contexts closed while the host still sends to them: nothing they were
 * sent may reach a context opened after them, and ids come back late.
 */
static bool t_close_churn(void)
{
	uint32_t first = 0;
	int i, r;

	for (i = 0; i < 100; i++) {
		struct conn *a = conn_open(NULL), *b;
		struct wlt_msg m;
		uint8_t *p, x;
		uint32_t ida, idb;

		CHECK(a, "NEW_CTX: %s", strerror(errno));
		r = conn_send(a, WLT_FLOOD, 100 + (uint64_t)i, 256 << 10, NULL, 0, NULL, 0);
		CHECK(!r, "SEND: %s", strerror(-r));
		CHECK(!conn_read(a, &x, 1), "no flood data");
		ida = vfd_id(a->fd, NULL, 0);
		if (!first)
			first = ida;
		conn_close(a);
		b = conn_open(NULL);
		CHECK(b, "NEW_CTX: %s", strerror(errno));
		idb = vfd_id(b->fd, NULL, 0);
		CHECK(idb != ida, "a closed vfd id (%#x) came back at once", ida);
		r = conn_send(b, WLT_ECHO, 0, 0, "fresh", 5, NULL, 0);
		CHECK(!r, "SEND: %s", strerror(-r));
		r = conn_reply(b, &m, &p);
		CHECK(!r && m.op == WLT_ECHO && m.len == 5 && !memcmp(p, "fresh", 5),
		      "round %d: a new context got other data (op %u len %u): %s", i, m.op,
		      m.len, strerror(-r));
		free(p);
		conn_close(b);
	}
	return true;
}

struct worker {
	pthread_t thread;
	struct conn *c;
	int kind;		/* 0: echoes on its own context, 1: allocations */
	uint64_t seed;
	char err[160];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t x = w->seed;
	int i;

	if (w->kind == 1) {
		for (i = 0; i < 300; i++) {
			uint32_t type = i % 2 ? VIRTWL_IOCTL_NEW_ALLOC : VIRTWL_IOCTL_NEW_PIPE_READ;
			int fd = new_vfd(type, PAGE, NULL);

			if (fd < 0) {
				snprintf(w->err, sizeof(w->err), "NEW %d: %s", i, strerror(-fd));
				return NULL;
			}
			if (type == VIRTWL_IOCTL_NEW_ALLOC) {
				uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
						  MAP_SHARED, fd, 0);

				if (p == MAP_FAILED) {
					snprintf(w->err, sizeof(w->err), "mmap: %s",
						 strerror(errno));
					return NULL;
				}
				p[i] = 1;
				munmap(p, PAGE);
			}
			close(fd);
		}
		return NULL;
	}
	w->c = conn_open(NULL);
	if (!w->c) {
		snprintf(w->err, sizeof(w->err), "NEW_CTX: %s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < 100; i++) {
		uint32_t len;
		uint8_t *out, *p;
		struct wlt_msg m;
		int r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = 1 + (uint32_t)(x % 20000);
		out = malloc(len);
		if (!out)
			return NULL;
		wlt_fill(out, len, x, 0);
		r = conn_send(w->c, WLT_ECHO, 0, 0, out, len, NULL, 0);
		if (!r)
			r = conn_reply(w->c, &m, &p);
		if (r || m.len != len || memcmp(p, out, len)) {
			snprintf(w->err, sizeof(w->err), "echo %d of %u bytes: %s", i, len,
				 r ? strerror(-r) : "data differs");
			free(out);
			return NULL;
		}
		free(p);
		free(out);
	}
	conn_close(w->c);
	return NULL;
}

static void *blocked_reader(void *arg)
{
	struct worker *w = arg;
	struct wlt_msg m;
	uint8_t *p = NULL;
	int r = conn_reply(w->c, &m, &p);

	if (r || m.len != 4 || memcmp(p, "both", 4))
		snprintf(w->err, sizeof(w->err), "reply: %s", r ? strerror(-r) : "wrong data");
	free(p);
	return NULL;
}

/* Several threads at once: the driver's locks must not serialise them
 * into a deadlock, nor let them see each other's data. */
static bool t_threads(void)
{
	struct worker w[6], reader = { 0 };
	struct conn *c = conn_open(NULL);
	int i, r;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	/* A RECV blocked on a context must not hold up a SEND on it. */
	reader.c = c;
	CHECK(!pthread_create(&reader.thread, NULL, blocked_reader, &reader), "pthread_create");
	usleep(100000);
	r = conn_send(c, WLT_ECHO, 0, 0, "both", 4, NULL, 0);
	CHECK(!r, "SEND while another thread waits in RECV: %s", strerror(-r));
	pthread_join(reader.thread, NULL);
	CHECK(!reader.err[0], "the blocked reader: %s", reader.err);
	conn_close(c);

	memset(w, 0, sizeof(w));
	for (i = 0; i < 6; i++) {
		w[i].kind = i == 5;
		w[i].seed = 0x1234567ull * (uint64_t)(i + 1);
		CHECK(!pthread_create(&w[i].thread, NULL, worker_main, &w[i]), "pthread_create");
	}
	for (i = 0; i < 6; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < 6; i++)
		CHECK(!w[i].err[0], "thread %d: %s", i, w[i].err);
	return true;
}

/* The PCI device (sysfs directory) of the virtio device with this id. */
static bool virtio_pci_dir(long id, char *out, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	DIR *d = opendir("/sys/bus/virtio/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/device", e->d_name);
		if (read_long_base(path, 16) != id)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/..", e->d_name);
		found = realpath(path, real) && strlen(real) < len;
		if (found)
			strcpy(out, real);
	}
	closedir(d);
	return found;
}

/* Finds a virtio PCI capability of cfg_type @type: its BAR and offset. */
static bool virtio_pci_cap(const char *pci, int type, int *bar, uint32_t *off)
{
	char path[PATH_MAX];
	uint8_t cfg[256];
	unsigned int pos, hops;
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "%s/config", pci);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, cfg, sizeof(cfg)) == (ssize_t)sizeof(cfg);
	close(fd);
	if (!ok || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return false;
	for (pos = cfg[PCI_CAPABILITY_LIST] & ~3u, hops = 0;
	     pos >= 0x40 && pos + sizeof(struct virtio_pci_cap) <= sizeof(cfg) && hops < 48;
	     pos = cfg[pos + PCI_CAP_LIST_NEXT] & ~3u, hops++) {
		struct virtio_pci_cap cap;

		memcpy(&cap, &cfg[pos], sizeof(cap));
		if (cap.cap_vndr != PCI_CAP_ID_VNDR || cap.cfg_type != type)
			continue;
		*bar = cap.bar;
		*off = cap.offset;	/* little-endian, as is x86 */
		return *bar < 6;
	}
	return false;
}

static bool pci_bar_start(const char *pci, int bar, uint64_t *start)
{
	char path[PATH_MAX], line[128];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/resource", pci);
	f = fopen(path, "re");
	if (!f)
		return false;
	for (i = 0; i <= bar && fgets(line, sizeof(line), f); i++)
		;
	fclose(f);
	if (i <= bar)
		return false;
	*start = strtoull(line, NULL, 16);
	return *start != 0;
}

static bool write_file(const char *dir, const char *name, const char *s)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	return write_str(path, s);
}

/*
 * A register of another device that lies above the shared-memory window
 * in guest-physical space, so that every mapping added to or removed from
 * the window renumbers it in the VMM's memory map: the number of queues
 * in virtio-rng's common configuration.  User space reads it directly:
 * the device's driver is unbound meanwhile (a bound driver owns the BAR).
 */
struct reg_probe {
	char pci[256];
	char driver[256];
	void *map;
	size_t map_len;
	volatile const uint16_t *reg;
	uint16_t expect;
};

static bool reg_probe_close(struct reg_probe *rp);

static bool reg_probe_open(struct reg_probe *rp, char *whynot, size_t len)
{
	char wl[256], path[PATH_MAX], real[PATH_MAX];
	uint64_t window, start;
	uint32_t off, woff;
	int bar, wbar, fd;
	void *map;

	memset(rp, 0, sizeof(*rp));
	if (!virtio_pci_dir(VIRTIO_ID_WL, wl, sizeof(wl)) ||
	    !virtio_pci_cap(wl, VIRTIO_PCI_CAP_SHARED_MEMORY_CFG, &wbar, &woff) ||
	    !pci_bar_start(wl, wbar, &window)) {
		snprintf(whynot, len, "no shared-memory window found");
		return false;
	}
	if (!virtio_pci_dir(VIRTIO_ID_RNG, rp->pci, sizeof(rp->pci)) ||
	    !virtio_pci_cap(rp->pci, VIRTIO_PCI_CAP_COMMON_CFG, &bar, &off) ||
	    !pci_bar_start(rp->pci, bar, &start)) {
		snprintf(whynot, len, "no virtio-rng PCI device");
		return false;
	}
	if (start < window) {
		snprintf(whynot, len, "virtio-rng's BAR is below the window");
		return false;
	}
	snprintf(path, sizeof(path), "%s/driver", rp->pci);
	if (!realpath(path, real) || strlen(real) >= sizeof(rp->driver) ||
	    !write_file(strcpy(rp->driver, real), "unbind", strrchr(rp->pci, '/') + 1)) {
		snprintf(whynot, len, "cannot unbind virtio-rng: %s", strerror(errno));
		return false;
	}
	snprintf(path, sizeof(path), "%s/resource%d", rp->pci, bar);
	rp->map_len = round_page(off + sizeof(struct virtio_pci_common_cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, rp->map_len, PROT_READ, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (map == MAP_FAILED) {
		snprintf(whynot, len, "mmap of BAR %d: %s", bar, strerror(errno));
		write_file(rp->driver, "bind", strrchr(rp->pci, '/') + 1);
		return false;
	}
	rp->map = map;
	rp->reg = (volatile const uint16_t *)((uint8_t *)map + off +
		offsetof(struct virtio_pci_common_cfg, num_queues));
	rp->expect = *rp->reg;
	if (!rp->expect || rp->expect == 0xffff) {
		snprintf(whynot, len, "virtio-rng reports %#x queues", rp->expect);
		reg_probe_close(rp);
		return false;
	}
	return true;
}

static bool reg_probe_close(struct reg_probe *rp)
{
	if (!rp->map)
		return true;
	munmap(rp->map, rp->map_len);
	rp->map = NULL;
	return write_file(rp->driver, "bind", strrchr(rp->pci, '/') + 1);
}

/* Many reads in straight-line code: one translation block of a TCG vCPU. */
static long reg_burst(volatile const uint16_t *reg, uint16_t expect)
{
	long bad = 0;

#define REG_READ8 \
	bad += *reg != expect; bad += *reg != expect; bad += *reg != expect; \
	bad += *reg != expect; bad += *reg != expect; bad += *reg != expect; \
	bad += *reg != expect; bad += *reg != expect;
	REG_READ8 REG_READ8 REG_READ8 REG_READ8
#undef REG_READ8
	return bad;
}

enum churn_kind { CHURN_ALLOC, CHURN_ECHO, CHURN_REG };

struct churner {
	pthread_t thread;
	enum churn_kind kind;
	double until;
	long rounds;
	long wrong;		/* CHURN_REG: reads that returned something else */
	struct reg_probe *probe;
	char err[160];
};

static double churn_seconds = 1.0;

static bool churn_alloc(struct churner *w, int dev)
{
	int fd = wl_new(dev, VIRTWL_IOCTL_NEW_ALLOC, PAGE, NULL);
	volatile uint8_t *p;

	if (fd < 0) {
		snprintf(w->err, sizeof(w->err), "ALLOC %ld: %s", w->rounds, strerror(-fd));
		return false;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(w->err, sizeof(w->err), "mmap %ld: %s", w->rounds, strerror(errno));
		close(fd);
		return false;
	}
	p[w->rounds % PAGE] = 1;
	munmap((void *)p, PAGE);
	close(fd);
	return true;
}

static bool churn_echo(struct churner *w, struct conn *c)
{
	struct wlt_msg m;
	uint8_t *p = NULL;
	int r = conn_send(c, WLT_ECHO, 0, 0, "ping", 4, NULL, 0);

	if (!r)
		r = conn_reply(c, &m, &p);
	if (r || m.len != 4 || memcmp(p, "ping", 4)) {
		snprintf(w->err, sizeof(w->err), "echo %ld: %s", w->rounds,
			 r ? strerror(-r) : "data differs");
		free(p);
		return false;
	}
	free(p);
	return true;
}

static void *churner_main(void *arg)
{
	struct churner *w = arg;
	struct conn *c = NULL;
	int dev = -1;
	bool ok = true;

	if (w->kind == CHURN_ALLOC && (dev = dev_open()) < 0)
		snprintf(w->err, sizeof(w->err), "open: %s", strerror(errno));
	if (w->kind == CHURN_ECHO && !(c = conn_open(NULL)))
		snprintf(w->err, sizeof(w->err), "NEW_CTX: %s", strerror(errno));
	if (w->err[0])
		return NULL;
	while (ok && now_s() < w->until) {
		switch (w->kind) {
		case CHURN_ALLOC:
			ok = churn_alloc(w, dev);
			break;
		case CHURN_ECHO:
			ok = churn_echo(w, c);
			break;
		case CHURN_REG:
			w->wrong += reg_burst(w->probe->reg, w->probe->expect);
			break;
		}
		w->rounds++;
	}
	if (dev >= 0)
		close(dev);
	conn_close(c);
	return NULL;
}

/*
 * The device maps and unmaps host memory in its window (allocations made
 * and closed) while the guest keeps using device registers from other
 * threads: queue kicks of round trips, and a register above the window
 * read from user space.  Every access must reach its register and the VMM
 * must survive: a VMM that switched its memory map under a running vCPU
 * sent them to a neighbouring region, or crashed.
 */
static bool t_remap_churn(void)
{
	static const enum churn_kind kinds[] = {
		CHURN_ALLOC, CHURN_ALLOC, CHURN_ECHO, CHURN_REG,
	};
	enum { N = sizeof(kinds) / sizeof(kinds[0]) };
	struct churner w[N];
	struct reg_probe probe;
	long done[3] = { 0 }, wrong = 0;
	double until;
	char whynot[200];
	bool probing = reg_probe_open(&probe, whynot, sizeof(whynot));
	int i, n = 0;

	if (!probing)
		printf("@@DIAG %s/remap_churn: no register probe: %s\n", tag, whynot);
	memset(w, 0, sizeof(w));
	until = now_s() + churn_seconds;
	for (i = 0; i < N; i++) {
		if (kinds[i] == CHURN_REG && !probing)
			continue;
		w[n].kind = kinds[i];
		w[n].until = until;
		w[n].probe = &probe;
		if (pthread_create(&w[n].thread, NULL, churner_main, &w[n]))
			break;
		n++;
	}
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	CHECK(reg_probe_close(&probe), "binding virtio-rng again: %s", strerror(errno));
	CHECK(n == N - !probing, "pthread_create failed");
	for (i = 0; i < n; i++) {
		CHECK(!w[i].err[0], "thread %d: %s", i, w[i].err);
		done[w[i].kind] += w[i].rounds;
		wrong += w[i].wrong;
	}
	printf("@@DIAG %s/remap_churn: %ld allocations, %ld round trips, %ld register reads "
	       "in %.1f s\n", tag, done[CHURN_ALLOC], done[CHURN_ECHO],
	       done[CHURN_REG] * 32, churn_seconds);
	CHECK(!wrong, "%ld of %ld reads of a register above the window returned something else",
	      wrong, done[CHURN_REG] * 32);
	CHECK(done[CHURN_ALLOC] && done[CHURN_ECHO] && (!probing || done[CHURN_REG]),
	      "no progress");
	return true;
}

static int host_fdcount(struct conn *c, uint64_t *peer)
{
	struct wlt_msg m;
	int r = conn_send(c, WLT_FDCOUNT, 0, 0, NULL, 0, NULL, 0);

	if (!r)
		r = conn_reply(c, &m, NULL);
	if (r)
		return r;
	*peer = m.arg2;
	return (int)m.arg;
}

static bool t_leak(void)
{
	static const uint32_t types[] = {
		VIRTWL_IOCTL_NEW_CTX, VIRTWL_IOCTL_NEW_ALLOC,
		VIRTWL_IOCTL_NEW_PIPE_READ, VIRTWL_IOCTL_NEW_PIPE_WRITE,
	};
	struct conn *c = conn_open(NULL);
	long fds0, vfds0, slab0, queued0, fds1, vfds1, slab1, queued1;
	int host0, host1;
	uint64_t peer0, peer1;
	double t0, t;
	long i;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	host0 = host_fdcount(c, &peer0);
	CHECK(host0 > 0, "FDCOUNT: %d", host0);
	fds0 = count_fds();
	vfds0 = read_long("/sys/class/misc/wl0/vfds");
	queued0 = read_long("/sys/class/misc/wl0/queued_bytes");
	slab0 = meminfo_kib("Slab");
	t0 = now_s();
	for (i = 0; i < cycles; i++) {
		uint32_t type = types[i % 4];
		int dev = dev_open(), fd;

		CHECK(dev >= 0, "open #%ld: %s", i, strerror(errno));
		fd = wl_new(dev, type, PAGE, NULL);
		CHECK(fd >= 0, "NEW type %u #%ld: %s", type, i, strerror(-fd));
		if (type == VIRTWL_IOCTL_NEW_ALLOC) {
			uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					  MAP_SHARED, fd, 0);

			CHECK(p != MAP_FAILED, "mmap #%ld: %s", i, strerror(errno));
			p[0] = (uint8_t)i;
			munmap(p, PAGE);
		}
		CHECK(close(fd) == 0, "close of vfd type %u #%ld: %s", type, i,
		      strerror(errno));
		CHECK(close(dev) == 0, "close /dev/wl0");
	}
	t = now_s() - t0;
	/* Host-side closes of contexts reach the peer asynchronously. */
	usleep(200000);
	host1 = host_fdcount(c, &peer1);
	fds1 = count_fds();
	vfds1 = read_long("/sys/class/misc/wl0/vfds");
	queued1 = read_long("/sys/class/misc/wl0/queued_bytes");
	slab1 = meminfo_kib("Slab");
	printf("@@DIAG %s/leak: %ld cycles in %.2f s (%.0f us each); guest fds %ld->%ld "
	       "vfds %ld->%ld slab %ld->%ld KiB; host VMM fds %d->%d, peer fds %llu->%llu\n",
	       tag, cycles, t, t * 1e6 / (double)cycles, fds0, fds1, vfds0, vfds1,
	       slab0, slab1, host0, host1, (unsigned long long)peer0,
	       (unsigned long long)peer1);
	CHECK(fds1 == fds0, "guest fds %ld -> %ld", fds0, fds1);
	CHECK(vfds1 == vfds0, "driver vfd objects %ld -> %ld", vfds0, vfds1);
	CHECK(queued1 == queued0, "driver queued bytes %ld -> %ld", queued0, queued1);
	/* 10000 cycles leaking even 64 bytes each would show as 625 KiB. */
	CHECK(slab1 - slab0 < 512, "guest slab grew by %ld KiB", slab1 - slab0);
	CHECK(host1 == host0, "host VMM fds %d -> %d", host0, host1);
	CHECK(peer1 == peer0, "peer fds %llu -> %llu", (unsigned long long)peer0,
	      (unsigned long long)peer1);
	conn_close(c);
	return true;
}

static bool t_no_drops(void)
{
	long d = read_long("/sys/class/misc/wl0/dropped_messages");
	long q = read_long("/sys/class/misc/wl0/queued_bytes");

	CHECK(d == 0, "the driver dropped %ld malformed device messages", d);
	CHECK(q == 0, "%ld bytes still queued with every vfd closed", q);
	return true;
}

/* The vfd id behind fd, from /proc/self/fdinfo; 0 if none. */
static uint32_t vfd_id(int fd, char *kind, size_t kind_len)
{
	char path[64], line[128];
	unsigned int id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "virtwl_id: %x", &id);
		if (kind && sscanf(line, "virtwl_kind: %31s", kind) == 1)
			kind[kind_len - 1] = '\0';
	}
	fclose(f);
	return id;
}

#define INJECT "/sys/kernel/debug/virtio_wl/wl0/inject"
#define DROPPED "/sys/class/misc/wl0/dropped_messages"
static int inject_fd = -1;

static bool inject(const void *msg, size_t len)
{
	return write(inject_fd, msg, len) == (ssize_t)len;
}

/* Injects msg and checks the driver counted it as malformed (or not). */
static bool inject_expect(const void *msg, size_t len, long drops, const char *what)
{
	long d0 = read_long(DROPPED);

	CHECK(inject(msg, len), "injecting %s: %s", what, strerror(errno));
	CHECK(read_long(DROPPED) == d0 + drops, "%s: %ld messages dropped, expected %ld",
	      what, read_long(DROPPED) - d0, drops);
	return true;
}

struct inj_new {
	uint32_t type, flags, id, vflags;
	uint64_t pfn;
	uint32_t size, pad[9];
};
static_assert(sizeof(struct inj_new) == 64, "ctrl_vfd_new");

static size_t inj_recv(uint8_t *buf, uint32_t target, const uint32_t *ids,
		       uint32_t count, uint32_t nids_real, const char *data)
{
	uint32_t h[4] = { VIRTIO_WL_CMD_VFD_RECV, 0, target, count };
	size_t dl = data ? strlen(data) : 0;

	memcpy(buf, h, 16);
	memcpy(buf + 16, ids, nids_real * 4);
	memcpy(buf + 16 + nids_real * 4, data ? data : "", dl);
	return 16 + nids_real * 4 + dl;
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * A hostile device: messages that are short, name bad ids, carry bad
 * counts or pfns, or are random, must be dropped and counted, never
 * crash, and leave the real contexts working.
 */
static bool t_hostile(void)
{
	const uint32_t host = 0x40100001;
	struct inj_new nw = { .type = VIRTIO_WL_CMD_VFD_NEW, .id = host,
			      .vflags = VIRTIO_WL_VFD_READ };
	uint32_t ids[40] = { host, 0x40100099 };
	uint8_t buf[4096];
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	uint32_t ctx, hdr[3];
	char kind[32] = "";
	long undelivered;
	int fd, ev, i;

	inject_fd = open(INJECT, O_WRONLY | O_CLOEXEC);
	CHECK(inject_fd >= 0, "%s: %s (load virtio_wl with inject=1)", INJECT, strerror(errno));
	CHECK(c, "NEW_CTX: %s", strerror(errno));
	ctx = vfd_id(c->fd, NULL, 0);
	CHECK(ctx > 0 && ctx < 0x800, "context vfd id %#x from fdinfo", ctx);

	hdr[0] = VIRTIO_WL_CMD_VFD_NEW;
	if (!inject_expect(hdr, 4, 1, "a 4-byte message") ||
	    !inject_expect((uint32_t[]){ 0x999, 0 }, 8, 1, "an unknown type") ||
	    !inject_expect(&nw, 20, 1, "a short VFD_NEW"))
		return false;
	nw.id = 5;
	if (!inject_expect(&nw, 32, 1, "VFD_NEW with a guest id"))
		return false;
	nw.id = 0x80000001;
	if (!inject_expect(&nw, 32, 1, "VFD_NEW with bit 31"))
		return false;
	nw.id = 0x40100000;
	nw.vflags = 0x10;
	if (!inject_expect(&nw, 32, 1, "VFD_NEW with unknown flags"))
		return false;
	nw.vflags = 0;	/* shared memory ... */
	nw.pfn = 0xffffffffffffull;	/* ... far outside the window */
	nw.size = PAGE;
	if (!inject_expect(&nw, 32, 1, "VFD_NEW with a pfn out of range"))
		return false;
	nw.size = 0;
	nw.pfn = 1;
	if (!inject_expect(&nw, 32, 1, "VFD_NEW of memory without size"))
		return false;
	nw.id = host;
	nw.vflags = VIRTIO_WL_VFD_READ;
	nw.pfn = 0;
	if (!inject_expect(&nw, 32, 0, "a good VFD_NEW") ||
	    !inject_expect(&nw, 32, 1, "VFD_NEW with an id in use"))
		return false;
	if (!inject_expect(buf, inj_recv(buf, host, NULL, 0, 0, "early"), 1,
			   "RECV for a host vfd not yet passed to the guest") ||
	    !inject_expect(buf, 12, 1, "a short RECV") ||
	    !inject_expect(buf, inj_recv(buf, ctx, ids, 29, 29, NULL), 1,
			   "RECV with 29 vfds") ||
	    !inject_expect(buf, inj_recv(buf, ctx, ids, 5, 2, NULL), 1,
			   "RECV whose vfd_count overruns it") ||
	    !inject_expect(buf, inj_recv(buf, ctx, ids, 0x40000000, 0, NULL), 1,
			   "RECV with a huge vfd_count"))
		return false;
	/* A good RECV naming one announced and one unknown vfd. */
	if (!inject_expect(buf, inj_recv(buf, ctx, ids, 2, 2, "hi"), 1,
			   "RECV naming an unknown vfd"))
		return false;
	CHECK(conn_read(c, buf, 2) == 0 && !memcmp(buf, "hi", 2), "injected data not received");
	CHECK(conn_take_fds(c, &fd, 1) && !c->nfds, "got %u vfds, expected 1", c->nfds);
	CHECK(vfd_id(fd, kind, sizeof(kind)) == host && !strcmp(kind, "pipe-read"),
	      "received vfd is %#x (%s)", vfd_id(fd, NULL, 0), kind);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "host read pipe not O_RDONLY");
	hdr[0] = VIRTIO_WL_CMD_VFD_HUP;
	hdr[1] = 0;
	hdr[2] = host;
	if (!inject_expect(buf, inj_recv(buf, host, NULL, 0, 0, "xyz"), 0, "RECV on it") ||
	    !inject_expect(hdr, 12, 0, "HUP on it") ||
	    !inject_expect(hdr, 10, 1, "a short HUP"))
		return false;
	ev = wait_fd(fd, POLLIN, 0);
	CHECK((ev & (POLLIN | POLLHUP)) == (POLLIN | POLLHUP), "poll gave %#x", ev);
	CHECK(read(fd, buf, sizeof(buf)) == 3 && !memcmp(buf, "xyz", 3), "pipe data");
	CHECK(read(fd, buf, sizeof(buf)) == 0, "no EOF after HUP");
	/* The real device never heard of it: close(2) reports its answer. */
	errno = 0;
	CHECK(close(fd) < 0 && errno == ENOENT, "close of a vfd the device does not know: %s",
	      strerror(errno));

	/* Random messages. */
	for (i = 0; i < 50000; i++) {
		static const uint32_t types[] = {
			VIRTIO_WL_CMD_VFD_NEW, VIRTIO_WL_CMD_VFD_RECV,
			VIRTIO_WL_CMD_VFD_HUP, VIRTIO_WL_CMD_VFD_NEW_CTX, 0,
		};
		uint32_t *w = (uint32_t *)buf;
		size_t len = rnd() % 4 ? rnd() % 96 : rnd() % sizeof(buf);
		unsigned int k;

		for (k = 0; k < sizeof(buf) / 4; k++)
			w[k] = (uint32_t)rnd();
		w[0] = types[rnd() % 5] + (rnd() % 8 ? 0 : (uint32_t)rnd() % 3);
		w[1] = 0;
		/* Ids the device could name: host ones, unused guest ones
		 * (guest ids are allocated cyclically: the real context's
		 * may be among them, and a HUP naming it would end it). */
		for (k = 2; k < 40; k++)
			if (rnd() % 2) {
				w[k] = rnd() % 2 ? 0x40200000 + (uint32_t)(rnd() % 16) :
						   0x7f0 + (uint32_t)(rnd() % 4);
				if (w[k] == ctx)
					w[k] ^= 0x8;
			}
		if (rnd() % 2)
			w[3] = (uint32_t)(rnd() % 32);	/* flags / vfd_count */
		if (rnd() % 2)
			w[4] = w[5] = 0;		/* pfn */
		CHECK(inject(buf, len), "injecting random message %d: %s", i, strerror(errno));
	}
	undelivered = read_long("/sys/class/misc/wl0/undelivered_host_vfds");
	CHECK(undelivered >= 0 && undelivered <= 1024, "%ld undelivered host vfds", undelivered);
	printf("@@DIAG %s/hostile: %ld messages dropped, %ld undelivered host vfds held\n", tag,
	       read_long(DROPPED), undelivered);
	/* The real context still works. */
	CHECK(!conn_send(c, WLT_ECHO, 0, 0, "alive", 5, NULL, 0) && !conn_reply(c, &m, NULL) &&
	      m.len == 5, "context %#x broken after the hostile messages", ctx);
	close(inject_fd);
	conn_close(c);
	return true;
}

/* Benchmarks: figures for tests/bench/vm-virtio-wl.sh. */

static void bench_line(const char *name, double value, const char *unit)
{
	printf("@@BENCH %s %.3f %s\n", name, value, unit);
	fflush(stdout);
}

static bool b_rtt(void)
{
	const int n = 2000;
	struct conn *c = conn_open(NULL);
	uint8_t msg[64] = { 0 };
	struct wlt_msg m;
	uint8_t *p;
	double t0 = 0;
	int i;

	CHECK(c, "NEW_CTX");
	for (i = -50; i < n; i++) {
		if (!i)
			t0 = now_s();
		CHECK(!conn_send(c, WLT_ECHO, 0, 0, msg, sizeof(msg), NULL, 0), "SEND");
		CHECK(!conn_reply(c, &m, &p) && m.len == 64, "reply");
		free(p);
	}
	bench_line("ctx_rtt_64", (now_s() - t0) * 1e6 / n, "us");
	conn_close(c);
	return true;
}

static bool b_ctx_bulk(void)
{
	const size_t total = 32u << 20, chunk = 65536;
	struct conn *c = conn_open(NULL);
	uint8_t *buf = malloc(chunk);
	struct wlt_msg m;
	double t0;
	size_t off;

	CHECK(c && buf, "NEW_CTX");
	CHECK(!conn_send(c, WLT_SINK, 5, total, NULL, 0, NULL, 0), "SEND");
	t0 = now_s();
	for (off = 0; off < total; off += chunk) {
		wlt_fill(buf, chunk, 5, off);
		CHECK(!send_raw(c->fd, buf, chunk, NULL, 0), "SEND data");
	}
	CHECK(!conn_reply(c, &m, NULL) && m.arg == 0 && m.arg2 == total, "sink reply");
	bench_line("ctx_guest_to_host", (double)total / (now_s() - t0) / 1e6, "MB/s");

	CHECK(!conn_send(c, WLT_FLOOD, 6, total, NULL, 0, NULL, 0), "SEND");
	t0 = now_s();
	for (off = 0; off < total;) {
		int r = conn_fill(c, TIMEOUT_MS);

		CHECK(r > 0, "RECV: %s", strerror(-r));
		off += c->have - c->off;
		c->off = c->have;
	}
	bench_line("ctx_host_to_guest", (double)total / (now_s() - t0) / 1e6, "MB/s");
	free(buf);
	conn_close(c);
	return true;
}

static bool b_pipe_bulk(void)
{
	const size_t total = 16u << 20;
	struct conn *c = conn_open(NULL);
	static uint8_t buf[65536];
	struct wlt_msg m;
	double t0;
	size_t off;
	int p;

	CHECK(c, "NEW_CTX");
	p = new_vfd(VIRTWL_IOCTL_NEW_PIPE_WRITE, 0, NULL);
	CHECK(p >= 0, "PIPE_WRITE");
	CHECK(!conn_send(c, WLT_DRAIN_PIPE, 0, total, NULL, 0, &p, 1), "SEND");
	memset(buf, 0, sizeof(buf));
	t0 = now_s();
	for (off = 0; off < total; off += sizeof(buf)) {
		wlt_fill(buf, sizeof(buf), 0, off);
		CHECK(write(p, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write");
	}
	close(p);
	CHECK(!conn_reply(c, &m, NULL) && m.arg2 == total, "drain reply");
	bench_line("pipe_guest_to_host", (double)total / (now_s() - t0) / 1e6, "MB/s");

	p = new_vfd(VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(p >= 0, "PIPE_READ");
	CHECK(!conn_send(c, WLT_FILL_PIPE, 0, total, NULL, 0, &p, 1), "SEND");
	CHECK(!conn_reply(c, &m, NULL), "fill reply");
	t0 = now_s();
	for (off = 0;;) {
		ssize_t n;

		CHECK(wait_fd(p, POLLIN, TIMEOUT_MS), "pipe timeout");
		n = read(p, buf, sizeof(buf));
		CHECK(n >= 0, "read");
		if (!n)
			break;
		off += (size_t)n;
	}
	CHECK(off == total, "read %zu", off);
	bench_line("pipe_host_to_guest", (double)total / (now_s() - t0) / 1e6, "MB/s");
	close(p);
	conn_close(c);
	return true;
}

static bool b_alloc(void)
{
	const int n = 1000;
	const size_t size = 65536;
	int dev = dev_open(), i;
	double t0;

	CHECK(dev >= 0, "open");
	t0 = now_s();
	for (i = 0; i < n; i++) {
		int fd = wl_new(dev, VIRTWL_IOCTL_NEW_ALLOC, size, NULL);
		volatile uint8_t *p;
		size_t off;

		CHECK(fd >= 0, "ALLOC");
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(p != MAP_FAILED, "mmap");
		for (off = 0; off < size; off += PAGE)
			p[off] = 1;
		munmap((void *)p, size);
		close(fd);
	}
	bench_line("alloc_mmap_close_64k", (now_s() - t0) * 1e6 / n, "us");
	close(dev);
	return true;
}

struct subtest {
	const char *name;
	bool (*fn)(void);
};

static const struct subtest tests[] = {
	{ "open", t_open },
	{ "ctx_echo", t_ctx_echo },
	{ "ctx_28_fds", t_echo_28fds },
	{ "ctx_large_messages", t_large },
	{ "shm_guest_alloc", t_shm_guest },
	{ "shm_host_memfd", t_shm_host },
	{ "pipe_guest_read", t_pipe_guest_read },
	{ "pipe_guest_write", t_pipe_guest_write },
	{ "pipe_host_read_end", t_pipe_host_read },
	{ "pipe_host_write_end", t_pipe_host_write },
	{ "named_contexts", t_named },
	{ "memfd_server", t_memfd },
	{ "poll_nonblock", t_poll_nonblock },
	{ "hangup_eof", t_hangup },
	{ "zero_length_recv", t_zero_len_recv },
	{ "bad_arguments", t_bad_args },
	{ "head_of_line", t_head_of_line },
	{ "queue_overrun", t_overrun },
	{ "close_churn", t_close_churn },
	{ "threads", t_threads },
	{ "remap_churn", t_remap_churn },
	{ "open_close_cycles", t_leak },
	{ "no_malformed_messages", t_no_drops },
	/* Last: it leaves undelivered host vfds until the module unloads. */
	{ "hostile_device", t_hostile },
};

static const struct subtest benches[] = {
	{ "rtt", b_rtt },
	{ "ctx_bulk", b_ctx_bulk },
	{ "pipe_bulk", b_pipe_bulk },
	{ "alloc", b_alloc },
};

int main(int argc, char **argv)
{
	const struct subtest *list = tests;
	size_t n = sizeof(tests) / sizeof(tests[0]), i;
	const char *only = NULL;
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--tag") && a + 1 < argc)
			tag = argv[++a];
		else if (!strcmp(argv[a], "--expect-shmem") && a + 1 < argc)
			expect_shmem = atoi(argv[++a]);
		else if (!strcmp(argv[a], "--cycles") && a + 1 < argc)
			cycles = atol(argv[++a]);
		else if (!strcmp(argv[a], "--only") && a + 1 < argc)
			only = argv[++a];
		else if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
			churn_seconds = atof(argv[++a]);
		else if (!strcmp(argv[a], "--bench")) {
			list = benches;
			n = sizeof(benches) / sizeof(benches[0]);
		} else {
			fprintf(stderr, "usage: wl-guest-test [--tag T] [--expect-shmem 0|1] "
				"[--cycles N] [--only NAME] [--seconds S] [--bench]\n");
			return 2;
		}
	}
	printf("@@PLAN %s %zu\n", tag, only ? 1 : n);
	for (i = 0; i < n; i++) {
		double t0 = now_s();
		bool ok;

		if (only && strcmp(only, list[i].name))
			continue;
		why[0] = '\0';
		ok = list[i].fn();
		printf("@@DIAG %s/%s took %.2f s\n", tag, list[i].name, now_s() - t0);
		if (ok) {
			printf("@@TAP ok %s/%s\n", tag, list[i].name);
		} else {
			printf("@@TAP not ok %s/%s # %s\n", tag, list[i].name, why);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
