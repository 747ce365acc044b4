// SPDX-License-Identifier: MIT
/*
 * Host -> guest: reading host fds (only while the guest has posted
 * in-buffers), the queue of VFD_NEW / VFD_RECV / VFD_HUP messages, and
 * writing them into in-buffers.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wl_internal.h"

struct wl_msg *
wl_msg_queue(struct wl_dev *dev, uint32_t type, uint32_t vfd_id)
{
	struct wl_msg *msg = calloc(1, sizeof(*msg));

	if (!msg)
		return NULL;
	msg->type = type;
	msg->vfd_id = vfd_id;
	*dev->pending_tail = msg;
	dev->pending_tail = &msg->next;
	dev->n_pending++;
	return msg;
}

void
wl_msg_drop_all(struct wl_dev *dev)
{
	while (dev->pending) {
		struct wl_msg *msg = dev->pending;

		dev->pending = msg->next;
		free(msg->data);
		free(msg);
	}
	dev->pending_tail = &dev->pending;
	dev->n_pending = 0;
}

static void
unlink_msg(struct wl_dev *dev, struct wl_msg **link)
{
	struct wl_msg *msg = *link;

	*link = msg->next;
	if (dev->pending_tail == &msg->next)
		dev->pending_tail = link;
	dev->n_pending--;
	free(msg->data);
	free(msg);
}

void
wl_msg_drop_for(struct wl_dev *dev, uint32_t id)
{
	struct wl_msg *msg, **link;
	unsigned int i;

	/* A vfd the guest closed is no longer announced to anyone. */
	for (msg = dev->pending; msg; msg = msg->next) {
		for (i = 0; i < msg->n_ids; i++) {
			if (msg->ids[i] == id) {
				memmove(&msg->ids[i], &msg->ids[i + 1],
					(msg->n_ids - i - 1) * sizeof(msg->ids[0]));
				msg->n_ids--;
				i--;
			}
		}
	}
	/* Messages to it go, and the host vfds they carried die with them. */
	for (;;) {
		uint32_t orphans[WL_MAX_VFDS_PER_MSG];
		unsigned int n_orphans;

		for (link = &dev->pending; *link && (*link)->vfd_id != id;
		     link = &(*link)->next)
			;
		if (!*link)
			break;
		n_orphans = (*link)->n_ids;
		memcpy(orphans, (*link)->ids, n_orphans * sizeof(orphans[0]));
		unlink_msg(dev, link);
		for (i = 0; i < n_orphans; i++) {
			struct wl_vfd *vfd = wl_vfd_lookup(dev, orphans[i]);

			if (vfd) {
				wl_msg_drop_for(dev, orphans[i]);
				wl_vfd_destroy(dev, vfd);
			}
		}
	}
}

/*
 * Writes (part of) @msg into @chain.  Returns the bytes written; sets
 * *@done when nothing of @msg is left.  A buffer too small for the fixed
 * part gets nothing and the message waits for the next one.
 */
