// SPDX-License-Identifier: MIT
/*
 * Xwayland, started on demand.  wlnest owns the X11 display's lock file
 * and listening sockets; the first X client's connection starts Xwayland
 * with those sockets (-listenfd), a Wayland connection to wlnest itself
 * (WAYLAND_SOCKET) and a window-manager connection (-wm).  When Xwayland
 * exits, for any reason, the sockets go back to wlnest and the next X
 * client starts a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nest.h"
#include "xwayland-private.h"

#define X11_SOCKET_DIR "/tmp/.X11-unix"
#define MAX_DISPLAY 64

const char *nest_xwayland_path = "Xwayland";

static int
bind_socket(struct sockaddr_un *addr, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)addr, len) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Takes /tmp/.X<n>-lock, clearing a stale one.  False if n is in use. */
static bool
take_lock(struct nest_xwayland *xw, int n)
{
	char pid[16];
	int fd;

	snprintf(xw->lock_path, sizeof(xw->lock_path), "/tmp/.X%d-lock", n);
	for (int attempt = 0; attempt < 2; attempt++) {
		fd = open(xw->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0444);
		if (fd >= 0) {
			snprintf(pid, sizeof(pid), "%10d\n", (int)getpid());
			if (write(fd, pid, 11) != 11) {
				close(fd);
				unlink(xw->lock_path);
				return false;
			}
			close(fd);
			return true;
		}
		if (errno != EEXIST)
			return false;
		fd = open(xw->lock_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		memset(pid, 0, sizeof(pid));
		if (read(fd, pid, 11) != 11) {
			close(fd);
			return false;
		}
		close(fd);
		long owner = strtol(pid, NULL, 10);

		if (owner > 0 && (kill((pid_t)owner, 0) == 0 || errno != ESRCH))
			return false;
		/* stale: its owner is gone */
		unlink(xw->lock_path);
		snprintf(xw->socket_path, sizeof(xw->socket_path),
			 X11_SOCKET_DIR "/X%d", n);
		unlink(xw->socket_path);
	}
	return false;
}

static bool
open_display(struct nest_xwayland *xw, int n)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;

	if (!take_lock(xw, n))
		return false;
	/* Abstract first: it fails if anyone else serves this display. */
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 X11_SOCKET_DIR "/X%d", n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			  strlen(addr.sun_path + 1));
	xw->abstract_fd = bind_socket(&addr, len);
	if (xw->abstract_fd < 0)
		goto err_lock;

	snprintf(xw->socket_path, sizeof(xw->socket_path),
		 X11_SOCKET_DIR "/X%d", n);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, xw->socket_path);
	unlink(xw->socket_path);
	xw->unix_fd = bind_socket(&addr, sizeof(addr));
	if (xw->unix_fd < 0)
		goto err_abstract;
	xw->display = n;
	snprintf(xw->display_name, sizeof(xw->display_name), ":%d", n);
	return true;

err_abstract:
	close(xw->abstract_fd);
	xw->abstract_fd = -1;
err_lock:
	unlink(xw->lock_path);
	return false;
}

static int listening_ready(int fd, uint32_t mask, void *data);

static void
listen_again(struct nest_xwayland *xw)
{
	if (xw->unix_fd >= 0)
		xw->unix_source = wl_event_loop_add_fd(xw->nest->loop, xw->unix_fd,
						       WL_EVENT_READABLE,
						       listening_ready, xw);
	if (xw->abstract_fd >= 0)
		xw->abstract_source = wl_event_loop_add_fd(xw->nest->loop,
							   xw->abstract_fd,
							   WL_EVENT_READABLE,
							   listening_ready, xw);
}

static void
stop_listening(struct nest_xwayland *xw)
{
	if (xw->unix_source)
		wl_event_source_remove(xw->unix_source);
	if (xw->abstract_source)
		wl_event_source_remove(xw->abstract_source);
	xw->unix_source = xw->abstract_source = NULL;
}

/*
 * Xwayland wrote its display number and a newline: it accepts
 * connections now.  The pipe stays open until it exits, since a closed
 * pipe would fail its write.
 */
static int
xwayland_ready(int fd, uint32_t mask, void *data)
{
	struct nest_xwayland *xw = data;
	char buf[32];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0 && !memchr(buf, '\n', (size_t)n))
		return 0;
	wl_event_source_remove(xw->ready_source);
	xw->ready_source = NULL;
	if (n <= 0) {
		nest_log("Xwayland failed to start");
		return 0;
	}
	nest_debug("Xwayland ready on %s after %.0f ms", xw->display_name,
		   (nest_now() - xw->started) * 1e3);
	xw->wm = xwm_create(xw, xw->wm_fd);
	xw->wm_fd = -1;
	if (!xw->wm)
		nest_log("the X11 window manager failed to start");
	return 0;
}

