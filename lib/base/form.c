#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "base/form.h"
#include "base/text.h"

const struct form_limits form_default_limits = {
	1024 * 1024, /* max_body */
	20000,       /* max_pairs */
	12,          /* max_depth */
	512,         /* max_key */
	65536,       /* max_value */
};

/* Pairs are kept in an array whose capacity is implied by npairs. */
#define FORM_MINCAP 8

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..n) into a new string. An escape must be '%' and exactly two
 * hex digits; a NUL, raw or as %00, is refused because the result is used
 * as a C string. On error *out is NULL and *outlen 0.
 */
enum err
form_decode(const char *s, size_t n, int plus_space, char **out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *d;
	size_t i, o = 0;
	int hi, lo;
	enum err rc;

	*out = NULL;
	*outlen = 0;
	if (n == SIZE_MAX || (d = malloc(n + 1)) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (p[i] == '%') {
			if (n - i < 3 || (hi = hexval(p[i + 1])) < 0 ||
			    (lo = hexval(p[i + 2])) < 0) {
				rc = ERR_FORM_ESCAPE;
				goto out;
			}
			d[o] = (char)(hi << 4 | lo);
			i += 2;
		} else if (p[i] == '+' && plus_space)
			d[o] = ' ';
		else
			d[o] = (char)p[i];
		if (d[o] == '\0') {
			rc = ERR_FORM_NUL;
			goto out;
		}
		o++;
	}
	d[o] = '\0';
	*out = d;
	*outlen = o;
	return ERR_OK;
out:
	free(d);
	return rc;
}

/*
 * Splits a decoded key into its path segments: a non-empty base name
 * followed by zero or more "[segment]" groups, where a segment holds no
 * bracket and may be empty ("a[]"). The segments and their text live in
 * one allocation, *seg (caller frees). Returns ERR_FORM_KEY for a
 * malformed key, ERR_FORM_DEPTH for more than maxdepth segments.
 */
static enum err
key_split(const char *key, size_t klen, size_t maxdepth, char ***seg,
    size_t *nseg)
{
	const char *p, *end = key + klen;
	char **v, *t;
	size_t n = 1, i;

	*seg = NULL;
	*nseg = 0;
	/* Base name: up to the first '['; it may not hold ']'. */
	for (p = key; p < end && *p != '['; p++)
		if (*p == ']')
			return ERR_FORM_KEY;
	if (p == key)
		return ERR_FORM_KEY;
	/* Groups: '[' text ']', back to back, up to the end of the key. */
	while (p < end) {
		if (*p != '[')
			return ERR_FORM_KEY;
		for (p++; p < end && *p != ']'; p++)
			if (*p == '[')
				return ERR_FORM_KEY;
		if (p == end)
			return ERR_FORM_KEY;
		p++;
		n++;
	}
	if (n > maxdepth)
		return ERR_FORM_DEPTH;

	/* n pointers, then the segments, each NUL-terminated: <= klen + 1. */
	if ((v = malloc(n * sizeof(*v) + klen + 1)) == NULL)
		return ERR_NOMEM;
	t = (char *)(v + n);
	for (p = key, i = 0; i < n; i++) {
		v[i] = t;
		if (*p == '[')
			p++;
		while (p < end && *p != '[' && *p != ']')
			*t++ = *p++;
		*t++ = '\0';
		if (p < end && *p == ']')
			p++;
	}
	*seg = v;
	*nseg = n;
	return ERR_OK;
}

/* Makes room for one more pair, doubling at powers of two. */
static enum err
grow(struct form *f)
{
	struct form_pair *p;
	size_t n = f->npairs, cap;

	if (n != 0 && (n < FORM_MINCAP || (n & (n - 1)) != 0))
		return ERR_OK;
	cap = n == 0 ? FORM_MINCAP : n * 2;
	if (cap > SIZE_MAX / sizeof(*p))
		return ERR_NOMEM;
	if ((p = realloc(f->pairs, cap * sizeof(*p))) == NULL)
		return ERR_NOMEM;
	f->pairs = p;
	return ERR_OK;
}

static void
pair_free(struct form_pair *p)
{
	free(p->key);
	free(p->value);
	free(p->seg);
	memset(p, 0, sizeof(*p));
}

/*
 * Decodes, checks and appends the pair k[0..kn) = v[0..vn). The checks
 * follow the order of the text: the key first, then the value.
 */
static enum err
pair_parse(struct form *f, const char *k, size_t kn, const char *v, size_t vn,
    const struct form_limits *lim)
{
	struct form_pair p;
	size_t klen;
	enum err rc;

	memset(&p, 0, sizeof(p));
	if ((rc = form_decode(k, kn, 1, &p.key, &klen)) != ERR_OK)
		goto out;
	if (klen > lim->max_key) {
		rc = ERR_FORM_KEYLEN;
		goto out;
	}
	if (!text_utf8_valid(p.key, klen)) {
		rc = ERR_UTF8;
		goto out;
	}
	rc = key_split(p.key, klen, lim->max_depth, &p.seg, &p.nseg);
	if (rc != ERR_OK)
		goto out;
	if ((rc = form_decode(v, vn, 1, &p.value, &p.vlen)) != ERR_OK)
		goto out;
	if (p.vlen > lim->max_value) {
		rc = ERR_FORM_VALLEN;
		goto out;
	}
	if (!text_utf8_valid(p.value, p.vlen)) {
		rc = ERR_UTF8;
		goto out;
	}
	if ((rc = grow(f)) != ERR_OK)
		goto out;
	f->pairs[f->npairs++] = p;
	return ERR_OK;
out:
	pair_free(&p);
	return rc;
}

