// SPDX-License-Identifier: MIT
/*
 * vfds: the table, host objects behind them, and how an fd that comes
 * from the host compositor becomes one.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sync_file.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl_internal.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008u
#endif

static unsigned int
bucket(uint32_t id)
{
	return (id ^ (id >> 8) ^ (id >> 16)) % WL_VFD_BUCKETS;
}

struct wl_vfd *
wl_vfd_lookup(const struct wl_dev *dev, uint32_t id)
{
	struct wl_vfd *vfd;

	for (vfd = dev->vfds[bucket(id)]; vfd; vfd = vfd->hash_next)
		if (vfd->id == id)
			return vfd;
	return NULL;
}

struct wl_vfd *
wl_vfd_add(struct wl_dev *dev, uint32_t id, enum wl_vfd_kind kind)
{
	struct wl_vfd *vfd;

	bool context = kind == WL_VFD_CTX || kind == WL_VFD_MEMFD_CTX;

	if (dev->n_vfds >= dev->cfg.limits.max_vfds ||
	    (context && dev->n_contexts >= dev->cfg.limits.max_contexts))
		return NULL;
	vfd = calloc(1, sizeof(*vfd));
	if (!vfd)
		return NULL;
	vfd->id = id;
	vfd->kind = kind;
	vfd->fd = -1;
	vfd->remote_fd = -1;
	vfd->out_tail = &vfd->out_head;
	vfd->hash_next = dev->vfds[bucket(id)];
	dev->vfds[bucket(id)] = vfd;
	dev->n_vfds++;
	if (context)
		dev->n_contexts++;
	return vfd;
}

/* Takes @vfd out of the id table, or out of the draining list. */
static void
unlink_vfd(struct wl_dev *dev, struct wl_vfd *vfd)
{
	struct wl_vfd **link = vfd->closed ? &dev->draining : &dev->vfds[bucket(vfd->id)];

	for (; *link; link = &(*link)->hash_next) {
		if (*link == vfd) {
			*link = vfd->hash_next;
			return;
		}
	}
}

static void
unmap(struct wl_dev *dev, struct wl_vfd *vfd)
{
	if (!vfd->mapped)
		return;
	dev->ops->unmap(dev->vmm, vfd->offset, vfd->map_len);
	wl_window_free(&dev->window, vfd->offset);
	dev->mapped_bytes -= vfd->map_len;
	vfd->mapped = false;
}

void
wl_vfd_destroy(struct wl_dev *dev, struct wl_vfd *vfd)
{
	if (vfd->polled)
		wl_vfd_poll(dev, vfd, false);
	wl_send_drop_queue(dev, vfd);
	unmap(dev, vfd);
	if (vfd->fd >= 0)
		close(vfd->fd);
	if (vfd->remote_fd >= 0)
		close(vfd->remote_fd);
	unlink_vfd(dev, vfd);
	if (vfd->closed)
		dev->n_draining--;
	if (vfd->kind == WL_VFD_CTX || vfd->kind == WL_VFD_MEMFD_CTX)
		dev->n_contexts--;
	dev->n_vfds--;
	free(vfd);
}

void
wl_vfd_close(struct wl_dev *dev, struct wl_vfd *vfd)
{
	if (!vfd->out_head) {
		wl_vfd_destroy(dev, vfd);
		return;
	}
	/*
	 * What the guest wrote before closing still goes out (a clipboard
	 * writer closes right after its last write); the id is free now.
	 */
	if (vfd->polled)
		wl_vfd_poll(dev, vfd, false);
	if (vfd->remote_fd >= 0) {
		close(vfd->remote_fd);
		vfd->remote_fd = -1;
	}
	unlink_vfd(dev, vfd);
	vfd->closed = true;
	vfd->hash_next = dev->draining;
	dev->draining = vfd;
	dev->n_draining++;
	wl_timer_update(dev);
}

void
wl_vfd_destroy_all(struct wl_dev *dev)
{
	unsigned int i;

	for (i = 0; i < WL_VFD_BUCKETS; i++)
		while (dev->vfds[i])
			wl_vfd_destroy(dev, dev->vfds[i]);
	while (dev->draining)
		wl_vfd_destroy(dev, dev->draining);
}

uint32_t
wl_vfd_next_host_id(struct wl_dev *dev)
{
	uint32_t tries;

	/* Skip ids still in use after the counter wraps; never reach bit 31. */
	for (tries = 0; tries <= dev->cfg.limits.max_vfds; tries++) {
		uint32_t id = dev->next_host_id;

		dev->next_host_id++;
		if (dev->next_host_id & VIRTIO_WL_VFD_ILLEGAL_ID_BIT)
			dev->next_host_id = VIRTIO_WL_VFD_HOST_ID_BIT;
		if (!wl_vfd_lookup(dev, id))
			return id;
	}
	return 0;
}

int
wl_vfd_poll(struct wl_dev *dev, struct wl_vfd *vfd, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = vfd->id };

	if (on == vfd->polled || vfd->fd < 0)
		return 0;
	if (epoll_ctl(dev->input_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      vfd->fd, &ev) < 0)
		return -errno;
	vfd->polled = on;
	return 0;
}

