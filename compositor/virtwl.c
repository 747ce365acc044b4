// SPDX-License-Identifier: MIT
/*
 * The virtwl channel: reaching the host compositor through /dev/wl0.
 *
 * Each host connection is a virtwl context.  libwayland-client talks to
 * one end of a socketpair; wlnest pumps the other end to and from the
 * context (VIRTWL_IOCTL_SEND / RECV), translating fds on the way:
 * - fds wlnest sends are host memory it allocated with NEW{ALLOC} (the shm
 *   copy path), already vfds, passed as they are;
 * - a memory file (libdecor's frame buffers, drawn inside wlnest) moves
 *   into a new allocation: its bytes are copied once and each of wlnest's
 *   shared, writable mappings of it becomes, at the same address, a
 *   mapping of the allocation, so that what is drawn later lands in
 *   memory the host sees;
 * - a pipe a guest client hands over (clipboard, drag and drop) cannot
 *   cross: a virtwl pipe takes its place and wlnest relays the bytes
 *   between the two, without blocking the event loop;
 * - fds from the host arrive as vfds (keymaps, pipes) and go to the guest
 *   client unchanged: they can be mapped, read and written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/virtwl.h>

#include "nest.h"

#define PUMP_BUFFER 4096	/* a Wayland connection's own buffer size */
#define MAX_FDS VIRTWL_SEND_MAX_ALLOCS
#define RELAY_BUFFER 65536
/* wlnest's own memory files moved into virtwl memory: at most this big,
 * mapped at most this many times (libdecor maps each buffer once) */
#define ADOPT_MAX_SIZE (64u << 20)
#define ADOPT_MAX_MAPS 8

struct virtwl {
	int device;
	char context_name[32];	/* empty: the unnamed default socket */
	struct wl_list links;	/* link.link */
};

/* One context and the socketpair end libwayland-client does not hold. */
struct link {
	struct nest *nest;
	struct wl_list link;	/* virtwl.links */
	int context;
	int sock;
	int peer;	/* the end libwayland-client holds (not ours to close) */
	struct wl_event_source *context_source, *sock_source;
	/* host -> guest bytes the socket could not take yet */
	uint8_t pending[PUMP_BUFFER];
	size_t pending_length;
	int pending_fds[MAX_FDS];
	int pending_fd_count;
};

/* Bytes from one pipe to another, one direction, without blocking. */
struct relay {
	struct wl_event_loop *loop;
	int from, to;
	struct wl_event_source *from_source, *to_source;
	uint8_t buffer[RELAY_BUFFER];
	size_t length, offset;
	bool eof;
};

