// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio_wl: the in queue.  The device writes one message per buffer:
 * VFD_NEW (a host vfd appears), VFD_RECV (data and vfds for a context or
 * pipe) or VFD_HUP.  Every message is checked before use; a malformed one
 * is dropped with a rate-limited warning and counted in
 * /sys/class/misc/wlN/dropped_messages.
 *
 * A RECV's payload is copied out of the buffer into the target vfd's own
 * queue and the buffer goes straight back to the device, so a context
 * nobody reads cannot hold the buffers other contexts need.  Each vfd's
 * queue is bounded (queue_kib data bytes, WL_VFD_QUEUE_VFDS vfds); a
 * message that would go past the bound is dropped, its vfds are closed,
 * and the vfd is marked overrun: its reader gets what was queued before,
 * then ENOBUFS, and poll reports EPOLLERR.
 */
#include <linux/poll.h>
#include <linux/slab.h>

#include "wl.h"

/* Host vfds that may wait on one vfd's queue. */
#define WL_VFD_QUEUE_VFDS 1024

static void wl_drop(struct wl_dev *dev, const char *why, u32 a, u32 b)
{
	atomic_long_inc(&dev->nr_dropped);
	wl_warn(dev, "dropped a device message: %s (%#x, %#x)\n", why, a, b);
}

static void wl_in_new(struct wl_dev *dev, const void *buf, u32 len)
{
	const struct virtio_wl_ctrl_vfd_new *msg = buf;
	enum wl_vfd_kind kind;
	struct wl_vfd *vfd;
	u32 id, flags, size;
	u64 pfn;
	int ret;

	/* crosvm writes the 32-byte form: everything up to and with size. */
	if (len < offsetofend(struct virtio_wl_ctrl_vfd_new, size)) {
		wl_drop(dev, "short VFD_NEW", len, 0);
		return;
	}
	id = le32_to_cpu(msg->vfd_id);
	flags = le32_to_cpu(msg->flags);
	pfn = le64_to_cpu(msg->pfn);
	size = le32_to_cpu(msg->size);

	if (!(id & VIRTIO_WL_VFD_HOST_ID_BIT) ||
	    (id & VIRTIO_WL_VFD_ILLEGAL_ID_BIT)) {
		wl_drop(dev, "VFD_NEW with a guest id", id, 0);
		return;
	}

	if (dev->trans_flags) {
		if (flags & ~(VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_READ |
			      VIRTIO_WL_VFD_FENCE)) {
			wl_drop(dev, "VFD_NEW with unknown flags", id, flags);
			return;
		}
		if (flags & VIRTIO_WL_VFD_FENCE)
			kind = WL_VFD_FENCE;
		else if ((flags & (VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_READ)) ==
			 (VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_READ))
			kind = WL_VFD_PIPE_RW;
		else if (flags & VIRTIO_WL_VFD_WRITE)
			kind = WL_VFD_PIPE_WRITE;
		else if (flags & VIRTIO_WL_VFD_READ)
			kind = WL_VFD_PIPE_READ;
		else
			kind = WL_VFD_MEM;
	} else {
		if (flags & VIRTIO_WL_VFD_MAP)
			kind = WL_VFD_MEM;
		else if (flags & VIRTIO_WL_VFD_CONTROL)
			kind = WL_VFD_PIPE_RW;
		else {
			wl_drop(dev, "VFD_NEW with unknown flags", id, flags);
			return;
		}
	}

	vfd = wl_vfd_create(dev, kind);
	if (!vfd) {
		wl_drop(dev, "no memory for VFD_NEW", id, 0);
		return;
	}
	vfd->id = id;
	vfd->flags = flags;
	if (kind == WL_VFD_MEM) {
		ret = wl_vfd_set_mapping(vfd, pfn, size);
		if (ret) {
			wl_drop(dev, "VFD_NEW with a bad pfn/size", id, size);
			wl_vfd_put(vfd);
			return;
		}
	}

	if (atomic_inc_return(&dev->host_undelivered) > WL_HOST_UNDELIVERED_MAX) {
		atomic_dec(&dev->host_undelivered);
		wl_drop(dev, "too many undelivered host vfds", id, 0);
		wl_vfd_put(vfd);
		return;
	}
	vfd->host = true;	/* counted in host_undelivered from here */
	mutex_lock(&dev->lock);
	ret = idr_alloc(&dev->vfds, vfd, id, id + 1, GFP_KERNEL);
	mutex_unlock(&dev->lock);
	if (ret < 0) {
		wl_drop(dev, "VFD_NEW with an id in use", id, 0);
		wl_vfd_put(vfd);
	}
}

