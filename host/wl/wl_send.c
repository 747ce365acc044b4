// SPDX-License-Identifier: MIT
/*
 * Guest -> host: data the guest sends goes to the host fd without
 * waiting.  What the fd cannot take now waits in the vfd's queue (bounded
 * per vfd and per device) and goes out when the fd is writable.  A SEND
 * that finds no room is held unanswered, so the guest's sender waits and
 * the VMM does not; a held SEND answers ERR after io_timeout_ms, and a
 * closed vfd's queue that makes no progress for as long is dropped.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wl_internal.h"

static ssize_t
send_msg(int fd, const uint8_t *data, size_t len, const int *fds,
	 unsigned int n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * WL_MAX_VFDS_PER_MSG)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n_fds) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/*
 * Writes as much of @data as @vfd's fd takes without blocking; @fds go
 * with the first byte.  Returns the bytes written, -EAGAIN when none
 * could be, or a negative errno.
 */
static ssize_t
write_some(struct wl_vfd *vfd, const uint8_t *data, size_t len, const int *fds,
	   unsigned int n_fds)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (vfd->kind == WL_VFD_CTX || vfd->is_socket) {
			n = send_msg(vfd->fd, data + done, len - done,
				     done ? NULL : fds, done ? 0 : n_fds);
		} else if (vfd->guest_made) {
			n = write(vfd->fd, data + done, len - done);	/* O_NONBLOCK */
		} else {
			/*
			 * A host pipe may be in blocking mode, and its file
			 * status is shared with the host program: after POLLOUT
			 * a pipe has a free page, so PIPE_BUF bytes never block.
			 */
			struct pollfd pfd = { .fd = vfd->fd, .events = POLLOUT };
			size_t chunk = len - done > PIPE_BUF ? PIPE_BUF : len - done;

			n = poll(&pfd, 1, 0);
			if (n == 0)
				break;
			if (n > 0 && (pfd.revents & (POLLERR | POLLNVAL))) {
				errno = EPIPE;
				n = -1;
			} else if (n > 0) {
				n = write(vfd->fd, data + done, chunk);
			}
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return done ? (ssize_t)done : -errno;
		}
		done += (size_t)n;
	}
	return done ? (ssize_t)done : -EAGAIN;
}

static void
set_out_poll(struct wl_dev *dev, struct wl_vfd *vfd, bool on)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = vfd };

	if (on == vfd->out_polled)
		return;
	if (epoll_ctl(dev->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, vfd->fd,
		      &ev) == 0)
		vfd->out_polled = on;
}

static void
free_chunk(struct wl_dev *dev, struct wl_vfd *vfd, struct wl_out_chunk *chunk)
{
	unsigned int i;

	for (i = 0; i < chunk->n_fds; i++)
		close(chunk->fds[i]);
	dev->out_fds -= chunk->n_fds;
	vfd->out_fds -= chunk->n_fds;
	dev->out_bytes -= chunk->len - chunk->off;
	vfd->out_bytes -= chunk->len - chunk->off;
	free(chunk);
}

void
wl_send_drop_queue(struct wl_dev *dev, struct wl_vfd *vfd)
{
	while (vfd->out_head) {
		struct wl_out_chunk *chunk = vfd->out_head;

		vfd->out_head = chunk->next;
		free_chunk(dev, vfd, chunk);
	}
	vfd->out_tail = &vfd->out_head;
	set_out_poll(dev, vfd, false);
}

static bool
has_room(const struct wl_dev *dev, const struct wl_vfd *vfd, unsigned int n_fds)
{
	const struct wl_limits *l = &dev->cfg.limits;

	return vfd->out_bytes < l->vfd_queue_bytes && dev->out_bytes < l->dev_queue_bytes &&
	       dev->out_fds + n_fds <= l->max_queued_fds;
}

/* Whether a held chain named @id: later sends to it wait their turn. */
static bool
is_held_target(const struct wl_dev *dev, uint32_t id)
{
	const struct wl_held *h;

	for (h = dev->held; h; h = h->next)
		if (h->target == id)
			return true;
	return false;
}

