// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio_wl: guest driver for virtio device 63 ("virtio-wl"), which lets a
 * guest open connections to host Wayland compositors, share host memory
 * and pipes with them, and pass them to the host as file descriptors.
 *
 * This file: the module, probe/remove, and the out queue on which every
 * command goes to the device and waits for its reply.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/virtio_ids.h>

#include "wl.h"

#ifndef VIRTIO_ID_WL
#define VIRTIO_ID_WL 63
#endif

static bool use_shmem = true;
module_param(use_shmem, bool, 0444);
MODULE_PARM_DESC(use_shmem,
		 "Accept VIRTIO_WL_F_USE_SHMEM (pfns relative to shared-memory region 0) when offered (default: Y)");

unsigned int wl_queue_kib = WL_QUEUE_DEFAULT_KIB;
module_param_named(queue_kib, wl_queue_kib, uint, 0644);
MODULE_PARM_DESC(queue_kib,
		 "Bound on received bytes queued on one vfd, in KiB; beyond it data is dropped and reads fail with ENOBUFS (default: 4096)");

static bool inject;
module_param(inject, bool, 0444);
MODULE_PARM_DESC(inject,
		 "Testing only: /sys/kernel/debug/virtio_wl/wlN/inject takes raw device messages, handled as if the device sent them (default: N)");

static DEFINE_IDA(wl_ida);
static struct dentry *wl_debugfs_root;

/* Wire structs and uapi structs: sizes fixed by the protocol. */
static_assert(sizeof(struct virtio_wl_ctrl_hdr) == 8);
static_assert(sizeof(struct virtio_wl_ctrl_vfd) == 12);
static_assert(sizeof(struct virtio_wl_ctrl_vfd_new) == 64);
static_assert(sizeof(struct virtio_wl_ctrl_vfd_send) == 16);
static_assert(sizeof(struct virtio_wl_ctrl_vfd_recv) == 16);
static_assert(sizeof(struct virtio_wl_ctrl_vfd_dmabuf_sync) == 16);
static_assert(sizeof(struct virtwl_ioctl_new) == 48);
static_assert(sizeof(struct virtwl_ioctl_txn) == 116);
/* The protocol counts 4 KiB pages; this driver maps in PAGE_SIZE units. */
static_assert(PAGE_SIZE == 1 << VIRTWL_PFN_SHIFT);

static void wl_dev_release(struct kref *ref)
{
	struct wl_dev *dev = container_of(ref, struct wl_dev, ref);

	idr_destroy(&dev->vfds);
	put_device(&dev->vdev->dev);
	kfree(dev);
}

void wl_dev_get(struct wl_dev *dev)
{
	kref_get(&dev->ref);
}

void wl_dev_put(struct wl_dev *dev)
{
	kref_put(&dev->ref, wl_dev_release);
}

int wl_resp_errno(u32 type)
{
	switch (type) {
	case VIRTIO_WL_RESP_OK:
	case VIRTIO_WL_RESP_VFD_NEW:
	case VIRTIO_WL_RESP_VFD_NEW_DMABUF:
		return 0;
	case VIRTIO_WL_RESP_ERR:
		return -ENODEV;
	case VIRTIO_WL_RESP_OUT_OF_MEMORY:
		return -ENOMEM;
	case VIRTIO_WL_RESP_INVALID_ID:
		return -ENOENT;
	case VIRTIO_WL_RESP_INVALID_TYPE:
		return -EINVAL;
	case VIRTIO_WL_RESP_INVALID_FLAGS:
		return -EPERM;
	case VIRTIO_WL_RESP_INVALID_CMD:
		return -ENOTTY;
	default:
		return -EPROTO;
	}
}

struct wl_cmd *wl_cmd_alloc(size_t req_len, gfp_t gfp)
{
	struct wl_cmd *cmd;

	cmd = kzalloc(sizeof(*cmd), gfp);
	if (!cmd)
		return NULL;
	cmd->req = kvzalloc(req_len, gfp);
	if (!cmd->req) {
		kfree(cmd);
		return NULL;
	}
	cmd->req_len = req_len;
	init_completion(&cmd->done);
	INIT_LIST_HEAD(&cmd->link);
	return cmd;
}

void wl_cmd_free(struct wl_cmd *cmd)
{
	if (!cmd)
		return;
	kvfree(cmd->req);
	kfree(cmd);
}

