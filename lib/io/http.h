#ifndef AMOSYNC_IO_HTTP_H
#define AMOSYNC_IO_HTTP_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/*
 * An HTTP client over libcurl: one easy handle per process, reused for
 * every call so that connections and TLS sessions are kept. Redirects are
 * never followed (an Authorization header must not travel elsewhere) and
 * only http and https are allowed. Nothing here logs a header, a body or
 * a token: in a logged URL the <token> of a Telegram "/bot<token>/" path
 * segment, and any occurrence of opts->secret, become three asterisks.
 */

#define HTTP_MAX_BODY_DEFAULT (8u * 1024 * 1024)
#define HTTP_ERRLEN 256
/* The most requests per second a rate key can be given. */
#define HTTP_RATE_MAX 1000
/* The most headers a call keeps (http_opts.keep), and their length. */
#define HTTP_KEEP_MAX 4
#define HTTP_KEPT_LEN 1024

struct http {
	void *curl;   /* CURL *, opaque here */
	char *rundir; /* where rate limit files live, NULL = none */
	/*
	 * Called about once a second while a request runs or waits for its
	 * rate slot, when set: a worker renews its job's lease here (its
	 * heartbeat). It must not use this client. NULL by default.
	 */
	void (*tick)(void *arg);
	void *tick_arg;
};

/* Per-call options. Zeroed fields take the defaults shown. */
struct http_opts {
	const char *const
	    *headers;         /* "Name: value", NULL-terminated, or NULL */
	long connect_timeout; /* seconds; 0 = min(10, timeout) */
	long timeout;         /* seconds for the whole call; 0 = 30 */
	size_t max_body;      /* response limit; 0 = HTTP_MAX_BODY_DEFAULT */
	const char *rate_key; /* host-wide limiter name, NULL = none */
	int rate;             /* requests per second for rate_key */
	long rate_max_wait;   /* seconds to wait for a slot; 0 = timeout */
	const char *secret;   /* a token to hide in logged URLs and errors */
	const char *metric;   /* API name in amosync_api_calls_total; NULL:
	                         rate_key, if any */
	/*
	 * Response headers to keep (names, any case, NULL-terminated, at
	 * most HTTP_KEEP_MAX), or NULL: their values land in
	 * http_resp.kept[i], cut at HTTP_KEPT_LEN - 1 bytes.
	 */
	const char *const *keep;
};

struct http_resp {
	long status;           /* HTTP status, 0 when none was received */
	struct buf body;       /* response body, NUL-terminated */
	long retry_after;      /* Retry-After in seconds, -1 when absent */
	char content_type[64]; /* "" when absent */
	char kept[HTTP_KEEP_MAX][HTTP_KEPT_LEN]; /* opts.keep's; "" absent */
	char err[HTTP_ERRLEN]; /* why the call failed; "" on success */
};

/*
 * Makes the process's client. rundir (may be NULL or "") is the directory
 * of the host-wide rate limit files. Returns ERR_OK, ERR_NOMEM or ERR_HTTP
 * (libcurl could not start). Free with http_free().
 */
enum err http_init(struct http *h, const char *rundir);
void http_free(struct http *h);

void http_resp_init(struct http_resp *r);
void http_resp_free(struct http_resp *r);

/*
 * Perform one request. ERR_OK means an HTTP response was received,
 * whatever its status: r->status, r->body and r->retry_after are set.
 * Otherwise: ERR_TIMEOUT (connect or total timeout, or no rate slot in
 * time), ERR_HTTP (connection failed, TLS, response over max_body),
 * ERR_CONFIG (rate limit file unusable), ERR_NOMEM; r->err says why and
 * never contains opts->secret. r must have been initialised; it is reset
 * first. The caller frees r with http_resp_free().
 */
enum err http_get(struct http *h, const struct http_opts *o, const char *url,
    struct http_resp *r);
/* POST body (len bytes) as application/json. */
enum err http_post_json(struct http *h, const struct http_opts *o,
    const char *url, const char *body, size_t len, struct http_resp *r);
/* POST an already urlencoded body as application/x-www-form-urlencoded. */
enum err http_post_form(struct http *h, const struct http_opts *o,
    const char *url, const char *body, size_t len, struct http_resp *r);

/*
 * Waits until the host-wide limiter key allows one more request: at most
 * rate requests in any one-second window across all processes of the
 * host, kept in <rundir>/ratelimit-<key> under flock(). Waits at most
 * max_wait seconds (0 = no limit). Returns ERR_OK, ERR_TIMEOUT,
 * ERR_CONFIG (bad key, or the file cannot be opened) or ERR_IO.
 * With no rundir, key or rate, returns ERR_OK at once.
 */
enum err http_rate_wait(const char *rundir, const char *key, int rate,
    long max_wait);

/*
 * Appends url to b fit for a log line: the <token> of a Telegram
 * "/bot<token>/" path segment, and every occurrence of secret (if not NULL
 * or empty), become "***".
 */
void http_url_redact(struct buf *b, const char *url, const char *secret);

/*
 * The one reader of JSON answers: parses r's body as a JSON object.
 * Returns its root (the caller json_object_put()s it), or NULL when the
 * body is not a JSON object.
 */
struct json_object;
struct json_object *http_json(const struct http_resp *r);
/* The same, but an array at the top is accepted too (amoCRM's
 * leads/complex answers with one). */
struct json_object *http_json_any(const struct http_resp *r);

/*
 * Returns member key of object o, borrowed from o; NULL when o is NULL,
 * not an object, or has no such member (or it is null).
 */
struct json_object *http_jget(struct json_object *o, const char *key);

/* Replaces, in place, each occurrence of secret in s with "***". */
void http_scrub(char *s, const char *secret);

/* Appends s to b percent-encoded for a URL query (RFC 3986 unreserved). */
void http_query_escape(struct buf *b, const char *s);

#endif
