#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "base/log.h"
#include "fb/api.h"

/* The usage headers, in the order of http_resp.kept. */
static const char *const usage_headers[] = { "x-business-use-case-usage",
	"x-ad-account-usage", "x-app-usage", NULL };

static const char INSIGHTS_FIELDS[] = "campaign_id,campaign_name,spend,"
                                      "impressions,clicks,account_currency,"
                                      "date_start";

static void
status_clear(struct fb_status *st)
{
	memset(st, 0, sizeof(*st));
	st->usage = -1;
}

static void
status_set(struct fb_status *st, const char *secret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
	if (secret != NULL)
		http_scrub(st->reason, secret);
}

int
fb_account_ok(const char *s, char *out, size_t n)
{
	size_t i;

	if (s == NULL)
		return 0;
	if (strncmp(s, "act_", 4) == 0)
		s += 4;
	for (i = 0; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (i == 0 || i > 20 || i + 1 > n)
		return 0;
	memcpy(out, s, i + 1);
	return 1;
}

enum err
fb_code_err(int code, long http_status)
{
	if (code == 190 || code == 102)
		return ERR_AUTH;
	if (code == 4 || code == 17 || code == 32 || code == 613 ||
	    (code >= 80000 && code <= 80014))
		return ERR_RATE;
	if (code == 1 || code == 2)
		return ERR_HTTP;
	if (code == 10 || (code >= 200 && code <= 299))
		return ERR_PERM;
	if (code == 0 && (http_status >= 500 || http_status == 0))
		return ERR_HTTP;
	if (code == 0 && http_status == 429)
		return ERR_RATE;
	return ERR_PERM;
}

/* The highest number among the members of o (and its arrays' objects). */
static double
usage_max(struct json_object *o, long *regain, int depth)
{
	double best = -1, v;
	size_t i, n;

	if (depth > 4 || o == NULL)
		return -1;
	if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			v = usage_max(json_object_array_get_idx(o, i), regain,
			    depth + 1);
			if (v > best)
				best = v;
		}
		return best;
	}
	if (!json_object_is_type(o, json_type_object))
		return -1;
	json_object_object_foreach(o, key, val)
	{
		if (strcmp(key, "estimated_time_to_regain_access") == 0) {
			/* Minutes, in Facebook's answers. */
			long m = (long)json_object_get_int64(val);

			if (m * 60 > *regain)
				*regain = m * 60;
			continue;
		}
		if (strcmp(key, "reset_time_duration") == 0) {
			long s = (long)json_object_get_int64(val);

			if (s > *regain)
				*regain = s;
			continue;
		}
		if (json_object_is_type(val, json_type_int) ||
		    json_object_is_type(val, json_type_double)) {
			if (strcmp(key, "call_count") != 0 &&
			    strcmp(key, "total_cputime") != 0 &&
			    strcmp(key, "total_time") != 0 &&
			    strcmp(key, "acc_id_util_pct") != 0)
				continue;
			v = json_object_get_double(val);
		} else {
			v = usage_max(val, regain, depth + 1);
		}
		if (v > best)
			best = v;
	}
	return best;
}

int
fb_usage(const char *header, long *regain)
{
	struct json_object *o;
	double v;

	*regain = 0;
	if (header == NULL || *header == '\0')
		return -1;
	if ((o = json_tokener_parse(header)) == NULL)
		return -1;
	v = usage_max(o, regain, 0);
	json_object_put(o);
	return v < 0 ? -1 : (int)(v + 0.5);
}

