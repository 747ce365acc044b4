// SPDX-License-Identifier: MIT
/*
 * The virtio-wl device: configuration, the out-queue command decoder,
 * host->guest messages on the in queue, and reading host fds.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wl_internal.h"

/* The wire structs cross the guest boundary: pin their layout. */
static_assert(sizeof(struct virtio_wl_ctrl_hdr) == 8, "wire layout");
static_assert(sizeof(struct virtio_wl_ctrl_vfd) == 12, "wire layout");
static_assert(sizeof(struct virtio_wl_ctrl_vfd_new) == 64, "wire layout");
static_assert(sizeof(struct virtio_wl_ctrl_vfd_send) == 16, "wire layout");
static_assert(sizeof(struct virtio_wl_ctrl_vfd_recv) == 16, "wire layout");
static_assert(sizeof(struct virtio_wl_ctrl_vfd_send_vfd) == 8, "wire layout");
static_assert(sizeof(struct virtio_wl_ctrl_vfd_send_vfd_v2) == 16, "wire layout");
static_assert(16 + WL_MAX_VFDS_PER_MSG * 4 + WL_RECV_MAX_DATA == 4096,
	      "a RECV fits one 4 KiB in-buffer");

/* The smallest request of each command; shorter ones get RESP_ERR. */
#define NEW_MIN_LEN offsetof(struct virtio_wl_ctrl_vfd_new, dmabuf)
#define NEW_NAMED_MIN_LEN (offsetof(struct virtio_wl_ctrl_vfd_new, name) + 32)

/* run_command's answer for a chain that must wait; never a wire code. */
#define WL_HOLD 0u

/* memfd server status byte. */
enum wl_memfd_status {
	WL_MEMFD_OK = 0,
	WL_MEMFD_INVALID = 1,	/* malformed request, bad name or size */
	WL_MEMFD_NO_SPACE = 2,	/* a limit was reached */
	WL_MEMFD_HOST_ERROR = 3,
};

void
wl_log(struct wl_dev *dev, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!dev->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dev->ops->log(dev->vmm, line);
}


/* Lifetime */

