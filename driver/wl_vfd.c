// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio_wl: vfds and their files, and /dev/wlN.
 *
 * /dev/wlN only creates vfds (VIRTWL_IOCTL_NEW).  Each vfd that reaches
 * user space is one anonymous-inode file "[virtwl_vfd]"; closing its last
 * reference closes the vfd on the device.  The errno each operation gives
 * is listed in driver/README.md.
 */
#include <linux/anon_inodes.h>
#include <uapi/linux/dma-buf.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "wl.h"

/* The 16-byte VIRTWL_IOCTL_NEW of the first ABI: CTX, ALLOC, PIPE_*. */
#define WL_IOCTL_NEW_V1 _IOC(_IOC_READ | _IOC_WRITE, VIRTWL_IOCTL_BASE, 0x00, 16)

static const struct file_operations wl_vfd_fops;

struct wl_vfd *wl_vfd_create(struct wl_dev *dev, enum wl_vfd_kind kind)
{
	struct wl_vfd *vfd;

	vfd = kzalloc(sizeof(*vfd), GFP_KERNEL);
	if (!vfd)
		return NULL;
	kref_init(&vfd->ref);
	wl_dev_get(dev);
	vfd->dev = dev;
	vfd->kind = kind;
	spin_lock_init(&vfd->qlock);
	INIT_LIST_HEAD(&vfd->queue);
	init_waitqueue_head(&vfd->wq);
	mutex_init(&vfd->recv_mutex);
	mutex_init(&vfd->send_mutex);
	atomic_inc(&dev->nr_vfds);
	return vfd;
}

void wl_qentry_free(struct wl_qentry *e)
{
	u32 i;

	for (i = 0; i < e->nvfds; i++) {
		wl_vfd_drop_unclaimed(e->vfds[i]);
		wl_vfd_put(e->vfds[i]);
	}
	kfree(e);
}

/* Empties the receive queue, closing the host vfds queued on it. */
void wl_vfd_drain(struct wl_vfd *vfd)
{
	struct wl_qentry *e, *tmp;
	LIST_HEAD(list);
	size_t bytes;

	spin_lock(&vfd->qlock);
	list_splice_init(&vfd->queue, &list);
	bytes = vfd->queued;
	vfd->queued = 0;
	vfd->queued_entries = 0;
	vfd->queued_vfds = 0;
	spin_unlock(&vfd->qlock);
	atomic_long_sub(bytes, &vfd->dev->nr_queued);
	list_for_each_entry_safe(e, tmp, &list, link)
		wl_qentry_free(e);
}

static void wl_vfd_release_ref(struct kref *ref)
{
	struct wl_vfd *vfd = container_of(ref, struct wl_vfd, ref);
	struct wl_dev *dev = vfd->dev;

	wl_vfd_drain(vfd);
	if (vfd->host && !vfd->has_file)
		atomic_dec(&dev->host_undelivered);
	atomic_dec(&dev->nr_vfds);
	kfree(vfd);
	wl_dev_put(dev);
}

void wl_vfd_get(struct wl_vfd *vfd)
{
	kref_get(&vfd->ref);
}

void wl_vfd_put(struct wl_vfd *vfd)
{
	kref_put(&vfd->ref, wl_vfd_release_ref);
}

struct wl_vfd *wl_vfd_lookup(struct wl_dev *dev, u32 id)
{
	struct wl_vfd *vfd;

	if (id > INT_MAX)
		return NULL;
	mutex_lock(&dev->lock);
	vfd = idr_find(&dev->vfds, id);
	if (vfd)
		wl_vfd_get(vfd);
	mutex_unlock(&dev->lock);
	return vfd;
}

/* Removes vfd's id, if it still names vfd, and drops the table's ref. */
static void wl_vfd_unpublish(struct wl_vfd *vfd)
{
	struct wl_dev *dev = vfd->dev;
	bool was = false;

	mutex_lock(&dev->lock);
	if (idr_find(&dev->vfds, vfd->id) == vfd) {
		idr_remove(&dev->vfds, vfd->id);
		was = true;
	}
	mutex_unlock(&dev->lock);
	if (was)
		wl_vfd_put(vfd);
}

static struct wl_cmd *wl_close_cmd(struct wl_vfd *vfd)
{
	struct virtio_wl_ctrl_vfd *req;
	struct wl_cmd *cmd;

	cmd = wl_cmd_alloc(sizeof(*req), GFP_KERNEL);
	if (!cmd)
		return NULL;
	req = cmd->req;
	req->hdr.type = cpu_to_le32(VIRTIO_WL_CMD_VFD_CLOSE);
	req->vfd_id = cpu_to_le32(vfd->id);
	return cmd;
}

