/* SPDX-License-Identifier: MIT */
/*
 * The little request/reply protocol the in-guest test program
 * (wl-guest-test) speaks with the host-side test peer (wl-test-peer) over
 * a virtio_wl context.  Every request is a struct wlt_msg followed by
 * 'len' payload bytes, with any fds attached to its first byte; every
 * reply is the same.  Little-endian (both ends are x86-64).
 */
#ifndef VIRTWL_WL_TEST_PROTO_H
#define VIRTWL_WL_TEST_PROTO_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

struct wlt_msg {
	uint32_t op;	/* request: enum wlt_op; reply: the same op */
	uint32_t len;	/* payload bytes that follow */
	uint64_t arg;	/* request argument; reply: status or result */
	uint64_t arg2;	/* second argument; reply: second result */
};
static_assert(sizeof(struct wlt_msg) == 24, "wire struct size");

enum wlt_op {
	/* Reply: the same payload and the same fds, sent back. */
	WLT_ECHO = 1,
	/*
	 * fds[0] is shared memory of arg2 bytes holding pattern(arg); the
	 * peer checks it, then fills it with pattern(arg + 1).  Reply arg:
	 * 0, or 1 + the first bad offset.
	 */
	WLT_CHECK_MEM,
	/* The peer makes a memfd of arg2 bytes holding pattern(arg) and
	 * sends it with the reply; it keeps it for WLT_VERIFY_MEM. */
	WLT_MAKE_MEM,
	/* Checks that the last WLT_MAKE_MEM memfd holds pattern(arg). */
	WLT_VERIFY_MEM,
	/* fds[0] is a pipe's write end: the peer writes arg2 bytes of
	 * pattern(arg) into it and closes it.  Reply first. */
	WLT_FILL_PIPE,
	/* fds[0] is a pipe's read end: the peer reads it to EOF and replies
	 * when done: arg = 0 if it got exactly arg2 bytes of pattern(arg),
	 * arg2 = bytes read. */
	WLT_DRAIN_PIPE,
	/* The peer sends, with the reply, the read end of a new pipe into
	 * which it writes arg2 bytes of pattern(arg), then EOF. */
	WLT_MAKE_PIPE_R,
	/* The peer sends the write end of a new pipe with the reply, then
	 * reads it to EOF and sends a second reply as for WLT_DRAIN_PIPE. */
	WLT_MAKE_PIPE_W,
	/* No reply: the peer writes arg2 bytes of pattern(arg). */
	WLT_FLOOD,
	/* No reply: the peer reads arg2 bytes and checks pattern(arg); then
	 * replies with arg = 0 on a match. */
	WLT_SINK,
	/* Reply payload: the name of the socket this connection came in
	 * on ("" for the unnamed one). */
	WLT_WHOAMI,
	/* Reply arg: fds open in the process on the other end of this
	 * connection (the VMM); arg2: the peer's own open fds. */
	WLT_FDCOUNT,
	/* The peer closes this connection: the guest should see HUP. */
	WLT_HANGUP,
	/*
	 * The peer keeps the fds that came with this request open, as a
	 * compositor keeps a client's buffers, and never reads a pipe among
	 * them.  Reply arg: fds the peer holds this way in all.
	 */
	WLT_HOLD,
	/* The peer closes every fd it holds.  Reply arg: how many. */
	WLT_RELEASE,
};

/* A byte pattern that does not repeat every 256 bytes. */
static inline uint8_t wlt_pattern(uint64_t seed, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ (seed * 0xbf58476d1ce4e5b9ull);

	return (uint8_t)(x >> 29);
}

static inline void wlt_fill(void *buf, size_t len, uint64_t seed, uint64_t start)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = wlt_pattern(seed, start + i);
}

/* Returns 0 when buf holds pattern(seed) from 'start', else 1 + offset. */
static inline uint64_t wlt_check(const void *buf, size_t len, uint64_t seed,
				 uint64_t start)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != wlt_pattern(seed, start + i))
			return 1 + i;
	return 0;
}

/* Most fds one message carries (VIRTWL_SEND_MAX_ALLOCS). */
#define WLT_MAX_FDS 28

#endif /* VIRTWL_WL_TEST_PROTO_H */
