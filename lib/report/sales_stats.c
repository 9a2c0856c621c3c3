#include "report/sales_stats.h"

/* The columns of SQL_STATS. */
enum ss_col { SS_TEAM, SS_COUNT, SS_REVENUE, SS_AVG, SS_EMOJI, SS__MAX };

/*
 * From traffic_sales_stats and the pending sales of the days when it
 * counts the days of $3, else from the sales themselves.
 */
/* clang-format off */
static const char SQL_STATS[] =
    "SELECT s.t, s.n, s.revenue, round(s.revenue / s.n, 2),"
    " coalesce(tt.emoji, '🎯') FROM (SELECT t, sum(n) AS n,"
    " sum(revenue) AS revenue FROM (SELECT team_name AS t,"
    " sum(total_sales) AS n, sum(total_revenue) AS revenue FROM"
    " traffic_sales_stats WHERE " REPORT_STATS_OK("$3")
    " AND" REPORT_STATS_DAYS("$1", "$2")
    " GROUP BY 1 UNION ALL SELECT coalesce(targetologist, 'Unknown'),"
    " count(*), sum(sale_amount) FROM all_sales_tracking WHERE"
    REPORT_COUNTED " NOT " REPORT_STATS_OK("$3") " AND sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
    " GROUP BY 1 UNION ALL SELECT coalesce(targetologist, 'Unknown'),"
    " count(*), sum(sale_amount) FROM" REPORT_PENDING_SALES
    REPORT_COUNTED " " REPORT_STATS_OK("$3") " AND sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
    " GROUP BY 1) u GROUP BY 1) s LEFT JOIN traffic_teams tt ON tt.name = s.t"
    " ORDER BY s.n DESC, s.revenue DESC, s.t";
/* clang-format on */

const struct report_col sales_stats_cols[] = {
	{ "targetologist", SS_TEAM, REPORT_TEXT },
	{ "sales_count", SS_COUNT, REPORT_NUM },
	{ "total_revenue", SS_REVENUE, REPORT_NUM },
	{ "avg_sale", SS_AVG, REPORT_NUM },
	{ "emoji", SS_EMOJI, REPORT_TEXT },
};
const size_t sales_stats_ncols = sizeof(sales_stats_cols) /
    sizeof(sales_stats_cols[0]);

enum err
sales_stats(struct db *db, const char *start, const char *end, const char *tz,
    const struct report_out *out)
{
	const char *v[3] = { start, end, tz };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_STATS, 3, v, &rc)) == NULL)
		return rc;
	rc = report_rows(out, "stats", res, -1, sales_stats_cols,
	    sales_stats_ncols);
	PQclear(res);
	return rc;
}
