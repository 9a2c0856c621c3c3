#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/stats.h"
#include "report/utm.h"

/*
 * Every statement takes the same parameters, all of them referenced
 * (NULL: no filter): $1 $2 the days, $3 the time zone, $4 source ("No
 * UTM Source" is none), $5 campaign contains (ILIKE, literal), $6
 * medium, $7 team ("Unknown" is none), $8 limit, $9 campaign exactly.
 * Indexes: sale_date and utm_source of 001-init.sql,
 * all_sales_tracking_history_idx (005-sales-reports.sql).
 */
#define NPARAMS 9
/* clang-format off */
#define WHERE \
	" WHERE" REPORT_COUNTED " sale_date >= " REPORT_DAY_FROM("$1", "$3") \
	" AND sale_date < " REPORT_DAY_TO("$2", "$3") FILTERS
#define FILTERS \
	SOURCE_CAMPAIGN \
	" AND ($6::text IS NULL OR utm_medium = $6)" \
	" AND ($7::text IS NULL OR coalesce(targetologist, 'Unknown') = $7)"
#define SOURCE_CAMPAIGN \
	" AND ($4::text IS NULL OR CASE WHEN $4 = 'No UTM Source'" \
	"  THEN nullif(utm_source, '') IS NULL ELSE utm_source = $4 END)" \
	" AND ($5::text IS NULL OR utm_campaign ILIKE '%' ||" \
	"  replace(replace(replace($5, '\\', '\\\\'), '%', '\\%')," \
	"  '_', '\\_') || '%')" \
	" AND ($9::text IS NULL OR utm_campaign = $9)"
/*
 * The period's sales as groups: day, utm_*, targetologist, n sales,
 * revenue, first_at and last_at their first and last sale. From
 * utm_sales_stats (sql/traffic/010-utm-stats.sql) when its days are
 * those of $3: its months wholly in the period and its days of the rest,
 * summed per source, medium, campaign and team (GROUPS, day NULL), and
 * the period's pending sales (REPORT_PENDING_SALES), one group each; else
 * from the sales, one group each. The report filters and sums them
 * (sum(n), not count(*)).
 */
#define SALE_GROUP \
	" SELECT (sale_date AT TIME ZONE $3)::date, utm_source," \
	"  utm_medium, utm_campaign, targetologist, 1, sale_amount, sale_date," \
	"  sale_date FROM"
#define SALE_DAYS \
	"  AND sale_date >= " REPORT_DAY_FROM("$1", "$3") \
	"  AND sale_date < " REPORT_DAY_TO("$2", "$3")
#define STATS_GROUPS(cols, months, per) \
	" (SELECT " cols " FROM utm_sales_stats WHERE " REPORT_STATS_OK("$3") \
	months per \
	" UNION ALL" SALE_GROUP " all_sales_tracking WHERE" REPORT_COUNTED \
	"  NOT " REPORT_STATS_OK("$3") SALE_DAYS \
	" UNION ALL" SALE_GROUP REPORT_PENDING_SALES REPORT_COUNTED \
	" " REPORT_STATS_OK("$3") SALE_DAYS ") g WHERE true" FILTERS
/* The first of the first month wholly from $1; the first after $2's. */
#define MONTH_FROM \
	"(date_trunc('month', ($1::date - 1)::timestamp) + interval '1 month')::date"
#define MONTH_TO "date_trunc('month', ($2::date + 1)::timestamp)::date"
#define GROUPS STATS_GROUPS( \
	"NULL::date AS day, utm_source, utm_medium, utm_campaign," \
	" team AS targetologist, sum(n) AS n, sum(revenue) AS revenue," \
	" min(first_at) AS first_at, max(last_at) AS last_at", \
	" AND (period = 'month' AND d >= " MONTH_FROM " AND d < " MONTH_TO \
	"  OR period = 'day' AND d >= $1::date AND d <= $2::date" \
	"  AND NOT (d >= " MONTH_FROM " AND d < " MONTH_TO "))", \
	" GROUP BY utm_source, utm_medium, utm_campaign, team")