static void
close_fds(int *fds, int count)
{
	for (int i = 0; i < count; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
}

/* ---- relays ---- */

static int relay_readable(int fd, uint32_t mask, void *data);
static int relay_writable(int fd, uint32_t mask, void *data);

static void
relay_destroy(struct relay *r)
{
	if (r->from_source)
		wl_event_source_remove(r->from_source);
	if (r->to_source)
		wl_event_source_remove(r->to_source);
	close(r->from);
	close(r->to);
	free(r);
}

/* Writes what is buffered; false once the relay is finished. */
static bool
relay_flush(struct relay *r)
{
	while (r->offset < r->length) {
		ssize_t n = write(r->to, r->buffer + r->offset,
				  r->length - r->offset);

		if (n > 0)
			r->offset += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return true;
		else
			return false;	/* the reader went away */
	}
	r->offset = r->length = 0;
	return !r->eof;
}

/*
 * Reads only while nothing waits to be written: memory stays bounded.
 * The read side is taken out of the loop meanwhile, not just masked: a
 * hung-up pipe is reported whatever the mask, and would be read over the
 * bytes still waiting.
 */
static bool
relay_update(struct relay *r)
{
	bool want_write = r->offset < r->length;

	if (want_write) {
		if (r->from_source) {
			wl_event_source_remove(r->from_source);
			r->from_source = NULL;
		}
		if (!r->to_source)
			r->to_source = wl_event_loop_add_fd(r->loop, r->to,
							    WL_EVENT_WRITABLE,
							    relay_writable, r);
		return r->to_source != NULL;
	}
	if (r->to_source) {
		wl_event_source_remove(r->to_source);
		r->to_source = NULL;
	}
	if (!r->from_source)
		r->from_source = wl_event_loop_add_fd(r->loop, r->from,
						      WL_EVENT_READABLE,
						      relay_readable, r);
	return r->from_source != NULL;
}

static int
relay_readable(int fd, uint32_t mask, void *data)
{
	struct relay *r = data;
	ssize_t n = read(r->from, r->buffer, sizeof(r->buffer));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		r->eof = true;
	else
		r->length = (size_t)n;
	r->offset = 0;
	if (!relay_flush(r) || !relay_update(r))
		relay_destroy(r);
	return 0;
}

static int
relay_writable(int fd, uint32_t mask, void *data)
{
	struct relay *r = data;

	if (!relay_flush(r) || !relay_update(r))
		relay_destroy(r);
	return 0;
}

/* Takes both fds, closing them on failure. */
static bool
relay_start(struct nest *nest, int from, int to)
{
	struct relay *r = from >= 0 && to >= 0 ? calloc(1, sizeof(*r)) : NULL;

	if (!r) {
		if (from >= 0)
			close(from);
		if (to >= 0)
			close(to);
		return false;
	}
	r->loop = nest->loop;
	r->from = from;
	r->to = to;
	fcntl(from, F_SETFL, fcntl(from, F_GETFL) | O_NONBLOCK);
	fcntl(to, F_SETFL, fcntl(to, F_GETFL) | O_NONBLOCK);
	r->from_source = wl_event_loop_add_fd(nest->loop, from,
					      WL_EVENT_READABLE,
					      relay_readable, r);
	if (!r->from_source) {
		close(from);
		close(to);
		free(r);
		return false;
	}
	return true;
}

/* ---- fd translation, guest -> host ---- */

static bool
is_vfd(int fd)
{
	struct virtwl_ioctl_txn txn = { .len = 0 };

	for (int i = 0; i < MAX_FDS; i++)
		txn.fds[i] = -1;
	/* A zero-length send with no vfds sends nothing on a vfd. */
	return ioctl(fd, VIRTWL_IOCTL_SEND, &txn) == 0;
}

static int
new_vfd(struct virtwl *v, uint32_t type, uint32_t size)
{
	struct virtwl_ioctl_new request = { .type = type, .fd = -1 };

	if (type == VIRTWL_IOCTL_NEW_ALLOC)
		request.size = size;
	if (ioctl(v->device, VIRTWL_IOCTL_NEW, &request) < 0)
		return -1;
	return request.fd;
}

struct own_map {
	uintptr_t start, end;
	off_t offset;
	int prot;
};

/*
 * wlnest's own shared, writable mappings of the file behind fd: how many
 * (at most ADOPT_MAX_MAPS, -1 beyond or on error).  Read-only maps (the
 * shadows of forwarded pools) do not count: they only ever read.
 */
static int
own_maps(const struct stat *st, struct own_map *maps)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *line = NULL;
	size_t capacity = 0;
	int count = 0;

	if (!f)
		return -1;
	while (getline(&line, &capacity, f) > 0) {
		unsigned long start, end, offset, inode;
		unsigned int dev_major, dev_minor;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &start, &end,
			   perms, &offset, &dev_major, &dev_minor,
			   &inode) != 7 ||
		    inode != st->st_ino || dev_major != major(st->st_dev) ||
		    dev_minor != minor(st->st_dev) || perms[1] != 'w' ||
		    perms[3] != 's')
			continue;
		if (count == ADOPT_MAX_MAPS) {
			count = -1;
			break;
		}
		maps[count++] = (struct own_map){
			.start = start,
			.end = end,
			.offset = (off_t)offset,
			.prot = (perms[0] == 'r' ? PROT_READ : 0) | PROT_WRITE,
		};
	}
	free(line);
	fclose(f);
	return count;
}

/*
 * The vfd of a new allocation holding what was the memory file fd, now
 * mapped in its place wherever wlnest maps it (see the top of this
 * file); -1 if fd is no such file, or cannot move.
 */
