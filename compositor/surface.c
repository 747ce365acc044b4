// SPDX-License-Identifier: MIT
/*
 * Surfaces in the shm copy mode.  A guest shm buffer never reaches the
 * host: on commit, the damaged pixels are copied into one of a small ring
 * of host buffers wlnest allocated for the surface, and that buffer is
 * attached in its place.
 *
 * Each host buffer remembers which pixels it lacks ("stale": damage
 * committed since it was last written), so a commit copies the new damage
 * plus what the chosen buffer missed, and nothing else.
 *
 * A client that commits as soon as it has a buffer, without waiting for
 * frame callbacks, gets ahead of a host that takes each frame at once:
 * its next frame comes while the host still holds the copy of the last,
 * and a copy into any other host buffer would also have to catch up on
 * the frames that buffer missed.  Such a frame is held back ("deferred")
 * until the host gives back the buffer it just took; a newer frame that
 * comes meanwhile replaces it (the replaced guest buffer is released at
 * once, never shown, as a compositor drops a frame replaced before its
 * repaint) and their damage adds up.  With such a host at most one host
 * commit is in flight per surface, and a guest buffer is released as soon
 * as its frame is copied, as that host would release it.
 *
 * Only attach, damage and commit of that surface may pass a held frame:
 * any other request of the client (a round trip too) sends it first, so
 * the host sees requests in the client's order.  A host that keeps its
 * buffer longer than DEFER_MS gets the frame then; one that does so
 * DEFER_MISSES times in a row holds buffers until the next frame (it
 * reads them at repaint), and gets every frame at once after that, each
 * guest buffer released when the host releases its copy.  A frame also
 * waits, whatever the host, while the host holds all RING_MAX host
 * buffers: releasing guest buffers without the host releasing anything
 * would let a client commit as fast as it draws, and flood the host
 * connection until it fails.  Past HOLD_WAIT_MS without a release the
 * frame goes into the buffer the host has held longest: a host that
 * never gives buffers back still gets a frame that often.
 *
 * Everything else about a surface is forwarded as is; viewport, scale and
 * transform are only recorded to turn surface damage into buffer pixels.
 *
 * X windows can be shaped (the SHAPE extension): the window manager hands
 * over the bounding shape, and pixels outside it must not show.  Rootless
 * Xwayland sends the whole window pixmap, opaque (XRGB8888) for the usual
 * depth-24 windows, so a shaped Xwayland surface takes the copy path in
 * either shm mode while it is shaped (in the passthrough mode from the
 * shadow maps of Xwayland's forwarded pools, shm.c): its host buffers are
 * ARGB8888, alpha 0 outside the shape, opaque inside.  Unshaped surfaces
 * keep their path as it is.
 *
 * Surfaces of the Xwayland client start "gated": their content must not
 * reach the host before the window manager has given them a configured
 * role (xdg-shell forbids a buffer before the first configure).  Attach,
 * damage and commit are held while gated; ungating forwards the latest
 * held frame with full damage.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "damage.h"
#include "nest.h"
#include "shm.h"
#include "viewporter-client-protocol.h"
#include "xwayland.h"

#define RING_MAX 4			/* host buffers per surface */
#define HOST_BUFFER_MAX (1u << 30)	/* bytes in one host buffer */
/* The longest wait for a host buffer back: above a scheduler's latency on
 * a loaded machine, for a host that gives buffers back at once. */
#define DEFER_MS 20
#define DEFER_MISSES 3	/* waits in a row past DEFER_MS: the host holds */
#define HOLD_WAIT_MS 100	/* the host holds every buffer: at most this */

/* A resource pointer that turns NULL when the resource is destroyed. */
struct resource_ref {
	struct wl_resource *resource;
	struct wl_listener destroy;
};

struct viewport_state {
	bool has_source;
	double x, y, width, height;
	bool has_destination;
	int32_t destination_width, destination_height;
};

struct viewport;

struct host_buffer {
	struct surface *surface;
	struct wl_buffer *buffer;	/* internal host proxy */
	uint8_t *data;
	size_t size;
	bool busy;			/* attached, not yet released */
	uint64_t last_used;
	pixman_region32_t stale;
	/* the guest buffer copied into it, released with it */
	struct resource_ref guest;
};

struct surface {
	struct nest_object *object;
	struct viewport *viewport;
	bool copy;			/* shm buffers go through the copy path */
	bool xwayland;			/* a surface of the Xwayland client */
	bool gated;			/* content held back (see above) */
	bool held_commit;		/* a commit arrived while gated */
	/* frame callbacks asked for while gated, answered by wlnest */
	struct wl_list gated_frames;	/* wl_resource links */

	struct {
		bool attached;		/* an attach wlnest has to carry out */
		struct resource_ref buffer;
		int32_t dx, dy;
		pixman_region32_t surface_damage;
		pixman_region32_t buffer_damage;
		bool scale_set, transform_set;
		int32_t scale;
		uint32_t transform;
	} pending;
	int32_t scale;			/* current */
	uint32_t transform;		/* current */
	/* Xwayland's: the size of the buffer shown, and of one attached
	 * since */
	struct buffer_size {
		bool known;
		int32_t width, height;
	} shown, attached;
	bool size_attached;
	bool first_frame_sent;		/* and logged */

	struct {
		int32_t width, height, stride;
		const struct nest_format *format;
	} layout;			/* of every buffer in the ring */
	struct host_buffer ring[RING_MAX];
	int ring_count;
	uint64_t serial;
	bool warned_busy;

	/* a frame held back until the host gives back its latest buffer,
	 * while the client's deferred is this surface */
	struct {
		struct resource_ref buffer;
		pixman_region32_t damage;	/* buffer pixels */
		double since;			/* nest_now() when held */
		/* checks the held frame's age; left armed (no system call
		 * per frame), it may find another frame or none */
		struct wl_event_source *timer;
		bool timer_armed;
	} deferred;
	/* the host kept a buffer past DEFER_MS, DEFER_MISSES times in a
	 * row: frames are not held back, guest buffers are held until the
	 * host releases their copies */
	bool host_holds;
	int defer_misses;

