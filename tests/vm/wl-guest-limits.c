// SPDX-License-Identifier: MIT
/*
 * wl-guest-limits: what a guest meets at the host's limits, from inside
 * the VM against /dev/wl0 and the host test peer.  The VM runs with
 * wlvm --max-contexts, --max-mem and --max-vfds; their values come as
 * options.  Prints @@TAP lines as wl-guest-test does.
 *
 *   wl-guest-limits [--tag T] --contexts N --mem-mib M --vfds V
 *   wl-guest-limits --flood    blocks writers on pipes nobody reads,
 *                              prints @@FLOODING and waits to be killed
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wl-guest-lib.h"

static const char *tag = "limits";
static unsigned int max_contexts = 8, max_mem_mib = 64, max_vfds = 256;

static bool
hold_at_peer(struct conn *c, int fd)
{
	struct wlt_msg m;

	return !conn_send(c, WLT_HOLD, 0, 0, NULL, 0, &fd, 1) && !conn_reply(c, &m, NULL);
}

static bool
t_contexts(void)
{
	struct conn *c[64];
	unsigned int n = 0, i;
	int err = 0;

	CHECK(max_contexts + 4 <= 64, "--contexts %u is more than the test holds", max_contexts);
	while (n < max_contexts + 4) {
		c[n] = conn_open(NULL);
		if (!c[n]) {
			err = errno;
			break;
		}
		n++;
	}
	printf("@@DIAG %s/contexts: %u opened, then %s\n", tag, n, strerror(err));
	for (i = 0; i < n; i++)
		conn_close(c[i]);
	CHECK(n == max_contexts, "%u contexts opened, the limit is %u", n, max_contexts);
	CHECK(err == ENOMEM, "the one over the limit failed with %s", strerror(err));
	/* Closing frees the slots. */
	c[0] = conn_open(NULL);
	CHECK(c[0], "no context after closing the others: %s", strerror(errno));
	conn_close(c[0]);
	return true;
}

static bool
t_fds_without_data(void)
{
	struct conn *c = conn_open(NULL);
	struct wlt_msg m;
	int p, r, back;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	p = new_vfd(VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);
	CHECK(p >= 0, "NEW PIPE_READ: %s", strerror(-p));
	/* A stream would drop the fd: the guest is told so. */
	r = send_raw(c->fd, NULL, 0, &p, 1);
	CHECK(r < 0, "a send of an fd with no data was accepted");
	printf("@@DIAG %s/fds_without_data: refused with %s\n", tag, strerror(-r));
	/* The pipe's far end was not lost: it still goes with data. */
	r = conn_send(c, WLT_ECHO, 0, 0, NULL, 0, &p, 1);
	CHECK(!r, "SEND with data: %s", strerror(-r));
	r = conn_reply(c, &m, NULL);
	CHECK(!r && m.arg == 1, "the peer got %llu fds", (unsigned long long)m.arg);
	CHECK(conn_take_fds(c, &back, 1), "no fd came back");
	close(back);
	close(p);
	conn_close(c);
	return true;
}

/* A pipe nobody reads: the writer waits, the rest of the guest does not. */
struct writer {
	int fd;
	double last_progress, end;
	int err;
	long bytes;
	volatile bool done;
};

static void *
writer_main(void *arg)
{
	static uint8_t buf[65536];
	struct writer *w = arg;

	w->last_progress = now_s();
	for (;;) {
		ssize_t n = write(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? errno : 0;
			break;
		}
		w->bytes += n;
		w->last_progress = now_s();
	}
	w->end = now_s();
	w->done = true;
	return NULL;
}

struct ticker {
	volatile bool stop;
	double max_gap;
};

static void *
ticker_main(void *arg)
{
	struct ticker *t = arg;
	struct timespec ms = { 0, 2000000 };
	double last = now_s();

	while (!t->stop) {
		double now;

		nanosleep(&ms, NULL);
		now = now_s();
		if (now - last > t->max_gap)
			t->max_gap = now - last;
		last = now;
	}
	return NULL;
}