/* Claims the unclaimed host vfd 'id' for a queue entry, with a reference. */
static struct wl_vfd *wl_claim(struct wl_dev *dev, u32 id)
{
	struct wl_vfd *vfd;

	mutex_lock(&dev->lock);
	vfd = idr_find(&dev->vfds, id);
	if (vfd && vfd->host && !vfd->claimed && !vfd->has_file) {
		vfd->claimed = true;
		wl_vfd_get(vfd);
	} else {
		vfd = NULL;
	}
	mutex_unlock(&dev->lock);
	return vfd;
}

static void wl_in_recv(struct wl_dev *dev, const void *buf, u32 len)
{
	const struct virtio_wl_ctrl_vfd_recv *msg = buf;
	const __le32 *ids = buf + sizeof(*msg);
	struct wl_vfd *target, *vfds[VIRTWL_SEND_MAX_ALLOCS];
	struct wl_qentry *e;
	u32 id, count, data_len, nvfds = 0, i;
	size_t limit;
	bool over, ok;

	if (len < sizeof(*msg)) {
		wl_drop(dev, "short VFD_RECV", len, 0);
		return;
	}
	id = le32_to_cpu(msg->vfd_id);
	count = le32_to_cpu(msg->vfd_count);
	if (count > VIRTWL_SEND_MAX_ALLOCS ||
	    sizeof(*msg) + count * sizeof(__le32) > len) {
		wl_drop(dev, "VFD_RECV with a bad vfd_count", id, count);
		return;
	}
	data_len = len - sizeof(*msg) - count * sizeof(__le32);

	for (i = 0; i < count; i++) {
		u32 vid = le32_to_cpu(ids[i]);

		vfds[nvfds] = wl_claim(dev, vid);
		if (vfds[nvfds])
			nvfds++;
		else
			wl_drop(dev, "VFD_RECV names an unknown vfd", id, vid);
	}

	target = wl_vfd_lookup(dev, id);
	if (!target) {
		/* Normal for data that crossed a VFD_CLOSE. */
		dev_dbg(&dev->vdev->dev, "recv for vfd %#x dropped\n", id);
		goto err_drop;
	}
	/*
	 * A host vfd gets data only once it was passed to the guest in a
	 * RECV: this keeps what undelivered vfds hold in a tree rooted at
	 * vfds user space has.
	 */
	mutex_lock(&dev->lock);
	ok = wl_can_read(target) &&
	     (!target->host || target->claimed || target->has_file);
	mutex_unlock(&dev->lock);
	if (!ok) {
		wl_drop(dev, "VFD_RECV for a vfd that cannot receive", id, 0);
		goto err_drop;
	}
	if (!nvfds && !data_len)
		goto err_drop;

	e = kmalloc(struct_size(e, data, data_len), GFP_KERNEL);
	if (!e) {
		wl_drop(dev, "no memory for VFD_RECV", id, data_len);
		goto err_drop;
	}
	INIT_LIST_HEAD(&e->link);
	e->len = data_len;
	e->off = 0;
	e->nvfds = nvfds;
	memcpy(e->vfds, vfds, nvfds * sizeof(vfds[0]));
	memcpy(e->data, buf + len - data_len, data_len);

	limit = (size_t)READ_ONCE(wl_queue_kib) * 1024;
	spin_lock(&target->qlock);
	/* Each entry is charged its bookkeeping as well as its data. */
	over = target->overrun ||
	       target->queued + data_len +
	       (target->queued_entries + 1) * sizeof(*e) > limit ||
	       target->queued_vfds + nvfds > WL_VFD_QUEUE_VFDS;
	if (!target->closed && !over) {
		list_add_tail(&e->link, &target->queue);
		target->queued += data_len;
		target->queued_vfds += nvfds;
		target->queued_entries++;
		atomic_long_add(data_len, &dev->nr_queued);
		e = NULL;
	} else if (!target->closed && !target->overrun) {
		target->overrun = true;
		atomic_long_inc(&dev->nr_overruns);
		wl_warn(dev, "vfd %#x: receive queue full (%zu bytes), data dropped\n",
			id, target->queued);
	}
	spin_unlock(&target->qlock);
	wake_up_interruptible_poll(&target->wq, EPOLLIN | EPOLLRDNORM);
	wl_vfd_put(target);
	if (e)
		wl_qentry_free(e);
	return;

err_drop:
	for (i = 0; i < nvfds; i++) {
		wl_vfd_drop_unclaimed(vfds[i]);
		wl_vfd_put(vfds[i]);
	}
	if (target)
		wl_vfd_put(target);
}