static bool
clear_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) == 0;
}

static bool
start_xwayland(struct nest_xwayland *xw)
{
	int wayland[2], wm[2], ready[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wayland) < 0)
		goto err;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, wm) < 0)
		goto err_wayland;
	if (pipe2(ready, O_CLOEXEC) < 0)
		goto err_wm;

	xw->started = nest_now();
	pid = fork();
	if (pid < 0)
		goto err_ready;
	if (pid == 0) {
		char wl_fd[16], wm_fd[16], ready_fd[16], unix_fd[16],
			abstract_fd[16];
		/* Each socket there is, as -listenfd; an inherited pair may be one. */
		const char *listen[4] = { NULL };
		int n_listen = 0;
		sigset_t none;

		if (!clear_cloexec(wayland[1]) || !clear_cloexec(wm[1]) ||
		    !clear_cloexec(ready[1]) ||
		    (xw->unix_fd >= 0 && !clear_cloexec(xw->unix_fd)) ||
		    (xw->abstract_fd >= 0 && !clear_cloexec(xw->abstract_fd)))
			_exit(127);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		snprintf(wl_fd, sizeof(wl_fd), "%d", wayland[1]);
		snprintf(wm_fd, sizeof(wm_fd), "%d", wm[1]);
		snprintf(ready_fd, sizeof(ready_fd), "%d", ready[1]);
		snprintf(unix_fd, sizeof(unix_fd), "%d", xw->unix_fd);
		snprintf(abstract_fd, sizeof(abstract_fd), "%d",
			 xw->abstract_fd);
		if (xw->unix_fd >= 0) {
			listen[n_listen++] = "-listenfd";
			listen[n_listen++] = unix_fd;
		}
		if (xw->abstract_fd >= 0) {
			listen[n_listen++] = "-listenfd";
			listen[n_listen++] = abstract_fd;
		}
		setenv("WAYLAND_SOCKET", wl_fd, 1);
		unsetenv("WAYLAND_DISPLAY");
		/* -shm: wl_shm buffers, which need no GPU and which the
		 * copy path of virtwl handles */
		execlp(nest_xwayland_path, "Xwayland", xw->display_name,
		       "-rootless", "-shm", "-terminate", "-wm", wm_fd, "-displayfd",
		       ready_fd, "-nolisten", "tcp", listen[0], listen[1], listen[2],
		       listen[3], (char *)NULL);
		fprintf(stderr, "wlnest: cannot run %s: %s\n",
			nest_xwayland_path, strerror(errno));
		_exit(127);
	}
	close(wayland[1]);
	close(wm[1]);
	close(ready[1]);
	xw->pid = pid;
	xw->wm_fd = wm[0];
	xw->ready_fd = ready[0];
	xw->ready_source = wl_event_loop_add_fd(xw->nest->loop, ready[0],
						WL_EVENT_READABLE,
						xwayland_ready, xw);
	/* Its Wayland connection: a client of wlnest like any other. */
	xw->client = nest_client_from_fd(xw->nest, wayland[0]);
	if (xw->client)
		xw->client->xwayland = true;
	nest_debug("started Xwayland %s (pid %d)", xw->display_name, (int)pid);
	return true;

err_ready:
	close(ready[0]);
	close(ready[1]);
err_wm:
	close(wm[0]);
	close(wm[1]);
err_wayland:
	close(wayland[0]);
	close(wayland[1]);
err:
	nest_log("cannot start Xwayland: %s", strerror(errno));
	return false;
}

static int
listening_ready(int fd, uint32_t mask, void *data)
{
	struct nest_xwayland *xw = data;

	/* Xwayland takes over the sockets until it exits. */
	stop_listening(xw);
	if (!start_xwayland(xw)) {
		/* Refuse the waiting client rather than spin on it. */
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
		listen_again(xw);
	}
	return 0;
}

void
nest_xwayland_child_exited(struct nest_xwayland *xw, int pid, int status)
{
	if (!xw || pid != xw->pid)
		return;
	xw->pid = 0;
	if (WIFSIGNALED(status))
		nest_log("Xwayland died: %s; the next X client starts a "
			 "new one",
			 strsignal(WTERMSIG(status)));
	else
		nest_debug("Xwayland exited with status %d",
			   WEXITSTATUS(status));
	if (xw->wm) {
		xwm_destroy(xw->wm);
		xw->wm = NULL;
	}
	if (xw->ready_source) {
		wl_event_source_remove(xw->ready_source);
		xw->ready_source = NULL;
	}
	if (xw->ready_fd >= 0) {
		close(xw->ready_fd);
		xw->ready_fd = -1;
	}
	if (xw->wm_fd >= 0) {
		close(xw->wm_fd);
		xw->wm_fd = -1;
	}
	if (xw->client) {
		/* Its socket is closed; make sure it is gone now. */
		nest_client_doom(xw->client);
	}
	listen_again(xw);
}

