#ifndef AMOSYNC_BASE_BUF_H
#define AMOSYNC_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

/*
 * A growable byte buffer, always NUL-terminated. Initialise with
 * buf_init() or "struct buf b = { 0 }"; release with buf_free().
 * Once an append fails the buffer is marked failed and stays so: callers
 * may append many times and check buf_err() once at the end.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Returns ERR_NOMEM if any append failed, else ERR_OK. */
enum err buf_err(const struct buf *b);

/* Returns the contents ("" when empty); borrowed, valid until next add. */
const char *buf_str(const struct buf *b);

/* Takes the contents out of b (caller frees) and resets b. NULL if failed. */
char *buf_take(struct buf *b);

#endif