/*
 * Splits body on '&' into pairs and each pair on its first '=' before
 * decoding anything, so that %26 and %3D stay inside keys and values.
 * f is initialised here; on error it is left empty.
 */
enum err
form_parse(struct form *f, const char *body, size_t len,
    const struct form_limits *lim)
{
	const char *p, *end, *amp, *eq;
	enum err rc = ERR_OK;

	memset(f, 0, sizeof(*f));
	if (lim == NULL)
		lim = &form_default_limits;
	if (len > lim->max_body)
		return ERR_TOOBIG;
	if (len == 0)
		return ERR_OK;
	if (memchr(body, '\0', len) != NULL)
		return ERR_FORM_NUL;
	for (p = body, end = body + len; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if (f->npairs >= lim->max_pairs) {
			rc = ERR_FORM_PAIRS;
			goto out;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			rc = pair_parse(f, p, (size_t)(amp - p), amp, 0, lim);
		else
			rc = pair_parse(f, p, (size_t)(eq - p), eq + 1,
			    (size_t)(amp - eq - 1), lim);
		if (rc != ERR_OK)
			goto out;
	}
out:
	if (rc != ERR_OK)
		form_free(f);
	return rc;
}

/*
 * Appends a pair given as segments and a value of vlen bytes; the key text
 * is rebuilt as seg0[seg1][seg2]... The caller enforces the size limits
 * (form_add has none to apply); the base name must not be empty, and the
 * segments and the value must be NUL-free UTF-8. f must be initialised
 * (zeroed, or filled by form_parse). On error f is unchanged.
 */
enum err
form_add(struct form *f, const char *const *seg, size_t nseg, const char *value,
    size_t vlen)
{
	struct form_pair p;
	size_t i, klen = 0, slen, n;
	char *k, *t;
	enum err rc;

	memset(&p, 0, sizeof(p));
	if (value == NULL) {
		value = "";
		vlen = 0;
	}
	if (nseg == 0 || seg[0][0] == '\0')
		return ERR_FORM_KEY;
	if (memchr(value, '\0', vlen) != NULL)
		return ERR_FORM_NUL;
	if (!text_utf8_valid(value, vlen))
		return ERR_UTF8;
	for (i = 0; i < nseg; i++) {
		slen = strlen(seg[i]);
		if (!text_utf8_valid(seg[i], slen))
			return ERR_UTF8;
		if (slen > SIZE_MAX / 4 - klen)
			return ERR_NOMEM;
		klen += slen + (i > 0 ? 2 : 0);
	}
	if (nseg > (SIZE_MAX - klen - 1) / sizeof(char *))
		return ERR_NOMEM;

	rc = ERR_NOMEM;
	if ((p.key = malloc(klen + 1)) == NULL ||
	    (p.seg = malloc(nseg * sizeof(char *) + klen + 1)) == NULL ||
	    (p.value = malloc(vlen + 1)) == NULL)
		goto out;
	k = p.key;
	t = (char *)(p.seg + nseg);
	for (i = 0; i < nseg; i++) {
		n = strlen(seg[i]);
		if (i > 0)
			*k++ = '[';
		memcpy(k, seg[i], n);
		k += n;
		if (i > 0)
			*k++ = ']';
		p.seg[i] = t;
		memcpy(t, seg[i], n);
		t += n;
		*t++ = '\0';
	}
	*k = '\0';
	p.nseg = nseg;
	memcpy(p.value, value, vlen);
	p.value[vlen] = '\0';
	p.vlen = vlen;
	if ((rc = grow(f)) != ERR_OK)
		goto out;
	f->pairs[f->npairs++] = p;
	return ERR_OK;
out:
	pair_free(&p);
	return rc;
}

void
form_free(struct form *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->npairs; i++)
		pair_free(&f->pairs[i]);
	free(f->pairs);
	f->pairs = NULL;
	f->npairs = 0;
}

/*
 * Looks path up among the decoded keys, first match wins. A path that
 * does not match as written and holds '%' or '+' is tried once more
 * percent-decoded, so "leads%5Bstatus%5D" finds "leads[status]" too.
 */
