// SPDX-License-Identifier: MIT
/*
 * What a hostile guest can make the device model do, and what it cannot:
 * the VMM's thread never waits for a host fd (sends are queued, or held
 * unanswered and timed out), closed pipes still deliver, work per kick
 * is bounded, contexts and queued fds are limited, fds with no data are
 * refused, and allocations on a size-limited tmpfs stay bounded after the
 * guest sent them away and closed them.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../host/wl/wl_limits.h"
#include "wl_test_env.h"

#define CHUNK 32000

/* Answers by head: a held chain is answered after later ones. */
static struct {
	uint64_t resp_addr[256];
	uint32_t answer[256];
	bool done[256];
} tr;

static uint8_t chunk_data[64][CHUNK];

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint16_t
post_req(struct env *e, const void *req, size_t len)
{
	uint64_t r = fake_alloc(&e->vm, (uint32_t)len), w = fake_alloc(&e->vm, 64);
	struct fake_seg segs[2] = {
		{ r, (uint32_t)len, false },
		{ w, 64, true },
	};
	uint16_t head;

	memcpy(e->vm.mem + r, req, len);
	memset(e->vm.mem + w, 0xee, 64);
	head = fake_post(&e->vm, WL_QUEUE_OUT, segs, 2);
	tr.resp_addr[head] = w;
	tr.done[head] = false;
	return head;
}

static void
collect(struct env *e)
{
	uint32_t head, len, type;

	while (fake_used(&e->vm, WL_QUEUE_OUT, &head, &len)) {
		assert_true(head < 256 && len >= 4);
		memcpy(&type, e->vm.mem + tr.resp_addr[head], 4);
		tr.answer[head] = le32toh(type);
		tr.done[head] = true;
	}
}

/* The answer to the chain at @head, or 0 while it has none. */
static uint32_t
answer(struct env *e, uint16_t head)
{
	collect(e);
	return tr.done[head] ? tr.answer[head] : 0;
}

static uint16_t
post_send(struct env *e, uint32_t target, const uint32_t *ids, uint32_t n_ids,
	  const void *data, size_t len)
{
	static uint8_t buf[sizeof(struct virtio_wl_ctrl_vfd_send) + 28 * 4 + CHUNK];
	struct virtio_wl_ctrl_vfd_send hdr = { 0 };
	uint32_t i;

	assert_true(n_ids <= 28 && len <= CHUNK);
	hdr.hdr.type = htole32(VIRTIO_WL_CMD_VFD_SEND);
	hdr.vfd_id = htole32(target);
	hdr.vfd_count = htole32(n_ids);
	memcpy(buf, &hdr, sizeof(hdr));
	for (i = 0; i < n_ids; i++) {
		uint32_t id = htole32(ids[i]);

		memcpy(buf + sizeof(hdr) + 4 * i, &id, 4);
	}
	memcpy(buf + sizeof(hdr) + 4 * n_ids, data, len);
	return post_req(e, buf, sizeof(hdr) + 4 * n_ids + len);
}

/* Posts one SEND and kicks: how a driver sends. */
static uint16_t
send_async(struct env *e, uint32_t target, const void *data, size_t len)
{
	uint16_t head = post_send(e, target, NULL, 0, data, len);

	wl_dev_kick(e->vm.dev, WL_QUEUE_OUT);
	return head;
}

/*
 * Sends CHUNK-byte pieces (piece i filled with i) to @target, which no
 * one reads, until one is held.  Returns how many were answered OK; the
 * held one's head goes to *@held.
 */
static unsigned int
fill_until_held(struct env *e, uint32_t target, uint16_t *held)
{
	unsigned int i;

	for (i = 0; i < 64; i++) {
		uint16_t head = send_async(e, target, chunk_data[i], CHUNK);
		uint32_t a = answer(e, head);

		if (a == 0) {
			*held = head;
			return i;
		}
		assert_int_equal(a, VIRTIO_WL_RESP_OK);
	}
	fail_msg("64 sends to a socket nobody reads were all answered");
	return 0;
}

