// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wl_fake_vmm.h"

static int
fake_pop(void *vmm, enum wl_queue queue, struct wl_chain *chain)
{
	struct fake_vm *vm = vmm;

	return wl_vring_pop(&vm->ring[queue], chain);
}

static bool
fake_has_chain(void *vmm, enum wl_queue queue)
{
	struct fake_vm *vm = vmm;

	return wl_vring_has_chain(&vm->ring[queue]);
}

static void
fake_push(void *vmm, enum wl_queue queue, const struct wl_chain *chain,
	  uint32_t written)
{
	struct fake_vm *vm = vmm;

	wl_vring_push(&vm->ring[queue], chain, written);
}

static void
fake_release(void *vmm, enum wl_queue queue, const struct wl_chain *chain)
{
	struct fake_vm *vm = vmm;

	vm->releases++;
	wl_vring_release(&vm->ring[queue], chain);
}

static void
fake_notify(void *vmm, enum wl_queue queue)
{
	struct fake_vm *vm = vmm;

	vm->notifies[queue]++;
}

static int
fake_map_fd(void *vmm, int fd, uint64_t offset, uint64_t size, bool writable)
{
	struct fake_vm *vm = vmm;
	unsigned int i;
	void *ptr;

	if (vm->fail_map) {
		int err = vm->fail_map;

		vm->fail_map = 0;
		return -err;
	}
	for (i = 0; i < FAKE_MAX_MAPS; i++)
		if (vm->maps[i].live && offset < vm->maps[i].offset + vm->maps[i].size &&
		    vm->maps[i].offset < offset + size)
			return -EEXIST;	/* the model handed out overlapping ranges */
	ptr = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED,
		   fd, 0);
	if (ptr == MAP_FAILED)
		return -errno;
	for (i = 0; i < FAKE_MAX_MAPS; i++) {
		if (!vm->maps[i].live) {
			vm->maps[i] = (struct fake_map){ offset, size, writable, true, ptr };
			return 0;
		}
	}
	munmap(ptr, size);
	return -ENOSPC;
}

static void
fake_unmap(void *vmm, uint64_t offset, uint64_t size)
{
	struct fake_vm *vm = vmm;
	unsigned int i;

	for (i = 0; i < FAKE_MAX_MAPS; i++) {
		if (vm->maps[i].live && vm->maps[i].offset == offset &&
		    vm->maps[i].size == size) {
			munmap(vm->maps[i].ptr, size);
			vm->maps[i].live = false;
			return;
		}
	}
	snprintf(vm->last_log, sizeof(vm->last_log), "unmap of unknown range %llx",
		 (unsigned long long)offset);
	vm->logs++;
}

static uint64_t
fake_window_base(void *vmm)
{
	return FAKE_WINDOW_BASE;
}

static void
fake_watch(void *vmm, int fd, bool enable)
{
	struct fake_vm *vm = vmm;

	vm->watching = enable;
	vm->watch_fd = fd;
}

static int64_t
fake_now_ms(void *vmm)
{
	struct fake_vm *vm = vmm;

	return vm->clock_ms;
}

static void
fake_set_timer(void *vmm, int64_t deadline_ms)
{
	struct fake_vm *vm = vmm;

	vm->timer_ms = deadline_ms;
}

static void
fake_log(void *vmm, const char *msg)
{
	struct fake_vm *vm = vmm;

	snprintf(vm->last_log, sizeof(vm->last_log), "%s", msg);
	vm->logs++;
}

const struct wl_vmm_ops fake_vmm_ops = {
	.pop = fake_pop,
	.has_chain = fake_has_chain,
	.push = fake_push,
	.release = fake_release,
	.notify = fake_notify,
	.map = fake_map_fd,
	.unmap = fake_unmap,
	.window_base = fake_window_base,
	.watch = fake_watch,
	.now_ms = fake_now_ms,
	.set_timer = fake_set_timer,
	.log = fake_log,
};