static int
watch_tag(struct wl_dev *dev, int fd, enum wl_event_tag tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(dev->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

struct wl_dev *
wl_dev_create(const struct wl_config *cfg, const struct wl_vmm_ops *ops, void *vmm)
{
	struct wl_dev *dev;
	char err[128];

	if (wl_config_check(cfg, err, sizeof(err)) < 0) {
		errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->cfg = *cfg;
	dev->ops = ops;
	dev->vmm = vmm;
	dev->next_host_id = VIRTIO_WL_VFD_HOST_ID_BIT;
	dev->pending_tail = &dev->pending;
	dev->held_tail = &dev->held;
	dev->epoll_fd = dev->input_fd = dev->resume_fd = -1;
	dev->timer_deadline = -1;
	wl_window_init(&dev->window, cfg->window_size);
	/* Header, the largest id array, the data; more than any other request. */
	dev->cmd_cap = sizeof(struct virtio_wl_ctrl_vfd_send) +
		       WL_MAX_VFDS_PER_MSG * sizeof(struct virtio_wl_ctrl_vfd_send_vfd_v2) +
		       cfg->limits.max_send_bytes;
	static_assert(sizeof(struct virtio_wl_ctrl_vfd_send) + WL_MAX_VFDS_PER_MSG *
		      sizeof(struct virtio_wl_ctrl_vfd_send_vfd_v2) >=
		      sizeof(struct virtio_wl_ctrl_vfd_new), "command buffer");
	dev->cmd_buf = malloc(dev->cmd_cap);
	if (!dev->cmd_buf)
		goto err;
	dev->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	dev->input_fd = epoll_create1(EPOLL_CLOEXEC);
	dev->resume_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->epoll_fd < 0 || dev->input_fd < 0 || dev->resume_fd < 0 ||
	    watch_tag(dev, dev->resume_fd, WL_EV_RESUME) < 0)
		goto err;
	return dev;

err:
	wl_dev_destroy(dev);
	return NULL;
}

static void
close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void
set_watch(struct wl_dev *dev, bool on)
{
	if (on == dev->watching)
		return;
	dev->watching = on;
	dev->ops->watch(dev->vmm, dev->epoll_fd, on);
}

/* Reading from host fds happens only while the guest gave us room. */
static void
update_reading(struct wl_dev *dev)
{
	bool on = dev->active && !dev->broken_in && !dev->pending &&
		  dev->ops->has_chain(dev->vmm, WL_QUEUE_IN);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WL_EV_INPUT };

	if (on == dev->reading)
		return;
	if (epoll_ctl(dev->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		      dev->input_fd, &ev) == 0)
		dev->reading = on;
}

/* Back to the state after create: no vfds, nothing queued or held. */
/* Takes back a resume signal (none pending is fine: the read fails). */
static void
clear_resume(struct wl_dev *dev)
{
	uint64_t count;
	ssize_t ignored = read(dev->resume_fd, &count, sizeof(count));

	(void)ignored;
}

static void
clear(struct wl_dev *dev)
{
	set_watch(dev, false);
	dev->active = false;
	update_reading(dev);
	wl_held_release_all(dev);
	wl_msg_drop_all(dev);
	wl_vfd_destroy_all(dev);
	wl_timer_update(dev);
	clear_resume(dev);
}

void
wl_dev_destroy(struct wl_dev *dev)
{
	if (!dev)
		return;
	if (dev->epoll_fd >= 0 && dev->resume_fd >= 0)
		clear(dev);
	wl_window_finish(&dev->window);
	close_fd(dev->epoll_fd);
	close_fd(dev->input_fd);
	close_fd(dev->resume_fd);
	free(dev->cmd_buf);
	free(dev);
}

uint64_t
wl_dev_features(const struct wl_dev *dev)
{
	uint64_t f = (1ull << VIRTIO_WL_F_TRANS_FLAGS) |
		     (1ull << VIRTIO_WL_F_SEND_FENCES);

	if (dev->cfg.offer_use_shmem)
		f |= 1ull << VIRTIO_WL_F_USE_SHMEM;
	return f;
}

void
wl_dev_reset(struct wl_dev *dev)
{
	clear(dev);
	dev->features = 0;
	dev->broken_in = false;
	dev->broken_out = false;
	dev->next_host_id = VIRTIO_WL_VFD_HOST_ID_BIT;
}

void
wl_dev_get_stats(const struct wl_dev *dev, struct wl_dev_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->vfds = dev->n_vfds;
	stats->contexts = dev->n_contexts;
	stats->mapped_bytes = dev->mapped_bytes;
	stats->pending_msgs = dev->n_pending;
	stats->held_chains = dev->n_held;
	stats->draining = dev->n_draining;
	stats->queued_bytes = dev->out_bytes;
	stats->queued_fds = dev->out_fds;
	stats->reading = dev->reading;
	stats->broken = dev->broken_in || dev->broken_out;
}

/* Chains */

size_t
wl_chain_len(const struct iovec *iov, unsigned int n)
{
	size_t total = 0;
	unsigned int i;

	/* At most WL_QUEUE_SIZE segments of at most 4 GiB: no overflow. */
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

size_t
wl_chain_write(const struct wl_chain *chain, const void *buf, size_t len)
{
	const uint8_t *src = buf;
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < chain->n_writable && done < len; i++) {
		size_t n = chain->writable[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(chain->writable[i].iov_base, src + done, n);
		done += n;
	}
	return done;
}

/* Copies the readable part into dev->cmd_buf; -1 if it exceeds the cap. */
static ssize_t
chain_read(struct wl_dev *dev, const struct wl_chain *chain)
{
	size_t total = wl_chain_len(chain->readable, chain->n_readable);
	size_t done = 0;
	unsigned int i;

	if (total > dev->cmd_cap)
		return -1;
	for (i = 0; i < chain->n_readable; i++) {
		memcpy(dev->cmd_buf + done, chain->readable[i].iov_base,
		       chain->readable[i].iov_len);
		done += chain->readable[i].iov_len;
	}
	return (ssize_t)done;
}

/* Guest->host commands */

static bool
guest_id_ok(const struct wl_dev *dev, uint32_t id)
{
	return id != 0 && !(id & (VIRTIO_WL_VFD_HOST_ID_BIT |
				  VIRTIO_WL_VFD_ILLEGAL_ID_BIT)) &&
	       !wl_vfd_lookup(dev, id);
}

struct response {
	struct virtio_wl_ctrl_vfd_new body;	/* the largest answer */
	size_t len;
};

static uint32_t
respond_code(struct response *resp, uint32_t code)
{
	resp->body.hdr.type = htole32(code);
	resp->len = sizeof(struct virtio_wl_ctrl_hdr);
	return code;
}

static uint32_t
respond_new(struct wl_dev *dev, struct response *resp, const struct wl_vfd *vfd)
{
	resp->body.hdr.type = htole32(VIRTIO_WL_RESP_VFD_NEW);
	resp->body.vfd_id = htole32(vfd->id);
	resp->body.flags = htole32(wl_vfd_flags(dev, vfd));
	resp->body.pfn = htole64(wl_vfd_pfn(dev, vfd));
	resp->body.size = htole32(vfd->size);
	resp->len = sizeof(resp->body);
	return VIRTIO_WL_RESP_VFD_NEW;
}

static uint32_t
cmd_new_alloc(struct wl_dev *dev, const struct virtio_wl_ctrl_vfd_new *req,
	      struct response *resp)
{
	uint32_t id = le32toh(req->vfd_id);
	uint32_t flags = le32toh(req->flags);
	uint64_t size = le32toh(req->size);
	uint64_t len = (size + WL_PAGE_SIZE - 1) & ~(WL_PAGE_SIZE - 1);
	struct wl_vfd *vfd;

	if (!guest_id_ok(dev, id))
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);
	if (wl_dev_has(dev, VIRTIO_WL_F_TRANS_FLAGS)) {
		if (flags)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_FLAGS);
	} else if (flags & ~(uint32_t)(VIRTIO_WL_VFD_WRITE | VIRTIO_WL_VFD_MAP)) {
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	}
	if (size == 0)
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	if (len > UINT32_MAX)
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	vfd = wl_vfd_add(dev, id, WL_VFD_SHM);
	if (!vfd)
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	vfd->size = (uint32_t)len;
	vfd->fd = wl_memfd_create(dev, "virtwl_alloc", len);
	if (vfd->fd < 0 || wl_vfd_map(dev, vfd, len, true) < 0) {
		wl_vfd_destroy(dev, vfd);
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	}
	return respond_new(dev, resp, vfd);
}


