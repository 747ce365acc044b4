/* SPDX-License-Identifier: MIT */
/*
 * The forwarding table generated from the protocol XML by gen-tables.py:
 * one row per interface wlnest can forward.
 */
#ifndef WLNEST_NEST_TABLES_H
#define WLNEST_NEST_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include <wayland-util.h>

struct nest_interface_info {
	const struct wl_interface *interface;
	uint64_t request_destructors;	/* bit n: request n is a destructor */
	uint64_t event_destructors;	/* bit n: event n is a destructor */
};

extern const struct nest_interface_info nest_interfaces[];
extern const size_t nest_interface_count;

#endif
