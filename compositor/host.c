// SPDX-License-Identifier: MIT
/*
 * Connections to the host compositor: the watch connection, which tracks
 * the host's globals for the guest registries, and one connection per
 * guest client, through which everything of that client travels.  A
 * client whose host connection fails is disconnected; losing the watch
 * connection means the host is gone, and every client goes with it.
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "formats.h"
#include "nest.h"
#include "tables.h"
#include "xwayland.h"

static int
direct_connect(struct nest *nest)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(nest->host_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, nest->host_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
direct_alloc_shared(struct nest *nest, size_t size, void **data)
{
	int fd = memfd_create("wlnest-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0)
		goto err;
	*data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*data == MAP_FAILED)
		goto err;
	/* The host may map it but never shrink it under us. */
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL);
	return fd;
err:
	close(fd);
	return -1;
}

const struct channel_impl nest_direct_channel = {
	.name = "direct",
	.connect = direct_connect,
	.alloc_shared = direct_alloc_shared,
	.passes_dmabuf = true,
};

const struct nest_global *
nest_find_global(struct nest *nest, uint32_t name)
{
	struct nest_global *global;

	/* A removed global's name may be the host's again. */
	wl_list_for_each (global, &nest->globals, link) {
		if (global->name == name && !global->removed)
			return global;
	}
	wl_list_for_each (global, &nest->globals, link) {
		if (global->name == name)
			return global;
	}
	return NULL;
}

void *
nest_client_bind(struct nest_client *nc, const struct wl_interface *interface,
		 uint32_t version)
{
	struct nest_global *global;

	if (!nc->host.registry)
		return NULL;
	wl_list_for_each (global, &nc->nest->globals, link) {
		if (global->removed ||
		    strcmp(global->info->interface->name, interface->name) != 0)
			continue;
		return wl_registry_bind(nc->host.registry, global->name,
					interface,
					version < global->version ?
						version :
						global->version);
	}
	return NULL;
}

static void
watch_shm_format(void *data, struct wl_shm *shm, uint32_t format)
{
	struct nest *nest = data;

	if (!nest_format_lookup(format))
		return;
	for (size_t i = 0; i < nest->shm_format_count; i++) {
		if (nest->shm_formats[i] == format)
			return;
	}
	if (nest->shm_format_count <
	    sizeof(nest->shm_formats) / sizeof(nest->shm_formats[0]))
		nest->shm_formats[nest->shm_format_count++] = format;
}

static const struct wl_shm_listener watch_shm_listener = {
	.format = watch_shm_format,
};

static void
watch_global(void *data, struct wl_registry *registry, uint32_t name,
	     const char *interface, uint32_t version)
{
	struct nest *nest = data;
	const struct nest_interface_info *info = nest_info_by_name(interface);
	struct nest_global *global;

	if (!info || !nest_interface_offerable(info))
		return;
	/*
	 * Requests whose fds cannot cross are not offered: dma-bufs, and the
	 * fences of explicit synchronization, which applies to them only.
	 */
	if (!nest->channel->passes_dmabuf &&
	    (strcmp(interface, "zwp_linux_dmabuf_v1") == 0 ||
	     strcmp(interface, "zwp_linux_explicit_synchronization_v1") == 0))
		return;
	global = calloc(1, sizeof(*global));
	if (!global)
		return;
	global->name = name;
	global->info = info;
	global->version = nest_offered_version(info, version);
	wl_list_insert(nest->globals.prev, &global->link);

	if (strcmp(interface, "wl_shm") == 0 && !nest->watch.shm) {
		nest->watch.shm = wl_registry_bind(registry, name,
						   &wl_shm_interface, 1);
		wl_shm_add_listener(nest->watch.shm, &watch_shm_listener, nest);
	}
	nest_debug("host global %s v%u (offered v%u)", interface, version,
		   global->version);
	nest_registry_announce(nest, global);
}

static void
watch_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct nest *nest = data;
	struct nest_global *global;

	wl_list_for_each (global, &nest->globals, link) {
		if (global->name == name && !global->removed) {
			/*
			 * Kept, marked removed, so that a bind racing with
			 * the removal gets an inert object, not an error.
			 */
			global->removed = true;
			nest_registry_remove(nest, global);
			return;
		}
	}
}

static const struct wl_registry_listener watch_registry_listener = {
	.global = watch_global,
	.global_remove = watch_global_remove,
};

/* Reads what the host sent and dispatches it; <0 when the link failed. */
static int
read_and_dispatch(struct wl_display *display)
{
	while (wl_display_prepare_read(display) != 0) {
		if (wl_display_dispatch_pending(display) < 0)
			return -1;
	}
	if (wl_display_read_events(display) < 0)
		return -1;
	return wl_display_dispatch_pending(display);
}

