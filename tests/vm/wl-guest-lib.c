// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wl-guest-lib.h"

char why[512];

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int dev_open(void)
{
	return open("/dev/wl0", O_RDWR | O_CLOEXEC);
}

/* VIRTWL_IOCTL_NEW; returns the new fd, or -errno. */
int wl_new(int dev, uint32_t type, uint32_t size, const char *name)
{
	struct virtwl_ioctl_new n = { .type = type };

	if (type == VIRTWL_IOCTL_NEW_ALLOC)
		n.size = size;
	if (name)
		strncpy(n.name, name, sizeof(n.name));
	if (ioctl(dev, VIRTWL_IOCTL_NEW, &n))
		return -errno;
	return n.fd;
}

int new_vfd(uint32_t type, uint32_t size, const char *name)
{
	int dev = dev_open(), fd;

	if (dev < 0)
		return -errno;
	fd = wl_new(dev, type, size, name);
	close(dev);
	return fd;
}


bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

long read_long_base(const char *path, int base)
{
	char buf[64] = "";
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			v = strtol(buf, NULL, base);
		close(fd);
	}
	return v;
}

long read_long(const char *path)
{
	return read_long_base(path, 10);
}

long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

long meminfo_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r <= 0 ? 0 : p.revents;
}


/* Per thread: the threads subtest sends and receives from several. */
_Thread_local struct virtwl_ioctl_txn *txn_buf;
_Thread_local size_t txn_cap;

bool txn_reserve(size_t len)
{
	if (txn_buf && txn_cap >= len)
		return true;
	free(txn_buf);
	txn_buf = malloc(sizeof(*txn_buf) + len);
	txn_cap = txn_buf ? len : 0;
	return txn_buf != NULL;
}

struct conn *conn_wrap(int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->cap = 1 << 20;
	c->buf = malloc(c->cap);
	if (!c->buf) {
		free(c);
		return NULL;
	}
	return c;
}

struct conn *conn_open(const char *name)
{
	int fd = new_vfd(name ? VIRTWL_IOCTL_NEW_CTX_NAMED : VIRTWL_IOCTL_NEW_CTX,
			 0, name);

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	return conn_wrap(fd);
}

void conn_close(struct conn *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

/* SEND of data with fds; returns 0 or -errno. */
int send_raw(int fd, const void *data, size_t len, const int *fds,
		    unsigned int nfds)
{
	unsigned int i;

	if (!txn_reserve(len))
		return -ENOMEM;
	for (i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		txn_buf->fds[i] = i < nfds ? fds[i] : -1;
	txn_buf->len = (uint32_t)len;
	if (len)
		memcpy(txn_buf->data, data, len);
	return ioctl(fd, VIRTWL_IOCTL_SEND, txn_buf) ? -errno : 0;
}

int conn_send(struct conn *c, uint32_t op, uint64_t arg, uint64_t arg2,
		     const void *payload, uint32_t len, const int *fds,
		     unsigned int nfds)
{
	struct wlt_msg m = { .op = op, .len = len, .arg = arg, .arg2 = arg2 };
	uint8_t *tmp = malloc(sizeof(m) + len);
	int r;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, &m, sizeof(m));
	if (len)
		memcpy(tmp + sizeof(m), payload, len);
	r = send_raw(c->fd, tmp, sizeof(m) + len, fds, nfds);
	free(tmp);
	return r;
}

/* One RECV into the buffer; returns bytes, 0 at EOF, -errno. */
int conn_fill(struct conn *c, int ms)
{
	size_t room;
	unsigned int i, nf;

	if (c->off == c->have)
		c->off = c->have = 0;
	if (c->off && c->cap - c->have < 65536) {
		memmove(c->buf, c->buf + c->off, c->have - c->off);
		c->have -= c->off;
		c->off = 0;
	}
	room = c->cap - c->have;
	if (room > 65536)
		room = 65536;
	if (!(wait_fd(c->fd, POLLIN, ms) & (POLLIN | POLLHUP | POLLERR)))
		return -ETIMEDOUT;
	if (!txn_reserve(room))
		return -ENOMEM;
	txn_buf->len = (uint32_t)room;
	if (ioctl(c->fd, VIRTWL_IOCTL_RECV, txn_buf))
		return -errno;
	if (txn_buf->len > room)
		return -EOVERFLOW;
	memcpy(c->buf + c->have, txn_buf->data, txn_buf->len);
	c->have += txn_buf->len;
	for (nf = 0; nf < VIRTWL_SEND_MAX_ALLOCS && txn_buf->fds[nf] >= 0; nf++)
		if (c->nfds < 256)
			c->fds[c->nfds++] = txn_buf->fds[nf];
	for (i = nf; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		if (txn_buf->fds[i] != -1)
			return -EBADMSG;	/* unused slots must be -1 */
	if (!txn_buf->len && !nf)
		c->eof = true;
	return (int)txn_buf->len + (int)nf;
}

int conn_read(struct conn *c, void *dst, size_t n)
{
	uint8_t *p = dst;

	while (n) {
		size_t have = c->have - c->off, k = have < n ? have : n;

		if (k) {
			memcpy(p, c->buf + c->off, k);
			c->off += k;
			p += k;
			n -= k;
			continue;
		}
		int r = conn_fill(c, TIMEOUT_MS);

		if (r < 0)
			return r;
		if (c->eof)
			return -EPIPE;
	}
	return 0;
}

/* Reads one reply; payload (if any) goes to *payload (malloc'ed). */
int conn_reply(struct conn *c, struct wlt_msg *m, uint8_t **payload)
{
	int r = conn_read(c, m, sizeof(*m));

	if (payload)
		*payload = NULL;
	if (r)
		return r;
	if (m->len) {
		uint8_t *p = malloc(m->len);

		if (!p)
			return -ENOMEM;
		r = conn_read(c, p, m->len);
		if (r || !payload)
			free(p);
		else
			*payload = p;
	}
	return r;
}

/* Takes n received fds (in arrival order). */
bool conn_take_fds(struct conn *c, int *out, unsigned int n)
{
	if (c->nfds < n)
		return false;
	memcpy(out, c->fds, n * sizeof(int));
	memmove(c->fds, c->fds + n, (c->nfds - n) * sizeof(int));
	c->nfds -= n;
	return true;
}

/* Reads a pipe fd to EOF; returns bytes or -errno; *bad as wlt_check. */
long read_to_eof(int fd, uint64_t seed, uint64_t *bad)
{
	static uint8_t buf[65536];
	long total = 0;

	*bad = 0;
	for (;;) {
		ssize_t n;

		if (!(wait_fd(fd, POLLIN, TIMEOUT_MS) & (POLLIN | POLLHUP)))
			return -ETIMEDOUT;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return total;
		if (!*bad) {
			uint64_t b = wlt_check(buf, (size_t)n, seed, (uint64_t)total);

			if (b)
				*bad = (uint64_t)total + b;
		}
		total += n;
	}
}

int write_pattern(int fd, uint64_t seed, size_t len, size_t step)
{
	static uint8_t buf[65536];
	size_t off = 0;

	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		ssize_t w;

		if (n > sizeof(buf))
			n = sizeof(buf);
		wlt_fill(buf, n, seed, off);
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

uint64_t round_page(uint64_t n)
{
	return (n + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

