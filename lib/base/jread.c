#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jread.h"
#include "base/money.h"
#include "base/text.h"

void
jread_limits_default(struct jread_limits *lim)
{
	lim->max_body = 1048576;
	lim->max_depth = 16;
}

size_t
jread_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Sets field and reason; returns rc so callers can "return seterr(...)". */
static enum err
seterr(struct jread *r, enum err rc, const char *key, const char *reason)
{
	snprintf(r->field, sizeof(r->field), "%s", key != NULL ? key : "");
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return rc;
}

enum err
jread_fail(struct jread *r, const char *key, const char *reason)
{
	return seterr(r, ERR_VALIDATION, key, reason);
}

/* Returns 1 if only JSON whitespace is left in s[0..n). */
static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * A strict RFC 8259 syntax check, run before json-c (which accepts
 * single quotes and more, and turns a lone \uD800 into U+FFFD): the
 * errors name the byte where the body went wrong.
 */
struct scan {
	const unsigned char *s;
	size_t n;
	size_t i;
	int depth;
	int maxdepth;
	enum err rc;
	const char *why;
};

static int scan_value(struct scan *sc);

static int
scan_fail(struct scan *sc, enum err rc, const char *why)
{
	sc->rc = rc;
	sc->why = why;
	return 0;
}

static void
scan_ws(struct scan *sc)
{
	while (sc->i < sc->n &&
	    (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
	        sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

static int
scan_lit(struct scan *sc, const char *lit)
{
	size_t n = strlen(lit);

	if (sc->n - sc->i < n || memcmp(sc->s + sc->i, lit, n) != 0)
		return scan_fail(sc, ERR_JSON, "unexpected character");
	sc->i += n;
	return 1;
}

/* Reads the 4 hex digits of a \u escape at sc->i. */
static int
scan_hex4(struct scan *sc, unsigned *v)
{
	size_t k;

	*v = 0;
	if (sc->n - sc->i < 4)
		return scan_fail(sc, ERR_JSON, "truncated \\u escape");
	for (k = 0; k < 4; k++) {
		unsigned c = sc->s[sc->i + k];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return scan_fail(sc, ERR_JSON, "bad \\u escape");
	}
	sc->i += 4;
	return 1;
}

static int
scan_string(struct scan *sc)
{
	unsigned v, lo;

	sc->i++; /* the opening quote */
	while (sc->i < sc->n) {
		unsigned char c = sc->s[sc->i++];

		if (c == '"')
			return 1;
		if (c < 0x20)
			return scan_fail(sc, ERR_JSON,
			    "control character in a string");
		if (c != '\\')
			continue;
		if (sc->i >= sc->n)
			break;
		c = sc->s[sc->i++];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			continue;
		if (c != 'u')
			return scan_fail(sc, ERR_JSON,
			    "bad escape in a string");
		if (!scan_hex4(sc, &v))
			return 0;
		if (v >= 0xdc00 && v <= 0xdfff)
			return scan_fail(sc, ERR_UTF8,
			    "lone UTF-16 surrogate "
			    "in a \\u escape");
		if (v >= 0xd800 && v <= 0xdbff) {
			if (sc->n - sc->i < 2 || sc->s[sc->i] != '\\' ||
			    sc->s[sc->i + 1] != 'u')
				return scan_fail(sc, ERR_UTF8,
				    "lone UTF-16 "
				    "surrogate in a \\u escape");
			sc->i += 2;
			if (!scan_hex4(sc, &lo))
				return 0;
			if (lo < 0xdc00 || lo > 0xdfff)
				return scan_fail(sc, ERR_UTF8,
				    "lone UTF-16 "
				    "surrogate in a \\u escape");
		}
	}
	return scan_fail(sc, ERR_JSON, "unterminated string");
}

static int
scan_digits(struct scan *sc)
{
	size_t start = sc->i;

	while (sc->i < sc->n && isdigit(sc->s[sc->i]))
		sc->i++;
	return sc->i > start ? 1 : scan_fail(sc, ERR_JSON, "bad number");
}

static int
scan_number(struct scan *sc)
{
	if (sc->s[sc->i] == '-')
		sc->i++;
	if (sc->i < sc->n && sc->s[sc->i] == '0')
		sc->i++;
	else if (!scan_digits(sc))
		return 0;
	if (sc->i < sc->n && sc->s[sc->i] == '.') {
		sc->i++;
		if (!scan_digits(sc))
			return 0;
	}
	if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->n &&
		    (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		if (!scan_digits(sc))
			return 0;
	}
	return 1;
}

/* An object or an array, from its opening bracket. */
static int
scan_container(struct scan *sc)
{
	unsigned char close = sc->s[sc->i] == '{' ? '}' : ']';
	int first = 1;

	if (++sc->depth > sc->maxdepth)
		return scan_fail(sc, ERR_JSON, "nested too deeply");
	sc->i++;
	for (;;) {
		scan_ws(sc);
		if (sc->i >= sc->n)
			return scan_fail(sc, ERR_JSON, "JSON ends too early");
		if (sc->s[sc->i] == close && first)
			break;
		if (!first) {
			if (sc->s[sc->i] == close)
				break;
			if (sc->s[sc->i] != ',')
				return scan_fail(sc, ERR_JSON,
				    "expected ',' or a closing bracket");
			sc->i++;
			scan_ws(sc);
		}
		first = 0;
		if (close == '}') {
			if (sc->i >= sc->n || sc->s[sc->i] != '"')
				return scan_fail(sc, ERR_JSON,
				    "expected a member name in quotes");
			if (!scan_string(sc))
				return 0;
			scan_ws(sc);
			if (sc->i >= sc->n || sc->s[sc->i] != ':')
				return scan_fail(sc, ERR_JSON, "expected ':'");
			sc->i++;
		}
		if (!scan_value(sc))
			return 0;
	}
	sc->i++;
	sc->depth--;
	return 1;
}

static int
scan_value(struct scan *sc)
{
	unsigned char c;

	scan_ws(sc);
	if (sc->i >= sc->n)
		return scan_fail(sc, ERR_JSON, "JSON ends too early");
	c = sc->s[sc->i];
	if (c == '{' || c == '[')
		return scan_container(sc);
	if (c == '"')
		return scan_string(sc);
	if (c == '-' || isdigit(c))
		return scan_number(sc);
	if (c == 't')
		return scan_lit(sc, "true");
	if (c == 'f')
		return scan_lit(sc, "false");
	if (c == 'n')
		return scan_lit(sc, "null");
	return scan_fail(sc, ERR_JSON, "unexpected character");
}

/*
 * Checks the syntax, then lets json-c build the tree of what is now known
 * to be one valid JSON text, with the nesting limit given to its tokener
 * as well.
 */
enum err
jread_parse(struct jread *r, const char *body, size_t len,
    const struct jread_limits *lim)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	struct scan sc;
	char why[160];
	size_t k;

	memset(r, 0, sizeof(*r));
	if (len > lim->max_body) {
		snprintf(why, sizeof(why), "body is over %zu bytes",
		    lim->max_body);
		return seterr(r, ERR_TOOBIG, NULL, why);
	}
	if (body == NULL || blank(body, len))
		return seterr(r, ERR_JSON, NULL, "body must be a JSON object");
	if (len > (size_t)INT_MAX - 1)
		return seterr(r, ERR_TOOBIG, NULL, "body is too large");
	if (!text_utf8_valid(body, len))
		return seterr(r, ERR_UTF8, NULL, "body is not valid UTF-8");
	if (memchr(body, '\0', len) != NULL)
		return seterr(r, ERR_JSON, NULL, "body contains a NUL byte");
	memset(&sc, 0, sizeof(sc));
	sc.s = (const unsigned char *)body;
	sc.n = len;
	sc.maxdepth = lim->max_depth;
	sc.rc = ERR_OK;
	if (scan_value(&sc)) {
		scan_ws(&sc);
		if (sc.i < sc.n)
			scan_fail(&sc, ERR_JSON,
			    "unexpected data after the JSON value");
	}
	if (sc.rc != ERR_OK) {
		snprintf(why, sizeof(why), "malformed JSON at byte %zu: %s",
		    sc.i, sc.why);
		return seterr(r, sc.rc, NULL, why);
	}
	for (k = 0; k < len && blank(body + k, 1); k++)
		;
	if (k == len || body[k] != '{')
		return seterr(r, ERR_JSON, NULL, "body must be a JSON object");
	if ((tok = json_tokener_new_ex(lim->max_depth + 1)) == NULL)
		return seterr(r, ERR_NOMEM, NULL, "out of memory");
	o = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		/* Only memory can fail on a text the scan accepted. */
		return seterr(r, ERR_NOMEM, NULL,
		    "could not build the JSON "
		    "document");
	}
	r->root = o;
	return ERR_OK;
}

void
jread_free(struct jread *r)
{
	if (r == NULL)
		return;
	json_object_put(r->root);
	r->root = NULL;
}

/* Looks key up: 0 when absent, else 1 with *v (NULL for JSON null). */
static int
member(const struct jread *r, const char *key, struct json_object **v)
{
	*v = NULL;
	if (r->root == NULL)
		return 0;
	return json_object_object_get_ex(r->root, key, v) ? 1 : 0;
}

enum jread_has
jread_has(const struct jread *r, const char *key)
{
	struct json_object *v;

	if (!member(r, key, &v))
		return JREAD_ABSENT;
	return v == NULL ? JREAD_NULL : JREAD_SET;
}

enum err
jread_only(struct jread *r, const char *const *allowed)
{
	size_t i;

	if (r->root == NULL)
		return ERR_OK;
	json_object_object_foreach(r->root, key, val)
	{
		(void)val;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return seterr(r, ERR_VALIDATION, key, "unknown field");
	}
	return ERR_OK;
}

/* Checks one string value v; name is what errors call it. */
static enum err
strval(struct jread *r, const char *name, struct json_object *v,
    size_t maxchars, int multiline, const char **out)
{
	const unsigned char *s;
	char why[96];
	size_t n, i;

	if (!json_object_is_type(v, json_type_string))
		return seterr(r, ERR_VALIDATION, name, "must be a string");
	s = (const unsigned char *)json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!text_utf8_valid((const char *)s, n))
		return seterr(r, ERR_UTF8, name, "is not valid UTF-8");
	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			return seterr(r, ERR_VALIDATION, name,
			    "must not contain NUL characters");
		if ((s[i] < 0x20 || s[i] == 0x7f) &&
		    !(multiline && (s[i] == '\n' || s[i] == '\t')))
			return seterr(r, ERR_VALIDATION, name,
			    "must not contain control characters");
	}
	if (jread_chars((const char *)s, n) > maxchars) {
		snprintf(why, sizeof(why), "must be at most %zu characters",
		    maxchars);
		return seterr(r, ERR_VALIDATION, name, why);
	}
	*out = (const char *)s;
	return ERR_OK;
}

