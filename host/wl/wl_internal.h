/* SPDX-License-Identifier: MIT */
/*
 * Inside the device model: vfds, the host->guest message queue, the
 * guest->host queues and held chains, and the device state.  Only the
 * model's own sources include this.
 *
 * Sources: wl_config.c (configuration), wl_dev.c (lifetime, events, the
 * command decoder), wl_vfd.c (the vfd table, host objects), wl_recv.c
 * (host fds -> in queue), wl_send.c (guest data -> host fds, held chains,
 * the timer), wl_window.c, wl_vring.c.
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

/* Guest bytes (and fds) accepted for a host fd that could not take them. */
struct wl_out_chunk {
	struct wl_out_chunk *next;
	uint32_t len;
	uint32_t off;		/* bytes already written */
	unsigned int n_fds;	/* owned; go with the first byte */
	int fds[WL_MAX_VFDS_PER_MSG];
	uint8_t data[];
};

/* An out-queue chain waiting, unanswered, for room in its target's queue. */
struct wl_held {
	struct wl_held *next;
	uint32_t target;	/* the vfd id it named when held */
	int64_t deadline_ms;	/* answered ERR then */
	struct wl_chain chain;	/* its iovecs point into iov[] */
	struct iovec iov[];
};

struct wl_vfd {
	struct wl_vfd *hash_next;	/* or the draining list once closed */
	uint32_t id;
	enum wl_vfd_kind kind;
	int fd;			/* socket, memfd, local pipe end, fence; -1 */
	int remote_fd;		/* guest-made pipe: the end to send; -1 */
	bool guest_reads;	/* pipe: data flows host -> guest (polled) */
	bool guest_writes;	/* pipe: the guest's data goes to fd */
	bool guest_made;	/* pipe: made by VFD_NEW_PIPE, remote_fd sendable */
	bool polled;		/* fd is in the input epoll set */
	bool hung_up;
	bool is_socket;		/* pipe: a stream socket (send/recv work) */
	/* Guest -> host queue (WL_VFD_CTX, WL_VFD_PIPE). */
	struct wl_out_chunk *out_head;
	struct wl_out_chunk **out_tail;
	uint32_t out_bytes;
	unsigned int out_fds;
	bool out_polled;	/* fd is in the watched set for EPOLLOUT */
	bool out_failed;	/* a queued write failed: later sends answer ERR */
	int64_t out_progress_ms;	/* when the queue last moved */
	bool closed;		/* the guest closed it; draining its queue */
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

/* epoll_event.data of the watched set's own entries; vfds are pointers. */
enum wl_event_tag {
	WL_EV_INPUT = 1,	/* input_fd has readable host fds */
	WL_EV_RESUME = 2,	/* out-queue chains left over from a kick */
};

struct wl_dev {
	struct wl_config cfg;
	const struct wl_vmm_ops *ops;
	void *vmm;

	uint64_t features;	/* accepted by the driver */
	bool active;
	bool broken_in;		/* a ring was unusable: stop using it */
	bool broken_out;
	bool watching;		/* the VMM watches epoll_fd */
	bool reading;		/* input_fd is in epoll_fd */

	int epoll_fd;		/* watched: input_fd, resume, out fds */
	int input_fd;		/* epoll of the host fds we read */
	int resume_fd;		/* eventfd */
	int64_t timer_deadline;	/* as set through ops->set_timer; -1: none */
	struct wl_vfd *vfds[WL_VFD_BUCKETS];
	uint32_t n_vfds;	/* in the table and draining */
	uint32_t n_contexts;
	uint32_t next_host_id;