/* Reads what is there now from @fd into @got (@cap bytes); returns the count. */
static size_t
read_now(int fd, uint8_t *got, size_t cap)
{
	size_t have = 0;

	while (have < cap) {
		ssize_t n = recv(fd, got + have, cap - have, MSG_DONTWAIT);

		if (n < 0 && errno == ENOTSOCK)
			n = read(fd, got + have, cap - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	return have;
}

static void
long_timeout(struct wl_config *cfg)
{
	cfg->limits.io_timeout_ms = 5000;
}

static void
send_never_waits_for_a_full_compositor(void **state)
{
	static uint8_t got[64 * CHUNK];
	struct env *e;
	uint16_t held, held2;
	unsigned int accepted, i;
	size_t have = 0;
	int64_t t0;
	int s, s2;

	env_queue_size = 256;
	e = env_new(ALL_FEATURES, long_timeout);
	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	assert_int_equal(new_ctx(e, 2, "second", NULL), VIRTIO_WL_RESP_VFD_NEW);
	s2 = accept_one(e, 1);

	/* A compositor that does not read: sends are queued, then held. */
	t0 = now_ms();
	accepted = fill_until_held(e, 1, &held);
	/* Well inside the 5 s timeout: nothing waited for the socket. */
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(stats(e).held_chains, 1);
	assert_true(stats(e).queued_bytes >= WL_DEFAULT_VFD_QUEUE_BYTES);
	assert_true(stats(e).queued_bytes < WL_DEFAULT_VFD_QUEUE_BYTES + CHUNK);
	/* A later send to the same vfd waits its turn... */
	held2 = send_async(e, 1, chunk_data[accepted + 1], CHUNK);
	assert_int_equal(answer(e, held2), 0);
	assert_int_equal(stats(e).held_chains, 2);
	/* ...while other contexts go on. */
	assert_int_equal(answer(e, send_async(e, 2, "hi", 2)), VIRTIO_WL_RESP_OK);
	assert_int_equal(read(s2, got, 16), 2);

	/* The compositor reads: the held sends go through, in order. */
	while (have < (accepted + 2) * (size_t)CHUNK) {
		size_t n = read_now(s, got + have, sizeof(got) - have);

		fake_run_events(&e->vm);
		if (!n)
			assert_true(now_ms() - t0 < 4000);
		have += n;
	}
	assert_int_equal(answer(e, held), VIRTIO_WL_RESP_OK);
	assert_int_equal(answer(e, held2), VIRTIO_WL_RESP_OK);
	assert_int_equal(have, (accepted + 2) * (size_t)CHUNK);
	for (i = 0; i < accepted; i++)
		assert_memory_equal(got + i * CHUNK, chunk_data[i], CHUNK);
	assert_memory_equal(got + accepted * CHUNK, chunk_data[accepted], CHUNK);
	assert_memory_equal(got + (accepted + 1) * CHUNK, chunk_data[accepted + 1], CHUNK);
	assert_int_equal(stats(e).queued_bytes, 0);
	assert_int_equal(stats(e).held_chains, 0);
	close(s);
	close(s2);
	env_free(e);
	env_queue_size = 64;
}

static void
held_send_times_out(void **state)
{
	static uint8_t got[64 * CHUNK];
	struct env *e;
	unsigned int accepted, i;
	size_t have = 0, n;
	uint16_t held;
	int s;

	env_queue_size = 256;
	e = env_new(ALL_FEATURES, NULL);	/* io_timeout_ms 200 */
	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	accepted = fill_until_held(e, 1, &held);
	/* The timer wakes the VMM's loop; the guest gets ERR, not a stall. */
	assert_false(watched_fd_ready(e));
	assert_int_equal(e->vm.timer_ms, e->vm.clock_ms + 200);
	fake_advance(&e->vm, 199);
	assert_int_equal(answer(e, held), 0);
	fake_advance(&e->vm, 1);
	assert_int_equal(answer(e, held), VIRTIO_WL_RESP_ERR);
	assert_int_equal(stats(e).held_chains, 0);
	assert_non_null(strstr(e->vm.last_log, "no room"));
	/* What was answered OK still arrives, and nothing else. */
	do {
		n = read_now(s, got + have, sizeof(got) - have);
		fake_run_events(&e->vm);
		have += n;
	} while (n || stats(e).queued_bytes);
	assert_int_equal(have, accepted * (size_t)CHUNK);
	for (i = 0; i < accepted; i++)
		assert_memory_equal(got + i * CHUNK, chunk_data[i], CHUNK);
	close(s);
	env_free(e);
	env_queue_size = 64;
}

/* A guest-made pipe whose read end the compositor got; returns that end. */
static int
guest_pipe_to_compositor(struct env *e, int s, uint32_t id)
{
	unsigned int n_fds;
	int fds[32];
	char buf[16];

	assert_int_equal(new_pipe(e, id, VIRTIO_WL_VFD_WRITE, NULL), VIRTIO_WL_RESP_VFD_NEW);
	assert_int_equal(send_ids(e, 1, &id, 1, "send", 4), VIRTIO_WL_RESP_OK);
	assert_int_equal(recv_with_fds(s, buf, sizeof(buf), fds, &n_fds), 4);
	assert_int_equal(n_fds, 1);
	return fds[0];
}

static void
closed_pipe_still_delivers(void **state)
{
	static uint8_t got[5 * CHUNK];
	struct env *e = env_new(ALL_FEATURES, NULL);
	size_t have = 0;
	unsigned int i;
	int s, rfd;

	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	rfd = guest_pipe_to_compositor(e, s, 3);
	/* More than the pipe holds, then close: a clipboard writer's way. */
	for (i = 0; i < 5; i++)
		assert_int_equal(send_ids(e, 3, NULL, 0, chunk_data[i], CHUNK),
				 VIRTIO_WL_RESP_OK);
	assert_true(stats(e).queued_bytes > 0);
	assert_int_equal(close_vfd(e, 3), VIRTIO_WL_RESP_OK);
	assert_int_equal(stats(e).draining, 1);
	assert_int_equal(stats(e).vfds, 2);
	/* The id is free again at once. */
	assert_int_equal(new_pipe(e, 3, VIRTIO_WL_VFD_READ, NULL), VIRTIO_WL_RESP_VFD_NEW);
	for (;;) {
		ssize_t n;

		fake_run_events(&e->vm);
		n = read(rfd, got + have, sizeof(got) - have);
		if (n == 0)
			break;
		assert_true(n > 0);
		have += (size_t)n;
	}
	assert_int_equal(have, sizeof(got));
	for (i = 0; i < 5; i++)
		assert_memory_equal(got + i * CHUNK, chunk_data[i], CHUNK);
	assert_int_equal(stats(e).draining, 0);
	assert_int_equal(stats(e).queued_bytes, 0);
	close(rfd);
	close(s);
	env_free(e);
}

static void
closed_pipe_nobody_reads_is_dropped(void **state)
{
	struct env *e = env_new(ALL_FEATURES, NULL);
	uint8_t buf[4096];
	size_t have = 0;
	ssize_t n;
	int s, rfd;
	unsigned int i;

	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	rfd = guest_pipe_to_compositor(e, s, 3);
	for (i = 0; i < 4; i++)
		assert_int_equal(send_ids(e, 3, NULL, 0, chunk_data[i], CHUNK),
				 VIRTIO_WL_RESP_OK);
	assert_int_equal(close_vfd(e, 3), VIRTIO_WL_RESP_OK);
	assert_int_equal(stats(e).draining, 1);
	fake_advance(&e->vm, 199);
	assert_int_equal(stats(e).draining, 1);
	fake_advance(&e->vm, 1);
	assert_int_equal(stats(e).draining, 0);
	assert_int_equal(stats(e).vfds, 1);
	assert_int_equal(stats(e).queued_bytes, 0);
	assert_non_null(strstr(e->vm.last_log, "dropped"));
	/* The reader gets what was in the pipe, then the end. */
	while ((n = read(rfd, buf, sizeof(buf))) > 0)
		have += (size_t)n;
	assert_int_equal(n, 0);
	assert_true(have > 0 && have < 4 * CHUNK);
	close(rfd);
	close(s);
	env_free(e);
}

static void
fds_without_data_are_refused(void **state)
{
	struct env *e = env_new(ALL_FEATURES, NULL);
	unsigned int n_fds;
	uint32_t rd = 3;
	int fds[32], s;
	char buf[16];

	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	assert_int_equal(new_pipe(e, rd, VIRTIO_WL_VFD_READ, NULL), VIRTIO_WL_RESP_VFD_NEW);
	/* A stream socket would drop them: the guest hears so. */
	assert_int_equal(send_ids(e, 1, &rd, 1, NULL, 0), VIRTIO_WL_RESP_ERR);
	assert_non_null(strstr(e->vm.last_log, "fds without data"));
	/* The pipe's far end was not given away by the refused send. */
	assert_int_equal(send_ids(e, 1, &rd, 1, "r", 1), VIRTIO_WL_RESP_OK);
	assert_int_equal(recv_with_fds(s, buf, sizeof(buf), fds, &n_fds), 1);
	assert_int_equal(n_fds, 1);
	close(fds[0]);
	/* No data and no fds is nothing to do. */
	assert_int_equal(send_ids(e, 1, NULL, 0, NULL, 0), VIRTIO_WL_RESP_OK);
	close(s);
	env_free(e);
}

static void
two_contexts(struct wl_config *cfg)
{
	cfg->limits.max_contexts = 2;
	cfg->memfd_server = true;
}

static void
context_limit(void **state)
{
	struct env *e = env_new(ALL_FEATURES, two_contexts);
	int s[3];

	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s[0] = accept_one(e, 0);
	assert_int_equal(new_ctx(e, 2, "second", NULL), VIRTIO_WL_RESP_VFD_NEW);
	s[1] = accept_one(e, 1);
	assert_int_equal(new_ctx(e, 3, NULL, NULL), VIRTIO_WL_RESP_OUT_OF_MEMORY);
	assert_non_null(strstr(e->vm.last_log, "2 of 2 contexts"));
	assert_int_equal(new_ctx(e, 3, WL_MEMFD_CTX_NAME, NULL), VIRTIO_WL_RESP_OUT_OF_MEMORY);
	/* The refused connects never reached the compositor. */
	{
		int fl = fcntl(e->listen_fd[0], F_GETFL);

		fcntl(e->listen_fd[0], F_SETFL, fl | O_NONBLOCK);
		assert_int_equal(accept(e->listen_fd[0], NULL, NULL), -1);
		fcntl(e->listen_fd[0], F_SETFL, fl);
	}
	/* Other vfds are not contexts. */
	assert_int_equal(new_alloc(e, 4, 0, 4096, NULL), VIRTIO_WL_RESP_VFD_NEW);
	assert_int_equal(close_vfd(e, 1), VIRTIO_WL_RESP_OK);
	assert_int_equal(stats(e).contexts, 1);
	assert_int_equal(new_ctx(e, 3, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s[2] = accept_one(e, 0);
	assert_int_equal(stats(e).contexts, 2);
	close(s[0]);
	close(s[1]);
	close(s[2]);
	env_free(e);
}

static void
kick_runs_a_bounded_batch(void **state)
{
	struct virtio_wl_ctrl_vfd req = { 0 };
	uint16_t heads[100];
	unsigned int i, done = 0;
	struct env *e;

	env_queue_size = 256;
	e = env_new(ALL_FEATURES, NULL);
	req.hdr.type = htole32(VIRTIO_WL_CMD_VFD_CLOSE);
	req.vfd_id = htole32(77);
	for (i = 0; i < 100; i++)
		heads[i] = post_req(e, &req, sizeof(req));
	wl_dev_kick(e->vm.dev, WL_QUEUE_OUT);
	collect(e);
	for (i = 0; i < 100; i++)
		done += tr.done[heads[i]];
	assert_int_equal(done, WL_KICK_BUDGET);
	/* The rest runs on the VMM's next turn, woken by the watched fd. */
	assert_true(watched_fd_ready(e));
	fake_run_events(&e->vm);
	for (i = 0; i < 100; i++)
		assert_int_equal(answer(e, heads[i]), VIRTIO_WL_RESP_INVALID_ID);
	assert_false(watched_fd_ready(e));
	env_free(e);
	env_queue_size = 64;
}

static void
queued_fds_are_bounded(void **state)
{
	static uint8_t got[64 * CHUNK];
	uint32_t ids[28];
	unsigned int i, sent = 0, total_fds = 0;
	uint16_t held = 0;
	struct env *e;
	int s;

	env_queue_size = 256;
	e = env_new(ALL_FEATURES, long_timeout);
	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	assert_int_equal(new_alloc(e, 2, 0, 4096, NULL), VIRTIO_WL_RESP_VFD_NEW);
	for (i = 0; i < 28; i++)
		ids[i] = 2;
	/* Fill the socket until the device queues, then send fds behind it. */
	while (stats(e).queued_bytes == 0)
		assert_int_equal(answer(e, send_async(e, 1, chunk_data[0], CHUNK)),
				 VIRTIO_WL_RESP_OK);
	for (i = 0; i < 20; i++) {
		uint16_t head = post_send(e, 1, ids, 28, "f", 1);

		wl_dev_kick(e->vm.dev, WL_QUEUE_OUT);
		if (!answer(e, head)) {
			held = head;
			break;
		}
		sent++;
	}
	assert_int_equal(sent, WL_DEFAULT_MAX_QUEUED_FDS / 28);
	assert_int_equal(stats(e).queued_fds, sent * 28);
	assert_int_equal(stats(e).held_chains, 1);
	/* The compositor reads: every fd arrives, the held send goes too. */
	while (stats(e).queued_bytes || stats(e).held_chains) {
		unsigned int n_fds;
		int fds[256];
		ssize_t n = recv_with_fds(s, got, sizeof(got), fds, &n_fds);

		for (i = 0; i < n_fds; i++)
			close(fds[i]);
		total_fds += n_fds;
		fake_run_events(&e->vm);
		if (n <= 0)
			usleep(1000);
	}
	for (;;) {
		unsigned int n_fds;
		int fds[256];
		ssize_t n = recv_with_fds(s, got, sizeof(got), fds, &n_fds);

		for (i = 0; i < n_fds; i++)
			close(fds[i]);
		total_fds += n_fds;
		if (n <= 0)
			break;
	}
	assert_int_equal(answer(e, held), VIRTIO_WL_RESP_OK);
	assert_int_equal(total_fds, (sent + 1) * 28);
	assert_int_equal(stats(e).queued_fds, 0);
	close(s);
	env_free(e);
	env_queue_size = 64;
}

static void
write_error_fails_later_sends(void **state)
{
	struct env *e;
	uint16_t held;
	int s;

	env_queue_size = 256;
	e = env_new(ALL_FEATURES, long_timeout);
	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	fill_until_held(e, 1, &held);
	/* The compositor goes away with data still queued. */
	close(s);
	fake_run_events(&e->vm);
	assert_int_equal(stats(e).queued_bytes, 0);
	assert_int_equal(answer(e, held), VIRTIO_WL_RESP_ERR);
	assert_int_equal(answer(e, send_async(e, 1, "x", 1)), VIRTIO_WL_RESP_ERR);
	env_free(e);
	env_queue_size = 64;
}

static void
reset_gives_back_held_chains(void **state)
{
	struct env *e;
	uint16_t held;
	int s;

	env_queue_size = 256;
	e = env_new(ALL_FEATURES, long_timeout);
	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	fill_until_held(e, 1, &held);
	wl_dev_reset(e->vm.dev);
	assert_int_equal(e->vm.releases, 1);
	assert_int_equal(stats(e).held_chains, 0);
	assert_int_equal(stats(e).queued_bytes, 0);
	assert_int_equal(stats(e).vfds, 0);
	assert_int_equal(answer(e, held), 0);
	assert_int_equal(e->vm.timer_ms, -1);
	close(s);
	env_free(e);
	env_queue_size = 64;
}

/* A driver that publishes more chains than its ring has, all held. */
static void
ring_overcommit_is_refused(void **state)
{
	struct wl_vring *vr;
	uint16_t held, idx;
	struct env *e;
	int s;

	e = env_new(ALL_FEATURES, long_timeout);	/* a 64-entry ring */
	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	fill_until_held(e, 1, &held);
	/* The avail index jumps 200 on: stale heads, the same full target. */
	vr = &e->vm.ring[WL_QUEUE_OUT];
	memcpy(&idx, e->vm.mem + vr->avail + 2, 2);
	idx = htole16((uint16_t)(le16toh(idx) + 200));
	memcpy(e->vm.mem + vr->avail + 2, &idx, 2);
	wl_dev_kick(e->vm.dev, WL_QUEUE_OUT);
	fake_run_events(&e->vm);
	assert_true(stats(e).held_chains <= 64);
	assert_true(stats(e).broken);
	close(s);
	env_free(e);
}

static void
max_fds_covers_the_worst_case(void **state)
{
	struct wl_config cfg;

	wl_config_init(&cfg);
	cfg.limits.max_vfds = 100;
	/* Two per vfd (a guest pipe), the queued ones, one host read, its own. */
	assert_int_equal(wl_config_max_fds(&cfg),
			 200 + WL_DEFAULT_MAX_QUEUED_FDS + WL_MAX_VFDS_PER_MSG + WL_OWN_FDS);
}

/* tmpfs-bounded allocations; set up in main() when mounting is allowed. */
static char tmpfs_dir[64];

static void
on_tmpfs(struct wl_config *cfg)
{
	snprintf(cfg->alloc_dir, sizeof(cfg->alloc_dir), "%s", tmpfs_dir);
}

static void
alloc_dir_bounds_memory_sent_away(void **state)
{
	struct env *e = env_new(ALL_FEATURES, on_tmpfs);
	unsigned int n_fds;
	uint32_t id = 2;
	int fds[32], s;
	char buf[16];

	assert_int_equal(new_ctx(e, 1, NULL, NULL), VIRTIO_WL_RESP_VFD_NEW);
	s = accept_one(e, 0);
	/* 1 MiB of tmpfs: two 512 KiB allocations, not three. */
	assert_int_equal(new_alloc(e, 2, 0, 512 << 10, NULL), VIRTIO_WL_RESP_VFD_NEW);
	assert_int_equal(new_alloc(e, 3, 0, 512 << 10, NULL), VIRTIO_WL_RESP_VFD_NEW);
	assert_int_equal(new_alloc(e, 4, 0, 512 << 10, NULL), VIRTIO_WL_RESP_OUT_OF_MEMORY);
	/* Sent to the compositor and closed: the device maps it no more... */
	assert_int_equal(send_ids(e, 1, &id, 1, "pool", 4), VIRTIO_WL_RESP_OK);
	assert_int_equal(recv_with_fds(s, buf, sizeof(buf), fds, &n_fds), 4);
	assert_int_equal(n_fds, 1);
	assert_int_equal(close_vfd(e, 2), VIRTIO_WL_RESP_OK);
	assert_int_equal(stats(e).mapped_bytes, 512 << 10);
	/* ...but the memory lives on with the compositor, and still counts. */
	assert_int_equal(new_alloc(e, 4, 0, 512 << 10, NULL), VIRTIO_WL_RESP_OUT_OF_MEMORY);
	close(fds[0]);
	assert_int_equal(new_alloc(e, 4, 0, 512 << 10, NULL), VIRTIO_WL_RESP_VFD_NEW);
	close(s);
	env_free(e);
}

/* A private mount namespace with a 1 MiB tmpfs, where allowed. */
static bool
mount_small_tmpfs(char *why, size_t len)
{
	snprintf(tmpfs_dir, sizeof(tmpfs_dir), "/tmp/wltmpfs.XXXXXX");
	if (!mkdtemp(tmpfs_dir)) {
		snprintf(why, len, "mkdtemp: %s", strerror(errno));
		return false;
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", tmpfs_dir, "tmpfs", 0, "size=1m") < 0) {
		snprintf(why, len, "cannot mount a tmpfs here (%s)", strerror(errno));
		rmdir(tmpfs_dir);
		return false;
	}
	return true;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(send_never_waits_for_a_full_compositor),
		cmocka_unit_test(held_send_times_out),
		cmocka_unit_test(closed_pipe_still_delivers),
		cmocka_unit_test(closed_pipe_nobody_reads_is_dropped),
		cmocka_unit_test(fds_without_data_are_refused),
		cmocka_unit_test(context_limit),
		cmocka_unit_test(kick_runs_a_bounded_batch),
		cmocka_unit_test(queued_fds_are_bounded),
		cmocka_unit_test(write_error_fails_later_sends),
		cmocka_unit_test(reset_gives_back_held_chains),
		cmocka_unit_test(ring_overcommit_is_refused),
		cmocka_unit_test(max_fds_covers_the_worst_case),
	};
	const struct CMUnitTest tmpfs_tests[] = {
		cmocka_unit_test(alloc_dir_bounds_memory_sent_away),
	};
	char why[128];
	unsigned int i, j;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 64; i++)
		for (j = 0; j < CHUNK; j++)
			chunk_data[i][j] = (uint8_t)(i * 31 + j);
	failed = cmocka_run_group_tests_name("wl-limits", tests, NULL, NULL);
	if (mount_small_tmpfs(why, sizeof(why))) {
		failed += cmocka_run_group_tests_name("wl-limits-tmpfs", tmpfs_tests,
						      NULL, NULL);
		umount(tmpfs_dir);
		rmdir(tmpfs_dir);
	} else {
		printf("ok - alloc_dir_bounds_memory_sent_away # SKIP %s\n", why);
	}
	return failed;
}