int
fake_vm_init(struct fake_vm *vm, const struct wl_config *cfg, uint16_t num)
{
	unsigned int q;

	memset(vm, 0, sizeof(*vm));
	vm->watch_fd = -1;
	vm->clock_ms = 1000;
	vm->timer_ms = -1;
#ifdef FAKE_STATIC_MEM
	/* One buffer for every run: fresh pages cost more than clearing. */
	static uint8_t static_mem[FAKE_MEM_SIZE] __attribute__((aligned(4096)));

	vm->mem = static_mem;
	memset(vm->mem, 0, FAKE_MEM_SIZE);
#else
	vm->mem = calloc(1, FAKE_MEM_SIZE);
	if (!vm->mem)
		return -ENOMEM;
#endif
	vm->heap = FAKE_HEAP_START;
	for (q = 0; q < 2; q++) {
		uint64_t base = FAKE_QUEUE_BASE(q);

		if (wl_vring_setup(&vm->ring[q], vm->mem, FAKE_MEM_SIZE, num, base,
				   base + 0x1000, base + 0x2000) < 0)
			return -EINVAL;
	}
	vm->dev = wl_dev_create(cfg, &fake_vmm_ops, vm);
	return vm->dev ? 0 : -errno;
}

void
fake_vm_finish(struct fake_vm *vm)
{
	unsigned int i;

	wl_dev_destroy(vm->dev);
	for (i = 0; i < FAKE_MAX_MAPS; i++)
		if (vm->maps[i].live)
			munmap(vm->maps[i].ptr, vm->maps[i].size);
#ifndef FAKE_STATIC_MEM
	free(vm->mem);
#endif
}

uint64_t
fake_alloc(struct fake_vm *vm, uint32_t len)
{
	uint64_t addr;

	len = (len + 15) & ~15u;
	if (vm->heap + len > FAKE_MEM_SIZE)
		vm->heap = FAKE_HEAP_START;
	addr = vm->heap;
	vm->heap += len;
	return addr;
}

uint16_t
fake_post(struct fake_vm *vm, unsigned int queue, const struct fake_seg *segs,
	  unsigned int n)
{
	struct wl_vring *vr = &vm->ring[queue];
	uint16_t head = vm->next_desc[queue] % vr->num, d = head;
	uint16_t idx;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *desc = vm->mem + vr->desc + 16u * d;
		uint16_t next = (uint16_t)((d + 1) % vr->num);
		uint16_t flags = (uint16_t)((segs[i].write ? 2 : 0) | (i + 1 < n ? 1 : 0));
		uint64_t addr = htole64(segs[i].addr);
		uint32_t len = htole32(segs[i].len);

		memcpy(desc, &addr, 8);
		memcpy(desc + 8, &len, 4);
		flags = htole16(flags);
		next = htole16(next);
		memcpy(desc + 12, &flags, 2);
		memcpy(desc + 14, &next, 2);
		d = (uint16_t)((d + 1) % vr->num);
	}
	vm->next_desc[queue] = d;
	idx = htole16(head);
	memcpy(vm->mem + vr->avail + 4 + 2u * (vm->avail_idx[queue] % vr->num), &idx, 2);
	vm->avail_idx[queue]++;
	idx = htole16(vm->avail_idx[queue]);
	memcpy(vm->mem + vr->avail + 2, &idx, 2);
	return head;
}

bool
fake_used(struct fake_vm *vm, unsigned int queue, uint32_t *head, uint32_t *len)
{
	struct wl_vring *vr = &vm->ring[queue];
	uint16_t idx;
	uint64_t elem;

	memcpy(&idx, vm->mem + vr->used + 2, 2);
	if (le16toh(idx) == vm->used_seen[queue])
		return false;
	elem = vr->used + 4 + 8u * (vm->used_seen[queue] % vr->num);
	memcpy(head, vm->mem + elem, 4);
	memcpy(len, vm->mem + elem + 4, 4);
	*head = le32toh(*head);
	*len = le32toh(*len);
	vm->used_seen[queue]++;
	return true;
}

