#ifndef AMOSYNC_BASE_JW_H
#define AMOSYNC_BASE_JW_H

#include <stddef.h>

#include "base/buf.h"

/*
 * A streaming JSON writer over a struct buf. Keys and strings are escaped;
 * strings must be UTF-8 (invalid bytes are replaced by U+FFFD). Commas are
 * inserted automatically. Pass key NULL inside arrays and at top level.
 */
#define JW_MAXDEPTH 32

struct jw {
	struct buf *out;
	int depth;
	int first[JW_MAXDEPTH];
};

void jw_init(struct jw *w, struct buf *out);
void jw_obj(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s); /* NULL -> null */
void jw_strn(struct jw *w, const char *key, const char *s, size_t n);
void jw_int(struct jw *w, const char *key, long long v);
void jw_num(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
/* Writes raw, already valid JSON text as the value (NULL -> null). */
void jw_raw(struct jw *w, const char *key, const char *json);
/* Writes a decimal number given as text; non-numeric text -> null. */
void jw_numstr(struct jw *w, const char *key, const char *num);

/* Appends s JSON-escaped (without quotes) to b. */
void jw_escape(struct buf *b, const char *s, size_t n);

#endif
