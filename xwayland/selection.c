// SPDX-License-Identifier: MIT
/*
 * X11 selections bridged to the host: CLIPBOARD to wl_data_device and
 * PRIMARY to zwp_primary_selection_device_v1, both directions.
 *
 * Host -> X: when the host's selection changes, the window manager takes
 * the X selection; an X client's request is answered by reading the host
 * offer through a pipe, then handing the bytes over in one property or,
 * when large, incrementally (INCR) in chunks.
 * X -> host: when an X client takes the selection (XFixes tells), its
 * targets become the mime types of a host data source; each host read is
 * an X conversion whose result (INCR or not) is written to the host's fd.
 *
 * The host device objects live on the Xwayland client's host connection,
 * which is the one with keyboard focus while an X window is focused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client-protocol.h>
#include <xcb/xfixes.h>

#include "nest.h"
#include "primary-selection-unstable-v1-client-protocol.h"
#include "xwayland-private.h"
#include "xwm.h"

#define CHUNK_SIZE (64 * 1024)		/* INCR chunk, both directions */
#define MAX_SELECTION (256u << 20)	/* bytes held for one transfer */
#define MAX_MIME_TYPES 64

struct xwm_selection;

/* The two host protocols differ only in names. */
struct selection_ops {
	void *(*get_device)(struct xwm_selection *sel);
	void *(*create_source)(struct xwm_selection *sel);
	void (*source_offer)(void *source, const char *mime);
	void (*source_destroy)(void *source);
	void (*set_selection)(struct xwm_selection *sel, void *source,
			      uint32_t serial);
	void (*offer_receive)(void *offer, const char *mime, int fd);
	void (*offer_destroy)(void *offer);
	void (*device_destroy)(void *device);
	void (*manager_destroy)(void *manager);
};

struct host_offer {
	struct wl_list link;		/* xwm_selection.offers */
	struct xwm_selection *sel;
	void *offer;
	char *mimes[MAX_MIME_TYPES];
	size_t mime_count;
};

struct xwm_selection {
	struct xwm *wm;
	const struct selection_ops *ops;
	xcb_atom_t atom;		/* CLIPBOARD or PRIMARY */
	xcb_window_t window;		/* owns the X selection for the host */
	void *manager, *device;		/* host objects */
	struct wl_list offers;		/* struct host_offer, announced */
	struct host_offer *offer;	/* the host's current selection */
	void *source;			/* ours, while an X client owns it */
	bool source_confirmed;		/* the host showed it back to us */
	char **source_mimes;		/* what source offers */
	size_t source_mime_count;
	bool x_owned;			/* window owns the X selection */
	struct wl_list transfers;
};

enum transfer_direction { TO_HOST, TO_X };

struct transfer {
	struct wl_list link;		/* xwm_selection.transfers */
	struct xwm_selection *sel;
	enum transfer_direction direction;
	uint8_t *data;
	size_t length, offset;		/* bytes held, bytes passed on */
	int fd;
	struct wl_event_source *fd_source;
	bool incr;

	/* TO_HOST: converting the X selection into our window */
	xcb_window_t window;
	bool x_done;
	bool chunk_waiting;		/* INCR chunk left for later */

	/* TO_X: answering an X client's request */
	xcb_window_t requestor;
	xcb_atom_t property, target;
	xcb_timestamp_t time;
	bool read_done;
};

static void transfer_destroy(struct transfer *t);

/* ---- clipboard: wl_data_device ---- */

static void offer_listen(struct xwm_selection *sel, void *offer);
static void selection_changed(struct xwm_selection *sel, void *offer);

static void
data_device_data_offer(void *data, struct wl_data_device *device,
		       struct wl_data_offer *offer)
{
	offer_listen(data, offer);
}

static void
data_device_enter(void *data, struct wl_data_device *device, uint32_t serial,
		  struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y,
		  struct wl_data_offer *offer)
{
	/* Drag and drop into X is not bridged: drop the offer. */
	struct xwm_selection *sel = data;
	struct host_offer *o, *tmp;

	wl_list_for_each_safe (o, tmp, &sel->offers, link) {
		if (o->offer == offer && o != sel->offer) {
			wl_list_remove(&o->link);
			for (size_t i = 0; i < o->mime_count; i++)
				free(o->mimes[i]);
			free(o);
		}
	}
	if (offer)
		wl_data_offer_destroy(offer);
}

static void
data_device_leave(void *data, struct wl_data_device *device)
{
}

static void
data_device_motion(void *data, struct wl_data_device *device, uint32_t time,
		   wl_fixed_t x, wl_fixed_t y)
{
}

static void
data_device_drop(void *data, struct wl_data_device *device)
{
}

static void
data_device_selection(void *data, struct wl_data_device *device,
		      struct wl_data_offer *offer)
{
	selection_changed(data, offer);
}

static const struct wl_data_device_listener data_device_listener = {
	.data_offer = data_device_data_offer,
	.enter = data_device_enter,
	.leave = data_device_leave,
	.motion = data_device_motion,
	.drop = data_device_drop,
	.selection = data_device_selection,
};