static bool
t_full_pipe(void)
{
	struct conn *c = conn_open(NULL), *c2 = conn_open(NULL);
	struct writer w = { 0 };
	struct ticker tick = { 0 };
	pthread_t wt, tt;
	double worst_rtt = 0, t0;
	int i;

	CHECK(c && c2, "NEW_CTX: %s", strerror(errno));
	w.fd = new_vfd(VIRTWL_IOCTL_NEW_PIPE_WRITE, 0, NULL);
	CHECK(w.fd >= 0, "NEW PIPE_WRITE: %s", strerror(-w.fd));
	CHECK(hold_at_peer(c, w.fd), "the peer did not take the pipe's read end");
	pthread_create(&tt, NULL, ticker_main, &tick);
	pthread_create(&wt, NULL, writer_main, &w);
	/* Until the writer is stuck: no progress for 300 ms. */
	t0 = now_s();
	while (!w.done && now_s() - w.last_progress < 0.3 && now_s() - t0 < 20)
		usleep(20000);
	CHECK(!w.done, "the writer ended early: %s", strerror(w.err));
	/* The guest's other traffic goes on meanwhile. */
	for (i = 0; i < 10; i++) {
		struct wlt_msg m;
		double s = now_s();
		int r = conn_send(c2, WLT_ECHO, 0, 0, "x", 1, NULL, 0);

		CHECK(!r && !conn_reply(c2, &m, NULL), "echo %d while the writer waits failed", i);
		if (now_s() - s > worst_rtt)
			worst_rtt = now_s() - s;
	}
	while (!w.done && now_s() - t0 < 30)
		usleep(50000);
	tick.stop = true;
	pthread_join(tt, NULL);
	CHECK(w.done, "the writer still waits after 30 s");
	pthread_join(wt, NULL);
	printf("@@DIAG %s/full_pipe: %ld bytes in, then waited %.2f s for %s; "
	       "echo round trips meanwhile at most %.0f ms; the guest's longest "
	       "stall %.0f ms\n", tag, w.bytes, w.end - w.last_progress,
	       strerror(w.err), worst_rtt * 1e3, tick.max_gap * 1e3);
	CHECK(w.err != 0, "the stuck write returned without an error");
	/* The device's timeout is 5 s; the guest's clock is TCG's. */
	CHECK(w.end - w.last_progress >= 3 && w.end - w.last_progress < 15,
	      "the stuck write ended after %.2f s", w.end - w.last_progress);
	CHECK(worst_rtt < 2, "an echo took %.0f ms while a writer waited", worst_rtt * 1e3);
	CHECK(tick.max_gap < 2, "the guest stalled for %.0f ms", tick.max_gap * 1e3);
	close(w.fd);
	conn_close(c);
	conn_close(c2);
	return true;
}

static bool
t_memory(void)
{
	const uint32_t chunk = 4u << 20;
	struct conn *c = conn_open(NULL);
	unsigned int n = 0, limit = max_mem_mib / 4;
	struct wlt_msg m;
	int fd, err = 0;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	/* Allocate, touch, hand to the compositor, close: over and over. */
	for (;;) {
		uint8_t *p;
		uint32_t off;

		fd = new_vfd(VIRTWL_IOCTL_NEW_ALLOC, chunk, NULL);
		if (fd < 0) {
			err = -fd;
			break;
		}
		p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
		for (off = 0; off < chunk; off += PAGE)
			p[off] = 1;
		munmap(p, chunk);
		CHECK(hold_at_peer(c, fd), "the peer did not take allocation %u", n);
		close(fd);
		if (++n > 2 * limit)
			break;
	}
	printf("@@DIAG %s/memory: %u allocations of 4 MiB sent away and closed, then %s\n",
	       tag, n, strerror(err));
	sleep(1);	/* the host samples its shared memory meanwhile */
	CHECK(n <= limit && n + 2 >= limit, "%u x 4 MiB pinned with --max-mem %uM", n,
	      max_mem_mib);
	CHECK(err == ENOMEM, "the allocation over the limit failed with %s", strerror(err));
	/* The compositor lets go: the memory is the guest's again. */
	CHECK(!conn_send(c, WLT_RELEASE, 0, 0, NULL, 0, NULL, 0) &&
	      !conn_reply(c, &m, NULL), "WLT_RELEASE failed");
	fd = new_vfd(VIRTWL_IOCTL_NEW_ALLOC, chunk, NULL);
	CHECK(fd >= 0, "no allocation after the compositor let go: %s", strerror(-fd));
	close(fd);
	conn_close(c);
	return true;
}

