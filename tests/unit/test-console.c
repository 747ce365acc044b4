// SPDX-License-Identifier: MIT
/*
 * wlvm's console filter: what of the guest's output reaches the
 * operator's terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../host/wlvm/wlvm.h"

/* Filters @in, fed @step bytes at a time, into a string. */
static const char *
filtered_in_steps(const char *in, size_t len, size_t step)
{
	static uint8_t out[8192];
	struct console_filter f;
	size_t n = 0, i;

	console_filter_init(&f);
	for (i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;

		n += console_filter(&f, (const uint8_t *)in + i, k, out + n);
		assert_true(n < sizeof(out) - 64);
	}
	out[n] = '\0';
	return (const char *)out;
}

/* Same result whether bytes come at once or one by one. */
static void
expect(const char *in, const char *want)
{
	assert_string_equal(filtered_in_steps(in, strlen(in), strlen(in) + 1), want);
	assert_string_equal(filtered_in_steps(in, strlen(in), 1), want);
}

static void
text_and_safe_controls_pass(void **state)
{
	expect("login: root\r\n", "login: root\r\n");
	expect("a\tb\bc", "a\tb\bc");
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Colours and line editing. */
	expect("\x1b[1;31mred\x1b[0m", "\x1b[1;31mred\x1b[0m");
	expect("\x1b[K\x1b[3D\x1b[2J\x1b[H", "\x1b[K\x1b[3D\x1b[2J\x1b[H");
}

static void
osc_and_strings_are_dropped(void **state)
{
	/* Title, clipboard write (OSC 52), hyperlinks, with BEL or ST. */
	expect("a\x1b]0;pwned\x07" "b", "ab");
	expect("a\x1b]52;c;ZXZpbA==\x1b\\b", "ab");
	expect("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link");
	/* DCS, APC, PM, SOS. */
	expect("x\x1bPqdata\x1b\\y\x1b_apc\x1b\\z\x1b^pm\x07\x1bXsos\x07.", "xyz.");
	/* A string cut by CAN ends there. */
	expect("\x1b]0;t\x18ok", "ok");
	/* ESC inside a string starts a new sequence. */
	expect("\x1b]0;t\x1b[31mred", "\x1b[31mred");
}

static void
dangerous_csi_is_dropped(void **state)
{
	/* Reports that answer into the input, modes, window operations. */
	expect("\x1b[6n\x1b[c\x1b[>c\x1b[21t\x1b[?1049h\x1b[?2004h\x1b[4h", "");
	/* Private or intermediate bytes in an otherwise safe final. */
	expect("\x1b[?25m\x1b[1 q\x1b[=5H", "");
	/* Overlong parameter lists are skipped whole. */
	{
		char in[200] = "\x1b[";
		size_t i;

		for (i = 2; i < 150; i++)
			in[i] = '1';
		strcat(in, "mX");
		expect(in, "X");
	}
	/* Other escapes: reset, charsets, keypad. */
	expect("\x1b" "c\x1b(0\x1b=\x1b" "7ok", "ok");
}

static void
controls_and_bad_utf8_are_dropped(void **state)
{
	expect("a\x07\x05\x7f\x0e\x0f" "b", "ab");
	/* 8-bit C1 (CSI 0x9b, OSC 0x9d) raw and UTF-8-encoded. */
	expect("a\x9b" "31m\x9d" "0;t\x07" "b", "a31m0;tb");
	expect("a\xc2\x9b" "6n\xc2\x9d" "b", "a6nb");
	/* Overlong, surrogate, out of range, truncated. */
	expect("\xc0\xaf\xe0\x80\xaf\xed\xa0\x80\xf4\x90\x80\x80" "ok", "ok");
	expect("\xe2\x82" "x", "x");
	expect("\xf0\x9f\x98", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_and_safe_controls_pass),
		cmocka_unit_test(osc_and_strings_are_dropped),
		cmocka_unit_test(dangerous_csi_is_dropped),
		cmocka_unit_test(controls_and_bad_utf8_are_dropped),
	};

	return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