	/* the X bounding shape, when the window manager gave one */
	struct {
		bool set;
		pixman_region32_t region;	/* buffer pixels */
		/* pixels whose look changed: host damage, sent with the
		 * next attach */
		pixman_region32_t damage;
	} shape;
	/* a forwarded buffer the host shows (passthrough), the source when
	 * a new shape comes without a new frame */
	struct resource_ref forwarded_shown;
};

struct viewport {
	struct nest_object *object;
	struct surface *surface;
	struct viewport_state pending;
};

static bool
copy_mode(struct nest_object *object)
{
	return object->client->nest->shm_mode == NEST_SHM_COPY;
}

/* The pixels wlnest can read of a guest buffer, or NULL. */
static struct nest_shm_buffer *
readable_buffer(struct surface *s, struct wl_resource *buffer)
{
	if (!buffer)
		return NULL;
	if (s->copy)
		return nest_shm_buffer_from_resource(buffer);
	return s->xwayland ? nest_shm_buffer_shadow(buffer) : NULL;
}

/* Formats a shape can cut: 32 bits per pixel, the same order as ARGB. */
static bool
shape_applies(struct surface *s, const struct nest_shm_buffer *buffer)
{
	return s->shape.set && (buffer->format->code == WL_SHM_FORMAT_ARGB8888 ||
				buffer->format->code == WL_SHM_FORMAT_XRGB8888);
}

/* Whether a commit of buffer copies it rather than forwarding it. */
static bool
copies(struct surface *s, struct nest_shm_buffer *buffer)
{
	return buffer && (s->copy || shape_applies(s, buffer));
}

/* The format of the host buffers a copy of buffer goes into. */
static const struct nest_format *
host_format(struct surface *s, const struct nest_shm_buffer *buffer)
{
	if (shape_applies(s, buffer))
		return nest_format_lookup(WL_SHM_FORMAT_ARGB8888);
	return buffer->format;
}

static void
resource_ref_set(struct resource_ref *ref, struct wl_resource *resource)
{
	wl_list_remove(&ref->destroy.link);
	wl_list_init(&ref->destroy.link);
	ref->resource = resource;
	if (resource)
		wl_resource_add_destroy_listener(resource, &ref->destroy);
}

static void
resource_ref_destroyed(struct wl_listener *listener, void *data)
{
	struct resource_ref *ref = wl_container_of(listener, ref, destroy);

	resource_ref_set(ref, NULL);
}

static void
resource_ref_init(struct resource_ref *ref)
{
	ref->resource = NULL;
	wl_list_init(&ref->destroy.link);
	ref->destroy.notify = resource_ref_destroyed;
}

/*
 * Sends the host region as damage, in buffer pixels (else surface
 * coordinates); a host older than damage_buffer gets buffer damage as
 * the whole surface.  The damage of many frames merged falls apart into
 * many rectangles: past DAMAGE_RECTS_MAX, their bounding box goes, so that
 * one frame is a few requests however many it stands for.
 */
#define DAMAGE_RECTS_MAX 16

static void
send_damage(struct wl_surface *host, const pixman_region32_t *region,
	    bool buffer_pixels)
{
	const pixman_box32_t *boxes;
	int n;

	if (!pixman_region32_not_empty((pixman_region32_t *)region))
		return;
	if (buffer_pixels && wl_proxy_get_version((struct wl_proxy *)host) < 4) {
		wl_surface_damage(host, 0, 0, INT32_MAX, INT32_MAX);
		return;
	}
	boxes = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	if (n > DAMAGE_RECTS_MAX) {
		boxes = pixman_region32_extents((pixman_region32_t *)region);
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		int32_t w = boxes[i].x2 - boxes[i].x1;
		int32_t h = boxes[i].y2 - boxes[i].y1;

		if (buffer_pixels)
			wl_surface_damage_buffer(host, boxes[i].x1,
						 boxes[i].y1, w, h);
		else
			wl_surface_damage(host, boxes[i].x1, boxes[i].y1, w,
					  h);
	}
}

/* Sends the host the damage a shape change made, with an attach
 * (Xwayland's surfaces have a scale of 1: buffer pixels are surface
 * coordinates). */
static void
flush_shape_damage(struct surface *s)
{
	send_damage((struct wl_surface *)s->object->host.proxy,
		    &s->shape.damage, true);
	pixman_region32_clear(&s->shape.damage);
}

/* hb no longer holds a guest buffer; someone else releases it, or nobody. */
static void
forget_guest(struct host_buffer *hb)
{
	resource_ref_set(&hb->guest, NULL);
}

/* The guest buffer whose pixels hb holds may be reused now. */
static void
release_guest(struct host_buffer *hb)
{
	if (!hb->guest.resource)
		return;
	if (!hb->surface->object->client->display_gone)
		wl_buffer_send_release(hb->guest.resource);
	forget_guest(hb);
}

static void deferred_send(struct surface *s);

/* A client holds back one frame at most (nest_surface_before_request). */
static bool
deferred_held(struct surface *s)
{
	return s->object->client->deferred == s->object;
}

static void
host_buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct host_buffer *hb = data;
	struct surface *s = hb->surface;

	hb->busy = false;
	release_guest(hb);
	if (deferred_held(s)) {
		/* the host gave back the frame it showed, unasked */
		if (hb->last_used == s->serial)
			s->defer_misses = 0;
		deferred_send(s);
	}
}

static const struct wl_buffer_listener host_buffer_listener = {
	.release = host_buffer_release,
};

static void
host_buffer_finish(struct host_buffer *hb)
{
	release_guest(hb);
	if (hb->buffer)
		wl_buffer_destroy(hb->buffer);
	if (hb->data)
		munmap(hb->data, hb->size);
	pixman_region32_fini(&hb->stale);
	memset(hb, 0, sizeof(*hb));
}

static void
ring_clear(struct surface *s)
{
	for (int i = 0; i < s->ring_count; i++)
		host_buffer_finish(&s->ring[i]);
	s->ring_count = 0;
}

