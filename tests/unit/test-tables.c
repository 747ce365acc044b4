// SPDX-License-Identifier: MIT
/*
 * The forwarding table generated from the protocol XML: every interface
 * the issue lists is there, destructors are marked as the XML says, and
 * versions offered to guests are capped at min(host, ours).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <wayland-client-protocol.h>
#include <wayland-server-protocol.h>

#include "presentation-time-server-protocol.h"
#include "tables.h"
#include "xdg-shell-client-protocol.h"

static void
required_interfaces(void **state)
{
	static const char *const names[] = {
		"wl_compositor", "wl_subcompositor", "wl_shm", "wl_seat",
		"wl_pointer", "wl_keyboard", "wl_touch", "wl_output",
		"xdg_wm_base", "xdg_toplevel", "xdg_popup", "xdg_positioner",
		"wl_data_device_manager",
		"zwp_primary_selection_device_manager_v1",
		"zxdg_decoration_manager_v1", "zxdg_output_manager_v1",
		"wp_viewporter", "wp_fractional_scale_manager_v1",
		"wp_presentation", "zwp_relative_pointer_manager_v1",
		"zwp_pointer_constraints_v1", "zwp_text_input_manager_v3",
		"zwp_idle_inhibit_manager_v1", "xdg_activation_v1",
		"zwp_linux_dmabuf_v1",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct nest_interface_info *info =
			nest_info_by_name(names[i]);

		assert_non_null(info);
		assert_string_equal(info->interface->name, names[i]);
		assert_ptr_equal(nest_info_by_interface(info->interface), info);
		assert_true(nest_interface_offerable(info));
	}
	assert_null(nest_info_by_name("zwlr_screencopy_manager_v1"));
	assert_null(nest_info_by_name("zwp_virtual_keyboard_manager_v1"));
	assert_false(nest_interface_offerable(nest_info_by_name("wl_display")));
	assert_false(nest_interface_offerable(nest_info_by_name("wl_callback")));
}

static void
every_row_is_consistent(void **state)
{
	for (size_t i = 0; i < nest_interface_count; i++) {
		const struct nest_interface_info *info = &nest_interfaces[i];
		int requests = info->interface->method_count;
		int events = info->interface->event_count;

		/* Destructor bits only for messages that exist. */
		if (requests < 64)
			assert_int_equal(info->request_destructors >> requests, 0);
		if (events < 64)
			assert_int_equal(info->event_destructors >> events, 0);
		assert_ptr_equal(nest_info_by_interface(info->interface), info);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(nest_interfaces[j].interface->name,
						info->interface->name);
	}
}

static void
destructors(void **state)
{
	const struct nest_interface_info *surface = nest_info_by_name("wl_surface");
	const struct nest_interface_info *callback = nest_info_by_name("wl_callback");
	const struct nest_interface_info *pointer = nest_info_by_name("wl_pointer");
	const struct nest_interface_info *toplevel = nest_info_by_name("xdg_toplevel");
	const struct nest_interface_info *feedback =
		nest_info_by_name("wp_presentation_feedback");

	assert_true(nest_message_is_destructor(surface->request_destructors, 0));
	assert_false(nest_message_is_destructor(surface->request_destructors,
						WL_SURFACE_COMMIT));
	assert_true(nest_message_is_destructor(callback->event_destructors,
					       WL_CALLBACK_DONE));
	assert_true(nest_message_is_destructor(pointer->request_destructors,
					       WL_POINTER_RELEASE));
	assert_false(nest_message_is_destructor(pointer->request_destructors,
						WL_POINTER_SET_CURSOR));
	assert_true(nest_message_is_destructor(toplevel->request_destructors,
					       XDG_TOPLEVEL_DESTROY));
	assert_true(nest_message_is_destructor(feedback->event_destructors,
					       WP_PRESENTATION_FEEDBACK_PRESENTED));
	assert_true(nest_message_is_destructor(feedback->event_destructors,
					       WP_PRESENTATION_FEEDBACK_DISCARDED));
	assert_false(nest_message_is_destructor(feedback->event_destructors,
						WP_PRESENTATION_FEEDBACK_SYNC_OUTPUT));
	assert_false(nest_message_is_destructor(~0ull, 64));
}

static void
version_capping(void **state)
{
	const struct nest_interface_info *wm = nest_info_by_name("xdg_wm_base");
	const struct nest_interface_info *compositor =
		nest_info_by_name("wl_compositor");
	uint32_t ours = (uint32_t)wm->interface->version;

	assert_int_equal(nest_offered_version(wm, 1), 1);
	assert_int_equal(nest_offered_version(wm, ours), ours);
	assert_int_equal(nest_offered_version(wm, ours + 7), ours);
	assert_int_equal(nest_offered_version(compositor, 4), 4);
	assert_int_equal(nest_offered_version(compositor, 99),
			 (uint32_t)compositor->interface->version);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(required_interfaces),
		cmocka_unit_test(every_row_is_consistent),
		cmocka_unit_test(destructors),
		cmocka_unit_test(version_capping),
	};
	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
