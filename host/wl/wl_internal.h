/* SPDX-License-Identifier: MIT */
/*
 * Inside the device model: vfds, the host->guest message queue and the
 * device state.  Only the model's own sources include this.
 */
#ifndef VIRTWL_WL_INTERNAL_H
#define VIRTWL_WL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "linux/virtio_wl.h"
#include "wl_dev.h"
#include "wl_window.h"

enum wl_vfd_kind {
	WL_VFD_CTX,		/* connected to an operator-named socket */
	WL_VFD_MEMFD_CTX,	/* the memfd server; no host fd */
	WL_VFD_SHM,		/* memory mapped into the window (or size 0) */
	WL_VFD_PIPE,		/* a pipe, or any other stream fd from the host */
	WL_VFD_FENCE,		/* a host sync_file; only ever gets HUP */
};

struct wl_vfd {
	struct wl_vfd *hash_next;
	uint32_t id;
	enum wl_vfd_kind kind;
	int fd;			/* socket, memfd, local pipe end, fence; -1 */
	int remote_fd;		/* guest-made pipe: the end to send; -1 */
	bool guest_reads;	/* pipe: data flows host -> guest (polled) */
	bool guest_writes;	/* pipe: the guest's data goes to fd */
	bool guest_made;	/* pipe: made by VFD_NEW_PIPE, remote_fd sendable */
	bool polled;		/* fd is in the epoll set */
	bool hung_up;
	/* WL_VFD_SHM */
	bool mapped;
	bool map_writable;
	uint64_t offset;	/* in the window */
	uint64_t map_len;	/* page-rounded */
	uint32_t size;		/* as reported to the guest */
};

/* A host->guest message waiting for an in-buffer. */
struct wl_msg {
	struct wl_msg *next;
	uint32_t type;		/* VIRTIO_WL_CMD_VFD_NEW, _RECV or _HUP */
	uint32_t vfd_id;
	uint32_t n_ids;		/* RECV */
	uint32_t ids[WL_MAX_VFDS_PER_MSG];
	uint32_t data_len;	/* RECV: bytes left to deliver */
	uint32_t data_off;
	uint8_t *data;		/* RECV: owned */
};

#define WL_VFD_BUCKETS 256u

struct wl_dev {
	struct wl_config cfg;
	const struct wl_vmm_ops *ops;
	void *vmm;

	uint64_t features;	/* accepted by the driver */
	bool active;
	bool broken_in;		/* a ring was unusable: stop using it */
	bool broken_out;
	bool watching;

	int epoll_fd;
	struct wl_vfd *vfds[WL_VFD_BUCKETS];
	uint32_t n_vfds;
	uint32_t next_host_id;
	struct wl_window window;
	uint64_t mapped_bytes;

	struct wl_msg *pending;		/* FIFO */
	struct wl_msg **pending_tail;
	uint32_t n_pending;

	uint8_t *cmd_buf;		/* one out-queue request */
	size_t cmd_cap;
};

static inline bool
wl_dev_has(const struct wl_dev *dev, unsigned int feature)
{
	return dev->features & (1ull << feature);
}

void wl_log(struct wl_dev *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* wl_vfd.c: the vfd table and host objects. */
struct wl_vfd *wl_vfd_lookup(const struct wl_dev *dev, uint32_t id);
/* Adds a new vfd with @id to the table; NULL when the vfd limit is hit. */
struct wl_vfd *wl_vfd_add(struct wl_dev *dev, uint32_t id, enum wl_vfd_kind kind);
/* Closes its fds, unmaps its memory, removes it from the table. */
void wl_vfd_destroy(struct wl_dev *dev, struct wl_vfd *vfd);
void wl_vfd_destroy_all(struct wl_dev *dev);
/* An unused id with VIRTIO_WL_VFD_HOST_ID_BIT set, or 0 if none. */
uint32_t wl_vfd_next_host_id(struct wl_dev *dev);
/* Starts or stops polling vfd->fd for input. */
int wl_vfd_poll(struct wl_dev *dev, struct wl_vfd *vfd, bool on);
/*
 * Maps @fd (length @len bytes) into the window for @vfd; limits apply.
 * Returns 0 or a negative errno (-ENOMEM when a limit is hit).
 */
int wl_vfd_map(struct wl_dev *dev, struct wl_vfd *vfd, uint64_t len, bool writable);
/* Creates a memfd of @size bytes (rounded up to a page) named @name. */
int wl_memfd_create(const char *name, uint64_t size);
/*
 * Turns @fd received from the host into a new host vfd; takes @fd in
 * every case.  Returns the vfd or NULL (limits, unmappable memory).
 */
struct wl_vfd *wl_vfd_from_host_fd(struct wl_dev *dev, int fd);
/* The flags the guest sees for @vfd in the negotiated flag meaning. */
uint32_t wl_vfd_flags(const struct wl_dev *dev, const struct wl_vfd *vfd);
/* The pfn the guest sees for @vfd (or the "no memory" value). */
uint64_t wl_vfd_pfn(const struct wl_dev *dev, const struct wl_vfd *vfd);

/* wl_dev.c: message queue. */
struct wl_msg *wl_msg_queue(struct wl_dev *dev, uint32_t type, uint32_t vfd_id);
/* Drops queued messages for @id and closes vfds they announced. */
void wl_msg_drop_for(struct wl_dev *dev, uint32_t id);

#endif /* VIRTWL_WL_INTERNAL_H */