void wl_vfd_close_async(struct wl_vfd *vfd)
{
	struct wl_cmd *cmd;

	if (vfd->closed)
		return;
	vfd->closed = true;
	cmd = wl_close_cmd(vfd);
	if (cmd)
		wl_cmd_queue_nowait(vfd->dev, cmd);
}

/* Sends VFD_CLOSE and waits: the device's answer becomes close(2)'s. */
static int wl_vfd_close_sync(struct wl_vfd *vfd)
{
	struct wl_cmd *cmd;
	int ret;

	if (vfd->closed)
		return 0;
	vfd->closed = true;
	cmd = wl_close_cmd(vfd);
	if (!cmd)
		return -ENOMEM;
	ret = wl_cmd_run(vfd->dev, cmd, false);
	if (ret == -EINPROGRESS)
		return -EINTR;
	if (!ret)
		ret = wl_resp_errno(le32_to_cpu(cmd->resp.hdr.type));
	wl_cmd_free(cmd);
	return ret;
}

/*
 * A host vfd that will never reach user space (its RECV was dropped, or
 * its queue was emptied by read(2) or a close): close it on the device.
 * The caller still holds, and drops, its own reference.
 */
void wl_vfd_drop_unclaimed(struct wl_vfd *vfd)
{
	wl_vfd_close_async(vfd);
	wl_vfd_unpublish(vfd);
}