static uint32_t
cmd_new_ctx(struct wl_dev *dev, uint32_t id, const char *name,
	    struct response *resp)
{
	const struct wl_socket_cfg *sock = NULL;
	bool memfd = dev->cfg.memfd_server && !strcmp(name, WL_MEMFD_CTX_NAME);
	struct wl_vfd *vfd;
	int fd = -1;

	if (!guest_id_ok(dev, id))
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);
	if (!memfd) {
		sock = wl_config_find_socket(&dev->cfg, name);
		if (!sock)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
	}
	if (dev->n_vfds >= dev->cfg.limits.max_vfds ||
	    dev->n_contexts >= dev->cfg.limits.max_contexts) {
		wl_log(dev, "context refused: %u of %u contexts open", dev->n_contexts,
		       dev->cfg.limits.max_contexts);
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	}
	if (sock) {
		fd = dev->ops->connect ? dev->ops->connect(dev->vmm, sock) :
					 wl_socket_connect(sock->path);
		if (fd < 0) {
			wl_log(dev, "cannot connect to %s: %s", sock->path,
			       strerror(-fd));
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		}
	}
	vfd = wl_vfd_add(dev, id, memfd ? WL_VFD_MEMFD_CTX : WL_VFD_CTX);
	if (!vfd) {
		if (fd >= 0)
			close(fd);
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	}
	vfd->fd = fd;
	if (fd >= 0 && wl_vfd_poll(dev, vfd, true) < 0) {
		wl_vfd_destroy(dev, vfd);
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	}
	return respond_new(dev, resp, vfd);
}

static uint32_t
cmd_new_pipe(struct wl_dev *dev, const struct virtio_wl_ctrl_vfd_new *req,
	     struct response *resp)
{
	uint32_t id = le32toh(req->vfd_id);
	uint32_t flags = le32toh(req->flags);
	struct wl_vfd *vfd;
	int fds[2];
	bool guest_reads;

