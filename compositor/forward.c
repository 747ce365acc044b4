// SPDX-License-Identifier: MIT
/*
 * The generic forwarder.  Every guest request and host event goes through
 * one of two libwayland dispatchers; the message's signature says how each
 * argument is translated (objects to their counterpart, new ids to new
 * object pairs, fds passed on), and the generated table says which
 * messages destroy their object.  Objects that need more get hooks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "nest.h"
#include "tables.h"

#define MAX_ARGS 20	/* libwayland's WL_CLOSURE_MAX_ARGS */

/* Its address marks resources and proxies that are nest objects. */
const int nest_object_marker;

/* Per-interface hooks, indexed like nest_interfaces[]. */
static const struct object_hooks **hooks_by_index;

static const struct {
	const char *interface;
	const struct object_hooks *hooks;
} hook_list[] = {
	{ "wl_surface", &nest_surface_hooks },
	{ "wp_viewporter", &nest_viewporter_hooks },
	{ "wp_viewport", &nest_viewport_hooks },
	{ "wl_pointer", &nest_pointer_hooks },
	{ "wl_keyboard", &nest_keyboard_hooks },
	{ "wl_shm", &nest_forwarded_shm_hooks },
	{ "wl_shm_pool", &nest_forwarded_pool_hooks },
	{ "wl_buffer", &nest_forwarded_buffer_hooks },
	{ "xdg_toplevel", &nest_toplevel_hooks },
};

void
nest_hooks_init(void)
{
	static const struct object_hooks *table[512];

	if (nest_interface_count > 512)
		abort();
	for (size_t i = 0; i < nest_interface_count; i++) {
		const struct nest_interface_info *info = &nest_interfaces[i];

		for (size_t h = 0; h < sizeof(hook_list) / sizeof(hook_list[0]);
		     h++) {
			if (strcmp(hook_list[h].interface,
				   info->interface->name) == 0)
				table[i] = hook_list[h].hooks;
		}
	}
	hooks_by_index = table;
}

/* Walks a wl_message signature: one type character per argument. */
static const char *
next_arg(const char *signature, char *type, bool *nullable)
{
	*nullable = false;
	for (; *signature; signature++) {
		if (*signature >= '0' && *signature <= '9')
			continue;
		if (*signature == '?') {
			*nullable = true;
			continue;
		}
		*type = *signature;
		return signature + 1;
	}
	*type = '\0';
	return signature;
}

void
nest_close_fds(const struct wl_message *message, union wl_argument *args)
{
	const char *sig = message->signature;
	bool nullable;
	char type;

	for (int i = 0; i < MAX_ARGS; i++) {
		sig = next_arg(sig, &type, &nullable);
		if (!type)
			break;
		if (type == 'h' && args[i].h >= 0) {
			close(args[i].h);
			args[i].h = -1;
		}
	}
}

struct nest_object *
nest_object_from_proxy(struct wl_proxy *proxy)
{
	if (!proxy || wl_proxy_get_listener(proxy) != &nest_object_marker)
		return NULL;
	return wl_proxy_get_user_data(proxy);
}

static struct nest_object *
object_from_resource(struct wl_resource *resource,
		     const struct wl_interface *interface)
{
	if (!resource || !interface ||
	    !wl_resource_instance_of(resource, interface, &nest_object_marker))
		return NULL;
	return wl_resource_get_user_data(resource);
}

struct nest_object *
nest_object_from_resource(struct wl_resource *resource)
{
	const struct nest_interface_info *info =
		nest_info_by_name(wl_resource_get_class(resource));

	return info ? object_from_resource(resource, info->interface) : NULL;
}

static int host_event_dispatch(const void *implementation, void *target,
			       uint32_t opcode, const struct wl_message *message,
			       union wl_argument *args);

static int
guest_request_dispatch(const void *implementation, void *target,
		       uint32_t opcode, const struct wl_message *message,
		       union wl_argument *args)
{
	struct nest_object *object = wl_resource_get_user_data(target);

	if (object->client->deferred)
		nest_surface_before_request(object, opcode, args);
	if (object->hooks && object->hooks->request &&
	    object->hooks->request(object, opcode, message, args))
		return 0;
	nest_forward_request(object, opcode, message, args);
	return 0;
}

static void
guest_resource_destroyed(struct wl_resource *resource)
{
	struct nest_object *object = wl_resource_get_user_data(resource);

	if (object->hooks && object->hooks->destroy)
		object->hooks->destroy(object);
	if (object->host.proxy)
		wl_proxy_destroy(object->host.proxy);
	free(object);
}

struct nest_object *
nest_object_create(struct nest_client *nc,
		   const struct nest_interface_info *info, uint32_t version,
		   uint32_t id)
{
	struct nest_object *object = calloc(1, sizeof(*object));

	if (!object)
		return NULL;
	object->resource =
		wl_resource_create(nc->client, info->interface, version, id);
	if (!object->resource) {
		free(object);
		return NULL;
	}
	object->client = nc;
	object->info = info;
	object->hooks = hooks_by_index[info - nest_interfaces];
	wl_resource_set_dispatcher(object->resource, guest_request_dispatch,
				   &nest_object_marker, object,
				   guest_resource_destroyed);
	return object;
}

/* The object is complete once it has its host side: hooks start then. */
void
nest_object_set_proxy(struct nest_object *object, struct wl_proxy *proxy)
{
	object->host.proxy = proxy;
	if (!proxy)
		return;
	wl_proxy_add_dispatcher(proxy, host_event_dispatch, &nest_object_marker,
				object);
	if (object->hooks && object->hooks->create)
		object->hooks->create(object);
}

