// SPDX-License-Identifier: MIT
/*
 * wl-native-bench: the host-only figures the virtio_wl VM benchmark is
 * compared with, measured the way wl-guest-test --bench measures the
 * guest's: a 64-byte echo round trip over a socketpair, bulk throughput
 * over a socketpair and a pipe, memfd + mmap + touch + close of 64 KiB,
 * and memcpy bandwidth (the physical limit of any copy), for 64 KiB
 * buffers that stay in cache and for 64 MiB ones that do not.  Prints
 *   @@BENCH NAME VALUE UNIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BULK (256u << 20)
#define CHUNK 65536u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void line(const char *name, double v, const char *unit)
{
	printf("@@BENCH %s %.3f %s\n", name, v, unit);
	fflush(stdout);
}

static int rd_all(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int wr_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int rtt(void)
{
	const int n = 20000;
	char msg[64] = { 0 };
	int sv[2], i;
	double t0 = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		while (!rd_all(sv[1], msg, sizeof(msg)) && !wr_all(sv[1], msg, sizeof(msg)))
			;
		_exit(0);
	}
	close(sv[1]);
	for (i = -500; i < n; i++) {
		if (!i)
			t0 = now_s();
		if (wr_all(sv[0], msg, sizeof(msg)) || rd_all(sv[0], msg, sizeof(msg)))
			return -1;
	}
	line("ctx_rtt_64", (now_s() - t0) * 1e6 / n, "us");
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

/* Writes BULK bytes into fds[1] while a child reads fds[0]. */
static int bulk(const char *name, int fds[2])
{
	char *buf = calloc(1, CHUNK);
	size_t off;
	double t0;
	int status;
	pid_t pid;

	if (!buf)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], buf, CHUNK) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	t0 = now_s();
	for (off = 0; off < BULK; off += CHUNK) {
		buf[0] = (char)off;
		if (wr_all(fds[1], buf, CHUNK))
			return -1;
	}
	close(fds[1]);
	waitpid(pid, &status, 0);
	line(name, BULK / (now_s() - t0) / 1e6, "MB/s");
	free(buf);
	return 0;
}

static int alloc(void)
{
	const int n = 10000;
	const size_t size = 65536;
	double t0 = now_s();
	int i;

	for (i = 0; i < n; i++) {
		int fd = memfd_create("bench", MFD_CLOEXEC);
		volatile char *p;
		size_t off;

		if (fd < 0 || ftruncate(fd, (off_t)size))
			return -1;
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -1;
		for (off = 0; off < size; off += 4096)
			p[off] = 1;
		munmap((void *)p, size);
		close(fd);
	}
	line("alloc_mmap_close_64k", (now_s() - t0) * 1e6 / n, "us");
	return 0;
}

/* memcpy of a buffer that stays in cache, and of one that cannot. */
static int copy(const char *name, size_t size, int rounds)
{
	char *a = malloc(size), *b = malloc(size);
	double t0;
	int i;

	if (!a || !b)
		return -1;
	memset(a, 1, size);
	memset(b, 2, size);
	t0 = now_s();
	for (i = 0; i < rounds; i++) {
		memcpy(b, a, size);
		a[(size_t)i % size] = b[size - 1 - (size_t)i % size];
	}
	line(name, (double)rounds * (double)size / (now_s() - t0) / 1e6, "MB/s");
	free(a);
	free(b);
	return 0;
}

int main(void)
{
	int sv[2], p[2];

	signal(SIGPIPE, SIG_IGN);
	if (rtt())
		return 1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || bulk("socket_bulk", sv))
		return 1;
	if (pipe(p) || bulk("pipe_bulk", p))
		return 1;
	if (alloc() || copy("memcpy_64k", 65536, 40000) || copy("memcpy", 64u << 20, 8))
		return 1;
	return 0;
}
