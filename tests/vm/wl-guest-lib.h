/* SPDX-License-Identifier: MIT */
/*
 * What the in-guest test programs share: /dev/wl0 requests, contexts
 * with a buffered reader, the test peer's protocol, pipes and patterns,
 * and the subtest verdict (why, FAIL, CHECK).
 */
#ifndef VIRTWL_WL_GUEST_LIB_H
#define VIRTWL_WL_GUEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/virtwl.h>

#include "wl-test-proto.h"

#define PAGE 4096u
#define TIMEOUT_MS 20000

/* Why the running subtest failed. */
extern char why[512];

#define FAIL(...) do { snprintf(why, sizeof(why), __VA_ARGS__); return false; } while (0)
#define CHECK(c, ...) do { if (!(c)) FAIL(__VA_ARGS__); } while (0)

/* A context (or pipe) with a buffered reader over VIRTWL_IOCTL_RECV. */
struct conn {
	int fd;
	uint8_t *buf;
	size_t cap, have, off;
	int fds[256];
	unsigned int nfds;
	bool eof;
};

/* Per thread: one VIRTWL_IOCTL_SEND/RECV buffer, grown by txn_reserve. */
extern _Thread_local struct virtwl_ioctl_txn *txn_buf;
extern _Thread_local size_t txn_cap;
bool txn_reserve(size_t len);

double now_s(void);
int dev_open(void);
int wl_new(int dev, uint32_t type, uint32_t size, const char *name);
int new_vfd(uint32_t type, uint32_t size, const char *name);
bool write_str(const char *path, const char *s);
long read_long_base(const char *path, int base);
long read_long(const char *path);
long count_fds(void);
long meminfo_kib(const char *key);
int wait_fd(int fd, short events, int ms);
struct conn *conn_wrap(int fd);
struct conn *conn_open(const char *name);
void conn_close(struct conn *c);
/* SEND of data with fds; returns 0 or -errno. */
int send_raw(int fd, const void *data, size_t len, const int *fds, unsigned int nfds);
int conn_send(struct conn *c, uint32_t op, uint64_t arg, uint64_t arg2,
	      const void *payload, uint32_t len, const int *fds, unsigned int nfds);
/* One RECV into the buffer; returns bytes, 0 at EOF, -errno. */
int conn_fill(struct conn *c, int ms);
int conn_read(struct conn *c, void *dst, size_t n);
/* Reads one reply; payload (if any) goes to *payload (malloc'ed). */
int conn_reply(struct conn *c, struct wlt_msg *m, uint8_t **payload);
/* Takes n received fds (in arrival order). */
bool conn_take_fds(struct conn *c, int *out, unsigned int n);
/* Reads a pipe fd to EOF; returns bytes or -errno; *bad as wlt_check. */
long read_to_eof(int fd, uint64_t seed, uint64_t *bad);
int write_pattern(int fd, uint64_t seed, size_t len, size_t step);
uint64_t round_page(uint64_t n);

#endif /* VIRTWL_WL_GUEST_LIB_H */
