/* SPDX-License-Identifier: ((GPL-2.0-only WITH Linux-syscall-note) OR MIT) */
/*
 * /dev/wl0 user-space ABI of the virtio_wl driver.
 *
 * Names, ioctl numbers and struct layouts are those of Chromium OS's
 * virtwl.h, so that programs written for it (Sommelier among them) build
 * and run unchanged.  Every field is 32 bits wide, so 32-bit and 64-bit
 * processes share one layout.
 */
#ifndef _LINUX_VIRTWL_H
#define _LINUX_VIRTWL_H

#include <asm/ioctl.h>
#include <linux/types.h>

/* Most fds one VIRTWL_IOCTL_SEND or VIRTWL_IOCTL_RECV carries. */
#define VIRTWL_SEND_MAX_ALLOCS 28

#define VIRTWL_IOCTL_BASE 'w'
#define VIRTWL_IO(nr) _IO(VIRTWL_IOCTL_BASE, nr)
#define VIRTWL_IOR(nr, type) _IOR(VIRTWL_IOCTL_BASE, nr, type)
#define VIRTWL_IOW(nr, type) _IOW(VIRTWL_IOCTL_BASE, nr, type)
#define VIRTWL_IOWR(nr, type) _IOWR(VIRTWL_IOCTL_BASE, nr, type)

enum virtwl_ioctl_new_type {
	VIRTWL_IOCTL_NEW_CTX,		/* a connection to the default socket */
	VIRTWL_IOCTL_NEW_ALLOC,		/* host shared memory of 'size' bytes */
	VIRTWL_IOCTL_NEW_PIPE_READ,	/* a pipe the guest reads */
	VIRTWL_IOCTL_NEW_PIPE_WRITE,	/* a pipe the guest writes */
	VIRTWL_IOCTL_NEW_DMABUF,	/* a host dma-buf described by 'dmabuf' */
	VIRTWL_IOCTL_NEW_CTX_NAMED,	/* a connection to the socket 'name' */
};

/* 48 bytes (16 in the first version of the ABI, which is still accepted). */
struct virtwl_ioctl_new {
	__u32 type;	/* enum virtwl_ioctl_new_type */
	int fd;		/* out: the new vfd's file descriptor */
	__u32 flags;	/* must be 0 */
	union {
		__u32 size;	/* VIRTWL_IOCTL_NEW_ALLOC */
		struct {
			__u32 width;	/* in */
			__u32 height;	/* in */
			__u32 format;	/* in: DRM fourcc */
			__u32 stride0;	/* out */
			__u32 stride1;	/* out */
			__u32 stride2;	/* out */
			__u32 offset0;	/* out */
			__u32 offset1;	/* out */
			__u32 offset2;	/* out */
		} dmabuf;	/* VIRTWL_IOCTL_NEW_DMABUF */
		char name[32];	/* VIRTWL_IOCTL_NEW_CTX_NAMED */
	};
};

/*
 * SEND: fds[] lists the vfds to pass and ends at the first negative entry;
 * len is the number of data bytes.  RECV: len is the capacity on entry and
 * the number of bytes received on return; unused fds[] slots are -1.
 */
struct virtwl_ioctl_txn {
	int fds[VIRTWL_SEND_MAX_ALLOCS];
	__u32 len;
	__u8 data[0];
};

struct virtwl_ioctl_dmabuf_sync {
	__u32 flags;	/* DMA_BUF_SYNC_* bits */
};

#define VIRTWL_IOCTL_NEW VIRTWL_IOWR(0x00, struct virtwl_ioctl_new)
#define VIRTWL_IOCTL_SEND VIRTWL_IOR(0x01, struct virtwl_ioctl_txn)
#define VIRTWL_IOCTL_RECV VIRTWL_IOW(0x02, struct virtwl_ioctl_txn)
#define VIRTWL_IOCTL_DMABUF_SYNC VIRTWL_IOR(0x03, struct virtwl_ioctl_dmabuf_sync)
#define VIRTWL_IOCTL_MAXNR 3

#endif /* _LINUX_VIRTWL_H */