/*
 * The host shows a forwarded buffer again (an Xwayland surface in the
 * passthrough mode is no longer shaped): the copies go.  The host
 * releases guest itself now, so the copy holding it must not.
 */
static void
ring_drop(struct surface *s, struct wl_resource *guest)
{
	for (int i = 0; i < s->ring_count; i++) {
		struct host_buffer *hb = &s->ring[i];

		if (hb->guest.resource && hb->guest.resource == guest)
			forget_guest(hb);
	}
	ring_clear(s);
}

static bool
host_buffer_init(struct surface *s, struct host_buffer *hb)
{
	struct nest_client *nc = s->object->client;
	struct nest *nest = nc->nest;
	struct wl_shm_pool *pool;
	uint64_t size = (uint64_t)s->layout.stride * (uint64_t)s->layout.height;
	int fd;

	if (size > HOST_BUFFER_MAX) {
		nest_log("refusing a %llu-byte host buffer",
			 (unsigned long long)size);
		return false;
	}
	if (!nc->host.shm)
		nc->host.shm = nest_client_bind(nc, &wl_shm_interface, 1);
	if (!nc->host.shm)
		return false;
	fd = nest->channel->alloc_shared(nest, (size_t)size,
					 (void **)&hb->data);
	if (fd < 0) {
		nest_log("cannot allocate a host buffer: %m");
		return false;
	}
	hb->surface = s;
	hb->size = (size_t)size;
	pool = wl_shm_create_pool(nc->host.shm, fd, (int32_t)size);
	hb->buffer = wl_shm_pool_create_buffer(pool, 0, s->layout.width,
					       s->layout.height,
					       s->layout.stride,
					       s->layout.format->code);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(hb->buffer, &host_buffer_listener, hb);
	resource_ref_init(&hb->guest);
	pixman_region32_init_rect(&hb->stale, 0, 0, (unsigned)s->layout.width,
				  (unsigned)s->layout.height);
	nest->stats.host_buffers++;
	return true;
}

static uint64_t
region_area(pixman_region32_t *region)
{
	const pixman_box32_t *boxes;
	uint64_t area = 0;
	int n;

	boxes = pixman_region32_rectangles(region, &n);
	for (int i = 0; i < n; i++)
		area += (uint64_t)(boxes[i].x2 - boxes[i].x1) *
			(uint64_t)(boxes[i].y2 - boxes[i].y1);
	return area;
}

static struct host_buffer *
ring_pick_free(struct surface *s)
{
	struct host_buffer *best = NULL;

	for (int i = 0; i < s->ring_count; i++) {
		struct host_buffer *hb = &s->ring[i];

		if (hb->busy)
			continue;
		if (!best || region_area(&hb->stale) < region_area(&best->stale))
			best = hb;
	}
	return best;
}

/* A free host buffer, after taking in any release the host already
 * sent; NULL if it holds them all. */
static struct host_buffer *
ring_free_now(struct surface *s)
{
	struct host_buffer *hb = ring_pick_free(s);

	if (!hb && s->ring_count >= 2) {
		nest_client_peek_host(s->object->client);
		hb = ring_pick_free(s);
	}
	return hb;
}

/* The host buffer attached last, or NULL. */
static struct host_buffer *
ring_latest(struct surface *s)
{
	struct host_buffer *latest = NULL;

	for (int i = 0; i < s->ring_count; i++) {
		if (!latest || s->ring[i].last_used > latest->last_used)
			latest = &s->ring[i];
	}
	return latest;
}

/* Whether the ring's buffers can take a copy of buffer. */
static bool
layout_fits(struct surface *s, const struct nest_shm_buffer *buffer)
{
	return s->layout.width == buffer->width &&
	       s->layout.height == buffer->height &&
	       s->layout.stride == buffer->stride &&
	       s->layout.format == host_format(s, buffer);
}

/*
 * A host buffer to write the next frame into: a free one that lacks the
 * fewest pixels (with a host that releases at once, the one just shown:
 * only the new damage is copied), else a new one, else (the host holds
 * them all) the one it has held longest.
 */
static struct host_buffer *
ring_get(struct surface *s, struct nest_shm_buffer *buffer)
{
	struct host_buffer *best;

	const struct nest_format *format = host_format(s, buffer);

	if (!layout_fits(s, buffer)) {
		ring_clear(s);
		s->layout.width = buffer->width;
		s->layout.height = buffer->height;
		s->layout.stride = buffer->stride;
		s->layout.format = format;
	}
	/* (the host may have released one already: look before adding a
	 * buffer, which would make every copy catch up on more) */
	best = ring_free_now(s);
	if (best)
		return best;
	if (s->ring_count < RING_MAX) {
		best = &s->ring[s->ring_count];
		if (!host_buffer_init(s, best))
			return NULL;
		s->ring_count++;
		return best;
	}
	if (!s->warned_busy) {
		nest_debug("host keeps every buffer of a surface busy");
		s->warned_busy = true;
	}
	best = &s->ring[0];
	for (int i = 1; i < s->ring_count; i++) {
		if (s->ring[i].last_used < best->last_used)
			best = &s->ring[i];
	}
	return best;
}

static void
geometry_for(struct surface *s, struct nest_shm_buffer *buffer,
	     struct surface_geometry *g)
{
	struct viewport_state *v = s->viewport ? &s->viewport->pending : NULL;

	memset(g, 0, sizeof(*g));
	g->buffer_width = buffer->width;
	g->buffer_height = buffer->height;
	g->scale = s->pending.scale_set ? s->pending.scale : s->scale;
	g->transform = s->pending.transform_set ? s->pending.transform :
						  s->transform;
	if (v && v->has_source) {
		g->has_source = true;
		g->source_x = v->x;
		g->source_y = v->y;
		g->source_width = v->width;
		g->source_height = v->height;
	}
	if (v && v->has_destination) {
		g->has_destination = true;
		g->destination_width = v->destination_width;
		g->destination_height = v->destination_height;
	}
}