	if (flags == VIRTIO_WL_VFD_READ)
		guest_reads = true;
	else if (flags == VIRTIO_WL_VFD_WRITE)
		guest_reads = false;
	else
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_FLAGS);
	if (!guest_id_ok(dev, id))
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);
	vfd = wl_vfd_add(dev, id, WL_VFD_PIPE);
	if (!vfd)
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		wl_vfd_destroy(dev, vfd);
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	}
	/* The guest's end stays here; the other goes out with a SEND. */
	vfd->guest_reads = guest_reads;
	vfd->guest_writes = !guest_reads;
	vfd->fd = guest_reads ? fds[0] : fds[1];
	vfd->remote_fd = guest_reads ? fds[1] : fds[0];
	vfd->guest_made = true;
	fcntl(vfd->fd, F_SETFL, O_NONBLOCK);
	if (guest_reads && wl_vfd_poll(dev, vfd, true) < 0) {
		wl_vfd_destroy(dev, vfd);
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	}
	respond_new(dev, resp, vfd);
	/* Echo the direction (a flags-0 answer makes the guest's fd O_RDONLY). */
	resp->body.flags = htole32(flags);
	return VIRTIO_WL_RESP_VFD_NEW;
}

static uint32_t
cmd_close(struct wl_dev *dev, uint32_t id, struct response *resp)
{
	struct wl_vfd *vfd = wl_vfd_lookup(dev, id);

	if (!vfd)
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);
	wl_msg_drop_for(dev, id);
	/* drop_for may have closed vfds announced to this one, not this one. */
	vfd = wl_vfd_lookup(dev, id);
	if (vfd)
		wl_vfd_close(dev, vfd);
	return respond_code(resp, VIRTIO_WL_RESP_OK);
}

/* The memfd server: one request per SEND, answered by a RECV. */
static uint32_t
memfd_request(struct wl_dev *dev, struct wl_vfd *ctx, const uint8_t *data,
	      size_t len, struct response *resp)
{
	char name[WL_MEMFD_NAME_MAX + 1];
	uint8_t status = WL_MEMFD_OK;
	struct wl_vfd *vfd = NULL;
	struct wl_msg *msg;
	uint64_t size;
	size_t i, name_len;

	if (dev->n_pending + 2 > dev->cfg.limits.max_pending_msgs)
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	if (len < 9 || len > 8 + WL_MEMFD_NAME_MAX) {
		status = WL_MEMFD_INVALID;
		goto reply;
	}
	memcpy(&size, data, 8);
	size = le64toh(size);
	name_len = len - 8;
	for (i = 0; i < name_len; i++) {
		if (data[8 + i] < 0x21 || data[8 + i] > 0x7e) {
			status = WL_MEMFD_INVALID;
			goto reply;
		}
		name[i] = (char)data[8 + i];
	}
	name[name_len] = '\0';
	if (size == 0 || size > UINT32_MAX - (WL_PAGE_SIZE - 1)) {
		status = WL_MEMFD_INVALID;
		goto reply;
	}
	{
		uint32_t id = wl_vfd_next_host_id(dev);
		uint64_t alloc = (size + WL_PAGE_SIZE - 1) & ~(WL_PAGE_SIZE - 1);

		vfd = id ? wl_vfd_add(dev, id, WL_VFD_SHM) : NULL;
		if (!vfd) {
			status = WL_MEMFD_NO_SPACE;
			goto reply;
		}
		vfd->size = (uint32_t)alloc;
		vfd->fd = wl_memfd_create(dev, name, alloc);
		if (vfd->fd < 0) {
			/* A full allocation tmpfs is a limit like any other. */
			status = vfd->fd == -ENOSPC ? WL_MEMFD_NO_SPACE :
						      WL_MEMFD_HOST_ERROR;
			wl_vfd_destroy(dev, vfd);
			vfd = NULL;
			goto reply;
		}
		if (wl_vfd_map(dev, vfd, alloc, true) < 0) {
			status = WL_MEMFD_NO_SPACE;
			wl_vfd_destroy(dev, vfd);
			vfd = NULL;
			goto reply;
		}
	}
reply:
	if (vfd && !wl_msg_queue(dev, VIRTIO_WL_CMD_VFD_NEW, vfd->id)) {
		wl_vfd_destroy(dev, vfd);
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	}
	msg = wl_msg_queue(dev, VIRTIO_WL_CMD_VFD_RECV, ctx->id);
	if (!msg)
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	msg->data = malloc(1);
	if (msg->data) {
		msg->data[0] = status;
		msg->data_len = 1;
	}
	if (vfd) {
		msg->ids[0] = vfd->id;
		msg->n_ids = 1;
	}
	return respond_code(resp, VIRTIO_WL_RESP_OK);
}

