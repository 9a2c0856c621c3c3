/*
 * The program "sales-reports": the original's two sales reports over
 * all_sales_tracking (R15), correct at any size (report/sales_history,
 * report/sales_stats). Both answer ?format=csv too.
 *   GET /api/amocrm/sales-history?targetologist=&start=&end=&limit=&cursor=
 *       &verification=counted|unverified|all
 *   GET /api/amocrm/sales-stats?start=&end=
 */
#include <string.h>

#include "api/programs.h"
#include "api/report_http.h"
#include "report/sales_history.h"
#include "report/sales_stats.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000  /* rows of a JSON page */
#define CSV_MAX 100000 /* rows of a CSV export */
#define TEAM_MAX_CHARS 100

static const char *
tz(const struct route_req *r)
{
	const struct app *app = r->ctx;

	return cfg_str(&app->cfg, CFG_TIMEZONE);
}

/*
 * A page of sales, newest first, with the totals of the whole filtered
 * period and the cursor of the next page (null on the last). CSV: the
 * rows only, up to CSV_MAX by default.
 */
/* ?verification=: which sales are listed (report/sales_history.h). */
static const char *const verifications[] = { "counted", "unverified", "all",
	NULL };

static enum err
history(struct route_req *r)
{
	struct app *app = r->ctx;
	struct sales_history_q q;
	struct report_out out;
	struct buf b;
	enum err rc;
	int csv;

	memset(&q, 0, sizeof(q));
	if ((rc = report_http_format(r, &csv)) != ERR_OK)
		return rc;
	q.limit = csv ? CSV_MAX : PAGE_DEFAULT;
	q.tz = tz(r);
	if ((rc = route_query_str(r, "targetologist", TEAM_MAX_CHARS,
	         &q.targetologist)) != ERR_OK ||
	    (rc = report_http_range(r, &q.start, &q.end)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, csv ? CSV_MAX : PAGE_MAX,
	         &q.limit)) != ERR_OK ||
	    (rc = route_query_str(r, "cursor", 64, &q.cursor)) != ERR_OK ||
	    (rc = route_query_enum(r, "verification", verifications,
	         &q.verification)) != ERR_OK)
		return rc;
	if (q.cursor != NULL && !sales_history_cursor_ok(q.cursor))
		return route_fail(r, ERR_VALIDATION, "cursor",
		    "must be the next_cursor of a previous page");
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out, sales_history(&app->traffic, &q, &out));
}

/* Per targetologist, most sales first; "Unknown" for sales without one. */
static enum err
stats(struct route_req *r)
{
	struct app *app = r->ctx;
	const char *start, *end;
	struct report_out out;
	struct buf b;
	enum err rc;
	int csv;

	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = report_http_range(r, &start, &end)) != ERR_OK)
		return rc;
	if (!csv) {
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", start);
		jw_str(&r->w, "end", end);
		jw_obj_end(&r->w);
	}
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out,
	    sales_stats(&app->traffic, start, end, tz(r), &out));
}

static const struct route routes[] = {
	{ WEB_GET, "/api/amocrm/sales-history", history, 0, NULL },
	{ WEB_GET, "/api/amocrm/sales-stats", stats, 0, NULL },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

const struct prog api_sales_reports = {
	.name = "sales-reports",
	.needs = APP_TRAFFIC,
	.routes = tables,
	.nroutes = 1,
	.traffic_tx_sql = REPORT_TX_SQL,
};