/* Called with out_lock held: the device is done with cmd (or gone). */
static bool wl_cmd_finish_locked(struct wl_dev *dev, struct wl_cmd *cmd,
				 unsigned int len, int status)
{
	cmd->resp_len = min_t(unsigned int, len, sizeof(cmd->resp));
	cmd->status = status;
	atomic_dec(&dev->nr_cmds);
	if (cmd->abandoned) {
		list_add_tail(&cmd->link, &dev->reap_list);
		return true;
	}
	complete(&cmd->done);
	return false;
}

static void wl_out_done(struct virtqueue *vq)
{
	struct wl_dev *dev = vq->vdev->priv;
	struct wl_cmd *cmd;
	unsigned int len;
	unsigned long irqflags;
	bool reap = false;

	spin_lock_irqsave(&dev->out_lock, irqflags);
	do {
		virtqueue_disable_cb(vq);
		while ((cmd = virtqueue_get_buf(vq, &len)))
			reap |= wl_cmd_finish_locked(dev, cmd, len, 0);
	} while (!virtqueue_enable_cb(vq) && !dev->dead);
	dev->out_full = false;
	spin_unlock_irqrestore(&dev->out_lock, irqflags);
	wake_up_all(&dev->out_wq);
	if (reap)
		schedule_work(&dev->reap_work);
}

/* Largest scatter list one request needs: a vmalloc'ed send chunk. */
#define WL_OUT_SG_MAX (WL_SEND_CHUNK / PAGE_SIZE + 4)

/* Describes a request buffer, page by page when it was vmalloc'ed. */
static int wl_sg_fill(struct scatterlist *sg, void *buf, size_t len)
{
	unsigned int n = 0;

	if (!is_vmalloc_addr(buf)) {
		sg_set_buf(&sg[0], buf, len);
		return 1;
	}
	while (len) {
		size_t part = min_t(size_t, len, PAGE_SIZE - offset_in_page(buf));

		if (n == WL_OUT_SG_MAX)
			return -E2BIG;
		sg_set_page(&sg[n++], vmalloc_to_page(buf), part,
			    offset_in_page(buf));
		buf += part;
		len -= part;
	}
	return n;
}

/* Returns -ENOSPC when the ring is full and the caller should wait. */
static int wl_cmd_try_add(struct wl_dev *dev, struct wl_cmd *cmd)
{
	struct scatterlist out_sg[WL_OUT_SG_MAX], in_sg;
	struct scatterlist *sgs[2] = { out_sg, &in_sg };
	unsigned long irqflags;
	bool notify;
	int n, ret;

	sg_init_table(out_sg, WL_OUT_SG_MAX);
	n = wl_sg_fill(out_sg, cmd->req, cmd->req_len);
	if (n < 0)
		return n;
	sg_mark_end(&out_sg[n - 1]);
	sg_init_one(&in_sg, &cmd->resp, sizeof(cmd->resp));

	spin_lock_irqsave(&dev->out_lock, irqflags);
	if (dev->dead) {
		spin_unlock_irqrestore(&dev->out_lock, irqflags);
		return -ENODEV;
	}
	ret = virtqueue_add_sgs(dev->out_vq, sgs, 1, 1, cmd, GFP_ATOMIC);
	if (ret == -ENOSPC || ret == -ENOMEM) {
		dev->out_full = true;
		spin_unlock_irqrestore(&dev->out_lock, irqflags);
		return -ENOSPC;
	}
	if (ret) {
		spin_unlock_irqrestore(&dev->out_lock, irqflags);
		return ret;
	}
	atomic_inc(&dev->nr_cmds);
	notify = virtqueue_kick_prepare(dev->out_vq);
	spin_unlock_irqrestore(&dev->out_lock, irqflags);
	if (notify)
		virtqueue_notify(dev->out_vq);
	return 0;
}

static int wl_cmd_submit(struct wl_dev *dev, struct wl_cmd *cmd, bool nonblock)
{
	int ret;

	ret = wl_cmd_try_add(dev, cmd);
	if (ret != -ENOSPC)
		return ret;
	if (nonblock)
		return -EAGAIN;
	if (wait_event_interruptible(dev->out_wq,
				     (ret = wl_cmd_try_add(dev, cmd)) != -ENOSPC))
		return -ERESTARTSYS;
	return ret;
}

/*
 * Sends cmd and waits for the reply.  Returns 0 once the device answered
 * (the reply code is for the caller to read), or a negative errno.  Only a
 * fatal signal ends the wait early: the command then belongs to the reaper
 * and the caller must not touch it (*cmdp is set to NULL).
 */
