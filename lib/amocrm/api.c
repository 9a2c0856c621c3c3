#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "amocrm/api.h"
#include "amocrm/api_int.h"
#include "base/jw.h"
#include "base/log.h"

/* How many bytes of a server's "detail" go into a reason. */
#define DETAIL_MAX 160

static const char msg_401[] = "amoCRM rejected the access token (expired or "
                              "revoked long-lived token)";
static const char msg_402[] = "amoCRM subscription has ended (402 Payment "
                              "Required)";
static const char msg_403[] =
    "amoCRM refused access (403 Forbidden): the "
    "account may have an IP whitelist (Settings -> Security) that lacks "
    "this server's address, or the API was banned after repeated "
    "rate-limit violations (contact amoCRM support)";

void
amo_status_clear(struct amocrm_status *st)
{
	if (st != NULL)
		memset(st, 0, sizeof(*st));
}

void
amo_status_set(struct amocrm_status *st, const char *token, const char *fmt,
    ...)
{
	struct amocrm_status dummy;
	va_list ap;

	if (st == NULL)
		st = &dummy;
	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
	http_scrub(st->reason, token);
}

static char *
dupstr(const char *s, enum err *rc)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		*rc = ERR_NOMEM;
	return p;
}

/*
 * Copies at most max bytes of s into dst (size dsz), control characters
 * made spaces, never cutting a UTF-8 sequence.
 */
static void
clip(char *dst, size_t dsz, const char *s, size_t max)
{
	size_t n = 0;

	if (dsz == 0)
		return;
	if (max > dsz - 1)
		max = dsz - 1;
	for (; s[n] != '\0' && n < max; n++)
		dst[n] = (unsigned char)s[n] < 0x20 ? ' ' : s[n];
	/* Back off to the start of a sequence the limit cut in two. */
	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	dst[n] = '\0';
}

enum err
amocrm_init(struct amocrm *a, struct http *h, const struct cfg *c,
    struct amocrm_status *st)
{
	const char *base = cfg_str(c, CFG_AMOCRM_BASE_URL);
	const char *dom = cfg_str(c, CFG_AMOCRM_DOMAIN);
	const char *tok = cfg_str(c, CFG_AMOCRM_ACCESS_TOKEN);
	struct amocrm_status dummy;
	struct buf b = { 0 };
	enum err rc = ERR_CONFIG;
	size_t i;

	if (st == NULL)
		st = &dummy;
	memset(a, 0, sizeof(*a));
	amo_status_clear(st);
	a->http = h;
	if (*tok == '\0') {
		amo_status_set(st, NULL,
		    "AMOCRM_ACCESS_TOKEN is not set: generate "
		    "a long-lived token in the amoCRM private integration "
		    "(Keys and scopes)");
		goto out;
	}
	for (i = 0; tok[i] != '\0'; i++)
		if ((unsigned char)tok[i] <= ' ' || tok[i] == 0x7f) {
			amo_status_set(st, NULL,
			    "AMOCRM_ACCESS_TOKEN contains "
			    "spaces or control characters");
			goto out;
		}
	if (*base != '\0') {
		if (strncmp(base, "https://", 8) != 0 &&
		    strncmp(base, "http://", 7) != 0) {
			amo_status_set(st, NULL,
			    "AMOCRM_BASE_URL must start with "
			    "https:// or http://");
			goto out;
		}
		buf_adds(&b, base);
	} else {
		for (i = 0; dom[i] != '\0'; i++)
			if (!isalnum((unsigned char)dom[i]) && dom[i] != '-' &&
			    dom[i] != '.')
				break;
		if (i == 0 || dom[i] != '\0') {
			amo_status_set(st, NULL,
			    "AMOCRM_DOMAIN must be the "
			    "account subdomain (or a host name)");
			goto out;
		}
		/* A bare subdomain is on amocrm.ru; a host name is taken whole. */
		buf_printf(&b, "https://%s%s", dom,
		    strchr(dom, '.') != NULL ? "" : ".amocrm.ru");
	}
	while (b.len > 0 && b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	rc = ERR_NOMEM;
	if ((a->base = buf_take(&b)) == NULL)
		goto out;
	buf_printf(&b, "Authorization: Bearer %s", tok);
	if ((a->auth = buf_take(&b)) == NULL ||
	    (a->token = strdup(tok)) == NULL)
		goto out;
	/* Ranges are checked by cfg (AMOCRM_RATE_LIMIT <= HTTP_RATE_MAX). */
	a->rate = (int)cfg_int(c, CFG_AMOCRM_RATE_LIMIT);
	a->health_timeout = (long)cfg_int(c, CFG_HEALTH_TIMEOUT);
	a->sync_timeout = (long)cfg_int(c, CFG_SYNC_TIMEOUT);
	a->page_size = AMOCRM_PAGE_MAX;
	a->retries = 0;
	a->retry_max_wait = 60;
	rc = ERR_OK;
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc == ERR_CONFIG)
		log_warnx("could not set up the amoCRM client: %s", st->reason);
	buf_free(&b);
	return rc;
}