static void *
clipboard_get_device(struct xwm_selection *sel)
{
	struct wl_data_device *device = wl_data_device_manager_get_data_device(
		sel->manager, sel->wm->host.seat);

	wl_data_device_add_listener(device, &data_device_listener, sel);
	return device;
}

static void source_send(struct xwm_selection *sel, const char *mime, int fd);
static void source_cancelled(struct xwm_selection *sel, void *source);

static void
data_source_target(void *data, struct wl_data_source *source, const char *mime)
{
}

static void
data_source_send(void *data, struct wl_data_source *source, const char *mime,
		 int32_t fd)
{
	source_send(data, mime, fd);
}

static void
data_source_cancelled(void *data, struct wl_data_source *source)
{
	source_cancelled(data, source);
}

static const struct wl_data_source_listener data_source_listener = {
	.target = data_source_target,
	.send = data_source_send,
	.cancelled = data_source_cancelled,
};

static void *
clipboard_create_source(struct xwm_selection *sel)
{
	struct wl_data_source *source =
		wl_data_device_manager_create_data_source(sel->manager);

	wl_data_source_add_listener(source, &data_source_listener, sel);
	return source;
}

static void
clipboard_source_offer(void *source, const char *mime)
{
	wl_data_source_offer(source, mime);
}

static void
clipboard_source_destroy(void *source)
{
	wl_data_source_destroy(source);
}

static void
clipboard_set_selection(struct xwm_selection *sel, void *source,
			uint32_t serial)
{
	wl_data_device_set_selection(sel->device, source, serial);
}

static void
clipboard_offer_receive(void *offer, const char *mime, int fd)
{
	wl_data_offer_receive(offer, mime, fd);
}

static void
clipboard_offer_destroy(void *offer)
{
	wl_data_offer_destroy(offer);
}

static void
clipboard_device_destroy(void *device)
{
	if (wl_proxy_get_version(device) >= 2)
		wl_data_device_release(device);
	else
		wl_data_device_destroy(device);
}

static void
clipboard_manager_destroy(void *manager)
{
	wl_data_device_manager_destroy(manager);
}

static const struct selection_ops clipboard_ops = {
	.get_device = clipboard_get_device,
	.create_source = clipboard_create_source,
	.source_offer = clipboard_source_offer,
	.source_destroy = clipboard_source_destroy,
	.set_selection = clipboard_set_selection,
	.offer_receive = clipboard_offer_receive,
	.offer_destroy = clipboard_offer_destroy,
	.device_destroy = clipboard_device_destroy,
	.manager_destroy = clipboard_manager_destroy,
};

/* ---- primary: zwp_primary_selection_device_v1 ---- */

static void
primary_device_data_offer(void *data,
			  struct zwp_primary_selection_device_v1 *device,
			  struct zwp_primary_selection_offer_v1 *offer)
{
	offer_listen(data, offer);
}

static void
primary_device_selection(void *data,
			 struct zwp_primary_selection_device_v1 *device,
			 struct zwp_primary_selection_offer_v1 *offer)
{
	selection_changed(data, offer);
}

static const struct zwp_primary_selection_device_v1_listener
	primary_device_listener = {
		.data_offer = primary_device_data_offer,
		.selection = primary_device_selection,
	};

static void *
primary_get_device(struct xwm_selection *sel)
{
	struct zwp_primary_selection_device_v1 *device =
		zwp_primary_selection_device_manager_v1_get_device(
			sel->manager, sel->wm->host.seat);

	zwp_primary_selection_device_v1_add_listener(
		device, &primary_device_listener, sel);
	return device;
}

static void
primary_source_send(void *data, struct zwp_primary_selection_source_v1 *source,
		    const char *mime, int32_t fd)
{
	source_send(data, mime, fd);
}

static void
primary_source_cancelled(void *data,
			 struct zwp_primary_selection_source_v1 *source)
{
	source_cancelled(data, source);
}

static const struct zwp_primary_selection_source_v1_listener
	primary_source_listener = {
		.send = primary_source_send,
		.cancelled = primary_source_cancelled,
	};

static void *
primary_create_source(struct xwm_selection *sel)
{
	struct zwp_primary_selection_source_v1 *source =
		zwp_primary_selection_device_manager_v1_create_source(
			sel->manager);

	zwp_primary_selection_source_v1_add_listener(
		source, &primary_source_listener, sel);
	return source;
}

static void
primary_source_offer(void *source, const char *mime)
{
	zwp_primary_selection_source_v1_offer(source, mime);
}

static void
primary_source_destroy(void *source)
{
	zwp_primary_selection_source_v1_destroy(source);
}

static void
primary_set_selection(struct xwm_selection *sel, void *source, uint32_t serial)
{
	zwp_primary_selection_device_v1_set_selection(sel->device, source,
						      serial);
}

static void
primary_offer_receive(void *offer, const char *mime, int fd)
{
	zwp_primary_selection_offer_v1_receive(offer, mime, fd);
}

static void
primary_offer_destroy(void *offer)
{
	zwp_primary_selection_offer_v1_destroy(offer);
}

