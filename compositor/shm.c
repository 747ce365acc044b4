// SPDX-License-Identifier: MIT
/*
 * The guest-facing wl_shm of the copy mode.  Guest pools are mapped
 * read-only in wlnest and never reach the host; the surface code copies
 * damaged pixels out of them into host buffers.
 *
 * In the passthrough mode, the pools of wlnest's own Xwayland are forwarded
 * to the host as they are, and also mapped read-only here ("shadow"
 * pools): a shaped X window's surface goes through the copy path while it
 * is shaped (surface.c), which reads them.
 *
 * A guest may shrink its pool file under us; reading past its end raises
 * SIGBUS.  Reads happen only between shm_begin_access() and
 * shm_end_access(); a SIGBUS inside that window replaces the pool mapping
 * with zero pages, and the guest is disconnected afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "formats.h"
#include "nest.h"
#include "shm.h"

struct nest_shm_pool {
	struct wl_resource *resource;	/* NULL once the guest destroyed it */
	struct nest_client *client;
	int refs;			/* resource + buffers */
	uint8_t *data;
	size_t size;
	volatile sig_atomic_t faulted;
};

static struct nest_shm_pool *volatile accessed_pool;
static struct sigaction previous_sigbus;

static void
sigbus_handler(int sig, siginfo_t *info, void *context)
{
	struct nest_shm_pool *pool = accessed_pool;
	uint8_t *addr = info->si_addr;

	if (pool && addr >= pool->data && addr < pool->data + pool->size &&
	    mmap(pool->data, pool->size, PROT_READ,
		 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
		pool->faulted = 1;
		return;
	}
	sigaction(SIGBUS, &previous_sigbus, NULL);
	raise(SIGBUS);
}

static void
install_sigbus_handler(void)
{
	static bool installed;
	struct sigaction sa = { 0 };

	if (installed)
		return;
	installed = true;
	sa.sa_sigaction = sigbus_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &previous_sigbus);
}

static void
pool_unref(struct nest_shm_pool *pool)
{
	if (--pool->refs > 0)
		return;
	munmap(pool->data, pool->size);
	free(pool);
}

/* Maps fd (not closed) read-only; NULL after saying why. */
static struct nest_shm_pool *
pool_map(struct nest_client *nc, int fd, int32_t size)
{
	struct nest_shm_pool *pool;

	if (size <= 0)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->data = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (pool->data == MAP_FAILED) {
		nest_debug("cannot map a pool: %m");
		free(pool);
		return NULL;
	}
	pool->size = (size_t)size;
	pool->client = nc;
	pool->refs = 1;
	return pool;
}

static bool
pool_grow(struct nest_shm_pool *pool, int32_t size)
{
	void *data;

	if (size < 0 || (size_t)size < pool->size)
		return false;
	data = mremap(pool->data, pool->size, (size_t)size, MREMAP_MAYMOVE);
	if (data == MAP_FAILED)
		return false;
	pool->data = data;
	pool->size = (size_t)size;
	return true;
}

/* Whether a buffer of that layout lies inside the pool. */
static bool
buffer_fits(const struct nest_shm_pool *pool, const struct nest_format *info,
	    int32_t offset, int32_t width, int32_t height, int32_t stride)
{
	uint64_t row = nest_format_row_bytes(info, width);

	return offset >= 0 && width > 0 && height > 0 && stride > 0 &&
	       row != 0 && (uint64_t)stride >= row &&
	       (uint64_t)offset + (uint64_t)stride * (uint64_t)height <=
		       pool->size;
}

const uint8_t *
nest_shm_begin_access(struct nest_shm_buffer *buffer)
{
	accessed_pool = buffer->pool;
	return buffer->pool->data + buffer->offset;
}

bool
nest_shm_end_access(struct nest_shm_buffer *buffer)
{
	struct nest_shm_pool *pool = buffer->pool;

	accessed_pool = NULL;
	if (!pool->faulted)
		return true;
	if (buffer->resource && !pool->client->display_gone)
		wl_resource_post_error(buffer->resource, WL_SHM_ERROR_INVALID_FD,
				       "the pool file was shrunk under its "
				       "mapping");
	return false;
}

static void
buffer_destroyed(struct wl_resource *resource)
{
	struct nest_shm_buffer *buffer = wl_resource_get_user_data(resource);

	pool_unref(buffer->pool);
	free(buffer);
}