/* clang-format on */
#define NO_UTM                                                                 \
	" AND nullif(utm_source, '') IS NULL"                                  \
	" AND nullif(utm_campaign, '') IS NULL"
#define LIMIT " LIMIT $8::bigint"

/* clang-format off */
static const char SQL_PERIOD[] =
    "WITH p AS (SELECT coalesce($2::date, (now() AT TIME ZONE"
    " $3)::date) AS e) SELECT to_char(coalesce($1::date, e -"
    " ($4::integer - 1)), 'YYYY-MM-DD'), to_char(e, 'YYYY-MM-DD'), e -"
    " coalesce($1::date, e - ($4::integer - 1)) + 1 FROM p";
/* clang-format on */

/* clang-format off */
static const char SQL_OVERVIEW[] =
    "WITH s AS (SELECT coalesce(nullif(utm_source, ''), 'No UTM"
    " Source') AS src, coalesce(nullif(utm_campaign, ''), 'No"
    " Campaign') AS cmp, coalesce(nullif(utm_medium, ''), 'No Medium')"
    " AS med, coalesce(targetologist, 'Unknown') AS team, sum(revenue)"
    " AS a, sum(n) AS n, nullif(utm_source, '') IS NULL AND"
    " nullif(utm_campaign, '') IS NULL AS nout FROM" GROUPS
    " GROUP BY 1, 2, 3, 4, 7), g AS (SELECT CASE WHEN grouping(src) = 0 AND grouping(cmp) = 0"
    " THEN 'campaign' WHEN grouping(src) = 0 THEN 'source' WHEN"
    " grouping(med) = 0 THEN 'medium' WHEN grouping(team) = 0 THEN"
    " 'targetologist' ELSE 'total' END AS kind, src, cmp, med, team,"
    " coalesce(sum(n), 0) AS n, coalesce(sum(a), 0) AS revenue,"
    " coalesce(sum(n) FILTER (WHERE nout), 0) AS nout FROM s GROUP BY GROUPING SETS ((src), (cmp,"
    " src), (med), (team), ())) SELECT kind, src, cmp, med, team, n,"
    " revenue, CASE WHEN n > 0 THEN round(revenue / n, 2) ELSE 0 END,"
    " nout, CASE WHEN n > 0 THEN round(100.0 * (n - nout) / n, 2)::text"
    " END FROM g ORDER BY kind = 'total', kind, revenue DESC, n DESC,"
    " coalesce(src, cmp, med, team), cmp LIMIT $8::bigint";
/* clang-format on */

/* kind: "source", ...; name: the group's value; source of a campaign. */
const struct report_col utm_overview_cols[] = {
	{ "kind", UO_KIND, REPORT_TEXT },
	{ "source", UO_SOURCE, REPORT_TEXT },
	{ "campaign", UO_CAMPAIGN, REPORT_TEXT },
	{ "medium", UO_MEDIUM, REPORT_TEXT },
	{ "targetologist", UO_TEAM, REPORT_TEXT },
	{ "sales", UO_SALES, REPORT_NUM },
	{ "revenue", UO_REVENUE, REPORT_NUM },
};
const size_t utm_overview_ncols = sizeof(utm_overview_cols) /
    sizeof(utm_overview_cols[0]);

/* The columns of SQL_SOURCES and SQL_CAMPAIGNS. */
enum ts_col {
	TS_SOURCE,
	TS_SALES,
	TS_REVENUE,
	TS_AVG,
	TS_FIRST,
	TS_LAST,
	TS_CAMPAIGNS,
	TS__MAX
};
enum tc_col {
	TC_CAMPAIGN,
	TC_SOURCE,
	TC_MEDIUM,
	TC_SALES,
	TC_REVENUE,
	TC_AVG,
	TC_FIRST,
	TC_LAST,
	TC__MAX
};

