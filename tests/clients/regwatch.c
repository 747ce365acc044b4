// SPDX-License-Identifier: MIT
/*
 * regwatch: prints the registry's globals as they come and go, one line
 * each ("+ NAME INTERFACE VERSION", "- NAME"), flushed at once, until
 * killed or until the connection fails.
 */
#include <stdio.h>
#include <wayland-client.h>

static void
global(void *data, struct wl_registry *registry, uint32_t name,
       const char *interface, uint32_t version)
{
	printf("+ %u %s %u\n", name, interface, version);
	fflush(stdout);
}

static void
global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	printf("- %u\n", name);
	fflush(stdout);
}

static const struct wl_registry_listener listener = { global, global_remove };

int
main(void)
{
	struct wl_display *display = wl_display_connect(NULL);
	struct wl_registry *registry;

	if (!display) {
		fprintf(stderr, "regwatch: cannot connect\n");
		return 1;
	}
	registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &listener, NULL);
	while (wl_display_dispatch(display) >= 0)
		;
	fprintf(stderr, "regwatch: connection ended\n");
	return 2;
}