enum err
jread_str(struct jread *r, const char *key, size_t maxchars, int multiline,
    const char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!member(r, key, &v) || v == NULL)
		return ERR_OK;
	return strval(r, key, v, maxchars, multiline, out);
}

/* Checks one integer value v against [min, max]. */
static enum err
intval(struct jread *r, const char *name, struct json_object *v, long long min,
    long long max, long long *out)
{
	char why[96];
	int64_t x;

	if (!json_object_is_type(v, json_type_int))
		return seterr(r, ERR_VALIDATION, name,
		    "must be a whole number");
	x = json_object_get_int64(v);
	/* json-c clamps what does not fit into int64 to its ends. */
	if (x < min || x > max || x == INT64_MAX || x == INT64_MIN) {
		snprintf(why, sizeof(why), "must be between %lld and %lld", min,
		    max);
		return seterr(r, ERR_VALIDATION, name, why);
	}
	*out = (long long)x;
	return ERR_OK;
}

enum err
jread_int(struct jread *r, const char *key, long long min, long long max,
    long long *out)
{
	struct json_object *v;

	if (!member(r, key, &v) || v == NULL)
		return ERR_OK;
	return intval(r, key, v, min, max, out);
}

enum err
jread_amount(struct jread *r, const char *key, char **out)
{
	struct json_object *v;
	const char *why;
	enum err rc;

	*out = NULL;
	if (!member(r, key, &v) || v == NULL)
		return ERR_OK;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_string))
		return seterr(r, ERR_VALIDATION, key,
		    "must be an amount such as 5000 or 5000.50");
	rc = money_parse(json_object_get_string(v), out, &why);
	if (rc == ERR_VALIDATION)
		return seterr(r, rc, key, why);
	return rc;
}