const char *
form_get(const struct form *f, const char *path)
{
	char *dec = NULL;
	const char *v = NULL;
	size_t i, n;

	if (f == NULL || path == NULL)
		return NULL;
	for (i = 0; i < f->npairs; i++)
		if (strcmp(f->pairs[i].key, path) == 0)
			return f->pairs[i].value;
	if (strpbrk(path, "%+") == NULL ||
	    form_decode(path, strlen(path), 1, &dec, &n) != ERR_OK)
		return NULL;
	for (i = 0; i < f->npairs; i++)
		if (strcmp(f->pairs[i].key, dec) == 0) {
			v = f->pairs[i].value;
			break;
		}
	free(dec);
	return v;
}

/* Deepest JSON nesting handed to json-c, whatever the configured limit. */
#define JSON_MAXDEPTH 256

struct flat {
	struct form *f;
	const struct form_limits *lim;
	const char **seg; /* path of the current value, by depth */
	char (*idx)[24];  /* text of array indices, one per depth */
};

/* Adds the scalar at path seg[0..depth) to the form, within the limits. */
static enum err
flat_emit(struct flat *fl, size_t depth, const char *v, size_t vlen)
{
	size_t i, klen = 0;

	if (depth == 0)
		return ERR_OK;
	if (fl->f->npairs >= fl->lim->max_pairs)
		return ERR_FORM_PAIRS;
	for (i = 0; i < depth; i++)
		klen += strlen(fl->seg[i]) + (i > 0 ? 2 : 0);
	if (klen > fl->lim->max_key)
		return ERR_FORM_KEYLEN;
	if (vlen > fl->lim->max_value)
		return ERR_FORM_VALLEN;
	return form_add(fl->f, fl->seg, depth, v, vlen);
}

/*
 * Walks o depth-first: object members and array elements (as "0", "1",
 * ...) extend the path, scalars become pairs, null is skipped. The
 * recursion is bounded by the tokener's depth limit.
 */
static enum err
flat_walk(struct flat *fl, struct json_object *o, size_t depth)
{
	struct json_object_iterator it, end;
	size_t i, n;
	enum err rc;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return ERR_OK;
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		while (!json_object_iter_equal(&it, &end)) {
			if (depth >= fl->lim->max_depth)
				return ERR_FORM_DEPTH;
			fl->seg[depth] = json_object_iter_peek_name(&it);
			rc = flat_walk(fl, json_object_iter_peek_value(&it),
			    depth + 1);
			if (rc != ERR_OK)
				return rc;
			json_object_iter_next(&it);
		}
		return ERR_OK;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			if (depth >= fl->lim->max_depth)
				return ERR_FORM_DEPTH;
			snprintf(fl->idx[depth], sizeof(fl->idx[depth]), "%zu",
			    i);
			fl->seg[depth] = fl->idx[depth];
			rc = flat_walk(fl, json_object_array_get_idx(o, i),
			    depth + 1);
			if (rc != ERR_OK)
				return rc;
		}
		return ERR_OK;
	case json_type_string:
		return flat_emit(fl, depth, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	default:
		/* Numbers keep the text they were written with. */
		return flat_emit(fl, depth, json_object_get_string(o),
		    strlen(json_object_get_string(o)));
	}
}

/*
 * Parses a JSON body with json-c in strict mode (no trailing text, valid
 * UTF-8) and flattens it into f, so that {"leads":{"status":[{"id":1}]}}
 * gives the pair leads[status][0][id]=1. The form limits apply to the
 * flattened pairs. f is initialised here; on error it is empty.
 */
enum err
form_parse_json(struct form *f, const char *body, size_t len,
    const struct form_limits *lim)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	enum json_tokener_error jerr;
	struct flat fl;
	size_t depth, end;
	enum err rc = ERR_TOOBIG;

	memset(f, 0, sizeof(*f));
	memset(&fl, 0, sizeof(fl));
	if (lim == NULL)
		lim = &form_default_limits;
	if (len > lim->max_body || len > INT_MAX)
		goto out;
	rc = ERR_JSON;
	if (len == 0 || memchr(body, '\0', len) != NULL)
		goto out;
	depth = JSON_MAXDEPTH;
	if (lim->max_depth < JSON_MAXDEPTH)
		depth = lim->max_depth + 1;
	rc = ERR_NOMEM;
	if ((tok = json_tokener_new_ex((int)depth)) == NULL)
		goto out;
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success) {
		if (jerr == json_tokener_error_depth)
			rc = ERR_FORM_DEPTH;
		else if (jerr == json_tokener_error_parse_utf8_string)
			rc = ERR_UTF8;
		else
			rc = ERR_JSON;
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (strchr(" \t\r\n", body[end]) == NULL) {
			rc = ERR_JSON;
			goto out;
		}

	/* One spare entry, so that max_depth 0 needs no special case. */
	rc = ERR_NOMEM;
	fl.seg = calloc(lim->max_depth + 1, sizeof(*fl.seg));
	fl.idx = calloc(lim->max_depth + 1, sizeof(*fl.idx));
	if (fl.seg == NULL || fl.idx == NULL)
		goto out;
	fl.f = f;
	fl.lim = lim;
	rc = flat_walk(&fl, root, 0);
out:
	free(fl.seg);
	free(fl.idx);
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
	if (rc != ERR_OK)
		form_free(f);
	return rc;
}