/* clang-format off */
static const char SQL_SOURCES[] =
    "SELECT utm_source, sum(n), sum(revenue),"
    " round(sum(revenue) / sum(n), 2), " REPORT_TS("min(first_at)")
    ", " REPORT_TS("max(last_at)")
    ", count(utm_campaign) FROM (SELECT utm_source, utm_campaign,"
    " sum(n) AS n, sum(revenue) AS revenue, min(first_at) AS first_at,"
    " max(last_at) AS last_at FROM" GROUPS
    " AND nullif(utm_source, '') IS NOT NULL GROUP BY 1, 2) c"
    " GROUP BY utm_source ORDER BY 3 DESC, 2 DESC, 1" LIMIT;
/* clang-format on */

const struct report_col utm_sources_cols[] = {
	{ "utm_source", TS_SOURCE, REPORT_TEXT },
	{ "sales_count", TS_SALES, REPORT_NUM },
	{ "total_revenue", TS_REVENUE, REPORT_NUM },
	{ "avg_sale", TS_AVG, REPORT_NUM },
	{ "first_sale", TS_FIRST, REPORT_TEXT },
	{ "last_sale", TS_LAST, REPORT_TEXT },
	{ "campaigns", TS_CAMPAIGNS, REPORT_NUM },
};
const size_t utm_sources_ncols = sizeof(utm_sources_cols) /
    sizeof(utm_sources_cols[0]);

/* clang-format off */
static const char SQL_CAMPAIGNS[] =
    "SELECT utm_campaign, utm_source, utm_medium, sum(n),"
    " sum(revenue), round(sum(revenue) / sum(n), 2), "
    REPORT_TS("min(first_at)") ", " REPORT_TS("max(last_at)")
    " FROM" GROUPS
    " AND nullif(utm_campaign, '') IS NOT NULL GROUP BY utm_campaign,"
    " utm_source, utm_medium ORDER BY 5 DESC, 4 DESC, 1, 2, 3" LIMIT;
/* clang-format on */

const struct report_col utm_campaigns_cols[] = {
	{ "utm_campaign", TC_CAMPAIGN, REPORT_TEXT },
	{ "utm_source", TC_SOURCE, REPORT_TEXT },
	{ "utm_medium", TC_MEDIUM, REPORT_TEXT },
	{ "sales_count", TC_SALES, REPORT_NUM },
	{ "total_revenue", TC_REVENUE, REPORT_NUM },
	{ "avg_sale", TC_AVG, REPORT_NUM },
	{ "first_sale", TC_FIRST, REPORT_TEXT },
	{ "last_sale", TC_LAST, REPORT_TEXT },
};
const size_t utm_campaigns_ncols = sizeof(utm_campaigns_cols) /
    sizeof(utm_campaigns_cols[0]);

/* The columns of SALE_ROWS. */
enum sr_col {
	SR_ID,
	SR_LEAD_ID,
	SR_LEAD_NAME,
	SR_CONTACT,
	SR_AMOUNT,
	SR_SOURCE,
	SR_MEDIUM,
	SR_CAMPAIGN,
	SR_CONTENT,
	SR_TERM,
	SR_TEAM,
	SR_DATE,
	SR__MAX
};

#define SALE_ROWS                                                              \
	"SELECT id::text, lead_id, lead_name, contact_name, sale_amount,"      \
	" utm_source, utm_medium, utm_campaign, utm_content, utm_term,"        \
	" coalesce(targetologist, 'Unknown'), " REPORT_TS(                     \
	    "sale_date") " FROM all_sales_tracking"
#define SALE_ORDER " ORDER BY sale_date DESC, id DESC"

