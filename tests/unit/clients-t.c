/*
 * The amoCRM and Telegram clients (and http under them) against the
 * loopback mocks in tests/mock/. Run through tests/integ/clients.sh,
 * which starts the mocks and sets AMOCRM_BASE_URL and TELEGRAM_API_URL;
 * without them every test is skipped.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "amocrm/api.h"
#include "base/cfg.h"
#include "base/log.h"
#include "io/http.h"
#include "tap.h"
#include "telegram/api.h"

#define AMO_TOKEN_DEF "test-amocrm-token"
#define TG_TOKEN_DEF "123456:TEST-telegram-token"
#define BAD_AMO_TOKEN "wrong-secret-amo-token-XYZ"
#define BAD_TG_TOKEN "999999:WRONG-secret-tg-token"

static struct http H;
static struct cfg C;
static const char *amo_url, *tg_url, *amo_token, *tg_token;
static char tmpdir[] = "/tmp/clients-t.XXXXXX";
static char logpath[64];

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* POSTs a JSON control command to a mock; returns 1 on 200. */
static int
ctl(const char *base, const char *path, const char *json)
{
	struct http_opts o = { 0 };
	struct http_resp r;
	struct buf url = { 0 };
	int good;

	http_resp_init(&r);
	o.timeout = 10;
	buf_printf(&url, "%s%s", base, path);
	good = http_post_json(&H, &o, buf_str(&url), json, strlen(json), &r) ==
	        ERR_OK &&
	    r.status == 200;
	if (!good)
		diag("control %s failed: %ld %s", path, r.status, r.err);
	http_resp_free(&r);
	buf_free(&url);
	return good;
}

/* GETs a mock's control list; returns the parsed JSON (caller puts). */
static struct json_object *
ctl_get(const char *base, const char *path)
{
	struct http_opts o = { 0 };
	struct http_resp r;
	struct buf url = { 0 };
	struct json_object *j = NULL;

	http_resp_init(&r);
	o.timeout = 10;
	buf_printf(&url, "%s%s", base, path);
	if (http_get(&H, &o, buf_str(&url), &r) == ERR_OK && r.status == 200)
		j = json_tokener_parse(buf_str(&r.body));
	http_resp_free(&r);
	buf_free(&url);
	return j;
}

static const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4, cp = *p & 0x07;
		else
			return 0;
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n;
	}
	return 1;
}

/* 1 if every tag is closed in order and no entity or tag is cut short. */
static int
html_balanced(const char *s)
{
	char stack[32][16];
	int n = 0;
	size_t k;
	const char *e;

	for (; *s != '\0'; s++) {
		if (*s == '&') {
			if ((e = strchr(s, ';')) == NULL || e - s > 10)
				return 0;
			continue;
		}
		if (*s != '<')
			continue;
		if ((e = strchr(s, '>')) == NULL)
			return 0;
		if (s[1] == '/') {
			k = strcspn(s + 2, " >");
			if (n == 0 || strlen(stack[n - 1]) != k ||
			    strncmp(stack[n - 1], s + 2, k) != 0)
				return 0;
			n--;
		} else {
			k = strcspn(s + 1, " >");
			if (n == 32 || k >= 16)
				return 0;
			memcpy(stack[n], s + 1, k);
			stack[n++][k] = '\0';
		}
		s = e;
	}
	return n == 0;
}

/* A client of the amoCRM mock with token tok (NULL: the right one). */
static enum err
amo_new(struct amocrm *a, const char *tok, struct amocrm_status *st)
{
	cfg_set(&C, CFG_AMOCRM_ACCESS_TOKEN, tok != NULL ? tok : amo_token);
	return amocrm_init(a, &H, &C, st);
}

static void
test_config(void)
{
	struct amocrm a;
	struct amocrm_status st;
	struct tg t;
	struct tg_result res;

	ok(amo_new(&a, "", &st) == ERR_CONFIG &&
	        strstr(st.reason, "AMOCRM_ACCESS_TOKEN") != NULL,
	    "no amoCRM token: ERR_CONFIG naming AMOCRM_ACCESS_TOKEN");
	amocrm_free(&a);

	cfg_set(&C, CFG_AMOCRM_BASE_URL, "");
	cfg_set(&C, CFG_AMOCRM_DOMAIN, "onaiagencykz");
	ok(amo_new(&a, NULL, &st) == ERR_OK, "client from AMOCRM_DOMAIN");
	is_str(a.base, "https://onaiagencykz.amocrm.ru",
	    "base URL is https://<domain>.amocrm.ru");
	ok(a.rate == 7 && a.health_timeout == 20 && a.sync_timeout == 30,
	    "defaults: 7 req/s, 20 s health, 30 s sync");
	amocrm_free(&a);
	cfg_set(&C, CFG_AMOCRM_BASE_URL, amo_url);

	cfg_set(&C, CFG_TELEGRAM_BOT_TOKEN, "");
	ok(tg_init(&t, &H, &C, &res) == ERR_CONFIG &&
	        strstr(res.reason, "TELEGRAM_BOT_TOKEN") != NULL,
	    "no Telegram token: ERR_CONFIG");
	tg_free(&t);
	cfg_set(&C, CFG_TELEGRAM_BOT_TOKEN, tg_token);
}

