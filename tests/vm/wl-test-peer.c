// SPDX-License-Identifier: MIT
/*
 * wl-test-peer: the host end of the VM tests of the virtio_wl transport.
 *
 *   wl-test-peer [--ready FILE] [NAME=]PATH...
 *
 * Listens on each Unix socket PATH (the paths wlvm is told to connect
 * guest contexts to; NAME is what the guest passes to NEW_CTX_NAMED, none
 * for the unnamed socket) and answers the requests of tests/vm/
 * wl-test-proto.h on every connection: echoes data and fds, checks and
 * writes shared memory, fills and drains pipes, counts the VMM's fds.
 * Creates FILE once listening.  Runs until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wl-test-proto.h"

#define MAX_LISTEN 8
#define MAX_CONN 64
#define MAX_QUEUED_FDS 256

struct listener {
	int fd;
	char name[64];
	char path[108];
};

struct conn {
	int fd;
	const char *name;
	pid_t vmm_pid;
	uint8_t *buf;
	size_t have, cap;
	int fds[MAX_QUEUED_FDS];
	unsigned int nfds;
	/* WLT_SINK in progress: raw bytes still to take */
	uint64_t sink_left, sink_seed, sink_off, sink_bad;
	/* the last WLT_MAKE_MEM memfd */
	void *mem;
	size_t mem_len;
};

/* fds kept by WLT_HOLD, from any connection. */
static int held[4096];
static unsigned int n_held;

static struct listener listeners[MAX_LISTEN];
static unsigned int n_listeners;
static struct conn *conns[MAX_CONN];

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	fputs("wl-test-peer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends one reply: header, payload, fds with the first byte. */
static int send_reply(int fd, uint32_t op, uint64_t arg, uint64_t arg2,
		      const void *payload, uint32_t len, const int *fds,
		      unsigned int nfds)
{
	struct wlt_msg m = { .op = op, .len = len, .arg = arg, .arg2 = arg2 };
	char cbuf[CMSG_SPACE(sizeof(int) * WLT_MAX_FDS)];
	struct iovec iov[2] = {
		{ .iov_base = &m, .iov_len = sizeof(m) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	size_t total = sizeof(m) + len;
	ssize_t n;

	if (nfds > WLT_MAX_FDS)
		return -1;
	if (nfds) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n == total)
		return 0;
	/* The rest without fds. */
	if ((size_t)n < sizeof(m)) {
		if (write_all(fd, (uint8_t *)&m + n, sizeof(m) - (size_t)n))
			return -1;
		n = sizeof(m);
	}
	return write_all(fd, (const uint8_t *)payload + ((size_t)n - sizeof(m)),
			 total - (size_t)n);
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return pid == getpid() ? n - 1 : n;	/* not the DIR's own fd */
}

/* In a child: keeps only the fds in keep[] (and stdio). */
static void close_others(const int *keep, unsigned int nkeep)
{
	int fds[4096], n = 0, i;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return;
	while ((d = readdir(dir)) && n < 4096)
		if (d->d_name[0] != '.')
			fds[n++] = atoi(d->d_name);
	closedir(dir);
	for (i = 0; i < n; i++) {
		bool k = fds[i] < 3;

		for (unsigned int j = 0; j < nkeep; j++)
			k |= keep[j] == fds[i];
		if (!k)
			close(fds[i]);
	}
}

static int write_pattern(int fd, uint64_t seed, uint64_t len)
{
	uint8_t buf[16384];
	uint64_t off = 0;

	while (off < len) {
		size_t n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);

		wlt_fill(buf, n, seed, off);
		if (write_all(fd, buf, n))
			return -1;
		off += n;
	}
	return 0;
}

/* Reads fd to EOF; returns bytes read, *bad = 1 + first bad offset. */
static uint64_t read_pattern(int fd, uint64_t seed, uint64_t *bad)
{
	uint8_t buf[16384];
	uint64_t off = 0;
	ssize_t n;

	*bad = 0;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!*bad) {
			uint64_t b = wlt_check(buf, (size_t)n, seed, off);

			if (b)
				*bad = off + b;
		}
		off += (uint64_t)n;
	}
	return off;
}

