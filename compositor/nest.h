/* SPDX-License-Identifier: MIT */
/*
 * wlnest: a nested Wayland compositor that proxies each guest client to a
 * host compositor over a connection of its own.
 *
 * Ownership, in one place:
 * - struct nest owns the guest-facing wl_display, the host "watch"
 *   connection (which tracks host globals) and every nest_client.
 * - struct nest_client exists from the moment a guest connects until its
 *   wl_client is destroyed; it owns that client's host connection.
 * - struct nest_object pairs one guest wl_resource with one host wl_proxy.
 *   It is freed with the resource; the proxy is destroyed before that.
 *   Either side may be missing: host.proxy is NULL for an inert object
 *   (its host global went away), and the object is gone as soon as the
 *   resource is.
 */
#ifndef WLNEST_NEST_H
#define WLNEST_NEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-client-core.h>
#include <wayland-server-core.h>

#include "nest-tables.h"

struct nest;
struct nest_client;
struct nest_object;

enum nest_shm_mode {
	NEST_SHM_PASSTHROUGH,	/* forward the client's pool fd, zero copy */
	NEST_SHM_COPY,		/* copy damage into wlnest's own host buffers */
};

/*
 * How wlnest reaches the host compositor.  The direct channel connects to
 * a socket; a virtio channel reaches it through /dev/wl0.
 */
struct channel_impl {
	const char *name;
	/* A connected stream socket to the host compositor, or -1 (errno). */
	int (*connect)(struct nest *nest);
	/*
	 * Memory the host compositor can map: returns an fd to send it and
	 * maps it read-write at *data, or returns -1 (errno).
	 */
	int (*alloc_shared)(struct nest *nest, size_t size, void **data);
	/* Whether dma-buf fds reach the host (zwp_linux_dmabuf_v1). */
	bool passes_dmabuf;
	/*
	 * Optional: bytes were just written to @fd, a socket connect gave;
	 * a channel that relays them may do so now rather than on the next
	 * turn of the event loop.
	 */
	void (*flushed)(struct nest *nest, int fd);
};

extern const struct channel_impl nest_direct_channel;
extern const struct channel_impl nest_virtwl_channel;

/* virtwl.c: uses device for every host connection from now on */
bool nest_virtwl_open(struct nest *nest, const char *device,
		      const char *context_name);
void nest_virtwl_close(struct nest *nest);

/* A host global offered to guests. */
struct nest_global {
	struct wl_list link;		/* nest.globals */
	uint32_t name;			/* the host's name, also used for guests */
	const struct nest_interface_info *info;
	uint32_t version;		/* min(host, ours) */
	bool removed;
};

struct nest_stats {
	uint64_t frames;		/* guest commits of a buffer to copy */
	uint64_t dropped;		/* of them, replaced before the host got them */
	uint64_t commits;		/* surface commits carrying a copied buffer */
	uint64_t copied_bytes;		/* bytes the copy path wrote */
	uint64_t host_buffers;		/* host buffers allocated */
	/* copies of at least NEST_TIMED_COPY_MIN bytes, timed with --stats:
	 * how many, their bytes and the CPU time they took */
	uint64_t big_copies;
	uint64_t big_copy_bytes;
	uint64_t big_copy_ns;
};

#define NEST_TIMED_COPY_MIN (1u << 20)

struct nest {
	struct wl_display *display;
	struct wl_event_loop *loop;
	enum nest_shm_mode shm_mode;
	const struct channel_impl *channel;
	void *channel_data;		/* owned by the channel */
	const char *host_name;		/* as given: name, path or device */
	char host_path[108];		/* resolved socket path */

	struct {
		struct wl_display *display;
		struct wl_registry *registry;
		struct wl_shm *shm;	/* to learn the host's formats */
		struct wl_event_source *source;
	} watch;
	struct wl_listener client_created;

	struct wl_list globals;		/* struct nest_global */
	struct wl_list clients;		/* struct nest_client */
	uint32_t shm_formats[64];	/* host wl_shm formats wlnest can copy */
	size_t shm_format_count;

	struct nest_xwayland *xwayland;	/* NULL without X11 support */
	const char *title_tag;		/* --tag: before every toplevel title */
	const char *app_id_prefix;	/* --app-id-prefix */
	struct nest_stats stats;
	bool time_copies;		/* --stats: time the big copies too */
	bool host_lost;			/* until the watch connection is back */
	bool reconnect;			/* on losing the host, wait for it */
	struct wl_event_source *reconnect_timer;
	int exit_status;
	bool quit;
};

