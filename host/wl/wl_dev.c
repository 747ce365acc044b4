// SPDX-License-Identifier: MIT
/*
 * The virtio-wl device: configuration, the out-queue command decoder,
 * host->guest messages on the in queue, and reading host fds.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* Configuration */

void
wl_config_init(struct wl_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->limits.max_vfds = WL_DEFAULT_MAX_VFDS;
	cfg->limits.max_mapped_bytes = WL_DEFAULT_MAX_MAPPED_BYTES;
	cfg->limits.max_send_bytes = WL_DEFAULT_MAX_SEND_BYTES;
	cfg->limits.io_timeout_ms = WL_DEFAULT_IO_TIMEOUT_MS;
	cfg->limits.max_pending_msgs = WL_DEFAULT_MAX_PENDING_MSGS;
	cfg->window_size = WL_DEFAULT_WINDOW_SIZE;
	cfg->offer_use_shmem = true;
}

static bool
valid_name(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > WL_SOCKET_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static const struct wl_socket_cfg *
find_socket(const struct wl_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_sockets; i++)
		if (!strcmp(cfg->sockets[i].name, name))
			return &cfg->sockets[i];
	return NULL;
}

int
wl_config_add_socket(struct wl_config *cfg, const char *name, const char *path,
		     char *err, size_t errlen)
{
	struct wl_socket_cfg *sock;
	size_t name_len = name ? strlen(name) : 0;

	if (name_len && !valid_name(name, name_len)) {
		snprintf(err, errlen, "bad socket name '%s' (1-%u of A-Z a-z 0-9 . _ -)",
			 name, WL_SOCKET_NAME_MAX);
		return -1;
	}
	if (!path[0]) {
		snprintf(err, errlen, "empty socket path");
		return -1;
	}
	if (strlen(path) >= sizeof(sock->path)) {
		snprintf(err, errlen, "socket path too long (max %zu bytes): %s",
			 sizeof(sock->path) - 1, path);
		return -1;
	}
	if (find_socket(cfg, name_len ? name : "")) {
		if (name_len)
			snprintf(err, errlen, "socket name '%s' given twice", name);
		else
			snprintf(err, errlen, "more than one unnamed socket");
		return -1;
	}
	if (cfg->n_sockets >= sizeof(cfg->sockets) / sizeof(cfg->sockets[0])) {
		snprintf(err, errlen, "too many sockets (max %u named + 1)",
			 WL_MAX_NAMED_SOCKETS);
		return -1;
	}
	sock = &cfg->sockets[cfg->n_sockets++];
	memset(sock, 0, sizeof(*sock));
	memcpy(sock->name, name, name_len);
	memcpy(sock->path, path, strlen(path) + 1);
	return 0;
}

int
wl_config_parse_socket(struct wl_config *cfg, const char *spec, char *err,
		       size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char name[WL_SOCKET_NAME_MAX + 1];
	size_t name_len;

	if (!eq || spec[0] == '/' || spec[0] == '.')
		return wl_config_add_socket(cfg, "", spec, err, errlen);
	name_len = (size_t)(eq - spec);
	if (name_len == 0 || name_len > WL_SOCKET_NAME_MAX) {
		snprintf(err, errlen, "bad socket name in '%s' (1-%u bytes)",
			 spec, WL_SOCKET_NAME_MAX);
		return -1;
	}
	memcpy(name, spec, name_len);
	name[name_len] = '\0';
	return wl_config_add_socket(cfg, name, eq + 1, err, errlen);
}

int
wl_config_check(const struct wl_config *cfg, char *err, size_t errlen)
{
	const struct wl_limits *l = &cfg->limits;

	if (cfg->window_size < WL_MIN_WINDOW_SIZE ||
	    (cfg->window_size & (cfg->window_size - 1))) {
		snprintf(err, errlen, "window size must be a power of two of at least %llu bytes",
			 (unsigned long long)WL_MIN_WINDOW_SIZE);
		return -1;
	}
	if (l->max_vfds == 0 || l->max_vfds > 0x100000) {
		snprintf(err, errlen, "max vfds must be 1..1048576");
		return -1;
	}
	if (l->max_mapped_bytes > cfg->window_size) {
		snprintf(err, errlen, "max mapped memory exceeds the window size");
		return -1;
	}
	if (l->max_send_bytes > (64u << 20)) {
		snprintf(err, errlen, "max send bytes must be at most 64 MiB");
		return -1;
	}
	if (cfg->memfd_server && find_socket(cfg, WL_MEMFD_CTX_NAME)) {
		snprintf(err, errlen, "socket name '%s' is the memfd server's",
			 WL_MEMFD_CTX_NAME);
		return -1;
	}
	return 0;
}