static void
primary_device_destroy(void *device)
{
	zwp_primary_selection_device_v1_destroy(device);
}

static void
primary_manager_destroy(void *manager)
{
	zwp_primary_selection_device_manager_v1_destroy(manager);
}

static const struct selection_ops primary_ops = {
	.get_device = primary_get_device,
	.create_source = primary_create_source,
	.source_offer = primary_source_offer,
	.source_destroy = primary_source_destroy,
	.set_selection = primary_set_selection,
	.offer_receive = primary_offer_receive,
	.offer_destroy = primary_offer_destroy,
	.device_destroy = primary_device_destroy,
	.manager_destroy = primary_manager_destroy,
};

/* ---- host offers ---- */

static void
host_offer_free(struct host_offer *o)
{
	o->sel->ops->offer_destroy(o->offer);
	wl_list_remove(&o->link);
	for (size_t i = 0; i < o->mime_count; i++)
		free(o->mimes[i]);
	free(o);
}

static void
host_offer_add_mime(struct host_offer *o, const char *mime)
{
	if (o->mime_count < MAX_MIME_TYPES) {
		o->mimes[o->mime_count] = strdup(mime);
		if (o->mimes[o->mime_count])
			o->mime_count++;
	}
}

static void
data_offer_offer(void *data, struct wl_data_offer *offer, const char *mime)
{
	host_offer_add_mime(data, mime);
}

static void
data_offer_source_actions(void *data, struct wl_data_offer *offer,
			  uint32_t actions)
{
}

static void
data_offer_action(void *data, struct wl_data_offer *offer, uint32_t action)
{
}

static const struct wl_data_offer_listener data_offer_listener = {
	.offer = data_offer_offer,
	.source_actions = data_offer_source_actions,
	.action = data_offer_action,
};

static void
primary_offer_offer(void *data, struct zwp_primary_selection_offer_v1 *offer,
		    const char *mime)
{
	host_offer_add_mime(data, mime);
}

static const struct zwp_primary_selection_offer_v1_listener
	primary_offer_listener = {
		.offer = primary_offer_offer,
	};

static void
offer_listen(struct xwm_selection *sel, void *offer)
{
	struct host_offer *o = calloc(1, sizeof(*o));

	if (!o) {
		sel->ops->offer_destroy(offer);
		return;
	}
	o->sel = sel;
	o->offer = offer;
	wl_list_insert(&sel->offers, &o->link);
	if (sel->ops == &clipboard_ops)
		wl_data_offer_add_listener(offer, &data_offer_listener, o);
	else
		zwp_primary_selection_offer_v1_add_listener(
			offer, &primary_offer_listener, o);
}

static bool
offer_has(const struct host_offer *o, const char *mime)
{
	for (size_t i = 0; o && i < o->mime_count; i++) {
		if (strcmp(o->mimes[i], mime) == 0)
			return true;
	}
	return false;
}

/* The host's selection changed; offer is NULL when it was cleared. */
static void
selection_changed(struct xwm_selection *sel, void *offer)
{
	struct xwm *wm = sel->wm;
	struct host_offer *o, *found = NULL;

	wl_list_for_each (o, &sel->offers, link) {
		if (o->offer == offer)
			found = o;
	}
	if (sel->offer && sel->offer != found)
		host_offer_free(sel->offer);
	sel->offer = NULL;
	if (sel->source) {
		/* Our own X-backed source is the selection: nothing to do. */
		if (found) {
			host_offer_free(found);
			sel->source_confirmed = true;
		}
		return;
	}
	sel->offer = found;
	nest_debug("host selection %s: %s",
		   sel->ops == &clipboard_ops ? "CLIPBOARD" : "PRIMARY",
		   found ? "taken for X clients" : "cleared");
	/* An X client's own selection stays when the host's is cleared. */
	if (!found && !sel->x_owned)
		return;
	sel->x_owned = found != NULL;
	xcb_set_selection_owner(wm->conn, found ? sel->window : XCB_NONE,
				sel->atom, XCB_CURRENT_TIME);
	xwm_flush(wm);
}

/* ---- targets and mime types ---- */

static xcb_atom_t
intern(struct xwm *wm, const char *name)
{
	xcb_intern_atom_reply_t *reply = xcb_intern_atom_reply(
		wm->conn,
		xcb_intern_atom(wm->conn, 0, (uint16_t)strlen(name), name),
		NULL);
	xcb_atom_t atom = reply ? reply->atom : XCB_ATOM_NONE;

	free(reply);
	return atom;
}

static char *
atom_name(struct xwm *wm, xcb_atom_t atom)
{
	xcb_get_atom_name_reply_t *reply = xcb_get_atom_name_reply(
		wm->conn, xcb_get_atom_name(wm->conn, atom), NULL);
	char *name = NULL;

	if (reply) {
		int len = xcb_get_atom_name_name_length(reply);

		name = malloc((size_t)len + 1);
		if (name) {
			memcpy(name, xcb_get_atom_name_name(reply), (size_t)len);
			name[len] = '\0';
		}
		free(reply);
	}
	return name;
}

