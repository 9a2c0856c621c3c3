#ifndef AMOSYNC_BASE_TEXT_H
#define AMOSYNC_BASE_TEXT_H

#include <stddef.h>

#include "base/buf.h"

/* Text helpers: UTF-8, case folding, escaping, normalisation. No I/O. */

/*
 * Decodes the UTF-8 sequence at s (at most n bytes, n > 0) into *cp.
 * Returns its length, or 0 if it is not valid UTF-8: a stray continuation
 * byte, an overlong form, a surrogate, a value above U+10FFFF or a
 * sequence cut short.
 */
size_t text_utf8_dec(const char *s, size_t n, unsigned long *cp);

/* Returns 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int text_utf8_valid(const char *s, size_t n);

/*
 * Returns a new string (caller frees): s with surrounding whitespace
 * removed and letters lower-cased, Latin and Cyrillic (incl. Kazakh
 * letters) alike. Invalid UTF-8 bytes are copied as they are. NULL on OOM.
 */
char *text_fold(const char *s);

/* Appends s to b with < > & " escaped for Telegram HTML. */
void text_html_escape(struct buf *b, const char *s);

/* Returns a new string of the digits of a phone, KZ/RU 8XXXXXXXXXX -> 7...;
 * NULL if fewer than 10 digits or OOM. */
char *text_phone_norm(const char *s);

/* Returns a new trimmed, lower-cased e-mail; NULL if it has no '@'. */
char *text_email_norm(const char *s);

#endif