enum err
jread_bool(struct jread *r, const char *key, int *out)
{
	struct json_object *v;

	if (!member(r, key, &v) || v == NULL)
		return ERR_OK;
	if (!json_object_is_type(v, json_type_boolean))
		return seterr(r, ERR_VALIDATION, key, "must be true or false");
	*out = json_object_get_boolean(v) ? 1 : 0;
	return ERR_OK;
}

enum err
jread_arr(struct jread *r, const char *key, size_t maxn, size_t *n)
{
	struct json_object *v;
	char why[96];

	*n = 0;
	if (!member(r, key, &v) || v == NULL)
		return ERR_OK;
	if (!json_object_is_type(v, json_type_array))
		return seterr(r, ERR_VALIDATION, key, "must be an array");
	if (json_object_array_length(v) > maxn) {
		snprintf(why, sizeof(why), "must have at most %zu elements",
		    maxn);
		return seterr(r, ERR_VALIDATION, key, why);
	}
	*n = json_object_array_length(v);
	return ERR_OK;
}

/* Finds element i of the array key; NULL (and an error) if there is none. */
static struct json_object *
elem(struct jread *r, const char *key, size_t i, char *name, size_t namesz,
    enum err *rc)
{
	struct json_object *a, *v;

	snprintf(name, namesz, "%s[%zu]", key, i);
	*rc = ERR_VALIDATION;
	if (!member(r, key, &a) || !json_object_is_type(a, json_type_array) ||
	    i >= json_object_array_length(a)) {
		seterr(r, ERR_VALIDATION, name, "no such element");
		return NULL;
	}
	if ((v = json_object_array_get_idx(a, i)) == NULL) {
		seterr(r, ERR_VALIDATION, name, "must not be null");
		return NULL;
	}
	*rc = ERR_OK;
	return v;
}

enum err
jread_elem_str(struct jread *r, const char *key, size_t i, size_t maxchars,
    const char **out)
{
	struct json_object *v;
	char name[64];
	enum err rc;

	*out = NULL;
	if ((v = elem(r, key, i, name, sizeof(name), &rc)) == NULL)
		return rc;
	return strval(r, name, v, maxchars, 0, out);
}

enum err
jread_elem_int(struct jread *r, const char *key, size_t i, long long min,
    long long max, long long *out)
{
	struct json_object *v;
	char name[64];
	enum err rc;

	if ((v = elem(r, key, i, name, sizeof(name), &rc)) == NULL)
		return rc;
	return intval(r, name, v, min, max, out);
}

enum err
jread_elem_obj(struct jread *r, const char *key, size_t i, struct jread *sub)
{
	struct json_object *v;
	char name[64];
	enum err rc;

	memset(sub, 0, sizeof(*sub));
	if ((v = elem(r, key, i, name, sizeof(name), &rc)) == NULL)
		return rc;
	if (!json_object_is_type(v, json_type_object))
		return seterr(r, ERR_VALIDATION, name, "must be an object");
	sub->root = json_object_get(v);
	return ERR_OK;
}