/*
 * With a host that keeps its buffers (and for Xwayland, whose reshapes
 * copy the frame shown again from it) the guest's buffer is released when
 * the host releases the copy: a client is paced by the host as it would be
 * without wlnest, and a client committing as fast as buffers come back
 * cannot flood the host connection.  Pacing also keeps few host buffers
 * in use, so each copy has little damage to catch up on.
 */
static void
hold_guest(struct host_buffer *hb, struct wl_resource *buffer)
{
	release_guest(hb);	/* only if the host never gave hb back */
	resource_ref_set(&hb->guest, buffer);
}

/* Copies region of buffer into hb, cut to the shape if it applies. */
static size_t
copy_pixels(struct surface *s, struct host_buffer *hb,
	    struct nest_shm_buffer *buffer, const uint8_t *src,
	    pixman_region32_t *region)
{
	pixman_region32_t inside, outside;
	size_t copied;

	if (!shape_applies(s, buffer))
		return nest_copy_region(hb->data, (size_t)s->layout.stride, src,
					(size_t)buffer->stride, buffer->format,
					region, s->xwayland);
	/* XRGB comes out opaque: its unused bits are the alpha of ARGB */
	pixman_region32_init(&inside);
	pixman_region32_init(&outside);
	pixman_region32_intersect(&inside, region, &s->shape.region);
	pixman_region32_subtract(&outside, region, &s->shape.region);
	copied = nest_copy_region(hb->data, (size_t)s->layout.stride, src,
				  (size_t)buffer->stride, buffer->format,
				  &inside, true);
	copied += nest_clear_region(hb->data, (size_t)s->layout.stride,
				    s->layout.format, &outside);
	pixman_region32_fini(&inside);
	pixman_region32_fini(&outside);
	return copied;
}

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * With --stats, a copy that may reach NEST_TIMED_COPY_MIN bytes is timed
 * in CPU time (a wall clock would count a preemption in the middle of a
 * copy): what the copy itself costs, beside a memcpy of the same bytes.
 * Smaller copies are not, sparing two system calls per small frame.
 */
static size_t
copy_pixels_timed(struct surface *s, struct host_buffer *hb,
		  struct nest_shm_buffer *buffer, const uint8_t *src,
		  pixman_region32_t *region)
{
	struct nest_stats *stats = &s->object->client->nest->stats;
	const pixman_box32_t *e = pixman_region32_extents(region);
	uint64_t area = (uint64_t)(e->x2 - e->x1) * (uint64_t)(e->y2 - e->y1);
	uint64_t t0;
	size_t copied;

	if (!s->object->client->nest->time_copies ||
	    area * buffer->format->block_bytes / buffer->format->block_width <
		    NEST_TIMED_COPY_MIN)
		return copy_pixels(s, hb, buffer, src, region);
	t0 = thread_cpu_ns();
	copied = copy_pixels(s, hb, buffer, src, region);
	if (copied >= NEST_TIMED_COPY_MIN) {
		stats->big_copy_ns += thread_cpu_ns() - t0;
		stats->big_copy_bytes += copied;
		stats->big_copies++;
	}
	return copied;
}

/*
 * Copies damage (buffer pixels, within the buffer) of buffer, plus what
 * the chosen host buffer lacks, into a host buffer and attaches that;
 * the host buffer holds guest (which may be NULL) until the host is done
 * with it.  Returns false if the guest must be disconnected.
 */
static bool
copy_to_host(struct surface *s, struct nest_shm_buffer *buffer,
	     pixman_region32_t *damage, struct wl_resource *guest,
	     int32_t dx, int32_t dy)
{
	struct nest *nest = s->object->client->nest;
	pixman_region32_t copy;
	struct host_buffer *hb;
	const uint8_t *src;
	bool ok;

	hb = ring_get(s, buffer);
	if (!hb) {
		wl_client_post_no_memory(s->object->client->client);
		return false;
	}

	pixman_region32_init(&copy);
	pixman_region32_union(&copy, damage, &hb->stale);
	src = nest_shm_begin_access(buffer);
	nest->stats.copied_bytes += copy_pixels_timed(s, hb, buffer, src,
						      &copy);
	ok = nest_shm_end_access(buffer);
	pixman_region32_fini(&copy);

	pixman_region32_clear(&hb->stale);
	for (int i = 0; i < s->ring_count; i++) {
		if (&s->ring[i] != hb)
			pixman_region32_union(&s->ring[i].stale,
					      &s->ring[i].stale, damage);
	}
	if (!ok)
		return false;

	hb->busy = true;
	hb->last_used = ++s->serial;
	nest->stats.commits++;
	if (guest && (s->host_holds || s->xwayland)) {
		hold_guest(hb, guest);
	} else {
		/* the frame is in hb: the guest may draw into its buffer
		 * again (see above) */
		release_guest(hb);
		if (guest && !s->object->client->display_gone)
			wl_buffer_send_release(guest);
	}
	resource_ref_set(&s->forwarded_shown, NULL);
	wl_surface_attach((struct wl_surface *)s->object->host.proxy,
			  hb->buffer, dx, dy);
	flush_shape_damage(s);
	return true;
}

/* Forgets the held frame, its buffer unreleased. */
static void
deferred_clear(struct surface *s)
{
	struct nest_client *nc = s->object->client;

	resource_ref_set(&s->deferred.buffer, NULL);
	pixman_region32_clear(&s->deferred.damage);
	if (nc->deferred == s->object)
		nc->deferred = NULL;
}

/*
 * Sends the host the frame held back, copied into a free host buffer,
 * with the damage of the frames it stands for.  While it was held the
 * damage requests of the surface went no further (each frame replaced
 * would otherwise send the host requests, and a client drawing as fast
 * as it can would fill the host connection while the host is busy): the
 * damage recorded since its commit, for the next frame, follows it.
 */