int wl_vfd_set_mapping(struct wl_vfd *vfd, u64 pfn, u32 size)
{
	struct wl_dev *dev = vfd->dev;
	u64 len = PAGE_ALIGN((u64)size);
	u64 phys, off;

	if (!size)
		return -EINVAL;
	if (dev->use_shmem) {
		u64 pages = dev->region.len >> VIRTWL_PFN_SHIFT;

		if (pfn >= pages)	/* pages itself means "no memory" */
			return -ENOENT;
		off = pfn << VIRTWL_PFN_SHIFT;
		if (len > dev->region.len - off)
			return -ERANGE;
		phys = dev->region.addr + off;
	} else {
		if (!pfn)		/* 0 means "no memory" */
			return -ENOENT;
		if (pfn > (U64_MAX >> VIRTWL_PFN_SHIFT))
			return -ERANGE;
		phys = pfn << VIRTWL_PFN_SHIFT;
		if (dev->have_region &&
		    (phys < dev->region.addr ||
		     phys - dev->region.addr > dev->region.len ||
		     len > dev->region.len - (phys - dev->region.addr)))
			return -ERANGE;
	}
	if (phys + len < phys || phys + len - 1 > PHYS_ADDR_MAX)
		return -ERANGE;
	/* Never let the device hand user space the guest's own RAM. */
	if (region_intersects(phys, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return -EPERM;
	vfd->phys = phys;
	vfd->map_len = len;
	vfd->size = size;
	return 0;
}

static int wl_kind_open_flags(enum wl_vfd_kind kind)
{
	switch (kind) {
	case WL_VFD_PIPE_READ:
	case WL_VFD_FENCE:
		return O_RDONLY;
	case WL_VFD_PIPE_WRITE:
		return O_WRONLY;
	default:
		return O_RDWR;
	}
}

/*
 * A file for vfd that does not own it yet (private_data is NULL until
 * wl_vfd_file_commit), so that dropping it on an error path leaves the
 * vfd alone.
 */
static struct file *wl_vfd_file_prepare(struct wl_vfd *vfd)
{
	return anon_inode_getfile("[virtwl_vfd]", &wl_vfd_fops, NULL,
				  wl_kind_open_flags(vfd->kind));
}

/* Hands one reference on vfd to file. */
static void wl_vfd_file_commit(struct wl_vfd *vfd, struct file *file)
{
	mutex_lock(&vfd->dev->lock);
	vfd->has_file = true;
	mutex_unlock(&vfd->dev->lock);
	if (vfd->host)
		atomic_dec(&vfd->dev->host_undelivered);
	file->private_data = vfd;
}

static int wl_vfd_flush(struct file *file, fl_owner_t id)
{
	struct wl_vfd *vfd = file->private_data;

	/*
	 * The last close(2) of the last fd: close on the device now so its
	 * answer can be close(2)'s return value.  A mapping or another
	 * process keeps a reference; the vfd then closes in release.
	 */
	if (!vfd || file_count(file) != 1)
		return 0;
	return wl_vfd_close_sync(vfd);
}

static int wl_vfd_release(struct inode *inode, struct file *file)
{
	struct wl_vfd *vfd = file->private_data;
	int ret;

	if (!vfd)
		return 0;
	ret = wl_vfd_close_sync(vfd);
	if (ret && ret != -ENODEV)
		wl_warn(vfd->dev, "close of vfd %#x failed: %d\n", vfd->id, ret);
	spin_lock(&vfd->qlock);
	vfd->closed = true;
	spin_unlock(&vfd->qlock);
	/* Nothing the device sent for this id may reach its next owner. */
	wl_in_sync(vfd->dev);
	wl_vfd_unpublish(vfd);
	wl_vfd_drain(vfd);
	wl_vfd_put(vfd);
	return 0;
}

static struct wl_qentry *wl_q_first(struct wl_vfd *vfd)
{
	struct wl_qentry *e;

	spin_lock(&vfd->qlock);
	e = list_first_entry_or_null(&vfd->queue, struct wl_qentry, link);
	spin_unlock(&vfd->qlock);
	return e;
}

static struct wl_qentry *wl_q_next(struct wl_vfd *vfd, struct wl_qentry *e)
{
	struct wl_qentry *next = NULL;

	spin_lock(&vfd->qlock);
	if (!list_is_last(&e->link, &vfd->queue))
		next = list_next_entry(e, link);
	spin_unlock(&vfd->qlock);
	return next;
}

static bool wl_vfd_readable(struct wl_vfd *vfd)
{
	bool ret;

	spin_lock(&vfd->qlock);
	ret = !list_empty(&vfd->queue) || vfd->hup || vfd->overrun;
	spin_unlock(&vfd->qlock);
	return ret || READ_ONCE(vfd->dev->dead);
}

/*
 * What one receive takes from the head of the queue: 'entries' entries,
 * the last of which gives 'last_bytes' bytes (the others give all they
 * have left), and the vfds of every one of them.
 */
struct wl_take {
	unsigned int entries;
	u32 last_bytes;
	size_t bytes;
	unsigned int nvfds;
	struct wl_vfd *vfds[VIRTWL_SEND_MAX_ALLOCS];
};

/*
 * Waits for something to receive, then copies up to cap bytes to udata
 * and, when want_vfds, notes up to VIRTWL_SEND_MAX_ALLOCS vfds, without
 * consuming anything: wl_take_commit does that.  Data and vfds keep their
 * order: a message's vfds come no later than its first byte.  Returns 1
 * when there is something to commit, 0 at end of file, or an errno.
 * Called with recv_mutex held, which keeps the head entries in place.
 */
static int wl_take_prepare(struct wl_vfd *vfd, char __user *udata, size_t cap,
			   bool want_vfds, bool nonblock, struct wl_take *t)
{
	struct wl_qentry *e;
	bool overrun, hup;
	u32 n;

	memset(t, 0, offsetof(struct wl_take, vfds));
	if (nonblock && !wl_vfd_readable(vfd))
		return -EAGAIN;
	if (wait_event_interruptible(vfd->wq, wl_vfd_readable(vfd)))
		return -ERESTARTSYS;

	e = wl_q_first(vfd);
	if (!e) {
		spin_lock(&vfd->qlock);
		overrun = vfd->overrun;
		hup = vfd->hup;
		spin_unlock(&vfd->qlock);
		if (overrun)
			return -ENOBUFS;
		if (hup)
			return 0;
		return -ENODEV;
	}
	while (e) {
		if (want_vfds && e->nvfds &&
		    t->nvfds + e->nvfds > VIRTWL_SEND_MAX_ALLOCS)
			break;
		t->entries++;
		if (want_vfds) {
			memcpy(&t->vfds[t->nvfds], e->vfds,
			       e->nvfds * sizeof(e->vfds[0]));
			t->nvfds += e->nvfds;
		}
		n = min_t(size_t, e->len - e->off, cap - t->bytes);
		if (n && copy_to_user(udata + t->bytes, e->data + e->off, n))
			return -EFAULT;
		t->bytes += n;
		t->last_bytes = n;
		if (e->off + n < e->len)
			break;
		e = wl_q_next(vfd, e);
	}
	return 1;
}

/*
 * Consumes what wl_take_prepare noted.  The vfds' queue references go to
 * the caller when it took them (RECV), else they are closed (read(2)).
 */
static void wl_take_commit(struct wl_vfd *vfd, struct wl_take *t,
			   bool vfds_taken)
{
	struct wl_qentry *e, *next;
	unsigned int i, j, nvfds;
	bool finished;
	u32 n;

	e = wl_q_first(vfd);
	for (i = 0; i < t->entries && e; i++, e = next) {
		bool last = i + 1 == t->entries;

		next = last ? NULL : wl_q_next(vfd, e);
		n = last ? t->last_bytes : e->len - e->off;
		nvfds = e->nvfds;
		if (!vfds_taken) {
			for (j = 0; j < nvfds; j++) {
				wl_vfd_drop_unclaimed(e->vfds[j]);
				wl_vfd_put(e->vfds[j]);
			}
		}
		spin_lock(&vfd->qlock);
		e->off += n;
		e->nvfds = 0;
		finished = e->off == e->len;
		vfd->queued -= n;
		vfd->queued_vfds -= nvfds;
		if (finished) {
			list_del(&e->link);
			vfd->queued_entries--;
		}
		spin_unlock(&vfd->qlock);
		if (finished)
			kfree(e);
	}
	atomic_long_sub(t->bytes, &vfd->dev->nr_queued);
}

static ssize_t wl_vfd_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct wl_vfd *vfd = file->private_data;
	struct wl_take t;
	int ret;

	if (!wl_can_read(vfd))
		return -EINVAL;
	if (!count)
		return 0;
	if (mutex_lock_interruptible(&vfd->recv_mutex))
		return -ERESTARTSYS;
	do {
		ret = wl_take_prepare(vfd, buf, count, false,
				      file->f_flags & O_NONBLOCK, &t);
		if (ret > 0)
			wl_take_commit(vfd, &t, false);
		/* Entries holding only vfds give read(2) nothing: go on. */
	} while (ret > 0 && !t.bytes);
	mutex_unlock(&vfd->recv_mutex);
	return ret < 0 ? ret : t.bytes;
}

static long wl_vfd_ioctl_recv(struct wl_vfd *vfd, struct file *file,
			      struct virtwl_ioctl_txn __user *utxn)
{
	struct file *files[VIRTWL_SEND_MAX_ALLOCS];
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	struct wl_take *t;
	unsigned int i, nfiles = 0;
	u32 cap;
	long ret;

	if (!wl_can_read(vfd))
		return -EINVAL;
	if (get_user(cap, &utxn->len))
		return -EFAULT;
	t = kmalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	if (mutex_lock_interruptible(&vfd->recv_mutex)) {
		ret = -ERESTARTSYS;
		goto err_lock;
	}
	ret = wl_take_prepare(vfd, (char __user *)utxn->data, cap, true,
			      file->f_flags & O_NONBLOCK, t);
	if (ret <= 0) {
		if (!ret)
			memset(t, 0, offsetof(struct wl_take, vfds));
		goto out_empty;
	}

	for (i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
		fds[i] = -1;
	for (nfiles = 0; nfiles < t->nvfds; nfiles++) {
		fds[nfiles] = get_unused_fd_flags(O_CLOEXEC);
		if (fds[nfiles] < 0) {
			ret = fds[nfiles];
			goto err_files;
		}
		files[nfiles] = wl_vfd_file_prepare(t->vfds[nfiles]);
		if (IS_ERR(files[nfiles])) {
			ret = PTR_ERR(files[nfiles]);
			put_unused_fd(fds[nfiles]);
			goto err_files;
		}
	}
	if (copy_to_user(utxn->fds, fds, sizeof(fds)) ||
	    put_user((u32)t->bytes, &utxn->len)) {
		ret = -EFAULT;
		goto err_files;
	}
	wl_take_commit(vfd, t, true);
	for (i = 0; i < nfiles; i++) {
		wl_vfd_file_commit(t->vfds[i], files[i]);
		fd_install(fds[i], files[i]);
	}
	mutex_unlock(&vfd->recv_mutex);
	kfree(t);
	return 0;

out_empty:
	mutex_unlock(&vfd->recv_mutex);
	if (!ret) {
		/* End of file: no data, no vfds. */
		for (i = 0; i < VIRTWL_SEND_MAX_ALLOCS; i++)
			fds[i] = -1;
		if (copy_to_user(utxn->fds, fds, sizeof(fds)) ||
		    put_user(0U, &utxn->len))
			ret = -EFAULT;
	}
	kfree(t);
	return ret;

err_files:
	while (nfiles--) {
		put_unused_fd(fds[nfiles]);
		fput(files[nfiles]);
	}
	mutex_unlock(&vfd->recv_mutex);
err_lock:
	kfree(t);
	return ret;
}

/* Sends data (and, with the first chunk, vfd ids) as VFD_SENDs. */
static size_t wl_vfd_send(struct wl_vfd *vfd, const char __user *udata,
			  size_t len, const u32 *ids, unsigned int nids,
			  bool nonblock, int *err)
{
	struct virtio_wl_ctrl_vfd_send *req;
	size_t done = 0, chunk, ids_len;
	struct wl_cmd *cmd;
	int ret = 0;

	*err = 0;
	if (!len && !nids)
		return 0;
	if (mutex_lock_interruptible(&vfd->send_mutex)) {
		*err = -ERESTARTSYS;
		return 0;
	}
	do {
		chunk = min_t(size_t, len - done, WL_SEND_CHUNK);
		ids_len = nids * sizeof(__le32);
		cmd = wl_cmd_alloc(sizeof(*req) + ids_len + chunk, GFP_KERNEL);
		if (!cmd) {
			ret = -ENOMEM;
			break;
		}
		req = cmd->req;
		req->hdr.type = cpu_to_le32(VIRTIO_WL_CMD_VFD_SEND);
		req->vfd_id = cpu_to_le32(vfd->id);
		req->vfd_count = cpu_to_le32(nids);
		if (nids) {
			__le32 *wire_ids = cmd->req + sizeof(*req);
			unsigned int i;

			for (i = 0; i < nids; i++)
				wire_ids[i] = cpu_to_le32(ids[i]);
		}
		if (copy_from_user(cmd->req + sizeof(*req) + ids_len,
				   udata + done, chunk)) {
			wl_cmd_free(cmd);
			ret = -EFAULT;
			break;
		}
		ret = wl_cmd_run(vfd->dev, cmd, nonblock && !done);
		if (ret == -EINPROGRESS) {
			ret = -EINTR;
			break;
		}
		if (!ret) {
			u32 type = le32_to_cpu(cmd->resp.hdr.type);

			ret = wl_resp_errno(type);
			if (!ret && type != VIRTIO_WL_RESP_OK)
				ret = -EPROTO;
		}
		wl_cmd_free(cmd);
		if (ret)
			break;
		done += chunk;
		nids = 0;
	} while (done < len);
	mutex_unlock(&vfd->send_mutex);
	*err = ret;
	return done;
}

static ssize_t wl_vfd_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct wl_vfd *vfd = file->private_data;
	size_t done;
	int err;

	if (!wl_can_write(vfd))
		return -EINVAL;
	count = min_t(size_t, count, MAX_RW_COUNT);
	done = wl_vfd_send(vfd, buf, count, NULL, 0,
			   file->f_flags & O_NONBLOCK, &err);
	/* A write that got partly through reports what went. */
	return done ? done : err;
}

static long wl_vfd_ioctl_send(struct wl_vfd *vfd, struct file *file,
			      struct virtwl_ioctl_txn __user *utxn)
{
	struct file *files[VIRTWL_SEND_MAX_ALLOCS];
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	u32 ids[VIRTWL_SEND_MAX_ALLOCS];
	unsigned int i, nids;
	int ret = 0;
	u32 len;

	if (copy_from_user(fds, utxn->fds, sizeof(fds)) ||
	    get_user(len, &utxn->len))
		return -EFAULT;
	/*
	 * Nothing to send succeeds on every vfd: user space (Sommelier's
	 * proxy, wlnest) asks "is this a virtwl fd?" this way.
	 */
	if (!len && fds[0] < 0)
		return 0;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!wl_can_write(vfd))
		return -EINVAL;

	for (nids = 0; nids < VIRTWL_SEND_MAX_ALLOCS && fds[nids] >= 0; nids++) {
		struct wl_vfd *sent;

		files[nids] = fget(fds[nids]);
		if (!files[nids]) {
			ret = -EBADF;
			goto out;
		}
		sent = files[nids]->private_data;
		if (files[nids]->f_op != &wl_vfd_fops || !sent ||
		    sent->dev != vfd->dev) {
			fput(files[nids]);
			ret = -EBADFD;
			goto out;
		}
		ids[nids] = sent->id;
	}
	/* The files stay referenced until the device has taken the ids. */
	wl_vfd_send(vfd, (const char __user *)utxn->data, len, ids, nids,
		    file->f_flags & O_NONBLOCK, &ret);
out:
	for (i = 0; i < nids; i++)
		fput(files[i]);
	return ret;
}

