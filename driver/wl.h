/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio_wl: internal declarations shared by the driver's files.
 *
 * wl_main.c	module, probe/remove, the out queue (commands and replies)
 * wl_in.c	the in queue: checking and dispatching device messages
 * wl_vfd.c	vfd objects, their files, /dev/wlN and its ioctls
 *
 * Object lifetimes: struct wl_dev is refcounted; the virtio device holds
 * one reference until remove, every open /dev/wlN file and every vfd one
 * more.  struct wl_vfd is refcounted; the id table holds one reference
 * while the id is live, its file one, and anyone who looked it up under
 * dev->lock holds one while using it.
 */
#ifndef VIRTIO_WL_INTERNAL_H
#define VIRTIO_WL_INTERNAL_H

#include <linux/completion.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/virtio_wl.h>
#include <linux/virtwl.h>

/*
 * Limits, all in one place.  Everything the device sends is checked
 * against these before it is used.
 */
/* Size of each in-queue buffer: one device message fits in one buffer. */
#define WL_IN_BUF_SIZE		VIRTWL_IN_BUFFER_SIZE
/* In-queue buffers posted at once (fewer if the ring is smaller). */
#define WL_IN_BUF_MAX		128
/* Data bytes per VFD_SEND: a larger write is split into several sends. */
#define WL_SEND_CHUNK		(64 * 1024)
/*
 * Host vfds announced by VFD_NEW that user space has not received yet
 * (unclaimed, or queued on some vfd): a device cannot make the guest hold
 * more than this.
 */
#define WL_HOST_UNDELIVERED_MAX	1024
/* Default bound on the bytes queued on one vfd (module parameter). */
#define WL_QUEUE_DEFAULT_KIB	4096

/* What a vfd is; decides which file operations make sense on it. */
enum wl_vfd_kind {
	WL_VFD_CTX,		/* a connection: send/recv data and vfds */
	WL_VFD_PIPE_READ,	/* the guest reads */
	WL_VFD_PIPE_WRITE,	/* the guest writes */
	WL_VFD_PIPE_RW,		/* a host pipe/socket open both ways */
	WL_VFD_MEM,		/* shared memory or a dma-buf: mmap only */
	WL_VFD_FENCE,		/* a host fence: only ever hangs up */
};

/*
 * One device->driver VFD_RECV, copied out of its in-buffer.  vfds[] holds
 * the host vfds it announced, each with a reference; they are handed to
 * user space with the first RECV that reaches this entry.
 */
struct wl_qentry {
	struct list_head link;
	u32 nvfds;		/* 0 once the vfds were taken or dropped */
	u32 len;		/* data bytes */
	u32 off;		/* data bytes already consumed */
	struct wl_vfd *vfds[VIRTWL_SEND_MAX_ALLOCS];
	u8 data[];
};

struct wl_vfd {
	struct kref ref;
	struct wl_dev *dev;
	u32 id;
	u32 flags;		/* device vfd flags, as last reported */
	enum wl_vfd_kind kind;
	bool host;		/* created by the device (VFD_NEW) */
	bool claimed;		/* a host vfd referenced by a queued RECV */
	bool has_file;		/* its file was handed to user space */
	bool closed;		/* VFD_CLOSE was sent */
	bool dmabuf;

	/* Mapping: physical base and page-aligned length; 0 = none. */
	phys_addr_t phys;
	u64 map_len;
	u32 size;

	/* Received data, appended by the in-queue worker. */
	spinlock_t qlock;
	struct list_head queue;	/* of struct wl_qentry */
	size_t queued;		/* data bytes in queue */
	unsigned int queued_entries;
	unsigned int queued_vfds;
	bool hup;		/* VFD_HUP seen */
	bool overrun;		/* data was dropped: the bound was reached */
	wait_queue_head_t wq;

	/* Serialises readers, and writers (sends are split into chunks). */
	struct mutex recv_mutex;
	struct mutex send_mutex;
};