struct nest_client {
	struct wl_list link;		/* nest.clients */
	struct nest *nest;
	struct wl_client *client;
	struct wl_listener destroy;
	struct wl_list registries;	/* guest wl_registry resources */
	bool display_gone;		/* the guest wl_display is destroyed */
	bool xwayland;			/* this client is wlnest's Xwayland */
	bool doomed;			/* to be disconnected when idle */
	/* Xwayland's host pointer is on a host surface of no guest's */
	bool pointer_elsewhere;
	struct wl_event_source *disconnect_idle;
	/* the surface holding back a frame (surface.c), or NULL */
	struct nest_object *deferred;

	struct {
		struct wl_display *display;
		struct wl_registry *registry;
		struct wl_event_source *source;
		struct wl_shm *shm;	/* bound on demand by the copy path */
		bool writable_armed;
	} host;
};

/* Per-interface special handling; every field may be NULL. */
struct object_hooks {
	/* Returns true when it handled the request itself. */
	bool (*request)(struct nest_object *object, uint32_t opcode,
			const struct wl_message *message,
			union wl_argument *args);
	/* Returns true when it handled the event itself. */
	bool (*event)(struct nest_object *object, uint32_t opcode,
		      const struct wl_message *message,
		      union wl_argument *args);
	/* The object got its host proxy; may set object->data. */
	void (*create)(struct nest_object *object);
	/* The object is about to be freed. */
	void (*destroy)(struct nest_object *object);
};

struct nest_object {
	struct wl_resource *resource;
	struct nest_client *client;
	const struct nest_interface_info *info;
	const struct object_hooks *hooks;
	void *data;			/* owned by hooks */
	struct {
		struct wl_proxy *proxy;
	} host;
	/* a wl_buffer made by a forwarded wl_shm_pool: its size */
	int32_t buffer_width, buffer_height;
};

/* main.c */
double nest_now(void);
void nest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nest_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int nest_verbose;

/* host.c */
bool nest_host_init(struct nest *nest);
void nest_host_finish(struct nest *nest);
void nest_flush_hosts(struct nest *nest);
bool nest_client_host_connect(struct nest_client *nc);
void nest_client_doom(struct nest_client *nc);
void nest_client_peek_host(struct nest_client *nc);
void nest_client_gone(struct nest_client *nc);
const struct nest_global *nest_find_global(struct nest *nest, uint32_t name);
/*
 * Binds a host global for wlnest's own use on the client's host
 * connection, at min(version, offered); NULL if the host lacks it.
 */
void *nest_client_bind(struct nest_client *nc,
		       const struct wl_interface *interface, uint32_t version);

/* registry.c */
void nest_client_created(struct wl_listener *listener, void *data);
/* A client of wlnest on an already connected socket; NULL on failure. */
struct nest_client *nest_client_from_fd(struct nest *nest, int fd);
void nest_registry_announce(struct nest *nest, struct nest_global *global);
void nest_registry_remove(struct nest *nest, struct nest_global *global);

/* forward.c */
extern const int nest_object_marker;
struct nest_object *nest_object_create(struct nest_client *nc,
				       const struct nest_interface_info *info,
				       uint32_t version, uint32_t id);
void nest_object_set_proxy(struct nest_object *object, struct wl_proxy *proxy);
struct nest_object *nest_object_from_resource(struct wl_resource *resource);
struct nest_object *nest_object_from_proxy(struct wl_proxy *proxy);
bool nest_forward_request(struct nest_object *object, uint32_t opcode,
			  const struct wl_message *message,
			  union wl_argument *args);
void nest_forward_event(struct nest_object *object, uint32_t opcode,
			const struct wl_message *message,
			union wl_argument *args);
void nest_close_fds(const struct wl_message *message, union wl_argument *args);
void nest_hooks_init(void);

/* toplevel.c: host toplevels' titles and app ids, with the VM's tag. */
struct xdg_toplevel;
void nest_toplevel_set_title(const struct nest *nest, struct xdg_toplevel *toplevel,
			     const char *title);
void nest_toplevel_set_app_id(const struct nest *nest, struct xdg_toplevel *toplevel,
			      const char *app_id);
extern const struct object_hooks nest_toplevel_hooks;

/* hooks of the special objects */
extern const struct object_hooks nest_surface_hooks;
/* Before any request of the client: a frame held back goes to the host
 * first, unless the request only adds to it. */
void nest_surface_before_request(struct nest_object *object, uint32_t opcode,
				 union wl_argument *args);
/* Sends the host the frame the client's surface holds back, if any. */
void nest_surface_send_deferred(struct nest_client *nc);
extern const struct object_hooks nest_viewporter_hooks;
extern const struct object_hooks nest_viewport_hooks;
extern const struct object_hooks nest_pointer_hooks;
extern const struct object_hooks nest_keyboard_hooks;
/* shm.c: the forwarded wl_shm, wl_shm_pool and wl_buffer (passthrough) */
extern const struct object_hooks nest_forwarded_shm_hooks;
extern const struct object_hooks nest_forwarded_pool_hooks;
extern const struct object_hooks nest_forwarded_buffer_hooks;

#endif
