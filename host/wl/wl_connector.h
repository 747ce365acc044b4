/* SPDX-License-Identifier: MIT */
/*
 * The connector: how a sandboxed VMM gets connections to the compositor
 * sockets without seeing them.  The launcher (wlvm) keeps one end of a
 * SOCK_SEQPACKET socketpair, the VMM the other; per connection the VMM
 * sends a request naming the socket (as the operator named it, "" for
 * the unnamed one), the launcher connects to the path it was given for
 * that name and answers with the new socket attached (SCM_RIGHTS) or an
 * errno.  The VMM never names a path: it can reach nothing else.
 */
#ifndef VIRTWL_WL_CONNECTOR_H
#define VIRTWL_WL_CONNECTOR_H

#include <assert.h>
#include <stdint.h>

#include "wl_limits.h"

struct wl_connector_request {
	uint32_t seq;				/* echoed in the reply */
	char name[WL_SOCKET_NAME_MAX + 1];	/* NUL-terminated */
	uint8_t pad[3];
};
static_assert(sizeof(struct wl_connector_request) == 40, "wire layout");

struct wl_connector_reply {
	uint32_t seq;
	int32_t error;	/* 0: the fd is attached; else a positive errno */
};
static_assert(sizeof(struct wl_connector_reply) == 8, "wire layout");

#endif /* VIRTWL_WL_CONNECTOR_H */