void
amocrm_free(struct amocrm *a)
{
	if (a == NULL)
		return;
	free(a->base);
	if (a->token != NULL)
		explicit_bzero(a->token, strlen(a->token));
	if (a->auth != NULL)
		explicit_bzero(a->auth, strlen(a->auth));
	free(a->token);
	free(a->auth);
	memset(a, 0, sizeof(*a));
}

static void
sleep_s(long s)
{
	struct timespec ts = { (time_t)s, 0 }, rem;

	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

long long
amo_jint(struct json_object *o, const char *key)
{
	struct json_object *v = http_jget(o, key);

	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double:
	case json_type_string:
		return (long long)json_object_get_int64(v);
	default:
		return 0;
	}
}

/* Returns a copy of a string or number member; NULL if absent or null. */
char *
amo_jstr(struct json_object *o, const char *key, enum err *rc)
{
	struct json_object *v = http_jget(o, key);

	if (v == NULL || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array))
		return NULL;
	return dupstr(json_object_get_string(v), rc);
}

struct json_object *
amo_jarr(struct json_object *o, const char *key)
{
	struct json_object *v = http_jget(o, key);

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Writes the problem+json title and detail of an error body into out. */
void
amo_problem(const struct http_resp *r, char *out, size_t outsz)
{
	struct json_object *o;
	const char *title, *detail;
	char t[64], d[DETAIL_MAX + 1];

	out[0] = '\0';
	if ((o = http_json(r)) == NULL)
		return;
	title = json_object_get_string(http_jget(o, "title"));
	detail = json_object_get_string(http_jget(o, "detail"));
	clip(t, sizeof(t), title != NULL ? title : "", sizeof(t) - 1);
	clip(d, sizeof(d), detail != NULL ? detail : "", DETAIL_MAX);
	if (t[0] != '\0' && d[0] != '\0')
		snprintf(out, outsz, ": %s: %s", t, d);
	else if (t[0] != '\0' || d[0] != '\0')
		snprintf(out, outsz, ": %s", t[0] != '\0' ? t : d);
	json_object_put(o);
}

/* Seconds the server asks us to wait: body retry_after, else the header. */
long
amo_retry_after(const struct http_resp *r)
{
	struct json_object *o;
	long s = -1;

	if ((o = http_json(r)) != NULL) {
		if (http_jget(o, "retry_after") != NULL)
			s = (long)amo_jint(o, "retry_after");
		json_object_put(o);
	}
	if (s <= 0)
		s = r->retry_after;
	return s > 0 ? s : -1;
}

/*
 * GETs url (what names the object, for messages) and classifies the
 * answer. Returns ERR_OK with *root the parsed JSON object (caller puts),
 * or NULL for 204; otherwise the error, with st filled and one warning
 * logged. 429s are retried as a->retries allows.
 */
enum err
amo_call(struct amocrm *a, const char *url, const char *body, long timeout,
    const char *what, struct json_object **root, struct amocrm_status *st)
{
	const char *hdrs[3] = { a->auth, "Accept: application/json", NULL };
	struct amocrm_status dummy;
	struct http_opts o = { 0 };
	struct http_resp r;
	char detail[DETAIL_MAX + 80];
	enum err rc;
	long ra, wait;
	int attempt;

	*root = NULL;
	if (st == NULL)
		st = &dummy;
	amo_status_clear(st);
	http_resp_init(&r);
	o.headers = hdrs;
	o.timeout = timeout;
	o.rate_key = "amocrm";
	o.rate = a->rate;
	o.secret = a->token;
	for (attempt = 0;; attempt++) {
		rc = body != NULL
		    ? http_post_json(a->http, &o, url, body, strlen(body), &r)
		    : http_get(a->http, &o, url, &r);
		if (a->tick != NULL)
			a->tick(a->tick_arg);
		if (rc != ERR_OK) {
			amo_status_set(st, a->token, "%s: %s",
			    rc == ERR_TIMEOUT ? "amoCRM did not answer in time"
			                      : "amoCRM could not be reached",
			    r.err);
			goto out;
		}
		st->http_status = r.status;
		if (r.status != 429)
			break;
		ra = amo_retry_after(&r);
		wait = ra > 0 ? ra : (1L << (attempt < 6 ? attempt : 6));
		if (attempt >= a->retries || wait > a->retry_max_wait) {
			st->retry_after = wait;
			rc = ERR_RATE;
			amo_status_set(st, a->token,
			    "amoCRM rate limit hit (429 Too "
			    "Many Requests); retry after %ld s",
			    wait);
			goto out;
		}
		log_info("amoCRM rate limit hit, retrying %s in %ld s", what,
		    wait);
		sleep_s(wait);
	}

	detail[0] = '\0';
	if (r.status >= 400)
		amo_problem(&r, detail, sizeof(detail));
	switch (r.status) {
	case 200:
	case 201:
		*root = body != NULL ? http_json_any(&r) : http_json(&r);
		if (*root == NULL) {
			rc = ERR_HTTP;
			amo_status_set(st, a->token,
			    "amoCRM returned malformed JSON "
			    "(%zu bytes)",
			    r.body.len);
		}
		break;
	case 204:
		break;
	case 401:
		rc = ERR_AUTH;
		amo_status_set(st, a->token, "%s%s", msg_401, detail);
		break;
	case 402:
		rc = ERR_PERM;
		amo_status_set(st, a->token, "%s%s", msg_402, detail);
		break;
	case 403:
		rc = ERR_PERM;
		amo_status_set(st, a->token, "%s%s", msg_403, detail);
		break;
	case 404:
		rc = ERR_NOTFOUND;
		amo_status_set(st, a->token, "amoCRM has no %s (404)%s", what,
		    detail);
		break;
	default:
		if (r.status >= 500) {
			rc = ERR_HTTP;
			amo_status_set(st, a->token,
			    "amoCRM server error (HTTP "
			    "%ld)%s",
			    r.status, detail);
		} else if (r.status >= 400) {
			rc = ERR_PERM;
			amo_status_set(st, a->token,
			    "amoCRM refused the request "
			    "(HTTP %ld)%s",
			    r.status, detail);
		} else {
			rc = ERR_HTTP;
			amo_status_set(st, a->token,
			    "amoCRM gave an unexpected "
			    "answer (HTTP %ld)",
			    r.status);
		}
	}
out:
	if (rc != ERR_OK && rc != ERR_NOTFOUND)
		log_warnx("could not get %s from amoCRM: %s", what, st->reason);
	http_resp_free(&r);
	return rc;
}

enum err
amocrm_account_check(struct amocrm *a, struct amocrm_account *acct,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 };
	enum err rc = ERR_NOMEM;

	if (acct != NULL)
		memset(acct, 0, sizeof(*acct));
	buf_printf(&url, "%s/api/v4/account", a->base);
	if (buf_err(&url) != ERR_OK)
		goto out;
	rc = amo_call(a, buf_str(&url), NULL, a->health_timeout, "the account",
	    &root, st);
	if (rc != ERR_OK)
		goto out;
	if (root == NULL || amo_jint(root, "id") == 0) {
		rc = ERR_HTTP;
		amo_status_set(st, a->token, "amoCRM returned no account");
		goto out;
	}
	if (acct != NULL) {
		acct->id = amo_jint(root, "id");
		acct->name = amo_jstr(root, "name", &rc);
		acct->subdomain = amo_jstr(root, "subdomain", &rc);
	}
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_account_free(acct);
	json_object_put(root);
	buf_free(&url);
	return rc;
}

