/*
 * The program "utm-analytics": UTM analysis under the original's URLs
 * (R15; report/utm.c), every list also as ?format=csv.
 *   GET /api/utm-analytics/overview?days=30&start=&end=
 *   GET /api/utm-analytics/top-sources?limit=10&start=&end=
 *   GET /api/utm-analytics/top-campaigns?limit=10&source=&start=&end=
 *   GET /api/utm-analytics/without-utm?limit=50&start=&end=
 *   GET /api/utm-analytics/daily-stats?days=30&source=&campaign=&start=&end=
 *   GET /api/utm-analytics/search?utm_source=&utm_campaign=&utm_medium=
 *       &targetologist=&start=&end=&limit=100
 *   GET /api/utm-analytics/source-details/{source}?days=30&start=&end=
 */
#include <string.h>

#include "api/programs.h"
#include "base/text.h"
#include "report/out.h"
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
	if ((rc = report_format(r, csv)) != ERR_OK ||
	    (rc = report_range(r, &q->start, &q->end)) != ERR_OK)
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

/* The rows of one kind of an overview, as {key, [source,] sales, revenue}. */
static void
overview_list(struct route_req *r, const PGresult *res, const char *kind,
    const char *list, const char *key, int col)
{
	int i;

	jw_arr(&r->w, list);
	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(db_val(res, i, UO_KIND), kind) != 0)
			continue;
		jw_obj(&r->w, NULL);
		jw_str(&r->w, key, db_val(res, i, col));
		if (col == UO_CAMPAIGN)
			jw_str(&r->w, "source", db_val(res, i, UO_SOURCE));
		jw_numstr(&r->w, "sales", db_val(res, i, UO_SALES));
		jw_numstr(&r->w, "revenue", db_val(res, i, UO_REVENUE));
		jw_obj_end(&r->w);
	}
	jw_arr_end(&r->w);
}

static enum err
overview(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	PGresult *res;
	const char *cov;
	enum err rc;
	int csv, t;

	if ((rc = common(r, &q, 0, &csv)) != ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK ||
	    (rc = utm_overview(db(r), &q, &res)) != ERR_OK)
		return rc;
	if (csv) {
		/* Every group but the total. */
		rc = report_csv(r, res, PQntuples(res) - 1, utm_overview_cols,
		    utm_overview_ncols);
		PQclear(res);
		return rc;
	}
	t = PQntuples(res) - 1; /* "total" sorts last */
	period_json(r, &q, ndays);
	jw_obj(&r->w, "summary");
	jw_numstr(&r->w, "total_sales", db_val(res, t, UO_SALES));
	jw_numstr(&r->w, "total_revenue", db_val(res, t, UO_REVENUE));
	jw_numstr(&r->w, "avg_sale", db_val(res, t, UO_AVG));
	jw_numstr(&r->w, "sales_without_utm", db_val(res, t, UO_WITHOUT));
	/* The original's quirk, kept: a string with 2 decimals, or 0. */
	if ((cov = db_val(res, t, UO_COVERAGE)) != NULL)
		jw_str(&r->w, "utm_coverage", cov);
	else
		jw_int(&r->w, "utm_coverage", 0);
	jw_obj_end(&r->w);
	overview_list(r, res, "source", "by_source", "source", UO_SOURCE);
	overview_list(r, res, "campaign", "by_campaign", "campaign",
	    UO_CAMPAIGN);
	overview_list(r, res, "medium", "by_medium", "medium", UO_MEDIUM);
	overview_list(r, res, "targetologist", "by_targetologist",
	    "targetologist", UO_TEAM);
	PQclear(res);
	return ERR_OK;
}

/* Answers rows as list (JSON) or CSV. */
static enum err
rows_out(struct route_req *r, int csv, PGresult *res, const char *list,
    const struct report_col *cols, size_t ncols)
{
	enum err rc = ERR_OK;

	if (csv)
		rc = report_csv(r, res, -1, cols, ncols);
	else
		report_json(&r->w, list, res, cols, ncols);
	PQclear(res);
	return rc;
}

static enum err
top_sources(struct route_req *r)
{
	struct utm_q q;
	PGresult *res;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 10, &csv)) != ERR_OK ||
	    (rc = utm_top_sources(db(r), &q, &res)) != ERR_OK)
		return rc;
	return rows_out(r, csv, res, "sources", utm_sources_cols,
	    utm_sources_ncols);
}

