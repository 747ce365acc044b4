// SPDX-License-Identifier: MIT
/*
 * The guest-facing wl_display and wl_registry.
 *
 * wlnest answers both itself instead of leaving them to libwayland:
 * - wl_display.sync must be answered only after the host has answered the
 *   same sync on the client's host connection, or a client's roundtrip
 *   returns before the host's replies to its earlier requests (output
 *   modes, shm formats, seat capabilities) have been forwarded;
 * - wl_registry offers the host's globals, filtered and version-capped,
 *   and binds each on the client's own host connection.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "nest.h"
#include "shm.h"
#include "tables.h"

static const int registry_marker;

static void
registry_resource_destroyed(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void
send_global(struct wl_resource *registry, const struct nest_global *global)
{
	wl_registry_send_global(registry, global->name,
				global->info->interface->name,
				global->version);
}

static void
registry_bind(struct nest_client *nc, struct wl_resource *registry,
	      uint32_t name, const char *interface, uint32_t version,
	      uint32_t id)
{
	const struct nest_global *global = nest_find_global(nc->nest, name);
	struct nest_object *object;
	struct wl_proxy *proxy;

	if (!global || strcmp(global->info->interface->name, interface) != 0) {
		wl_resource_post_error(registry, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "invalid global %s (%u)", interface,
				       name);
		return;
	}
	if (version == 0 || version > global->version) {
		wl_resource_post_error(registry, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "invalid version for global %s (%u): "
				       "have %u, wanted %u",
				       interface, name, global->version,
				       version);
		return;
	}

	if (nc->nest->shm_mode == NEST_SHM_COPY &&
	    strcmp(interface, "wl_shm") == 0) {
		if (!nest_shm_bind(nc, version, id))
			wl_client_post_no_memory(nc->client);
		return;
	}

	object = nest_object_create(nc, global->info, version, id);
	if (!object) {
		wl_client_post_no_memory(nc->client);
		return;
	}
	if (global->removed)
		return;	/* inert: the host global is gone */
	proxy = wl_registry_bind(nc->host.registry, name,
				 global->info->interface, version);
	nest_object_set_proxy(object, proxy);
}

static int
registry_dispatch(const void *implementation, void *target, uint32_t opcode,
		  const struct wl_message *message, union wl_argument *args)
{
	struct wl_resource *registry = target;
	struct nest_client *nc = wl_resource_get_user_data(registry);

	if (opcode == WL_REGISTRY_BIND)
		registry_bind(nc, registry, args[0].u, args[1].s, args[2].u,
			      args[3].n);
	return 0;
}

static void
display_get_registry(struct nest_client *nc, uint32_t id)
{
	struct wl_resource *registry;
	struct nest_global *global;

	registry = wl_resource_create(nc->client, &wl_registry_interface, 1, id);
	if (!registry) {
		wl_client_post_no_memory(nc->client);
		return;
	}
	wl_resource_set_dispatcher(registry, registry_dispatch,
				   &registry_marker, nc,
				   registry_resource_destroyed);
	wl_list_insert(nc->registries.prev, wl_resource_get_link(registry));
	wl_list_for_each (global, &nc->nest->globals, link) {
		if (!global->removed)
			send_global(registry, global);
	}
}

/* The guest's sync is answered when the host answers ours. */
static void
display_sync(struct nest_client *nc, uint32_t id)
{
	struct nest_object *callback;

	callback = nest_object_create(nc, nest_info_by_interface(&wl_callback_interface),
				      1, id);
	if (!callback) {
		wl_client_post_no_memory(nc->client);
		return;
	}
	nest_object_set_proxy(callback,
			      (struct wl_proxy *)wl_display_sync(
				      nc->host.display));
}

static int
display_dispatch(const void *implementation, void *target, uint32_t opcode,
		 const struct wl_message *message, union wl_argument *args)
{
	struct nest_client *nc = wl_resource_get_user_data(target);

	/* a round trip covers the frame held back too */
	nest_surface_send_deferred(nc);
	switch (opcode) {
	case WL_DISPLAY_SYNC:
		display_sync(nc, args[0].n);
		break;
	case WL_DISPLAY_GET_REGISTRY:
		display_get_registry(nc, args[0].n);
		break;
	}
	return 0;
}

/*
 * The display resource is the first one a dying client loses; from then
 * on nothing may be sent to that client.
 */
static void
display_destroyed(struct wl_resource *resource)
{
	struct nest_client *nc = wl_resource_get_user_data(resource);

	nc->display_gone = true;
}

static void
client_destroyed(struct wl_listener *listener, void *data)
{
	struct nest_client *nc = wl_container_of(listener, nc, destroy);

	wl_list_remove(&nc->destroy.link);
	nest_client_gone(nc);
}

void
nest_client_created(struct wl_listener *listener, void *data)
{
	struct nest *nest = wl_container_of(listener, nest, client_created);
	struct wl_client *client = data;
	struct wl_resource *display = wl_client_get_object(client, 1);
	struct nest_client *nc = calloc(1, sizeof(*nc));

	if (!nc || !display) {
		nest_log("out of memory for a new client");
		free(nc);
		wl_client_destroy(client);
		return;
	}
	nc->nest = nest;
	nc->client = client;
	wl_list_init(&nc->registries);
	wl_list_insert(&nest->clients, &nc->link);
	nc->destroy.notify = client_destroyed;
	wl_client_add_destroy_listener(client, &nc->destroy);
	wl_resource_set_dispatcher(display, display_dispatch, &registry_marker,
				   nc, display_destroyed);
	if (!nest_client_host_connect(nc)) {
		wl_resource_post_error(display, WL_DISPLAY_ERROR_IMPLEMENTATION,
				       nest->host_lost && nest->reconnect ?
				       "the host compositor is away; wlnest waits for it: "
				       "try again later" :
				       "wlnest cannot reach the host compositor");
		nest_client_doom(nc);
	}
}

struct nest_client *
nest_client_from_fd(struct nest *nest, int fd)
{
	struct wl_client *client = wl_client_create(nest->display, fd);
	struct nest_client *nc;

	if (!client) {
		close(fd);
		return NULL;
	}
	wl_list_for_each (nc, &nest->clients, link) {
		if (nc->client == client)
			return nc;
	}
	return NULL;
}

/* Tells every guest registry that a host global came or went. */
static void
registry_broadcast(struct nest *nest, struct nest_global *global, bool added)
{
	struct nest_client *nc;
	struct wl_resource *registry;

	wl_list_for_each (nc, &nest->clients, link) {
		if (nc->doomed || nc->display_gone)
			continue;
		wl_resource_for_each (registry, &nc->registries) {
			if (added)
				send_global(registry, global);
			else
				wl_registry_send_global_remove(registry,
							       global->name);
		}
	}
}

void
nest_registry_announce(struct nest *nest, struct nest_global *global)
{
	registry_broadcast(nest, global, true);
}

void
nest_registry_remove(struct nest *nest, struct nest_global *global)
{
	registry_broadcast(nest, global, false);
}
