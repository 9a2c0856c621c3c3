#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/admin.h"
#include "api/report_http.h"
#include "api/traffic.h"
#include "base/csv.h"
#include "base/money.h"
#include "report/ad_spend.h"
#include "report/fb_import.h"
#include "report/roi.h"
#include "teams/campaign_map.h"

/*
 * /api/traffic/ad-spend and /api/traffic/roi: ad spend per team and day,
 * uploaded as JSON rows or a CSV file (report/ad_spend.c) or imported
 * from Facebook (report/fb_import.c: a backfill on demand, the runs), and
 * the ROI per team, per campaign and per day (report/roi.c).
 */

#define LIST_MAX 1000
#define CSV_MAX 100000

/* One upload row as read, before its checks; strings borrowed. */
struct spend_row {
	long long line;
	const char *team, *date, *amount, *currency, *campaign, *rate;
};

/* Refuses the upload because of a row: 400 naming line and field. */
static enum err
bad_row(struct route_req *r, const char *unit, long long line,
    const char *field, const char *reason)
{
	char why[200];

	snprintf(why, sizeof(why), "%s %lld: %s", unit, line, reason);
	route_errorf(r, "%s %lld: %s: %s; nothing was stored", unit, line,
	    field, reason);
	return route_fail(r, ERR_VALIDATION, field, why);
}

static int
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
}

/* Checks one row and appends it to the rows for ad_spend_store(). */
static enum err
add_row(struct route_req *r, struct jw *w, const char *unit,
    const struct spend_row *x)
{
	const char *why = NULL, *cur = "KZT", *rate = NULL, *cfgrate;
	char *amount = NULL;

	if (blank(x->team) ||
	    jread_chars(x->team, strlen(x->team)) > AD_SPEND_MAX_TEAM)
		return bad_row(r, unit, x->line, "team",
		    "must be a team name of at most 100 characters");
	if (!route_valid_date(x->date))
		return bad_row(r, unit, x->line, "date",
		    "must be a date such as 2025-12-01");
	if (x->amount == NULL)
		return bad_row(r, unit, x->line, "amount", "is required");
	if (money_parse(x->amount, &amount, &why) != ERR_OK)
		return bad_row(r, unit, x->line, "amount",
		    why != NULL ? why : "must be an amount such as 1500.50");
	if (!blank(x->currency)) {
		if (strcasecmp(x->currency, "KZT") == 0)
			cur = "KZT";
		else if (strcasecmp(x->currency, "USD") == 0)
			cur = "USD";
		else
			cur = NULL;
	}
	if (cur == NULL) {
		free(amount);
		return bad_row(r, unit, x->line, "currency",
		    "must be KZT or USD");
	}
	if (!blank(x->campaign) &&
	    jread_chars(x->campaign, strlen(x->campaign)) >
	        AD_SPEND_MAX_CAMPAIGN) {
		free(amount);
		return bad_row(r, unit, x->line, "campaign",
		    "must be at most 200 characters");
	}
	if (!blank(x->rate)) {
		rate = x->rate;
		if (!ad_spend_rate_ok(rate)) {
			free(amount);
			return bad_row(r, unit, x->line, "usd_to_kzt_rate",
			    "must be a rate above zero such as 512.25");
		}
	}
	if (strcmp(cur, "USD") == 0 && rate == NULL) {
		cfgrate = cfg_str(&tctx(r)->app->cfg, CFG_USD_KZT_RATE);
		if (!ad_spend_rate_ok(cfgrate)) {
			free(amount);
			return bad_row(r, unit, x->line, "usd_to_kzt_rate",
			    "is required for USD (AMOSYNC_USD_KZT_RATE "
			    "is not set to a rate)");
		}
		rate = cfgrate;
	}
	if (strcmp(cur, "KZT") == 0)
		rate = NULL;
	jw_obj(w, NULL);
	jw_int(w, "line", x->line);
	jw_str(w, "team", x->team);
	jw_str(w, "date", x->date);
	jw_numstr(w, "amount", amount);
	jw_str(w, "currency", cur);
	jw_str(w, "campaign", blank(x->campaign) ? "" : x->campaign);
	if (rate != NULL)
		jw_numstr(w, "rate", rate);
	else
		jw_null(w, "rate");
	jw_obj_end(w);
	free(amount);
	return ERR_OK;
}

