/* SPDX-License-Identifier: ((GPL-2.0-only WITH Linux-syscall-note) OR MIT) */
/*
 * virtio_wl wire protocol: the messages the guest driver and the host device
 * exchange over the two virtqueues of virtio device 63.
 *
 * Names, values and layouts are those of Chromium OS's virtio_wl.h, so that
 * a driver or device built from this header interoperates with crosvm and
 * the Chromium OS driver.  Every field is little-endian; structs use natural
 * alignment (no packing) and their sizes are checked at compile time by the
 * users of this header.
 */
#ifndef _LINUX_VIRTIO_WL_H
#define _LINUX_VIRTIO_WL_H

#include <linux/types.h>

#define VIRTWL_IN_BUFFER_SIZE 4096
#define VIRTWL_OUT_BUFFER_SIZE 4096
#define VIRTWL_VQ_IN 0		/* device -> driver */
#define VIRTWL_VQ_OUT 1		/* driver -> device */
#define VIRTWL_QUEUE_COUNT 2
#define VIRTWL_MAX_ALLOC 0x800	/* guest vfd ids are 1 .. VIRTWL_MAX_ALLOC - 1 */
#define VIRTWL_PFN_SHIFT 12	/* pfn fields always count 4 KiB pages */

/* Device feature bits (bit numbers). */
#define VIRTIO_WL_F_TRANS_FLAGS 1	/* vfd flags use the transition meaning */
#define VIRTIO_WL_F_SEND_FENCES 2	/* foreign-id entries are send_vfd_v2 */
#define VIRTIO_WL_F_USE_SHMEM 3		/* pfn is a page offset in shm region 0 */

/* The shared-memory region id that holds every mappable host object. */
#define VIRTIO_WL_SHMEM_ID 0

/* Host-allocated vfd ids have this bit set; bit 31 is never valid. */
#define VIRTIO_WL_VFD_HOST_ID_BIT 0x40000000u
#define VIRTIO_WL_VFD_ILLEGAL_ID_BIT 0x80000000u

/* Largest number of vfds one SEND or RECV carries. */
#define VIRTIO_WL_SEND_MAX_VFDS 28

/* The device has no configuration space. */
struct virtio_wl_config {
};

enum virtio_wl_ctrl_type {
	VIRTIO_WL_CMD_VFD_NEW = 0x100,
	VIRTIO_WL_CMD_VFD_CLOSE,		/* 0x101 */
	VIRTIO_WL_CMD_VFD_SEND,			/* 0x102 */
	VIRTIO_WL_CMD_VFD_RECV,			/* 0x103 */
	VIRTIO_WL_CMD_VFD_NEW_CTX,		/* 0x104 */
	VIRTIO_WL_CMD_VFD_NEW_PIPE,		/* 0x105 */
	VIRTIO_WL_CMD_VFD_HUP,			/* 0x106 */
	VIRTIO_WL_CMD_VFD_NEW_DMABUF,		/* 0x107 */
	VIRTIO_WL_CMD_VFD_DMABUF_SYNC,		/* 0x108 */
	VIRTIO_WL_CMD_VFD_SEND_FOREIGN_ID,	/* 0x109 */
	VIRTIO_WL_CMD_VFD_NEW_CTX_NAMED,	/* 0x10a */

	VIRTIO_WL_RESP_OK = 0x1000,
	VIRTIO_WL_RESP_VFD_NEW = 0x1001,
	VIRTIO_WL_RESP_VFD_NEW_DMABUF = 0x1002,

	VIRTIO_WL_RESP_ERR = 0x1100,
	VIRTIO_WL_RESP_OUT_OF_MEMORY,		/* 0x1101 */
	VIRTIO_WL_RESP_INVALID_ID,		/* 0x1102 */
	VIRTIO_WL_RESP_INVALID_TYPE,		/* 0x1103 */
	VIRTIO_WL_RESP_INVALID_FLAGS,		/* 0x1104 */
	VIRTIO_WL_RESP_INVALID_CMD,		/* 0x1105 */
};

/* 8 bytes; starts every command, response and host message. */
struct virtio_wl_ctrl_hdr {
	__le32 type;	/* enum virtio_wl_ctrl_type */
	__le32 flags;	/* always 0 */
};

/*
 * vfd flags.  With VIRTIO_WL_F_TRANS_FLAGS accepted, 0x2 means READ; in the
 * legacy meaning it is MAP and 0x4 marks a context (CONTROL).
 */