static void
describe_host_error(struct wl_display *display, char *buf, size_t len)
{
	const struct wl_interface *interface = NULL;
	uint32_t id = 0, code;
	int err = wl_display_get_error(display);

	if (err == EPROTO) {
		code = wl_display_get_protocol_error(display, &interface, &id);
		snprintf(buf, len, "protocol error %u on %s@%u", code,
			 interface ? interface->name : "unknown", id);
	} else if (err == EPIPE || err == ECONNRESET || err == 0) {
		snprintf(buf, len, "the host compositor closed the connection");
	} else {
		snprintf(buf, len, "%s", strerror(err));
	}
}

#define RECONNECT_MS 500

static void watch_teardown(struct nest *nest);
static bool watch_start(struct nest *nest, bool again);

static void
host_lost(struct nest *nest, const char *why)
{
	struct nest_client *nc;

	if (nest->host_lost) {
		/* Lost again while coming back: wait once more. */
		if (nest->reconnect && nest->watch.display) {
			watch_teardown(nest);
			wl_event_source_timer_update(nest->reconnect_timer, RECONNECT_MS);
		}
		return;
	}
	nest->host_lost = true;
	nest_log("lost the host compositor (%s); disconnecting every client%s",
		 why, nest->reconnect ? "; waiting for it to come back" : "");
	wl_list_for_each (nc, &nest->clients, link) {
		struct wl_resource *display =
			wl_client_get_object(nc->client, 1);

		if (display && !nc->display_gone && !nc->doomed)
			wl_resource_post_error(
				display, WL_DISPLAY_ERROR_IMPLEMENTATION,
				"the host compositor went away");
		nest_client_doom(nc);
	}
	if (nest->reconnect) {
		watch_teardown(nest);
		wl_event_source_timer_update(nest->reconnect_timer, RECONNECT_MS);
		return;
	}
	nest->exit_status = 1;
	nest->quit = true;
}

/* Forgets the watch connection; the host's globals are marked gone. */
static void
watch_teardown(struct nest *nest)
{
	struct nest_global *global, *tmp;

	if (nest->watch.source)
		wl_event_source_remove(nest->watch.source);
	if (nest->watch.shm)
		wl_shm_destroy(nest->watch.shm);
	if (nest->watch.registry)
		wl_registry_destroy(nest->watch.registry);
	if (nest->watch.display)
		wl_display_disconnect(nest->watch.display);
	nest->watch.source = NULL;
	nest->watch.shm = NULL;
	nest->watch.registry = NULL;
	nest->watch.display = NULL;
	/*
	 * Every client is doomed: nothing binds these any more, and the next
	 * host reuses their names.  Its wl_shm brings its own formats.
	 */
	wl_list_for_each_safe (global, tmp, &nest->globals, link) {
		wl_list_remove(&global->link);
		free(global);
	}
	nest->shm_format_count = 0;
}

/* The second roundtrip of a reconnection: the host is back. */
static void
host_back(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct nest *nest = data;

	wl_callback_destroy(callback);
	nest->host_lost = false;
	nest_log("the host compositor is back: serving clients again");
}

static const struct wl_callback_listener host_back_listener = {
	.done = host_back,
};

/* Globals are in; one more roundtrip brings what binding wl_shm sent. */
static void
globals_back(void *data, struct wl_callback *callback, uint32_t serial)
{
	struct nest *nest = data;

	wl_callback_destroy(callback);
	wl_callback_add_listener(wl_display_sync(nest->watch.display),
				 &host_back_listener, nest);
}

static const struct wl_callback_listener globals_back_listener = {
	.done = globals_back,
};

static int
reconnect_tick(void *data)
{
	struct nest *nest = data;

	if (!nest->host_lost || nest->watch.display)
		return 0;
	if (watch_start(nest, true))
		wl_callback_add_listener(wl_display_sync(nest->watch.display),
					 &globals_back_listener, nest);
	else
		wl_event_source_timer_update(nest->reconnect_timer, RECONNECT_MS);
	return 0;
}

static int
watch_event(int fd, uint32_t mask, void *data)
{
	struct nest *nest = data;
	char why[160];

	if (read_and_dispatch(nest->watch.display) < 0 ||
	    (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR))) {
		describe_host_error(nest->watch.display, why, sizeof(why));
		host_lost(nest, why);
	}
	return 0;
}

static void
roundtrip_done(void *data, struct wl_callback *callback, uint32_t serial)
{
	*(bool *)data = true;
	wl_callback_destroy(callback);
}

static const struct wl_callback_listener roundtrip_listener = {
	.done = roundtrip_done,
};