/* Lifetime */

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
	wl_window_init(&dev->window, cfg->window_size);
	/* Header, the largest id array, the data. */
	dev->cmd_cap = sizeof(struct virtio_wl_ctrl_vfd_send) +
		       WL_MAX_VFDS_PER_MSG * sizeof(struct virtio_wl_ctrl_vfd_send_vfd_v2) +
		       cfg->limits.max_send_bytes;
	if (dev->cmd_cap < sizeof(struct virtio_wl_ctrl_vfd_new))
		dev->cmd_cap = sizeof(struct virtio_wl_ctrl_vfd_new);
	dev->cmd_buf = malloc(dev->cmd_cap);
	if (!dev->cmd_buf)
		goto err_free;
	dev->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (dev->epoll_fd < 0)
		goto err_buf;
	return dev;

err_buf:
	free(dev->cmd_buf);
err_free:
	free(dev);
	return NULL;
}

static void
drop_all_msgs(struct wl_dev *dev)
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
set_watch(struct wl_dev *dev, bool on)
{
	if (on == dev->watching)
		return;
	dev->watching = on;
	dev->ops->watch(dev->vmm, dev->epoll_fd, on);
}

void
wl_dev_destroy(struct wl_dev *dev)
{
	if (!dev)
		return;
	set_watch(dev, false);
	drop_all_msgs(dev);
	wl_vfd_destroy_all(dev);
	wl_window_finish(&dev->window);
	close(dev->epoll_fd);
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
	set_watch(dev, false);
	drop_all_msgs(dev);
	wl_vfd_destroy_all(dev);
	dev->features = 0;
	dev->active = false;
	dev->broken_in = false;
	dev->broken_out = false;
	dev->next_host_id = VIRTIO_WL_VFD_HOST_ID_BIT;
}

void
wl_dev_get_stats(const struct wl_dev *dev, struct wl_dev_stats *stats)
{
	stats->vfds = dev->n_vfds;
	stats->mapped_bytes = dev->mapped_bytes;
	stats->pending_msgs = dev->n_pending;
	stats->watching = dev->watching;
	stats->broken = dev->broken_in || dev->broken_out;
}

/* Chains */

static size_t
chain_len(const struct iovec *iov, unsigned int n)
{
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > SIZE_MAX - total)
			return SIZE_MAX;
		total += iov[i].iov_len;
	}
	return total;
}

static size_t
chain_write(const struct wl_chain *chain, const void *buf, size_t len)
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
	size_t total = chain_len(chain->readable, chain->n_readable);
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