int wl_cmd_run(struct wl_dev *dev, struct wl_cmd *cmd, bool nonblock)
{
	unsigned long irqflags;
	int ret;

	ret = wl_cmd_submit(dev, cmd, nonblock);
	if (ret)
		return ret;
	if (wait_for_completion_killable(&cmd->done)) {
		spin_lock_irqsave(&dev->out_lock, irqflags);
		if (!completion_done(&cmd->done)) {
			cmd->abandoned = true;
			spin_unlock_irqrestore(&dev->out_lock, irqflags);
			return -EINPROGRESS;
		}
		spin_unlock_irqrestore(&dev->out_lock, irqflags);
	}
	if (cmd->status)
		return cmd->status;
	if (cmd->resp_len < sizeof(u32))
		return -EPROTO;
	return 0;
}

/* Sends cmd without waiting; the reaper frees it once answered. */
int wl_cmd_queue_nowait(struct wl_dev *dev, struct wl_cmd *cmd)
{
	int ret;

	cmd->abandoned = true;
	ret = wl_cmd_submit(dev, cmd, false);
	if (ret)
		wl_cmd_free(cmd);
	return ret;
}

bool wl_out_writable(struct wl_dev *dev)
{
	return !READ_ONCE(dev->out_full) && !READ_ONCE(dev->dead);
}

static void wl_reap_work(struct work_struct *work)
{
	struct wl_dev *dev = container_of(work, struct wl_dev, reap_work);
	struct wl_cmd *cmd, *tmp;
	LIST_HEAD(list);

	spin_lock_irq(&dev->out_lock);
	list_splice_init(&dev->reap_list, &list);
	spin_unlock_irq(&dev->out_lock);

	list_for_each_entry_safe(cmd, tmp, &list, link) {
		struct wl_vfd *vfd = cmd->new_vfd;

		list_del(&cmd->link);
		if (vfd) {
			/*
			 * A creation whose caller was killed: if the device
			 * made the vfd, close it there too, then free the id.
			 */
			u32 type = le32_to_cpu(cmd->resp.hdr.type);

			if (!cmd->status && cmd->resp_len >= sizeof(u32) &&
			    (type == VIRTIO_WL_RESP_VFD_NEW ||
			     type == VIRTIO_WL_RESP_VFD_NEW_DMABUF))
				wl_vfd_close_async(vfd);
			mutex_lock(&dev->lock);
			idr_remove(&dev->vfds, vfd->id);
			mutex_unlock(&dev->lock);
			wl_vfd_put(vfd);
		}
		wl_cmd_free(cmd);
	}
}

static void wl_in_done(struct virtqueue *vq)
{
	struct wl_dev *dev = vq->vdev->priv;

	schedule_work(&dev->in_work);
}

static int wl_in_fill(struct wl_dev *dev)
{
	unsigned int i, n = virtqueue_get_vring_size(dev->in_vq);
	struct scatterlist sg;
	void *buf;
	int ret;

	n = min_t(unsigned int, n, WL_IN_BUF_MAX);
	for (i = 0; i < n; i++) {
		buf = kmalloc(WL_IN_BUF_SIZE, GFP_KERNEL);
		if (!buf)
			break;
		sg_init_one(&sg, buf, WL_IN_BUF_SIZE);
		ret = virtqueue_add_inbuf(dev->in_vq, &sg, 1, buf, GFP_KERNEL);
		if (ret) {
			kfree(buf);
			break;
		}
	}
	dev->in_nbufs = i;
	return i ? 0 : -ENOMEM;
}

static int wl_find_vqs(struct wl_dev *dev)
{
	struct virtqueue *vqs[VIRTWL_QUEUE_COUNT];
	int ret;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	struct virtqueue_info info[VIRTWL_QUEUE_COUNT] = {
		[VIRTWL_VQ_IN] = { "in", wl_in_done },
		[VIRTWL_VQ_OUT] = { "out", wl_out_done },
	};

	ret = virtio_find_vqs(dev->vdev, VIRTWL_QUEUE_COUNT, vqs, info, NULL);
#else
	vq_callback_t *callbacks[VIRTWL_QUEUE_COUNT] = {
		[VIRTWL_VQ_IN] = wl_in_done,
		[VIRTWL_VQ_OUT] = wl_out_done,
	};
	static const char * const names[VIRTWL_QUEUE_COUNT] = {
		[VIRTWL_VQ_IN] = "in",
		[VIRTWL_VQ_OUT] = "out",
	};

	ret = virtio_find_vqs(dev->vdev, VIRTWL_QUEUE_COUNT, vqs, callbacks,
			      names, NULL);
#endif
	if (ret)
		return ret;
	dev->in_vq = vqs[VIRTWL_VQ_IN];
	dev->out_vq = vqs[VIRTWL_VQ_OUT];
	return 0;
}

