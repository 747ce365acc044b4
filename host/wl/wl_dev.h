/* SPDX-License-Identifier: MIT */
/*
 * The virtio-wl device model (virtio device 63), independent of any VMM.
 *
 * A VMM embeds it by providing a static const struct wl_vmm_ops (queues,
 * interrupt, the shared-memory window, watching one fd) and calling:
 *
 *   wl_dev_create()        at device creation;
 *   wl_dev_features()      to learn the device feature bits to offer;
 *   wl_dev_activate()      when the driver sets DRIVER_OK;
 *   wl_dev_kick()          when the driver notifies a queue;
 *   wl_dev_handle_events() when the fd given to ops->watch is readable;
 *   wl_dev_reset()         when the driver resets the device;
 *   wl_dev_destroy()       at teardown.
 *
 * wl_dev_handle_events() also when the timer set through ops->set_timer
 * expires.
 *
 * Everything runs on the caller's thread and never blocks: host fds are
 * written without waiting, what they cannot take yet is queued (bounded),
 * and a SEND that finds its target's queue full stays unanswered until
 * there is room or limits.io_timeout_ms passes (then it answers ERR), so
 * the guest, not the VMM, waits.  Work per call is bounded; what is left
 * over makes the watched fd readable again.  Every byte from the guest is
 * treated as hostile.
 */
#ifndef VIRTWL_WL_DEV_H
#define VIRTWL_WL_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wl_limits.h"

struct wl_dev;

enum wl_queue {
	WL_QUEUE_IN = 0,	/* device -> driver */
	WL_QUEUE_OUT = 1,	/* driver -> device */
};

/*
 * One descriptor chain taken from a queue, as host buffers.  The model
 * only reads @readable and only writes @writable; @token is the VMM's.
 */
struct wl_chain {
	const struct iovec *readable;
	unsigned int n_readable;
	const struct iovec *writable;
	unsigned int n_writable;
	void *token;
};

struct wl_socket_cfg {
	char name[WL_SOCKET_NAME_MAX + 1];	/* "" for the unnamed socket */
	char path[108];				/* sockaddr_un.sun_path */
};

struct wl_vmm_ops {
	/*
	 * Takes the next available chain of @queue.  Returns 1 with *@chain
	 * filled in, 0 when the queue is empty, a negative errno when the
	 * ring is unusable (the model then stops using the queue).
	 */
	int (*pop)(void *vmm, enum wl_queue queue, struct wl_chain *chain);
	/* Whether @queue has a chain available now (pop would return 1). */
	bool (*has_chain)(void *vmm, enum wl_queue queue);
	/*
	 * Returns @chain as used, @written bytes written to its writable part.
	 * A chain stays valid (its iovecs' memory and @token) until pushed or
	 * released, and chains may be pushed in any order.
	 */
	void (*push)(void *vmm, enum wl_queue queue, const struct wl_chain *chain,
		     uint32_t written);
	/*
	 * Optional: gives @chain back unused, at reset or destroy, when the
	 * model held it waiting for room.
	 */
	void (*release)(void *vmm, enum wl_queue queue, const struct wl_chain *chain);
	/* Raises the used-buffer interrupt of @queue (after pushes). */
	void (*notify)(void *vmm, enum wl_queue queue);
	/*
	 * Maps @size bytes (a page multiple) of @fd at byte @offset of the
	 * shared window, read-only unless @writable.  @fd stays the model's:
	 * the VMM dup()s or mmap()s it.  Returns 0 or a negative errno.
	 */
	int (*map)(void *vmm, int fd, uint64_t offset, uint64_t size, bool writable);
	/* Removes a mapping made by map(). */
	void (*unmap)(void *vmm, uint64_t offset, uint64_t size);
	/*
	 * Guest-physical address of the window (PCI BAR 2) now; used for the
	 * absolute pfns of drivers without VIRTIO_WL_F_USE_SHMEM.
	 */
	uint64_t (*window_base)(void *vmm);
	/*
	 * Starts (@enable) or stops watching @fd for readability; while
	 * watched and readable, the VMM calls wl_dev_handle_events().  The
	 * model watches one fd from activation to reset.
	 */
	void (*watch)(void *vmm, int fd, bool enable);
	/* Milliseconds on a clock that never goes back. */
	int64_t (*now_ms)(void *vmm);
	/*
	 * Calls wl_dev_handle_events() once now_ms() reaches @deadline_ms
	 * (at once if it has); -1 cancels.  One timer per device; a new
	 * deadline replaces the old.
	 */
	void (*set_timer)(void *vmm, int64_t deadline_ms);
	/* Optional: one line about a guest or host misbehaving. */
	void (*log)(void *vmm, const char *msg);
	/*
	 * Optional: a connected, non-blocking stream socket to @sock, or a
	 * negative errno; for VMMs whose sockets someone else connects (a
	 * sandboxed VMM asks its launcher).  Without it the model connects
	 * to sock->path itself (wl_socket_connect()).  Must not block long.
	 */
	int (*connect)(void *vmm, const struct wl_socket_cfg *sock);
};