static void
buffer_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_buffer_interface buffer_impl = {
	.destroy = buffer_destroy,
};

struct nest_shm_buffer *
nest_shm_buffer_from_resource(struct wl_resource *resource)
{
	if (!resource ||
	    !wl_resource_instance_of(resource, &wl_buffer_interface,
				     &buffer_impl))
		return NULL;
	return wl_resource_get_user_data(resource);
}

static bool
format_offered(struct nest *nest, uint32_t format)
{
	if (format == WL_SHM_FORMAT_ARGB8888 ||
	    format == WL_SHM_FORMAT_XRGB8888)
		return true;
	for (size_t i = 0; i < nest->shm_format_count; i++) {
		if (nest->shm_formats[i] == format)
			return true;
	}
	return false;
}

static void
pool_create_buffer(struct wl_client *client, struct wl_resource *resource,
		   uint32_t id, int32_t offset, int32_t width, int32_t height,
		   int32_t stride, uint32_t format)
{
	struct nest_shm_pool *pool = wl_resource_get_user_data(resource);
	const struct nest_format *info = nest_format_lookup(format);
	struct nest_shm_buffer *buffer;

	if (!info || !format_offered(pool->client->nest, format)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FORMAT,
				       "invalid format 0x%x", format);
		return;
	}
	if (!buffer_fits(pool, info, offset, width, height, stride)) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "invalid width, height or stride "
				       "(%dx%d, %d)",
				       width, height, stride);
		return;
	}
	buffer = calloc(1, sizeof(*buffer));
	if (!buffer) {
		wl_client_post_no_memory(client);
		return;
	}
	buffer->resource = wl_resource_create(client, &wl_buffer_interface, 1,
					      id);
	if (!buffer->resource) {
		free(buffer);
		wl_client_post_no_memory(client);
		return;
	}
	buffer->pool = pool;
	pool->refs++;
	buffer->offset = offset;
	buffer->width = width;
	buffer->height = height;
	buffer->stride = stride;
	buffer->format = info;
	wl_resource_set_implementation(buffer->resource, &buffer_impl, buffer,
				       buffer_destroyed);
}

static void
pool_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void
pool_resize(struct wl_client *client, struct wl_resource *resource,
	    int32_t size)
{
	struct nest_shm_pool *pool = wl_resource_get_user_data(resource);

	if (size < 0 || (size_t)size < pool->size) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "shrinking a pool is invalid");
		return;
	}
	if (!pool_grow(pool, size))
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "cannot grow the pool: %s",
				       strerror(errno));
}

static const struct wl_shm_pool_interface pool_impl = {
	.create_buffer = pool_create_buffer,
	.destroy = pool_destroy,
	.resize = pool_resize,
};

static void
pool_destroyed(struct wl_resource *resource)
{
	struct nest_shm_pool *pool = wl_resource_get_user_data(resource);

	pool->resource = NULL;
	pool_unref(pool);
}

