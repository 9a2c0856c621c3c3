#include <stdlib.h>
#include <string.h>

#include "base/text.h"

/*
 * Decodes the UTF-8 sequence at s (at most n bytes, n > 0) into *cp.
 * Returns its length, or 0 if it is not valid UTF-8: a stray continuation
 * byte, an overlong form, a surrogate, a value above U+10FFFF or a
 * sequence cut short.
 */
size_t
text_utf8_dec(const char *str, size_t n, unsigned long *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Writes cp (a valid scalar value) as UTF-8 into out; returns the length. */
static size_t
u8enc(unsigned long cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

int
text_utf8_valid(const char *s, size_t n)
{
	unsigned long cp;
	size_t i = 0, k;

	while (i < n) {
		if ((k = text_utf8_dec(s + i, n - i, &cp)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/*
 * Returns the simple lower-case form of one code point. Only scripts our
 * UTM tags use are covered: ASCII, Latin-1, Latin Extended-A and Cyrillic
 * with its Kazakh letters. Everything else maps to itself. Mappings never
 * make the UTF-8 form longer, which text_fold() relies on.
 */
static unsigned long
fold_cp(unsigned long c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 0x20;
	if (c < 0xc0)
		return c;
	if (c <= 0xde)
		return c == 0xd7 ? c : c + 0x20; /* not U+00D7 (multiply) */
	if (c == 0x130)
		return 'i'; /* capital I with dot above */
	if (c >= 0x100 && c <= 0x137)
		return c | 1;
	if (c >= 0x139 && c <= 0x148)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x14a && c <= 0x177)
		return c | 1;
	if (c == 0x178)
		return 0xff;
	if (c >= 0x179 && c <= 0x17e)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x460 && c <= 0x481)
		return c | 1;
	if (c >= 0x48a && c <= 0x4bf)
		return c | 1; /* Ғ Қ Ң Ү Ұ Һ among them */
	if (c == 0x4c0)
		return 0x4cf;
	if (c >= 0x4c1 && c <= 0x4ce)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x4d0 && c <= 0x4ff)
		return c | 1; /* Ә Ө among them */
	return c;
}

/* Returns the length of the ASCII space or NBSP at s[0..n), else 0. */
static size_t
space_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
		return 2;
	return 0;
}

/*
 * Narrows [*start, *end) of s so that it has no surrounding ASCII spaces
 * or NBSPs. A trailing "\xc2\xa0" is always a whole NBSP: 0xc2 cannot be
 * a continuation byte.
 */
static void
trim(const unsigned char *s, size_t *start, size_t *end)
{
	size_t k;

	while (*start < *end && (k = space_len(s + *start, *end - *start)) > 0)
		*start += k;
	while (*end > *start) {
		if (space_len(s + *end - 1, 1) == 1)
			*end -= 1;
		else if (*end - *start >= 2 && s[*end - 2] == 0xc2 &&
		    s[*end - 1] == 0xa0)
			*end -= 2;
		else
			break;
	}
}

char *
text_fold(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *out;
	unsigned long cp;
	size_t start = 0, end, i, k, o = 0;

	if (s == NULL)
		return NULL;
	end = strlen(s);
	trim(p, &start, &end);
	if ((out = malloc(end - start + 1)) == NULL)
		return NULL;
	for (i = start; i < end; i += k) {
		if ((k = text_utf8_dec(s + i, end - i, &cp)) == 0) {
			out[o++] = p[i];
			k = 1;
		} else
			o += u8enc(fold_cp(cp), out + o);
	}
	out[o] = '\0';
	return (char *)out;
}

void
text_html_escape(struct buf *b, const char *s)
{
	const char *run;

	if (s == NULL)
		return;
	for (run = s; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		default:
			continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_adds(b, rep);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

/*
 * Keeps the ASCII digits only. For Kazakhstan and Russia (country code
 * 7) one number is written many ways: 8XXXXXXXXXX (11 digits, the
 * domestic trunk prefix) becomes 7XXXXXXXXXX, and a bare national number
 * XXXXXXXXXX (10 digits) gets the country code 7; +7 (XXX) XXX-XX-XX and
 * 7XXXXXXXXXX are already digits 7XXXXXXXXXX. Other lengths of 10 or
 * more digits are returned as they are. sql/landing/003-sync.sql has the
 * same rules as amosync_phone_norm(): change both together.
 */
char *
text_phone_norm(const char *s)
{
	size_t n = 0, i;
	char *out, *o;

	if (s == NULL)
		return NULL;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= '0' && s[i] <= '9')
			n++;
	if (n < 10)
		return NULL;
	if ((out = malloc(n + 2)) == NULL)
		return NULL;
	o = out;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= '0' && s[i] <= '9')
			*o++ = s[i];
	*o = '\0';
	if (n == 11 && out[0] == '8')
		out[0] = '7';
	else if (n == 10) {
		memmove(out + 1, out, n + 1);
		out[0] = '7';
	}
	return out;
}

/*
 * Trims s like text_fold() and lower-cases its ASCII letters. Returns NULL
 * unless there is exactly one '@' with something on both sides.
 */
char *
text_email_norm(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = 0, end, i, at = 0, nat = 0;
	char *out;

	if (s == NULL)
		return NULL;
	end = strlen(s);
	trim(p, &start, &end);
	for (i = start; i < end; i++)
		if (p[i] == '@') {
			at = i;
			nat++;
		}
	if (nat != 1 || at == start || at == end - 1)
		return NULL;
	if ((out = malloc(end - start + 1)) == NULL)
		return NULL;
	for (i = start; i < end; i++) {
		unsigned char c = p[i];

		out[i - start] = (char)(c >= 'A' && c <= 'Z' ? c + 0x20 : c);
	}
	out[end - start] = '\0';
	return out;
}