void
nest_xwayland_client_gone(struct nest_xwayland *xw, struct nest_client *nc)
{
	if (!xw || xw->client != nc)
		return;
	xw->client = NULL;
	if (xw->wm)
		xwm_client_gone(xw->wm);
}

struct nest_xwayland *
nest_xwayland_create(struct nest *nest, int display)
{
	struct nest_xwayland *xw = calloc(1, sizeof(*xw));
	int n;

	if (!xw) {
		nest_log("out of memory");
		return NULL;
	}
	xw->nest = nest;
	xw->unix_fd = xw->abstract_fd = xw->ready_fd = xw->wm_fd = -1;
	if (mkdir(X11_SOCKET_DIR, 01777) == 0)
		chmod(X11_SOCKET_DIR, 01777);
	if (display >= 0) {
		if (!open_display(xw, display)) {
			nest_log("cannot use X11 display :%d: it is in use or "
				 "%s is not writable",
				 display, X11_SOCKET_DIR);
			free(xw);
			return NULL;
		}
	} else {
		for (n = 0; n < MAX_DISPLAY; n++) {
			if (open_display(xw, n))
				break;
		}
		if (n == MAX_DISPLAY) {
			nest_log("no free X11 display among :0 to :%d",
				 MAX_DISPLAY - 1);
			free(xw);
			return NULL;
		}
	}
	listen_again(xw);
	nest_debug("X11 display %s ready (Xwayland starts on demand)",
		   xw->display_name);
	return xw;
}

struct nest_xwayland *
nest_xwayland_create_from_fds(struct nest *nest, const int *fds, int n_fds)
{
	struct nest_xwayland *xw = calloc(1, sizeof(*xw));
	int i, display = -1;

	if (!xw) {
		nest_log("out of memory");
		return NULL;
	}
	xw->nest = nest;
	xw->unix_fd = xw->abstract_fd = xw->ready_fd = xw->wm_fd = -1;
	for (i = 0; i < n_fds; i++) {
		struct sockaddr_un addr;
		socklen_t len = sizeof(addr);
		const char *x;
		int n;

		memset(&addr, 0, sizeof(addr));
		if (getsockname(fds[i], (struct sockaddr *)&addr, &len) < 0)
			continue;
		x = strstr(addr.sun_path[0] ? addr.sun_path : addr.sun_path + 1,
			   "/.X11-unix/X");
		if (!x || sscanf(x, "/.X11-unix/X%d", &n) != 1 || n < 0 ||
		    (display >= 0 && n != display)) {
			nest_log("inherited X11 socket %d: not /tmp/.X11-unix/X<n> of one "
				 "display", fds[i]);
			continue;
		}
		display = n;
		if (addr.sun_path[0])
			xw->unix_fd = fds[i];
		else
			xw->abstract_fd = fds[i];
	}
	if (display < 0) {
		nest_log("no usable inherited X11 socket");
		free(xw);
		return NULL;
	}
	xw->display = display;
	snprintf(xw->display_name, sizeof(xw->display_name), ":%d", display);
	listen_again(xw);
	nest_debug("X11 display %s from inherited sockets (Xwayland starts on demand)",
		   xw->display_name);
	return xw;
}

void
nest_xwayland_destroy(struct nest_xwayland *xw)
{
	if (!xw)
		return;
	if (xw->wm)
		xwm_destroy(xw->wm);
	stop_listening(xw);
	if (xw->ready_source)
		wl_event_source_remove(xw->ready_source);
	if (xw->ready_fd >= 0)
		close(xw->ready_fd);
	if (xw->wm_fd >= 0)
		close(xw->wm_fd);
	if (xw->pid > 0) {
		kill(xw->pid, SIGTERM);
		waitpid(xw->pid, NULL, 0);
	}
	if (xw->unix_fd >= 0)
		close(xw->unix_fd);
	if (xw->abstract_fd >= 0)
		close(xw->abstract_fd);
	/* Inherited sockets have neither: they are not ours to remove. */
	if (xw->socket_path[0])
		unlink(xw->socket_path);
	if (xw->lock_path[0])
		unlink(xw->lock_path);
	free(xw);
}

const char *
nest_xwayland_display_name(struct nest_xwayland *xw)
{
	return xw->display_name;
}
