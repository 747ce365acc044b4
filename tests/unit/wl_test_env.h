/* SPDX-License-Identifier: MIT */
/*
 * The device model's test environment: a fake VMM with the device, two
 * listening sockets playing compositors ("" and "second"), and helpers
 * for the driver's requests and the compositor's side.  Asserts through
 * cmocka.
 */
#ifndef VIRTWL_WL_TEST_ENV_H
#define VIRTWL_WL_TEST_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/virtio_wl.h>

#include "wl_fake_vmm.h"

#define TRANS (1ull << VIRTIO_WL_F_TRANS_FLAGS)
#define FENCES (1ull << VIRTIO_WL_F_SEND_FENCES)
#define SHMEM (1ull << VIRTIO_WL_F_USE_SHMEM)
#define ALL_FEATURES (TRANS | FENCES | SHMEM)
#define HOST_ID(n) (VIRTIO_WL_VFD_HOST_ID_BIT + (n))

struct env {
	struct fake_vm vm;
	char dir[64];
	char path[2][108];	/* [0] unnamed, [1] named "second" */
	int listen_fd[2];
	struct wl_config cfg;
};

/* The size of both queues of the next env_new() (default 64). */
extern uint16_t env_queue_size;

/* Sets up sockets and config; @tweak may change the config before start. */
struct env *env_new(uint64_t features, void (*tweak)(struct wl_config *));
void env_free(struct env *e);
struct wl_dev_stats stats(struct env *e);

/* The driver's requests; each returns the answer's type (0: none yet). */
uint32_t new_alloc(struct env *e, uint32_t id, uint32_t flags, uint32_t size,
		   struct virtio_wl_ctrl_vfd_new *resp);
uint32_t new_ctx(struct env *e, uint32_t id, const char *name,
		 struct virtio_wl_ctrl_vfd_new *resp);
uint32_t new_pipe(struct env *e, uint32_t id, uint32_t flags,
		  struct virtio_wl_ctrl_vfd_new *resp);
uint32_t close_vfd(struct env *e, uint32_t id);
uint32_t send_raw(struct env *e, uint32_t type, uint32_t target, uint32_t count,
		  const void *entries, size_t entries_len, const void *data, size_t len);
uint32_t send_ids(struct env *e, uint32_t target, const uint32_t *ids, uint32_t n,
		  const void *data, size_t len);

/* The compositor's side. */
int accept_one(struct env *e, int which);
ssize_t recv_with_fds(int fd, void *buf, size_t cap, int *fds, unsigned int *n_fds);
void send_with_fds(int fd, const void *data, size_t len, const int *fds, unsigned int n);
int make_memfd(const char *content, size_t size);

/* The VMM's side. */
struct fake_map *map_at(struct env *e, uint64_t offset);
unsigned int live_maps(struct env *e);
/* Whether the fd the VMM watches would wake its loop now. */
bool watched_fd_ready(struct env *e);
/* Reads the next in-queue message and checks its type and vfd id. */
int expect_msg(struct env *e, uint32_t type, uint32_t id, uint8_t *buf, size_t cap);

#endif /* VIRTWL_WL_TEST_ENV_H */