static void
deferred_send(struct surface *s)
{
	struct wl_surface *host = (struct wl_surface *)s->object->host.proxy;
	struct wl_resource *guest = s->deferred.buffer.resource;
	struct nest_shm_buffer *shm = readable_buffer(s, guest);
	pixman_region32_t damage;
	bool ok = true;

	pixman_region32_init(&damage);
	pixman_region32_copy(&damage, &s->deferred.damage);
	deferred_clear(s);
	if (shm && host) {
		ok = copy_to_host(s, shm, &damage, guest, 0, 0);
		if (ok) {
			send_damage(host, &damage, true);
			wl_surface_commit(host);
		}
	}
	if (ok && host) {
		send_damage(host, &s->pending.surface_damage, false);
		send_damage(host, &s->pending.buffer_damage, true);
	}
	pixman_region32_fini(&damage);
	if (!ok)
		nest_client_doom(s->object->client);
}

static void
deferred_arm(struct surface *s, double ms)
{
	s->deferred.timer_armed =
		wl_event_source_timer_update(s->deferred.timer,
					     (int)ms + 1) == 0;
}

/* How long a held frame waits for the host at most (ms). */
static double
defer_limit(struct surface *s)
{
	return s->host_holds ? HOLD_WAIT_MS : DEFER_MS;
}

static int
deferred_timeout(void *data)
{
	struct surface *s = data;
	double waited, limit;

	s->deferred.timer_armed = false;
	if (!deferred_held(s))
		return 0;
	waited = (nest_now() - s->deferred.since) * 1000.0;
	limit = defer_limit(s);
	if (waited < limit) {
		deferred_arm(s, limit - waited);
		return 0;
	}
	if (!s->host_holds && ++s->defer_misses >= DEFER_MISSES) {
		nest_debug("surface %u: the host keeps its buffers; frames go to it at once",
			   wl_resource_get_id(s->object->resource));
		s->host_holds = true;
	}
	deferred_send(s);
	return 0;
}

/* Whether a host buffer holds guest, to release it with its own release. */
static bool
ring_holds(struct surface *s, struct wl_resource *guest)
{
	for (int i = 0; i < s->ring_count; i++) {
		if (s->ring[i].guest.resource == guest)
			return true;
	}
	return false;
}

/* Whether the host holds every host buffer the surface may have. */
static bool
ring_all_held(struct surface *s)
{
	return s->ring_count >= RING_MAX && !ring_free_now(s);
}

/*
 * Whether a frame of buffer with damage (buffer pixels) waits for the
 * host buffer the host holds: it showed the frame before, so only the new
 * damage is copied, where any free one would have to catch up on more.
 * With a host that keeps its buffers, only while it holds them all.
 */
static bool
should_defer(struct surface *s, struct nest_shm_buffer *buffer,
	     pixman_region32_t *damage)
{
	struct host_buffer *latest = NULL, *free_one;
	pixman_region32_t extra;
	bool behind;

	if (s->xwayland || shape_applies(s, buffer) ||
	    s->pending.dx || s->pending.dy || !layout_fits(s, buffer))
		return false;
	if (s->host_holds)
		return ring_all_held(s);
	latest = ring_latest(s);
	if (!latest || !latest->busy)
		return false;
	free_one = ring_pick_free(s);
	if (!free_one)
		return true;	/* else a new buffer, copied whole */
	pixman_region32_init(&extra);
	pixman_region32_subtract(&extra, &free_one->stale, damage);
	behind = pixman_region32_not_empty(&extra);
	pixman_region32_fini(&extra);
	return behind;
}

/*
 * Holds back the frame of buffer (see above); a frame held already is
 * replaced.  Returns false if it could not (no timer).
 */
static bool
defer_frame(struct surface *s, struct wl_resource *guest,
	    pixman_region32_t *damage)
{
	struct nest_client *nc = s->object->client;

	if (!s->deferred.timer) {
		s->deferred.timer = wl_event_loop_add_timer(
			nc->nest->loop, deferred_timeout, s);
		if (!s->deferred.timer)
			return false;
	}
	if (deferred_held(s)) {
		struct wl_resource *replaced = s->deferred.buffer.resource;

		/* (a host buffer holding it releases it when the host
		 * releases that one) */
		if (replaced && replaced != guest && !nc->display_gone &&
		    !ring_holds(s, replaced))
			wl_buffer_send_release(replaced);
		nc->nest->stats.dropped++;
	} else {
		s->deferred.since = nest_now();
		nc->deferred = s->object;
		if (!s->deferred.timer_armed)
			deferred_arm(s, defer_limit(s));
	}
	resource_ref_set(&s->deferred.buffer, guest);
	pixman_region32_union(&s->deferred.damage, &s->deferred.damage,
			      damage);
	return true;
}

/*
 * Copies the committed shm buffer into a host buffer and attaches that,
 * or holds the frame back (*deferred).  Returns false if the guest must
 * be disconnected.
 */
static bool
commit_shm_buffer(struct surface *s, struct nest_shm_buffer *buffer,
		  bool *deferred)
{
	struct surface_geometry geometry;
	pixman_region32_t damage;
	bool ok = true;

	pixman_region32_init(&damage);
	pixman_region32_copy(&damage, &s->pending.buffer_damage);
	geometry_for(s, buffer, &geometry);
	nest_damage_to_buffer(&geometry, &s->pending.surface_damage, &damage);
	pixman_region32_intersect_rect(&damage, &damage, 0, 0,
				       (unsigned)buffer->width,
				       (unsigned)buffer->height);
	s->object->client->nest->stats.frames++;
	/* an offset moves the frame shown: not one to merge */
	if (deferred_held(s) && (s->pending.dx || s->pending.dy))
		deferred_send(s);
	*deferred = (deferred_held(s) || should_defer(s, buffer, &damage)) &&
		    defer_frame(s, buffer->resource, &damage);
	if (!*deferred)
		ok = copy_to_host(s, buffer, &damage, buffer->resource,
				  s->pending.dx, s->pending.dy);
	pixman_region32_fini(&damage);
	return ok;
}