static uint32_t
cmd_send(struct wl_dev *dev, const uint8_t *buf, size_t len, bool foreign,
	 struct response *resp)
{
	struct virtio_wl_ctrl_vfd_send hdr;
	struct wl_vfd *sent[WL_MAX_VFDS_PER_MSG];
	int fds[WL_MAX_VFDS_PER_MSG];
	unsigned int n_fds = 0, i;
	size_t entry, data_len;
	const uint8_t *ids, *data;
	struct wl_vfd *target;
	uint32_t count;
	int ret = 0;

	if (len < sizeof(hdr))
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	memcpy(&hdr, buf, sizeof(hdr));
	count = le32toh(hdr.vfd_count);
	if (count > WL_MAX_VFDS_PER_MSG)
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_CMD);
	if (!foreign)
		entry = sizeof(uint32_t);
	else if (wl_dev_has(dev, VIRTIO_WL_F_SEND_FENCES))
		entry = sizeof(struct virtio_wl_ctrl_vfd_send_vfd_v2);
	else
		entry = sizeof(struct virtio_wl_ctrl_vfd_send_vfd);
	if ((len - sizeof(hdr)) / entry < count)
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	ids = buf + sizeof(hdr);
	data = ids + count * entry;
	data_len = len - sizeof(hdr) - count * entry;

	target = wl_vfd_lookup(dev, le32toh(hdr.vfd_id));
	if (!target)
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);

	for (i = 0; i < count; i++) {
		const uint8_t *e = ids + i * entry;
		uint32_t kind = VIRTIO_WL_CTRL_VFD_SEND_KIND_LOCAL, id;
		struct wl_vfd *vfd;
		int fd;

		if (foreign) {
			memcpy(&kind, e, 4);
			kind = le32toh(kind);
			memcpy(&id, e + (entry == 16 ? 8 : 4), 4);
		} else {
			memcpy(&id, e, 4);
		}
		id = le32toh(id);
		switch (kind) {
		case VIRTIO_WL_CTRL_VFD_SEND_KIND_LOCAL:
			break;
		case VIRTIO_WL_CTRL_VFD_SEND_KIND_VIRTGPU_SIGNALED_FENCE:
			continue;	/* nothing left to wait for */
		case VIRTIO_WL_CTRL_VFD_SEND_KIND_VIRTGPU:
		case VIRTIO_WL_CTRL_VFD_SEND_KIND_VIRTGPU_FENCE:
			/* No virtio-gpu here: no such resource. */
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);
		default:
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
		}
		vfd = wl_vfd_lookup(dev, id);
		if (!vfd)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_ID);
		switch (vfd->kind) {
		case WL_VFD_SHM:
		case WL_VFD_FENCE:
			fd = vfd->fd;
			break;
		case WL_VFD_PIPE:
			/* A pipe the guest made passes on its far end, once;
			 * one from the host passes on as it came. */
			fd = vfd->guest_made ? vfd->remote_fd : vfd->fd;
			break;
		default:
			/* A context stays between the guest and its compositor. */
			fd = -1;
			break;
		}
		if (fd < 0)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
		sent[n_fds] = vfd;
		fds[n_fds++] = fd;
	}

	switch (target->kind) {
	case WL_VFD_CTX:
		if (target->fd < 0 || target->out_failed)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		/* A stream drops fds sent with no byte: refuse what would be lost. */
		if (n_fds && !data_len) {
			wl_log(dev, "send on vfd %#x: fds without data", target->id);
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		}
		break;
	case WL_VFD_PIPE:
		if (n_fds || !target->guest_writes)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
		if (target->fd < 0 || target->out_failed)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		break;
	case WL_VFD_MEMFD_CTX:
		if (n_fds)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
		return memfd_request(dev, target, data, data_len, resp);
	default:
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
	}
	if (data_len) {
		ret = wl_send_data(dev, target, data, data_len, fds, n_fds,
				   dev->retrying);
		if (ret == WL_SEND_HOLD) {
			dev->hold_target = target->id;
			return WL_HOLD;
		}
		if (ret < 0) {
			wl_log(dev, "send on vfd %#x failed: %s", target->id,
			       strerror(-ret));
			return respond_code(resp, ret == -ENOMEM ?
					    VIRTIO_WL_RESP_OUT_OF_MEMORY :
					    VIRTIO_WL_RESP_ERR);
		}
	}
	/* The far end of a sent pipe now lives with the compositor only. */
	for (i = 0; i < n_fds; i++) {
		if (sent[i]->kind == WL_VFD_PIPE && sent[i]->remote_fd >= 0) {
			close(sent[i]->remote_fd);
			sent[i]->remote_fd = -1;
		}
	}
	return respond_code(resp, VIRTIO_WL_RESP_OK);
}