static int
adopt_own_file(struct virtwl *v, int fd)
{
	struct own_map maps[ADOPT_MAX_MAPS];
	struct stat st;
	size_t size, length;
	uint8_t *copy;
	int count, vfd;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > ADOPT_MAX_SIZE)
		return -1;
	/* None when its user unmapped it before the send: then its bytes
	 * are final, and a copy is all there is to do. */
	count = own_maps(&st, maps);
	if (count < 0)
		return -1;
	size = (size_t)st.st_size;
	length = (size + (size_t)getpagesize() - 1) &
		 ~((size_t)getpagesize() - 1);
	for (int i = 0; i < count; i++) {
		if (maps[i].offset < 0 ||
		    (uint64_t)maps[i].offset + (maps[i].end - maps[i].start) >
			    length)
			return -1;
	}
	vfd = new_vfd(v, VIRTWL_IOCTL_NEW_ALLOC, (uint32_t)size);
	if (vfd < 0)
		return -1;
	copy = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (copy == MAP_FAILED)
		goto fail;
	for (size_t done = 0; done < size;) {
		ssize_t n = pread(fd, copy + done, size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			munmap(copy, size);
			goto fail;
		}
		done += (size_t)n;
	}
	munmap(copy, size);
	/* In place: nothing else runs in wlnest meanwhile. */
	for (int i = 0; i < count; i++) {
		void *at = (void *)maps[i].start;
		size_t len = maps[i].end - maps[i].start;

		if (mmap(at, len, maps[i].prot, MAP_SHARED | MAP_FIXED, vfd,
			 maps[i].offset) != MAP_FAILED)
			continue;
		nest_log("cannot move memory into virtwl: %s", strerror(errno));
		/* A failed fixed map may leave a hole: the file goes back. */
		if (mmap(at, len, maps[i].prot, MAP_SHARED | MAP_FIXED, fd,
			 maps[i].offset) == MAP_FAILED)
			abort();	/* its user would fault anyway */
		goto fail;
	}
	nest_debug("a memory file of %zu bytes moved into virtwl memory "
		   "(%d of wlnest's maps follow it)", size, count);
	return vfd;

fail:
	close(vfd);
	return -1;
}

/*
 * A vfd to send in place of fd, which wlnest then no longer needs; -1 if
 * fd cannot cross (logged).
 */
static int
translate_fd(struct nest *nest, int fd)
{
	struct virtwl *v = nest->channel_data;
	int mode, vfd;

	if (is_vfd(fd))
		return fd;
	vfd = adopt_own_file(v, fd);
	if (vfd >= 0) {
		close(fd);
		return vfd;
	}
	mode = fcntl(fd, F_GETFL);
	if (mode < 0)
		goto fail;
	if ((mode & O_ACCMODE) == O_WRONLY) {
		/* The guest reads what the host writes into a virtwl pipe. */
		vfd = new_vfd(v, VIRTWL_IOCTL_NEW_PIPE_READ, 0);
		if (vfd < 0)
			goto fail_pipe;
		if (!relay_start(nest, dup(vfd), fd))
			goto fail_relay;
		return vfd;
	}
	if ((mode & O_ACCMODE) == O_RDONLY) {
		vfd = new_vfd(v, VIRTWL_IOCTL_NEW_PIPE_WRITE, 0);
		if (vfd < 0)
			goto fail_pipe;
		if (!relay_start(nest, fd, dup(vfd)))
			goto fail_relay;
		return vfd;
	}
fail:
	nest_log("an fd of this kind cannot reach the host through virtwl");
	close(fd);
	return -1;
fail_pipe:
	nest_log("cannot make a virtwl pipe: %s", strerror(errno));
	close(fd);
	return -1;
fail_relay:
	nest_log("cannot relay a pipe to the host");
	close(vfd);
	return -1;
}

/* ---- the pump ---- */

static void
link_destroy(struct link *l)
{
	if (l->context_source)
		wl_event_source_remove(l->context_source);
	if (l->sock_source)
		wl_event_source_remove(l->sock_source);
	close_fds(l->pending_fds, l->pending_fd_count);
	close(l->context);
	close(l->sock);
	wl_list_remove(&l->link);
	free(l);
}

static int context_readable(int fd, uint32_t mask, void *data);