static long wl_vfd_ioctl_dmabuf_sync(struct wl_vfd *vfd,
				     struct virtwl_ioctl_dmabuf_sync __user *arg)
{
	struct virtio_wl_ctrl_vfd_dmabuf_sync *req;
	struct wl_cmd *cmd;
	u32 flags;
	int ret;

	if (get_user(flags, &arg->flags))
		return -EFAULT;
	if (flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK)
		return -EINVAL;
	if (vfd->kind != WL_VFD_MEM)
		return -EINVAL;
	cmd = wl_cmd_alloc(sizeof(*req), GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	req = cmd->req;
	req->hdr.type = cpu_to_le32(VIRTIO_WL_CMD_VFD_DMABUF_SYNC);
	req->vfd_id = cpu_to_le32(vfd->id);
	req->flags = cpu_to_le32(flags);
	ret = wl_cmd_run(vfd->dev, cmd, false);
	if (ret == -EINPROGRESS)
		return -EINTR;
	if (!ret)
		ret = wl_resp_errno(le32_to_cpu(cmd->resp.hdr.type));
	wl_cmd_free(cmd);
	return ret;
}

static long wl_vfd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct wl_vfd *vfd = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VIRTWL_IOCTL_SEND:
		return wl_vfd_ioctl_send(vfd, file, uarg);
	case VIRTWL_IOCTL_RECV:
		return wl_vfd_ioctl_recv(vfd, file, uarg);
	case VIRTWL_IOCTL_DMABUF_SYNC:
		return wl_vfd_ioctl_dmabuf_sync(vfd, uarg);
	default:
		return -ENOTTY;
	}
}