enum err
fb_init(struct fb *f, struct http *h, const struct cfg *c, struct fb_status *st)
{
	const char *url = cfg_str(c, CFG_FB_API_URL);
	const char *ver = cfg_str(c, CFG_FB_API_VERSION);
	const char *tok = cfg_str(c, CFG_FB_ACCESS_TOKEN);
	struct fb_status dummy;
	struct buf b = { 0 };
	size_t i, n;

	if (st == NULL)
		st = &dummy;
	memset(f, 0, sizeof(*f));
	status_clear(st);
	f->http = h;
	if (*tok == '\0') {
		status_set(st, NULL,
		    "FB_ACCESS_TOKEN is not set: make a system user's token "
		    "with ads_read in Business Settings (docs/facebook.md)");
		return ERR_CONFIG;
	}
	for (i = 0; tok[i] != '\0'; i++)
		if ((unsigned char)tok[i] <= ' ' || tok[i] == 0x7f) {
			status_set(st, NULL,
			    "FB_ACCESS_TOKEN contains spaces or control "
			    "characters");
			return ERR_CONFIG;
		}
	if (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) {
		status_set(st, NULL,
		    "FB_API_URL must start with https:// or http://");
		return ERR_CONFIG;
	}
	n = strlen(ver);
	i = 1;
	if (ver[0] == 'v')
		while (isdigit((unsigned char)ver[i]))
			i++;
	if (i == 1 || ver[i] != '.' || !isdigit((unsigned char)ver[i + 1]) ||
	    strspn(ver + i + 1, "0123456789") != n - i - 1) {
		status_set(st, NULL,
		    "FB_API_VERSION must look like v24.0, not \"%s\"", ver);
		return ERR_CONFIG;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	buf_init(&b);
	buf_add(&b, url, n);
	buf_printf(&b, "/%s", ver);
	if (buf_err(&b) != ERR_OK)
		goto nomem;
	f->base = buf_take(&b);
	f->token = strdup(tok);
	buf_printf(&b, "Authorization: Bearer %s", tok);
	if (buf_err(&b) != ERR_OK || f->token == NULL)
		goto nomem;
	f->auth = buf_take(&b);
	f->timeout = cfg_int(c, CFG_SYNC_TIMEOUT);
	f->health_timeout = cfg_int(c, CFG_HEALTH_TIMEOUT);
	f->rate_wait = cfg_int(c, CFG_FB_RATE_WAIT);
	f->retries = 2;
	return ERR_OK;
nomem:
	buf_free(&b);
	fb_free(f);
	status_set(st, NULL, "out of memory");
	return ERR_NOMEM;
}

void
fb_free(struct fb *f)
{
	if (f == NULL)
		return;
	free(f->base);
	if (f->token != NULL)
		memset(f->token, 0, strlen(f->token));
	free(f->token);
	if (f->auth != NULL)
		memset(f->auth, 0, strlen(f->auth));
	free(f->auth);
	memset(f, 0, sizeof(*f));
}

static void
sleep_s(long s)
{
	struct timespec ts = { s, 0 };

	nanosleep(&ts, NULL);
}

/*
 * GETs url; on 200 returns the parsed object in *root (the caller puts
 * it). Maps Facebook's errors, retries 5xx, sets st->usage.
 */
static enum err
get(struct fb *f, const char *url, long timeout, const char *what,
    struct json_object **root, struct fb_status *st)
{
	const char *hdrs[2] = { f->auth, NULL };
	struct http_opts o;
	struct http_resp r;
	struct json_object *err, *j;
	enum err rc;
	long regain, regain_max = 0;
	int attempt, u, i;

	*root = NULL;
	memset(&o, 0, sizeof(o));
	o.headers = hdrs;
	o.timeout = timeout;
	o.secret = f->token;
	o.metric = "facebook";
	o.keep = usage_headers;
	http_resp_init(&r);
	for (attempt = 0;; attempt++) {
		rc = http_get(f->http, &o, url, &r);
		st->http_status = r.status;
		st->code = st->subcode = 0;
		for (i = 0; usage_headers[i] != NULL; i++) {
			u = fb_usage(r.kept[i], &regain);
			if (u > st->usage)
				st->usage = u;
			if (regain > regain_max)
				regain_max = regain;
		}
		if (rc != ERR_OK) {
			status_set(st, f->token, "Facebook %s: %s", what,
			    r.err);
			if (attempt < f->retries && rc == ERR_HTTP) {
				sleep_s(1L << attempt);
				continue;
			}
			break;
		}
		if (r.status == 200 && (*root = http_json(&r)) != NULL)
			break;
		if (r.status == 200) {
			rc = ERR_HTTP;
			status_set(st, NULL,
			    "Facebook %s: the answer is not JSON", what);
			break;
		}
		j = http_json(&r);
		err = http_jget(j, "error");
		st->code = (int)json_object_get_int(http_jget(err, "code"));
		st->subcode = (int)json_object_get_int(
		    http_jget(err, "error_subcode"));
		rc = fb_code_err(st->code, r.status);
		status_set(st, f->token, "Facebook %s: HTTP %ld, code %d: %s",
		    what, r.status, st->code,
		    http_jget(err, "message") != NULL
		        ? json_object_get_string(http_jget(err, "message"))
		        : "no message");
		json_object_put(j);
		if (rc == ERR_HTTP && attempt < f->retries) {
			sleep_s(1L << attempt);
			continue;
		}
		break;
	}
	if (rc == ERR_RATE)
		st->retry_after = regain_max > 0 ? regain_max : f->rate_wait;
	if (rc != ERR_OK)
		log_warnx("%s", st->reason);
	http_resp_free(&r);
	return rc;
}

void
fb_page_free(struct fb_page *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].campaign_id);
		free(p->v[i].campaign_name);
	}
	free(p->v);
	free(p->after);
	memset(p, 0, sizeof(*p));
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v = http_jget(o, key);

	return v != NULL ? json_object_get_string(v) : NULL;
}

