/* SPDX-License-Identifier: MIT */
#ifndef WLNEST_ACTIVATION_H
#define WLNEST_ACTIVATION_H

#include <stdbool.h>
#include <sys/un.h>

struct nest;

struct nest_activation {
	int n_wayland;			/* sockets now serving Wayland clients */
	char wayland_display[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	int x11_fds[2];			/* for nest_xwayland_create_from_fds() */
	int n_x11;
};

/*
 * Takes the listening sockets passed by systemd (none is fine): Wayland
 * ones are added to nest->display; X11 ones are left in @act.  False when
 * one could not be used.
 */
bool nest_take_activation(struct nest *nest, const char *runtime_dir,
			  struct nest_activation *act);

#endif
