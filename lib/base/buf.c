#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_init_max(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	b->toobig = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the terminator; returns 0 on failure. */
static int
grow(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return 0;
	if (b->max > 0 && n > b->max - b->len) {
		b->failed = 1;
		b->toobig = 1;
		return 0;
	}
	if (n >= SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return 0;
	}
	if (b->len + n + 1 <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return 0;
	}
	b->data = p;
	b->cap = cap;
	return 1;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (!grow(b, n))
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

enum err
buf_err(const struct buf *b)
{
	if (!b->failed)
		return ERR_OK;
	return b->toobig ? ERR_TOOBIG : ERR_NOMEM;
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_take(struct buf *b)
{
	char *p;

	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	if (b->data == NULL && !grow(b, 0))
		return NULL;
	p = b->data;
	memset(b, 0, sizeof(*b));
	return p;
}