static void drain_child(int conn_fd, int rfd, uint32_t op, uint64_t seed,
			uint64_t want)
{
	int keep[2] = { conn_fd, rfd };
	uint64_t bad, got;

	close_others(keep, 2);
	got = read_pattern(rfd, seed, &bad);
	close(rfd);
	send_reply(conn_fd, op, bad || got != want ? 1 : 0, got, NULL, 0,
		   NULL, 0);
	_exit(0);
}

static void conn_close_fds(struct conn *c, unsigned int n)
{
	unsigned int i;

	if (n > c->nfds)
		n = c->nfds;
	for (i = 0; i < n; i++)
		close(c->fds[i]);
	memmove(c->fds, c->fds + n, (c->nfds - n) * sizeof(int));
	c->nfds -= n;
}

/* Handles one complete request; returns false to drop the connection. */
static bool handle(struct conn *c, const struct wlt_msg *m, const uint8_t *payload)
{
	int p[2], fd;
	uint64_t bad = 0;
	void *map;

	switch (m->op) {
	case WLT_ECHO: {
		unsigned int n = c->nfds > WLT_MAX_FDS ? WLT_MAX_FDS : c->nfds;
		int r = send_reply(c->fd, m->op, n, 0, payload, m->len, c->fds, n);

		conn_close_fds(c, n);
		return r == 0;
	}
	case WLT_CHECK_MEM:
		if (!c->nfds) {
			logf_("CHECK_MEM without an fd");
			return send_reply(c->fd, m->op, 2, 0, NULL, 0, NULL, 0) == 0;
		}
		map = mmap(NULL, m->arg2, PROT_READ | PROT_WRITE, MAP_SHARED,
			   c->fds[0], 0);
		if (map == MAP_FAILED) {
			logf_("CHECK_MEM: mmap: %s", strerror(errno));
			bad = 3;
		} else {
			bad = wlt_check(map, m->arg2, m->arg, 0);
			wlt_fill(map, m->arg2, m->arg + 1, 0);
			munmap(map, m->arg2);
		}
		conn_close_fds(c, 1);
		return send_reply(c->fd, m->op, bad, 0, NULL, 0, NULL, 0) == 0;
	case WLT_MAKE_MEM:
		if (c->mem)
			munmap(c->mem, c->mem_len);
		c->mem = NULL;
		fd = memfd_create("wl-test-peer", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)m->arg2) < 0)
			return false;
		map = mmap(NULL, m->arg2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			close(fd);
			return false;
		}
		wlt_fill(map, m->arg2, m->arg, 0);
		c->mem = map;
		c->mem_len = m->arg2;
		if (send_reply(c->fd, m->op, 0, 0, NULL, 0, &fd, 1)) {
			close(fd);
			return false;
		}
		close(fd);
		return true;
	case WLT_VERIFY_MEM:
		bad = c->mem ? wlt_check(c->mem, c->mem_len, m->arg, 0) : 2;
		return send_reply(c->fd, m->op, bad, 0, NULL, 0, NULL, 0) == 0;
	case WLT_FILL_PIPE:
	case WLT_DRAIN_PIPE:
		if (!c->nfds)
			return send_reply(c->fd, m->op, 2, 0, NULL, 0, NULL, 0) == 0;
		fd = c->fds[0];
		if (m->op == WLT_FILL_PIPE &&
		    send_reply(c->fd, m->op, 0, 0, NULL, 0, NULL, 0))
			return false;
		switch (fork()) {
		case -1:
			return false;
		case 0:
			if (m->op == WLT_DRAIN_PIPE)
				drain_child(c->fd, fd, m->op, m->arg, m->arg2);
			close_others(&fd, 1);
			write_pattern(fd, m->arg, m->arg2);
			_exit(0);
		}
		conn_close_fds(c, 1);
		return true;
	case WLT_MAKE_PIPE_R:
		if (pipe2(p, O_CLOEXEC))
			return false;
		switch (fork()) {
		case -1:
			return false;
		case 0:
			close_others(&p[1], 1);
			write_pattern(p[1], m->arg, m->arg2);
			_exit(0);
		}
		close(p[1]);
		fd = send_reply(c->fd, m->op, 0, 0, NULL, 0, &p[0], 1);
		close(p[0]);
		return fd == 0;
	case WLT_MAKE_PIPE_W:
		if (pipe2(p, O_CLOEXEC))
			return false;
		fd = send_reply(c->fd, m->op, 0, 0, NULL, 0, &p[1], 1);
		close(p[1]);
		if (fd) {
			close(p[0]);
			return false;
		}
		switch (fork()) {
		case -1:
			return false;
		case 0:
			drain_child(c->fd, p[0], m->op, m->arg, m->arg2);
		}
		close(p[0]);
		return true;
	case WLT_FLOOD:
		switch (fork()) {
		case -1:
			return false;
		case 0:
			close_others(&c->fd, 1);
			write_pattern(c->fd, m->arg, m->arg2);
			_exit(0);
		}
		return true;
	case WLT_SINK:
		c->sink_left = m->arg2;
		c->sink_seed = m->arg;
		c->sink_off = 0;
		c->sink_bad = 0;
		if (!m->arg2)
			return send_reply(c->fd, m->op, 0, 0, NULL, 0, NULL, 0) == 0;
		return true;
	case WLT_WHOAMI:
		return send_reply(c->fd, m->op, 0, 0, c->name,
				  (uint32_t)strlen(c->name), NULL, 0) == 0;
	case WLT_FDCOUNT:
		return send_reply(c->fd, m->op, (uint64_t)count_fds(c->vmm_pid),
				  (uint64_t)count_fds(getpid()), NULL, 0, NULL, 0) == 0;
	case WLT_HANGUP:
		return false;
	case WLT_HOLD:
		while (c->nfds && n_held < sizeof(held) / sizeof(held[0])) {
			held[n_held++] = c->fds[0];
			memmove(c->fds, c->fds + 1, --c->nfds * sizeof(int));
		}
		conn_close_fds(c, c->nfds);
		return send_reply(c->fd, m->op, n_held, 0, NULL, 0, NULL, 0) == 0;
	case WLT_RELEASE: {
		unsigned int n = n_held;

		while (n_held)
			close(held[--n_held]);
		return send_reply(c->fd, m->op, n, 0, NULL, 0, NULL, 0) == 0;
	}
	default:
		logf_("unknown op %u", m->op);
		return false;
	}
}

