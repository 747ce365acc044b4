/* SPDX-License-Identifier: MIT */
/*
 * Every limit the virtio-wl device model enforces, with its default, in
 * one place.  The VMM may override the run-time ones through struct
 * wl_limits (wl_config_init() fills in these defaults); the compile-time
 * ones size wire structures and buffers.
 */
#ifndef VIRTWL_WL_LIMITS_H
#define VIRTWL_WL_LIMITS_H

/* Run-time defaults (struct wl_limits). */

/* vfds alive at once, guest- and host-created together. */
#define WL_DEFAULT_MAX_VFDS 1024u
/* Bytes of host memory mapped into the guest's window at once. */
#define WL_DEFAULT_MAX_MAPPED_BYTES (1ull << 30)
/* Data bytes in one guest VFD_SEND (the driver itself sets no limit). */
#define WL_DEFAULT_MAX_SEND_BYTES (1u << 20)
/* Host connections (contexts) open at once. */
#define WL_DEFAULT_MAX_CONTEXTS 64u
/*
 * How long a guest SEND may wait unanswered for room in its target's
 * queue, and how long a closed vfd's queue may go without progress.
 */
#define WL_DEFAULT_IO_TIMEOUT_MS 5000u
/* Host->guest messages waiting for in-buffers (memfd-server replies). */
#define WL_DEFAULT_MAX_PENDING_MSGS 256u
/* Guest bytes accepted for one host fd that is not ready to take them. */
#define WL_DEFAULT_VFD_QUEUE_BYTES (256u << 10)
/* ... and for all host fds together. */
#define WL_DEFAULT_DEV_QUEUE_BYTES (8u << 20)
/* Host fds (sent pipe ends, memory) waiting in those queues. */
#define WL_DEFAULT_MAX_QUEUED_FDS 256u

/* The shared-memory window (shm region 0, PCI BAR 2), like crosvm. */
#define WL_DEFAULT_WINDOW_SIZE (1ull << 32)
/* The smallest window a VMM may configure. */
#define WL_MIN_WINDOW_SIZE (1ull << 20)

/* Compile-time limits. */

/* Queue size the device offers for both queues; bounds a chain walk. */
#define WL_QUEUE_SIZE 256u
/* vfds per SEND or RECV (VIRTWL_SEND_MAX_ALLOCS). */
#define WL_MAX_VFDS_PER_MSG 28u
/*
 * Data bytes per host read: 4096 - 16 (recv header) - 28 * 4 (ids), so
 * that any RECV fits one 4 KiB in-buffer.
 */
#define WL_RECV_MAX_DATA 3968u
/* Named sockets one device may be given. */
#define WL_MAX_NAMED_SOCKETS 16u
/* Socket names: bytes, as on the wire (name[32], NUL-padded). */
#define WL_SOCKET_NAME_MAX 32u
/* Host events handled per wl_dev_handle_events() call, for fairness. */
#define WL_EVENT_BUDGET 32u
/*
 * Out-queue chains run per call; the rest run on the next turn of the
 * VMM's loop (the model signals its own fd), so a guest that queues a
 * full ring never holds the VMM's thread for long.
 */
#define WL_KICK_BUDGET 64u
/* fds the model holds besides its vfds': two epolls, one eventfd. */
#define WL_OWN_FDS 3u
/* memfd server: name bytes in one request (memfd_create allows 249). */
#define WL_MEMFD_NAME_MAX 249u

#endif /* VIRTWL_WL_LIMITS_H */