/*
 * A roundtrip on the watch connection driven by the event loop: with
 * virtwl, the bytes go through a pump that only the loop runs.
 */
static bool
watch_roundtrip(struct nest *nest)
{
	struct wl_callback *callback = wl_display_sync(nest->watch.display);
	double deadline = nest_now() + 10;
	bool done = false;

	wl_callback_add_listener(callback, &roundtrip_listener, &done);
	while (!done && !nest->host_lost) {
		if (wl_display_flush(nest->watch.display) < 0 &&
		    errno != EAGAIN)
			return false;
		if (nest_now() > deadline) {
			nest_log("the host compositor does not answer");
			return false;
		}
		wl_event_loop_dispatch(nest->loop, 100);
	}
	return done;
}

/* The watch connection and its registry; @again: quiet while retrying. */
static bool
watch_start(struct nest *nest, bool again)
{
	int fd = nest->channel->connect(nest);

	if (fd < 0) {
		if (!again)
			nest_log("cannot connect to the host compositor '%s' (%s): %s",
				 nest->host_name, nest->host_path, strerror(errno));
		return false;
	}
	nest->watch.display = wl_display_connect_to_fd(fd);
	if (!nest->watch.display) {
		nest_log("cannot set up a connection to the host compositor");
		return false;
	}
	nest->watch.registry = wl_display_get_registry(nest->watch.display);
	wl_registry_add_listener(nest->watch.registry, &watch_registry_listener,
				 nest);
	nest->watch.source = wl_event_loop_add_fd(
		nest->loop, wl_display_get_fd(nest->watch.display),
		WL_EVENT_READABLE, watch_event, nest);
	if (!nest->watch.source) {
		watch_teardown(nest);
		return false;
	}
	return true;
}

bool
nest_host_init(struct nest *nest)
{
	nest->reconnect_timer = wl_event_loop_add_timer(nest->loop, reconnect_tick, nest);
	if (!nest->reconnect_timer || !watch_start(nest, false))
		return false;
	/* Globals, then what binding wl_shm brought (its formats). */
	if (!watch_roundtrip(nest) || !watch_roundtrip(nest)) {
		char why[160];

		describe_host_error(nest->watch.display, why, sizeof(why));
		nest_log("the host compositor '%s' failed at start: %s",
			 nest->host_name, why);
		return false;
	}
	return true;
}

void
nest_host_finish(struct nest *nest)
{
	if (nest->reconnect_timer)
		wl_event_source_remove(nest->reconnect_timer);
	nest->reconnect_timer = NULL;
	watch_teardown(nest);
}

struct error_search {
	uint32_t id;
	struct wl_resource *found;
};

static enum wl_iterator_result
find_by_host_id(struct wl_resource *resource, void *data)
{
	struct error_search *search = data;
	struct nest_object *object = nest_object_from_resource(resource);

	if (object && object->host.proxy &&
	    wl_proxy_get_id(object->host.proxy) == search->id) {
		search->found = resource;
		return WL_ITERATOR_STOP;
	}
	return WL_ITERATOR_CONTINUE;
}

/*
 * The host cut this client's connection.  A protocol error is passed on
 * to the guest object it concerns, so the guest learns what it did wrong.
 */
static void
client_host_failed(struct nest_client *nc)
{
	struct wl_display *display = nc->host.display;
	struct wl_resource *guest_display = wl_client_get_object(nc->client, 1);
	char why[160];

	describe_host_error(display, why, sizeof(why));
	if (!nc->nest->host_lost)
		nest_log("a client's host connection failed (%s): "
			 "disconnecting that client",
			 why);
	if (wl_display_get_error(display) == EPROTO && !nc->display_gone) {
		const struct wl_interface *interface;
		struct error_search search = { 0 };
		uint32_t code = wl_display_get_protocol_error(display,
							      &interface,
							      &search.id);

		wl_client_for_each_resource(nc->client, find_by_host_id,
					    &search);
		if (search.found)
			wl_resource_post_error(search.found, code,
					       "host compositor: error %u",
					       code);
		else if (guest_display)
			wl_resource_post_error(guest_display,
					       WL_DISPLAY_ERROR_IMPLEMENTATION,
					       "host compositor: %s", why);
	} else if (guest_display && !nc->display_gone) {
		wl_resource_post_error(guest_display,
				       WL_DISPLAY_ERROR_IMPLEMENTATION,
				       "host compositor: %s", why);
	}
	nest_client_doom(nc);
}

