#ifndef AMOSYNC_BASE_FORM_H
#define AMOSYNC_BASE_FORM_H

#include <stddef.h>

#include "base/err.h"

/*
 * application/x-www-form-urlencoded parsing, as PHP's http_build_query()
 * writes it (amoCRM webhooks). The body is split on '&' and '=' before
 * percent-decoding; '+' is a space. A key such as
 * "leads[status][0][custom_fields][1][values][0][value]" is also split into
 * its path segments: "leads", "status", "0", "custom_fields", "1", ...
 */
struct form_limits {
	size_t max_body;  /* bytes of the whole body */
	size_t max_pairs; /* number of key=value pairs */
	size_t max_depth; /* path segments per key */
	size_t max_key;   /* decoded key length */
	size_t max_value; /* decoded value length */
};

/* Defaults used when a caller passes NULL limits. */
extern const struct form_limits form_default_limits;

struct form_pair {
	char *key;   /* decoded key, NUL-terminated */
	char *value; /* decoded value, NUL-terminated, valid UTF-8 */
	size_t vlen;
	char **seg; /* path segments of key; seg[0] is the base name */
	size_t nseg;
};

struct form {
	struct form_pair *pairs; /* in body order */
	size_t npairs;
};

/*
 * Parses body (len bytes, need not be NUL-terminated) into f. Empty pairs
 * ("a=1&&b=2") are skipped; a pair without '=' has an empty value.
 * Errors: ERR_TOOBIG, ERR_FORM_ESCAPE, ERR_FORM_NUL, ERR_FORM_PAIRS,
 * ERR_FORM_DEPTH, ERR_FORM_KEYLEN, ERR_FORM_VALLEN, ERR_FORM_KEY, ERR_UTF8,
 * ERR_NOMEM. On error f is empty. Free with form_free().
 */
enum err form_parse(struct form *f, const char *body, size_t len,
    const struct form_limits *lim);

/*
 * Adds one pair whose key is already split into nseg segments (used by
 * the JSON flattener so that JSON bodies share the form code path).
 */
enum err form_add(struct form *f, const char *const *seg, size_t nseg,
    const char *value, size_t vlen);

/*
 * Parses a JSON body with json-c in strict mode (no trailing text, valid
 * UTF-8) and flattens it into f, so that {"leads":{"status":[{"id":1}]}}
 * gives the pair leads[status][0][id]=1: JSON webhooks share the form
 * code path. The limits apply to the flattened pairs (NULL: defaults).
 * Errors: ERR_TOOBIG, ERR_JSON, ERR_UTF8, ERR_FORM_DEPTH, ERR_FORM_PAIRS,
 * ERR_FORM_KEYLEN, ERR_FORM_VALLEN, ERR_NOMEM; on error f is empty.
 */
enum err form_parse_json(struct form *f, const char *body, size_t len,
    const struct form_limits *lim);

void form_free(struct form *f);

/*
 * Returns the value of the pair whose key equals path, written either
 * bracketed ("leads[status][0][id]") or decoded; NULL if absent. Borrowed.
 */
const char *form_get(const struct form *f, const char *path);

/*
 * Decodes one percent-encoded string of n bytes into a new NUL-terminated
 * string (*out, caller frees, *outlen its length). plus_space: '+' -> ' '.
 */
enum err form_decode(const char *s, size_t n, int plus_space, char **out,
    size_t *outlen);

#endif