/* sysfs counters on /sys/class/misc/wlN/ */
#define WL_ATTR(_name, _expr)						\
static ssize_t _name##_show(struct device *d,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct miscdevice *misc = dev_get_drvdata(d);			\
	struct wl_dev *dev = container_of(misc, struct wl_dev, misc);	\
									\
	return sysfs_emit(buf, "%ld\n", (long)(_expr));			\
}									\
static DEVICE_ATTR_RO(_name)

WL_ATTR(vfds, atomic_read(&dev->nr_vfds));
WL_ATTR(cmds_in_flight, atomic_read(&dev->nr_cmds));
WL_ATTR(queued_bytes, atomic_long_read(&dev->nr_queued));
WL_ATTR(dropped_messages, atomic_long_read(&dev->nr_dropped));
WL_ATTR(overruns, atomic_long_read(&dev->nr_overruns));
WL_ATTR(in_buffers, dev->in_nbufs);
WL_ATTR(use_shmem, dev->use_shmem);
WL_ATTR(undelivered_host_vfds, atomic_read(&dev->host_undelivered));

static struct attribute *wl_attrs[] = {
	&dev_attr_vfds.attr,
	&dev_attr_cmds_in_flight.attr,
	&dev_attr_queued_bytes.attr,
	&dev_attr_dropped_messages.attr,
	&dev_attr_overruns.attr,
	&dev_attr_in_buffers.attr,
	&dev_attr_use_shmem.attr,
	&dev_attr_undelivered_host_vfds.attr,
	NULL,
};
ATTRIBUTE_GROUPS(wl);

/*
 * Testing only: a write is one device message, dispatched exactly as one
 * from the in queue, so tests can check that malformed or hostile
 * messages are refused without a device that sends them.
 */
static ssize_t wl_inject_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct wl_dev *dev = file->private_data;
	void *buf;

	if (count > WL_IN_BUF_SIZE)
		return -EMSGSIZE;
	if (READ_ONCE(dev->dead))
		return -ENODEV;
	buf = kmalloc(WL_IN_BUF_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, ubuf, count)) {
		kfree(buf);
		return -EFAULT;
	}
	wl_in_dispatch(dev, buf, count);
	kfree(buf);
	return count;
}

static const struct file_operations wl_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = wl_inject_write,
	.llseek = noop_llseek,
};

static void wl_debugfs_add(struct wl_dev *dev)
{
	if (!inject || !wl_debugfs_root)
		return;
	dev->debugfs = debugfs_create_dir(dev->name, wl_debugfs_root);
	debugfs_create_file("inject", 0200, dev->debugfs, dev, &wl_inject_fops);
}

static int wl_validate(struct virtio_device *vdev)
{
	struct virtio_shm_region region;

	/*
	 * Offsets into region 0 only make sense when the region exists; a
	 * device that offers the feature without one gets absolute pfns.
	 */
	if (!use_shmem ||
	    !virtio_get_shm_region(vdev, &region, VIRTIO_WL_SHMEM_ID) ||
	    !region.len)
		__virtio_clear_bit(vdev, VIRTIO_WL_F_USE_SHMEM);
	return 0;
}

static int wl_probe(struct virtio_device *vdev)
{
	struct wl_dev *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	kref_init(&dev->ref);
	get_device(&vdev->dev);
	dev->vdev = vdev;
	vdev->priv = dev;
	mutex_init(&dev->lock);
	mutex_init(&dev->in_mutex);
	idr_init(&dev->vfds);
	spin_lock_init(&dev->out_lock);
	init_waitqueue_head(&dev->out_wq);
	INIT_LIST_HEAD(&dev->reap_list);
	INIT_WORK(&dev->in_work, wl_in_work);
	INIT_WORK(&dev->reap_work, wl_reap_work);

	dev->use_shmem = virtio_has_feature(vdev, VIRTIO_WL_F_USE_SHMEM);
	dev->trans_flags = virtio_has_feature(vdev, VIRTIO_WL_F_TRANS_FLAGS);
	dev->have_region = virtio_get_shm_region(vdev, &dev->region,
						 VIRTIO_WL_SHMEM_ID) &&
			   dev->region.len;

	ret = wl_find_vqs(dev);
	if (ret)
		goto err_vqs;

	ret = ida_alloc(&wl_ida, GFP_KERNEL);
	if (ret < 0)
		goto err_ida;
	dev->index = ret;
	snprintf(dev->name, sizeof(dev->name), "wl%d", dev->index);

	ret = wl_in_fill(dev);
	if (ret)
		goto err_fill;

	virtio_device_ready(vdev);
	virtqueue_kick(dev->in_vq);

	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.fops = &wl_dev_fops;
	dev->misc.parent = &vdev->dev;
	dev->misc.groups = wl_groups;
	dev->misc.mode = 0666;
	ret = misc_register(&dev->misc);
	if (ret)
		goto err_misc;

	wl_debugfs_add(dev);
	dev_info(&vdev->dev, "/dev/%s: %s pfns%s, %u in-buffers\n", dev->name,
		 dev->use_shmem ? "shm-region" : "absolute",
		 dev->trans_flags ? ", transition flags" : "", dev->in_nbufs);
	return 0;

err_misc:
	virtio_reset_device(vdev);
err_fill:
	{
		void *buf;

		while ((buf = virtqueue_detach_unused_buf(dev->in_vq)))
			kfree(buf);
	}
	ida_free(&wl_ida, dev->index);
err_ida:
	vdev->config->del_vqs(vdev);
err_vqs:
	wl_dev_put(dev);
	return ret;
}

