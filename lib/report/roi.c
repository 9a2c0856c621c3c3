#include "report/roi.h"

/* The columns of SQL_ROI. */
enum roi_col {
	RO_TEAM,
	RO_SPEND,
	RO_REVENUE,
	RO_SALES,
	RO_ROI,
	RO_ROAS,
	RO_CPS,
	RO_ROI_PCT,
	RO_ROMI_PCT,
	RO__MAX
};

/*
 * roi and roas are ratios (8.9); roi_percent is roi in percent (890.00),
 * and romi_percent the same figure under the name marketing reports use
 * (ad spend is the only cost amosync knows, so ROMI = ROI here).
 * Sales from traffic_sales_stats and the pending sales of the days when
 * it counts the days of $3, else from the sales. Indexes: traffic_sales_stats_date_idx,
 * all_sales_tracking_history_idx, ad_spend_date_idx.
 */
/* clang-format off */
static const char SQL_ROI[] =
    "WITH s AS (SELECT t, sum(n) AS n, sum(revenue) AS revenue FROM"
    " (SELECT team_name AS t, sum(total_sales) AS n,"
    " sum(total_revenue) AS revenue FROM traffic_sales_stats"
    " WHERE " REPORT_STATS_OK("$3") " AND" REPORT_STATS_DAYS("$1", "$2")
    " GROUP BY 1"
    " UNION ALL SELECT coalesce(targetologist, 'Unknown'), count(*),"
    " sum(sale_amount) FROM all_sales_tracking"
    " WHERE" REPORT_COUNTED " NOT " REPORT_STATS_OK("$3")
    " AND sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
    " GROUP BY 1"
    " UNION ALL SELECT coalesce(targetologist, 'Unknown'), count(*),"
    " sum(sale_amount) FROM" REPORT_PENDING_SALES
    REPORT_COUNTED " " REPORT_STATS_OK("$3")
    " AND sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
    " GROUP BY 1) u GROUP BY 1), sp AS (SELECT tt.name AS t, sum(a.amount_kzt) AS"
    " spend FROM ad_spend a JOIN traffic_teams tt ON tt.id = a.team_id"
    " WHERE a.spend_date BETWEEN $1::date AND $2::date GROUP BY 1),"
    " teams AS (SELECT name AS t FROM traffic_teams WHERE is_active"
    " UNION SELECT t FROM s UNION SELECT t FROM sp) SELECT teams.t,"
    " coalesce(sp.spend, 0), coalesce(s.revenue, 0), coalesce(s.n, 0),"
    " CASE WHEN sp.spend > 0 THEN round((coalesce(s.revenue, 0) -"
    " sp.spend) / sp.spend, 4) END, CASE WHEN sp.spend > 0 THEN"
    " round(coalesce(s.revenue, 0) / sp.spend, 4) END, CASE WHEN"
    " sp.spend > 0 AND s.n > 0 THEN round(sp.spend / s.n, 2) END,"
    " CASE WHEN sp.spend > 0 THEN round(100 * (coalesce(s.revenue, 0) -"
    " sp.spend) / sp.spend, 2) END, CASE WHEN sp.spend > 0 THEN"
    " round(100 * (coalesce(s.revenue, 0) - sp.spend) / sp.spend, 2) END"
    " FROM"
    " teams LEFT JOIN s ON s.t = teams.t LEFT JOIN sp ON sp.t = teams.t"
    " ORDER BY 2 DESC, 3 DESC, 1";
/* clang-format on */

const struct report_col roi_cols[] = {
	{ "team", RO_TEAM, REPORT_TEXT },
	{ "spend", RO_SPEND, REPORT_NUM },
	{ "revenue", RO_REVENUE, REPORT_NUM },
	{ "sales", RO_SALES, REPORT_NUM },
	{ "roi", RO_ROI, REPORT_NUM },
	{ "roas", RO_ROAS, REPORT_NUM },
	{ "cost_per_sale", RO_CPS, REPORT_NUM },
	{ "roi_percent", RO_ROI_PCT, REPORT_NUM },
	{ "romi_percent", RO_ROMI_PCT, REPORT_NUM },
};
const size_t roi_ncols = sizeof(roi_cols) / sizeof(roi_cols[0]);

enum err
roi(struct db *db, const char *start, const char *end, const char *tz,
    const struct report_out *out)
{
	const char *v[3] = { start, end, tz };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_ROI, 3, v, &rc)) == NULL)
		return rc;
	rc = report_rows(out, "teams", res, -1, roi_cols, roi_ncols);
	PQclear(res);
	return rc;
}