/* One command on the out queue and its reply. */
struct wl_cmd {
	struct list_head link;		/* on dev->reap_list once abandoned */
	struct completion done;
	void *req;			/* kvmalloc'ed request */
	size_t req_len;
	u32 resp_len;			/* bytes the device wrote */
	int status;			/* 0, or -ENODEV if the device went away */
	bool abandoned;			/* nobody waits: free on completion */
	struct wl_vfd *new_vfd;		/* a VFD_NEW* whose waiter gave up */
	union {
		struct virtio_wl_ctrl_hdr hdr;
		struct virtio_wl_ctrl_vfd_new new;
	} resp;
};

struct wl_dev {
	struct kref ref;
	struct virtio_device *vdev;
	struct miscdevice misc;
	char name[16];
	int index;

	bool use_shmem;		/* pfns are offsets in shm region 0 */
	bool trans_flags;
	bool have_region;
	struct virtio_shm_region region;

	/* The id table: guest ids 1..VIRTWL_MAX_ALLOC-1 and host ids. */
	struct mutex lock;
	struct idr vfds;
	atomic_t host_undelivered;	/* see WL_HOST_UNDELIVERED_MAX */

	/* in queue: probe, then only under in_mutex */
	struct mutex in_mutex;
	struct virtqueue *in_vq;
	void *in_bufs[WL_IN_BUF_MAX];
	unsigned int in_nbufs;
	struct work_struct in_work;

	/* out queue */
	struct virtqueue *out_vq;
	spinlock_t out_lock;
	wait_queue_head_t out_wq;	/* waiting for a free descriptor */
	bool out_full;
	bool dead;			/* removed or reset: nothing more */
	struct list_head reap_list;	/* abandoned, completed commands */
	struct work_struct reap_work;

	struct dentry *debugfs;		/* only with the inject parameter */

	/* Counters, shown in sysfs for leak checks and diagnosis. */
	atomic_t nr_vfds;
	atomic_t nr_cmds;
	atomic_long_t nr_queued;
	atomic_long_t nr_dropped;	/* malformed device messages */
	atomic_long_t nr_overruns;
};

extern unsigned int wl_queue_kib;
extern const struct file_operations wl_dev_fops;

/* wl_main.c */
void wl_dev_get(struct wl_dev *dev);
void wl_dev_put(struct wl_dev *dev);
struct wl_cmd *wl_cmd_alloc(size_t req_len, gfp_t gfp);
void wl_cmd_free(struct wl_cmd *cmd);
int wl_cmd_run(struct wl_dev *dev, struct wl_cmd *cmd, bool nonblock);
int wl_cmd_queue_nowait(struct wl_dev *dev, struct wl_cmd *cmd);
int wl_resp_errno(u32 type);
bool wl_out_writable(struct wl_dev *dev);

/* wl_in.c */
void wl_in_work(struct work_struct *work);
void wl_in_sync(struct wl_dev *dev);
void wl_in_dispatch(struct wl_dev *dev, const void *buf, u32 len);

/* wl_vfd.c */
struct wl_vfd *wl_vfd_create(struct wl_dev *dev, enum wl_vfd_kind kind);
void wl_vfd_get(struct wl_vfd *vfd);
void wl_vfd_put(struct wl_vfd *vfd);
struct wl_vfd *wl_vfd_lookup(struct wl_dev *dev, u32 id);
void wl_vfd_close_async(struct wl_vfd *vfd);
void wl_vfd_drop_unclaimed(struct wl_vfd *vfd);
int wl_vfd_set_mapping(struct wl_vfd *vfd, u64 pfn, u32 size);
void wl_qentry_free(struct wl_qentry *e);
void wl_vfd_drain(struct wl_vfd *vfd);

static inline bool wl_can_read(const struct wl_vfd *vfd)
{
	return vfd->kind == WL_VFD_CTX || vfd->kind == WL_VFD_PIPE_READ ||
	       vfd->kind == WL_VFD_PIPE_RW;
}

static inline bool wl_can_write(const struct wl_vfd *vfd)
{
	return vfd->kind == WL_VFD_CTX || vfd->kind == WL_VFD_PIPE_WRITE ||
	       vfd->kind == WL_VFD_PIPE_RW;
}

#define wl_warn(wldev, fmt, ...) \
	dev_warn_ratelimited(&(wldev)->vdev->dev, fmt, ##__VA_ARGS__)

#endif /* VIRTIO_WL_INTERNAL_H */
