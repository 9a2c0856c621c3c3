#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "io/route.h"

void
route_errorf(struct route_req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

enum err
route_fail(struct route_req *r, enum err rc, const char *field,
    const char *reason)
{
	jread_fail(&r->in, field, reason);
	return rc;
}

/*
 * Matches path against pattern segment by segment; a "{...}" segment
 * matches one non-empty segment, copied into r->argbuf for r->arg.
 */
static int
match(struct route_req *r, const char *path, const char *pat)
{
	size_t n, m, used = 0, na = 0;

	for (;;) {
		n = strcspn(path, "/");
		m = strcspn(pat, "/");
		if (m > 0 && *pat == '{') {
			if (n == 0 || na == ROUTE_MAXARGS)
				return 0;
			/* Too long to be an id: matches, and is no known id. */
			if (used + n + 1 <= sizeof(r->argbuf)) {
				memcpy(r->argbuf + used, path, n);
				r->argbuf[used + n] = '\0';
				r->arg[na++] = r->argbuf + used;
				used += n + 1;
			} else {
				r->arg[na++] = "";
			}
		} else if (n != m || strncmp(path, pat, n) != 0) {
			return 0;
		}
		path += n;
		pat += m;
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
		path++;
		pat++;
	}
}

static int
json_ctype(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

const char *
route_cross_site(const char *ctype, const char *requested_with,
    const char *sec_fetch_site, const char *origin, const char *host,
    const char *user_agent)
{
	const char *o;

	/* Not a browser: nothing of another site's page can be in it. */
	if ((sec_fetch_site == NULL || *sec_fetch_site == '\0') &&
	    (origin == NULL || *origin == '\0') && user_agent != NULL &&
	    *user_agent != '\0' && strncmp(user_agent, "Mozilla/", 8) != 0)
		return NULL;
	if (!json_ctype(ctype) &&
	    (requested_with == NULL || *requested_with == '\0'))
		return "a change needs Content-Type: application/json or an "
		       "X-Requested-With header";
	if (sec_fetch_site != NULL && *sec_fetch_site != '\0' &&
	    strcmp(sec_fetch_site, "same-origin") != 0 &&
	    strcmp(sec_fetch_site, "none") != 0)
		return "cross-site request refused (Sec-Fetch-Site)";
	if (origin == NULL || *origin == '\0')
		return NULL;
	/* "null" (a sandboxed frame, a file) has no "://": refused too. */
	if ((o = strstr(origin, "://")) == NULL || host == NULL ||
	    strcasecmp(o + 3, host) != 0)
		return "cross-site request refused (Origin)";
	return NULL;
}

/* Checks and parses the JSON body of a request that takes one. */
static enum err
body(struct route_req *r)
{
	struct jread_limits lim;
	enum err rc;

	if (r->req->too_big) {
		route_errorf(r, "body of %zu bytes is over the %zu-byte limit",
		    r->req->content_length, r->max_body);
		return ERR_TOOBIG;
	}
	if (!json_ctype(r->req->ctype)) {
		r->errstatus = 415;
		route_errorf(r, "Content-Type must be application/json");
		return ERR_INPUT;
	}
	jread_limits_default(&lim);
	lim.max_body = r->max_body;
	if ((rc = jread_parse(&r->in, r->req->body, r->req->bodysz, &lim)) !=
	    ERR_OK)
		route_errorf(r, "%s", r->in.reason);
	return rc;
}

static enum err
dispatch(struct route_req *r, const struct route_table *const *t, size_t nt)
{
	const struct route *found = NULL, *any = NULL;
	enum web_method m = r->req->method;
	char path[512];
	size_t i, k, n;
	enum err rc;

	if (m == WEB_HEAD)
		m = WEB_GET;
	if ((n = strlen(r->req->path)) >= sizeof(path)) {
		route_errorf(r, "no such API route");
		return ERR_NOTFOUND;
	}
	memcpy(path, r->req->path, n + 1);
	if (n > 1 && path[n - 1] == '/')
		path[n - 1] = '\0';
	for (k = 0; k < nt && found == NULL; k++)
		for (i = 0; i < t[k]->n; i++) {
			const struct route *rt = &t[k]->routes[i];

			if (!match(r, path, rt->pattern))
				continue;
			any = rt;
			web_allow(r->req, rt->method);
			if (rt->method == WEB_GET)
				web_allow(r->req, WEB_HEAD);
			if (rt->method == m) {
				found = rt;
				break;
			}
		}
	if (found == NULL) {
		if (any == NULL) {
			route_errorf(r, "no such API route");
			return ERR_NOTFOUND;
		}
		route_errorf(r, "method %s is not allowed here",
		    r->req->method_name);
		return ERR_METHOD;
	}
	/* match() again: a later pattern may have overwritten the args. */
	match(r, path, found->pattern);
	r->route = found;
	if (m != WEB_GET) {
		const struct web_req *q = r->req;
		const char *why;

		why = route_cross_site(q->ctype,
		    web_param(q, "HTTP_X_REQUESTED_WITH"),
		    web_param(q, "HTTP_SEC_FETCH_SITE"),
		    web_param(q, "HTTP_ORIGIN"), web_param(q, "HTTP_HOST"),
		    web_param(q, "HTTP_USER_AGENT"));
		if (why != NULL) {
			r->errstatus = 403;
			route_errorf(r, "%s", why);
			return ERR_AUTH;
		}
	}
	if (found->body != 0 &&
	    !(found->body == ROUTE_BODY_OPTIONAL && r->req->bodysz == 0 &&
	        !r->req->too_big) &&
	    (rc = body(r)) != ERR_OK)
		return rc;
	jw_obj(&r->w, NULL);
	jw_bool(&r->w, "success", 1);
	rc = found->fn(r);
	if (rc == ERR_NOTFOUND && r->error[0] == '\0')
		route_errorf(r, "no such %s",
		    found->what ? found->what : "item");
	return rc;
}

/* Answers an error: {success:false, error[, field, reason]}. */
static int
reply_error(struct route_req *r, enum err rc)
{
	int status = r->errstatus ? r->errstatus : err_http(rc);
	int detail = rc == ERR_VALIDATION || rc == ERR_UTF8 || rc == ERR_JSON ||
	    rc == ERR_CONFLICT;
	char msg[512];
	struct buf b;
	struct jw w;

	if (r->error[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", r->error);
	else if (detail && r->in.reason[0] != '\0' && r->in.field[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: %s", r->in.field, r->in.reason);
	else if (detail && r->in.reason[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", r->in.reason);
	else
		snprintf(msg, sizeof(msg), "%s",
		    rc == ERR_DB ? "database unavailable; please retry"
		                 : err_str(rc));
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", 0);
	jw_str(&w, "error", msg);
	if (detail) {
		jw_str(&w, "field", r->in.field[0] ? r->in.field : NULL);
		jw_str(&w, "reason", r->in.reason[0] ? r->in.reason : msg);
	}
	jw_obj_end(&w);
	return web_send(r->req, status, &b);
}

int
route_serve(const struct route_table *const *tables, size_t ntables, void *ctx,
    size_t max_body, struct web_req *req)
{
	struct route_req r;
	enum err rc;
	size_t i;
	int ret;

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.ctx = ctx;
	r.status = 200;
	r.max_body = max_body;
	buf_init(&r.out);
	jw_init(&r.w, &r.out);
	rc = dispatch(&r, tables, ntables);
	if (rc == ERR_OK && req->replied) {
		ret = 0;
	} else if (rc == ERR_OK) {
		jw_obj_end(&r.w);
		ret = web_send(req, r.status, &r.out);
	} else {
		ret = reply_error(&r, rc);
	}
	for (i = 0; i < r.nquery; i++)
		free(r.query[i]);
	jread_free(&r.in);
	buf_free(&r.out);
	return ret;
}

/*
 * Fetches query parameter name into *out (borrowed from r; NULL when
 * absent or empty) after checking that it is text.
 */
static enum err
query(struct route_req *r, const char *name, size_t maxchars, const char **out)
{
	char *v;
	size_t i, n;

	*out = NULL;
	if (r->nquery == sizeof(r->query) / sizeof(r->query[0]))
		return route_fail(r, ERR_VALIDATION, name,
		    "too many query parameters");
	if (web_query(r->req, name, &v) != ERR_OK)
		return route_fail(r, ERR_VALIDATION, name,
		    "is not valid percent-encoded text");
	if (v == NULL)
		return ERR_OK;
	r->query[r->nquery++] = v;
	n = strlen(v);
	if (n == 0)
		return ERR_OK;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return route_fail(r, ERR_VALIDATION, name,
			    "must not contain control characters");
	if (jread_chars(v, n) > maxchars || !text_utf8_valid(v, n)) {
		char why[96];

		snprintf(why, sizeof(why),
		    "must be UTF-8 text of at most %zu characters", maxchars);
		return route_fail(r, ERR_VALIDATION, name, why);
	}
	*out = v;
	return ERR_OK;
}

enum err
route_query_str(struct route_req *r, const char *name, size_t maxchars,
    const char **out)
{
	return query(r, name, maxchars, out);
}

enum err
route_query_int(struct route_req *r, const char *name, long long min,
    long long max, long long *out)
{
	const char *v;
	char why[96], *end;
	long long n;
	enum err rc;

	if ((rc = query(r, name, 24, &v)) != ERR_OK || v == NULL)
		return rc;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (!(isdigit((unsigned char)v[0]) || v[0] == '-') || *end != '\0' ||
	    errno != 0 || n < min || n > max) {
		snprintf(why, sizeof(why),
		    "must be a whole number from %lld to "
		    "%lld",
		    min, max);
		return route_fail(r, ERR_VALIDATION, name, why);
	}
	*out = n;
	return ERR_OK;
}

enum err
route_query_enum(struct route_req *r, const char *name,
    const char *const *allowed, const char **out)
{
	const char *v;
	struct buf b;
	enum err rc;
	size_t i;

	*out = NULL;
	if ((rc = query(r, name, 64, &v)) != ERR_OK || v == NULL)
		return rc;
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(v, allowed[i]) == 0) {
			*out = allowed[i];
			return ERR_OK;
		}
	buf_init(&b);
	buf_adds(&b, "must be ");
	for (i = 0; allowed[i] != NULL; i++)
		buf_printf(&b, "%s%s",
		    i == 0                       ? ""
		        : allowed[i + 1] == NULL ? " or "
		                                 : ", ",
		    allowed[i]);
	rc = route_fail(r, ERR_VALIDATION, name,
	    buf_err(&b) == ERR_OK ? buf_str(&b) : "is not allowed");
	buf_free(&b);
	return rc;
}

int
route_valid_date(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int i, y, m, d, leap;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	for (i = 0, y = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

enum err
route_query_date(struct route_req *r, const char *name, const char **out)
{
	enum err rc;

	if ((rc = query(r, name, 10, out)) != ERR_OK || *out == NULL)
		return rc;
	if (!route_valid_date(*out))
		return route_fail(r, ERR_VALIDATION, name,
		    "must be a date such as 2025-12-01");
	return ERR_OK;
}