static void wl_in_hup(struct wl_dev *dev, const void *buf, u32 len)
{
	const struct virtio_wl_ctrl_vfd *msg = buf;
	struct wl_vfd *vfd;
	u32 id;

	if (len < sizeof(*msg)) {
		wl_drop(dev, "short VFD_HUP", len, 0);
		return;
	}
	id = le32_to_cpu(msg->vfd_id);
	vfd = wl_vfd_lookup(dev, id);
	if (!vfd) {
		dev_dbg(&dev->vdev->dev, "hup for vfd %#x dropped\n", id);
		return;
	}
	spin_lock(&vfd->qlock);
	vfd->hup = true;
	spin_unlock(&vfd->qlock);
	wake_up_interruptible_poll(&vfd->wq, EPOLLHUP);
	wl_vfd_put(vfd);
}

void wl_in_dispatch(struct wl_dev *dev, const void *buf, u32 len)
{
	const struct virtio_wl_ctrl_hdr *hdr = buf;
	u32 type;

	if (len < sizeof(*hdr)) {
		wl_drop(dev, "short message", len, 0);
		return;
	}
	type = le32_to_cpu(hdr->type);
	switch (type) {
	case VIRTIO_WL_CMD_VFD_NEW:
		wl_in_new(dev, buf, len);
		break;
	case VIRTIO_WL_CMD_VFD_RECV:
		wl_in_recv(dev, buf, len);
		break;
	case VIRTIO_WL_CMD_VFD_HUP:
		wl_in_hup(dev, buf, len);
		break;
	default:
		wl_drop(dev, "unknown message type", type, len);
		break;
	}
}

/* Messages handled per run before the worker yields to others. */
#define WL_IN_BATCH 64

/* Handles up to max messages the device returned; in_mutex held. */
static unsigned int wl_in_process(struct wl_dev *dev, unsigned int max)
{
	struct virtqueue *vq = dev->in_vq;
	struct scatterlist sg;
	unsigned int len, done = 0;
	void *buf;

	while (done < max && (buf = virtqueue_get_buf(vq, &len))) {
		/* The device reports how much it wrote: clamp it. */
		wl_in_dispatch(dev, buf, min_t(u32, len, WL_IN_BUF_SIZE));
		sg_init_one(&sg, buf, WL_IN_BUF_SIZE);
		if (virtqueue_add_inbuf(vq, &sg, 1, buf, GFP_KERNEL)) {
			kfree(buf);
			dev->in_nbufs--;
		}
		done++;
	}
	return done;
}

void wl_in_work(struct work_struct *work)
{
	struct wl_dev *dev = container_of(work, struct wl_dev, in_work);
	struct virtqueue *vq = dev->in_vq;
	unsigned int done = 0;
	bool again;

	mutex_lock(&dev->in_mutex);
	if (READ_ONCE(dev->dead))
		goto out;
	do {
		virtqueue_disable_cb(vq);
		done += wl_in_process(dev, WL_IN_BATCH - done);
		again = done < WL_IN_BATCH && !virtqueue_enable_cb(vq);
	} while (again);
	if (done)
		virtqueue_kick(vq);
	if (done >= WL_IN_BATCH)
		schedule_work(&dev->in_work);
out:
	mutex_unlock(&dev->in_mutex);
}

/*
 * Handles every message the device has already returned.  The device
 * returns in-queue messages in the order it produces them, so once it
 * answered a VFD_CLOSE, everything it sent for that vfd before is here:
 * handling it before the id is freed keeps it from reaching a new vfd
 * that gets the same id.
 */
void wl_in_sync(struct wl_dev *dev)
{
	unsigned int done = 0, n;

	mutex_lock(&dev->in_mutex);
	if (!READ_ONCE(dev->dead)) {
		while ((n = wl_in_process(dev, WL_IN_BATCH)))
			done += n;
		if (done)
			virtqueue_kick(dev->in_vq);
	}
	mutex_unlock(&dev->in_mutex);
}