static int
client_host_event(int fd, uint32_t mask, void *data)
{
	struct nest_client *nc = data;

	if (nc->doomed)
		return 0;
	if (mask & WL_EVENT_WRITABLE) {
		if (wl_display_flush(nc->host.display) >= 0) {
			wl_event_source_fd_update(nc->host.source,
						  WL_EVENT_READABLE);
			nc->host.writable_armed = false;
		} else if (errno != EAGAIN) {
			client_host_failed(nc);
			return 0;
		}
	}
	if (mask & (WL_EVENT_READABLE | WL_EVENT_HANGUP | WL_EVENT_ERROR)) {
		if (read_and_dispatch(nc->host.display) < 0 ||
		    (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR)))
			client_host_failed(nc);
	}
	return 0;
}

/*
 * Takes in whatever the host has already sent this client, without
 * waiting; a failure is left for the connection's own handler to find.
 */
void
nest_client_peek_host(struct nest_client *nc)
{
	struct wl_display *display = nc->host.display;
	struct pollfd pfd = { .fd = wl_display_get_fd(display), .events = POLLIN };

	if (nc->doomed || wl_display_get_error(display))
		return;
	if (wl_display_prepare_read(display) == 0) {
		if (poll(&pfd, 1, 0) == 1)
			wl_display_read_events(display);
		else
			wl_display_cancel_read(display);
	}
	wl_display_dispatch_pending(display);
}

bool
nest_client_host_connect(struct nest_client *nc)
{
	struct nest *nest = nc->nest;
	int fd;

	if (nest->host_lost) {
		nest_log("a client came while the host compositor is away: turned away");
		return false;
	}
	fd = nest->channel->connect(nest);
	if (fd < 0) {
		nest_log("cannot connect a client to the host compositor: %s",
			 strerror(errno));
		return false;
	}
	nc->host.display = wl_display_connect_to_fd(fd);
	if (!nc->host.display)
		return false;
	nc->host.registry = wl_display_get_registry(nc->host.display);
	nc->host.source = wl_event_loop_add_fd(
		nest->loop, wl_display_get_fd(nc->host.display),
		WL_EVENT_READABLE, client_host_event, nc);
	return nc->host.source != NULL;
}

void
nest_flush_hosts(struct nest *nest)
{
	struct nest_client *nc, *tmp;

	if (nest->watch.display)
		wl_display_flush(nest->watch.display);
	wl_list_for_each_safe (nc, tmp, &nest->clients, link) {
		int sent;

		if (nc->doomed || !nc->host.display)
			continue;
		sent = wl_display_flush(nc->host.display);
		if (sent > 0 && nest->channel->flushed)
			nest->channel->flushed(nest,
					       wl_display_get_fd(nc->host.display));
		if (sent >= 0)
			continue;
		if (errno == EAGAIN) {
			if (!nc->host.writable_armed) {
				wl_event_source_fd_update(
					nc->host.source,
					WL_EVENT_READABLE | WL_EVENT_WRITABLE);
				nc->host.writable_armed = true;
			}
		} else {
			client_host_failed(nc);
		}
	}
}

static void
client_free(void *data)
{
	struct nest_client *nc = data;

	if (nc->host.shm)
		wl_shm_destroy(nc->host.shm);
	if (nc->host.registry)
		wl_registry_destroy(nc->host.registry);
	if (nc->host.display)
		wl_display_disconnect(nc->host.display);
	free(nc);
}

static void
client_disconnect_idle(void *data)
{
	struct nest_client *nc = data;

	nc->disconnect_idle = NULL;
	wl_client_flush(nc->client);
	wl_client_destroy(nc->client);
}

/*
 * Disconnects a guest client soon, from the event loop: never from inside
 * a dispatch of its own host connection, which the disconnect frees.
 */
void
nest_client_doom(struct nest_client *nc)
{
	if (nc->doomed)
		return;
	nc->doomed = true;
	if (nc->host.source) {
		wl_event_source_remove(nc->host.source);
		nc->host.source = NULL;
	}
	nc->disconnect_idle = wl_event_loop_add_idle(
		nc->nest->loop, client_disconnect_idle, nc);
}

/*
 * The guest client is being destroyed: its resources (and their host
 * proxies) go after this, then the host connection, from the loop.
 */
void
nest_client_gone(struct nest_client *nc)
{
	if (nc->xwayland)
		nest_xwayland_client_gone(nc->nest->xwayland, nc);
	if (nc->disconnect_idle)
		wl_event_source_remove(nc->disconnect_idle);
	nc->disconnect_idle = NULL;
	nc->doomed = true;
	if (nc->host.source) {
		wl_event_source_remove(nc->host.source);
		nc->host.source = NULL;
	}
	wl_list_remove(&nc->link);
	wl_list_init(&nc->link);
	wl_event_loop_add_idle(nc->nest->loop, client_free, nc);
}