/* guest wlnest -> host: whatever libwayland-client wrote. */
static int
sock_readable(int fd, uint32_t mask, void *data)
{
	struct link *l = data;
	struct {
		struct virtwl_ioctl_txn txn;
		uint8_t data[PUMP_BUFFER];
	} out;
	char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = { out.data, sizeof(out.data) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	int count = 0;
	ssize_t n;

	if (mask & WL_EVENT_WRITABLE) {
		/* the guest side takes bytes again */
		wl_event_source_fd_update(l->sock_source, WL_EVENT_READABLE);
		wl_event_source_fd_update(l->context_source,
					  WL_EVENT_READABLE);
		if (context_readable(l->context, 0, l) < 0)
			return 0;	/* l is gone */
	}
	if (!(mask & (WL_EVENT_READABLE | WL_EVENT_HANGUP)))
		return 0;

	n = recvmsg(l->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n > 0 && (msg.msg_flags & MSG_CTRUNC)) {
		/* fds lost to truncation would desynchronize the stream */
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
		     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
			if (cmsg->cmsg_type == SCM_RIGHTS)
				close_fds((int *)CMSG_DATA(cmsg),
					  (int)((cmsg->cmsg_len - CMSG_LEN(0)) /
						sizeof(int)));
		}
		n = -1;
	}
	if (n <= 0) {
		/* libwayland-client disconnected: the context goes too. */
		link_destroy(l);
		return 0;
	}
	for (int i = 0; i < MAX_FDS; i++)
		out.txn.fds[i] = -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		int *fds = (int *)CMSG_DATA(cmsg);
		size_t nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < nfds; i++) {
			int vfd = translate_fd(l->nest, fds[i]);

			if (vfd >= 0 && count < MAX_FDS)
				out.txn.fds[count++] = vfd;
			else if (vfd >= 0)
				close(vfd);
		}
	}
	out.txn.len = (uint32_t)n;
	if (ioctl(l->context, VIRTWL_IOCTL_SEND, &out.txn) < 0) {
		nest_debug("virtwl send failed: %s", strerror(errno));
		close_fds(out.txn.fds, count);
		link_destroy(l);
		return 0;
	}
	close_fds(out.txn.fds, count);
	return 0;
}