void
nest_surface_send_deferred(struct nest_client *nc)
{
	struct surface *s = nc->deferred ? nc->deferred->data : NULL;

	if (s)
		deferred_send(s);
}

void
nest_surface_before_request(struct nest_object *object, uint32_t opcode,
			    union wl_argument *args)
{
	struct nest_client *nc = object->client;
	struct nest_object *held = nc->deferred;
	struct surface *s = held ? held->data : NULL;

	if (!s)
		return;
	if (object == held) {
		switch (opcode) {
		case WL_SURFACE_ATTACH:
			if (readable_buffer(s, (struct wl_resource *)args[0].o))
				return;
			break;
		case WL_SURFACE_DAMAGE:
		case WL_SURFACE_DAMAGE_BUFFER:
			return;
		case WL_SURFACE_COMMIT:
			/* a commit without a new frame comes after the held one */
			if (s->pending.attached)
				return;
			break;
		}
	}
	deferred_send(s);
}

static void
apply_pending(struct surface *s)
{
	if (s->pending.scale_set)
		s->scale = s->pending.scale;
	if (s->pending.transform_set)
		s->transform = s->pending.transform;
	s->pending.scale_set = false;
	s->pending.transform_set = false;
	s->pending.attached = false;
	resource_ref_set(&s->pending.buffer, NULL);
	pixman_region32_clear(&s->pending.surface_damage);
	pixman_region32_clear(&s->pending.buffer_damage);
}

/* A buffer the guest attached but that never reached the host. */
static void
release_unused(struct surface *s, struct wl_resource *buffer)
{
	if (buffer && buffer != s->pending.buffer.resource)
		wl_buffer_send_release(buffer);
}

/*
 * Carries out the attach wlnest kept back (a copy, or a held buffer), then
 * makes the pending state current.  The caller forwards the commit, unless
 * the frame was held back (*deferred).  Returns false if the guest must be
 * disconnected.
 */
static bool
commit_pending(struct surface *s, bool *deferred)
{
	struct wl_surface *host = (struct wl_surface *)s->object->host.proxy;
	struct wl_resource *buffer = s->pending.buffer.resource;
	struct nest_shm_buffer *shm;
	struct nest_object *forwarded;

	*deferred = false;
	if (s->pending.attached) {
		shm = readable_buffer(s, buffer);
		if (!buffer) {
			/* none, or destroyed before the commit: as if null */
			wl_surface_attach(host, NULL, 0, 0);
			resource_ref_set(&s->forwarded_shown, NULL);
		} else if (copies(s, shm)) {
			if (!commit_shm_buffer(s, shm, deferred))
				return false;
		} else {
			forwarded = nest_object_from_resource(buffer);
			wl_surface_attach(host,
					  forwarded ? (struct wl_buffer *)
							      forwarded->host.proxy :
						      NULL,
					  s->pending.dx, s->pending.dy);
			resource_ref_set(&s->forwarded_shown, forwarded ? buffer : NULL);
			flush_shape_damage(s);
			if (!s->copy && s->ring_count)
				ring_drop(s, buffer);
		}
	}
	apply_pending(s);
	return true;
}

/* The buffer attached since the last commit is the one shown now. */
static void
size_commit(struct surface *s)
{
	if (s->size_attached) {
		s->shown = s->attached;
		s->size_attached = false;
		if (!s->first_frame_sent && s->shown.width > 0) {
			s->first_frame_sent = true;
			nest_debug("surface %u: its first frame, %dx%d, goes to the host",
				   wl_resource_get_id(s->object->resource),
				   s->shown.width, s->shown.height);
		}
	}
}

void
nest_surface_ungate(struct nest_object *object)
{
	struct surface *s = object->data;
	struct wl_surface *host = (struct wl_surface *)object->host.proxy;
	bool deferred;

	if (!s || !s->gated || !host)
		return;
	s->gated = false;
	if (!s->held_commit)
		return;
	s->held_commit = false;
	pixman_region32_union_rect(&s->pending.buffer_damage,
				   &s->pending.buffer_damage, 0, 0, INT32_MAX,
				   INT32_MAX);
	if (wl_proxy_get_version((struct wl_proxy *)host) >= 4)
		wl_surface_damage_buffer(host, 0, 0, INT32_MAX, INT32_MAX);
	else
		wl_surface_damage(host, 0, 0, INT32_MAX, INT32_MAX);
	size_commit(s);
	if (!commit_pending(s, &deferred)) {
		nest_client_doom(object->client);
		return;
	}
	if (!deferred)
		wl_surface_commit(host);
}

bool
nest_surface_is_gated(struct nest_object *object)
{
	struct surface *s = object->data;

	return s && s->gated;
}

/*
 * A new shape and no new frame (X clients need not redraw): shows the
 * current frame again, cut to the new shape, from the guest buffer it
 * came from if wlnest still holds it (until the host releases the copy)
 * or the host shows it.  Otherwise the next frame brings the change.
 */
static void
reshape_now(struct surface *s)
{
	struct wl_surface *host = (struct wl_surface *)s->object->host.proxy;
	struct host_buffer *latest = ring_latest(s);
	struct wl_resource *guest;
	struct nest_shm_buffer *source;
	struct nest_object *forwarded;
	pixman_region32_t none;
	bool ok;

	if (s->gated || !host)
		return;
	if (s->forwarded_shown.resource) {
		guest = s->forwarded_shown.resource;
		latest = NULL;	/* the host shows no copy */
	} else {
		guest = latest ? latest->guest.resource : NULL;
	}
	source = readable_buffer(s, guest);
	if (!source)
		return;
	if (!copies(s, source)) {
		/* Unshaped in the passthrough mode: the host gets the guest's
		 * own buffer back, and releases it itself. */
		forwarded = latest ? nest_object_from_resource(guest) : NULL;
		if (!forwarded || !forwarded->host.proxy)
			return;
		wl_surface_attach(host, (struct wl_buffer *)forwarded->host.proxy,
				  0, 0);
		resource_ref_set(&s->forwarded_shown, guest);
		flush_shape_damage(s);
		wl_surface_commit(host);
		ring_drop(s, guest);
		return;
	}
	/* the new copy holds what the old one held */
	if (latest)
		forget_guest(latest);
	pixman_region32_init(&none);
	ok = copy_to_host(s, source, &none, latest ? guest : NULL, 0, 0);
	pixman_region32_fini(&none);
	if (!ok) {
		nest_client_doom(s->object->client);
		return;
	}
	wl_surface_commit(host);
}