const struct report_col utm_sale_cols[] = {
	{ "id", SR_ID, REPORT_TEXT },
	{ "lead_id", SR_LEAD_ID, REPORT_TEXT },
	{ "lead_name", SR_LEAD_NAME, REPORT_TEXT },
	{ "contact_name", SR_CONTACT, REPORT_TEXT },
	{ "sale_amount", SR_AMOUNT, REPORT_NUM },
	{ "utm_source", SR_SOURCE, REPORT_TEXT },
	{ "utm_medium", SR_MEDIUM, REPORT_TEXT },
	{ "utm_campaign", SR_CAMPAIGN, REPORT_TEXT },
	{ "utm_content", SR_CONTENT, REPORT_TEXT },
	{ "utm_term", SR_TERM, REPORT_TEXT },
	{ "targetologist", SR_TEAM, REPORT_TEXT },
	{ "sale_date", SR_DATE, REPORT_TEXT },
};
const size_t utm_sale_ncols = sizeof(utm_sale_cols) / sizeof(utm_sale_cols[0]);

/* clang-format off */
#define TOTALS \
	"SELECT coalesce(sum(n), 0), coalesce(sum(revenue), 0)," \
	" CASE WHEN sum(n) > 0 THEN round(sum(revenue) / sum(n), 2)" \
	"  ELSE 0 END, " REPORT_TS("min(first_at)") ", " \
	REPORT_TS("max(last_at)") " FROM" GROUPS
/* clang-format on */

static const char SQL_WITHOUT_TOTALS[] = TOTALS NO_UTM LIMIT;
static const char SQL_WITHOUT_ROWS[] = SALE_ROWS WHERE NO_UTM SALE_ORDER LIMIT;
static const char SQL_SEARCH_TOTALS[] = TOTALS LIMIT;
static const char SQL_SEARCH_ROWS[] = SALE_ROWS WHERE SALE_ORDER LIMIT;

/*
 * The columns of SQL_DAILY_DAYS and SQL_DAILY_SALES: per day, source and
 * campaign, newest day first, then by revenue. SQL_DAILY_DAYS reads them
 * from utm_day_campaign_stats (sql/traffic/048-utm-daily.sql) in its
 * indexes' order, when its days are those of $3 (it has no medium or
 * team: $6 and $7 must be NULL) and no sale is pending; SQL_DAILY_LIVE
 * adds to those days the pending sales (REPORT_PENDING_SALES), grouped
 * and sorted (no sale waits for a catch-up: issue 21);
 * SQL_DAILY_SALES groups the sales.
 * Revenue without trailing zeros: a sum kept by adding and taking away
 * keeps the largest scale it ever had.
 */
enum dl_col { DL_DATE, DL_SOURCE, DL_CAMPAIGN, DL_SALES, DL_REVENUE, DL__MAX };

/* clang-format off */
static const char SQL_DAILY_DAYS[] =
    "SELECT to_char(d, 'YYYY-MM-DD'), utm_source, utm_campaign, n,"
    " trim_scale(revenue) FROM utm_day_campaign_stats"
    " WHERE $3::text IS NOT NULL"
    " AND $6::text IS NULL AND $7::text IS NULL" /* referenced */
    " AND d >= coalesce($1::date, '-infinity') "
    " AND d <= coalesce($2::date, 'infinity')" SOURCE_CAMPAIGN
    " ORDER BY d DESC, revenue DESC, utm_source, utm_campaign" LIMIT;
static const char SQL_DAILY_LIVE[] =
    "SELECT to_char(d, 'YYYY-MM-DD'), utm_source, utm_campaign, sum(n),"
    " trim_scale(sum(revenue)) FROM (SELECT d, utm_source, utm_campaign,"
    " n, revenue FROM utm_day_campaign_stats"
    " WHERE $3::text IS NOT NULL"
    " AND $6::text IS NULL AND $7::text IS NULL" /* referenced */
    " AND d >= coalesce($1::date, '-infinity') "
    " AND d <= coalesce($2::date, 'infinity')" SOURCE_CAMPAIGN
    " UNION ALL SELECT (sale_date AT TIME ZONE $3)::date, utm_source,"
    " utm_campaign, 1, sale_amount FROM" REPORT_PENDING_SALES REPORT_COUNTED
    " sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3") SOURCE_CAMPAIGN ") g"
    " GROUP BY d, 2, 3 ORDER BY d DESC, 5 DESC, 2, 3" LIMIT;
