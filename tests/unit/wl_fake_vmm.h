/* SPDX-License-Identifier: MIT */
/*
 * A fake VMM for the virtio-wl device model: flat guest memory, both
 * queues as split rings in it (walked by host/wl/wl_vring.c), and the
 * driver's side of those rings, so tests and the fuzzer can post chains
 * and read what the device answered.
 */
#ifndef VIRTWL_WL_FAKE_VMM_H
#define VIRTWL_WL_FAKE_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../host/wl/wl_dev.h"
#include "../../host/wl/wl_vring.h"

#ifndef FAKE_MEM_SIZE
#define FAKE_MEM_SIZE (8u << 20)
#endif
#define FAKE_QUEUE_BASE(q) (0x10000u * (q))
#define FAKE_HEAP_START 0x20000u
#define FAKE_WINDOW_BASE 0x100000000ull
#define FAKE_MAX_MAPS 512

struct fake_map {
	uint64_t offset;
	uint64_t size;
	bool writable;
	bool live;
	void *ptr;
};

struct fake_seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

struct fake_vm {
	uint8_t *mem;
	struct wl_vring ring[2];
	uint16_t avail_idx[2];
	uint16_t used_seen[2];
	uint16_t next_desc[2];
	uint64_t heap;
	uint64_t in_addr[256];	/* in-queue buffer by head */
	struct wl_dev *dev;

	unsigned int notifies[2];
	bool watching;
	int watch_fd;
	struct fake_map maps[FAKE_MAX_MAPS];
	int fail_map;		/* errno the next map() fails with */
	char last_log[256];
	unsigned int logs;
	unsigned int releases;	/* chains given back unanswered */
	int64_t clock_ms;	/* the device's clock: moves only by fake_advance */
	int64_t timer_ms;	/* the device's timer; -1: none */
};

extern const struct wl_vmm_ops fake_vmm_ops;

/* Sets up memory and rings (queue size @num) and creates the device. */
int fake_vm_init(struct fake_vm *vm, const struct wl_config *cfg, uint16_t num);
void fake_vm_finish(struct fake_vm *vm);

/* Guest memory from a bump allocator (it wraps around). */
uint64_t fake_alloc(struct fake_vm *vm, uint32_t len);
/* Publishes a chain of @n segments on @queue; returns its head. */
uint16_t fake_post(struct fake_vm *vm, unsigned int queue,
		   const struct fake_seg *segs, unsigned int n);
/* The next used entry of @queue, if any. */
bool fake_used(struct fake_vm *vm, unsigned int queue, uint32_t *head,
	       uint32_t *len);

/*
 * Runs one command: request as one readable buffer, a @resp_cap-byte
 * writable one; kicks the out queue.  Copies the answer to @resp (may be
 * NULL) and returns its type, or 0 if the device used nothing.
 */
uint32_t fake_cmd(struct fake_vm *vm, const void *req, size_t len, void *resp,
		  size_t resp_cap);
/* Posts @count in-buffers of @size bytes and kicks the in queue. */
void fake_post_in(struct fake_vm *vm, unsigned int count, uint32_t size);
/* The same, each buffer in @pieces (1-4) writable segments. */
void fake_post_in_split(struct fake_vm *vm, unsigned int count, uint32_t size,
			unsigned int pieces);
/* Copies the next message the device put in the in queue; its length or -1. */
int fake_in_msg(struct fake_vm *vm, void *buf, size_t cap);
/*
 * Lets the device read host fds as the VMM's main loop would (and fires
 * its timer when due).
 */
void fake_run_events(struct fake_vm *vm);
/* Moves the device's clock on by @ms and runs events. */
void fake_advance(struct fake_vm *vm, int64_t ms);

#endif /* VIRTWL_WL_FAKE_VMM_H */
