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
#include "report/out.h"
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
	PGresult *stats, *rows;
	int csv, i, n, page;
	enum err rc;

	memset(&q, 0, sizeof(q));
	if ((rc = report_format(r, &csv)) != ERR_OK)
		return rc;
	q.limit = csv ? CSV_MAX : PAGE_DEFAULT;
	q.tz = tz(r);
	if ((rc = route_query_str(r, "targetologist", TEAM_MAX_CHARS,
	         &q.targetologist)) != ERR_OK ||
	    (rc = report_range(r, &q.start, &q.end)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, csv ? CSV_MAX : PAGE_MAX,
	         &q.limit)) != ERR_OK ||
	    (rc = route_query_str(r, "cursor", 64, &q.cursor)) != ERR_OK ||
	    (rc = route_query_enum(r, "verification", verifications,
	         &q.verification)) != ERR_OK)
		return rc;
	if (q.cursor != NULL && !sales_history_cursor_ok(q.cursor))
		return route_fail(r, ERR_VALIDATION, "cursor",
		    "must be the next_cursor of a previous page");
	if ((rc = sales_history(&app->traffic, &q, &stats, &rows)) != ERR_OK)
		return rc;
	n = PQntuples(rows);
	page = n > q.limit ? (int)q.limit : n;
	if (csv) {
		rc = report_csv(r, rows, page, sales_history_cols,
		    sales_history_ncols);
	} else {
		jw_obj(&r->w, "stats");
		jw_numstr(&r->w, "total_sales",
		    db_val(stats, 0, SH_STAT_TOTAL));
		jw_numstr(&r->w, "total_revenue",
		    db_val(stats, 0, SH_STAT_REVENUE));
		jw_numstr(&r->w, "avg_sale", db_val(stats, 0, SH_STAT_AVG));
		jw_obj_end(&r->w);
		jw_arr(&r->w, "sales");
		for (i = 0; i < page; i++)
			report_json_row(&r->w, NULL, rows, i,
			    sales_history_cols, sales_history_ncols);
		jw_arr_end(&r->w);
		jw_str(&r->w, "next_cursor",
		    n > page ? db_val(rows, page - 1, SH_CURSOR) : NULL);
	}
	PQclear(stats);
	PQclear(rows);
	return rc;
}

/* Per targetologist, most sales first; "Unknown" for sales without one. */
static enum err
stats(struct route_req *r)
{
	struct app *app = r->ctx;
	const char *start, *end;
	PGresult *res;
	enum err rc;
	int csv;

	if ((rc = report_format(r, &csv)) != ERR_OK ||
	    (rc = report_range(r, &start, &end)) != ERR_OK)
		return rc;
	if ((rc = sales_stats(&app->traffic, start, end, tz(r), &res)) !=
	    ERR_OK)
		return rc;
	if (csv) {
		rc = report_csv(r, res, -1, sales_stats_cols,
		    sales_stats_ncols);
	} else {
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", start);
		jw_str(&r->w, "end", end);
		jw_obj_end(&r->w);
		report_json(&r->w, "stats", res, sales_stats_cols,
		    sales_stats_ncols);
	}
	PQclear(res);
	return rc;
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
