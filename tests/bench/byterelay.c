// SPDX-License-Identifier: MIT
/*
 * byterelay: the least a proxy process can do, as a benchmark's limit for
 * wlnest.  It accepts Wayland clients on a socket, connects each to the
 * host socket, and copies bytes and fds both ways as they come, parsing
 * nothing: one epoll_wait, one recvmsg and one sendmsg per wakeup, in one
 * thread, which is what any proxy in its own process pays at least.
 *
 *   byterelay LISTEN_PATH HOST_PATH
 *
 * It prints "byterelay: ready" once listening and runs until SIGTERM.
 * Sends block: a bench tool, not something to put in front of a client
 * that may stop reading.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 28 /* libwayland's own limit per message batch */

struct side {
	int fd;
	struct side *peer;
};

static int unix_socket(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		fprintf(stderr, "byterelay: path too long: %s\n", path);
		return -1;
	}
	strcpy(addr->sun_path, path);
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* Moves what one side has to its peer; false when the pair is done. */
static int relay(struct side *from)
{
	char data[16384];
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr in = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	struct msghdr out = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n, sent = 0;
	int ok = 1;

	n = recvmsg(from->fd, &in, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0)
		return 0;
	if (in.msg_controllen) {
		out.msg_control = control.buf;
		out.msg_controllen = in.msg_controllen;
	}
	while (sent < n) {
		ssize_t k;

		iov.iov_base = data + sent;
		iov.iov_len = (size_t)(n - sent);
		k = sendmsg(from->peer->fd, &out, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			ok = 0;
			break;
		}
		sent += k;
		out.msg_control = NULL; /* the fds went with the first bytes */
		out.msg_controllen = 0;
	}
	for (c = CMSG_FIRSTHDR(&in); c; c = CMSG_NXTHDR(&in, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int *fds = (int *)(void *)CMSG_DATA(c);
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < count; i++)
			close(fds[i]);
	}
	return ok;
}

static void close_pair(int ep, struct side *s)
{
	struct side *p = s->peer;

	epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
	epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(s->fd);
	close(p->fd);
	free(s < p ? s : p); /* both live in one allocation */
}

static void accept_client(int ep, int listener, const char *host_path)
{
	struct sockaddr_un addr;
	struct epoll_event ev = { .events = EPOLLIN };
	struct side *pair;
	int client, host;

	client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (client < 0)
		return;
	host = unix_socket(host_path, &addr);
	if (host < 0 || connect(host, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "byterelay: cannot connect to %s: %s\n", host_path,
			strerror(errno));
		if (host >= 0)
			close(host);
		close(client);
		return;
	}
	pair = calloc(2, sizeof(*pair));
	if (!pair) {
		close(client);
		close(host);
		return;
	}
	pair[0] = (struct side){ client, &pair[1] };
	pair[1] = (struct side){ host, &pair[0] };
	ev.data.ptr = &pair[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev);
	ev.data.ptr = &pair[1];
	epoll_ctl(ep, EPOLL_CTL_ADD, host, &ev);
}

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct sigaction sa = { .sa_handler = on_signal };
	int listener, ep;

	if (argc != 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: byterelay LISTEN_PATH HOST_PATH\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	listener = unix_socket(argv[1], &addr);
	if (listener < 0)
		return 1;
	unlink(argv[1]);
	if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 16) < 0) {
		fprintf(stderr, "byterelay: cannot listen on %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0)
		return 1;
	printf("byterelay: ready\n");
	fflush(stdout);

	while (!quit) {
		struct epoll_event events[16];
		int n = epoll_wait(ep, events, 16, -1);

		for (int i = 0; i < n; i++) {
			struct side *s = events[i].data.ptr;

			if (!s) {
				accept_client(ep, listener, argv[2]);
			} else if (!relay(s)) {
				/* a later entry may name the freed pair: take
				 * the events afresh */
				close_pair(ep, s);
				break;
			}
		}
	}
	unlink(argv[1]);
	return 0;
}