static void
post_invalid_object(struct nest_client *nc, const char *message_name,
		    int index)
{
	struct wl_resource *display = wl_client_get_object(nc->client, 1);

	if (display && !nc->display_gone)
		wl_resource_post_error(display, WL_DISPLAY_ERROR_INVALID_OBJECT,
				       "invalid object in argument %d of %s",
				       index, message_name);
}

/*
 * Forwards a guest request to the host: objects become their host
 * proxies, a new id becomes a new object pair.  An object whose host side
 * is gone (inert) swallows the request.  Returns false if the client was
 * sent a protocol error.
 */
bool
nest_forward_request(struct nest_object *object, uint32_t opcode,
		     const struct wl_message *message, union wl_argument *args)
{
	struct nest_client *nc = object->client;
	union wl_argument out[MAX_ARGS];
	const struct nest_interface_info *new_info = NULL;
	struct nest_object *created = NULL;
	const char *sig = message->signature;
	bool inert = object->host.proxy == NULL;
	bool destructor = nest_message_is_destructor(
		object->info->request_destructors, opcode);
	uint32_t new_id = 0;
	bool nullable;
	char type;

	for (int i = 0; i < MAX_ARGS; i++) {
		sig = next_arg(sig, &type, &nullable);
		if (!type)
			break;
		out[i] = args[i];
		if (type == 'o') {
			struct wl_resource *r = (struct wl_resource *)args[i].o;
			struct nest_object *o;

			if (!r)
				continue;
			o = object_from_resource(r, message->types[i]);
			out[i].o = o && o->host.proxy ?
					   (struct wl_object *)o->host.proxy :
					   NULL;
			if (!out[i].o && !nullable)
				inert = true;
		} else if (type == 'n') {
			new_info = nest_info_by_interface(message->types[i]);
			new_id = args[i].n;
			out[i].o = NULL;
			if (!new_info) {
				post_invalid_object(nc, message->name, i);
				nest_close_fds(message, args);
				return false;
			}
		}
	}

	if (new_info) {
		created = nest_object_create(
			nc, new_info, wl_resource_get_version(object->resource),
			new_id);
		if (!created) {
			wl_client_post_no_memory(nc->client);
			nest_close_fds(message, args);
			return false;
		}
	}

	if (!inert) {
		struct wl_proxy *proxy = object->host.proxy;
		struct wl_proxy *new_proxy = wl_proxy_marshal_array_flags(
			proxy, opcode, new_info ? new_info->interface : NULL,
			wl_proxy_get_version(proxy),
			destructor ? WL_MARSHAL_FLAG_DESTROY : 0, out);

		if (destructor)
			object->host.proxy = NULL;
		if (created)
			nest_object_set_proxy(created, new_proxy);
	}
	nest_close_fds(message, args);

	if (destructor)
		wl_resource_destroy(object->resource);
	return true;
}

/*
 * Forwards a host event to the guest: proxies become their resources, a
 * new object from the host becomes a new object pair.  An event naming an
 * object the guest no longer has, where the protocol allows no null, is
 * dropped: the guest destroyed that object and cannot be told about it.
 */
void
nest_forward_event(struct nest_object *object, uint32_t opcode,
		   const struct wl_message *message, union wl_argument *args)
{
	struct nest_client *nc = object->client;
	union wl_argument out[MAX_ARGS];
	const char *sig = message->signature;
	bool drop = nc->display_gone || nc->doomed || !object->resource;
	bool destructor = nest_message_is_destructor(
		object->info->event_destructors, opcode);
	bool nullable;
	char type;
	int count = 0;

	for (int i = 0; i < MAX_ARGS; i++) {
		sig = next_arg(sig, &type, &nullable);
		if (!type)
			break;
		count = i + 1;
		out[i] = args[i];
		if (type == 'o') {
			struct nest_object *o = nest_object_from_proxy(
				(struct wl_proxy *)args[i].o);

			out[i].o = o ? (struct wl_object *)o->resource : NULL;
			if (!out[i].o && !nullable)
				drop = true;
		}
	}

	sig = message->signature;
	for (int i = 0; i < count; i++) {
		struct wl_proxy *new_proxy;
		const struct nest_interface_info *info;
		struct nest_object *child;

		sig = next_arg(sig, &type, &nullable);
		if (type != 'n')
			continue;
		new_proxy = (struct wl_proxy *)args[i].o;
		if (!new_proxy)
			continue;
		info = nest_info_by_interface(message->types[i]);
		child = drop || !info ? NULL :
					nest_object_create(nc, info,
							   wl_resource_get_version(
								   object->resource),
							   0);
		if (!child) {
			wl_proxy_destroy(new_proxy);
			drop = true;
			continue;
		}
		nest_object_set_proxy(child, new_proxy);
		out[i].o = (struct wl_object *)child->resource;
	}

	if (!drop)
		wl_resource_post_event_array(object->resource, opcode, out);
	nest_close_fds(message, args);

	if (destructor) {
		wl_proxy_destroy(object->host.proxy);
		object->host.proxy = NULL;
		if (!nc->display_gone)
			wl_resource_destroy(object->resource);
	}
}

static int
host_event_dispatch(const void *implementation, void *target, uint32_t opcode,
		    const struct wl_message *message, union wl_argument *args)
{
	struct nest_object *object = wl_proxy_get_user_data(target);

	if (object->hooks && object->hooks->event &&
	    object->hooks->event(object, opcode, message, args))
		return 0;
	nest_forward_event(object, opcode, message, args);
	return 0;
}