static enum err
top_campaigns(struct route_req *r)
{
	struct utm_q q;
	PGresult *res;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 10, &csv)) != ERR_OK ||
	    (rc = route_query_str(r, "source", VALUE_CHARS, &q.source)) !=
	        ERR_OK ||
	    (rc = utm_top_campaigns(db(r), &q, &res)) != ERR_OK)
		return rc;
	return rows_out(r, csv, res, "campaigns", utm_campaigns_cols,
	    utm_campaigns_ncols);
}

/* Totals and rows of a list of sales: {count, [totals,] sales}. */
static enum err
sales_out(struct route_req *r, int csv, PGresult *totals, PGresult *rows,
    int with_totals)
{
	enum err rc = ERR_OK;

	if (csv) {
		rc = report_csv(r, rows, -1, utm_sale_cols, utm_sale_ncols);
	} else {
		jw_numstr(&r->w, "count", db_val(totals, 0, US_COUNT));
		if (with_totals) {
			jw_numstr(&r->w, "total_revenue",
			    db_val(totals, 0, US_REVENUE));
			jw_numstr(&r->w, "avg_sale", db_val(totals, 0, US_AVG));
		}
		report_json(&r->w, "sales", rows, utm_sale_cols,
		    utm_sale_ncols);
	}
	PQclear(totals);
	PQclear(rows);
	return rc;
}

static enum err
without_utm(struct route_req *r)
{
	PGresult *totals, *rows;
	struct utm_q q;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 50, &csv)) != ERR_OK ||
	    (rc = utm_without(db(r), &q, &totals, &rows)) != ERR_OK)
		return rc;
	return sales_out(r, csv, totals, rows, 0);
}

static enum err
daily_stats(struct route_req *r)
{
	char from[11], to[11];
	struct utm_q q;
	long long ndays;
	PGresult *res;
	enum err rc;
	int csv;

	if ((rc = common(r, &q, 0, &csv)) != ERR_OK ||
	    (rc = route_query_str(r, "source", VALUE_CHARS, &q.source)) !=
	        ERR_OK ||
	    (rc = route_query_str(r, "campaign", VALUE_CHARS, &q.campaign)) !=
	        ERR_OK ||
	    (rc = period(r, &q, from, to, &ndays)) != ERR_OK ||
	    (rc = utm_daily(db(r), &q, &res)) != ERR_OK)
		return rc;
	if (!csv)
		period_json(r, &q, ndays);
	return rows_out(r, csv, res, "daily_stats", utm_daily_cols,
	    utm_daily_ncols);
}

static enum err
search(struct route_req *r)
{
	PGresult *totals, *rows;
	struct utm_q q;
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
	    (rc = utm_search(db(r), &q, &totals, &rows)) != ERR_OK)
		return rc;
	return sales_out(r, csv, totals, rows, 1);
}

static enum err
source_details(struct route_req *r)
{
	PGresult *totals, *campaigns, *recent;
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
	if ((rc = utm_source_details(db(r), &q, &totals, &campaigns,
	         &recent)) != ERR_OK)
		return rc;
	if (csv) {
		rc = report_csv(r, campaigns, -1, utm_source_campaign_cols,
		    utm_source_campaign_ncols);
	} else {
		jw_str(&r->w, "source", q.source);
		period_json(r, &q, ndays);
		jw_obj(&r->w, "summary");
		jw_numstr(&r->w, "total_sales", db_val(totals, 0, US_COUNT));
		jw_numstr(&r->w, "total_revenue",
		    db_val(totals, 0, US_REVENUE));
		jw_numstr(&r->w, "avg_sale", db_val(totals, 0, US_AVG));
		jw_str(&r->w, "first_sale", db_val(totals, 0, US_FIRST));
		jw_str(&r->w, "last_sale", db_val(totals, 0, US_LAST));
		jw_obj_end(&r->w);
		report_json(&r->w, "campaigns", campaigns,
		    utm_source_campaign_cols, utm_source_campaign_ncols);
		report_json(&r->w, "recent_sales", recent, utm_sale_cols,
		    utm_sale_ncols);
	}
	PQclear(totals);
	PQclear(campaigns);
	PQclear(recent);
	return rc;
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