static int
queue_chunk(struct wl_dev *dev, struct wl_vfd *vfd, const uint8_t *data,
	    size_t len, const int *fds, unsigned int n_fds)
{
	struct wl_out_chunk *chunk = malloc(sizeof(*chunk) + len);
	unsigned int i;

	if (!chunk)
		return -ENOMEM;
	chunk->next = NULL;
	chunk->len = (uint32_t)len;
	chunk->off = 0;
	chunk->n_fds = 0;
	memcpy(chunk->data, data, len);
	/* The guest may close its vfds once answered: keep our own fds. */
	for (i = 0; i < n_fds; i++) {
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);

		if (fd < 0) {
			int err = -errno;

			while (chunk->n_fds)
				close(chunk->fds[--chunk->n_fds]);
			free(chunk);
			return err == -EMFILE || err == -ENFILE ? -ENOMEM : err;
		}
		chunk->fds[chunk->n_fds++] = fd;
	}
	if (!vfd->out_head)
		vfd->out_progress_ms = wl_now_ms(dev);
	*vfd->out_tail = chunk;
	vfd->out_tail = &chunk->next;
	vfd->out_bytes += (uint32_t)len;
	vfd->out_fds += n_fds;
	dev->out_bytes += len;
	dev->out_fds += n_fds;
	set_out_poll(dev, vfd, true);
	if (!vfd->out_polled) {
		/* An fd epoll cannot watch would never drain. */
		wl_send_drop_queue(dev, vfd);
		return -EPIPE;
	}
	return WL_SENT;
}

int
wl_send_data(struct wl_dev *dev, struct wl_vfd *vfd, const uint8_t *data,
	     size_t len, const int *fds, unsigned int n_fds, bool retry)
{
	ssize_t n = 0;
	int ret;

	/* Sends to one vfd go out in order: behind a held one, wait too. */
	if (!retry && dev->held && is_held_target(dev, vfd->id))
		return WL_SEND_HOLD;
	if (!vfd->out_head) {
		n = write_some(vfd, data, len, fds, n_fds);
		if (n == -EAGAIN)
			n = 0;
		else if (n < 0)
			return (int)n;
		if ((size_t)n == len)
			return WL_SENT;
	}
	if (n == 0 && !has_room(dev, vfd, n_fds))
		return WL_SEND_HOLD;
	/* Part of it went: the rest is queued whatever the bound says. */
	ret = queue_chunk(dev, vfd, data + n, len - (size_t)n, n ? NULL : fds,
			  n ? 0 : n_fds);
	if (ret < 0 && n > 0)
		vfd->out_failed = true;	/* the stream lost bytes */
	return ret;
}

void
wl_send_flush(struct wl_dev *dev, struct wl_vfd *vfd)
{
	while (vfd->out_head) {
		struct wl_out_chunk *chunk = vfd->out_head;
		ssize_t n = write_some(vfd, chunk->data + chunk->off,
				       chunk->len - chunk->off, chunk->fds,
				       chunk->n_fds);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			wl_log(dev, "vfd %#x: queued write failed: %s", vfd->id,
			       strerror((int)-n));
			vfd->out_failed = true;
			wl_send_drop_queue(dev, vfd);
			break;
		}
		vfd->out_progress_ms = wl_now_ms(dev);
		/* Sent fds are the peer's now; ours go. */
		dev->out_fds -= chunk->n_fds;
		vfd->out_fds -= chunk->n_fds;
		while (chunk->n_fds)
			close(chunk->fds[--chunk->n_fds]);
		chunk->off += (uint32_t)n;
		vfd->out_bytes -= (uint32_t)n;
		dev->out_bytes -= (uint64_t)n;
		if (chunk->off < chunk->len)
			break;
		vfd->out_head = chunk->next;
		if (!vfd->out_head)
			vfd->out_tail = &vfd->out_head;
		free(chunk);
	}
	if (vfd->out_head)
		return;
	set_out_poll(dev, vfd, false);
	if (vfd->closed)
		wl_vfd_destroy(dev, vfd);
}

/* Held chains */

bool
wl_held_add(struct wl_dev *dev, const struct wl_chain *chain, uint32_t target,
	    int64_t deadline_ms)
{
	unsigned int n = chain->n_readable + chain->n_writable;
	struct wl_held *h;

	/* No ring holds more: a VMM that lets a driver exceed it gets ERRs. */
	if (dev->n_held >= WL_QUEUE_SIZE)
		return false;
	h = malloc(sizeof(*h) + n * sizeof(struct iovec));
	if (!h)
		return false;
	memcpy(h->iov, chain->readable, chain->n_readable * sizeof(struct iovec));
	memcpy(h->iov + chain->n_readable, chain->writable,
	       chain->n_writable * sizeof(struct iovec));
	h->chain = *chain;
	h->chain.readable = h->iov;
	h->chain.writable = h->iov + chain->n_readable;
	h->target = target;
	h->deadline_ms = deadline_ms;
	h->next = NULL;
	*dev->held_tail = h;
	dev->held_tail = &h->next;
	dev->n_held++;
	return true;
}