static void
test_http(void)
{
	static const struct {
		const char *url, *secret, *want;
	} redact[] = {
		{ "https://api.telegram.org/bot123:ABC-d_e/sendMessage", NULL,
		    "https://api.telegram.org/bot***/sendMessage" },
		{ "http://127.0.0.1:9/x/bot42:Z/getMe?a=1", NULL,
		    "http://127.0.0.1:9/x/bot***/getMe?a=1" },
		{ "https://h/api/v4/leads?token=s3cr3t&x=s3cr3t", "s3cr3t",
		    "https://h/api/v4/leads?token=***&x=***" },
		{ "https://h/bot/x", NULL, "https://h/bot/x" },
	};
	const char *hdrs[] = { NULL, NULL };
	struct http_opts o = { 0 };
	struct http_resp r;
	struct buf b = { 0 }, url = { 0 }, auth = { 0 };
	size_t i;
	enum err rc;

	for (i = 0; i < sizeof(redact) / sizeof(redact[0]); i++) {
		buf_reset(&b);
		http_url_redact(&b, redact[i].url, redact[i].secret);
		is_str(buf_str(&b), redact[i].want, "url redacted");
	}
	buf_reset(&b);
	http_query_escape(&b, "a b&c=d[1]/Ж");
	is_str(buf_str(&b), "a%20b%26c%3Dd%5B1%5D%2F%D0%96", "query escape");

	/* A response over the size limit is an error, not a truncation. */
	http_resp_init(&r);
	buf_printf(&auth, "Authorization: Bearer %s", amo_token);
	hdrs[0] = buf_str(&auth);
	o.headers = hdrs;
	o.timeout = 10;
	o.max_body = 100;
	buf_printf(&url, "%s/api/v4/account", amo_url);
	rc = http_get(&H, &o, buf_str(&url), &r);
	ok(rc == ERR_HTTP && strstr(r.err, "larger than 100") != NULL,
	    "body over max_body: ERR_HTTP (%s)", r.err);
	o.max_body = 0;
	rc = http_get(&H, &o, buf_str(&url), &r);
	ok(rc == ERR_OK && r.status == 200 && r.body.len > 100,
	    "same call within the limit: 200");

	/* Nothing listens on port 1. */
	rc = http_get(&H, &o, "http://127.0.0.1:1/", &r);
	ok(rc == ERR_HTTP && r.status == 0 && r.err[0] != '\0',
	    "connection refused: ERR_HTTP (%s)", r.err);
	http_resp_free(&r);
	buf_free(&b);
	buf_free(&url);
	buf_free(&auth);
}

static void
test_amo_fetch(void)
{
	struct amocrm a;
	struct amocrm_status st;
	struct amocrm_account acct;
	struct amocrm_lead l;
	struct amocrm_contact c;
	const struct amo_field *f;
	enum err rc;

	amo_new(&a, NULL, &st);
	rc = amocrm_account_check(&a, &acct, &st);
	ok(rc == ERR_OK && acct.id == 29000001 && acct.subdomain != NULL &&
	        strcmp(acct.subdomain, "onaiagencykz") == 0,
	    "account check: id and subdomain");
	amocrm_account_free(&acct);

	rc = amocrm_lead_get(&a, 31000001, &l, &st);
	ok(rc == ERR_OK, "lead 31000001 fetched (%s)", st.reason);
	ok(l.id == 31000001 && l.price == 490000 && l.pipeline_id == 10418746 &&
	        l.status_id == 142 && l.created_at == 1732400000 &&
	        l.updated_at == 1732450000,
	    "lead scalars");
	is_str(l.name, "Сделка #31000001", "lead name");
	ok(l.contact_id == 41000001 && l.ncontacts == 2 &&
	        l.contact_ids[0] == 41000002,
	    "main contact is the is_main one, not the first");
	ok(l.nfields == 5, "five custom fields");
	is_str(amocrm_lead_field(&l, 434731, NULL), "fb_kenesary",
	    "utm_source by field id");
	is_str(amocrm_lead_field(&l, 1, "utm_campaign"), "Запуск on+ai",
	    "utm_campaign by name fallback");
	f = l.nfields == 5 ? &l.fields[3] : NULL;
	ok(f != NULL && f->id == 555001 && f->code == NULL && f->nvalues == 1 &&
	        strcmp(f->values[0], "2") == 0,
	    "numeric field: null code, value as text");
	f = l.nfields == 5 ? &l.fields[4] : NULL;
	ok(f != NULL && f->nvalues == 2 && strcmp(f->values[1], "VIP") == 0,
	    "select field with two values");
	amocrm_lead_free(&l);

	rc = amocrm_lead_get(&a, 31000002, &l, &st);
	ok(rc == ERR_OK && l.nfields == 0 && l.contact_id == 41000002,
	    "custom_fields_values null; only contact is the main one");
	amocrm_lead_free(&l);

	rc = amocrm_lead_get(&a, 999, &l, &st);
	ok(rc == ERR_NOTFOUND && l.id == 0,
	    "missing lead (204): ERR_NOTFOUND (%s)", st.reason);

	rc = amocrm_contact_get(&a, 41000001, &c, &st);
	ok(rc == ERR_OK && c.nphones == 2 && c.nemails == 1,
	    "contact: two phones, one e-mail");
	if (rc == ERR_OK && c.nphones == 2 && c.nemails == 1) {
		is_str(c.name, "Айгерим Тестова", "contact name");
		is_str(c.phones[0], "+7 (747) 555-00-11", "first phone");
		is_str(c.emails[0], "aigerim@example.kz", "e-mail");
	}
	amocrm_contact_free(&c);
	rc = amocrm_contact_get(&a, 41000002, &c, &st);
	ok(rc == ERR_OK && c.nphones == 0 && c.nemails == 0,
	    "contact without fields");
	amocrm_contact_free(&c);
	rc = amocrm_contact_get(&a, 12345, &c, &st);
	ok(rc == ERR_NOTFOUND, "missing contact: ERR_NOTFOUND");
	amocrm_free(&a);
}