int
wl_vfd_map(struct wl_dev *dev, struct wl_vfd *vfd, uint64_t len, bool writable)
{
	uint64_t map_len = (len + WL_PAGE_SIZE - 1) & ~(WL_PAGE_SIZE - 1);
	uint64_t offset;
	int ret;

	if (len == 0)
		return 0;	/* nothing to map: the guest sees "no memory" */
	if (map_len < len || map_len > dev->cfg.limits.max_mapped_bytes ||
	    dev->mapped_bytes > dev->cfg.limits.max_mapped_bytes - map_len)
		return -ENOMEM;
	ret = wl_window_alloc(&dev->window, map_len, &offset);
	if (ret < 0)
		return -ENOMEM;
	ret = dev->ops->map(dev->vmm, vfd->fd, offset, map_len, writable);
	if (ret < 0) {
		wl_window_free(&dev->window, offset);
		return ret;
	}
	vfd->mapped = true;
	vfd->map_writable = writable;
	vfd->offset = offset;
	vfd->map_len = map_len;
	dev->mapped_bytes += map_len;
	return 0;
}

/*
 * A file on the operator's size-limited tmpfs, allocated in full now:
 * a full tmpfs fails the allocation here instead of a later page fault
 * (SIGBUS in the VMM) when the guest touches the memory.
 */
static int
alloc_file(const char *dir, uint64_t len)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int ret;

	if (fd < 0)
		return -errno;
	ret = posix_fallocate(fd, 0, (off_t)len);
	if (ret) {
		close(fd);
		return -ret;
	}
	return fd;
}

int
wl_memfd_create(const struct wl_dev *dev, const char *name, uint64_t size)
{
	uint64_t len = (size + WL_PAGE_SIZE - 1) & ~(WL_PAGE_SIZE - 1);
	int fd;

	if (dev->cfg.alloc_dir[0])
		return alloc_file(dev->cfg.alloc_dir, len);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL)	/* kernels before 6.3 */
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Memory a compositor gave us is mapped no more writable than it allows. */
static bool
host_shm_writable(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	int seals = fcntl(fd, F_GET_SEALS);

	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR)
		return false;
	return seals < 0 || !(seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}

struct wl_vfd *
wl_vfd_from_host_fd(struct wl_dev *dev, int fd)
{
	struct sync_file_info info;
	struct wl_vfd *vfd;
	struct stat st;
	uint32_t id;
	off_t cur, end;
	int fl;

	id = wl_vfd_next_host_id(dev);
	if (!id)
		goto err_close;

	cur = lseek(fd, 0, SEEK_CUR);
	end = cur >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (end >= 0) {
		lseek(fd, cur, SEEK_SET);
		fl = fcntl(fd, F_GETFL);
		/* Memory the guest could not even read is of no use to it. */
		if ((uint64_t)end > UINT32_MAX || fl < 0 ||
		    (fl & O_ACCMODE) == O_WRONLY)
			goto err_close;
		vfd = wl_vfd_add(dev, id, WL_VFD_SHM);
		if (!vfd)
			goto err_close;
		vfd->fd = fd;
		vfd->size = (uint32_t)end;
		if (wl_vfd_map(dev, vfd, (uint64_t)end, host_shm_writable(fd)) < 0)
			goto err_destroy;
		return vfd;
	}

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info) == 0) {
		vfd = wl_vfd_add(dev, id, WL_VFD_FENCE);
		if (!vfd)
			goto err_close;
		vfd->fd = fd;
		if (wl_vfd_poll(dev, vfd, true) < 0)
			goto err_destroy;
		return vfd;
	}

	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		goto err_close;
	vfd = wl_vfd_add(dev, id, WL_VFD_PIPE);
	if (!vfd)
		goto err_close;
	vfd->fd = fd;
	vfd->is_socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
	vfd->guest_reads = (fl & O_ACCMODE) != O_WRONLY;
	vfd->guest_writes = (fl & O_ACCMODE) != O_RDONLY;
	if (vfd->guest_reads && wl_vfd_poll(dev, vfd, true) < 0)
		goto err_destroy;
	return vfd;

err_destroy:
	wl_vfd_destroy(dev, vfd);
	return NULL;
err_close:
	close(fd);
	return NULL;
}

uint32_t
wl_vfd_flags(const struct wl_dev *dev, const struct wl_vfd *vfd)
{
	bool trans = wl_dev_has(dev, VIRTIO_WL_F_TRANS_FLAGS);
	uint32_t flags = 0;

	switch (vfd->kind) {
	case WL_VFD_CTX:
	case WL_VFD_MEMFD_CTX:
		return trans ? VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_READ :
			       VIRTIO_WL_VFD_CONTROL;
	case WL_VFD_SHM:
		/* Transition drivers decide "mappable" by pfn != 0 alone. */
		if (trans || !vfd->mapped)
			return 0;
		return VIRTIO_WL_VFD_MAP |
		       (vfd->map_writable ? VIRTIO_WL_VFD_WRITE : 0);
	case WL_VFD_PIPE:
		if (vfd->guest_writes)
			flags |= VIRTIO_WL_VFD_WRITE;
		if (vfd->guest_reads && trans)
			flags |= VIRTIO_WL_VFD_READ;
		return flags;
	case WL_VFD_FENCE:
		return trans ? VIRTIO_WL_VFD_FENCE : 0;
	}
	return 0;
}

uint64_t
wl_vfd_pfn(const struct wl_dev *dev, const struct wl_vfd *vfd)
{
	bool shmem = wl_dev_has(dev, VIRTIO_WL_F_USE_SHMEM);

	if (!vfd->mapped)
		return shmem ? dev->cfg.window_size >> VIRTWL_PFN_SHIFT : 0;
	if (shmem)
		return vfd->offset >> VIRTWL_PFN_SHIFT;
	return (dev->ops->window_base(dev->vmm) + vfd->offset) >> VIRTWL_PFN_SHIFT;
}