/* Takes what arrived: raw sink bytes first, then whole requests. */
static bool process(struct conn *c)
{
	size_t off = 0;
	bool ok = true;

	while (ok) {
		if (c->sink_left) {
			size_t n = c->have - off;

			if (n > c->sink_left)
				n = (size_t)c->sink_left;
			if (!n)
				break;
			if (!c->sink_bad) {
				uint64_t b = wlt_check(c->buf + off, n, c->sink_seed,
						       c->sink_off);
				if (b)
					c->sink_bad = c->sink_off + b;
			}
			c->sink_off += n;
			c->sink_left -= n;
			off += n;
			if (!c->sink_left)
				ok = send_reply(c->fd, WLT_SINK, c->sink_bad ? 1 : 0,
						c->sink_off, NULL, 0, NULL, 0) == 0;
			continue;
		}
		struct wlt_msg m;

		if (c->have - off < sizeof(m))
			break;
		memcpy(&m, c->buf + off, sizeof(m));
		if (c->have - off - sizeof(m) < m.len)
			break;
		ok = handle(c, &m, c->buf + off + sizeof(m));
		off += sizeof(m) + m.len;
	}
	memmove(c->buf, c->buf + off, c->have - off);
	c->have -= off;
	return ok;
}

static void conn_free(struct conn *c)
{
	conn_close_fds(c, c->nfds);
	if (c->mem)
		munmap(c->mem, c->mem_len);
	close(c->fd);
	free(c->buf);
	free(c);
}

