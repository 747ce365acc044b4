/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the test clients: anonymous shared memory, hex
 * colour parsing and timestamps.  Everything is static inline so each
 * client stays one translation unit plus generated protocol code.
 */
#ifndef VIRTWL_TEST_CLIENTS_COMMON_H
#define VIRTWL_TEST_CLIENTS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline int shm_alloc(size_t size)
{
	int fd = memfd_create("virtwl-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline bool parse_hex32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s == '#')
		s++;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || *end || end == s || v > 0xffffffffUL)
		return false;
	if (end - s == 6)
		v |= 0xff000000UL; /* RRGGBB means opaque */
	*out = (uint32_t)v;
	return true;
}

static inline double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Writes the file at path into fd from a child process, so that a slow
 * reader never stalls the caller's event loop, and closes fd.  The caller
 * ignores SIGCHLD so the child reaps itself.
 */
static inline void write_file_in_child(const char *path, int fd)
{
	if (fork() == 0) {
		char buf[65536];
		ssize_t n;
		int in = open(path, O_RDONLY | O_CLOEXEC);

		if (in < 0)
			_exit(1);
		while ((n = read(in, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(fd, buf + off, (size_t)(n - off));

				if (w < 0)
					_exit(1);
				off += w;
			}
		}
		_exit(n < 0);
	}
	close(fd);
}

#endif