void
nest_surface_set_shape(struct nest_object *object,
		       const pixman_region32_t *shape)
{
	struct surface *s = object->data;

	if (!s || !s->xwayland)
		return;
	if (!shape && !s->shape.set)
		return;
	if (shape && s->shape.set &&
	    pixman_region32_equal(&s->shape.region,
				  (pixman_region32_t *)shape))
		return;
	/* Every pixel may change (the host buffers' format too): the host
	 * repaints the whole surface with the next attach. */
	pixman_region32_union_rect(&s->shape.damage, &s->shape.damage, 0, 0,
				   INT32_MAX, INT32_MAX);
	for (int i = 0; i < s->ring_count; i++)
		pixman_region32_union_rect(&s->ring[i].stale, &s->ring[i].stale,
					   0, 0, (unsigned)s->layout.width,
					   (unsigned)s->layout.height);
	s->shape.set = shape != NULL;
	if (shape)
		pixman_region32_copy(&s->shape.region,
				     (pixman_region32_t *)shape);
	else
		pixman_region32_clear(&s->shape.region);
	reshape_now(s);
}

static struct buffer_size
buffer_size_of(struct wl_resource *buffer)
{
	struct nest_shm_buffer *shm;
	struct nest_object *forwarded;

	if (!buffer)
		return (struct buffer_size){ true, 0, 0 };
	shm = nest_shm_buffer_from_resource(buffer);
	if (shm)
		return (struct buffer_size){ true, shm->width, shm->height };
	forwarded = nest_object_from_resource(buffer);
	if (forwarded && forwarded->buffer_width > 0)
		return (struct buffer_size){ true, forwarded->buffer_width,
					     forwarded->buffer_height };
	return (struct buffer_size){ false, 0, 0 };
}

bool
nest_surface_committed_size(struct nest_object *object, int32_t *width,
			    int32_t *height)
{
	struct surface *s = object->data;
	struct buffer_size *size;
	int32_t scale;
	uint32_t transform;

	if (!s)
		return false;
	size = s->size_attached ? &s->attached : &s->shown;
	if (!size->known)
		return false;
	scale = s->pending.scale_set ? s->pending.scale : s->scale;
	transform = s->pending.transform_set ? s->pending.transform :
					       s->transform;
	if (scale < 1)
		scale = 1;
	*width = size->width / scale;
	*height = size->height / scale;
	if (transform & 1) { /* 90 and 270 degrees, flipped or not */
		int32_t t = *width;

		*width = *height;
		*height = t;
	}
	return true;
}