static const char SQL_DAILY_SALES[] =
    "SELECT to_char(d, 'YYYY-MM-DD'), utm_source, utm_campaign, count(*),"
    " trim_scale(sum(sale_amount)) FROM (SELECT (sale_date AT TIME ZONE"
    " $3)::date AS d, utm_source, utm_campaign, sale_amount"
    " FROM all_sales_tracking" WHERE ") g"
    " GROUP BY d, 2, 3 ORDER BY d DESC, 5 DESC, 2, 3" LIMIT;
/* clang-format on */

const struct report_col utm_daily_cols[] = {
	{ "date", DL_DATE, REPORT_TEXT },
	{ "utm_source", DL_SOURCE, REPORT_TEXT },
	{ "utm_campaign", DL_CAMPAIGN, REPORT_TEXT },
	{ "sales_count", DL_SALES, REPORT_NUM },
	{ "daily_revenue", DL_REVENUE, REPORT_NUM },
};
const size_t utm_daily_ncols = sizeof(utm_daily_cols) /
    sizeof(utm_daily_cols[0]);

/* The columns of SQL_SOURCE_CAMPAIGNS. */
enum sc_col { SC_CAMPAIGN, SC_SALES, SC_REVENUE, SC__MAX };

/* clang-format off */
static const char SQL_SOURCE_CAMPAIGNS[] =
    "SELECT coalesce(nullif(utm_campaign, ''), 'No Campaign'),"
    " sum(n), sum(revenue) FROM" GROUPS
    " GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1" LIMIT;
/* clang-format on */

const struct report_col utm_source_campaign_cols[] = {
	{ "campaign", SC_CAMPAIGN, REPORT_TEXT },
	{ "sales", SC_SALES, REPORT_NUM },
	{ "revenue", SC_REVENUE, REPORT_NUM },
};
const size_t utm_source_campaign_ncols = sizeof(utm_source_campaign_cols) /
    sizeof(utm_source_campaign_cols[0]);

enum err
utm_period(struct db *db, const char *start, const char *end, long long days,
    const char *tz, char *from, char *to, long long *ndays)
{
	char d[24];
	const char *v[4] = { start, end, tz, d };
	PGresult *res;
	enum err rc;

	snprintf(d, sizeof(d), "%lld", days);
	if ((res = db_exec(db, SQL_PERIOD, 4, v, &rc)) == NULL)
		return rc;
	snprintf(from, 11, "%s", db_val(res, 0, 0));
	snprintf(to, 11, "%s", db_val(res, 0, 1));
	*ndays = strtoll(db_val(res, 0, 2), NULL, 10);
	PQclear(res);
	return ERR_OK;
}

/* Runs sql with the parameters of q (campaign as a pattern or exact). */
static PGresult *
run(struct db *db, const char *sql, const struct utm_q *q, int exact,
    enum err *rc)
{
	char lim[24];
	const char *v[NPARAMS];

	snprintf(lim, sizeof(lim), "%lld", q->limit);
	v[0] = q->start;
	v[1] = q->end;
	v[2] = q->tz;
	v[3] = q->source;
	v[4] = exact ? NULL : q->campaign;
	v[5] = q->medium;
	v[6] = q->targetologist;
	v[7] = q->limit > 0 ? lim : NULL; /* LIMIT NULL: every row */
	v[8] = exact ? q->campaign : NULL;
	return db_exec(db, sql, NPARAMS, v, rc);
}

