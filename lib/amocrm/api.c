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
#include "base/jw.h"
#include "base/log.h"

/* How many bytes of a server's "detail" go into a reason. */
#define DETAIL_MAX 160
/* Pages a list may walk beyond what its limit needs: a safety net only. */
#define EXTRA_PAGES 2

static const char msg_401[] = "amoCRM rejected the access token (expired or "
                              "revoked long-lived token)";
static const char msg_402[] = "amoCRM subscription has ended (402 Payment "
                              "Required)";
static const char msg_403[] =
    "amoCRM refused access (403 Forbidden): the "
    "account may have an IP whitelist (Settings -> Security) that lacks "
    "this server's address, or the API was banned after repeated "
    "rate-limit violations (contact amoCRM support)";

static void
status_clear(struct amocrm_status *st)
{
	if (st != NULL)
		memset(st, 0, sizeof(*st));
}

static void __attribute__((format(printf, 3, 4)))
status_set(struct amocrm_status *st, const char *token, const char *fmt, ...)
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
	status_clear(st);
	a->http = h;
	if (*tok == '\0') {
		status_set(st, NULL,
		    "AMOCRM_ACCESS_TOKEN is not set: generate "
		    "a long-lived token in the amoCRM private integration "
		    "(Keys and scopes)");
		goto out;
	}
	for (i = 0; tok[i] != '\0'; i++)
		if ((unsigned char)tok[i] <= ' ' || tok[i] == 0x7f) {
			status_set(st, NULL,
			    "AMOCRM_ACCESS_TOKEN contains "
			    "spaces or control characters");
			goto out;
		}
	if (*base != '\0') {
		if (strncmp(base, "https://", 8) != 0 &&
		    strncmp(base, "http://", 7) != 0) {
			status_set(st, NULL,
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
			status_set(st, NULL,
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
		status_set(st, NULL, "out of memory");
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

static long long
jint(struct json_object *o, const char *key)
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
static char *
jstr(struct json_object *o, const char *key, enum err *rc)
{
	struct json_object *v = http_jget(o, key);

	if (v == NULL || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array))
		return NULL;
	return dupstr(json_object_get_string(v), rc);
}

static struct json_object *
jarr(struct json_object *o, const char *key)
{
	struct json_object *v = http_jget(o, key);

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Writes the problem+json title and detail of an error body into out. */
static void
problem(const struct http_resp *r, char *out, size_t outsz)
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
static long
retry_after(const struct http_resp *r)
{
	struct json_object *o;
	long s = -1;

	if ((o = http_json(r)) != NULL) {
		if (http_jget(o, "retry_after") != NULL)
			s = (long)jint(o, "retry_after");
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
static enum err
call(struct amocrm *a, const char *url, const char *body, long timeout,
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
	status_clear(st);
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
			status_set(st, a->token, "%s: %s",
			    rc == ERR_TIMEOUT ? "amoCRM did not answer in time"
			                      : "amoCRM could not be reached",
			    r.err);
			goto out;
		}
		st->http_status = r.status;
		if (r.status != 429)
			break;
		ra = retry_after(&r);
		wait = ra > 0 ? ra : (1L << (attempt < 6 ? attempt : 6));
		if (attempt >= a->retries || wait > a->retry_max_wait) {
			st->retry_after = wait;
			rc = ERR_RATE;
			status_set(st, a->token,
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
		problem(&r, detail, sizeof(detail));
	switch (r.status) {
	case 200:
	case 201:
		*root = body != NULL ? http_json_any(&r) : http_json(&r);
		if (*root == NULL) {
			rc = ERR_HTTP;
			status_set(st, a->token,
			    "amoCRM returned malformed JSON "
			    "(%zu bytes)",
			    r.body.len);
		}
		break;
	case 204:
		break;
	case 401:
		rc = ERR_AUTH;
		status_set(st, a->token, "%s%s", msg_401, detail);
		break;
	case 402:
		rc = ERR_PERM;
		status_set(st, a->token, "%s%s", msg_402, detail);
		break;
	case 403:
		rc = ERR_PERM;
		status_set(st, a->token, "%s%s", msg_403, detail);
		break;
	case 404:
		rc = ERR_NOTFOUND;
		status_set(st, a->token, "amoCRM has no %s (404)%s", what,
		    detail);
		break;
	default:
		if (r.status >= 500) {
			rc = ERR_HTTP;
			status_set(st, a->token,
			    "amoCRM server error (HTTP "
			    "%ld)%s",
			    r.status, detail);
		} else if (r.status >= 400) {
			rc = ERR_PERM;
			status_set(st, a->token,
			    "amoCRM refused the request "
			    "(HTTP %ld)%s",
			    r.status, detail);
		} else {
			rc = ERR_HTTP;
			status_set(st, a->token,
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
	rc = call(a, buf_str(&url), NULL, a->health_timeout, "the account",
	    &root, st);
	if (rc != ERR_OK)
		goto out;
	if (root == NULL || jint(root, "id") == 0) {
		rc = ERR_HTTP;
		status_set(st, a->token, "amoCRM returned no account");
		goto out;
	}
	if (acct != NULL) {
		acct->id = jint(root, "id");
		acct->name = jstr(root, "name", &rc);
		acct->subdomain = jstr(root, "subdomain", &rc);
	}
out:
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
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

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Appends the non-null values[k].value of field f to *v (count *n). */
static enum err
values_add(struct json_object *f, char ***v, size_t *n)
{
	struct json_object *vals = jarr(f, "values"), *val;
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

/* Fills l from one lead object of the API. On error l is partly filled. */
static enum err
lead_from_json(struct amocrm_lead *l, struct json_object *o)
{
	struct json_object *cf, *cs, *f, *ct;
	enum err rc = ERR_OK;
	size_t i, n;

	l->id = jint(o, "id");
	l->name = jstr(o, "name", &rc);
	l->price = jint(o, "price");
	l->pipeline_id = jint(o, "pipeline_id");
	l->status_id = jint(o, "status_id");
	l->created_at = jint(o, "created_at");
	l->updated_at = jint(o, "updated_at");
	if (rc != ERR_OK)
		return rc;
	/* custom_fields_values is null, not [], when the lead has none. */
	if ((cf = jarr(o, "custom_fields_values")) != NULL &&
	    (n = json_object_array_length(cf)) > 0) {
		if ((l->fields = calloc(n, sizeof(*l->fields))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < n; i++) {
			struct amo_field *fl = &l->fields[l->nfields++];

			f = json_object_array_get_idx(cf, i);
			fl->id = jint(f, "field_id");
			fl->code = jstr(f, "field_code", &rc);
			fl->name = jstr(f, "field_name", &rc);
			if (rc != ERR_OK ||
			    (rc = values_add(f, &fl->values, &fl->nvalues)) !=
			        ERR_OK)
				return rc;
		}
	}
	if ((cs = jarr(http_jget(o, "_embedded"), "contacts")) != NULL &&
	    (n = json_object_array_length(cs)) > 0) {
		if ((l->contact_ids = calloc(n, sizeof(long long))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < n; i++) {
			ct = json_object_array_get_idx(cs, i);
			if (jint(ct, "id") == 0)
				continue;
			l->contact_ids[l->ncontacts++] = jint(ct, "id");
			if (json_object_get_boolean(http_jget(ct, "is_main")) &&
			    l->contact_id == 0)
				l->contact_id = jint(ct, "id");
		}
		if (l->contact_id == 0 && l->ncontacts > 0)
			l->contact_id = l->contact_ids[0];
	}
	return ERR_OK;
}

enum err
amocrm_lead_get(struct amocrm *a, long long id, struct amocrm_lead *l,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 }, what = { 0 };
	enum err rc = ERR_NOMEM;

	memset(l, 0, sizeof(*l));
	buf_printf(&url, "%s/api/v4/leads/%lld?with=contacts", a->base, id);
	buf_printf(&what, "lead %lld", id);
	if (buf_err(&url) != ERR_OK || buf_err(&what) != ERR_OK)
		goto out;
	rc = call(a, buf_str(&url), NULL, a->sync_timeout, buf_str(&what),
	    &root, st);
	if (rc != ERR_OK)
		goto out;
	if (root == NULL) {
		rc = ERR_NOTFOUND;
		status_set(st, NULL, "amoCRM has no lead %lld (204)", id);
		goto out;
	}
	if ((rc = lead_from_json(l, root)) != ERR_OK)
		goto out;
	if (l->id != id) {
		rc = ERR_HTTP;
		status_set(st, NULL, "amoCRM answered lead %lld with lead %lld",
		    id, l->id);
		log_warnx("could not get lead %lld: %s", id,
		    st != NULL ? st->reason : "wrong lead");
	}
out:
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_lead_free(l);
	json_object_put(root);
	buf_free(&url);
	buf_free(&what);
	return rc;
}

void
amocrm_lead_free(struct amocrm_lead *l)
{
	if (l == NULL)
		return;
	free(l->name);
	amo_fields_free(l->fields, l->nfields);
	free(l->contact_ids);
	memset(l, 0, sizeof(*l));
}

/* Fills c from one contact object. On error c is partly filled. */
static enum err
contact_from_json(struct amocrm_contact *c, struct json_object *o)
{
	struct json_object *cf, *f;
	enum err rc = ERR_OK;
	const char *code;
	size_t i, n;

	c->id = jint(o, "id");
	if ((c->name = jstr(o, "name", &rc)) == NULL && rc != ERR_OK)
		return rc;
	cf = jarr(o, "custom_fields_values");
	n = cf != NULL ? json_object_array_length(cf) : 0;
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(cf, i);
		if ((code = json_object_get_string(
		         http_jget(f, "field_code"))) == NULL)
			continue;
		if (strcmp(code, "PHONE") == 0)
			rc = values_add(f, &c->phones, &c->nphones);
		else if (strcmp(code, "EMAIL") == 0)
			rc = values_add(f, &c->emails, &c->nemails);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

enum err
amocrm_contact_get(struct amocrm *a, long long id, struct amocrm_contact *c,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 }, what = { 0 };
	enum err rc = ERR_NOMEM;

	memset(c, 0, sizeof(*c));
	buf_printf(&url, "%s/api/v4/contacts/%lld", a->base, id);
	buf_printf(&what, "contact %lld", id);
	if (buf_err(&url) != ERR_OK || buf_err(&what) != ERR_OK)
		goto out;
	rc = call(a, buf_str(&url), NULL, a->sync_timeout, buf_str(&what),
	    &root, st);
	if (rc != ERR_OK)
		goto out;
	if (root == NULL) {
		rc = ERR_NOTFOUND;
		status_set(st, NULL, "amoCRM has no contact %lld (204)", id);
		goto out;
	}
	if ((rc = contact_from_json(c, root)) != ERR_OK)
		goto out;
	if (c->id != id) {
		rc = ERR_HTTP;
		status_set(st, NULL,
		    "amoCRM answered contact %lld with "
		    "contact %lld",
		    id, c->id);
		log_warnx("could not get contact %lld: wrong contact", id);
	}
out:
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_contact_free(c);
	json_object_put(root);
	buf_free(&url);
	buf_free(&what);
	return rc;
}

void
amocrm_contact_free(struct amocrm_contact *c)
{
	if (c == NULL)
		return;
	free(c->name);
	strv_free(c->phones, c->nphones);
	strv_free(c->emails, c->nemails);
	memset(c, 0, sizeof(*c));
}

/*
 * Turns a _links.next.href into the URL to fetch. The path and query are
 * kept but the origin is always our base: the bearer token must not go
 * to a host the answer names. Returns ERR_OK or ERR_HTTP (not a leads
 * link), ERR_NOMEM.
 */
static enum err
next_url(struct amocrm *a, const char *href, const char *prefix,
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

static int
have_lead(const struct amocrm_leads *ls, long long id)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i].id == id)
			return 1;
	return 0;
}

/*
 * Adds the leads of one page to ls, up to limit in all; a lead already
 * held (pages shift when leads are added meanwhile) is skipped. Returns
 * ERR_OK or ERR_NOMEM; *got is how many leads the page had.
 */
static enum err
page_add(struct amocrm_leads *ls, struct json_object *root, size_t limit,
    size_t *got)
{
	struct json_object *arr = jarr(http_jget(root, "_embedded"), "leads");
	struct amocrm_lead *nv, l;
	size_t i, n;
	enum err rc;

	n = arr != NULL ? json_object_array_length(arr) : 0;
	*got = n;
	if (n == 0)
		return ERR_OK;
	if ((nv = reallocarray(ls->v, ls->n + n, sizeof(*nv))) == NULL)
		return ERR_NOMEM;
	ls->v = nv;
	for (i = 0; i < n && ls->n < limit; i++) {
		memset(&l, 0, sizeof(l));
		rc = lead_from_json(&l, json_object_array_get_idx(arr, i));
		if (rc != ERR_OK) {
			amocrm_lead_free(&l);
			return rc;
		}
		if (l.id == 0 || have_lead(ls, l.id)) {
			amocrm_lead_free(&l);
			continue;
		}
		ls->v[ls->n++] = l;
	}
	return ERR_OK;
}

/*
 * Walks the pages of a leads list from url (page 1) into out, following
 * _links.next, until limit leads, no next link, an empty page or
 * maxpages. out is empty on error.
 */
static enum err
leads_walk(struct amocrm *a, struct buf *url, size_t limit, size_t maxpages,
    long long pipeline_id, struct amocrm_leads *out, struct amocrm_status *st)
{
	struct json_object *root = NULL, *next;
	struct buf what = { 0 };
	const char *href;
	size_t got;
	enum err rc = ERR_NOMEM;

	while (out->n < limit) {
		if (out->pages >= maxpages) {
			log_warnx("amoCRM leads list of pipeline %lld: stopped "
			          "after %zu pages",
			    pipeline_id, out->pages);
			break;
		}
		buf_reset(&what);
		buf_printf(&what, "leads page %zu", out->pages + 1);
		if (buf_err(&what) != ERR_OK) {
			rc = ERR_NOMEM;
			goto out;
		}
		rc = call(a, buf_str(url), NULL, a->sync_timeout,
		    buf_str(&what), &root, st);
		if (rc != ERR_OK)
			goto out;
		/* 204: no (more) leads. */
		if (root == NULL)
			break;
		out->pages++;
		if ((rc = page_add(out, root, limit, &got)) != ERR_OK)
			goto out;
		next = http_jget(http_jget(http_jget(root, "_links"), "next"),
		    "href");
		if (got == 0 || next == NULL ||
		    (href = json_object_get_string(next)) == NULL)
			break;
		if ((rc = next_url(a, href, "/api/v4/leads?", url)) != ERR_OK) {
			if (rc == ERR_HTTP) {
				status_set(st, NULL,
				    "amoCRM gave an unexpected "
				    "next page link");
				log_warnx("could not list leads: %s",
				    st != NULL ? st->reason : "bad next link");
			}
			goto out;
		}
		json_object_put(root);
		root = NULL;
	}
	rc = ERR_OK;
out:
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_leads_free(out);
	json_object_put(root);
	buf_free(&what);
	return rc;
}

enum err
amocrm_leads_list(struct amocrm *a, long long pipeline_id, size_t limit,
    struct amocrm_leads *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	size_t per, maxpages;
	enum err rc = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	status_clear(st);
	if (limit == 0)
		return ERR_OK;
	per = a->page_size > 0 && a->page_size <= AMOCRM_PAGE_MAX
	    ? (size_t)a->page_size
	    : AMOCRM_PAGE_MAX;
	if (per > limit)
		per = limit;
	maxpages = (limit + per - 1) / per + EXTRA_PAGES;
	buf_printf(&url,
	    "%s/api/v4/leads?with=contacts&limit=%zu&page=1&"
	    "order%%5Bcreated_at%%5D=desc",
	    a->base, per);
	if (pipeline_id != 0)
		buf_printf(&url, "&filter%%5Bpipeline_id%%5D=%lld",
		    pipeline_id);
	if (buf_err(&url) != ERR_OK)
		status_set(st, NULL, "out of memory");
	else
		rc = leads_walk(a, &url, limit, maxpages, pipeline_id, out, st);
	buf_free(&url);
	return rc;
}

enum err
amocrm_leads_since(struct amocrm *a, long long pipeline_id, long long from,
    size_t limit, struct amocrm_leads *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	size_t per;
	enum err rc = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	status_clear(st);
	if (limit == 0)
		return ERR_OK;
	per = a->page_size > 0 && a->page_size <= AMOCRM_PAGE_MAX
	    ? (size_t)a->page_size
	    : AMOCRM_PAGE_MAX;
	buf_printf(&url,
	    "%s/api/v4/leads?with=contacts&limit=%zu&page=1&"
	    "order%%5Bupdated_at%%5D=asc&filter%%5Bupdated_at%%5D%%5Bfrom%%5D="
	    "%lld",
	    a->base, per, from);
	if (pipeline_id != 0)
		buf_printf(&url, "&filter%%5Bpipeline_id%%5D=%lld",
		    pipeline_id);
	if (buf_err(&url) != ERR_OK)
		status_set(st, NULL, "out of memory");
	else
		rc = leads_walk(a, &url, limit,
		    (limit + per - 1) / per + EXTRA_PAGES, pipeline_id, out,
		    st);
	buf_free(&url);
	return rc;
}

void
amocrm_leads_free(struct amocrm_leads *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		amocrm_lead_free(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

const char *
amocrm_lead_field(const struct amocrm_lead *l, long long id, const char *name)
{
	return amo_field_value(l->fields, l->nfields, id, name);
}

/* Adds the contacts of one list page to out; a contact held is skipped. */
static enum err
contacts_page_add(struct amocrm_contacts *out, struct json_object *root)
{
	struct json_object *arr = jarr(http_jget(root, "_embedded"),
	    "contacts");
	struct amocrm_contact *nv, c;
	size_t i, k, n;
	enum err rc;

	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n == 0)
		return ERR_OK;
	if ((nv = reallocarray(out->v, out->n + n, sizeof(*nv))) == NULL)
		return ERR_NOMEM;
	out->v = nv;
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		rc = contact_from_json(&c, json_object_array_get_idx(arr, i));
		if (rc != ERR_OK) {
			amocrm_contact_free(&c);
			return rc;
		}
		for (k = 0; k < out->n && out->v[k].id != c.id; k++)
			;
		if (c.id == 0 || k < out->n) {
			amocrm_contact_free(&c);
			continue;
		}
		out->v[out->n++] = c;
	}
	return ERR_OK;
}

/*
 * GETs the contacts list at url and every page after it (_links.next)
 * into out. 204 is an empty list. On error out keeps what it had.
 */
static enum err
contacts_walk(struct amocrm *a, struct buf *url, struct amocrm_contacts *out,
    struct amocrm_status *st)
{
	struct json_object *root = NULL, *next;
	const char *href;
	size_t pages = 0;
	enum err rc;

	for (;;) {
		rc = call(a, buf_str(url), NULL, a->sync_timeout,
		    "a contacts page", &root, st);
		if (rc != ERR_OK || root == NULL)
			break;
		if ((rc = contacts_page_add(out, root)) != ERR_OK)
			break;
		next = http_jget(http_jget(http_jget(root, "_links"), "next"),
		    "href");
		if (next == NULL ||
		    (href = json_object_get_string(next)) == NULL)
			break;
		if (++pages >= AMOCRM_CONTACT_PAGES) {
			log_warnx("amoCRM contacts list: stopped after %zu "
			          "pages",
			    pages);
			break;
		}
		if ((rc = next_url(a, href, "/api/v4/contacts?", url)) !=
		    ERR_OK) {
			if (rc == ERR_HTTP)
				status_set(st, NULL,
				    "amoCRM gave an unexpected "
				    "next page link");
			break;
		}
		json_object_put(root);
		root = NULL;
	}
	json_object_put(root);
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
	return rc;
}

enum err
amocrm_contacts_list(struct amocrm *a, const long long *ids, size_t n,
    struct amocrm_contacts *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	enum err rc = ERR_OK;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	status_clear(st);
	for (i = 0; i < n && rc == ERR_OK; i += AMOCRM_CONTACT_BATCH) {
		buf_reset(&url);
		buf_printf(&url, "%s/api/v4/contacts?limit=%d", a->base,
		    AMOCRM_PAGE_MAX);
		for (k = i; k < n && k < i + AMOCRM_CONTACT_BATCH; k++)
			buf_printf(&url, "&filter%%5Bid%%5D%%5B%%5D=%lld",
			    ids[k]);
		if ((rc = buf_err(&url)) != ERR_OK) {
			status_set(st, NULL, "out of memory");
			break;
		}
		rc = contacts_walk(a, &url, out, st);
	}
	if (rc != ERR_OK)
		amocrm_contacts_free(out);
	buf_free(&url);
	return rc;
}

enum err
amocrm_contacts_find(struct amocrm *a, const char *query,
    struct amocrm_contacts *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	enum err rc;

	memset(out, 0, sizeof(*out));
	status_clear(st);
	buf_printf(&url, "%s/api/v4/contacts?limit=50&query=", a->base);
	http_query_escape(&url, query);
	if ((rc = buf_err(&url)) != ERR_OK) {
		status_set(st, NULL, "out of memory");
		goto out;
	}
	rc = contacts_walk(a, &url, out, st);
out:
	if (rc != ERR_OK)
		amocrm_contacts_free(out);
	buf_free(&url);
	return rc;
}

void
amocrm_contacts_free(struct amocrm_contacts *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->n; i++)
		amocrm_contact_free(&cs->v[i]);
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

/* Appends one custom field {field_id, values:[{value}]} or by code. */
static void
field_write(struct jw *w, long long id, const char *code, const char *value,
    const char *enum_code)
{
	jw_obj(w, NULL);
	if (code != NULL)
		jw_str(w, "field_code", code);
	else
		jw_int(w, "field_id", id);
	jw_arr(w, "values");
	jw_obj(w, NULL);
	jw_str(w, "value", value);
	if (enum_code != NULL)
		jw_str(w, "enum_code", enum_code);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
}

/* The JSON body of POST /api/v4/leads/complex. */
static void
complex_body(struct jw *w, const struct amocrm_new_lead *v, size_t n)
{
	const struct amocrm_new_lead *l;
	size_t i, k;

	jw_arr(w, NULL);
	for (i = 0; i < n; i++) {
		l = &v[i];
		jw_obj(w, NULL);
		jw_str(w, "name", l->name);
		jw_int(w, "pipeline_id", l->pipeline_id);
		if (l->status_id != 0)
			jw_int(w, "status_id", l->status_id);
		if (l->price > 0)
			jw_int(w, "price", l->price);
		jw_str(w, "request_id", l->request_id);
		jw_arr(w, "custom_fields_values");
		for (k = 0; k < l->nfields; k++)
			if (l->field_values[k] != NULL && l->field_ids[k] != 0)
				field_write(w, l->field_ids[k], NULL,
				    l->field_values[k], NULL);
		jw_arr_end(w);
		jw_obj(w, "_embedded");
		jw_arr(w, "contacts");
		jw_obj(w, NULL);
		if (l->contact_id != 0) {
			jw_int(w, "id", l->contact_id);
		} else {
			jw_str(w, "name", l->contact_name);
			jw_arr(w, "custom_fields_values");
			if (l->phone != NULL)
				field_write(w, 0, "PHONE", l->phone, "MOB");
			if (l->email != NULL)
				field_write(w, 0, "EMAIL", l->email, "WORK");
			jw_arr_end(w);
		}
		jw_obj_end(w);
		jw_arr_end(w);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

enum err
amocrm_leads_complex(struct amocrm *a, const struct amocrm_new_lead *v,
    size_t n, struct amocrm_created *out, struct amocrm_status *st)
{
	struct json_object *root = NULL, *e, *rid;
	struct buf url = { 0 }, body = { 0 };
	const char *s;
	struct jw w;
	enum err rc = ERR_NOMEM;
	size_t i, k, len;

	memset(out, 0, n * sizeof(*out));
	status_clear(st);
	if (n == 0)
		return ERR_OK;
	if (n > AMOCRM_COMPLEX_MAX) {
		status_set(st, NULL, "at most %d leads per complex request",
		    AMOCRM_COMPLEX_MAX);
		return ERR_INPUT;
	}
	buf_printf(&url, "%s/api/v4/leads/complex", a->base);
	jw_init(&w, &body);
	complex_body(&w, v, n);
	if (buf_err(&url) != ERR_OK || buf_err(&body) != ERR_OK)
		goto out;
	rc = call(a, buf_str(&url), buf_str(&body), a->sync_timeout,
	    "a complex lead creation", &root, st);
	if (rc != ERR_OK)
		goto out;
	len = json_object_is_type(root, json_type_array)
	    ? json_object_array_length(root)
	    : 0;
	/* Each answer names its request_id; match on it, else on order. */
	for (k = 0; k < len; k++) {
		e = json_object_array_get_idx(root, k);
		rid = http_jget(e, "request_id");
		if (json_object_is_type(rid, json_type_array))
			rid = json_object_array_get_idx(rid, 0);
		s = rid != NULL ? json_object_get_string(rid) : NULL;
		for (i = 0; i < n; i++)
			if (s != NULL ? strcmp(s, v[i].request_id) == 0
			              : i == k)
				break;
		if (i == n || out[i].id != 0)
			continue;
		out[i].id = jint(e, "id");
		out[i].contact_id = jint(e, "contact_id");
	}
	for (i = 0; i < n; i++)
		if (out[i].id == 0) {
			rc = ERR_HTTP;
			status_set(st, NULL,
			    "amoCRM's answer to leads/complex "
			    "lacks lead %zu of %zu",
			    i + 1, n);
			log_warnx("could not create leads: %s",
			    st != NULL ? st->reason : "short answer");
			break;
		}
out:
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
	json_object_put(root);
	buf_free(&url);
	buf_free(&body);
	return rc;
}

enum err
amocrm_webhooks_list(struct amocrm *a, struct amocrm_webhooks *out,
    struct amocrm_status *st)
{
	struct json_object *root = NULL, *arr, *o;
	struct amocrm_webhook *h;
	struct buf url = { 0 };
	enum err rc = ERR_NOMEM;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	buf_printf(&url, "%s/api/v4/webhooks", a->base);
	if (buf_err(&url) != ERR_OK)
		goto out;
	rc = call(a, buf_str(&url), NULL, a->health_timeout, "the webhooks",
	    &root, st);
	if (rc != ERR_OK || root == NULL)
		goto out;
	arr = jarr(http_jget(root, "_embedded"), "webhooks");
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n > AMOCRM_WEBHOOKS_MAX)
		n = AMOCRM_WEBHOOKS_MAX;
	if (n > 0 && (out->v = calloc(n, sizeof(*out->v))) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		h = &out->v[out->n++];
		h->id = jint(o, "id");
		h->destination = jstr(o, "destination", &rc);
		h->disabled = json_object_get_boolean(http_jget(o, "disabled"));
		if (rc == ERR_NOMEM)
			goto out;
	}
out:
	if (rc == ERR_NOMEM)
		status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_webhooks_free(out);
	json_object_put(root);
	buf_free(&url);
	return rc;
}

/* Parses body as the JSON object of an answer; NULL if it is none. */
static struct json_object *
answer_json(const char *body, size_t n)
{
	struct http_resp r;
	struct json_object *o;

	http_resp_init(&r);
	buf_add(&r.body, body, n);
	o = buf_err(&r.body) == ERR_OK ? http_json(&r) : NULL;
	http_resp_free(&r);
	return o;
}

enum err
amocrm_answer_parse(enum amocrm_answer kind, const char *body, size_t n,
    struct amocrm_parsed *out)
{
	struct http_resp r;
	struct json_object *o;
	size_t got;
	enum err rc = ERR_OK;

	memset(out, 0, sizeof(*out));
	if (kind == AMOCRM_ANSWER_ERROR) {
		http_resp_init(&r);
		buf_add(&r.body, body, n);
		if ((rc = buf_err(&r.body)) == ERR_OK) {
			problem(&r, out->problem, sizeof(out->problem));
			out->retry_after = retry_after(&r);
		}
		http_resp_free(&r);
		return rc;
	}
	if ((o = answer_json(body, n)) == NULL)
		return ERR_HTTP;
	switch (kind) {
	case AMOCRM_ANSWER_LEAD:
		rc = lead_from_json(&out->lead, o);
		break;
	case AMOCRM_ANSWER_CONTACT:
		rc = contact_from_json(&out->contact, o);
		break;
	case AMOCRM_ANSWER_LEADS:
		rc = page_add(&out->leads, o, AMOCRM_PAGE_MAX, &got);
		break;
	case AMOCRM_ANSWER_CONTACTS:
		rc = contacts_page_add(&out->contacts, o);
		break;
	default:
		rc = ERR_INPUT;
		break;
	}
	json_object_put(o);
	if (rc != ERR_OK)
		amocrm_parsed_free(out);
	return rc;
}

void
amocrm_webhooks_free(struct amocrm_webhooks *hs)
{
	size_t i;

	if (hs == NULL)
		return;
	for (i = 0; i < hs->n; i++)
		free(hs->v[i].destination);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
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

void
amocrm_parsed_free(struct amocrm_parsed *p)
{
	if (p == NULL)
		return;
	amocrm_lead_free(&p->lead);
	amocrm_contact_free(&p->contact);
	amocrm_leads_free(&p->leads);
	amocrm_contacts_free(&p->contacts);
	memset(p, 0, sizeof(*p));
}
