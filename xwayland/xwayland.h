/* SPDX-License-Identifier: MIT */
/*
 * X11 support in wlnest: Xwayland, started lazily as a client of wlnest
 * itself, and the X11 window manager that gives its windows host roles.
 *
 * The core calls into this interface for the surfaces of the Xwayland
 * client (struct nest_client.xwayland is set for it); everything else
 * stays inside xwayland/.
 */
#ifndef WLNEST_XWAYLAND_H
#define WLNEST_XWAYLAND_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>

struct nest;
struct nest_client;
struct nest_object;
struct nest_xwayland;

/*
 * Listens on the X11 sockets of display number (or the first free one
 * when display < 0); Xwayland starts on the first connection.  Returns
 * NULL after saying why.
 */
struct nest_xwayland *nest_xwayland_create(struct nest *nest, int display);
/*
 * The same on listening sockets someone else made (systemd): up to two
 * (the path and the abstract one) of one display /tmp/.X11-unix/X<n>.
 * They are not unlinked at the end, and no lock file is taken.
 */
struct nest_xwayland *nest_xwayland_create_from_fds(struct nest *nest, const int *fds,
						    int n_fds);
void nest_xwayland_destroy(struct nest_xwayland *xwayland);
/* ":N" */
const char *nest_xwayland_display_name(struct nest_xwayland *xwayland);
/* SIGCHLD for a process that may be Xwayland. */
void nest_xwayland_child_exited(struct nest_xwayland *xwayland, int pid,
				int status);
/* The Xwayland binary to run (default "Xwayland", found in PATH). */
extern const char *nest_xwayland_path;
/* --no-x-decorations clears it: no frames drawn for X toplevels */
extern bool nest_x_decorations;

/* The core's notifications about the Xwayland client's objects. */
void nest_xwayland_client_gone(struct nest_xwayland *xwayland,
			       struct nest_client *nc);
void nest_xwayland_surface_created(struct nest_object *surface);
/*
 * Before a commit of the surface goes to the host (or is held while the
 * surface is gated): the window manager may ack a configure first, or
 * ungate the surface, which sends the commit.
 */
void nest_xwayland_surface_committing(struct nest_object *surface);
/* Before the surface's destroy request goes to the host. */
void nest_xwayland_surface_destroying(struct nest_object *surface);
void nest_xwayland_pointer_enter(struct nest_object *surface);
void nest_xwayland_input_serial(struct nest_client *nc, uint32_t serial,
				bool button_press);

/*
 * The core's side (compositor/surface.c): until the window manager has a
 * configured host role for an Xwayland surface, the surface's content is
 * held back; ungating forwards the latest held frame.
 */
void nest_surface_ungate(struct nest_object *surface);
bool nest_surface_is_gated(struct nest_object *surface);
/*
 * The size in surface coordinates the commit being made will show; false
 * when its buffer's size is unknown (not a wl_shm buffer).
 */
bool nest_surface_committed_size(struct nest_object *surface, int32_t *width,
				 int32_t *height);
/*
 * The X bounding shape of the surface's window, in buffer pixels (the
 * caller keeps it); NULL when unshaped.  Pixels outside it show
 * transparent on the host, from the current frame on.
 */
void nest_surface_set_shape(struct nest_object *surface,
			    const pixman_region32_t *shape);

#endif