static bool
is_utf8_target(struct xwm *wm, xcb_atom_t target)
{
	return target == wm->atoms[ATOM_UTF8_STRING] ||
	       target == wm->atoms[ATOM_TEXT] ||
	       target == wm->atoms[ATOM_TEXT_PLAIN_UTF8];
}

/* The host mime type to read for an X target; NULL if not offered. */
static const char *
mime_for_target(struct xwm_selection *sel, xcb_atom_t target, char **owned)
{
	struct xwm *wm = sel->wm;
	static const char *const utf8[] = { "text/plain;charset=utf-8",
					    "UTF8_STRING", "text/plain",
					    "TEXT", "STRING" };
	char *name;

	*owned = NULL;
	if (is_utf8_target(wm, target) || target == wm->atoms[ATOM_STRING] ||
	    target == wm->atoms[ATOM_TEXT_PLAIN]) {
		for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
			if (offer_has(sel->offer, utf8[i]))
				return utf8[i];
		}
		return NULL;
	}
	name = atom_name(wm, target);
	if (name && offer_has(sel->offer, name)) {
		*owned = name;
		return name;
	}
	free(name);
	return NULL;
}

/* The X target to convert to for a host mime type. */
static xcb_atom_t
target_for_mime(struct xwm *wm, const char *mime)
{
	if (strcmp(mime, "text/plain;charset=utf-8") == 0 ||
	    strcmp(mime, "UTF8_STRING") == 0 || strcmp(mime, "TEXT") == 0)
		return wm->atoms[ATOM_UTF8_STRING];
	if (strcmp(mime, "text/plain") == 0 || strcmp(mime, "STRING") == 0)
		return wm->atoms[ATOM_STRING];
	return intern(wm, mime);
}

/* ---- host -> X: answering X clients from the host offer ---- */

static void
send_notify(struct xwm *wm, xcb_selection_request_event_t *req,
	    xcb_atom_t property)
{
	xcb_selection_notify_event_t notify = {
		.response_type = XCB_SELECTION_NOTIFY,
		.time = req->time,
		.requestor = req->requestor,
		.selection = req->selection,
		.target = req->target,
		.property = property,
	};

	xcb_send_event(wm->conn, 0, req->requestor, XCB_EVENT_MASK_NO_EVENT,
		       (const char *)&notify);
}

static void
reply_targets(struct xwm_selection *sel, xcb_selection_request_event_t *req,
	      xcb_atom_t property)
{
	struct xwm *wm = sel->wm;
	xcb_atom_t targets[MAX_MIME_TYPES + 8];
	uint32_t n = 0;
	bool text = false;

	targets[n++] = wm->atoms[ATOM_TARGETS];
	targets[n++] = wm->atoms[ATOM_TIMESTAMP];
	for (size_t i = 0; sel->offer && i < sel->offer->mime_count; i++) {
		const char *mime = sel->offer->mimes[i];

		if (strncmp(mime, "text/plain", 10) == 0 ||
		    strcmp(mime, "UTF8_STRING") == 0 ||
		    strcmp(mime, "STRING") == 0 || strcmp(mime, "TEXT") == 0) {
			text = true;
			continue;
		}
		if (strchr(mime, '/') && n < MAX_MIME_TYPES)
			targets[n++] = intern(wm, mime);
	}
	if (text) {
		targets[n++] = wm->atoms[ATOM_UTF8_STRING];
		targets[n++] = wm->atoms[ATOM_TEXT];
		targets[n++] = wm->atoms[ATOM_STRING];
		targets[n++] = wm->atoms[ATOM_TEXT_PLAIN_UTF8];
		targets[n++] = wm->atoms[ATOM_TEXT_PLAIN];
	}
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, req->requestor,
			    property, XCB_ATOM_ATOM, 32, n, targets);
	send_notify(wm, req, property);
}

/* Hands the next part of a TO_X transfer to the requestor. */
static void
to_x_send(struct transfer *t)
{
	struct xwm *wm = t->sel->wm;
	size_t left = t->length - t->offset;
	size_t chunk = left < CHUNK_SIZE ? left : CHUNK_SIZE;
	xcb_atom_t type = is_utf8_target(wm, t->target) ?
				  wm->atoms[ATOM_UTF8_STRING] :
				  t->target;

	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, t->requestor,
			    t->property, type, 8, (uint32_t)chunk,
			    t->data + t->offset);
	t->offset += chunk;
	xwm_flush(wm);
	/* The zero-length chunk ends an incremental transfer. */
	if (chunk == 0)
		transfer_destroy(t);
}

