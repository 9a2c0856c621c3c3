#include "report/dynamics.h"

/*
 * $1, $2 the days, $3 the time zone, $4 the group, $5 the granularity
 * (a date_trunc field). Weeks: date_trunc('week') starts on Monday (ISO).
 */
#define BUCKETS(g)                                                             \
	"SELECT generate_series(date_trunc(" g "::text, $1::date::timestamp)," \
	" $2::date::timestamp, ('1 ' || " g "::text)::interval)::date AS b"

/* clang-format off */
static const char SQL_BUCKETS[] =
    "SELECT to_char(b, 'YYYY-MM-DD') FROM (" BUCKETS("$3")
    ") x ORDER BY b";
/* clang-format on */

/*
 * Groups by team or source come from traffic_sales_stats and the pending
 * sales of the days (REPORT_PENDING_SALES) when it counts the days of $3;
 * by product, or in another zone, from the sales.
 */
#define FAST "(" REPORT_STATS_OK("$3") " AND $4::text <> 'product')"

/* The columns of SQL_ROWS. */
enum dy_col { DY_BUCKET, DY_GROUP, DY_COUNT, DY_REVENUE, DY__MAX };

/* clang-format off */
#define SALE \
    " SELECT (sale_date AT TIME ZONE $3)::date AS d, CASE" \
    " $4::text WHEN 'targetologist' THEN coalesce(targetologist," \
    " 'Unknown') WHEN 'product' THEN coalesce(nullif(product_name, '')," \
    " 'Unknown') ELSE coalesce(nullif(utm_source, ''), 'No UTM Source')" \
    " END AS g, sale_amount FROM"
#define DAYS \
    " AND sale_date >= " REPORT_DAY_FROM("$1", "$3") \
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
static const char SQL_ROWS[] =
    "WITH s AS (" SALE " all_sales_tracking WHERE" REPORT_COUNTED
    " NOT " FAST DAYS " UNION ALL" SALE REPORT_PENDING_SALES REPORT_COUNTED
    " " FAST DAYS
    "), agg AS (SELECT b, g, sum(n) AS n, sum(revenue) AS revenue FROM"
    " (SELECT date_trunc($5::text, date::timestamp)::date AS"
    " b, CASE $4::text WHEN 'targetologist' THEN team_name ELSE"
    " coalesce(utm_source, 'No UTM Source') END AS g, sum(total_sales)"
    " AS n, sum(total_revenue) AS revenue FROM traffic_sales_stats"
    " WHERE " FAST
    " AND" REPORT_STATS_DAYS("$1", "$2")
    " GROUP BY 1, 2 UNION ALL SELECT date_trunc($5::text,"
    " d::timestamp)::date AS b, g, count(*) AS n, sum(sale_amount) AS"
    " revenue FROM s GROUP BY 1, 2) u GROUP BY 1, 2), buckets AS (" BUCKETS("$5")
    "), groups AS ( SELECT DISTINCT g FROM agg UNION SELECT name FROM"
    " traffic_teams WHERE $4::text = 'targetologist' AND is_active)"
    " SELECT to_char(b.b, 'YYYY-MM-DD'), gr.g, coalesce(agg.n, 0),"
    " coalesce(agg.revenue, 0) FROM buckets b CROSS JOIN groups gr LEFT"
    " JOIN agg ON agg.b = b.b AND agg.g = gr.g ORDER BY b.b, gr.g";
#undef SALE
#undef DAYS
/* clang-format on */

const struct report_col dynamics_cols[] = {
	{ "bucket", DY_BUCKET, REPORT_TEXT },
	{ "group", DY_GROUP, REPORT_TEXT },
	{ "sales_count", DY_COUNT, REPORT_NUM },
	{ "revenue", DY_REVENUE, REPORT_NUM },
};
const size_t dynamics_ncols = sizeof(dynamics_cols) / sizeof(dynamics_cols[0]);

/*
 * Runs the statements: *buckets the first day of every bucket, *rows the
 * rows of dynamics_cols. The caller PQclear()s both; both NULL on error.
 */
static enum err
query(struct db *db, const struct dynamics_q *q, PGresult **buckets,
    PGresult **rows)
{
	const char *v[5] = { q->start, q->end, q->tz, q->group,
		q->granularity };
	const char *b[3] = { q->start, q->end, q->granularity };
	enum err rc;

	*rows = NULL;
	*buckets = NULL;
	if ((*buckets = db_exec(db, SQL_BUCKETS, 3, b, &rc)) == NULL)
		return rc;
	if ((*rows = db_exec(db, SQL_ROWS, 5, v, &rc)) == NULL) {
		PQclear(*buckets);
		*buckets = NULL;
	}
	return rc;
}

enum err
dynamics(struct db *db, const struct dynamics_q *q,
    const struct report_out *out)
{
	PGresult *buckets, *rows;
	enum err rc;
	int i;

	if ((rc = query(db, q, &buckets, &rows)) != ERR_OK)
		return rc;
	if (out->csv == NULL) {
		jw_arr(out->w, "buckets");
		for (i = 0; i < PQntuples(buckets); i++)
			jw_str(out->w, NULL, db_val(buckets, i, 0));
		jw_arr_end(out->w);
	}
	rc = report_rows(out, "dynamics", rows, -1, dynamics_cols,
	    dynamics_ncols);
	PQclear(buckets);
	PQclear(rows);
	return rc;
}