/* Hands what the host sent to libwayland-client; false if it must wait. */
static bool
deliver_pending(struct link *l)
{
	char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = { l->pending, l->pending_length };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (l->pending_fd_count > 0) {
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * l->pending_fd_count);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * l->pending_fd_count);
		memcpy(CMSG_DATA(cmsg), l->pending_fds,
		       sizeof(int) * l->pending_fd_count);
	}
	do {
		n = sendmsg(l->sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return false;
	close_fds(l->pending_fds, l->pending_fd_count);
	l->pending_fd_count = 0;
	/* A stream socket may take part of it: keep the rest. */
	memmove(l->pending, l->pending + n, l->pending_length - (size_t)n);
	l->pending_length -= (size_t)n;
	return l->pending_length == 0;
}

/* host -> guest wlnest; -1 once the link is destroyed */
static int
context_readable(int fd, uint32_t mask, void *data)
{
	struct link *l = data;
	struct {
		struct virtwl_ioctl_txn txn;
		uint8_t data[PUMP_BUFFER];
	} in;

	if (l->pending_length || l->pending_fd_count) {
		if (!deliver_pending(l)) {
			if (errno == EAGAIN)
				goto wait_for_guest;
			link_destroy(l);
			return -1;
		}
	}
	in.txn.len = sizeof(in.data);
	if (ioctl(l->context, VIRTWL_IOCTL_RECV, &in.txn) < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		nest_debug("virtwl receive failed: %s", strerror(errno));
		link_destroy(l);
		return -1;
	}
	l->pending_fd_count = 0;
	for (int i = 0; i < MAX_FDS; i++) {
		if (in.txn.fds[i] >= 0)
			l->pending_fds[l->pending_fd_count++] = in.txn.fds[i];
	}
	if (in.txn.len == 0 && l->pending_fd_count == 0) {
		/* the host hung up: libwayland-client sees end of file */
		link_destroy(l);
		return -1;
	}
	memcpy(l->pending, in.data, in.txn.len);
	l->pending_length = in.txn.len;
	if (deliver_pending(l))
		return 0;
	if (errno != EAGAIN) {
		link_destroy(l);
		return -1;
	}
wait_for_guest:
	wl_event_source_fd_update(l->context_source, 0);
	wl_event_source_fd_update(l->sock_source,
				  WL_EVENT_READABLE | WL_EVENT_WRITABLE);
	return 0;
}

static int
virtwl_connect(struct nest *nest)
{
	struct virtwl *v = nest->channel_data;
	struct virtwl_ioctl_new request = { .fd = -1 };
	struct link *l;
	int sv[2];

	if (v->context_name[0]) {
		request.type = VIRTWL_IOCTL_NEW_CTX_NAMED;
		memcpy(request.name, v->context_name, sizeof(request.name));
	} else {
		request.type = VIRTWL_IOCTL_NEW_CTX;
	}
	if (ioctl(v->device, VIRTWL_IOCTL_NEW, &request) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto err_context;
	l = calloc(1, sizeof(*l));
	if (!l)
		goto err_pair;
	l->nest = nest;
	l->context = request.fd;
	l->sock = sv[1];
	l->peer = sv[0];
	wl_list_insert(&v->links, &l->link);
	fcntl(l->sock, F_SETFL, O_NONBLOCK);
	fcntl(l->context, F_SETFL, O_NONBLOCK);
	l->context_source = wl_event_loop_add_fd(nest->loop, l->context,
						 WL_EVENT_READABLE,
						 context_readable, l);
	l->sock_source = wl_event_loop_add_fd(nest->loop, l->sock,
					      WL_EVENT_READABLE,
					      sock_readable, l);
	if (!l->context_source || !l->sock_source) {
		link_destroy(l);
		close(sv[0]);
		errno = ENOMEM;
		return -1;
	}
	return sv[0];

err_pair:
	close(sv[0]);
	close(sv[1]);
err_context:
	close(request.fd);
	return -1;
}

/*
 * libwayland-client just wrote to its end: send the bytes on now, which
 * spares a wake-up of the event loop on every request the guest makes
 * (a turn of the loop is costly in a guest, more so under emulation).
 * What one read leaves waits for the loop, as before.
 */
static void
virtwl_flushed(struct nest *nest, int fd)
{
	struct virtwl *v = nest->channel_data;
	struct link *l;

	wl_list_for_each (l, &v->links, link) {
		if (l->peer == fd) {
			sock_readable(l->sock, WL_EVENT_READABLE, l);
			return;
		}
	}
}

static int
virtwl_alloc_shared(struct nest *nest, size_t size, void **data)
{
	struct virtwl *v = nest->channel_data;
	int fd;

	if (size == 0 || size > UINT32_MAX - 4096) {
		errno = EINVAL;
		return -1;
	}
	fd = new_vfd(v, VIRTWL_IOCTL_NEW_ALLOC, (uint32_t)size);
	if (fd < 0)
		return -1;
	*data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*data == MAP_FAILED) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

const struct channel_impl nest_virtwl_channel = {
	.name = "virtwl",
	.connect = virtwl_connect,
	.alloc_shared = virtwl_alloc_shared,
	.passes_dmabuf = false,
	.flushed = virtwl_flushed,
};

bool
nest_virtwl_open(struct nest *nest, const char *device,
		 const char *context_name)
{
	struct virtwl *v = calloc(1, sizeof(*v));

	if (!v)
		return false;
	wl_list_init(&v->links);
	if (context_name && strlen(context_name) > sizeof(v->context_name)) {
		nest_log("a virtwl socket name has at most %zu bytes",
			 sizeof(v->context_name));
		free(v);
		return false;
	}
	if (context_name)
		strncpy(v->context_name, context_name,
			sizeof(v->context_name));
	v->device = open(device, O_RDWR | O_CLOEXEC);
	if (v->device < 0) {
		nest_log("cannot open %s: %s", device, strerror(errno));
		free(v);
		return false;
	}
	nest->channel = &nest_virtwl_channel;
	nest->channel_data = v;
	return true;
}

void
nest_virtwl_close(struct nest *nest)
{
	struct virtwl *v = nest->channel_data;

	if (!v)
		return;
	close(v->device);
	free(v);
	nest->channel_data = NULL;
}