static bool conn_read(struct conn *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 64)];
	struct msghdr mh = { 0 };
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	if (c->cap - c->have < 65536) {
		size_t cap = c->cap ? c->cap * 2 : 262144;
		uint8_t *b = realloc(c->buf, cap);

		if (!b)
			return false;
		c->buf = b;
		c->cap = cap;
	}
	iov.iov_base = c->buf + c->have;
	iov.iov_len = c->cap - c->have;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && errno == EINTR)
		return true;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			unsigned int k = (unsigned int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			int *fds = (int *)CMSG_DATA(cm);

			for (unsigned int i = 0; i < k; i++) {
				if (c->nfds < MAX_QUEUED_FDS)
					c->fds[c->nfds++] = fds[i];
				else
					close(fds[i]);
			}
		}
	}
	if (n <= 0)
		return false;
	c->have += (size_t)n;
	return process(c);
}

static int listen_on(const char *spec)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct listener *l;
	const char *eq = strchr(spec, '=');
	const char *path = spec;

	if (n_listeners == MAX_LISTEN)
		return -1;
	l = &listeners[n_listeners];
	l->name[0] = '\0';
	if (eq && spec[0] != '/' && spec[0] != '.') {
		snprintf(l->name, sizeof(l->name), "%.*s", (int)(eq - spec), spec);
		path = eq + 1;
	}
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	snprintf(l->path, sizeof(l->path), "%s", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return -1;
	unlink(path);
	if (bind(l->fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(l->fd, 64)) {
		close(l->fd);
		return -1;
	}
	n_listeners++;
	return 0;
}

static void accept_one(struct listener *l)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c;
	unsigned int i;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < MAX_CONN && conns[i]; i++)
		;
	c = i < MAX_CONN ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		logf_("too many connections");
		close(fd);
		return;
	}
	c->fd = fd;
	c->name = l->name;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		c->vmm_pid = cred.pid;
	conns[i] = c;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[MAX_LISTEN + MAX_CONN];
	struct conn *who[MAX_LISTEN + MAX_CONN];
	const char *ready = NULL;
	struct sigaction sa = { .sa_handler = SIG_IGN, .sa_flags = SA_NOCLDWAIT };
	int i;

	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ready") && i + 1 < argc) {
			ready = argv[++i];
			continue;
		}
		if (listen_on(argv[i])) {
			logf_("cannot listen on %s: %s", argv[i], strerror(errno));
			return 1;
		}
	}
	if (!n_listeners) {
		fprintf(stderr, "usage: wl-test-peer [--ready FILE] [NAME=]PATH...\n");
		return 2;
	}
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
	}
	for (;;) {
		unsigned int n = 0, k;

		for (k = 0; k < n_listeners; k++) {
			pfd[n] = (struct pollfd){ .fd = listeners[k].fd, .events = POLLIN };
			who[n++] = NULL;
		}
		for (k = 0; k < MAX_CONN; k++) {
			if (!conns[k])
				continue;
			pfd[n] = (struct pollfd){ .fd = conns[k]->fd, .events = POLLIN };
			who[n++] = conns[k];
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (k = 0; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			if (k < n_listeners) {
				accept_one(&listeners[k]);
				continue;
			}
			if (!conn_read(who[k])) {
				unsigned int j;

				for (j = 0; j < MAX_CONN; j++)
					if (conns[j] == who[k])
						conns[j] = NULL;
				conn_free(who[k]);
			}
		}
	}
}