/* Decodes and runs one request; fills @resp. */
static uint32_t
run_command(struct wl_dev *dev, const uint8_t *buf, size_t len,
	    struct response *resp)
{
	struct virtio_wl_ctrl_vfd_new req;
	struct virtio_wl_ctrl_hdr hdr;
	char name[WL_SOCKET_NAME_MAX + 1];
	uint32_t type;

	if (len < sizeof(hdr))
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
	memcpy(&hdr, buf, sizeof(hdr));
	type = le32toh(hdr.type);
	memset(&req, 0, sizeof(req));
	memcpy(&req, buf, len < sizeof(req) ? len : sizeof(req));

	switch (type) {
	case VIRTIO_WL_CMD_VFD_NEW:
		if (len < NEW_MIN_LEN)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		return cmd_new_alloc(dev, &req, resp);
	case VIRTIO_WL_CMD_VFD_CLOSE:
		if (len < sizeof(struct virtio_wl_ctrl_vfd))
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		return cmd_close(dev, le32toh(req.vfd_id), resp);
	case VIRTIO_WL_CMD_VFD_SEND:
		return cmd_send(dev, buf, len, false, resp);
	case VIRTIO_WL_CMD_VFD_SEND_FOREIGN_ID:
		return cmd_send(dev, buf, len, true, resp);
	case VIRTIO_WL_CMD_VFD_NEW_CTX:
		if (len < sizeof(struct virtio_wl_ctrl_vfd))
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		return cmd_new_ctx(dev, le32toh(req.vfd_id), "", resp);
	case VIRTIO_WL_CMD_VFD_NEW_CTX_NAMED:
		if (len < NEW_NAMED_MIN_LEN)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		memcpy(name, req.name, sizeof(req.name));
		name[WL_SOCKET_NAME_MAX] = '\0';
		/* An empty name would reach the unnamed socket: refuse it. */
		if (!name[0])
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		return cmd_new_ctx(dev, le32toh(req.vfd_id), name, resp);
	case VIRTIO_WL_CMD_VFD_NEW_PIPE:
		if (len < NEW_MIN_LEN)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		return cmd_new_pipe(dev, &req, resp);
	default:
		/* Includes the dma-buf commands: this host has no GPU buffers. */
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_CMD);
	}
}

bool
wl_dev_run_chain(struct wl_dev *dev, const struct wl_chain *chain, bool retry)
{
	struct response resp;
	uint32_t written;
	ssize_t len;

	memset(&resp, 0, sizeof(resp));
	/* The answer overwrites the request: read all of it first. */
	len = chain_read(dev, chain);
	if (len < 0) {
		respond_code(&resp, VIRTIO_WL_RESP_ERR);
	} else {
		dev->retrying = retry;
		if (run_command(dev, dev->cmd_buf, (size_t)len, &resp) == WL_HOLD)
			return false;
	}
	written = (uint32_t)wl_chain_write(chain, &resp.body, resp.len);
	dev->ops->push(dev->vmm, WL_QUEUE_OUT, chain, written);
	dev->notify_out = true;
	return true;
}

