#ifndef AMOSYNC_BASE_ERR_H
#define AMOSYNC_BASE_ERR_H

/*
 * One error enum for the whole library. Every module returns these; the
 * web layer maps them to HTTP statuses with err_http().
 */
enum err {
	ERR_OK = 0,
	ERR_NOMEM,       /* allocation failed */
	ERR_INPUT,       /* malformed input, generic */
	ERR_TOOBIG,      /* body larger than the configured limit */
	ERR_FORM_ESCAPE, /* invalid percent escape (%zz, truncated %) */
	ERR_FORM_NUL,    /* %00 or a raw NUL byte */
	ERR_FORM_PAIRS,  /* more pairs than the limit */
	ERR_FORM_DEPTH,  /* key nested deeper than the limit */
	ERR_FORM_KEYLEN, /* key longer than the limit */
	ERR_FORM_VALLEN, /* value longer than the limit */
	ERR_FORM_KEY,    /* malformed key (empty, unbalanced brackets) */
	ERR_UTF8,        /* invalid UTF-8 */
	ERR_JSON,        /* malformed JSON body */
	ERR_AMO,         /* well-formed body that is not an amoCRM webhook */
	ERR_METHOD,      /* HTTP method not allowed */
	ERR_NOTFOUND,    /* unknown id or route */
	ERR_CONFLICT,    /* duplicate unique value */
	ERR_VALIDATION,  /* a field failed validation */
	ERR_AUTH,        /* missing or bad credentials */
	ERR_CONFIG,      /* bad or missing configuration */
	ERR_DB,          /* database unreachable or query failed */
	ERR_IO,          /* file or socket error */
	ERR_HTTP,        /* remote HTTP call failed, may be retried */
	ERR_RATE,        /* remote rate limit; retry after a delay */
	ERR_PERM,        /* remote refused permanently; do not retry */
	ERR_TIMEOUT,     /* operation timed out */
	ERR__MAX
};

/* Returns a short lower-case description of rc; never NULL. */
const char *err_str(enum err rc);

/* Returns the name of rc, e.g. "ERR_FORM_NUL"; never NULL. */
const char *err_name(enum err rc);

/* Returns the HTTP status that answers a request which failed with rc. */
int err_http(enum err rc);

#endif