enum virtio_wl_vfd_flags {
	VIRTIO_WL_VFD_WRITE = 0x1,	/* the guest writes it */
	VIRTIO_WL_VFD_READ = 0x2,	/* the guest reads it (transition) */
	VIRTIO_WL_VFD_MAP = 0x2,	/* mappable at pfn (legacy) */
	VIRTIO_WL_VFD_CONTROL = 0x4,	/* carries vfds: a context (legacy) */
	VIRTIO_WL_VFD_FENCE = 0x8,	/* a host fence: only ever gets HUP */
};

/* 12 bytes: VFD_CLOSE, VFD_HUP and the device's view of VFD_NEW_CTX. */
struct virtio_wl_ctrl_vfd {
	struct virtio_wl_ctrl_hdr hdr;
	__le32 vfd_id;
};

/*
 * 64 bytes: VFD_NEW (both directions), VFD_NEW_CTX(_NAMED), VFD_NEW_PIPE,
 * VFD_NEW_DMABUF and the RESP_VFD_NEW* answers.
 */
struct virtio_wl_ctrl_vfd_new {
	struct virtio_wl_ctrl_hdr hdr;
	__le32 vfd_id;
	__le32 flags;	/* enum virtio_wl_vfd_flags */
	__le64 pfn;	/* 4 KiB page number (absolute, or shm offset) */
	__le32 size;	/* bytes */
	union {
		/* VFD_NEW_DMABUF request and RESP_VFD_NEW_DMABUF */
		struct {
			__le32 width;
			__le32 height;
			__le32 format;	/* DRM fourcc */
			__le32 stride0;
			__le32 stride1;
			__le32 stride2;
			__le32 offset0;
			__le32 offset1;
			__le32 offset2;
		} dmabuf;
		/* VFD_NEW_CTX_NAMED: NUL-padded, not always NUL-terminated */
		char name[32];
	};
};

enum virtio_wl_ctrl_vfd_send_kind {
	VIRTIO_WL_CTRL_VFD_SEND_KIND_LOCAL,		/* a vfd id */
	VIRTIO_WL_CTRL_VFD_SEND_KIND_VIRTGPU,		/* a virtio-gpu resource id */
	VIRTIO_WL_CTRL_VFD_SEND_KIND_VIRTGPU_FENCE,	/* a virtio-gpu fence seqno */
	VIRTIO_WL_CTRL_VFD_SEND_KIND_VIRTGPU_SIGNALED_FENCE,
};

/* 8 bytes: a VFD_SEND_FOREIGN_ID entry without VIRTIO_WL_F_SEND_FENCES. */
struct virtio_wl_ctrl_vfd_send_vfd {
	__le32 kind;	/* enum virtio_wl_ctrl_vfd_send_kind */
	__le32 id;
};

/* 16 bytes: a VFD_SEND_FOREIGN_ID entry with VIRTIO_WL_F_SEND_FENCES. */
struct virtio_wl_ctrl_vfd_send_vfd_v2 {
	__le32 kind;	/* enum virtio_wl_ctrl_vfd_send_kind */
	union {
		__le32 id;	/* KIND_LOCAL, KIND_VIRTGPU */
		__le64 seqno;	/* KIND_VIRTGPU_FENCE */
	};
};

/*
 * 16 bytes, then vfd_count ids (le32 each; kind/id entries for
 * VFD_SEND_FOREIGN_ID), then the data.  The data length is what is left of
 * the buffer: there is no length field.
 */
struct virtio_wl_ctrl_vfd_send {
	struct virtio_wl_ctrl_hdr hdr;
	__le32 vfd_id;		/* the context or pipe written to */
	__le32 vfd_count;
};

/* 16 bytes, then vfd_count le32 ids, then the data; host -> guest. */
struct virtio_wl_ctrl_vfd_recv {
	struct virtio_wl_ctrl_hdr hdr;
	__le32 vfd_id;		/* the context or pipe read from */
	__le32 vfd_count;
};

/* 16 bytes: VFD_DMABUF_SYNC; flags are the dma-buf sync bits (mask 0x7). */
struct virtio_wl_ctrl_vfd_dmabuf_sync {
	struct virtio_wl_ctrl_hdr hdr;
	__le32 vfd_id;
	__le32 flags;
};

#endif /* _LINUX_VIRTIO_WL_H */
