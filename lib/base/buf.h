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
 *
 * A limit, as curl's dynbuf has: buf_init_max() sets the most bytes the
 * buffer may hold (its len, the terminator aside). An append that would
 * pass it adds nothing and fails the buffer with ERR_TOOBIG; what was
 * there stays. buf_init() and "{ 0 }" set no limit (max 0): for text we
 * build ourselves, bounded by what writes it. A buffer filled from
 * outside the process (a request body, an HTTP answer, a file) is made
 * with buf_init_max() and the limit of its source.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* most bytes held, 0: no limit */
	int failed;
	int toobig; /* failed because an append passed max */
};

void buf_init(struct buf *b);
/* buf_init() with a limit of max bytes (0: none). */
void buf_init_max(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Empties b and clears its failure; the limit stays. */
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Returns ERR_TOOBIG if an append passed the limit, ERR_NOMEM if one
 * failed otherwise, else ERR_OK.
 */
enum err buf_err(const struct buf *b);

/* Returns the contents ("" when empty); borrowed, valid until next add. */
const char *buf_str(const struct buf *b);

/* Takes the contents out of b (caller frees) and resets b. NULL if failed. */
char *buf_take(struct buf *b);

#endif