static void
unlink_held(struct wl_dev *dev, struct wl_held **link)
{
	struct wl_held *h = *link;

	*link = h->next;
	if (dev->held_tail == &h->next)
		dev->held_tail = link;
	dev->n_held--;
}

static void
relink_held(struct wl_dev *dev, struct wl_held **link, struct wl_held *h)
{
	h->next = *link;
	*link = h;
	if (!h->next)
		dev->held_tail = &h->next;
	dev->n_held++;
}

static bool
in_list(const uint32_t *ids, unsigned int n, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

void
wl_held_retry(struct wl_dev *dev)
{
	uint32_t waiting[WL_QUEUE_SIZE];
	unsigned int n_waiting = 0;
	struct wl_held **link = &dev->held;

	while (*link && n_waiting < WL_QUEUE_SIZE) {
		struct wl_held *h = *link;
		struct wl_vfd *vfd;

		/* Behind a chain that still waits for the same vfd: keep order. */
		if (in_list(waiting, n_waiting, h->target)) {
			link = &h->next;
			continue;
		}
		vfd = wl_vfd_lookup(dev, h->target);
		if (vfd && vfd->out_head && !has_room(dev, vfd, 0)) {
			waiting[n_waiting++] = h->target;
			link = &h->next;
			continue;
		}
		/* Room, or the vfd is gone (the run answers why). */
		unlink_held(dev, link);
		if (wl_dev_run_chain(dev, &h->chain, true)) {
			free(h);
			continue;
		}
		relink_held(dev, link, h);
		waiting[n_waiting++] = h->target;
		link = &h->next;
	}
}

void
wl_held_release_all(struct wl_dev *dev)
{
	while (dev->held) {
		struct wl_held *h = dev->held;

		unlink_held(dev, &dev->held);
		if (dev->ops->release)
			dev->ops->release(dev->vmm, WL_QUEUE_OUT, &h->chain);
		free(h);
	}
}

/* The timer */

void
wl_timer_expire(struct wl_dev *dev)
{
	int64_t now = wl_now_ms(dev);
	int64_t timeout = dev->cfg.limits.io_timeout_ms;
	struct wl_held **link = &dev->held;
	struct wl_vfd *vfd, *next;

	while (*link) {
		struct wl_held *h = *link;
		struct virtio_wl_ctrl_hdr err = { .type = htole32(VIRTIO_WL_RESP_ERR) };

		if (h->deadline_ms > now) {
			link = &h->next;
			continue;
		}
		unlink_held(dev, link);
		wl_log(dev, "send to vfd %#x found no room for %u ms: answered ERR",
		       h->target, dev->cfg.limits.io_timeout_ms);
		dev->ops->push(dev->vmm, WL_QUEUE_OUT, &h->chain,
			       (uint32_t)wl_chain_write(&h->chain, &err, sizeof(err)));
		dev->notify_out = true;
		free(h);
	}
	for (vfd = dev->draining; vfd; vfd = next) {
		next = vfd->hash_next;
		if (vfd->out_progress_ms + timeout <= now) {
			wl_log(dev, "closed vfd %#x: %u bytes not taken in %u ms, dropped",
			       vfd->id, vfd->out_bytes, dev->cfg.limits.io_timeout_ms);
			wl_vfd_destroy(dev, vfd);
		}
	}
	wl_timer_update(dev);
}

void
wl_timer_update(struct wl_dev *dev)
{
	int64_t next = -1;
	const struct wl_held *h;
	const struct wl_vfd *vfd;

	for (h = dev->held; h; h = h->next)
		if (next < 0 || h->deadline_ms < next)
			next = h->deadline_ms;
	for (vfd = dev->draining; vfd; vfd = vfd->hash_next)
		if (next < 0 || vfd->out_progress_ms + dev->cfg.limits.io_timeout_ms < next)
			next = vfd->out_progress_ms + dev->cfg.limits.io_timeout_ms;
	if (next == dev->timer_deadline)
		return;
	dev->timer_deadline = next;
	dev->ops->set_timer(dev->vmm, next);
}