/* Reads a rate given as a string or a number; NULL when absent. */
static enum err
json_rate(struct jread *in, char **out)
{
	const char *s;

	*out = NULL;
	if (jread_str(in, "usd_to_kzt_rate", 32, 0, &s) == ERR_OK) {
		if (s != NULL && (*out = strdup(s)) == NULL)
			return ERR_NOMEM;
		return ERR_OK;
	}
	/* A number: as the amount reader writes it (2 decimals at most). */
	return jread_amount(in, "usd_to_kzt_rate", out);
}

/* {"rows": [{team, date, amount, currency, campaign, usd_to_kzt_rate}]} */
static enum err
rows_json(struct route_req *r, struct jw *w)
{
	static const char *const top[] = { "rows", NULL };
	static const char *const keys[] = { "team", "date", "amount",
		"currency", "campaign", "usd_to_kzt_rate", NULL };
	struct jread_limits lim;
	struct spend_row x;
	struct jread row;
	char *amount, *rate, name[64];
	size_t i, n;
	enum err rc;

	jread_limits_default(&lim);
	lim.max_body = r->max_body;
	if ((rc = jread_parse(&r->in, r->req->body, r->req->bodysz, &lim)) !=
	    ERR_OK) {
		route_errorf(r, "%s", r->in.reason);
		return rc;
	}
	if ((rc = jread_only(&r->in, top)) != ERR_OK ||
	    (rc = jread_arr(&r->in, "rows", AD_SPEND_MAX_ROWS, &n)) != ERR_OK)
		return rc;
	if (n == 0)
		return route_fail(r, ERR_VALIDATION, "rows",
		    "must hold at least one row");
	for (i = 0; i < n; i++) {
		memset(&x, 0, sizeof(x));
		amount = rate = NULL;
		x.line = (long long)i + 1;
		if ((rc = jread_elem_obj(&r->in, "rows", i, &row)) != ERR_OK)
			return rc;
		if ((rc = jread_only(&row, keys)) == ERR_OK &&
		    (rc = jread_str(&row, "team", 200, 0, &x.team)) == ERR_OK &&
		    (rc = jread_str(&row, "date", 10, 0, &x.date)) == ERR_OK &&
		    (rc = jread_str(&row, "currency", 8, 0, &x.currency)) ==
		        ERR_OK &&
		    (rc = jread_str(&row, "campaign", 400, 0, &x.campaign)) ==
		        ERR_OK &&
		    (rc = json_rate(&row, &rate)) == ERR_OK &&
		    (rc = jread_amount(&row, "amount", &amount)) == ERR_OK) {
			x.amount = amount;
			x.rate = rate;
			rc = add_row(r, w, "row", &x);
		} else if (rc == ERR_VALIDATION || rc == ERR_UTF8) {
			snprintf(name, sizeof(name), "%s", row.field);
			rc = bad_row(r, "row", x.line, name, row.reason);
		}
		free(amount);
		free(rate);
		jread_free(&row);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* The columns of an uploaded CSV file, found by the header's names. */
enum up_col {
	UC_TEAM,
	UC_DATE,
	UC_AMOUNT,
	UC_CURRENCY,
	UC_CAMPAIGN,
	UC_RATE,
	UC__MAX
};

static const char *const up_names[UC__MAX] = {
	"team",            /* UC_TEAM */
	"date",            /* UC_DATE */
	"amount",          /* UC_AMOUNT */
	"currency",        /* UC_CURRENCY */
	"campaign",        /* UC_CAMPAIGN */
	"usd_to_kzt_rate", /* UC_RATE */
};

/* A CSV file with a header row naming team, date, amount and more. */
static enum err
rows_csv(struct route_req *r, struct jw *w)
{
	struct csv_limits lim;
	struct csv_doc doc;
	struct spend_row x;
	int col[UC__MAX];
	const struct csv_row *h;
	size_t i, k;
	enum err rc;

	csv_limits_default(&lim);
	lim.max_rows = AD_SPEND_MAX_ROWS + 1;
	lim.max_fields = 16;
	lim.max_field = 1024;
	if ((rc = csv_parse(&doc, r->req->body ? r->req->body : "",
	         r->req->bodysz, &lim)) != ERR_OK) {
		rc = bad_row(r, "line", (long long)doc.line, "file",
		    doc.reason);
		goto out;
	}
	if (doc.n < 2) {
		rc = route_fail(r, ERR_VALIDATION, "file",
		    "must have a header row and at least one row");
		goto out;
	}
	h = &doc.rows[0];
	for (k = 0; k < UC__MAX; k++) {
		col[k] = -1;
		for (i = 0; i < h->n; i++)
			if (strcasecmp(h->f[i], up_names[k]) == 0)
				col[k] = (int)i;
	}
	for (k = 0; k <= UC_AMOUNT; k++)
		if (col[k] < 0) {
			rc = bad_row(r, "line", (long long)h->line, up_names[k],
			    "the header row must name this column");
			goto out;
		}
	for (i = 1; i < doc.n; i++) {
		const struct csv_row *row = &doc.rows[i];
		const char *v[UC__MAX];

		if (row->n != h->n) {
			rc = bad_row(r, "line", (long long)row->line, "file",
			    "must have as many fields as the header row");
			goto out;
		}
		for (k = 0; k < UC__MAX; k++)
			v[k] = col[k] >= 0 ? row->f[col[k]] : NULL;
		memset(&x, 0, sizeof(x));
		x.line = (long long)row->line;
		x.team = v[UC_TEAM];
		x.date = v[UC_DATE];
		x.amount = v[UC_AMOUNT];
		x.currency = v[UC_CURRENCY];
		x.campaign = v[UC_CAMPAIGN];
		x.rate = v[UC_RATE];
		if ((rc = add_row(r, w, "line", &x)) != ERR_OK)
			goto out;
	}
	rc = ERR_OK;
out:
	csv_doc_free(&doc);
	return rc;
}

static int
ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * POST /api/traffic/ad-spend: JSON rows or a CSV file, stored whole or
 * not at all; a bad row is named by its line (CSV) or row (JSON).
 */
static enum err
spend_post(struct route_req *r)
{
	long long inserted, updated;
	struct ad_spend_bad bad;
	struct buf rows;
	struct jw w;
	enum err rc;
	const char *unit;

	if (r->req->too_big) {
		route_errorf(r, "body of %zu bytes is over the %zu-byte limit",
		    r->req->content_length, r->max_body);
		return ERR_TOOBIG;
	}
	buf_init(&rows);
	jw_init(&w, &rows);
	jw_arr(&w, NULL);
	if (ctype_is(r->req->ctype, "application/json")) {
		unit = "row";
		rc = rows_json(r, &w);
	} else if (ctype_is(r->req->ctype, "text/csv")) {
		unit = "line";
		rc = rows_csv(r, &w);
	} else {
		r->errstatus = 415;
		route_errorf(r,
		    "Content-Type must be application/json or "
		    "text/csv");
		rc = ERR_INPUT;
	}
	jw_arr_end(&w);
	if (rc == ERR_OK && (rc = buf_err(&rows)) == ERR_OK) {
		rc = ad_spend_store(tdb(r), buf_str(&rows),
		    admin_actor(r, tctx(r)->app), &inserted, &updated, &bad);
		if (rc == ERR_VALIDATION)
			rc = bad_row(r, unit, bad.line, bad.field, bad.reason);
	}
	buf_free(&rows);
	if (rc != ERR_OK)
		return rc;
	jw_int(&r->w, "stored", inserted + updated);
	jw_int(&r->w, "inserted", inserted);
	jw_int(&r->w, "updated", updated);
	return ERR_OK;
}

/* GET /api/traffic/ad-spend?start=&end=&team=&limit=&format= */
static enum err
spend_get(struct route_req *r)
{
	const char *start, *end, *team;
	struct report_out out;
	struct buf b;
	long long n;
	enum err rc;
	int csv;

	if ((rc = report_http_format(r, &csv)) != ERR_OK)
		return rc;
	n = csv ? CSV_MAX : 100;
	if ((rc = report_http_range(r, &start, &end)) != ERR_OK ||
	    (rc = route_query_str(r, "team", MAX_NAME, &team)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, csv ? CSV_MAX : LIST_MAX,
	         &n)) != ERR_OK)
		return rc;
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out,
	    ad_spend_list(tdb(r), start, end, team, n, &out));
}

