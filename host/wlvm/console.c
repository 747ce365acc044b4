// SPDX-License-Identifier: MIT
/*
 * The guest's console on the operator's terminal.  A guest that writes
 * escape sequences could set the terminal's title, write its clipboard
 * (OSC 52), make it answer into its own input, or worse, depending on the
 * terminal: by default only printable text (valid UTF-8 without C1
 * controls), tab, newline, carriage return, backspace and the CSI
 * sequences a shell's line editing and colours need go through.
 */
#include <string.h>

#include "wlvm.h"

enum {
	S_TEXT,
	S_UTF8,		/* inside a multi-byte character */
	S_ESC,		/* after ESC */
	S_ESC_INTER,	/* ESC and intermediate bytes: charsets and the like */
	S_CSI,		/* ESC [ params... */
	S_CSI_SKIP,	/* a CSI we drop, up to its final byte */
	S_STRING,	/* OSC, DCS, APC, PM, SOS: dropped up to ST or BEL */
	S_STRING_ESC,	/* ESC inside one */
};

/* CSI final bytes let through: cursor motion, erasing, colours. */
static const char safe_csi_finals[] = "@ABCDEFGHJKLMPXdfmrsu";

void
console_filter_init(struct console_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = S_TEXT;
}

static bool
utf8_ok(const uint8_t *s, unsigned int n)
{
	uint32_t cp;

	switch (n) {
	case 2:
		cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		/* C1 controls (U+0080..U+009F) act like ESC sequences. */
		return cp >= 0xa0;
	case 3:
		cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		     (s[2] & 0x3f);
		return cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
	case 4:
		cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		     (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return cp >= 0x10000 && cp <= 0x10ffff;
	}
	return false;
}

/* Whether the collected CSI (after "ESC [") is one we pass on. */
static bool
csi_ok(const struct console_filter *f, uint8_t final)
{
	unsigned int i;

	if (!strchr(safe_csi_finals, final))
		return false;
	/* Plain numeric parameters only: no private modes, no intermediates. */
	for (i = 2; i < f->seq_len; i++)
		if (!((f->seq[i] >= '0' && f->seq[i] <= '9') || f->seq[i] == ';'))
			return false;
	return true;
}

static size_t
text_byte(struct console_filter *f, uint8_t c, uint8_t *out)
{
	if (c >= 0x20 && c < 0x7f)
		return out[0] = c, 1;
	if (c == '\n' || c == '\r' || c == '\t' || c == '\b')
		return out[0] = c, 1;
	if (c == 0x1b) {
		f->state = S_ESC;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xf4) {
		f->seq[0] = c;
		f->seq_len = 1;
		f->utf8_need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		f->state = S_UTF8;
	}
	/* Other C0 controls, DEL, stray continuation or invalid bytes: gone. */
	return 0;
}

size_t
console_filter(struct console_filter *f, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		switch (f->state) {
		case S_TEXT:
			n += text_byte(f, c, out + n);
			break;
		case S_UTF8:
			if ((c & 0xc0) != 0x80) {
				/* Cut short: drop it and read this byte afresh. */
				f->state = S_TEXT;
				n += text_byte(f, c, out + n);
				break;
			}
			f->seq[f->seq_len++] = c;
			if (f->seq_len < f->utf8_need)
				break;
			if (utf8_ok(f->seq, f->seq_len)) {
				memcpy(out + n, f->seq, f->seq_len);
				n += f->seq_len;
			}
			f->state = S_TEXT;
			break;
		case S_ESC:
			if (c == '[') {
				f->seq[0] = 0x1b;
				f->seq[1] = '[';
				f->seq_len = 2;
				f->state = S_CSI;
			} else if (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') {
				f->state = S_STRING;
			} else if (c >= 0x20 && c <= 0x2f) {
				f->state = S_ESC_INTER;
			} else if (c != 0x1b) {
				/* Two-byte sequences (resets, keypad modes): dropped. */
				f->state = S_TEXT;
				if (c < 0x20)
					n += text_byte(f, c, out + n);
			}
			break;
		case S_ESC_INTER:
			if (c == 0x1b)
				f->state = S_ESC;
			else if (c < 0x20)
				n += text_byte(f, c, out + n);
			else if (c > 0x2f)
				f->state = S_TEXT;	/* its final byte: dropped */
			break;
		case S_CSI:
		case S_CSI_SKIP:
			if (c == 0x18 || c == 0x1a) {	/* CAN, SUB: abort */
				f->state = S_TEXT;
			} else if (c == 0x1b) {
				f->state = S_ESC;
			} else if (c >= 0x40 && c <= 0x7e) {
				if (f->state == S_CSI && csi_ok(f, c)) {
					memcpy(out + n, f->seq, f->seq_len);
					n += f->seq_len;
					out[n++] = c;
				}
				f->state = S_TEXT;
			} else if (c < 0x20 || c > 0x7e) {
				/* Controls inside a CSI act on their own; others are junk. */
				if (c < 0x20)
					n += text_byte(f, c, out + n);
			} else if (f->state == S_CSI) {
				if (f->seq_len < sizeof(f->seq))
					f->seq[f->seq_len++] = c;
				else
					f->state = S_CSI_SKIP;
			}
			break;
		case S_STRING:
			if (c == 0x07 || c == 0x18 || c == 0x1a)
				f->state = S_TEXT;
			else if (c == 0x1b)
				f->state = S_STRING_ESC;
			break;
		case S_STRING_ESC:
			if (c == '\\') {
				f->state = S_TEXT;
			} else {
				/* ESC starts a new sequence: the string ended. */
				f->state = S_ESC;
				i--;
			}
			break;
		}
	}
	return n;
}