/* How many requests to path the amoCRM mock saw since its last reset. */
static int
amo_requests(const char *path)
{
	struct json_object *reqs;
	size_t i, n = 0;

	if ((reqs = ctl_get(amo_url, "/__control/requests")) == NULL)
		return -1;
	for (i = 0; i < json_object_array_length(reqs); i++)
		if (strcmp(jstr(json_object_array_get_idx(reqs, i), "path"),
		        path) == 0)
			n++;
	json_object_put(reqs);
	return (int)n;
}

/* Contacts by id batches and by query; leads/complex. */
static void
test_amo_contacts(void)
{
	static const long long few[] = { 41000002, 41000001, 999, 41000001 };
	long long many[150], fids[1] = { 434731 };
	const char *fvals[1] = { "fb_kenesary" };
	struct amocrm_new_lead nl[AMOCRM_COMPLEX_MAX + 1];
	struct amocrm_created made[AMOCRM_COMPLEX_MAX + 1];
	struct amocrm_contacts cs;
	struct amocrm_status st;
	struct amocrm a;
	enum err rc;
	size_t i;

	amo_new(&a, NULL, &st);
	ctl(amo_url, "/__control/reset", "{}");
	rc = amocrm_contacts_list(&a, few, 4, &cs, &st);
	ok(rc == ERR_OK && cs.n == 2,
	    "contacts by id: two known of four ids "
	    "(one twice, one unknown)");
	for (i = 0; i < cs.n; i++)
		if (cs.v[i].id == 41000001)
			ok(cs.v[i].nphones == 2 && cs.v[i].nemails == 1,
			    "contacts by id: phones and e-mails read");
	amocrm_contacts_free(&cs);
	ok(amo_requests("/api/v4/contacts") == 1, "four ids: one request");

	ctl(amo_url, "/__control/leads",
	    "{\"generate\":{\"count\":150,\"pipeline_id\":777,"
	    "\"start_id\":52000000,\"contact_start_id\":62000000}}");
	ctl(amo_url, "/__control/reset", "{}");
	for (i = 0; i < 150; i++)
		many[i] = 62000000 + (long long)i;
	rc = amocrm_contacts_list(&a, many, 150, &cs, &st);
	ok(rc == ERR_OK && cs.n == 150, "150 contacts by id (%s)", st.reason);
	ok(cs.n == 150 && strcmp(cs.v[149].phones[0], "+7 (700) 000-0149") == 0,
	    "the last contact's phone");
	amocrm_contacts_free(&cs);
	ok(amo_requests("/api/v4/contacts") == 2,
	    "150 ids: two requests of at most %d", AMOCRM_CONTACT_BATCH);
	rc = amocrm_contacts_list(&a, NULL, 0, &cs, &st);
	ok(rc == ERR_OK && cs.n == 0, "no ids: no contacts, no request");

	rc = amocrm_contacts_find(&a, "7475550011", &cs, &st);
	ok(rc == ERR_OK && cs.n == 1 && cs.v[0].id == 41000001,
	    "query by a phone's digits finds its contact");
	amocrm_contacts_free(&cs);
	rc = amocrm_contacts_find(&a, "nobody@nowhere.kz", &cs, &st);
	ok(rc == ERR_OK && cs.n == 0, "query without a match: 204, none");
	amocrm_contacts_free(&cs);

	memset(nl, 0, sizeof(nl));
	for (i = 0; i < AMOCRM_COMPLEX_MAX + 1; i++) {
		nl[i].request_id = i == 0 ? "req-a" : "req-b";
		nl[i].name = "Профтест: \"Тест\"";
		nl[i].pipeline_id = 10350882;
		nl[i].status_id = 81856842;
		nl[i].field_ids = fids;
		nl[i].field_values = fvals;
		nl[i].nfields = 1;
		nl[i].contact_name = "Тест";
		nl[i].phone = "+7 701 000 00 00";
	}
	nl[0].contact_id = 41000001;
	rc = amocrm_leads_complex(&a, nl, 2, made, &st);
	ok(rc == ERR_OK && made[0].id > 0 && made[1].id > 0 &&
	        made[0].id != made[1].id,
	    "complex: two leads created (%s)", st.reason);
	ok(made[0].contact_id == 41000001 && made[1].contact_id > 0 &&
	        made[1].contact_id != 41000001,
	    "complex: the first linked to its contact, the second new");
	rc = amocrm_leads_complex(&a, nl, AMOCRM_COMPLEX_MAX + 1, made, &st);
	ok(rc == ERR_INPUT, "complex: %d leads refused before any request",
	    AMOCRM_COMPLEX_MAX + 1);
	amocrm_free(&a);
	amo_new(&a, BAD_AMO_TOKEN, &st);
	rc = amocrm_leads_complex(&a, nl, 1, made, &st);
	ok(rc == ERR_AUTH && made[0].id == 0,
	    "complex with a bad token: "
	    "ERR_AUTH");
	amocrm_free(&a);
}