void
amocrm_account_free(struct amocrm_account *acct)
{
	if (acct == NULL)
		return;
	free(acct->name);
	free(acct->subdomain);
	memset(acct, 0, sizeof(*acct));
}

void
amo_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Appends the non-null values[k].value of field f to *v (count *n). */
enum err
amo_values_add(struct json_object *f, char ***v, size_t *n)
{
	struct json_object *vals = amo_jarr(f, "values"), *val;
	size_t i, len;
	const char *s;
	char **nv;

	len = vals != NULL ? json_object_array_length(vals) : 0;
	if (len == 0)
		return ERR_OK;
	if ((nv = reallocarray(*v, *n + len, sizeof(*nv))) == NULL)
		return ERR_NOMEM;
	*v = nv;
	for (i = 0; i < len; i++) {
		val = http_jget(json_object_array_get_idx(vals, i), "value");
		if (val == NULL || (s = json_object_get_string(val)) == NULL)
			continue;
		if ((nv[*n] = strdup(s)) == NULL)
			return ERR_NOMEM;
		(*n)++;
	}
	return ERR_OK;
}

/*
 * Turns a _links.next.href into the URL to fetch. The path and query are
 * kept but the origin is always our base: the bearer token must not go
 * to a host the answer names. Returns ERR_OK or ERR_HTTP (not a leads
 * link), ERR_NOMEM.
 */
