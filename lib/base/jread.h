#ifndef AMOSYNC_BASE_JREAD_H
#define AMOSYNC_BASE_JREAD_H

#include <stddef.h>

#include "base/err.h"

/*
 * Reading a JSON request body: a small layer over json-c so endpoints never
 * include it. jread_parse() checks the body (size, UTF-8, syntax, nesting,
 * an object at the top); the getters read one member each with its type
 * and limits. A getter that refuses a value returns ERR_VALIDATION (or
 * ERR_UTF8) and leaves the member's name in field and the cause in reason,
 * ready for a 400 {field, reason} answer.
 *
 * Absent members and JSON null read as "not given": string getters set
 * *out to NULL, the others leave *out as it was, so callers set defaults
 * first. jread_has() tells absent from null where that matters (PATCH).
 */
struct json_object;

struct jread_limits {
	size_t max_body; /* bytes */
	int max_depth;   /* nesting of arrays and objects, >= 1 */
};

struct jread {
	struct json_object *root; /* the top-level object; private */
	char field[64];           /* member of the last error, "" if none */
	char reason[160];         /* why, "" if none */
};

enum jread_has { JREAD_ABSENT, JREAD_NULL, JREAD_SET };

/* The default limits: 1 MiB, depth 16. */
void jread_limits_default(struct jread_limits *lim);

/*
 * Parses body[0..len) as one JSON object. Errors: ERR_TOOBIG, ERR_UTF8,
 * ERR_JSON (syntax, nesting, trailing bytes, not an object; reason says
 * which), ERR_NOMEM. On error r holds no document but keeps the reason.
 * Free with jread_free() either way.
 */
enum err jread_parse(struct jread *r, const char *body, size_t len,
    const struct jread_limits *lim);
void jread_free(struct jread *r);

/* Says whether key is absent, null or set to a value. */
enum jread_has jread_has(const struct jread *r, const char *key);

/*
 * Fails with ERR_VALIDATION on the first member whose name is not in
 * allowed (NULL-terminated): a misspelt field is an error, not a no-op.
 */
enum err jread_only(struct jread *r, const char *const *allowed);

/*
 * Reads a string of at most maxchars characters, without NUL or other
 * control characters (tab and newline excepted when multiline). *out is
 * borrowed from r. ERR_VALIDATION for another type or a bad length,
 * ERR_UTF8 for a \u escape that is not valid UTF-8.
 */
enum err jread_str(struct jread *r, const char *key, size_t maxchars,
    int multiline, const char **out);

/* Reads an integer (no fraction, no string) in [min, max]. */
enum err jread_int(struct jread *r, const char *key, long long min,
    long long max, long long *out);

/*
 * Reads a money amount (base/money.h) given as a JSON number or string:
 * *out is a new string (caller frees), NULL when absent or null.
 */
enum err jread_amount(struct jread *r, const char *key, char **out);

/* Reads true or false. */
enum err jread_bool(struct jread *r, const char *key, int *out);

/*
 * Reads an array of at most maxn elements: *n is its length (0 when absent
 * or null). Then read the elements with jread_elem_str()/jread_elem_int().
 */
enum err jread_arr(struct jread *r, const char *key, size_t maxn, size_t *n);
enum err jread_elem_str(struct jread *r, const char *key, size_t i,
    size_t maxchars, const char **out);
enum err jread_elem_int(struct jread *r, const char *key, size_t i,
    long long min, long long max, long long *out);

/*
 * Makes *sub a reader of element i of array key, which must be an
 * object (ERR_VALIDATION naming key[i] otherwise). sub holds its own
 * reference: free it with jread_free(); its errors are its own.
 */
enum err jread_elem_obj(struct jread *r, const char *key, size_t i,
    struct jread *sub);

/*
 * Records a validation error the caller found (e.g. a bad colour) and
 * returns ERR_VALIDATION, so all errors reach the client the same way.
 */
enum err jread_fail(struct jread *r, const char *key, const char *reason);

/* Returns the number of UTF-8 characters in s[0..n). */
size_t jread_chars(const char *s, size_t n);

#endif