static size_t
write_msg(struct wl_dev *dev, struct wl_msg *msg, const struct wl_chain *chain,
	  bool *done)
{
	size_t cap = wl_chain_len(chain->writable, chain->n_writable);
	uint8_t buf[sizeof(struct virtio_wl_ctrl_vfd_recv) +
		    WL_MAX_VFDS_PER_MSG * sizeof(uint32_t)];
	size_t written, head, n, i;

	*done = false;
	if (msg->type == VIRTIO_WL_CMD_VFD_NEW) {
		struct virtio_wl_ctrl_vfd_new nw;
		struct wl_vfd *vfd = wl_vfd_lookup(dev, msg->vfd_id);

		if (cap < 32)
			return 0;
		memset(&nw, 0, sizeof(nw));
		nw.hdr.type = htole32(VIRTIO_WL_CMD_VFD_NEW);
		nw.vfd_id = htole32(msg->vfd_id);
		if (vfd) {
			nw.flags = htole32(wl_vfd_flags(dev, vfd));
			nw.pfn = htole64(wl_vfd_pfn(dev, vfd));
			nw.size = htole32(vfd->size);
		}
		*done = true;
		return wl_chain_write(chain, &nw, cap < sizeof(nw) ? 32 : sizeof(nw));
	}
	if (msg->type == VIRTIO_WL_CMD_VFD_HUP) {
		struct virtio_wl_ctrl_vfd hup;

		if (cap < sizeof(hup))
			return 0;
		memset(&hup, 0, sizeof(hup));
		hup.hdr.type = htole32(VIRTIO_WL_CMD_VFD_HUP);
		hup.vfd_id = htole32(msg->vfd_id);
		*done = true;
		return wl_chain_write(chain, &hup, sizeof(hup));
	}

	/* VFD_RECV: ids go with the first part, data as far as it fits. */
	head = sizeof(struct virtio_wl_ctrl_vfd_recv) + msg->n_ids * sizeof(uint32_t);
	/* Ids may go without data; a part with neither is not worth sending. */
	if (cap < head || (cap == head && !msg->n_ids && msg->data_len))
		return 0;
	{
		struct virtio_wl_ctrl_vfd_recv recv;

		memset(&recv, 0, sizeof(recv));
		recv.hdr.type = htole32(VIRTIO_WL_CMD_VFD_RECV);
		recv.vfd_id = htole32(msg->vfd_id);
		recv.vfd_count = htole32(msg->n_ids);
		memcpy(buf, &recv, sizeof(recv));
		for (i = 0; i < msg->n_ids; i++) {
			uint32_t id = htole32(msg->ids[i]);

			memcpy(buf + sizeof(recv) + i * 4, &id, 4);
		}
	}
	written = wl_chain_write(chain, buf, head);
	n = msg->data_len;
	if (n > cap - head)
		n = cap - head;
	if (n) {
		/* Gather the data after the header across the segments. */
		size_t skip = head, copied = 0;

		for (i = 0; i < chain->n_writable && copied < n; i++) {
			size_t seg = chain->writable[i].iov_len, take;

			if (skip >= seg) {
				skip -= seg;
				continue;
			}
			take = seg - skip;
			if (take > n - copied)
				take = n - copied;
			memcpy((uint8_t *)chain->writable[i].iov_base + skip,
			       msg->data + msg->data_off + copied, take);
			copied += take;
			skip = 0;
		}
		written += copied;
		msg->data_off += (uint32_t)copied;
		msg->data_len -= (uint32_t)copied;
	}
	msg->n_ids = 0;
	*done = msg->data_len == 0;
	return written;
}

void
wl_recv_flush(struct wl_dev *dev)
{
	bool pushed = false;

	while (dev->pending && !dev->broken_in) {
		struct wl_chain chain;
		size_t written;
		bool done;
		int ret;

		ret = dev->ops->pop(dev->vmm, WL_QUEUE_IN, &chain);
		if (ret < 0) {
			wl_log(dev, "in queue unusable (%d): stopped", ret);
			dev->broken_in = true;
			break;
		}
		if (ret == 0)
			break;
		written = write_msg(dev, dev->pending, &chain, &done);
		dev->ops->push(dev->vmm, WL_QUEUE_IN, &chain, (uint32_t)written);
		pushed = true;
		if (done)
			unlink_msg(dev, &dev->pending);
	}
	if (pushed)
		dev->ops->notify(dev->vmm, WL_QUEUE_IN);
}

void
wl_recv_hang_up(struct wl_dev *dev, struct wl_vfd *vfd)
{
	wl_vfd_poll(dev, vfd, false);
	if (vfd->kind != WL_VFD_FENCE && vfd->fd >= 0) {
		/* Nothing more will come; let the host side see we are gone. */
		wl_send_drop_queue(dev, vfd);
		close(vfd->fd);
		vfd->fd = -1;
	}
	if (!vfd->hung_up) {
		vfd->hung_up = true;
		wl_msg_queue(dev, VIRTIO_WL_CMD_VFD_HUP, vfd->id);
	}
}