static void
to_x_start(struct transfer *t)
{
	struct xwm *wm = t->sel->wm;
	xcb_selection_request_event_t req = {
		.time = t->time,
		.requestor = t->requestor,
		.selection = t->sel->atom,
		.target = t->target,
	};
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	uint32_t length = (uint32_t)t->length;

	if (t->length <= CHUNK_SIZE) {
		xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE,
				    t->requestor, t->property,
				    is_utf8_target(wm, t->target) ?
					    wm->atoms[ATOM_UTF8_STRING] :
					    t->target,
				    8, length, t->data);
		send_notify(wm, &req, t->property);
		xwm_flush(wm);
		transfer_destroy(t);
		return;
	}
	/* Large: INCR; each deletion of the property asks for the next. */
	t->incr = true;
	xcb_change_window_attributes(wm->conn, t->requestor, XCB_CW_EVENT_MASK,
				     &mask);
	xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE, t->requestor,
			    t->property, wm->atoms[ATOM_INCR], 32, 1, &length);
	send_notify(wm, &req, t->property);
	xwm_flush(wm);
}

static int
to_x_readable(int fd, uint32_t mask, void *data)
{
	struct transfer *t = data;
	uint8_t *grown;
	ssize_t n;

	for (;;) {
		if (t->length + CHUNK_SIZE > MAX_SELECTION) {
			nest_log("X selection request larger than %u MiB: "
				 "refused",
				 MAX_SELECTION >> 20);
			goto fail;
		}
		grown = realloc(t->data, t->length + CHUNK_SIZE);
		if (!grown)
			goto fail;
		t->data = grown;
		n = read(fd, t->data + t->length, CHUNK_SIZE);
		if (n > 0) {
			t->length += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		break;
	}
	if (n < 0)
		goto fail;
	wl_event_source_remove(t->fd_source);
	t->fd_source = NULL;
	close(t->fd);
	t->fd = -1;
	t->read_done = true;
	to_x_start(t);
	return 0;

fail: {
	xcb_selection_request_event_t req = {
		.time = t->time,
		.requestor = t->requestor,
		.selection = t->sel->atom,
		.target = t->target,
	};

	send_notify(t->sel->wm, &req, XCB_ATOM_NONE);
	xwm_flush(t->sel->wm);
	transfer_destroy(t);
	return 0;
}
}

static void
handle_selection_request(struct xwm_selection *sel,
			 xcb_selection_request_event_t *req)
{
	struct xwm *wm = sel->wm;
	xcb_atom_t property = req->property ? req->property : req->target;
	struct transfer *t;
	const char *mime;
	char *owned;
	int fds[2];

	if (!sel->offer) {
		send_notify(wm, req, XCB_ATOM_NONE);
		return;
	}
	if (req->target == wm->atoms[ATOM_TARGETS]) {
		reply_targets(sel, req, property);
		return;
	}
	if (req->target == wm->atoms[ATOM_TIMESTAMP]) {
		xcb_timestamp_t now = XCB_CURRENT_TIME;

		xcb_change_property(wm->conn, XCB_PROP_MODE_REPLACE,
				    req->requestor, property,
				    XCB_ATOM_INTEGER, 32, 1, &now);
		send_notify(wm, req, property);
		return;
	}
	mime = mime_for_target(sel, req->target, &owned);
	t = mime ? calloc(1, sizeof(*t)) : NULL;
	if (!t || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(t);
		free(owned);
		send_notify(wm, req, XCB_ATOM_NONE);
		return;
	}
	t->sel = sel;
	t->direction = TO_X;
	t->requestor = req->requestor;
	t->property = property;
	t->target = req->target;
	t->time = req->time;
	t->fd = fds[0];
	wl_list_insert(&sel->transfers, &t->link);
	sel->ops->offer_receive(sel->offer->offer, mime, fds[1]);
	close(fds[1]);
	free(owned);
	t->fd_source = wl_event_loop_add_fd(wm->xw->nest->loop, t->fd,
					    WL_EVENT_READABLE, to_x_readable,
					    t);
}

/* ---- X -> host: our data source backed by the X selection ---- */

static void to_host_write(struct transfer *t);

static int
to_host_writable(int fd, uint32_t mask, void *data)
{
	to_host_write(data);
	return 0;
}

static void
to_host_read_chunk(struct transfer *t)
{
	struct xwm *wm = t->sel->wm;
	xcb_get_property_reply_t *reply = xcb_get_property_reply(
		wm->conn,
		xcb_get_property(wm->conn, 1, t->window,
				 wm->atoms[ATOM_WLNEST_SELECTION],
				 XCB_GET_PROPERTY_TYPE_ANY, 0,
				 MAX_SELECTION / 4),
		NULL);
	size_t len;
	uint8_t *grown;

	t->chunk_waiting = false;
	if (!reply) {
		t->x_done = true;
		return;
	}
	if (reply->type == wm->atoms[ATOM_INCR] && !t->incr) {
		/* Chunks follow as property changes. */
		t->incr = true;
		free(reply);
		xwm_flush(wm);
		return;
	}
	len = (size_t)xcb_get_property_value_length(reply);
	if (len == 0 || t->length - t->offset + len > MAX_SELECTION) {
		t->x_done = true;
	} else {
		/* Drop what was written, then append the chunk. */
		if (t->offset) {
			memmove(t->data, t->data + t->offset,
				t->length - t->offset);
			t->length -= t->offset;
			t->offset = 0;
		}
		grown = realloc(t->data, t->length + len);
		if (grown) {
			memcpy(grown + t->length, xcb_get_property_value(reply),
			       len);
			t->length += len;
			t->data = grown;
		} else {
			t->x_done = true;
		}
		if (!t->incr)
			t->x_done = true;
	}
	free(reply);
	xwm_flush(wm);
	to_host_write(t);
}

static void
to_host_write(struct transfer *t)
{
	while (t->offset < t->length) {
		ssize_t n = write(t->fd, t->data + t->offset,
				  t->length - t->offset);

		if (n > 0) {
			t->offset += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!t->fd_source)
				t->fd_source = wl_event_loop_add_fd(
					t->sel->wm->xw->nest->loop, t->fd,
					WL_EVENT_WRITABLE, to_host_writable,
					t);
			return;
		}
		/* The reader went away. */
		transfer_destroy(t);
		return;
	}
	if (t->fd_source) {
		wl_event_source_remove(t->fd_source);
		t->fd_source = NULL;
	}
	if (t->x_done) {
		transfer_destroy(t);
		return;
	}
	if (t->chunk_waiting)
		to_host_read_chunk(t);
}

