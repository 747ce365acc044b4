/* SPDX-License-Identifier: MIT */
/*
 * A split virtqueue walked in guest memory that the VMM can see as one flat
 * host buffer: for VMMs without a virtio core of their own, and for the
 * tests and the fuzzer.  Every index, address and length read from guest
 * memory is checked; a chain is at most the queue size long; indirect
 * descriptors are not offered and refused.
 *
 * The model copies the iovecs of a chain it holds, so one set of iovecs
 * per queue is enough.  Chains popped and not yet pushed or released are
 * counted: a driver that makes the ring hand out more than it holds gets
 * -EIO, as from QEMU's virtqueue_pop.
 */
#ifndef VIRTWL_WL_VRING_H
#define VIRTWL_WL_VRING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wl_dev.h"

struct wl_vring {
	uint8_t *mem;		/* guest physical address 0 */
	uint64_t mem_size;
	uint16_t num;		/* queue size, a power of two */
	uint64_t desc, avail, used;	/* guest physical addresses */
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t in_flight;	/* popped, not pushed or released */
	bool ready;
	struct iovec readable[WL_QUEUE_SIZE];
	struct iovec writable[WL_QUEUE_SIZE];
};

/* Validates the layout; returns 0 (the ring is then ready) or -EINVAL. */
int wl_vring_setup(struct wl_vring *vr, uint8_t *mem, uint64_t mem_size,
		   uint16_t num, uint64_t desc, uint64_t avail, uint64_t used);
/* Same contract as wl_vmm_ops.pop / has_chain / push. */
int wl_vring_pop(struct wl_vring *vr, struct wl_chain *chain);
bool wl_vring_has_chain(const struct wl_vring *vr);
void wl_vring_push(struct wl_vring *vr, const struct wl_chain *chain,
		   uint32_t written);
/* A popped chain given back unused (wl_vmm_ops.release). */
void wl_vring_release(struct wl_vring *vr, const struct wl_chain *chain);

#endif /* VIRTWL_WL_VRING_H */
