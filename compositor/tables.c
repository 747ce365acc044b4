// SPDX-License-Identifier: MIT
/* Lookups in the generated forwarding table (nest_interfaces[]). */
#include <string.h>

#include "tables.h"

const struct nest_interface_info *
nest_info_by_name(const char *name)
{
	for (size_t i = 0; i < nest_interface_count; i++) {
		if (strcmp(nest_interfaces[i].interface->name, name) == 0)
			return &nest_interfaces[i];
	}
	return NULL;
}

/* Open-addressed map from wl_interface pointer to its table row. */
#define INFO_SLOTS 1024
static const struct nest_interface_info *info_slots[INFO_SLOTS];

static size_t
info_slot(const struct wl_interface *interface)
{
	uintptr_t v = (uintptr_t)interface;

	return (size_t)((v >> 4) ^ (v >> 13)) % INFO_SLOTS;
}

static void
build_slots(void)
{
	static bool built;

	if (built)
		return;
	built = true;
	for (size_t i = 0; i < nest_interface_count && i < INFO_SLOTS / 2;
	     i++) {
		size_t slot = info_slot(nest_interfaces[i].interface);

		while (info_slots[slot])
			slot = (slot + 1) % INFO_SLOTS;
		info_slots[slot] = &nest_interfaces[i];
	}
}

const struct nest_interface_info *
nest_info_by_interface(const struct wl_interface *interface)
{
	size_t i;

	if (!interface)
		return NULL;
	build_slots();
	for (i = info_slot(interface); info_slots[i]; i = (i + 1) % INFO_SLOTS) {
		if (info_slots[i]->interface == interface)
			return info_slots[i];
	}
	return NULL;
}

bool
nest_interface_offerable(const struct nest_interface_info *info)
{
	static const char *const never[] = { "wl_display", "wl_registry",
					     "wl_callback" };

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (strcmp(info->interface->name, never[i]) == 0)
			return false;
	}
	return true;
}

uint32_t
nest_offered_version(const struct nest_interface_info *info,
		     uint32_t host_version)
{
	uint32_t ours = (uint32_t)info->interface->version;

	return host_version < ours ? host_version : ours;
}

bool
nest_message_is_destructor(uint64_t mask, uint32_t opcode)
{
	return opcode < 64 && (mask >> opcode) & 1;
}
