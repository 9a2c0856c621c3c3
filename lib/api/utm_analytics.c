/*
 * The program "utm-analytics": UTM analysis under the original's URLs
 * (R15; report/utm.c), every list also as ?format=csv. Every one reads
 * one period: the days days (default 30) ending at end (default today),
 * unless start is given; without dates, the same answer as with them.
 *   GET /api/utm-analytics/overview?days=30&start=&end=
 *   GET /api/utm-analytics/top-sources?limit=10&days=30&start=&end=
 *   GET /api/utm-analytics/top-campaigns?limit=10&source=&days=30&start=&end=
 *   GET /api/utm-analytics/without-utm?limit=50&days=30&start=&end=
 *   GET /api/utm-analytics/daily-stats?days=30&source=&campaign=&start=&end=
 *   GET /api/utm-analytics/search?utm_source=&utm_campaign=&utm_medium=
 *       &targetologist=&days=30&start=&end=&limit=100
 *   GET /api/utm-analytics/source-details/{source}?days=30&start=&end=
 */
#include <string.h>

#include "api/programs.h"
#include "api/report_http.h"
#include "base/text.h"
#include "report/utm.h"

#define DAYS_MAX 3660
#define LIST_MAX 1000  /* rows of a JSON list */
#define CSV_MAX 100000 /* rows of a CSV list */
#define VALUE_CHARS 500
#define RECENT 20 /* recent sales of a source */

static const char *
tz(const struct route_req *r)
{
	const struct app *app = r->ctx;

	return cfg_str(&app->cfg, CFG_TIMEZONE);
}

static struct db *
db(const struct route_req *r)
{
	struct app *app = r->ctx;

	return &app->traffic;
}

/*
 * The common parameters: format, start and end, and limit (def; the
 * maximum is larger for CSV); q->start/end are borrowed from r.
 */
static enum err
common(struct route_req *r, struct utm_q *q, long long def, int *csv)
{
	enum err rc;

	memset(q, 0, sizeof(*q));
	q->tz = tz(r);
	q->limit = def;
	if ((rc = report_http_format(r, csv)) != ERR_OK ||
	    (rc = report_http_range(r, &q->start, &q->end)) != ERR_OK)
		return rc;
	if (def > 0 &&
	    (rc = route_query_int(r, "limit", 1, *csv ? CSV_MAX : LIST_MAX,
	         &q->limit)) != ERR_OK)
		return rc;
	return ERR_OK;
}

/*
 * A period of days (default 30) ending at end (default today), unless
 * start is given: from, to and ndays are the period's dates and length.
 */
static enum err
period(struct route_req *r, struct utm_q *q, char *from, char *to,
    long long *ndays)
{
	long long days = 30;
	enum err rc;

	if ((rc = route_query_int(r, "days", 1, DAYS_MAX, &days)) != ERR_OK ||
	    (rc = utm_period(db(r), q->start, q->end, days, q->tz, from, to,
	         ndays)) != ERR_OK)
		return rc;
	if (*ndays > DAYS_MAX)
		return route_fail(r, ERR_VALIDATION, "start",
		    "the period must be at most 3660 days");
	if (*ndays < 1)
		return route_fail(r, ERR_VALIDATION, "start",
		    "must not be after today when end is not given");
	q->start = from;
	q->end = to;
	return ERR_OK;
}

static void
period_json(struct route_req *r, const struct utm_q *q, long long ndays)
{
	jw_obj(&r->w, "period");
	jw_str(&r->w, "start", q->start);
	jw_str(&r->w, "end", q->end);
	if (ndays > 0)
		jw_int(&r->w, "days", ndays);
	jw_obj_end(&r->w);
}

/* Runs report f over q and answers it through r. */
static enum err
answer(struct route_req *r, int csv, const struct utm_q *q,
    enum err (*f)(struct db *, const struct utm_q *, const struct report_out *))
{
	struct report_out out;
	struct buf b;

	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out, f(db(r), q, &out));
}

static enum err
overview(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 0, &csv)) != ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return answer(r, csv, &q, utm_overview);
}

static enum err
top_sources(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 10, &csv)) != ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return answer(r, csv, &q, utm_top_sources);
}

static enum err
top_campaigns(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 10, &csv)) != ERR_OK ||
	    (rc = route_query_str(r, "source", VALUE_CHARS, &q.source)) !=
	        ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return answer(r, csv, &q, utm_top_campaigns);
}

static enum err
without_utm(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 50, &csv)) != ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return answer(r, csv, &q, utm_without);
}

static enum err
daily_stats(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 0, &csv)) != ERR_OK ||
	    (rc = route_query_str(r, "source", VALUE_CHARS, &q.source)) !=
	        ERR_OK ||
	    (rc = route_query_str(r, "campaign", VALUE_CHARS, &q.campaign)) !=
	        ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return answer(r, csv, &q, utm_daily);
}

static enum err
search(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 100, &csv)) != ERR_OK ||
	    (rc = route_query_str(r, "utm_source", VALUE_CHARS, &q.source)) !=
	        ERR_OK ||
	    (rc = route_query_str(r, "utm_campaign", VALUE_CHARS,
	         &q.campaign)) != ERR_OK ||
	    (rc = route_query_str(r, "utm_medium", VALUE_CHARS, &q.medium)) !=
	        ERR_OK ||
	    (rc = route_query_str(r, "targetologist", VALUE_CHARS,
	         &q.targetologist)) != ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return answer(r, csv, &q, utm_search);
}

static enum err
source_details(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	enum err rc;
	int csv;

	if (r->arg[0][0] == '\0' ||
	    !text_utf8_valid(r->arg[0], strlen(r->arg[0])))
		return route_fail(r, ERR_VALIDATION, "source",
		    "must be UTF-8 text of at most 200 bytes");
	if ((rc = common(r, &q, 0, &csv)) != ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK)
		return rc;
	q.source = r->arg[0];
	q.limit = RECENT;
	if (!csv) {
		jw_str(&r->w, "source", q.source);
		period_json(r, &q, ndays);
	}
	return answer(r, csv, &q, utm_source_details);
}

static const struct route routes[] = {
	{ WEB_GET, "/api/utm-analytics/overview", overview, 0, NULL },
	{ WEB_GET, "/api/utm-analytics/top-sources", top_sources, 0, NULL },
	{ WEB_GET, "/api/utm-analytics/top-campaigns", top_campaigns, 0, NULL },
	{ WEB_GET, "/api/utm-analytics/without-utm", without_utm, 0, NULL },
	{ WEB_GET, "/api/utm-analytics/daily-stats", daily_stats, 0, NULL },
	{ WEB_GET, "/api/utm-analytics/search", search, 0, NULL },
	{ WEB_GET, "/api/utm-analytics/source-details/{source}", source_details,
	    0, NULL },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

const struct prog api_utm_analytics = {
	.name = "utm-analytics",
	.needs = APP_TRAFFIC,
	.routes = tables,
	.nroutes = 1,
	.traffic_tx_sql = REPORT_TX_SQL,
};