struct wl_limits {
	uint32_t max_vfds;
	uint32_t max_contexts;
	uint64_t max_mapped_bytes;
	uint32_t max_send_bytes;
	uint32_t io_timeout_ms;
	uint32_t max_pending_msgs;
	uint32_t vfd_queue_bytes;	/* queued for one host fd */
	uint32_t dev_queue_bytes;	/* queued for all */
	uint32_t max_queued_fds;
};

/*
 * The name of the memfd server's context (VFD_NEW_CTX_NAMED), when
 * memfd_server is on.  Its wire format is in host/README.md.
 */
#define WL_MEMFD_CTX_NAME "virtwl-memfd"

struct wl_config {
	/* Sockets the guest may reach, and nothing else. */
	struct wl_socket_cfg sockets[1 + WL_MAX_NAMED_SOCKETS];
	unsigned int n_sockets;
	struct wl_limits limits;
	uint64_t window_size;	/* bytes; a power of two */
	bool offer_use_shmem;	/* offer VIRTIO_WL_F_USE_SHMEM */
	bool memfd_server;	/* serve WL_MEMFD_CTX_NAME */
	/*
	 * "" or a directory on a size-limited tmpfs: guest allocations are
	 * files there (O_TMPFILE, allocated in full at once) instead of
	 * memfds, so the tmpfs size bounds the memory they pin even after
	 * the guest sent them to a compositor and closed them.
	 */
	char alloc_dir[108];
};

/* Fills @cfg with the defaults of wl_limits.h, no sockets. */
void wl_config_init(struct wl_config *cfg);
/*
 * Adds a socket the guest may reach: @name "" (or NULL) is the unnamed one
 * (VFD_NEW_CTX), else 1-32 bytes of [A-Za-z0-9._-] (VFD_NEW_CTX_NAMED).
 * Returns 0, or -1 with a reason in @err.
 */
int wl_config_add_socket(struct wl_config *cfg, const char *name,
			 const char *path, char *err, size_t errlen);
/*
 * The same from "PATH" or "NAME=PATH"; a spec that starts with '/' or '.'
 * is always a PATH.
 */
int wl_config_parse_socket(struct wl_config *cfg, const char *spec,
			   char *err, size_t errlen);
/* Checks limits and window size; returns 0 or -1 with a reason in @err. */
int wl_config_check(const struct wl_config *cfg, char *err, size_t errlen);
/*
 * The most host fds a device with @cfg ever holds at once (two per vfd,
 * the queued ones, its own): the VMM's RLIMIT_NOFILE must leave room.
 */
uint64_t wl_config_max_fds(const struct wl_config *cfg);

/*
 * Connects to the Unix stream socket @path without blocking (a listener
 * with a full backlog fails).  Returns the fd (close-on-exec,
 * non-blocking) or a negative errno.
 */
int wl_socket_connect(const char *path);

/* Returns NULL with errno set on failure.  @cfg is copied. */
struct wl_dev *wl_dev_create(const struct wl_config *cfg,
			     const struct wl_vmm_ops *ops, void *vmm);
/* NULL is a no-op.  Closes every host fd; unmaps through ops. */
void wl_dev_destroy(struct wl_dev *dev);

/* Device feature bits (1 << VIRTIO_WL_F_*) this device offers. */
uint64_t wl_dev_features(const struct wl_dev *dev);
/* The driver accepted @features and set DRIVER_OK. */
void wl_dev_activate(struct wl_dev *dev, uint64_t features);
/* Device reset: every vfd is closed, pending messages dropped. */
void wl_dev_reset(struct wl_dev *dev);
/* The driver notified @queue. */
void wl_dev_kick(struct wl_dev *dev, enum wl_queue queue);
/* The fd passed to ops->watch is readable. */
void wl_dev_handle_events(struct wl_dev *dev);

/* For tests and diagnostics. */
struct wl_dev_stats {
	uint32_t vfds;		/* including closed ones still draining */
	uint32_t contexts;
	uint64_t mapped_bytes;
	uint32_t pending_msgs;
	uint32_t held_chains;	/* SENDs waiting for room, unanswered */
	uint32_t draining;	/* closed vfds whose queue is still going out */
	uint64_t queued_bytes;
	uint32_t queued_fds;
	bool reading;		/* host fds are read (the guest gave in-buffers) */
	bool broken;
};
void wl_dev_get_stats(const struct wl_dev *dev, struct wl_dev_stats *stats);

#endif /* VIRTWL_WL_DEV_H */