static __poll_t wl_vfd_poll(struct file *file, poll_table *wait)
{
	struct wl_vfd *vfd = file->private_data;
	struct wl_dev *dev = vfd->dev;
	__poll_t mask = 0;

	poll_wait(file, &vfd->wq, wait);
	if (wl_can_write(vfd))
		poll_wait(file, &dev->out_wq, wait);

	spin_lock(&vfd->qlock);
	if (!list_empty(&vfd->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (vfd->hup)
		mask |= EPOLLHUP;
	if (vfd->overrun)
		mask |= EPOLLERR;
	spin_unlock(&vfd->qlock);
	if (wl_can_write(vfd) && wl_out_writable(dev))
		mask |= EPOLLOUT | EPOLLWRNORM;
	if (READ_ONCE(dev->dead))
		mask |= EPOLLERR | EPOLLHUP;
	return mask;
}

static int wl_vfd_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct wl_vfd *vfd = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 off;

	if (vfd->kind != WL_VFD_MEM || !vfd->map_len)
		return -EACCES;
	if (READ_ONCE(vfd->dev->dead))
		return -ENODEV;
	if (vma->vm_pgoff > (vfd->map_len >> PAGE_SHIFT))
		return -EINVAL;
	off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	if (len > vfd->map_len - off)
		return -EINVAL;
	/* A host object shared read-only must stay read-only here too. */
	if (vfd->dev->trans_flags &&
	    (vfd->flags & (VIRTIO_WL_VFD_READ | VIRTIO_WL_VFD_WRITE)) ==
	    VIRTIO_WL_VFD_READ) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
		vm_flags_clear(vma, VM_MAYWRITE);
#else
		vma->vm_flags &= ~VM_MAYWRITE;
#endif
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	return io_remap_pfn_range(vma, vma->vm_start,
				  PHYS_PFN(vfd->phys) + vma->vm_pgoff, len,
				  vma->vm_page_prot);
}

static const char *const wl_kind_names[] = {
	[WL_VFD_CTX] = "context",
	[WL_VFD_PIPE_READ] = "pipe-read",
	[WL_VFD_PIPE_WRITE] = "pipe-write",
	[WL_VFD_PIPE_RW] = "pipe",
	[WL_VFD_MEM] = "memory",
	[WL_VFD_FENCE] = "fence",
};

/* /proc/PID/fdinfo/FD: which vfd this is, for diagnosis and tests. */
static void wl_vfd_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct wl_vfd *vfd = file->private_data;

	seq_printf(m, "virtwl_id:\t%#x\nvirtwl_kind:\t%s\n", vfd->id,
		   wl_kind_names[vfd->kind]);
	if (vfd->map_len)
		seq_printf(m, "virtwl_size:\t%u\n", vfd->size);
}