/* Counts the list requests the mock saw and checks their query. */
static int
list_requests(const char *want_limit, int *pages_ok)
{
	struct json_object *reqs, *r;
	const char *q;
	char want[64];
	size_t i;
	int n = 0;

	*pages_ok = 1;
	if ((reqs = ctl_get(amo_url, "/__control/requests")) == NULL)
		return -1;
	for (i = 0; i < json_object_array_length(reqs); i++) {
		r = json_object_array_get_idx(reqs, i);
		if (strcmp(jstr(r, "path"), "/api/v4/leads") != 0)
			continue;
		n++;
		q = jstr(r, "query");
		snprintf(want, sizeof(want), "page=%d", n);
		if (strstr(q, want) == NULL || strstr(q, want_limit) == NULL ||
		    strstr(q, "with=contacts") == NULL ||
		    strstr(q, "order%5Bcreated_at%5D=desc") == NULL) {
			diag("request %d: %s", n, q);
			*pages_ok = 0;
		}
	}
	json_object_put(reqs);
	return n;
}

static void
test_amo_list(void)
{
	struct amocrm a;
	struct amocrm_status st;
	struct amocrm_leads ls;
	size_t i;
	int sorted, pages_ok, n;
	enum err rc;

	amo_new(&a, NULL, &st);
	ctl(amo_url, "/__control/leads",
	    "{\"generate\": {\"count\": 7, "
	    "\"pipeline_id\": 777, \"start_id\": 7000, "
	    "\"contact_start_id\": 17000}}");
	ctl(amo_url, "/__control/leads",
	    "{\"generate\": {\"count\": 600, "
	    "\"pipeline_id\": 888, \"start_id\": 8000, "
	    "\"contact_start_id\": 18000}}");

	/* The server serves 3 a page although we ask for 250. */
	ctl(amo_url, "/__control/config", "{\"page_cap\": 3}");
	ctl(amo_url, "/__control/reset", "{}");
	rc = amocrm_leads_list(&a, 777, 500, &ls, &st);
	ok(rc == ERR_OK && ls.n == 7 && ls.pages == 3,
	    "7 leads over 3 pages via _links.next (n=%zu pages=%zu)", ls.n,
	    ls.pages);
	for (sorted = ls.n == 7, i = 1; i < ls.n; i++)
		if (ls.v[i - 1].created_at < ls.v[i].created_at)
			sorted = 0;
	ok(sorted && ls.n == 7 && ls.v[0].id == 7006 &&
	        ls.v[0].contact_id == 17006,
	    "newest first, with contact ids");
	n = list_requests("limit=250", &pages_ok);
	ok(n == 3 && pages_ok, "3 requests, page=1..3, limit=250");
	amocrm_leads_free(&ls);

	ctl(amo_url, "/__control/reset", "{}");
	rc = amocrm_leads_list(&a, 777, 5, &ls, &st);
	ok(rc == ERR_OK && ls.n == 5 && ls.pages == 2,
	    "limit 5 stops after 2 pages of 3");
	n = list_requests("limit=5", &pages_ok);
	ok(n == 2 && pages_ok, "asked for limit=5 per page");
	amocrm_leads_free(&ls);

	ctl(amo_url, "/__control/config", "{\"page_cap\": 0}");
	ctl(amo_url, "/__control/reset", "{}");
	a.page_size = 2;
	rc = amocrm_leads_list(&a, 777, 5, &ls, &st);
	ok(rc == ERR_OK && ls.n == 5 && ls.pages == 3,
	    "page size 2: 5 leads in 3 pages");
	n = list_requests("limit=2", &pages_ok);
	ok(n == 3 && pages_ok, "asked for limit=2 per page");
	amocrm_leads_free(&ls);
	a.page_size = AMOCRM_PAGE_MAX;

	ctl(amo_url, "/__control/reset", "{}");
	rc = amocrm_leads_list(&a, 888, 500, &ls, &st);
	ok(rc == ERR_OK && ls.n == 500 && ls.pages == 2 && ls.v[0].id == 8599 &&
	        ls.v[499].id == 8100,
	    "the last 500 of 600 leads = 2 pages of 250");
	amocrm_leads_free(&ls);

	rc = amocrm_leads_list(&a, 999, 500, &ls, &st);
	ok(rc == ERR_OK && ls.n == 0 && ls.pages == 0,
	    "empty pipeline: 204, no error, no leads");
	amocrm_leads_free(&ls);

	/* A 204 on page 2 ends the walk without an error. */
	ctl(amo_url, "/__control/config", "{\"page_cap\": 3}");
	ctl(amo_url, "/__control/fail",
	    "[{\"path_prefix\": \"/api/v4/leads\", "
	    "\"status\": 0}, {\"path_prefix\": \"/api/v4/leads\", "
	    "\"status\": 204}]");
	rc = amocrm_leads_list(&a, 777, 500, &ls, &st);
	ok(rc == ERR_OK && ls.n == 3 && ls.pages == 1,
	    "204 on page 2: the 3 leads of page 1, no error");
	amocrm_leads_free(&ls);

	/* An error on page 2 fails the whole list, leaving it empty. */
	ctl(amo_url, "/__control/reset", "{}");
	a.page_size = 3;
	ctl(amo_url, "/__control/fail",
	    "[{\"path_prefix\": \"/api/v4/leads\", "
	    "\"status\": 0}, {\"path_prefix\": \"/api/v4/leads\", "
	    "\"status\": 503}]");
	rc = amocrm_leads_list(&a, 777, 500, &ls, &st);
	ok(rc == ERR_HTTP && ls.n == 0 && ls.v == NULL && st.http_status == 503,
	    "503 on page 2: ERR_HTTP, nothing returned (%s)", st.reason);
	amocrm_leads_free(&ls);
	ctl(amo_url, "/__control/config", "{\"page_cap\": 0}");
	amocrm_free(&a);
}

