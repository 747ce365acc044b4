/* SPDX-License-Identifier: MIT */
/* Inside xwayland/: the launcher's state and the window manager's API. */
#ifndef WLNEST_XWAYLAND_PRIVATE_H
#define WLNEST_XWAYLAND_PRIVATE_H

#include <stdbool.h>
#include <sys/types.h>
#include <wayland-server-core.h>

#include "xwayland.h"

struct xwm;

struct nest_xwayland {
	struct nest *nest;
	int display;
	char display_name[16];
	char lock_path[64];
	char socket_path[64];
	int unix_fd, abstract_fd;
	struct wl_event_source *unix_source, *abstract_source;

	/* while Xwayland runs */
	pid_t pid;
	double started;
	int ready_fd;			/* -displayfd, ours to read */
	struct wl_event_source *ready_source;
	int wm_fd;			/* -wm, ours until the WM connects */
	struct nest_client *client;	/* its Wayland connection to wlnest */
	struct xwm *wm;
};

struct xwm *xwm_create(struct nest_xwayland *xw, int fd);
void xwm_destroy(struct xwm *wm);
void xwm_client_gone(struct xwm *wm);

#endif