static void
source_send(struct xwm_selection *sel, const char *mime, int fd)
{
	struct xwm *wm = sel->wm;
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	struct transfer *t = calloc(1, sizeof(*t));
	int flags;

	if (!t) {
		close(fd);
		return;
	}
	t->sel = sel;
	t->direction = TO_HOST;
	t->fd = fd;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	t->window = xcb_generate_id(wm->conn);
	xcb_create_window(wm->conn, XCB_COPY_FROM_PARENT, t->window,
			  wm->screen->root, 0, 0, 1, 1, 0,
			  XCB_WINDOW_CLASS_INPUT_OUTPUT,
			  wm->screen->root_visual, XCB_CW_EVENT_MASK, &mask);
	xcb_convert_selection(wm->conn, t->window, sel->atom,
			      target_for_mime(wm, mime),
			      wm->atoms[ATOM_WLNEST_SELECTION],
			      XCB_CURRENT_TIME);
	wl_list_insert(&sel->transfers, &t->link);
	xwm_flush(wm);
}

static void
source_cancelled(struct xwm_selection *sel, void *source)
{
	nest_debug("X selection %s: the host dropped our offer",
		   sel->ops == &clipboard_ops ? "CLIPBOARD" : "PRIMARY");
	sel->ops->source_destroy(source);
	if (sel->source == source)
		sel->source = NULL;
}

static void
source_mimes_clear(struct xwm_selection *sel)
{
	for (size_t i = 0; i < sel->source_mime_count; i++)
		free(sel->source_mimes[i]);
	free(sel->source_mimes);
	sel->source_mimes = NULL;
	sel->source_mime_count = 0;
}

static void
source_mimes_add(struct xwm_selection *sel, const char *mime)
{
	char **grown = realloc(sel->source_mimes, (sel->source_mime_count + 1) *
							  sizeof(*grown));
	char *copy = strdup(mime);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			sel->source_mimes = grown;
		return;
	}
	sel->source_mimes = grown;
	sel->source_mimes[sel->source_mime_count++] = copy;
}

/* A host source offering the X selection's mime types. */
static void *
source_create(struct xwm_selection *sel)
{
	void *source = sel->ops->create_source(sel);

	for (size_t i = 0; source && i < sel->source_mime_count; i++)
		sel->ops->source_offer(source, sel->source_mimes[i]);
	return source;
}

/* An X client took the selection: these are its targets. */
static void
offer_x_targets(struct xwm_selection *sel)
{
	struct xwm *wm = sel->wm;
	xcb_get_property_reply_t *reply = xcb_get_property_reply(
		wm->conn,
		xcb_get_property(wm->conn, 1, sel->window,
				 wm->atoms[ATOM_WLNEST_SELECTION],
				 XCB_ATOM_ATOM, 0, 1024),
		NULL);
	xcb_atom_t *targets;
	size_t count;
	void *source;
	bool text = false;

	if (!reply)
		return;
	targets = xcb_get_property_value(reply);
	count = reply->format == 32 ?
			(size_t)xcb_get_property_value_length(reply) / 4 :
			0;
	if (sel->source) {
		sel->ops->source_destroy(sel->source);
		sel->source = NULL;
	}
	source_mimes_clear(sel);
	for (size_t i = 0; i < count; i++) {
		char *name;

		if (is_utf8_target(wm, targets[i]) ||
		    targets[i] == wm->atoms[ATOM_STRING] ||
		    targets[i] == wm->atoms[ATOM_TEXT_PLAIN]) {
			text = true;
			continue;
		}
		name = atom_name(wm, targets[i]);
		if (name && strchr(name, '/'))
			source_mimes_add(sel, name);
		free(name);
	}
	if (text) {
		source_mimes_add(sel, "text/plain;charset=utf-8");
		source_mimes_add(sel, "text/plain");
		source_mimes_add(sel, "UTF8_STRING");
		source_mimes_add(sel, "STRING");
		source_mimes_add(sel, "TEXT");
	}
	free(reply);
	source = source_create(sel);
	/* Ours now: the host's own offer of it must not come back to X. */
	if (sel->offer) {
		host_offer_free(sel->offer);
		sel->offer = NULL;
	}
	sel->source = source;
	sel->source_confirmed = false;
	/*
	 * The host takes a selection only with a serial it gave us, and
	 * (weston) only one newer than its current selection's: tried now,
	 * and again with each newer serial until the host shows it back.
	 */
	if (wm->have_input_serial)
		sel->ops->set_selection(sel, source, wm->input_serial);
	nest_debug("X selection %s: offered to the host (%zu targets, serial %u)",
		   sel->ops == &clipboard_ops ? "CLIPBOARD" : "PRIMARY", count,
		   wm->input_serial);
}