static void
signal_resume(struct wl_dev *dev)
{
	uint64_t one = 1;
	/* Fails only with the counter near overflow: the wakeup is pending. */
	ssize_t ignored = write(dev->resume_fd, &one, sizeof(one));

	(void)ignored;
}

/*
 * Runs up to WL_KICK_BUDGET chains; if more wait, the resume fd makes the
 * VMM call back on its next turn instead of running a whole ring now.
 */
static void
process_out_queue(struct wl_dev *dev)
{
	unsigned int n;

	for (n = 0; !dev->broken_out; n++) {
		struct wl_chain chain;
		int ret;

		if (n == WL_KICK_BUDGET) {
			if (dev->ops->has_chain(dev->vmm, WL_QUEUE_OUT))
				signal_resume(dev);
			break;
		}
		ret = dev->ops->pop(dev->vmm, WL_QUEUE_OUT, &chain);
		if (ret < 0) {
			wl_log(dev, "out queue unusable (%d): stopped", ret);
			dev->broken_out = true;
			break;
		}
		if (ret == 0)
			break;
		if (!wl_dev_run_chain(dev, &chain, false) &&
		    !wl_held_add(dev, &chain, dev->hold_target,
				 wl_now_ms(dev) + dev->cfg.limits.io_timeout_ms)) {
			/* It cannot wait: answer now rather than lose it. */
			struct virtio_wl_ctrl_hdr err = {
				.type = htole32(VIRTIO_WL_RESP_OUT_OF_MEMORY),
			};

			dev->ops->push(dev->vmm, WL_QUEUE_OUT, &chain,
				       (uint32_t)wl_chain_write(&chain, &err, sizeof(err)));
			dev->notify_out = true;
		}
	}
	wl_timer_update(dev);
}

/* Notifies the out queue once for everything answered since the last time. */
static void
notify_out(struct wl_dev *dev)
{
	if (!dev->notify_out)
		return;
	dev->notify_out = false;
	dev->ops->notify(dev->vmm, WL_QUEUE_OUT);
}

static void
dispatch(struct wl_dev *dev, const struct epoll_event *ev)
{
	switch (ev->data.u64) {
	case WL_EV_INPUT:
		wl_recv_run(dev);
		break;
	case WL_EV_RESUME:
		clear_resume(dev);
		process_out_queue(dev);
		break;
	default:
		wl_send_flush(dev, ev->data.ptr);
		break;
	}
}

/* After any work: answers waiting chains, in messages, the timer. */
static void
settle(struct wl_dev *dev)
{
	if (dev->held)
		wl_held_retry(dev);
	wl_recv_flush(dev);
	update_reading(dev);
	wl_timer_update(dev);
	notify_out(dev);
}

void
wl_dev_handle_events(struct wl_dev *dev)
{
	unsigned int budget;

	if (!dev->active)
		return;
	if (dev->timer_deadline >= 0 && wl_now_ms(dev) >= dev->timer_deadline)
		wl_timer_expire(dev);
	update_reading(dev);
	for (budget = 0; budget < WL_EVENT_BUDGET; budget++) {
		struct epoll_event ev;

		/* One at a time: handling one event may free another's vfd. */
		if (epoll_wait(dev->epoll_fd, &ev, 1, 0) <= 0)
			break;
		dispatch(dev, &ev);
		update_reading(dev);
	}
	settle(dev);
}

void
wl_dev_activate(struct wl_dev *dev, uint64_t features)
{
	dev->features = features & wl_dev_features(dev);
	dev->active = true;
	set_watch(dev, true);
	wl_dev_handle_events(dev);
}

void
wl_dev_kick(struct wl_dev *dev, enum wl_queue queue)
{
	if (!dev->active)
		return;
	if (queue == WL_QUEUE_OUT)
		process_out_queue(dev);
	/*
	 * New in-buffers, or messages a command queued, go out now; host fds
	 * are read on the VMM's next turn (the watched fd says when).
	 */
	settle(dev);
}