static void
test_amo_errors(void)
{
	struct amocrm a;
	struct amocrm_status st;
	struct amocrm_contact c;
	double t0, dt;
	enum err rc;

	amo_new(&a, NULL, &st);
	ctl(amo_url, "/__control/reset", "{}");

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/account\","
	    " \"status\": 429, \"retry_after\": 2}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_RATE && st.retry_after == 2 && st.http_status == 429,
	    "429: ERR_RATE with retry_after 2 from the body (%s)", st.reason);

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/account\","
	    " \"status\": 429, \"retry_after\": 1, \"retry_after_header\": 1,"
	    " \"body\": \"\"}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_RATE && st.retry_after == 1,
	    "429 without body: retry_after from the Retry-After header");

	a.retries = 2;
	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/account\","
	    " \"status\": 429, \"retry_after\": 2}");
	t0 = now_s();
	rc = amocrm_account_check(&a, NULL, &st);
	dt = now_s() - t0;
	ok(rc == ERR_OK && dt >= 2.0,
	    "429 retried in the call after retry_after (waited %.2f s)", dt);

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/account\","
	    " \"status\": 429, \"count\": 2, \"body\": \"{}\"}");
	t0 = now_s();
	rc = amocrm_account_check(&a, NULL, &st);
	dt = now_s() - t0;
	ok(rc == ERR_OK && dt >= 3.0,
	    "429 without retry_after: backoff 1 s then 2 s (%.2f s)", dt);

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/account\","
	    " \"status\": 429, \"retry_after\": 300}");
	t0 = now_s();
	rc = amocrm_account_check(&a, NULL, &st);
	dt = now_s() - t0;
	ok(rc == ERR_RATE && st.retry_after == 300 && dt < 2.0,
	    "retry_after 300 > retry_max_wait: returned at once");
	a.retries = 0;

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/\","
	    " \"status\": 402}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_PERM && strstr(st.reason, "subscription") != NULL,
	    "402: ERR_PERM, subscription ended (%s)", st.reason);

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/\","
	    " \"status\": 403}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_PERM && strstr(st.reason, "IP whitelist") != NULL &&
	        strstr(st.reason, "rate-limit") != NULL,
	    "403: ERR_PERM mentioning the IP whitelist and an API ban");

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/\","
	    " \"status\": 403, \"body\": \"<html>Forbidden</html>\","
	    " \"content_type\": \"text/html\"}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_PERM && strstr(st.reason, "IP whitelist") != NULL,
	    "403 with an HTML body: same");

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/\","
	    " \"status\": 500}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_HTTP && st.http_status == 500 &&
	        strstr(st.reason, "server error") != NULL,
	    "500: ERR_HTTP, retryable (%s)", st.reason);

	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/\","
	    " \"status\": 200, \"body\": \"{not json\"}");
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_HTTP && strstr(st.reason, "malformed") != NULL,
	    "200 with broken JSON: ERR_HTTP");

	a.sync_timeout = 1;
	ctl(amo_url, "/__control/fail",
	    "{\"path_prefix\": \"/api/v4/contacts\","
	    " \"delay_ms\": 2500}");
	t0 = now_s();
	rc = amocrm_contact_get(&a, 41000001, &c, &st);
	dt = now_s() - t0;
	ok(rc == ERR_TIMEOUT && dt < 2.4 && c.id == 0,
	    "slow answer: ERR_TIMEOUT after the 1 s timeout (%.2f s, %s)", dt,
	    st.reason);
	amocrm_contact_free(&c);
	amocrm_free(&a);

	/* The token was checked by the mock, not by an injected fault. */
	amo_new(&a, BAD_AMO_TOKEN, &st);
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_AUTH && st.http_status == 401 &&
	        strstr(st.reason, "rejected the access token") != NULL,
	    "401: ERR_AUTH with a readable reason (%s)", st.reason);
	ok(strstr(st.reason, BAD_AMO_TOKEN) == NULL,
	    "the reason does not contain the token");
	amocrm_free(&a);

	cfg_set(&C, CFG_AMOCRM_BASE_URL, "http://127.0.0.1:1");
	amo_new(&a, NULL, &st);
	rc = amocrm_account_check(&a, NULL, &st);
	ok(rc == ERR_HTTP && st.http_status == 0 &&
	        strstr(st.reason, "could not be reached") != NULL,
	    "connection refused: ERR_HTTP (%s)", st.reason);
	amocrm_free(&a);
	cfg_set(&C, CFG_AMOCRM_BASE_URL, amo_url);
}