static const struct file_operations wl_vfd_fops = {
	.owner = THIS_MODULE,
	.read = wl_vfd_read,
	.write = wl_vfd_write,
	.poll = wl_vfd_poll,
	.unlocked_ioctl = wl_vfd_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = wl_vfd_mmap,
	.flush = wl_vfd_flush,
	.release = wl_vfd_release,
	.show_fdinfo = wl_vfd_show_fdinfo,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	.llseek = no_llseek,
#endif
};

/* /dev/wlN */

static int wl_dev_open(struct inode *inode, struct file *file)
{
	struct miscdevice *misc = file->private_data;
	struct wl_dev *dev = container_of(misc, struct wl_dev, misc);

	wl_dev_get(dev);
	file->private_data = dev;
	return nonseekable_open(inode, file);
}

static int wl_dev_release(struct inode *inode, struct file *file)
{
	wl_dev_put(file->private_data);
	return 0;
}

static int wl_new_kind(u32 type, enum wl_vfd_kind *kind, u32 *cmd, u32 *flags,
		       bool trans)
{
	switch (type) {
	case VIRTWL_IOCTL_NEW_CTX:
	case VIRTWL_IOCTL_NEW_CTX_NAMED:
		*kind = WL_VFD_CTX;
		*cmd = type == VIRTWL_IOCTL_NEW_CTX ?
		       VIRTIO_WL_CMD_VFD_NEW_CTX : VIRTIO_WL_CMD_VFD_NEW_CTX_NAMED;
		*flags = trans ? VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_READ :
			 VIRTIO_WL_VFD_CONTROL;
		return 0;
	case VIRTWL_IOCTL_NEW_ALLOC:
		*kind = WL_VFD_MEM;
		*cmd = VIRTIO_WL_CMD_VFD_NEW;
		*flags = trans ? 0 : VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_MAP;
		return 0;
	case VIRTWL_IOCTL_NEW_PIPE_READ:
		*kind = WL_VFD_PIPE_READ;
		*cmd = VIRTIO_WL_CMD_VFD_NEW_PIPE;
		*flags = VIRTIO_WL_VFD_READ;
		return 0;
	case VIRTWL_IOCTL_NEW_PIPE_WRITE:
		*kind = WL_VFD_PIPE_WRITE;
		*cmd = VIRTIO_WL_CMD_VFD_NEW_PIPE;
		*flags = VIRTIO_WL_VFD_WRITE;
		return 0;
	case VIRTWL_IOCTL_NEW_DMABUF:
		*kind = WL_VFD_MEM;
		*cmd = VIRTIO_WL_CMD_VFD_NEW_DMABUF;
		*flags = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Creates a vfd on the device and returns its (not yet installed) file.
 * On success *arg holds what user space gets back.
 */
static struct file *wl_new(struct wl_dev *dev, struct virtwl_ioctl_new *arg,
			   bool nonblock)
{
	const struct virtio_wl_ctrl_vfd_new *resp;
	struct virtio_wl_ctrl_vfd_new *req;
	enum wl_vfd_kind kind;
	struct wl_vfd *vfd;
	struct wl_cmd *cmd;
	struct file *file;
	u32 wire_cmd, flags, size = 0, type;
	int ret;

	ret = wl_new_kind(arg->type, &kind, &wire_cmd, &flags, dev->trans_flags);
	if (ret)
		return ERR_PTR(ret);
	if (arg->type == VIRTWL_IOCTL_NEW_ALLOC) {
		if (!arg->size || arg->size > U32_MAX - PAGE_SIZE + 1)
			return ERR_PTR(-EINVAL);
		size = PAGE_ALIGN(arg->size);
	}

	vfd = wl_vfd_create(dev, kind);
	if (!vfd)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&dev->lock);
	/* Cyclic: a closed id comes back as late as possible. */
	ret = idr_alloc_cyclic(&dev->vfds, vfd, 1, VIRTWL_MAX_ALLOC, GFP_KERNEL);
	mutex_unlock(&dev->lock);
	if (ret < 0) {
		ret = ret == -ENOSPC ? -EMFILE : ret;
		goto err_id;
	}
	vfd->id = ret;
	/* From here the id table holds the creation reference. */

	cmd = wl_cmd_alloc(sizeof(*req), GFP_KERNEL);
	if (!cmd) {
		ret = -ENOMEM;
		goto err_cmd;
	}
	req = cmd->req;
	req->hdr.type = cpu_to_le32(wire_cmd);
	req->vfd_id = cpu_to_le32(vfd->id);
	req->flags = cpu_to_le32(flags);
	req->size = cpu_to_le32(size);
	if (arg->type == VIRTWL_IOCTL_NEW_DMABUF) {
		req->dmabuf.width = cpu_to_le32(arg->dmabuf.width);
		req->dmabuf.height = cpu_to_le32(arg->dmabuf.height);
		req->dmabuf.format = cpu_to_le32(arg->dmabuf.format);
	} else if (arg->type == VIRTWL_IOCTL_NEW_CTX_NAMED) {
		memcpy(req->name, arg->name, sizeof(req->name));
	}
	cmd->new_vfd = vfd;

	ret = wl_cmd_run(dev, cmd, nonblock);
	if (ret == -EINPROGRESS)
		return ERR_PTR(-EINTR);	/* the reaper owns cmd and vfd */
	if (ret)
		goto err_run;

	resp = &cmd->resp.new;
	type = le32_to_cpu(resp->hdr.type);
	ret = wl_resp_errno(type);
	if (ret)
		goto err_run;
	/* The device made a vfd: from here errors must close it. */
	if (type != (arg->type == VIRTWL_IOCTL_NEW_DMABUF ?
		     VIRTIO_WL_RESP_VFD_NEW_DMABUF : VIRTIO_WL_RESP_VFD_NEW) ||
	    cmd->resp_len < (type == VIRTIO_WL_RESP_VFD_NEW_DMABUF ?
			     sizeof(*resp) :
			     offsetofend(struct virtio_wl_ctrl_vfd_new, size)) ||
	    le32_to_cpu(resp->vfd_id) != vfd->id) {
		wl_warn(dev, "bad reply to a new-vfd command: %#x\n", type);
		ret = -EPROTO;
		goto err_made;
	}
	vfd->flags = le32_to_cpu(resp->flags);
	if (kind == WL_VFD_MEM) {
		u32 got = le32_to_cpu(resp->size);

		if (got < size ||
		    wl_vfd_set_mapping(vfd, le64_to_cpu(resp->pfn), got)) {
			wl_warn(dev, "new vfd %#x: unusable pfn/size\n", vfd->id);
			ret = -EPROTO;
			goto err_made;
		}
	}
	if (arg->type == VIRTWL_IOCTL_NEW_DMABUF) {
		vfd->dmabuf = true;
		arg->dmabuf.stride0 = le32_to_cpu(resp->dmabuf.stride0);
		arg->dmabuf.stride1 = le32_to_cpu(resp->dmabuf.stride1);
		arg->dmabuf.stride2 = le32_to_cpu(resp->dmabuf.stride2);
		arg->dmabuf.offset0 = le32_to_cpu(resp->dmabuf.offset0);
		arg->dmabuf.offset1 = le32_to_cpu(resp->dmabuf.offset1);
		arg->dmabuf.offset2 = le32_to_cpu(resp->dmabuf.offset2);
	}
	wl_cmd_free(cmd);

	file = wl_vfd_file_prepare(vfd);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		wl_vfd_close_async(vfd);
		goto err_cmd;
	}
	/* The file shares the id table's reference until release. */
	wl_vfd_get(vfd);
	wl_vfd_file_commit(vfd, file);
	return file;

err_made:
	wl_vfd_close_async(vfd);
err_run:
	wl_cmd_free(cmd);
err_cmd:
	wl_vfd_unpublish(vfd);
	return ERR_PTR(ret);
err_id:
	wl_vfd_put(vfd);
	return ERR_PTR(ret);
}