uint32_t
fake_cmd(struct fake_vm *vm, const void *req, size_t len, void *resp,
	 size_t resp_cap)
{
	uint64_t r = fake_alloc(vm, (uint32_t)len), w = fake_alloc(vm, (uint32_t)resp_cap);
	struct fake_seg segs[2] = {
		{ r, (uint32_t)len, false },
		{ w, (uint32_t)resp_cap, true },
	};
	uint32_t head, used, type;

	memcpy(vm->mem + r, req, len);
	memset(vm->mem + w, 0xee, resp_cap);
	fake_post(vm, WL_QUEUE_OUT, segs, 2);
	wl_dev_kick(vm->dev, WL_QUEUE_OUT);
	if (!fake_used(vm, WL_QUEUE_OUT, &head, &used) || used < 4)
		return 0;
	if (resp)
		memcpy(resp, vm->mem + w, used < resp_cap ? used : resp_cap);
	memcpy(&type, vm->mem + w, 4);
	return le32toh(type);
}

void
fake_post_in(struct fake_vm *vm, unsigned int count, uint32_t size)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct fake_seg seg = { fake_alloc(vm, size), size, true };
		uint16_t head = fake_post(vm, WL_QUEUE_IN, &seg, 1);

		vm->in_addr[head] = seg.addr;
	}
	wl_dev_kick(vm->dev, WL_QUEUE_IN);
}

void
fake_post_in_split(struct fake_vm *vm, unsigned int count, uint32_t size,
		   unsigned int pieces)
{
	unsigned int i, k;

	if (pieces < 1)
		pieces = 1;
	if (pieces > 4)
		pieces = 4;
	for (i = 0; i < count; i++) {
		/* One allocation, cut in pieces: the message reads contiguous. */
		uint64_t addr = fake_alloc(vm, size);
		struct fake_seg segs[4];
		uint32_t cut = size / pieces;
		uint16_t head;

		for (k = 0; k < pieces; k++)
			segs[k] = (struct fake_seg){ addr + k * cut,
						     k + 1 == pieces ? size - k * cut : cut,
						     true };
		head = fake_post(vm, WL_QUEUE_IN, segs, pieces);
		vm->in_addr[head] = addr;
	}
	wl_dev_kick(vm->dev, WL_QUEUE_IN);
}

int
fake_in_msg(struct fake_vm *vm, void *buf, size_t cap)
{
	uint32_t head, len;

	uint64_t addr;
	size_t n;

	if (!fake_used(vm, WL_QUEUE_IN, &head, &len) || head >= 256)
		return -1;
	/*
	 * Callers may post over descriptors the device still holds (as a
	 * hostile driver may): the element may be an older chain than the
	 * one in_addr remembers, and longer.  Copy only what is memory.
	 */
	addr = vm->in_addr[head];
	n = len < cap ? len : cap;
	if (addr >= FAKE_MEM_SIZE)
		n = 0;
	else if (n > FAKE_MEM_SIZE - addr)
		n = FAKE_MEM_SIZE - addr;
	memcpy(buf, vm->mem + addr, n);
	return (int)len;
}

void
fake_run_events(struct fake_vm *vm)
{
	unsigned int i;

	/* A main loop calls back while the watched fd stays readable. */
	for (i = 0; i < 64 && vm->watching; i++) {
		struct pollfd pfd = { .fd = vm->watch_fd, .events = POLLIN };
		bool due = vm->timer_ms >= 0 && vm->clock_ms >= vm->timer_ms;

		if (!due && poll(&pfd, 1, 0) <= 0)
			break;
		wl_dev_handle_events(vm->dev);
	}
}

void
fake_advance(struct fake_vm *vm, int64_t ms)
{
	vm->clock_ms += ms;
	fake_run_events(vm);
}