static void
gated_frame_unlink(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void
gated_frame(struct surface *s, uint32_t id)
{
	struct wl_resource *cb = wl_resource_create(
		s->object->client->client, &wl_callback_interface, 1, id);

	if (!cb) {
		wl_client_post_no_memory(s->object->client->client);
		return;
	}
	wl_resource_set_implementation(cb, NULL, NULL, gated_frame_unlink);
	wl_list_insert(s->gated_frames.prev, wl_resource_get_link(cb));
}

static void
gated_frames_done(struct surface *s)
{
	struct wl_resource *cb, *tmp;
	uint32_t ms = (uint32_t)(nest_now() * 1000.0);

	wl_resource_for_each_safe (cb, tmp, &s->gated_frames) {
		if (!s->object->client->display_gone)
			wl_callback_send_done(cb, ms);
		wl_resource_destroy(cb);
	}
}

static bool
surface_request(struct nest_object *object, uint32_t opcode,
		const struct wl_message *message, union wl_argument *args)
{
	struct surface *s = object->data;
	struct wl_resource *buffer;
	bool deferred;

	if (!s || !object->host.proxy)
		return false;
	switch (opcode) {
	case WL_SURFACE_DESTROY:
		if (s->xwayland)
			nest_xwayland_surface_destroying(object);
		return false;
	case WL_SURFACE_ATTACH:
		buffer = (struct wl_resource *)args[0].o;
		if (s->xwayland) {	/* only its window manager asks */
			s->attached = buffer_size_of(buffer);
			s->size_attached = true;
		}
		if (!s->gated && !readable_buffer(s, buffer)) {
			/* Not ours to copy: a forwarded buffer, or none. */
			s->pending.attached = false;
			resource_ref_set(&s->pending.buffer, NULL);
			return false;
		}
		if (s->gated && s->pending.attached)
			release_unused(s, s->pending.buffer.resource == buffer ?
						  NULL :
						  s->pending.buffer.resource);
		s->pending.attached = true;
		resource_ref_set(&s->pending.buffer, buffer);
		s->pending.dx = args[1].i;
		s->pending.dy = args[2].i;
		return true;
	case WL_SURFACE_DAMAGE:
		if (args[2].i > 0 && args[3].i > 0)
			pixman_region32_union_rect(&s->pending.surface_damage,
						   &s->pending.surface_damage,
						   args[0].i, args[1].i,
						   (unsigned)args[2].i,
						   (unsigned)args[3].i);
		/* recorded only while gated or a frame is held (see
		 * deferred_send) */
		return s->gated || deferred_held(s);
	case WL_SURFACE_DAMAGE_BUFFER:
		if (args[2].i > 0 && args[3].i > 0)
			pixman_region32_union_rect(&s->pending.buffer_damage,
						   &s->pending.buffer_damage,
						   args[0].i, args[1].i,
						   (unsigned)args[2].i,
						   (unsigned)args[3].i);
		return s->gated || deferred_held(s);
	case WL_SURFACE_SET_BUFFER_SCALE:
		s->pending.scale_set = true;
		s->pending.scale = args[0].i;
		return false;
	case WL_SURFACE_SET_BUFFER_TRANSFORM:
		s->pending.transform_set = true;
		s->pending.transform = (uint32_t)args[0].i;
		return false;
	case WL_SURFACE_FRAME:
		if (!s->gated)
			return false;
		gated_frame(s, args[0].n);
		return true;
	case WL_SURFACE_COMMIT:
		if (s->gated) {
			s->held_commit = true;
			/* A held frame is never shown, so the host would never
			 * call back for it: wlnest does, at once, so that the
			 * client goes on drawing (Xwayland waits for the
			 * callback before its next frame). */
			gated_frames_done(s);
			/* may ungate, which sends this commit */
			if (s->xwayland)
				nest_xwayland_surface_committing(object);
			return true;
		}
		if (s->xwayland)
			nest_xwayland_surface_committing(object);
		/* asked for while gated, committed after ungating */
		gated_frames_done(s);
		size_commit(s);
		if (!commit_pending(s, &deferred)) {
			nest_client_doom(object->client);
			return true;
		}
		return deferred;
	}
	return false;
}

static void
surface_create(struct nest_object *object)
{
	struct surface *s;
	bool xwayland = object->client->xwayland;

	if (!copy_mode(object) && !xwayland)
		return;
	s = calloc(1, sizeof(*s));
	if (!s) {
		wl_client_post_no_memory(object->client->client);
		return;
	}
	s->object = object;
	s->copy = copy_mode(object);
	s->xwayland = xwayland;
	s->gated = xwayland;
	s->scale = 1;
	wl_list_init(&s->gated_frames);
	resource_ref_init(&s->pending.buffer);
	resource_ref_init(&s->forwarded_shown);
	resource_ref_init(&s->deferred.buffer);
	pixman_region32_init(&s->deferred.damage);
	pixman_region32_init(&s->pending.surface_damage);
	pixman_region32_init(&s->pending.buffer_damage);
	pixman_region32_init(&s->shape.region);
	pixman_region32_init(&s->shape.damage);
	object->data = s;
	if (xwayland)
		nest_xwayland_surface_created(object);
}

static void
surface_destroy(struct nest_object *object)
{
	struct surface *s = object->data;

	if (!s)
		return;
	if (s->xwayland)
		nest_xwayland_surface_destroying(object);
	if (s->viewport)
		s->viewport->surface = NULL;
	/* the callbacks go with the client; they just leave our lists */
	while (!wl_list_empty(&s->gated_frames)) {
		struct wl_list *link = s->gated_frames.next;

		wl_list_remove(link);
		wl_list_init(link);
	}
	/* a frame still held goes with the surface (or with its client) */
	deferred_clear(s);
	if (s->deferred.timer)
		wl_event_source_remove(s->deferred.timer);
	pixman_region32_fini(&s->deferred.damage);
	resource_ref_set(&s->pending.buffer, NULL);
	resource_ref_set(&s->forwarded_shown, NULL);
	pixman_region32_fini(&s->pending.surface_damage);
	pixman_region32_fini(&s->pending.buffer_damage);
	pixman_region32_fini(&s->shape.region);
	pixman_region32_fini(&s->shape.damage);
	ring_clear(s);
	free(s);
}

const struct object_hooks nest_surface_hooks = {
	.request = surface_request,
	.create = surface_create,
	.destroy = surface_destroy,
};

/* wp_viewporter.get_viewport: tie the new viewport to its surface. */
static bool
viewporter_request(struct nest_object *object, uint32_t opcode,
		   const struct wl_message *message, union wl_argument *args)
{
	uint32_t id = args[0].n;
	struct wl_resource *surface_resource = (struct wl_resource *)args[1].o;
	struct nest_object *surface_object, *viewport_object;
	struct wl_resource *created;
	struct viewport *viewport;

	if (opcode != WP_VIEWPORTER_GET_VIEWPORT || !copy_mode(object))
		return false;
	surface_object = nest_object_from_resource(surface_resource);
	if (!nest_forward_request(object, opcode, message, args))
		return true;
	created = wl_client_get_object(object->client->client, id);
	viewport_object = created ? nest_object_from_resource(created) : NULL;
	if (!viewport_object || !viewport_object->data || !surface_object ||
	    !surface_object->data)
		return true;
	viewport = viewport_object->data;
	viewport->surface = surface_object->data;
	viewport->surface->viewport = viewport;
	return true;
}

const struct object_hooks nest_viewporter_hooks = {
	.request = viewporter_request,
};

static bool
viewport_request(struct nest_object *object, uint32_t opcode,
		 const struct wl_message *message, union wl_argument *args)
{
	struct viewport *v = object->data;

	if (!v)
		return false;
	switch (opcode) {
	case WP_VIEWPORT_SET_SOURCE:
		v->pending.has_source = args[0].f != wl_fixed_from_int(-1);
		v->pending.x = wl_fixed_to_double(args[0].f);
		v->pending.y = wl_fixed_to_double(args[1].f);
		v->pending.width = wl_fixed_to_double(args[2].f);
		v->pending.height = wl_fixed_to_double(args[3].f);
		break;
	case WP_VIEWPORT_SET_DESTINATION:
		v->pending.has_destination = args[0].i != -1;
		v->pending.destination_width = args[0].i;
		v->pending.destination_height = args[1].i;
		break;
	}
	return false;
}

static void
viewport_create(struct nest_object *object)
{
	struct viewport *v;

	if (!copy_mode(object))
		return;
	v = calloc(1, sizeof(*v));
	if (!v)
		return;
	v->object = object;
	object->data = v;
}

/* Without a viewport the surface's next commit drops its effect. */
static void
viewport_destroy(struct nest_object *object)
{
	struct viewport *v = object->data;

	if (!v)
		return;
	if (v->surface)
		v->surface->viewport = NULL;
	free(v);
}

const struct object_hooks nest_viewport_hooks = {
	.request = viewport_request,
	.create = viewport_create,
	.destroy = viewport_destroy,
};