/* One read from a context socket: N x VFD_NEW, then one VFD_RECV. */
static void
read_context(struct wl_dev *dev, struct wl_vfd *ctx)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * WL_MAX_VFDS_PER_MSG)];
		struct cmsghdr align;
	} control;
	uint32_t ids[WL_MAX_VFDS_PER_MSG];
	int fds[WL_MAX_VFDS_PER_MSG];
	unsigned int n_fds = 0, n_ids = 0, i;
	struct cmsghdr *cmsg;
	struct msghdr mh;
	struct iovec iov;
	struct wl_msg *msg;
	uint8_t *data;
	ssize_t len;

	data = malloc(WL_RECV_MAX_DATA);
	if (!data)
		return;
	iov.iov_base = data;
	iov.iov_len = WL_RECV_MAX_DATA;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	len = recvmsg(ctx->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (len < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(data);
		return;
	}
	for (cmsg = len < 0 ? NULL : CMSG_FIRSTHDR(&mh); cmsg;
	     cmsg = CMSG_NXTHDR(&mh, cmsg)) {
		size_t n;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (n_fds < WL_MAX_VFDS_PER_MSG)
				fds[n_fds++] = fd;
			else
				close(fd);
		}
	}
	if (len < 0 || (len == 0 && n_fds == 0) || (mh.msg_flags & MSG_CTRUNC)) {
		/* EOF, an error, or fds lost on the way: the stream is over. */
		if (len > 0 || n_fds)
			wl_log(dev, "context %#x: fds lost, hanging up", ctx->id);
		for (i = 0; i < n_fds; i++)
			close(fds[i]);
		free(data);
		wl_recv_hang_up(dev, ctx);
		return;
	}
	for (i = 0; i < n_fds; i++) {
		struct wl_vfd *vfd = wl_vfd_from_host_fd(dev, fds[i]);

		if (!vfd) {
			/* Passing fewer fds would corrupt the stream: stop it. */
			wl_log(dev, "context %#x: host fd refused (limits), hanging up",
			       ctx->id);
			while (++i < n_fds)
				close(fds[i]);
			while (n_ids)
				wl_vfd_destroy(dev, wl_vfd_lookup(dev, ids[--n_ids]));
			free(data);
			wl_recv_hang_up(dev, ctx);
			return;
		}
		ids[n_ids++] = vfd->id;
	}
	for (i = 0; i < n_ids; i++)
		wl_msg_queue(dev, VIRTIO_WL_CMD_VFD_NEW, ids[i]);
	msg = wl_msg_queue(dev, VIRTIO_WL_CMD_VFD_RECV, ctx->id);
	if (!msg) {
		free(data);
		return;
	}
	memcpy(msg->ids, ids, n_ids * sizeof(ids[0]));
	msg->n_ids = n_ids;
	msg->data = data;
	msg->data_len = (uint32_t)len;
}

static void
read_pipe(struct wl_dev *dev, struct wl_vfd *pipe)
{
	struct wl_msg *msg;
	uint8_t *data;
	ssize_t len;

	data = malloc(WL_RECV_MAX_DATA);
	if (!data)
		return;
	len = recv(pipe->fd, data, WL_RECV_MAX_DATA, MSG_DONTWAIT);
	if (len < 0 && errno == ENOTSOCK)
		len = read(pipe->fd, data, WL_RECV_MAX_DATA);
	if (len < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(data);
		return;
	}
	if (len <= 0) {
		free(data);
		wl_recv_hang_up(dev, pipe);
		return;
	}
	msg = wl_msg_queue(dev, VIRTIO_WL_CMD_VFD_RECV, pipe->id);
	if (!msg) {
		free(data);
		return;
	}
	msg->data = data;
	msg->data_len = (uint32_t)len;
}

static void
service_vfd(struct wl_dev *dev, uint32_t id)
{
	struct wl_vfd *vfd = wl_vfd_lookup(dev, id);

	if (!vfd || !vfd->polled)
		return;
	switch (vfd->kind) {
	case WL_VFD_CTX:
		read_context(dev, vfd);
		break;
	case WL_VFD_PIPE:
		read_pipe(dev, vfd);
		break;
	case WL_VFD_FENCE:
		wl_recv_hang_up(dev, vfd);	/* readable means signalled */
		break;
	default:
		wl_vfd_poll(dev, vfd, false);
		break;
	}
}

void
wl_recv_run(struct wl_dev *dev)
{
	unsigned int budget;

	for (budget = 0; budget < WL_EVENT_BUDGET; budget++) {
		struct epoll_event ev;

		wl_recv_flush(dev);
		if (dev->pending || dev->broken_in ||
		    !dev->ops->has_chain(dev->vmm, WL_QUEUE_IN))
			break;
		if (epoll_wait(dev->input_fd, &ev, 1, 0) <= 0)
			break;
		service_vfd(dev, ev.data.u32);
	}
	wl_recv_flush(dev);
}