/* GET /api/traffic/roi?start=&end=&format= */
static enum err
roi_get(struct route_req *r)
{
	const char *start, *end;
	struct report_out out;
	struct buf b;
	enum err rc;
	int csv;

	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = report_http_range_req(r, &start, &end)) != ERR_OK)
		return rc;
	if (!csv) {
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", start);
		jw_str(&r->w, "end", end);
		jw_obj_end(&r->w);
		jw_str(&r->w, "currency", "KZT");
	}
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out,
	    roi(tdb(r), start, end, cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE),
	        &out));
}

/* GET /api/traffic/roi/campaigns?start=&end=&team=&format= */
static enum err
campaigns_get(struct route_req *r)
{
	struct app *app = tctx(r)->app;
	const char *start, *end, *team;
	struct report_out out;
	struct buf b;
	enum err rc;
	int csv;

	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = report_http_range_req(r, &start, &end)) != ERR_OK ||
	    (rc = route_query_str(r, "team", MAX_NAME, &team)) != ERR_OK)
		return rc;
	if (!csv) {
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", start);
		jw_str(&r->w, "end", end);
		jw_obj_end(&r->w);
		jw_str(&r->w, "currency", "KZT");
		jw_bool(&r->w, "leads_counted", app->has_landing);
	}
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out,
	    roi_campaigns(tdb(r), app->has_landing ? &app->landing : NULL,
	        start, end, cfg_str(&app->cfg, CFG_TIMEZONE), team, &out));
}