/* Checks a decimal of Facebook's ("12.34"): digits, one point. */
static int
decimal_ok(const char *s)
{
	size_t i = strspn(s, "0123456789");

	if (i == 0 || i > 15)
		return 0;
	if (s[i] == '.')
		i += 1 + strspn(s + i + 1, "0123456789");
	return s[i] == '\0' && i < 24;
}

/* Fills row from one element of data; 0 when it is not one of ours. */
static int
row_read(struct json_object *e, struct fb_row *row)
{
	const char *id = jstr(e, "campaign_id"),
	           *name = jstr(e, "campaign_name");
	const char *spend = jstr(e, "spend"), *date = jstr(e, "date_start");
	const char *cur = jstr(e, "account_currency");
	const char *imp = jstr(e, "impressions"), *clk = jstr(e, "clicks");
	size_t i;

	memset(row, 0, sizeof(*row));
	if (id == NULL || spend == NULL || date == NULL || cur == NULL ||
	    strlen(date) != 10 || !decimal_ok(spend) || strlen(cur) != 3)
		return 0;
	for (i = 0; id[i] != '\0'; i++)
		if (!isdigit((unsigned char)id[i]))
			return 0;
	for (i = 0; i < 3; i++)
		if (!isupper((unsigned char)cur[i]))
			return 0;
	memcpy(row->date, date, 11);
	snprintf(row->spend, sizeof(row->spend), "%s", spend);
	snprintf(row->currency, sizeof(row->currency), "%s", cur);
	row->impressions = imp != NULL ? strtoll(imp, NULL, 10) : 0;
	row->clicks = clk != NULL ? strtoll(clk, NULL, 10) : 0;
	row->campaign_id = strdup(id);
	row->campaign_name = strdup(name != NULL ? name : "");
	return 1;
}

enum err
fb_insights(struct fb *f, const char *account, const char *since,
    const char *until, const char *after, struct fb_page *p,
    struct fb_status *st)
{
	struct fb_status dummy;
	struct json_object *root = NULL, *data, *paging;
	struct buf url, range;
	char acct[32];
	const char *next;
	enum err rc;
	size_t i, n;

