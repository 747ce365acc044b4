/* SPDX-License-Identifier: MIT */
/* Lookups in the generated forwarding table (tables.c). */
#ifndef WLNEST_TABLES_H
#define WLNEST_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "nest-tables.h"

const struct nest_interface_info *nest_info_by_name(const char *name);
const struct nest_interface_info *
nest_info_by_interface(const struct wl_interface *interface);

/* False for interfaces that are never host globals (wl_display, ...). */
bool nest_interface_offerable(const struct nest_interface_info *info);

/* The version guests are offered: min(host, the version we know). */
uint32_t nest_offered_version(const struct nest_interface_info *info,
			      uint32_t host_version);

bool nest_message_is_destructor(uint64_t mask, uint32_t opcode);

#endif