static long wl_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct wl_dev *dev = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct virtwl_ioctl_new req;
	struct file *vfd_file;
	size_t size;
	int fd;

	if (cmd == VIRTWL_IOCTL_NEW)
		size = sizeof(req);
	else if (cmd == WL_IOCTL_NEW_V1)
		size = 16;
	else
		return -ENOTTY;

	memset(&req, 0, sizeof(req));
	if (copy_from_user(&req, uarg, size))
		return -EFAULT;
	if (req.flags)
		return -EINVAL;
	if (size < sizeof(req) && (req.type == VIRTWL_IOCTL_NEW_DMABUF ||
				   req.type == VIRTWL_IOCTL_NEW_CTX_NAMED))
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	vfd_file = wl_new(dev, &req, file->f_flags & O_NONBLOCK);
	if (IS_ERR(vfd_file)) {
		put_unused_fd(fd);
		return PTR_ERR(vfd_file);
	}
	req.fd = fd;
	if (copy_to_user(uarg, &req, size)) {
		put_unused_fd(fd);
		fput(vfd_file);
		return -EFAULT;
	}
	fd_install(fd, vfd_file);
	return 0;
}

const struct file_operations wl_dev_fops = {
	.owner = THIS_MODULE,
	.open = wl_dev_open,
	.release = wl_dev_release,
	.unlocked_ioctl = wl_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	.llseek = no_llseek,
#endif
};