/*
 * Two processes share the limiter: 2 requests a second in all, so 6
 * requests take at least 2 s, and no 3 reach the mock within a second.
 */
static void
test_rate(void)
{
	struct json_object *reqs;
	double t0, dt, t[16];
	pid_t pid[2];
	size_t i, n = 0;
	int k, status, kids_ok = 1, spaced = 1;

	ctl(amo_url, "/__control/reset", "{}");
	cfg_set(&C, CFG_AMOCRM_RATE_LIMIT, "2");
	t0 = now_s();
	for (k = 0; k < 2; k++) {
		fflush(stdout);
		if ((pid[k] = fork()) == 0) {
			struct http h;
			struct amocrm a;
			struct amocrm_status st;
			int j, bad = 0;

			http_init(&h, tmpdir);
			amocrm_init(&a, &h, &C, &st);
			for (j = 0; j < 3; j++)
				if (amocrm_account_check(&a, NULL, &st) !=
				    ERR_OK)
					bad = 1;
			amocrm_free(&a);
			http_free(&h);
			_exit(bad);
		}
	}
	for (k = 0; k < 2; k++)
		if (pid[k] == -1 || waitpid(pid[k], &status, 0) == -1 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			kids_ok = 0;
	dt = now_s() - t0;
	ok(kids_ok && dt >= 1.95,
	    "2 processes x 3 requests at 2/s took "
	    "%.2f s",
	    dt);
	if ((reqs = ctl_get(amo_url, "/__control/requests")) != NULL) {
		for (i = 0; i < json_object_array_length(reqs) && n < 16; i++)
			t[n++] = json_object_get_double(json_object_object_get(
			    json_object_array_get_idx(reqs, i), "time"));
		json_object_put(reqs);
	}
	for (i = 2; i < n; i++)
		if (t[i] - t[i - 2] < 0.5)
			spaced = 0;
	ok(n == 6 && spaced, "never 3 requests within one second (%zu)", n);
	cfg_set(&C, CFG_AMOCRM_RATE_LIMIT, "7");
	ok(access(tmpdir, F_OK) == 0 &&
	        http_rate_wait(tmpdir, "../x", 1, 1) == ERR_CONFIG,
	    "a rate key with a path in it is refused");
}

/* The last message the Telegram mock delivered (caller puts), or NULL. */
static struct json_object *
tg_last(size_t *count)
{
	struct json_object *msgs, *m = NULL;
	size_t n;

	*count = 0;
	if ((msgs = ctl_get(tg_url, "/__control/messages")) == NULL)
		return NULL;
	n = json_object_array_length(msgs);
	*count = n;
	if (n > 0)
		m = json_object_get(json_object_array_get_idx(msgs, n - 1));
	json_object_put(msgs);
	return m;
}

static void
test_tg(void)
{
	static const char hello[] =
	    "<b>🎉 НОВАЯ ПРОДАЖА!</b>\n"
	    "Клиент: Иван &amp; Co &lt;VIP&gt;\nСумма: 5,000 ₸";
	struct json_object *m, *lpo, *v;
	struct tg t;
	struct tg_result res;
	char *user = NULL;
	size_t n;
	enum err rc;

	ctl(tg_url, "/__control/reset", "{}");
	rc = tg_init(&t, &H, &C, &res);
	ok(rc == ERR_OK, "Telegram client");

	rc = tg_get_me(&t, &user, &res);
	ok(rc == ERR_OK && user != NULL &&
	        strcmp(user, "amosync_test_bot") == 0,
	    "getMe: bot username");
	free(user);

	rc = tg_send_message(&t, "-1001234567890", hello, &res);
	ok(rc == ERR_OK && res.message_id == 1 && res.migrated_to == 0,
	    "sendMessage ok, message_id 1 (%s)", res.reason);
	m = tg_last(&n);
	ok(m != NULL && n == 1 && strcmp(jstr(m, "text"), hello) == 0 &&
	        strcmp(jstr(m, "parse_mode"), "HTML") == 0,
	    "delivered as sent, parse_mode HTML");
	ok(m != NULL && json_object_object_get_ex(m, "chat_id", &v) &&
	        json_object_is_type(v, json_type_int) &&
	        json_object_get_int64(v) == -1001234567890LL,
	    "integer chat id sent as a JSON number");
	ok(m != NULL &&
	        json_object_object_get_ex(m, "link_preview_options", &lpo) &&
	        json_object_object_get_ex(lpo, "is_disabled", &v) &&
	        json_object_get_boolean(v),
	    "link previews disabled");
	json_object_put(m);

	/* Faster from here: the limiter was exercised by the first send. */
	t.rate = 50;
	rc = tg_send_message(&t, "@amosync_channel", "x", &res);
	m = tg_last(&n);
	ok(rc == ERR_OK && m != NULL &&
	        strcmp(jstr(m, "chat_id"), "@amosync_channel") == 0,
	    "@channel chat id sent as a string");
	json_object_put(m);

	rc = tg_send_message(&t, NULL, "x", &res);
	ok(rc == ERR_CONFIG, "no chat id and no TELEGRAM_CHAT_ID: ERR_CONFIG");
	rc = tg_send_message(&t, "12; DROP", "x", &res);
	ok(rc == ERR_CONFIG, "malformed chat id: ERR_CONFIG");
	rc = tg_send_message(&t, "-100", "", &res);
	ok(rc == ERR_INPUT, "empty text: ERR_INPUT");

	ctl(tg_url, "/__control/fail", "{\"status\": 429, \"retry_after\": 3}");
	rc = tg_send_message(&t, "-100", "x", &res);
	ok(rc == ERR_RATE && res.retry_after == 3 && res.error_code == 429,
	    "429: ERR_RATE, retry_after 3 (%s)", res.reason);

	ctl(tg_url, "/__control/fail", "{\"status\": 403}");
	rc = tg_send_message(&t, "-100", "x", &res);
	ok(rc == ERR_PERM && strstr(res.reason, "kicked") != NULL,
	    "403 bot kicked: ERR_PERM (%s)", res.reason);

	ctl(tg_url, "/__control/fail", "{\"status\": 400}");
	rc = tg_send_message(&t, "-100", "x", &res);
	ok(rc == ERR_PERM && strstr(res.reason, "chat not found") != NULL,
	    "400 chat not found: ERR_PERM");

	rc = tg_send_message(&t, "-100", "<b>unclosed", &res);
	ok(rc == ERR_PERM && strstr(res.reason, "parse entities") != NULL,
	    "bad HTML: ERR_PERM with Telegram's description");

	ctl(tg_url, "/__control/reset", "{}");
	ctl(tg_url, "/__control/fail",
	    "{\"migrate_to_chat_id\": "
	    "-1009876543210, \"count\": 5}");
	rc = tg_send_message(&t, "-4001", "moved", &res);
	m = tg_last(&n);
	ok(rc == ERR_OK && res.migrated_to == -1009876543210LL && n == 1 &&
	        json_object_object_get_ex(m, "chat_id", &v) &&
	        json_object_get_int64(v) == -1009876543210LL,
	    "migrate_to_chat_id: resent once to the new id, reported");
	json_object_put(m);
	if ((m = ctl_get(tg_url, "/__control/requests")) != NULL) {
		ok(json_object_array_length(m) == 2,
		    "exactly two sendMessage calls for a migration");
		json_object_put(m);
	}
	ctl(tg_url, "/__control/reset", "{}");

	ctl(tg_url, "/__control/fail", "{\"status\": 500}");
	rc = tg_send_message(&t, "-100", "x", &res);
	ok(rc == ERR_HTTP, "500: ERR_HTTP");
	ctl(tg_url, "/__control/fail",
	    "{\"status\": 502, \"raw_body\": "
	    "\"<html>502 Bad Gateway</html>\"}");
	rc = tg_send_message(&t, "-100", "x", &res);
	ok(rc == ERR_HTTP && res.http_status == 502,
	    "502 with an HTML body: ERR_HTTP");
	tg_free(&t);

	cfg_set(&C, CFG_TELEGRAM_BOT_TOKEN, BAD_TG_TOKEN);
	tg_init(&t, &H, &C, &res);
	rc = tg_send_message(&t, "-100", "x", &res);
	ok(rc == ERR_AUTH && strstr(res.reason, "token") != NULL &&
	        strstr(res.reason, BAD_TG_TOKEN) == NULL &&
	        strstr(res.reason, "WRONG") == NULL,
	    "wrong token: ERR_AUTH, reason without the token (%s)", res.reason);
	tg_free(&t);
	cfg_set(&C, CFG_TELEGRAM_BOT_TOKEN, tg_token);
}

static void
test_tg_long(void)
{
	static const struct {
		const char *name, *head, *unit, *tail;
		size_t reps;
	} cases[] = {
		{ "lines with tags and entities", "",
		    "<b>Строка</b> 🎉 текст &amp; ещё <i>курсив</i>\n", "",
		    120 },
		{ "one long bold run", "<b>", "ЖЖЖЖЖЖЖЖЖЖ", "</b>", 500 },
		{ "emoji only", "", "🎉", "", 2500 },
		{ "entities only", "", "&amp;&lt;&gt;", "", 600 },
		{ "nested tags, no newline", "",
		    "<b><i><u>Ω</u> x &quot;y&quot;</i></b> ", "", 400 },
	};
	struct json_object *m;
	struct buf b = { 0 };
	struct tg t;
	struct tg_result res;
	size_t i, j, u, n;
	char *cut;
	enum err rc;

	tg_init(&t, &H, &C, &res);
	t.rate = 50;
	ok(tg_text_units("🎉a€") == 4, "UTF-16 units: emoji 2, others 1");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		buf_adds(&b, cases[i].head);
		for (j = 0; j < cases[i].reps; j++)
			buf_adds(&b, cases[i].unit);
		buf_adds(&b, cases[i].tail);
		cut = tg_text_fit(buf_str(&b), TG_TEXT_MAX);
		u = cut != NULL ? tg_text_units(cut) : 0;
		ok(cut != NULL && tg_text_units(buf_str(&b)) > 4600 &&
		        u <= TG_TEXT_MAX && u > 3000 && utf8_valid(cut) &&
		        html_balanced(cut) && strstr(cut, "…") != NULL,
		    "%s: %zu units cut to %zu, valid UTF-8 and HTML",
		    cases[i].name, tg_text_units(buf_str(&b)), u);
		if (i == 0)
			ok(cut != NULL && strstr(cut, "\n…") != NULL,
			    "cut on a line break");
		if (i == 1)
			ok(cut != NULL &&
			        strcmp(cut + strlen(cut) - 7, "…</b>") == 0,
			    "open <b> closed after the cut");
		free(cut);
	}

	/* The mock rejects over-long or broken HTML, as Telegram does. */
	ctl(tg_url, "/__control/reset", "{}");
	buf_reset(&b);
	for (j = 0; j < 130; j++)
		buf_printf(&b, "<b>%zu</b> Продажа 🎉 &amp; ₸ 5,000\n", j);
	ok(b.len > 5000, "long message is %zu bytes", b.len);
	rc = tg_send_message(&t, "-100", buf_str(&b), &res);
	m = tg_last(&n);
	ok(rc == ERR_OK && res.truncated && n == 1 &&
	        tg_text_units(jstr(m, "text")) <= TG_TEXT_MAX &&
	        utf8_valid(jstr(m, "text")),
	    "long message sent cut, accepted by the mock (%s)", res.reason);
	json_object_put(m);
	buf_reset(&b);
	cut = tg_text_fit("short <b>x</b>", TG_TEXT_MAX);
	is_str(cut, "short <b>x</b>", "short text unchanged");
	free(cut);
	cut = tg_text_fit("abcdef", 4);
	is_str(cut, "abc…", "cut to 4 units: 3 characters and the ellipsis");
	free(cut);
	cut = tg_text_fit("ab&amp;cdef", 6);
	is_str(cut, "ab…", "never inside an entity");
	free(cut);
	cut = tg_text_fit("a🎉🎉b", 3);
	is_str(cut, "a…", "an emoji that does not fit is left out whole");
	free(cut);
	buf_free(&b);
	tg_free(&t);
}