static bool
t_vfds(void)
{
	static int fds[4096];
	struct conn *c = conn_open(NULL);
	unsigned int n = 0, i;
	struct wlt_msg m;
	int err = 0;

	CHECK(c, "NEW_CTX: %s", strerror(errno));
	CHECK(max_vfds < 4096, "--vfds %u too large for the test", max_vfds);
	/* Guest-made pipes hold two host fds each. */
	while (n < max_vfds + 8) {
		int fd = new_vfd(VIRTWL_IOCTL_NEW_PIPE_READ, 0, NULL);

		if (fd < 0) {
			err = -fd;
			break;
		}
		fds[n++] = fd;
	}
	CHECK(!conn_send(c, WLT_FDCOUNT, 0, 0, NULL, 0, NULL, 0) && !conn_reply(c, &m, NULL),
	      "WLT_FDCOUNT failed");
	printf("@@DIAG %s/vfds: %u pipes, then %s; the VMM had %llu fds open\n", tag, n,
	       strerror(err), (unsigned long long)m.arg);
	sleep(1);	/* the host samples QEMU's fds meanwhile */
	for (i = 0; i < n; i++)
		close(fds[i]);
	/* The context is one of the vfds. */
	CHECK(n + 1 == max_vfds, "%u vfds, the limit is %u", n + 1, max_vfds);
	CHECK(err == ENOMEM, "the vfd over the limit failed with %s", strerror(err));
	CHECK(m.arg <= 2ull * max_vfds + 200, "the VMM held %llu fds for %u vfds",
	      (unsigned long long)m.arg, max_vfds);
	conn_close(c);
	return true;
}

/* Writers stuck on pipes nobody reads, for the host to stop the VM. */
static int
flood(void)
{
	struct writer w[8];
	pthread_t t[8];
	struct conn *c = conn_open(NULL);
	int i;

	if (!c)
		return 1;
	for (i = 0; i < 8; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].fd = new_vfd(VIRTWL_IOCTL_NEW_PIPE_WRITE, 0, NULL);
		if (w[i].fd < 0 || !hold_at_peer(c, w[i].fd))
			return 1;
		pthread_create(&t[i], NULL, writer_main, &w[i]);
	}
	sleep(1);
	printf("@@FLOODING\n");
	for (;;)
		pause();
}

struct subtest {
	const char *name;
	bool (*fn)(void);
};

static const struct subtest tests[] = {
	{ "contexts_bounded", t_contexts },
	{ "fds_without_data_refused", t_fds_without_data },
	{ "full_pipe_does_not_stall_the_guest", t_full_pipe },
	{ "memory_sent_away_still_counts", t_memory },
	{ "vfds_and_vmm_fds_bounded", t_vfds },
};

int
main(int argc, char **argv)
{
	size_t i, n = sizeof(tests) / sizeof(tests[0]);
	int a, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--tag") && a + 1 < argc)
			tag = argv[++a];
		else if (!strcmp(argv[a], "--contexts") && a + 1 < argc)
			max_contexts = (unsigned int)atoi(argv[++a]);
		else if (!strcmp(argv[a], "--mem-mib") && a + 1 < argc)
			max_mem_mib = (unsigned int)atoi(argv[++a]);
		else if (!strcmp(argv[a], "--vfds") && a + 1 < argc)
			max_vfds = (unsigned int)atoi(argv[++a]);
		else if (!strcmp(argv[a], "--flood"))
			return flood();
		else {
			fprintf(stderr, "usage: wl-guest-limits [--tag T] [--contexts N] "
				"[--mem-mib M] [--vfds V] | --flood\n");
			return 2;
		}
	}
	printf("@@PLAN %s %zu\n", tag, n);
	for (i = 0; i < n; i++) {
		double t0 = now_s();

		why[0] = '\0';
		if (tests[i].fn()) {
			printf("@@TAP ok %s/%s\n", tag, tests[i].name);
		} else {
			printf("@@TAP not ok %s/%s # %s\n", tag, tests[i].name, why);
			failed++;
		}
		printf("@@DIAG %s/%s took %.2f s\n", tag, tests[i].name, now_s() - t0);
	}
	return failed ? 1 : 0;
}
