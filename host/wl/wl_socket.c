// SPDX-License-Identifier: MIT
/* Connecting to a compositor socket: the device model's, and wlvm's connector. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wl_dev.h"

int
wl_socket_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* wl_config_add_socket() took only paths that fit. */
	memcpy(addr.sun_path, path, strlen(path) + 1);
	/* Non-blocking: a compositor with a full backlog fails the guest's
	 * request instead of stalling the VMM. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}
