// SPDX-License-Identifier: MIT
/*
 * The window manager's ICCCM/EWMH property parsers, fed well-formed and
 * hostile property bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xwm-props.h"

static void
size_hints(void **state)
{
	/* flags PMinSize|PMaxSize; min 100x50, max 800x600 */
	uint32_t data[18] = { (1 << 4) | (1 << 5), 0, 0, 0, 0,
			      100, 50, 800, 600 };
	struct xwm_size_hints hints;

	assert_true(xwm_parse_size_hints(data, 18, &hints));
	assert_int_equal(hints.min_width, 100);
	assert_int_equal(hints.min_height, 50);
	assert_int_equal(hints.max_width, 800);
	assert_int_equal(hints.max_height, 600);

	/* only a minimum; old 15-field form */
	data[0] = 1 << 4;
	assert_true(xwm_parse_size_hints(data, 15, &hints));
	assert_int_equal(hints.min_width, 100);
	assert_int_equal(hints.max_width, 0);

	/* garbage sizes and a maximum below the minimum are ignored */
	data[0] = (1 << 4) | (1 << 5);
	data[5] = 0xffffffff;
	data[6] = 40;
	data[7] = 10;
	data[8] = 30;
	assert_true(xwm_parse_size_hints(data, 18, &hints));
	assert_int_equal(hints.min_width, 0);
	assert_int_equal(hints.max_width, 10);
	assert_int_equal(hints.min_height, 40);
	assert_int_equal(hints.max_height, 0);

	/* too short or too long */
	assert_false(xwm_parse_size_hints(data, 3, &hints));
	assert_false(xwm_parse_size_hints(data, 19, &hints));
	assert_false(xwm_parse_size_hints(NULL, 18, &hints));
}

static void
wm_class(void **state)
{
	char *s;

	s = xwm_parse_wm_class("xterm\0XTerm\0", 12);
	assert_string_equal(s, "XTerm");
	free(s);
	/* class missing: the instance */
	s = xwm_parse_wm_class("only\0", 5);
	assert_string_equal(s, "only");
	free(s);
	/* not terminated: bounded by the length */
	s = xwm_parse_wm_class("abc\0defgh", 7);
	assert_string_equal(s, "def");
	free(s);
	/* Latin-1 class becomes UTF-8 */
	s = xwm_parse_wm_class("a\0\xe9t\xe9", 5);
	assert_string_equal(s, "\xc3\xa9t\xc3\xa9");
	free(s);
	assert_null(xwm_parse_wm_class("", 0));
	assert_null(xwm_parse_wm_class("\0", 1));
}

static void
utf8(void **state)
{
	char *s;

	s = xwm_sanitize_utf8("h\xc3\xa9llo \xe2\x82\xac", 11);
	assert_string_equal(s, "h\xc3\xa9llo \xe2\x82\xac");
	free(s);
	/* invalid bytes, overlong forms, surrogates, truncation */
	s = xwm_sanitize_utf8("a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", 13);
	assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
			       "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			       "d\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	/* cut at NUL */
	s = xwm_sanitize_utf8("ab\0cd", 5);
	assert_string_equal(s, "ab");
	free(s);
	s = xwm_latin1_to_utf8("caf\xe9", 4);
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
}

static void
atoms_and_moveresize(void **state)
{
	uint32_t atoms[] = { 5, 9, 77 };
	uint32_t edge;

	assert_true(xwm_atom_list_has(atoms, 3, 77));
	assert_false(xwm_atom_list_has(atoms, 2, 77));
	assert_false(xwm_atom_list_has(NULL, 3, 5));

	assert_true(xwm_moveresize_edge(0, &edge));
	assert_int_equal(edge, 5);	/* top left */
	assert_true(xwm_moveresize_edge(4, &edge));
	assert_int_equal(edge, 10);	/* bottom right */
	assert_true(xwm_moveresize_edge(7, &edge));
	assert_int_equal(edge, 4);	/* left */
	assert_false(xwm_moveresize_edge(XWM_MOVERESIZE_MOVE, &edge));
	assert_false(xwm_moveresize_edge(XWM_MOVERESIZE_CANCEL, &edge));
	assert_false(xwm_moveresize_edge(1000, &edge));
}

static void
motif(void **state)
{
	uint32_t none[5] = { 2, 0, 0, 0, 0 };
	uint32_t all[5] = { 2, 0, 1, 0, 0 };
	uint32_t no_flag[5] = { 0, 0, 0, 0, 0 };

	assert_false(xwm_motif_wants_decorations(none, 5));
	assert_true(xwm_motif_wants_decorations(all, 5));
	assert_true(xwm_motif_wants_decorations(no_flag, 5));
	assert_true(xwm_motif_wants_decorations(none, 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_hints),
		cmocka_unit_test(wm_class),
		cmocka_unit_test(utf8),
		cmocka_unit_test(atoms_and_moveresize),
		cmocka_unit_test(motif),
	};
	return cmocka_run_group_tests_name("xwm-props", tests, NULL, NULL);
}