/* GET /api/traffic/roi/daily?start=&end=&team=&format= */
static enum err
daily_get(struct route_req *r)
{
	const char *start, *end, *team;
	struct report_out out;
	struct buf b;
	enum err rc;
	int csv;

	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = report_http_range_req(r, &start, &end)) != ERR_OK ||
	    (rc = route_query_str(r, "team", MAX_NAME, &team)) != ERR_OK)
		return rc;
	if (!csv)
		jw_str(&r->w, "currency", "KZT");
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out,
	    roi_daily(tdb(r), start, end,
	        cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE), team, &out));
}

/* Days from a to b (YYYY-MM-DD, checked), b included. */
static long
days_incl(const char *a, const char *b)
{
	struct tm ta, tb;

	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
	sscanf(a, "%d-%d-%d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday);
	sscanf(b, "%d-%d-%d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday);
	ta.tm_year -= 1900;
	tb.tm_year -= 1900;
	ta.tm_mon--;
	tb.tm_mon--;
	return (long)((timegm(&tb) - timegm(&ta)) / 86400) + 1;
}

static enum err
import_date(struct route_req *r, const char *key, const char **out)
{
	enum err rc;

	if ((rc = jread_str(&r->in, key, 10, 0, out)) != ERR_OK)
		return rc;
	if (*out == NULL || !route_valid_date(*out))
		return route_fail(r, ERR_VALIDATION, key,
		    "is required: a date such as 2025-12-01");
	return ERR_OK;
}

/*
 * POST /api/traffic/ad-spend/import {"start", "end", "team"}: a backfill
 * from Facebook, one job per ad account of the team (absent: every active
 * team); the worker runs them. 202 with the jobs.
 */
static enum err
import_post(struct route_req *r)
{
	static const char *const keys[] = { "start", "end", "team", NULL };
	struct app *app = tctx(r)->app;
	const char *start, *end, *team;
	long days, max = (long)cfg_int(&app->cfg, CFG_FB_BACKFILL_DAYS);
	char why[120];
	enum err rc;

	if ((rc = jread_only(&r->in, keys)) != ERR_OK ||
	    (rc = import_date(r, "start", &start)) != ERR_OK ||
	    (rc = import_date(r, "end", &end)) != ERR_OK ||
	    (rc = jread_str(&r->in, "team", MAX_NAME, 0, &team)) != ERR_OK)
		return rc;
	if (strcmp(start, end) > 0)
		return route_fail(r, ERR_VALIDATION, "end",
		    "must not be before start");
	if ((days = days_incl(start, end)) > max) {
		snprintf(why, sizeof(why),
		    "must be at most %ld days after start "
		    "(AMOSYNC_FB_BACKFILL_DAYS)",
		    max - 1);
		return route_fail(r, ERR_VALIDATION, "end", why);
	}
	if (*cfg_str(&app->cfg, CFG_FB_ACCESS_TOKEN) == '\0') {
		route_errorf(r,
		    "FB_ACCESS_TOKEN is not set: no spend can be "
		    "imported from Facebook");
		return ERR_CONFLICT;
	}
	rc = fb_import_request(tdb(r), team, start, end, admin_actor(r, app),
	    &r->w);
	if (rc == ERR_NOTFOUND) {
		route_errorf(r, "%s",
		    team != NULL ? "no active team of that name has an ad "
		                   "account (fb_ad_account_id)"
		                 : "no active team has an ad account "
		                   "(fb_ad_account_id)");
		return ERR_NOTFOUND;
	}
	if (rc == ERR_OK)
		r->status = 202;
	return rc;
}

/* GET /api/traffic/ad-spend/imports?limit= */
static enum err
imports_get(struct route_req *r)
{
	long long n = 50;
	enum err rc;

	if ((rc = route_query_int(r, "limit", 1, LIST_MAX, &n)) != ERR_OK)
		return rc;
	jw_bool(&r->w, "facebook_configured",
	    *cfg_str(&tctx(r)->app->cfg, CFG_FB_ACCESS_TOKEN) != '\0');
	return fb_import_runs(tdb(r), (int)n, &r->w);
}

/* Reads a rate given as a string or a number under key of in. */
static enum err
rate_of(struct jread *in, const char *key, char **out)
{
	const char *s;

	*out = NULL;
	if (jread_str(in, key, 32, 0, &s) == ERR_OK) {
		if (s != NULL && (*out = strdup(s)) == NULL)
			return ERR_NOMEM;
		return ERR_OK;
	}
	return jread_amount(in, key, out);
}

/*
 * POST /api/traffic/currency-rates {"rows": [{"currency", "date",
 * "rate"}]}: KZT per unit of a currency on a day, for the Facebook
 * imports; stored whole or not at all, a day's rate replaced.
 */
static enum err
rates_post(struct route_req *r)
{
	static const char *const top[] = { "rows", NULL };
	static const char *const keys[] = { "currency", "date", "rate", NULL };
	const char *cur, *date;
	char *rate, cu[4], why[200], name[64];
	struct jread row;
	struct buf rows;
	struct jw w;
	size_t i, n, k;
	long stored;
	enum err rc;

	if ((rc = jread_only(&r->in, top)) != ERR_OK ||
	    (rc = jread_arr(&r->in, "rows", AD_SPEND_MAX_ROWS, &n)) != ERR_OK)
		return rc;
	if (n == 0)
		return route_fail(r, ERR_VALIDATION, "rows",
		    "must hold at least one row");
	buf_init(&rows);
	jw_init(&w, &rows);
	jw_arr(&w, NULL);
	for (i = 0, rc = ERR_OK; i < n && rc == ERR_OK; i++) {
		rate = NULL;
		if ((rc = jread_elem_obj(&r->in, "rows", i, &row)) != ERR_OK)
			break;
		if ((rc = jread_only(&row, keys)) != ERR_OK ||
		    (rc = jread_str(&row, "currency", 3, 0, &cur)) != ERR_OK ||
		    (rc = jread_str(&row, "date", 10, 0, &date)) != ERR_OK ||
		    (rc = rate_of(&row, "rate", &rate)) != ERR_OK) {
			snprintf(name, sizeof(name), "%s", row.field);
			snprintf(why, sizeof(why), "row %zu: %s", i + 1,
			    row.reason);
			if (rc == ERR_VALIDATION || rc == ERR_UTF8)
				rc = route_fail(r, ERR_VALIDATION, name, why);
		} else {
			for (k = 0; cur != NULL && k < 3 && cur[k] != '\0'; k++)
				cu[k] = (char)(cur[k] >= 'a' && cur[k] <= 'z'
				        ? cur[k] - 'a' + 'A'
				        : cur[k]);
			cu[k] = '\0';
			if (k != 3 ||
			    strspn(cu, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3 ||
			    strcmp(cu, "KZT") == 0) {
				snprintf(why, sizeof(why),
				    "row %zu: must be a currency code such as "
				    "USD (not KZT)",
				    i + 1);
				rc = route_fail(r, ERR_VALIDATION, "currency",
				    why);
			} else if (!route_valid_date(date)) {
				snprintf(why, sizeof(why),
				    "row %zu: must be a date such as "
				    "2025-12-01",
				    i + 1);
				rc = route_fail(r, ERR_VALIDATION, "date", why);
			} else if (!ad_spend_rate_ok(rate)) {
				snprintf(why, sizeof(why),
				    "row %zu: must be a rate above zero such "
				    "as 512.25",
				    i + 1);
				rc = route_fail(r, ERR_VALIDATION, "rate", why);
			} else {
				jw_obj(&w, NULL);
				jw_str(&w, "currency", cu);
				jw_str(&w, "date", date);
				jw_numstr(&w, "rate", rate);
				jw_obj_end(&w);
			}
		}
		free(rate);
		jread_free(&row);
	}
	jw_arr_end(&w);
	if (rc == ERR_OK && (rc = buf_err(&rows)) == ERR_OK)
		rc = ad_spend_rates_store(tdb(r), buf_str(&rows),
		    admin_actor(r, tctx(r)->app), &stored);
	buf_free(&rows);
	if (rc == ERR_OK)
		jw_int(&r->w, "stored", stored);
	return rc;
}

/* GET /api/traffic/currency-rates?currency=&limit= */
static enum err
rates_get(struct route_req *r)
{
	const char *cur;
	long long n = 100;
	enum err rc;

	if ((rc = route_query_str(r, "currency", 3, &cur)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, LIST_MAX, &n)) != ERR_OK)
		return rc;
	return ad_spend_rates_list(tdb(r), cur, (int)n, &r->w);
}

/* GET /api/traffic/campaign-map */
static enum err
map_get(struct route_req *r)
{
	return teams_campaign_map_list(tdb(r), &r->w);
}

/* POST /api/traffic/campaign-map {"utm_campaign", "campaign"}: 201. */
static enum err
map_post(struct route_req *r)
{
	static const char *const keys[] = { "utm_campaign", "campaign", NULL };
	const char *utm, *campaign;
	enum err rc;

	if ((rc = jread_only(&r->in, keys)) != ERR_OK ||
	    (rc = jread_str(&r->in, "utm_campaign", CAMPAIGN_MAP_MAX, 0,
	         &utm)) != ERR_OK ||
	    (rc = jread_str(&r->in, "campaign", CAMPAIGN_MAP_MAX, 0,
	         &campaign)) != ERR_OK)
		return rc;
	if (blank(utm))
		return route_fail(r, ERR_VALIDATION, "utm_campaign",
		    "is required: the utm_campaign of the sales and leads");
	if (blank(campaign))
		return route_fail(r, ERR_VALIDATION, "campaign",
		    "is required: the name of the ad campaign it means");
	rc = teams_campaign_map_create(tdb(r), admin_actor(r, tctx(r)->app),
	    utm, campaign, &r->w);
	if (rc == ERR_CONFLICT)
		return route_fail(r, ERR_CONFLICT, "utm_campaign",
		    "is mapped already: delete that mapping first");
	if (rc == ERR_OK)
		r->status = 201;
	return rc;
}

/* DELETE /api/traffic/campaign-map/{id} */
static enum err
map_delete(struct route_req *r)
{
	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	return teams_campaign_map_delete(tdb(r), admin_actor(r, tctx(r)->app),
	    r->arg[0], &r->w);
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/currency-rates", rates_get, 0, NULL },
	{ WEB_POST, "/api/traffic/currency-rates", rates_post, ROUTE_BODY,
	    NULL },
	{ WEB_GET, "/api/traffic/campaign-map", map_get, 0, NULL },
	{ WEB_POST, "/api/traffic/campaign-map", map_post, ROUTE_BODY, NULL },
	{ WEB_DELETE, "/api/traffic/campaign-map/{id}", map_delete, 0,
	    "mapping" },
	{ WEB_GET, "/api/traffic/ad-spend", spend_get, 0, NULL },
	{ WEB_POST, "/api/traffic/ad-spend", spend_post, 0, NULL },
	{ WEB_POST, "/api/traffic/ad-spend/import", import_post, ROUTE_BODY,
	    NULL },
	{ WEB_GET, "/api/traffic/ad-spend/imports", imports_get, 0, NULL },
	{ WEB_GET, "/api/traffic/roi", roi_get, 0, NULL },
	{ WEB_GET, "/api/traffic/roi/campaigns", campaigns_get, 0, NULL },
	{ WEB_GET, "/api/traffic/roi/daily", daily_get, 0, NULL },
};

const struct route_table traffic_roi_routes = ROUTE_TABLE(routes);
