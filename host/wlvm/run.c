// SPDX-License-Identifier: MIT
/*
 * QEMU as wlvm's child.  wlvm stays between QEMU and the operator: the
 * serial console goes through pipes, guest output through the console
 * filter, the terminal is put in raw mode (signals kept, so Ctrl-C still
 * stops the VM) and restored, and a signal to wlvm ends QEMU within a
 * second whatever the guest does: SIGTERM, then SIGKILL.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "wl_connector.h"
#include "wl_dev.h"
#include "wlvm.h"

#define KILL_GRACE_MS 1000
#define RELAY_BUF 4096

static struct termios saved_tty;
static bool tty_saved;

static void
restore_tty(void)
{
	if (tty_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_saved = false;
}

/* Keys go to the guest as typed; ISIG stays, so Ctrl-C reaches wlvm. */
static void
raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	t = saved_tty;
	t.c_iflag &= ~(unsigned)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
				 ICRNL | IXON);
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(unsigned)(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cflag &= ~(unsigned)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
		tty_saved = true;
		atexit(restore_tty);
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* the terminal is gone: the output goes too */
		buf += n;
		len -= (size_t)n;
	}
}

/* Only fds 0-2 and @keep reach the child; everything else closes on exec. */
static void
close_others(const int *keep)
{
	int fd, max = (int)sysconf(_SC_OPEN_MAX);
	unsigned int i;

	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (fd = 3; fd < max; fd++) {
		bool kept = false;

		for (i = 0; i < 4 && keep[i] >= 0; i++)
			kept |= keep[i] == fd;
		if (kept)
			fcntl(fd, F_SETFD, 0);
		else if (fcntl(fd, F_GETFD) >= 0)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
}

static pid_t
spawn(const struct argv *argv, const struct run_options *opts, int in, int out,
      int err, const sigset_t *oldmask)
{
	pid_t pid = fork();

	if (pid < 0)
		wlvm_die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	/* A QEMU never outlives wlvm, whatever kills wlvm. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	close_others(opts->keep_fds);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	execv(argv->v[0], argv->v);
	dprintf(STDERR_FILENO, "wlvm: cannot run %s: %s\n", argv->v[0], strerror(errno));
	_exit(127);
}

/* bwrap's --info-fd: {"child-pid": N, ...}, in more than one write. */
static pid_t
read_child_pid(int fd)
{
	char buf[1024];
	size_t len = 0;
	char *p;

	/* All of it: bwrap dies of SIGPIPE if we close early. */
	while (len < sizeof(buf) - 1 && !memchr(buf, '}', len)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	p = strstr(buf, "\"child-pid\"");
	if (!p || !(p = strchr(p, ':')))
		return -1;
	return (pid_t)strtol(p + 1, NULL, 10);
}

static void
write_pid_file(const char *path, pid_t pid)
{
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "w");
	if (!f) {
		wlvm_note("cannot write %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

struct stream {
	int fd;			/* read end, -1 at EOF */
	int to;			/* where filtered bytes go */
	struct console_filter filter;
};

static void
relay(struct stream *s, bool raw)
{
	uint8_t buf[RELAY_BUF], out[RELAY_BUF + CONSOLE_FILTER_SLACK];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(s->fd);
		s->fd = -1;
		return;
	}
	if (raw)
		write_all(s->to, buf, (size_t)n);
	else
		write_all(s->to, out, console_filter(&s->filter, buf, (size_t)n, out));
}

/*
 * A connection QEMU asks for: to the path the operator gave for that
 * name, and nothing else.  Connecting never waits (a full backlog fails).
 */
static void
serve_connector(const struct run_options *opts, int connector_fd)
{
	struct wl_connector_request req;
	struct wl_connector_reply reply = { 0 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { &reply, sizeof(reply) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recv(connector_fd, &req, sizeof(req), MSG_DONTWAIT);
	int i, fd = -ENOENT;

	if (n != sizeof(req))
		return;
	req.name[sizeof(req.name) - 1] = '\0';
	for (i = 0; i < opts->n_sockets; i++)
		if (!strcmp(opts->sockets[i].name, req.name))
			fd = wl_socket_connect(opts->sockets[i].path);
	reply.seq = req.seq;
	if (fd < 0) {
		reply.error = -fd;
	} else {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	if (sendmsg(connector_fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* QEMU gone, or not reading: it times out on its side */
	}
	if (fd >= 0)
		close(fd);
}

int
run_qemu(const struct argv *argv, const struct run_options *opts)
{
	struct stream streams[2];
	uint8_t in_buf[RELAY_BUF];
	size_t in_len = 0, in_off = 0;
	int in_pipe[2], out_pipe[2], err_pipe[2], sig_fd, status = 0, i;
	int connector_fd = opts->connector_fd;
	bool stdin_open = true, exited = false, stopping = false;
	int64_t kill_at = 0;
	pid_t child, qemu = -1;
	sigset_t mask, oldmask;

	if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0 ||
	    pipe2(err_pipe, O_CLOEXEC) < 0)
		wlvm_die("pipe: %s", strerror(errno));
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0)
		wlvm_die("signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	child = spawn(argv, opts, in_pipe[0], out_pipe[1], err_pipe[1], &oldmask);
	/* The child's now; our copies would keep pipes from their end. */
	for (i = 0; i < 4 && opts->keep_fds[i] >= 0; i++)
		close(opts->keep_fds[i]);
	close(in_pipe[0]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	if (opts->info_fd >= 0) {
		qemu = read_child_pid(opts->info_fd);
		close(opts->info_fd);
	}
	if (qemu <= 0)
		qemu = child;
	write_pid_file(opts->pid_file, qemu);
	raw_tty();

	streams[0] = (struct stream){ .fd = out_pipe[0], .to = STDOUT_FILENO };
	streams[1] = (struct stream){ .fd = err_pipe[0], .to = STDERR_FILENO };
	console_filter_init(&streams[0].filter);
	console_filter_init(&streams[1].filter);

	/* Until QEMU is gone and has said all it had to say. */
	while (!exited || streams[0].fd >= 0 || streams[1].fd >= 0) {
		struct pollfd pfd[6] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = streams[0].fd, .events = POLLIN },
			{ .fd = streams[1].fd, .events = POLLIN },
			{ .fd = stdin_open && in_len == 0 ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = in_len && in_pipe[1] >= 0 ? in_pipe[1] : -1, .events = POLLOUT },
			{ .fd = exited ? -1 : connector_fd, .events = POLLIN },
		};
		int timeout = -1;

		if (stopping) {
			timeout = (int)(kill_at - now_ms());
			if (timeout <= 0) {
				kill(qemu, SIGKILL);
				kill(child, SIGKILL);
				timeout = 100;
				kill_at = now_ms() + 100;
			}
		}
		if (exited)
			timeout = 100;	/* what is left in the pipes, not more */
		if (poll(pfd, 6, timeout) < 0 && errno != EINTR)
			wlvm_die("poll: %s", strerror(errno));
		if (exited && !(pfd[1].revents | pfd[2].revents))
			break;
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					if (!exited && waitpid(child, &status, WNOHANG) == child)
						exited = true;
				} else if (!stopping && !exited) {
					stopping = true;
					kill_at = now_ms() + KILL_GRACE_MS;
					kill(qemu, SIGTERM);
				}
			}
		}
		for (i = 0; i < 2; i++)
			if (streams[i].fd >= 0 && pfd[1 + i].revents)
				relay(&streams[i], opts->raw_console);
		if (pfd[5].revents & POLLIN)
			serve_connector(opts, connector_fd);
		else if (pfd[5].revents)
			connector_fd = -1;	/* QEMU hung up: not polled again */
		if (pfd[3].revents) {
			ssize_t n = read(STDIN_FILENO, in_buf, sizeof(in_buf));

			if (n > 0) {
				in_len = (size_t)n;
				in_off = 0;
			} else if (n == 0 || errno != EINTR) {
				stdin_open = false;	/* QEMU sees the end too */
				close(in_pipe[1]);
				in_pipe[1] = -1;
			}
		}
		if (in_len && in_pipe[1] >= 0) {
			ssize_t n = write(in_pipe[1], in_buf + in_off, in_len);

			if (n > 0) {
				in_off += (size_t)n;
				in_len -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				in_len = 0;	/* QEMU closed its stdin */
			}
		}
	}
	restore_tty();
	if (!exited)
		waitpid(child, &status, 0);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