static void
handle_owner_change(struct xwm_selection *sel,
		    xcb_xfixes_selection_notify_event_t *ev)
{
	struct xwm *wm = sel->wm;

	nest_debug("X selection %s: owner now 0x%x",
		   sel->ops == &clipboard_ops ? "CLIPBOARD" : "PRIMARY",
		   ev->owner);
	if (ev->owner == sel->window)
		return;
	sel->x_owned = false;
	if (ev->owner == XCB_NONE) {
		/* The X owner is gone; so is the host copy it backed. */
		if (sel->source) {
			if (sel->source_confirmed)
				sel->ops->set_selection(sel, NULL,
							wm->input_serial);
			sel->ops->source_destroy(sel->source);
			sel->source = NULL;
		}
		return;
	}
	xcb_convert_selection(wm->conn, sel->window, sel->atom,
			      wm->atoms[ATOM_TARGETS],
			      wm->atoms[ATOM_WLNEST_SELECTION],
			      ev->selection_timestamp);
	xwm_flush(wm);
}

/* ---- events ---- */

static struct xwm_selection *
selection_for_atom(struct xwm *wm, xcb_atom_t atom)
{
	if (wm->clipboard && wm->clipboard->atom == atom)
		return wm->clipboard;
	if (wm->primary && wm->primary->atom == atom)
		return wm->primary;
	return NULL;
}

static struct transfer *
transfer_for_window(struct xwm *wm, xcb_window_t window,
		    enum transfer_direction direction)
{
	struct xwm_selection *sels[2] = { wm->clipboard, wm->primary };
	struct transfer *t;

	for (int i = 0; i < 2; i++) {
		if (!sels[i])
			continue;
		wl_list_for_each (t, &sels[i]->transfers, link) {
			if (t->direction != direction)
				continue;
			if (direction == TO_HOST ? t->window == window :
						   t->requestor == window)
				return t;
		}
	}
	return NULL;
}

bool
xwm_selection_handle_event(struct xwm *wm, xcb_generic_event_t *event)
{
	uint8_t type = event->response_type & 0x7f;
	struct xwm_selection *sel;
	struct transfer *t;

	if (wm->xfixes_event_base &&
	    type == wm->xfixes_event_base + XCB_XFIXES_SELECTION_NOTIFY) {
		xcb_xfixes_selection_notify_event_t *ev = (void *)event;

		sel = selection_for_atom(wm, ev->selection);
		if (sel && sel->manager)
			handle_owner_change(sel, ev);
		return true;
	}
	switch (type) {
	case XCB_SELECTION_REQUEST: {
		xcb_selection_request_event_t *ev = (void *)event;

		sel = selection_for_atom(wm, ev->selection);
		if (!sel || ev->owner != sel->window)
			return false;
		handle_selection_request(sel, ev);
		xwm_flush(wm);
		return true;
	}
	case XCB_SELECTION_NOTIFY: {
		xcb_selection_notify_event_t *ev = (void *)event;

		sel = selection_for_atom(wm, ev->selection);
		if (sel && ev->requestor == sel->window) {
			if (ev->property != XCB_ATOM_NONE &&
			    ev->target == wm->atoms[ATOM_TARGETS] &&
			    sel->manager)
				offer_x_targets(sel);
			return true;
		}
		t = transfer_for_window(wm, ev->requestor, TO_HOST);
		if (!t)
			return false;
		if (ev->property == XCB_ATOM_NONE)
			transfer_destroy(t);
		else
			to_host_read_chunk(t);
		return true;
	}
	case XCB_PROPERTY_NOTIFY: {
		xcb_property_notify_event_t *ev = (void *)event;

		t = transfer_for_window(wm, ev->window, TO_HOST);
		if (t && t->incr && ev->state == XCB_PROPERTY_NEW_VALUE &&
		    ev->atom == wm->atoms[ATOM_WLNEST_SELECTION]) {
			/* Keep at most one chunk queued for a slow reader. */
			if (t->length - t->offset > CHUNK_SIZE)
				t->chunk_waiting = true;
			else
				to_host_read_chunk(t);
			return true;
		}
		t = transfer_for_window(wm, ev->window, TO_X);
		if (t && t->incr && t->read_done &&
		    ev->state == XCB_PROPERTY_DELETE &&
		    ev->atom == t->property) {
			to_x_send(t);
			return true;
		}
		return false;
	}
	}
	return false;
}