static void
shm_create_pool(struct wl_client *client, struct wl_resource *resource,
		uint32_t id, int32_t fd, int32_t size)
{
	struct nest_client *nc = wl_resource_get_user_data(resource);
	struct nest_shm_pool *pool;

	if (size <= 0) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_STRIDE,
				       "invalid pool size %d", size);
		close(fd);
		return;
	}
	pool = pool_map(nc, fd, size);
	if (!pool) {
		wl_resource_post_error(resource, WL_SHM_ERROR_INVALID_FD,
				       "cannot map the pool: %s",
				       strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	pool->resource = wl_resource_create(client, &wl_shm_pool_interface, 1,
					    id);
	if (!pool->resource) {
		pool_unref(pool);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(pool->resource, &pool_impl, pool,
				       pool_destroyed);
}

static const struct wl_shm_interface shm_impl = {
	.create_pool = shm_create_pool,
};

bool
nest_shm_bind(struct nest_client *nc, uint32_t version, uint32_t id)
{
	struct wl_resource *resource;
	struct nest *nest = nc->nest;

	install_sigbus_handler();
	resource = wl_resource_create(nc->client, &wl_shm_interface,
				      (int)version, id);
	if (!resource)
		return false;
	wl_resource_set_implementation(resource, &shm_impl, nc, NULL);
	wl_shm_send_format(resource, WL_SHM_FORMAT_ARGB8888);
	wl_shm_send_format(resource, WL_SHM_FORMAT_XRGB8888);
	for (size_t i = 0; i < nest->shm_format_count; i++) {
		uint32_t format = nest->shm_formats[i];

		if (format != WL_SHM_FORMAT_ARGB8888 &&
		    format != WL_SHM_FORMAT_XRGB8888)
			wl_shm_send_format(resource, format);
	}
	return true;
}

/* ---- shadow maps of the pools wlnest forwards for its Xwayland ---- */

/* wl_shm.create_pool: map the pool before its fd goes to the host. */
static bool
forwarded_shm_request(struct nest_object *object, uint32_t opcode,
		      const struct wl_message *message, union wl_argument *args)
{
	struct wl_resource *created;
	struct nest_object *pool_object;
	struct nest_shm_pool *pool;

	if (opcode != WL_SHM_CREATE_POOL || !object->client->xwayland)
		return false;
	install_sigbus_handler();
	pool = pool_map(object->client, args[1].h, args[2].i);
	if (!nest_forward_request(object, opcode, message, args)) {
		if (pool)
			pool_unref(pool);
		return true;
	}
	created = wl_client_get_object(object->client->client, args[0].n);
	pool_object = created ? nest_object_from_resource(created) : NULL;
	if (pool_object && pool && !pool_object->data)
		pool_object->data = pool;
	else if (pool)
		pool_unref(pool);
	return true;
}

const struct object_hooks nest_forwarded_shm_hooks = {
	.request = forwarded_shm_request,
};

/*
 * A forwarded wl_shm_pool of Xwayland: the buffers it makes remember
 * their size, which the X window manager compares with the configured
 * one, and get a shadow of their pixels when the pool has one.
 */
static bool
forwarded_pool_request(struct nest_object *object, uint32_t opcode,
		       const struct wl_message *message,
		       union wl_argument *args)
{
	struct nest_shm_pool *pool = object->data;
	const struct nest_format *info;
	struct nest_shm_buffer *shadow;
	struct wl_resource *created;
	struct nest_object *buffer;

	if (!object->client->xwayland)
		return false;
	if (opcode == WL_SHM_POOL_RESIZE) {
		if (pool && !pool_grow(pool, args[0].i)) {
			/* the host judges the request; we just lose the
			 * shadow */
			pool_unref(pool);
			object->data = NULL;
		}
		return false;
	}
	if (opcode != WL_SHM_POOL_CREATE_BUFFER)
		return false;
	if (!nest_forward_request(object, opcode, message, args))
		return true;
	created = wl_client_get_object(object->client->client, args[0].n);
	buffer = created ? nest_object_from_resource(created) : NULL;
	if (!buffer)
		return true;
	buffer->buffer_width = args[2].i;
	buffer->buffer_height = args[3].i;
	info = nest_format_lookup(args[5].u);
	if (!pool || !info ||
	    !buffer_fits(pool, info, args[1].i, args[2].i, args[3].i,
			 args[4].i))
		return true;
	shadow = calloc(1, sizeof(*shadow));
	if (!shadow)
		return true;
	shadow->resource = buffer->resource;
	shadow->pool = pool;
	pool->refs++;
	shadow->offset = args[1].i;
	shadow->width = args[2].i;
	shadow->height = args[3].i;
	shadow->stride = args[4].i;
	shadow->format = info;
	buffer->data = shadow;
	return true;
}

static void
forwarded_pool_destroy(struct nest_object *object)
{
	if (object->data)
		pool_unref(object->data);
	object->data = NULL;
}

const struct object_hooks nest_forwarded_pool_hooks = {
	.request = forwarded_pool_request,
	.destroy = forwarded_pool_destroy,
};

static void
forwarded_buffer_destroy(struct nest_object *object)
{
	struct nest_shm_buffer *shadow = object->data;

	if (!shadow)
		return;
	pool_unref(shadow->pool);
	free(shadow);
	object->data = NULL;
}

/* Only forwarded wl_buffers are nest objects; few of them have shadows. */
const struct object_hooks nest_forwarded_buffer_hooks = {
	.destroy = forwarded_buffer_destroy,
};

struct nest_shm_buffer *
nest_shm_buffer_shadow(struct wl_resource *resource)
{
	struct nest_object *object;

	if (!resource ||
	    strcmp(wl_resource_get_class(resource), "wl_buffer") != 0)
		return NULL;
	object = nest_object_from_resource(resource);
	return object ? object->data : NULL;
}