/* The log must show redacted URLs and never a token. */
static void
test_log(void)
{
	struct buf b = { 0 };
	char chunk[4096];
	const char *data;
	ssize_t n;
	int fd;

	fflush(stderr);
	if ((fd = open(logpath, O_RDONLY)) == -1) {
		ok(0, "log readable");
		return;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	data = buf_str(&b);
	ok(strstr(data, "/bot***/sendMessage") != NULL,
	    "log shows Telegram URLs with the token hidden");
	ok(strstr(data, tg_token) == NULL &&
	        strstr(data, BAD_TG_TOKEN) == NULL &&
	        strstr(data, amo_token) == NULL &&
	        strstr(data, BAD_AMO_TOKEN) == NULL,
	    "no token in the log");
	buf_free(&b);
}

int
main(void)
{
	int fd, saved, rc;

	amo_url = getenv("AMOCRM_BASE_URL");
	tg_url = getenv("TELEGRAM_API_URL");
	if (amo_url == NULL || *amo_url == '\0' || tg_url == NULL ||
	    *tg_url == '\0') {
		printf(
		    "1..0 # SKIP AMOCRM_BASE_URL or TELEGRAM_API_URL not set "
		    "(run tests/integ/clients.sh)\n");
		return 0;
	}
	amo_token = getenv("AMOCRM_ACCESS_TOKEN");
	if (amo_token == NULL || *amo_token == '\0')
		amo_token = AMO_TOKEN_DEF;
	tg_token = getenv("TELEGRAM_BOT_TOKEN");
	if (tg_token == NULL || *tg_token == '\0')
		tg_token = TG_TOKEN_DEF;
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! could not make a temporary directory\n");
		return 1;
	}
	/* Everything logged goes to a file that test_log() then reads. */
	snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
	saved = dup(2);
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
		dup2(fd, 2);
		close(fd);
	}
	log_init("clients-t", "debug");

	plan_lazy();
	if (cfg_load(&C, NULL) != ERR_OK || http_init(&H, tmpdir) != ERR_OK) {
		printf("Bail out! could not set up\n");
		return 1;
	}
	cfg_set(&C, CFG_AMOCRM_BASE_URL, amo_url);
	cfg_set(&C, CFG_AMOCRM_RATE_LIMIT, "7");
	cfg_set(&C, CFG_TELEGRAM_API_URL, tg_url);
	cfg_set(&C, CFG_TELEGRAM_BOT_TOKEN, tg_token);
	cfg_set(&C, CFG_TELEGRAM_CHAT_ID, "");
	cfg_set(&C, CFG_RUN_DIR, tmpdir);

	test_config();
	test_http();
	test_amo_fetch();
	test_amo_list();
	test_amo_errors();
	test_rate();
	test_amo_contacts();
	test_tg();
	test_tg_long();
	test_log();

	http_free(&H);
	cfg_free(&C);
	if (saved != -1) {
		dup2(saved, 2);
		close(saved);
	}
	if ((rc = exit_status()) == 0) {
		unlink(logpath);
		snprintf(logpath, sizeof(logpath), "%s/ratelimit-amocrm",
		    tmpdir);
		unlink(logpath);
		snprintf(logpath, sizeof(logpath), "%s/ratelimit-telegram",
		    tmpdir);
		unlink(logpath);
		rmdir(tmpdir);
	} else
		diag("log kept in %s", logpath);
	return rc;
}