	if (st == NULL)
		st = &dummy;
	status_clear(st);
	memset(p, 0, sizeof(*p));
	if (!fb_account_ok(account, acct, sizeof(acct))) {
		status_set(st, NULL,
		    "not an ad account id: digits, with or "
		    "without act_");
		return ERR_PERM;
	}
	buf_init(&url);
	buf_init(&range);
	buf_printf(&range, "{\"since\":\"%s\",\"until\":\"%s\"}", since, until);
	buf_printf(&url,
	    "%s/act_%s/insights?level=campaign&time_increment=1"
	    "&limit=%d&fields=",
	    f->base, acct, FB_PAGE_LIMIT);
	http_query_escape(&url, INSIGHTS_FIELDS);
	buf_adds(&url, "&time_range=");
	http_query_escape(&url, buf_str(&range));
	if (after != NULL) {
		buf_adds(&url, "&after=");
		http_query_escape(&url, after);
	}
	if (buf_err(&url) != ERR_OK || buf_err(&range) != ERR_OK) {
		rc = ERR_NOMEM;
		goto out;
	}
	if ((rc = get(f, buf_str(&url), f->timeout, "insights", &root, st)) !=
	    ERR_OK)
		goto out;
	data = http_jget(root, "data");
	if (data == NULL || !json_object_is_type(data, json_type_array)) {
		status_set(st, NULL, "Facebook insights: no data array");
		log_warnx("%s", st->reason);
		rc = ERR_HTTP;
		goto out;
	}
	n = json_object_array_length(data);
	if (n > 0 && (p->v = calloc(n, sizeof(*p->v))) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!row_read(json_object_array_get_idx(data, i), &p->v[p->n]))
			continue;
		if (p->v[p->n].campaign_id == NULL ||
		    p->v[p->n].campaign_name == NULL) {
			p->n++;
			rc = ERR_NOMEM;
			goto out;
		}
		p->n++;
	}
	paging = http_jget(root, "paging");
	/* Facebook's "next" is present only while more pages follow. */
	if (http_jget(paging, "next") != NULL &&
	    (next = jstr(http_jget(paging, "cursors"), "after")) != NULL &&
	    *next != '\0' && (p->after = strdup(next)) == NULL)
		rc = ERR_NOMEM;
out:
	if (root != NULL)
		json_object_put(root);
	buf_free(&url);
	buf_free(&range);
	if (rc != ERR_OK)
		fb_page_free(p);
	return rc;
}

enum err
fb_token_check(struct fb *f, struct fb_token *t, struct fb_status *st)
{
	struct fb_status dummy;
	struct json_object *root = NULL, *d, *scopes;
	struct buf url;
	const char *type;
	enum err rc;
	size_t i, n;

	if (st == NULL)
		st = &dummy;
	status_clear(st);
	memset(t, 0, sizeof(*t));
	buf_init(&url);
	buf_printf(&url, "%s/debug_token?input_token=", f->base);
	http_query_escape(&url, f->token);
	if (buf_err(&url) != ERR_OK) {
		buf_free(&url);
		return ERR_NOMEM;
	}
	rc = get(f, buf_str(&url), f->health_timeout, "debug_token", &root, st);
	buf_free(&url);
	if (rc != ERR_OK)
		return rc;
	d = http_jget(root, "data");
	t->valid = json_object_get_boolean(http_jget(d, "is_valid"));
	t->expires_at = json_object_get_int64(http_jget(d, "expires_at"));
	if ((type = jstr(d, "type")) != NULL)
		snprintf(t->type, sizeof(t->type), "%s", type);
	scopes = http_jget(d, "scopes");
	n = scopes != NULL && json_object_is_type(scopes, json_type_array)
	    ? json_object_array_length(scopes)
	    : 0;
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(
		    json_object_array_get_idx(scopes, i));

		if (s != NULL && strcmp(s, "ads_read") == 0)
			t->ads_read = 1;
	}
	json_object_put(root);
	if (!t->valid) {
		st->code = 190;
		status_set(st, NULL,
		    "Facebook debug_token: the token is not valid (expired or "
		    "revoked)");
		return ERR_AUTH;
	}
	return ERR_OK;
}