/* Host->guest messages */

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
	size_t cap = chain_len(chain->writable, chain->n_writable);
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
		return chain_write(chain, &nw, cap < sizeof(nw) ? 32 : sizeof(nw));
	}
	if (msg->type == VIRTIO_WL_CMD_VFD_HUP) {
		struct virtio_wl_ctrl_vfd hup;

		if (cap < sizeof(hup))
			return 0;
		memset(&hup, 0, sizeof(hup));
		hup.hdr.type = htole32(VIRTIO_WL_CMD_VFD_HUP);
		hup.vfd_id = htole32(msg->vfd_id);
		*done = true;
		return chain_write(chain, &hup, sizeof(hup));
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
	written = chain_write(chain, buf, head);
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

static void
flush_pending(struct wl_dev *dev)
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

/* Reading from host fds happens only while the guest gave us room. */
static void
update_watch(struct wl_dev *dev)
{
	set_watch(dev, dev->active && !dev->broken_in && !dev->pending &&
			       dev->ops->has_chain(dev->vmm, WL_QUEUE_IN));
}

static void
hang_up(struct wl_dev *dev, struct wl_vfd *vfd)
{
	wl_vfd_poll(dev, vfd, false);
	if (vfd->kind != WL_VFD_FENCE && vfd->fd >= 0) {
		/* Nothing more will come; let the host side see we are gone. */
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
		hang_up(dev, ctx);
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
			hang_up(dev, ctx);
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
		hang_up(dev, pipe);
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
		hang_up(dev, vfd);	/* readable means signalled */
		break;
	default:
		wl_vfd_poll(dev, vfd, false);
		break;
	}
}

void
wl_dev_handle_events(struct wl_dev *dev)
{
	unsigned int budget;

	if (!dev->active)
		return;
	for (budget = 0; budget < WL_EVENT_BUDGET; budget++) {
		struct epoll_event ev;

		flush_pending(dev);
		if (dev->pending || dev->broken_in ||
		    !dev->ops->has_chain(dev->vmm, WL_QUEUE_IN))
			break;
		if (epoll_wait(dev->epoll_fd, &ev, 1, 0) <= 0)
			break;
		service_vfd(dev, ev.data.u32);
	}
	flush_pending(dev);
	update_watch(dev);
}

/* Guest->host commands */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for room to write, at most until @deadline. */
static int
wait_writable(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int64_t left = deadline - now_ms();
	int ret;

	if (left <= 0)
		return -ETIMEDOUT;
	ret = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return -EPIPE;
	return 0;
}

static int
send_socket(struct wl_dev *dev, int fd, const uint8_t *data, size_t len,
	    const int *fds, unsigned int n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * WL_MAX_VFDS_PER_MSG)];
		struct cmsghdr align;
	} control;
	int64_t deadline = now_ms() + dev->cfg.limits.io_timeout_ms;
	bool fds_sent = n_fds == 0;
	size_t off = 0;

	while (off < len || !fds_sent) {
		struct msghdr mh;
		struct iovec iov = { (void *)(data + off), len - off };
		ssize_t ret;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (!fds_sent) {
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
		ret = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (ret >= 0) {
			off += (size_t)ret;
			fds_sent = true;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = wait_writable(fd, deadline);
		if (ret < 0)
			return (int)ret;
	}
	return 0;
}

static int
write_pipe(struct wl_dev *dev, int fd, const uint8_t *data, size_t len)
{
	int64_t deadline = now_ms() + dev->cfg.limits.io_timeout_ms;
	size_t off = 0;

	while (off < len) {
		/* PIPE_BUF at a time after POLLOUT never blocks, even on fds the
		 * host gave us in blocking mode. */
		size_t n = len - off > 4096 ? 4096 : len - off;
		ssize_t ret;
		int err = wait_writable(fd, deadline);

		if (err < 0)
			return err;
		ret = write(fd, data + off, n);
		if (ret < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		off += (size_t)ret;
	}
	return 0;
}

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
	vfd->fd = wl_memfd_create("virtwl_alloc", len);
	if (vfd->fd < 0 || wl_vfd_map(dev, vfd, len, true) < 0) {
		wl_vfd_destroy(dev, vfd);
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	}
	return respond_new(dev, resp, vfd);
}

static int
connect_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	/* Non-blocking: a compositor with a full backlog fails the guest's
	 * request instead of stalling the VMM. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
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
		sock = find_socket(&dev->cfg, name);
		if (!sock)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
	}
	if (dev->n_vfds >= dev->cfg.limits.max_vfds)
		return respond_code(resp, VIRTIO_WL_RESP_OUT_OF_MEMORY);
	if (sock) {
		fd = connect_socket(sock->path);
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
		wl_vfd_destroy(dev, vfd);
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
		vfd->fd = wl_memfd_create(name, alloc);
		if (vfd->fd < 0) {
			status = WL_MEMFD_HOST_ERROR;
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
		if (target->fd < 0)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		if (data_len || n_fds)
			ret = send_socket(dev, target->fd, data, data_len, fds, n_fds);
		break;
	case WL_VFD_PIPE:
		if (n_fds || !target->guest_writes)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
		if (target->fd < 0)
			return respond_code(resp, VIRTIO_WL_RESP_ERR);
		ret = write_pipe(dev, target->fd, data, data_len);
		break;
	case WL_VFD_MEMFD_CTX:
		if (n_fds)
			return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
		return memfd_request(dev, target, data, data_len, resp);
	default:
		return respond_code(resp, VIRTIO_WL_RESP_INVALID_TYPE);
	}
	if (ret < 0) {
		wl_log(dev, "send on vfd %#x failed: %s", target->id, strerror(-ret));
		return respond_code(resp, VIRTIO_WL_RESP_ERR);
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

static void
process_out_queue(struct wl_dev *dev)
{
	bool pushed = false;

	while (!dev->broken_out) {
		struct response resp;
		struct wl_chain chain;
		ssize_t len;
		uint32_t written;
		int ret;

		ret = dev->ops->pop(dev->vmm, WL_QUEUE_OUT, &chain);
		if (ret < 0) {
			wl_log(dev, "out queue unusable (%d): stopped", ret);
			dev->broken_out = true;
			break;
		}
		if (ret == 0)
			break;
		memset(&resp, 0, sizeof(resp));
		/* The answer overwrites the request: read all of it first. */
		len = chain_read(dev, &chain);
		if (len < 0)
			respond_code(&resp, VIRTIO_WL_RESP_ERR);
		else
			run_command(dev, dev->cmd_buf, (size_t)len, &resp);
		written = (uint32_t)chain_write(&chain, &resp.body, resp.len);
		dev->ops->push(dev->vmm, WL_QUEUE_OUT, &chain, written);
		pushed = true;
	}
	if (pushed)
		dev->ops->notify(dev->vmm, WL_QUEUE_OUT);
}

void
wl_dev_activate(struct wl_dev *dev, uint64_t features)
{
	dev->features = features & wl_dev_features(dev);
	dev->active = true;
	wl_dev_handle_events(dev);
}

void
wl_dev_kick(struct wl_dev *dev, enum wl_queue queue)
{
	if (!dev->active)
		return;
	if (queue == WL_QUEUE_OUT)
		process_out_queue(dev);
	/* New in-buffers, or messages a command queued. */
	wl_dev_handle_events(dev);
}
