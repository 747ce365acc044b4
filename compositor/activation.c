// SPDX-License-Identifier: MIT
/*
 * Sockets opened for wlnest by systemd (socket activation, or
 * systemd-socket-activate): listening Unix stream sockets passed with
 * sd_listen_fds().  X11 ones (a path or abstract name under
 * /tmp/.X11-unix/, or an fd named "x11") go to the X11 side; the others
 * serve Wayland clients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "activation.h"
#include "nest.h"

/* The socket's name: a path, or "@name" for an abstract one. */
static bool
socket_name(int fd, char *out, size_t len)
{
	struct sockaddr_un addr;
	socklen_t alen = sizeof(addr);

	memset(&addr, 0, sizeof(addr));
	if (getsockname(fd, (struct sockaddr *)&addr, &alen) < 0 ||
	    addr.sun_family != AF_UNIX || alen <= offsetof(struct sockaddr_un, sun_path))
		return false;
	if (addr.sun_path[0])
		snprintf(out, len, "%s", addr.sun_path);
	else
		snprintf(out, len, "@%.*s",
			 (int)(alen - offsetof(struct sockaddr_un, sun_path) - 1),
			 addr.sun_path + 1);
	return true;
}

bool
nest_take_activation(struct nest *nest, const char *runtime_dir,
		     struct nest_activation *act)
{
	char **names = NULL, name[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	int n = sd_listen_fds_with_names(1, &names), i;
	bool ok = true;

	memset(act, 0, sizeof(*act));
	if (n <= 0)
		return true;
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *fdname = names && names[i] ? names[i] : "";

		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0 ||
		    !socket_name(fd, name, sizeof(name))) {
			nest_log("inherited fd %d (%s) is not a listening Unix stream "
				 "socket: ignored", fd, fdname);
			continue;
		}
		if (!strcmp(fdname, "x11") || strstr(name, "/.X11-unix/X")) {
			if (act->n_x11 < 2) {
				act->x11_fds[act->n_x11++] = fd;
				continue;
			}
			nest_log("more than two X11 sockets inherited: %s ignored", name);
			continue;
		}
		if (wl_display_add_socket_fd(nest->display, fd) < 0) {
			nest_log("cannot serve Wayland clients on inherited %s", name);
			ok = false;
			continue;
		}
		act->n_wayland++;
		/* WAYLAND_DISPLAY for our PROGRAM: a name in the runtime dir, or the path. */
		if (!act->wayland_display[0]) {
			size_t rl = strlen(runtime_dir);

			if (!strncmp(name, runtime_dir, rl) && name[rl] == '/' &&
			    !strchr(name + rl + 1, '/'))
				snprintf(act->wayland_display, sizeof(act->wayland_display),
					 "%s", name + rl + 1);
			else
				snprintf(act->wayland_display, sizeof(act->wayland_display),
					 "%s", name);
		}
	}
	if (names) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return ok;
}
