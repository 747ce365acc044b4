// SPDX-License-Identifier: MIT
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "wl_vring.h"

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4

static bool
in_mem(const struct wl_vring *vr, uint64_t addr, uint64_t len)
{
	return addr <= vr->mem_size && len <= vr->mem_size - addr;
}

static uint16_t
get16(const struct wl_vring *vr, uint64_t addr)
{
	uint16_t v;

	memcpy(&v, vr->mem + addr, sizeof(v));
	return le16toh(v);
}

int
wl_vring_setup(struct wl_vring *vr, uint8_t *mem, uint64_t mem_size,
	       uint16_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	memset(vr, 0, sizeof(*vr));
	vr->mem = mem;
	vr->mem_size = mem_size;
	if (num == 0 || num > WL_QUEUE_SIZE || (num & (num - 1)) ||
	    (desc & 15) || (avail & 1) || (used & 3) ||
	    !in_mem(vr, desc, 16ull * num) ||
	    !in_mem(vr, avail, 6 + 2ull * num) ||
	    !in_mem(vr, used, 6 + 8ull * num))
		return -EINVAL;
	vr->num = num;
	vr->desc = desc;
	vr->avail = avail;
	vr->used = used;
	vr->ready = true;
	return 0;
}

bool
wl_vring_has_chain(const struct wl_vring *vr)
{
	return vr->ready && get16(vr, vr->avail + 2) != vr->last_avail;
}

int
wl_vring_pop(struct wl_vring *vr, struct wl_chain *chain)
{
	unsigned int n_read = 0, n_write = 0, count;
	uint16_t avail_idx, head, i;

	if (!vr->ready)
		return 0;
	avail_idx = get16(vr, vr->avail + 2);
	if ((uint16_t)(avail_idx - vr->last_avail) > vr->num)
		return -EIO;	/* the driver claims more than the ring holds */
	if (avail_idx == vr->last_avail)
		return 0;
	if (vr->in_flight >= vr->num)
		return -EIO;	/* more chains out than the ring has entries */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = get16(vr, vr->avail + 4 + 2ull * (vr->last_avail % vr->num));
	if (head >= vr->num)
		return -EIO;
	for (i = head, count = 0;; count++) {
		uint64_t d = vr->desc + 16ull * i, addr;
		uint32_t len;
		uint16_t flags, next;

		if (count >= vr->num)
			return -ELOOP;
		memcpy(&addr, vr->mem + d, 8);
		memcpy(&len, vr->mem + d + 8, 4);
		addr = le64toh(addr);
		len = le32toh(len);
		flags = get16(vr, d + 12);
		next = get16(vr, d + 14);
		if (flags & DESC_F_INDIRECT)
			return -EIO;
		if (!in_mem(vr, addr, len))
			return -EFAULT;
		if (flags & DESC_F_WRITE) {
			vr->writable[n_write].iov_base = vr->mem + addr;
			vr->writable[n_write++].iov_len = len;
		} else {
			if (n_write)
				return -EIO;	/* readable after writable */
			vr->readable[n_read].iov_base = vr->mem + addr;
			vr->readable[n_read++].iov_len = len;
		}
		if (!(flags & DESC_F_NEXT))
			break;
		if (next >= vr->num)
			return -EIO;
		i = next;
	}
	vr->last_avail++;
	vr->in_flight++;
	chain->readable = vr->readable;
	chain->n_readable = n_read;
	chain->writable = vr->writable;
	chain->n_writable = n_write;
	chain->token = (void *)(uintptr_t)head;
	return 1;
}

void
wl_vring_push(struct wl_vring *vr, const struct wl_chain *chain, uint32_t written)
{
	uint64_t elem = vr->used + 4 + 8ull * (vr->used_idx % vr->num);
	uint32_t id = htole32((uint32_t)(uintptr_t)chain->token);
	uint16_t idx;

	if (vr->in_flight)
		vr->in_flight--;
	written = htole32(written);
	memcpy(vr->mem + elem, &id, 4);
	memcpy(vr->mem + elem + 4, &written, 4);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vr->used_idx++;
	idx = htole16(vr->used_idx);
	memcpy(vr->mem + vr->used + 2, &idx, 2);
}

void
wl_vring_release(struct wl_vring *vr, const struct wl_chain *chain)
{
	if (vr->in_flight)
		vr->in_flight--;
}
