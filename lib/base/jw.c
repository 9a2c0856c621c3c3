#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/jw.h"
#include "base/text.h"

void
jw_init(struct jw *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = 1;
}

void
jw_escape(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
			i++;
		} else if (c == '\n') {
			buf_adds(b, "\\n"), i++;
		} else if (c == '\r') {
			buf_adds(b, "\\r"), i++;
		} else if (c == '\t') {
			buf_adds(b, "\\t"), i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(b, "\\u%04x", c);
			i++;
		} else if (c == '<' || c == '>' || c == '&') {
			/* Safe to embed in HTML <script> blocks. */
			buf_printf(b, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			buf_addc(b, (char)c);
			i++;
		} else if ((k = text_utf8_dec(s + i, n - i, &cp)) > 0) {
			buf_add(b, p + i, k);
			i += k;
		} else {
			buf_adds(b, "\xef\xbf\xbd");
			i++;
		}
	}
}

/* Writes the separator and the key, if any. */
static void
prefix(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		buf_addc(w->out, ',');
	w->first[w->depth] = 0;
	if (key != NULL) {
		buf_addc(w->out, '"');
		jw_escape(w->out, key, strlen(key));
		buf_adds(w->out, "\":");
	}
}

static void
open(struct jw *w, const char *key, char c)
{
	prefix(w, key);
	buf_addc(w->out, c);
	if (w->depth + 1 < JW_MAXDEPTH) {
		w->depth++;
		w->first[w->depth] = 1;
	} else {
		w->out->failed = 1;
	}
}

static void
close_(struct jw *w, char c)
{
	buf_addc(w->out, c);
	if (w->depth > 0)
		w->depth--;
}

void
jw_obj(struct jw *w, const char *key)
{
	open(w, key, '{');
}

void
jw_obj_end(struct jw *w)
{
	close_(w, '}');
}

void
jw_arr(struct jw *w, const char *key)
{
	open(w, key, '[');
}

void
jw_arr_end(struct jw *w)
{
	close_(w, ']');
}

void
jw_strn(struct jw *w, const char *key, const char *s, size_t n)
{
	prefix(w, key);
	if (s == NULL) {
		buf_adds(w->out, "null");
		return;
	}
	buf_addc(w->out, '"');
	jw_escape(w->out, s, n);
	buf_addc(w->out, '"');
}

void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s, s != NULL ? strlen(s) : 0);
}

void
jw_int(struct jw *w, const char *key, long long v)
{
	prefix(w, key);
	buf_printf(w->out, "%lld", v);
}

void
jw_num(struct jw *w, const char *key, double v)
{
	prefix(w, key);
	if (!isfinite(v))
		buf_adds(w->out, "null");
	else if (v == (double)(long long)v && fabs(v) < 1e15)
		buf_printf(w->out, "%lld", (long long)v);
	else
		buf_printf(w->out, "%.17g", v);
}

void
jw_bool(struct jw *w, const char *key, int v)
{
	prefix(w, key);
	buf_adds(w->out, v ? "true" : "false");
}

void
jw_null(struct jw *w, const char *key)
{
	prefix(w, key);
	buf_adds(w->out, "null");
}

void
jw_raw(struct jw *w, const char *key, const char *json)
{
	prefix(w, key);
	buf_adds(w->out, json != NULL ? json : "null");
}

/* Returns 1 if s is a JSON number: -?digits(.digits)?([eE][+-]?digits)? */
static int
isnum(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

void
jw_numstr(struct jw *w, const char *key, const char *num)
{
	prefix(w, key);
	buf_adds(w->out, num != NULL && isnum(num) ? num : "null");
}