/*
 * Host vfds user space never received would otherwise stay forever: only
 * the id table and the queues of other undelivered vfds refer to them.
 */
static void wl_free_undelivered(struct wl_dev *dev)
{
	struct wl_vfd *vfd, *found;
	int id;

	do {
		found = NULL;
		mutex_lock(&dev->lock);
		idr_for_each_entry(&dev->vfds, vfd, id) {
			if (vfd->host && !vfd->has_file) {
				idr_remove(&dev->vfds, id);
				found = vfd;
				break;
			}
		}
		mutex_unlock(&dev->lock);
		if (found) {
			wl_vfd_drain(found);
			wl_vfd_put(found);
		}
	} while (found);
}

static void wl_remove(struct virtio_device *vdev)
{
	struct wl_dev *dev = vdev->priv;
	struct wl_cmd *cmd;
	struct wl_vfd *vfd;
	void *buf;
	int id;

	debugfs_remove(dev->debugfs);
	misc_deregister(&dev->misc);

	spin_lock_irq(&dev->out_lock);
	dev->dead = true;
	spin_unlock_irq(&dev->out_lock);

	virtio_reset_device(vdev);
	cancel_work_sync(&dev->in_work);
	/* wl_in_sync checks dead under in_mutex: none is running now. */
	mutex_lock(&dev->in_mutex);
	mutex_unlock(&dev->in_mutex);

	spin_lock_irq(&dev->out_lock);
	while ((cmd = virtqueue_detach_unused_buf(dev->out_vq)))
		wl_cmd_finish_locked(dev, cmd, 0, -ENODEV);
	spin_unlock_irq(&dev->out_lock);
	while ((buf = virtqueue_detach_unused_buf(dev->in_vq)))
		kfree(buf);
	vdev->config->del_vqs(vdev);

	wake_up_all(&dev->out_wq);
	mutex_lock(&dev->lock);
	idr_for_each_entry(&dev->vfds, vfd, id)
		wake_up_all(&vfd->wq);
	mutex_unlock(&dev->lock);
	wl_free_undelivered(dev);
	flush_work(&dev->reap_work);
	schedule_work(&dev->reap_work);
	flush_work(&dev->reap_work);

	ida_free(&wl_ida, dev->index);
	wl_dev_put(dev);
}

static const unsigned int wl_features[] = {
	VIRTIO_WL_F_TRANS_FLAGS,
	VIRTIO_WL_F_SEND_FENCES,
	VIRTIO_WL_F_USE_SHMEM,
};

static const struct virtio_device_id wl_id_table[] = {
	{ VIRTIO_ID_WL, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, wl_id_table);

static struct virtio_driver wl_driver = {
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.id_table = wl_id_table,
	.feature_table = wl_features,
	.feature_table_size = ARRAY_SIZE(wl_features),
	.feature_table_legacy = wl_features,
	.feature_table_size_legacy = ARRAY_SIZE(wl_features),
	.validate = wl_validate,
	.probe = wl_probe,
	.remove = wl_remove,
};

static int __init wl_init(void)
{
	int ret;

	if (inject)
		wl_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = register_virtio_driver(&wl_driver);
	if (ret)
		debugfs_remove(wl_debugfs_root);
	return ret;
}

static void __exit wl_exit(void)
{
	unregister_virtio_driver(&wl_driver);
	debugfs_remove(wl_debugfs_root);
	ida_destroy(&wl_ida);
}

module_init(wl_init);
module_exit(wl_exit);

MODULE_DESCRIPTION("virtio_wl: Wayland connections, shared memory and pipes to the host");
MODULE_LICENSE("GPL");