/* The rows of one kind of an overview, as {key, [source,] sales, revenue}. */
static void
overview_list(struct jw *w, const PGresult *res, const char *kind,
    const char *list, const char *key, int col)
{
	int i;

	jw_arr(w, list);
	for (i = 0; i < PQntuples(res); i++) {
		if (strcmp(db_val(res, i, UO_KIND), kind) != 0)
			continue;
		jw_obj(w, NULL);
		jw_str(w, key, db_val(res, i, col));
		if (col == UO_CAMPAIGN)
			jw_str(w, "source", db_val(res, i, UO_SOURCE));
		jw_numstr(w, "sales", db_val(res, i, UO_SALES));
		jw_numstr(w, "revenue", db_val(res, i, UO_REVENUE));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

enum err
utm_overview(struct db *db, const struct utm_q *q, const struct report_out *out)
{
	struct utm_q all = *q;
	struct jw *w = out->w;
	const char *cov;
	PGresult *res;
	enum err rc;
	int t;

	all.limit = 0;
	if ((res = run(db, SQL_OVERVIEW, &all, 1, &rc)) == NULL)
		return rc;
	t = PQntuples(res) - 1; /* "total" sorts last */
	if (out->csv != NULL) {
		/* Every group but the total. */
		rc = report_csv(out->csv, res, t, utm_overview_cols,
		    utm_overview_ncols);
		PQclear(res);
		return rc;
	}
	jw_obj(w, "summary");
	jw_numstr(w, "total_sales", db_val(res, t, UO_SALES));
	jw_numstr(w, "total_revenue", db_val(res, t, UO_REVENUE));
	jw_numstr(w, "avg_sale", db_val(res, t, UO_AVG));
	jw_numstr(w, "sales_without_utm", db_val(res, t, UO_WITHOUT));
	/* The original's quirk, kept: a string with 2 decimals, or 0. */
	if ((cov = db_val(res, t, UO_COVERAGE)) != NULL)
		jw_str(w, "utm_coverage", cov);
	else
		jw_int(w, "utm_coverage", 0);
	jw_obj_end(w);
	overview_list(w, res, "source", "by_source", "source", UO_SOURCE);
	overview_list(w, res, "campaign", "by_campaign", "campaign",
	    UO_CAMPAIGN);
	overview_list(w, res, "medium", "by_medium", "medium", UO_MEDIUM);
	overview_list(w, res, "targetologist", "by_targetologist",
	    "targetologist", UO_TEAM);
	PQclear(res);
	return ERR_OK;
}

/* Runs sql and writes its rows as list. */
static enum err
rows_out(struct db *db, const char *sql, const struct utm_q *q,
    const struct report_out *out, const char *list,
    const struct report_col *cols, size_t ncols)
{
	PGresult *res;
	enum err rc;

	if ((res = run(db, sql, q, 1, &rc)) == NULL)
		return rc;
	rc = report_rows(out, list, res, -1, cols, ncols);
	PQclear(res);
	return rc;
}

enum err
utm_top_sources(struct db *db, const struct utm_q *q,
    const struct report_out *out)
{
	return rows_out(db, SQL_SOURCES, q, out, "sources", utm_sources_cols,
	    utm_sources_ncols);
}

enum err
utm_top_campaigns(struct db *db, const struct utm_q *q,
    const struct report_out *out)
{
	return rows_out(db, SQL_CAMPAIGNS, q, out, "campaigns",
	    utm_campaigns_cols, utm_campaigns_ncols);
}

enum err
utm_daily(struct db *db, const struct utm_q *q, const struct report_out *out)
{
	const char *sql = SQL_DAILY_SALES;
	PGresult *res;
	enum err rc;
	int days_ok, pending;

	if ((rc = stats_fresh(db, q->tz, &days_ok, &pending)) != ERR_OK)
		return rc;
	if (days_ok)
		sql = pending ? SQL_DAILY_LIVE : SQL_DAILY_DAYS;
	if ((res = run(db, sql, q, 1, &rc)) == NULL)
		return rc;
	rc = report_rows(out, "daily_stats", res, -1, utm_daily_cols,
	    utm_daily_ncols);
	PQclear(res);
	return rc;
}

/* Totals over every match and the newest limit rows. */
static enum err
totals_rows(struct db *db, const char *tsql, const char *rsql,
    const struct utm_q *q, int exact, PGresult **totals, PGresult **rows)
{
	struct utm_q all = *q;
	enum err rc;

	all.limit = 0;
	*rows = NULL;
	if ((*totals = run(db, tsql, &all, exact, &rc)) == NULL)
		return rc;
	if ((*rows = run(db, rsql, q, exact, &rc)) == NULL) {
		PQclear(*totals);
		*totals = NULL;
	}
	return rc;
}

/* Writes a list of sales: {count, [total_revenue, avg_sale,] sales}. */
static enum err
sales_out(const struct report_out *out, PGresult *totals, PGresult *rows,
    int with_totals)
{
	enum err rc = ERR_OK;

	if (out->csv != NULL) {
		rc = report_csv(out->csv, rows, -1, utm_sale_cols,
		    utm_sale_ncols);
	} else {
		jw_numstr(out->w, "count", db_val(totals, 0, US_COUNT));
		if (with_totals) {
			jw_numstr(out->w, "total_revenue",
			    db_val(totals, 0, US_REVENUE));
			jw_numstr(out->w, "avg_sale",
			    db_val(totals, 0, US_AVG));
		}
		report_json(out->w, "sales", rows, utm_sale_cols,
		    utm_sale_ncols);
	}
	PQclear(totals);
	PQclear(rows);
	return rc;
}

enum err
utm_without(struct db *db, const struct utm_q *q, const struct report_out *out)
{
	PGresult *totals, *rows;
	enum err rc;

	if ((rc = totals_rows(db, SQL_WITHOUT_TOTALS, SQL_WITHOUT_ROWS, q, 1,
	         &totals, &rows)) != ERR_OK)
		return rc;
	return sales_out(out, totals, rows, 0);
}

enum err
utm_search(struct db *db, const struct utm_q *q, const struct report_out *out)
{
	PGresult *totals, *rows;
	enum err rc;

	if ((rc = totals_rows(db, SQL_SEARCH_TOTALS, SQL_SEARCH_ROWS, q, 0,
	         &totals, &rows)) != ERR_OK)
		return rc;
	return sales_out(out, totals, rows, 1);
}

enum err
utm_source_details(struct db *db, const struct utm_q *q,
    const struct report_out *out)
{
	PGresult *totals, *campaigns, *recent;
	struct utm_q all = *q;
	struct jw *w = out->w;
	enum err rc;

	all.limit = 0;
	if ((rc = totals_rows(db, SQL_SEARCH_TOTALS, SQL_SEARCH_ROWS, q, 1,
	         &totals, &recent)) != ERR_OK)
		return rc;
	if ((campaigns = run(db, SQL_SOURCE_CAMPAIGNS, &all, 1, &rc)) == NULL) {
		PQclear(totals);
		PQclear(recent);
		return rc;
	}
	if (out->csv != NULL) {
		rc = report_csv(out->csv, campaigns, -1,
		    utm_source_campaign_cols, utm_source_campaign_ncols);
	} else {
		jw_obj(w, "summary");
		jw_numstr(w, "total_sales", db_val(totals, 0, US_COUNT));
		jw_numstr(w, "total_revenue", db_val(totals, 0, US_REVENUE));
		jw_numstr(w, "avg_sale", db_val(totals, 0, US_AVG));
		jw_str(w, "first_sale", db_val(totals, 0, US_FIRST));
		jw_str(w, "last_sale", db_val(totals, 0, US_LAST));
		jw_obj_end(w);
		report_json(w, "campaigns", campaigns, utm_source_campaign_cols,
		    utm_source_campaign_ncols);
		report_json(w, "recent_sales", recent, utm_sale_cols,
		    utm_sale_ncols);
	}
	PQclear(totals);
	PQclear(campaigns);
	PQclear(recent);
	return rc;
}