	struct wl_vfd *draining;	/* closed vfds with queued output */
	uint32_t n_draining;
	uint64_t out_bytes;		/* queued, all vfds */
	unsigned int out_fds;
	struct wl_held *held;		/* FIFO */
	struct wl_held **held_tail;
	uint32_t n_held;
	uint32_t hold_target;		/* set when a chain must wait */
	bool retrying;			/* the chain running was held before */
	bool notify_out;		/* out-queue answers pushed, not notified */
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

static inline int64_t
wl_now_ms(const struct wl_dev *dev)
{
	return dev->ops->now_ms(dev->vmm);
}
size_t wl_chain_len(const struct iovec *iov, unsigned int n);
/* Copies up to @len bytes of @buf into @chain's writable part. */
size_t wl_chain_write(const struct wl_chain *chain, const void *buf, size_t len);

/* wl_config.c */
const struct wl_socket_cfg *wl_config_find_socket(const struct wl_config *cfg,
						  const char *name);

/* wl_vfd.c: the vfd table and host objects. */
struct wl_vfd *wl_vfd_lookup(const struct wl_dev *dev, uint32_t id);
/*
 * Adds a new vfd with @id to the table; NULL when the vfd limit (or for
 * a context the context limit) is hit.
 */
struct wl_vfd *wl_vfd_add(struct wl_dev *dev, uint32_t id, enum wl_vfd_kind kind);
/*
 * Closes its fds, drops its queue, unmaps its memory, removes it from
 * the table (or the draining list).
 */
void wl_vfd_destroy(struct wl_dev *dev, struct wl_vfd *vfd);
/* The guest closed @vfd: destroyed, or draining while output is queued. */
void wl_vfd_close(struct wl_dev *dev, struct wl_vfd *vfd);
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
/*
 * Creates shared memory of @size bytes (rounded up to a page) named @name:
 * a memfd, or a file in cfg.alloc_dir allocated in full.  Returns the fd
 * or a negative errno.
 */
int wl_memfd_create(const struct wl_dev *dev, const char *name, uint64_t size);
/*
 * Turns @fd received from the host into a new host vfd; takes @fd in
 * every case.  Returns the vfd or NULL (limits, unmappable memory).
 */
struct wl_vfd *wl_vfd_from_host_fd(struct wl_dev *dev, int fd);
/* The flags the guest sees for @vfd in the negotiated flag meaning. */
uint32_t wl_vfd_flags(const struct wl_dev *dev, const struct wl_vfd *vfd);
/* The pfn the guest sees for @vfd (or the "no memory" value). */
uint64_t wl_vfd_pfn(const struct wl_dev *dev, const struct wl_vfd *vfd);

/* wl_recv.c: host fds -> in queue. */
struct wl_msg *wl_msg_queue(struct wl_dev *dev, uint32_t type, uint32_t vfd_id);
/* Drops queued messages for @id and closes vfds they announced. */
void wl_msg_drop_for(struct wl_dev *dev, uint32_t id);
void wl_msg_drop_all(struct wl_dev *dev);
/* Writes pending messages into posted in-buffers. */
void wl_recv_flush(struct wl_dev *dev);
/* Reads ready host fds while in-buffers and the event budget last. */
void wl_recv_run(struct wl_dev *dev);
/* No more input from @vfd: closes what is left of it, queues VFD_HUP. */
void wl_recv_hang_up(struct wl_dev *dev, struct wl_vfd *vfd);

/* wl_send.c: guest data -> host fds. */
enum wl_send_result {
	WL_SENT = 0,		/* written, or queued: answer OK */
	WL_SEND_HOLD = 1,	/* no room: hold the chain */
};
/*
 * Writes @len > 0 bytes and @n_fds fds (borrowed) to @vfd's host fd, or
 * queues what the fd cannot take now.  Returns a wl_send_result or a
 * negative errno.  @retry: a held chain runs again (skips the FIFO rule).
 */
int wl_send_data(struct wl_dev *dev, struct wl_vfd *vfd, const uint8_t *data,
		 size_t len, const int *fds, unsigned int n_fds, bool retry);
/* @vfd's fd is writable: writes what its queue holds. */
void wl_send_flush(struct wl_dev *dev, struct wl_vfd *vfd);
/* Frees @vfd's queue and stops watching its fd for writing. */
void wl_send_drop_queue(struct wl_dev *dev, struct wl_vfd *vfd);
/*
 * Keeps @chain, unanswered, until @target has room or the timeout; false
 * when it cannot (no memory, WL_QUEUE_SIZE chains held already).
 */
bool wl_held_add(struct wl_dev *dev, const struct wl_chain *chain, uint32_t target,
		 int64_t deadline_ms);
/* Runs held chains whose target has room now (in order per target). */
void wl_held_retry(struct wl_dev *dev);
/* Answers ERR to held chains past their deadline, ends stuck drains. */
void wl_timer_expire(struct wl_dev *dev);
/* Sets the timer to the earliest deadline, or stops it. */
void wl_timer_update(struct wl_dev *dev);
/* Gives every held chain back to the VMM unanswered (reset, destroy). */
void wl_held_release_all(struct wl_dev *dev);

/*
 * wl_dev.c: runs one out-queue chain and pushes its answer; false when
 * it must wait (dev->hold_target names the vfd it waits for).
 */
bool wl_dev_run_chain(struct wl_dev *dev, const struct wl_chain *chain, bool retry);

#endif /* VIRTWL_WL_INTERNAL_H */