enum err
amo_next_url(struct amocrm *a, const char *href, const char *prefix,
    struct buf *url)
{
	const char *path = href;

	buf_reset(url);
	if (strncmp(href, "http://", 7) == 0 ||
	    strncmp(href, "https://", 8) == 0) {
		path = strchr(strstr(href, "://") + 3, '/');
		if (path == NULL)
			return ERR_HTTP;
	}
	if (strncmp(path, prefix, strlen(prefix)) != 0)
		return ERR_HTTP;
	buf_adds(url, a->base);
	buf_adds(url, path);
	return buf_err(url);
}

/* The value of a base64url digit, or -1. */
static int
b64url(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

long long
amocrm_token_expiry(const char *token)
{
	const char *p, *e;
	char buf[AMOCRM_JWT_MAX];
	struct json_object *root, *exp;
	unsigned int acc = 0;
	size_t n = 0;
	int bits = 0, v;
	long long t = 0;

	if (token == NULL || (p = strchr(token, '.')) == NULL)
		return 0;
	p++;
	if ((e = strchr(p, '.')) == NULL)
		return 0;
	for (; p < e; p++) {
		if (*p == '=')
			break;
		if ((v = b64url((unsigned char)*p)) < 0)
			return 0;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= sizeof(buf))
				return 0;
			buf[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	buf[n] = '\0';
	if ((root = json_tokener_parse(buf)) == NULL)
		return 0;
	exp = json_object_is_type(root, json_type_object)
	    ? http_jget(root, "exp")
	    : NULL;
	if (exp != NULL &&
	    (json_object_is_type(exp, json_type_int) ||
	        json_object_is_type(exp, json_type_double)))
		t = json_object_get_int64(exp);
	json_object_put(root);
	return t > 0 ? t : 0;
}
