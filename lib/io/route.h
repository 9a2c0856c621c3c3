#ifndef AMOSYNC_IO_ROUTE_H
#define AMOSYNC_IO_ROUTE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/jread.h"
#include "base/jw.h"
#include "io/web.h"

/*
 * The one router of every JSON API. A program lists its routes (method +
 * path pattern -> handler) in tables; route_serve() finds the handler,
 * answers 404 for an unknown path and 405 with Allow for a known path and
 * another method, checks and parses a JSON body for the routes that take
 * one (415, 413, 400), and writes the answer:
 *   success  {"success":true, ...what the handler wrote...} with
 *            r->status (200, or 201 for a creation);
 *   failure  {"success":false,"error":"...","field":"...","reason":"..."}
 *            with err_http() of the handler's error (or r->errstatus);
 *            field and reason are there for input errors (400, 409).
 * A handler whose answer is not of that shape sends it itself (web_send);
 * the router then adds nothing. Query parameters are read and
 * range-checked with route_query_*(), never atoi(). Nothing of one
 * request outlives it.
 */

#define ROUTE_MAXARGS 4
#define ROUTE_BODY 1          /* takes a JSON body */
#define ROUTE_BODY_OPTIONAL 2 /* takes a JSON body; none is {} */

struct route_req;

/* Handles one request; writes members into r->w and returns ERR_OK. */
typedef enum err (*route_fn)(struct route_req *r);

struct route {
	enum web_method method; /* HEAD is served by the GET route */
	const char *pattern;    /* "/api/traffic/teams/{id}/rules" */
	route_fn fn;
	int body;         /* ROUTE_BODY, ROUTE_BODY_OPTIONAL or 0 */
	const char *what; /* "team": a bare ERR_NOTFOUND says "no such team" */
};

struct route_table {
	const struct route *routes;
	size_t n;
};

#define ROUTE_TABLE(a)                                                         \
	{                                                                      \
		(a), sizeof(a) / sizeof((a)[0])                                \
	}

struct route_req {
	struct web_req *req;
	void *ctx; /* the program's context */
	const struct route *route;
	const char *arg[ROUTE_MAXARGS]; /* the {...} segments, in order */
	struct jread in; /* the body; also field/reason of input errors */
	struct buf out;  /* the answer */
	struct jw w;     /* into out, inside the open answer object */
	int status;      /* on success: 200, or 201 */
	int errstatus;   /* overrides err_http() of an error, if set */
	char error[256]; /* message of an error, "" for the default */
	size_t max_body;
	/* Private: argument copies and decoded query values. */
	char argbuf[256];
	char *query[8];
	size_t nquery;
};

/*
 * Routes and answers one request over the tables (tried in order).
 * max_body is the largest body accepted. Returns 0.
 */
int route_serve(const struct route_table *const *tables, size_t ntables,
    void *ctx, size_t max_body, struct web_req *req);

/* Records an input error on field (may be "") and returns rc. */
enum err route_fail(struct route_req *r, enum err rc, const char *field,
    const char *reason);

/* Sets the error message of the answer. */
void route_errorf(struct route_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Reads query parameter name as text of at most maxchars characters,
 * valid UTF-8, no control characters; *out is NULL when absent or empty,
 * else borrowed from r. ERR_VALIDATION (field = name) otherwise.
 */
enum err route_query_str(struct route_req *r, const char *name, size_t maxchars,
    const char **out);

/*
 * Reads an integer query parameter in [min, max], written in decimal;
 * absent or empty leaves *out (the default) as it was.
 */
enum err route_query_int(struct route_req *r, const char *name, long long min,
    long long max, long long *out);

/*
 * Reads a query parameter that must be one of allowed (NULL-terminated);
 * *out is borrowed from allowed, NULL when absent or empty.
 */
enum err route_query_enum(struct route_req *r, const char *name,
    const char *const *allowed, const char **out);

/* Reads a YYYY-MM-DD calendar date; NULL when absent or empty. */
enum err route_query_date(struct route_req *r, const char *name,
    const char **out);

/*
 * The cross-site refusal of every state-changing request (anything but
 * GET and HEAD). Browsers resend basic-auth credentials by themselves, so
 * a page of another site could otherwise make an admin's browser change
 * admin data. A request passes when it carries a JSON content type or an
 * X-Requested-With header (neither can be sent cross-site without a CORS
 * preflight, which no program grants), and, when the browser names them,
 * Sec-Fetch-Site is same-origin or none and Origin's host is the Host
 * header's. A client that is no browser passes as it is (curl, a
 * script, cron): it sends neither Origin nor Sec-Fetch-Site, which every
 * browser of the last years sends with a POST, and a User-Agent that is
 * not a browser's (every browser's starts with "Mozilla/"); it carries
 * no credentials a page could borrow. Any argument may be NULL (absent).
 * Returns NULL when the request passes, else the reason (a constant
 * string); route_serve() answers it with 403 before the handler runs.
 */
const char *route_cross_site(const char *ctype, const char *requested_with,
    const char *sec_fetch_site, const char *origin, const char *host,
    const char *user_agent);

/* Returns 1 for a real calendar date written YYYY-MM-DD. */
int route_valid_date(const char *s);

#endif