/* ---- life cycle ---- */

static void
transfer_destroy(struct transfer *t)
{
	struct xwm *wm = t->sel->wm;


	wl_list_remove(&t->link);
	if (t->fd_source)
		wl_event_source_remove(t->fd_source);
	if (t->fd >= 0)
		close(t->fd);
	if (t->direction == TO_HOST && t->window) {
		xcb_destroy_window(wm->conn, t->window);
		xwm_flush(wm);
	}
	free(t->data);
	free(t);
}

static struct xwm_selection *
selection_create(struct xwm *wm, const struct selection_ops *ops,
		 xcb_atom_t atom)
{
	struct xwm_selection *sel = calloc(1, sizeof(*sel));
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;

	if (!sel)
		return NULL;
	sel->wm = wm;
	sel->ops = ops;
	sel->atom = atom;
	wl_list_init(&sel->offers);
	wl_list_init(&sel->transfers);
	sel->window = xcb_generate_id(wm->conn);
	xcb_create_window(wm->conn, XCB_COPY_FROM_PARENT, sel->window,
			  wm->screen->root, 0, 0, 1, 1, 0,
			  XCB_WINDOW_CLASS_INPUT_OUTPUT,
			  wm->screen->root_visual, XCB_CW_EVENT_MASK, &mask);
	if (wm->xfixes_event_base)
		xcb_xfixes_select_selection_input(
			wm->conn, sel->window, atom,
			XCB_XFIXES_SELECTION_EVENT_MASK_SET_SELECTION_OWNER |
				XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_WINDOW_DESTROY |
				XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_CLIENT_CLOSE);
	return sel;
}

static void
selection_host_bind(struct xwm_selection *sel,
		    const struct wl_interface *interface, uint32_t version)
{
	struct xwm *wm = sel->wm;

	if (!wm->nc || !wm->host.seat)
		return;
	sel->manager = nest_client_bind(wm->nc, interface, version);
	if (sel->manager)
		sel->device = sel->ops->get_device(sel);
}

static void
selection_host_release(struct xwm_selection *sel)
{
	struct host_offer *o, *tmp;
	struct transfer *t, *ttmp;

	if (!sel)
		return;
	wl_list_for_each_safe (t, ttmp, &sel->transfers, link)
		transfer_destroy(t);
	wl_list_for_each_safe (o, tmp, &sel->offers, link)
		host_offer_free(o);
	sel->offer = NULL;
	if (sel->source)
		sel->ops->source_destroy(sel->source);
	source_mimes_clear(sel);
	if (sel->device)
		sel->ops->device_destroy(sel->device);
	if (sel->manager)
		sel->ops->manager_destroy(sel->manager);
	sel->source = sel->device = sel->manager = NULL;
}

void
xwm_selection_init(struct xwm *wm)
{
	const xcb_query_extension_reply_t *xfixes =
		xcb_get_extension_data(wm->conn, &xcb_xfixes_id);

	if (xfixes && xfixes->present) {
		xcb_xfixes_query_version_reply_t *reply =
			xcb_xfixes_query_version_reply(
				wm->conn,
				xcb_xfixes_query_version(wm->conn, 5, 0),
				NULL);

		free(reply);
		wm->xfixes_event_base = xfixes->first_event;
	} else {
		nest_log("Xwayland lacks XFIXES: X selections are not "
			 "bridged");
	}
	wm->clipboard = selection_create(wm, &clipboard_ops,
					 wm->atoms[ATOM_CLIPBOARD]);
	wm->primary = selection_create(wm, &primary_ops,
				       wm->atoms[ATOM_PRIMARY]);
	if (wm->clipboard)
		selection_host_bind(wm->clipboard,
				    &wl_data_device_manager_interface, 3);
	if (wm->primary)
		selection_host_bind(
			wm->primary,
			&zwp_primary_selection_device_manager_v1_interface, 1);
}

/*
 * A newer serial while the host has not shown our selection back: set it
 * again with that serial, as a new source.  The host may have taken the
 * old one already (its answer still on the way); setting that same source
 * again would make weston cancel it, the selection would go with it and
 * weston's clipboard keeper would offer its half-read copy instead.  A new
 * source replaces the old one whichever way the host had decided.
 */
static void
selection_serial(struct xwm_selection *sel)
{
	void *source;

	if (!sel || !sel->source || sel->source_confirmed)
		return;
	source = source_create(sel);
	if (!source)
		return;
	sel->ops->set_selection(sel, source, sel->wm->input_serial);
	sel->ops->source_destroy(sel->source);
	sel->source = source;
}

void
xwm_selection_input_serial(struct xwm *wm)
{
	selection_serial(wm->clipboard);
	selection_serial(wm->primary);
}

void
xwm_selection_host_release(struct xwm *wm)
{
	selection_host_release(wm->clipboard);
	selection_host_release(wm->primary);
}

void
xwm_selection_finish(struct xwm *wm)
{
	xwm_selection_host_release(wm);
	free(wm->clipboard);
	free(wm->primary);
	wm->clipboard = wm->primary = NULL;
}
