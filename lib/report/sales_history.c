#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "report/sales_history.h"

/*
 * The filter of both statements: $1 team ("Unknown" is no team), $2 and
 * $3 the days, $4 the time zone. Indexes: sql/traffic/005-sales-reports.sql.
 */
/* clang-format off */
#define WHERE \
	" WHERE ($1::text IS NULL OR coalesce(targetologist, 'Unknown') = $1)" \
	" AND sale_date >= " REPORT_DAY_FROM("$2", "$4") \
	" AND sale_date < " REPORT_DAY_TO("$3", "$4")
/*
 * The rows shown ($8): "counted" (the default: every sale but the
 * unverified ones, sql/traffic/040-verification.sql), "unverified", "all".
 * The totals always count the counted sales only.
 */
#define SHOWN \
	" AND ($8::text = 'all' OR (verification = 'unverified') =" \
	" ($8::text = 'unverified'))"
#define COUNTED " AND verification <> 'unverified'"
/* clang-format on */

/*
 * The totals: from traffic_sales_stats and the pending sales
 * (REPORT_PENDING_SALES) when it counts the days of $4, else from the
 * sales.
 */
/* clang-format off */
static const char SQL_STATS[] =
    "SELECT coalesce(sum(n), 0), coalesce(sum(r), 0), CASE WHEN sum(n)"
    " > 0 THEN round(sum(r) / sum(n), 2) ELSE 0 END FROM (SELECT"
    " total_sales AS n, total_revenue AS r FROM traffic_sales_stats"
    " WHERE " REPORT_STATS_OK("$4")
    " AND ($1::text IS NULL OR team_name = $1) AND"
    REPORT_STATS_DAYS("$2", "$3")
    " UNION ALL SELECT 1, sale_amount FROM all_sales_tracking" WHERE COUNTED
    " AND NOT " REPORT_STATS_OK("$4")
    " UNION ALL SELECT 1, sale_amount FROM all_sales_tracking" WHERE COUNTED
    " AND " REPORT_STATS_OK("$4")
    " AND id IN (SELECT sale_id FROM sales_stats_pending)"
    ") x";
/* clang-format on */

/* The columns of SQL_ROWS. */
enum sh_col {
	SH_ID,
	SH_LEAD_ID,
	SH_LEAD_NAME,
	SH_CONTACT_NAME,
	SH_CONTACT_PHONE,
	SH_CONTACT_EMAIL,
	SH_AMOUNT,
	SH_CURRENCY,
	SH_PRODUCT,
	SH_UTM_SOURCE,
	SH_UTM_MEDIUM,
	SH_UTM_CAMPAIGN,
	SH_UTM_CONTENT,
	SH_UTM_TERM,
	SH_UTM_ID,
	SH_PIPELINE,
	SH_STATUS,
	SH_TEAM,
	SH_CONFIDENCE,
	SH_SALE_DATE,
	SH_SALE_DAY,
	SH_CREATED,
	SH_VERIFICATION,
	SH_OVER_MAX,
	SH_CUR,
	SH__MAX
};

/*
 * Newest first; the cursor ($5 microseconds since the epoch, $6 the id)
 * is the last row of the previous page. $7 is the page size plus one.
 */
/* clang-format off */
static const char SQL_ROWS[] =
    "SELECT id::text, lead_id, lead_name, contact_name, contact_phone,"
    " contact_email, sale_amount, currency, product_name, utm_source,"
    " utm_medium, utm_campaign, utm_content, utm_term, utm_id,"
    " pipeline_id, status_id, coalesce(targetologist, 'Unknown'),"
    " attribution_confidence, " REPORT_TS("sale_date")
    ", to_char(sale_date AT TIME ZONE $4, 'YYYY-MM-DD'), "
    REPORT_TS("created_at")
    ", verification, amount_over_max"
    ", (extract(epoch FROM sale_date) * 1000000)::bigint || '.' || id"
    " FROM all_sales_tracking" WHERE SHOWN
    " AND ($5::bigint IS NULL OR (sale_date, id) <"
    " ('epoch'::timestamptz + $5::bigint * interval '1 microsecond',"
    " $6::uuid)) ORDER BY sale_date DESC, id DESC LIMIT $7::bigint";
/* clang-format on */

const struct report_col sales_history_cols[] = {
	{ "id", SH_ID, REPORT_TEXT },
	{ "lead_id", SH_LEAD_ID, REPORT_TEXT },
	{ "lead_name", SH_LEAD_NAME, REPORT_TEXT },
	{ "contact_name", SH_CONTACT_NAME, REPORT_TEXT },
	{ "contact_phone", SH_CONTACT_PHONE, REPORT_TEXT },
	{ "contact_email", SH_CONTACT_EMAIL, REPORT_TEXT },
	{ "sale_amount", SH_AMOUNT, REPORT_NUM },
	{ "currency", SH_CURRENCY, REPORT_TEXT },
	{ "product_name", SH_PRODUCT, REPORT_TEXT },
	{ "utm_source", SH_UTM_SOURCE, REPORT_TEXT },
	{ "utm_medium", SH_UTM_MEDIUM, REPORT_TEXT },
	{ "utm_campaign", SH_UTM_CAMPAIGN, REPORT_TEXT },
	{ "utm_content", SH_UTM_CONTENT, REPORT_TEXT },
	{ "utm_term", SH_UTM_TERM, REPORT_TEXT },
	{ "utm_id", SH_UTM_ID, REPORT_TEXT },
	{ "pipeline_id", SH_PIPELINE, REPORT_TEXT },
	{ "status_id", SH_STATUS, REPORT_TEXT },
	{ "targetologist", SH_TEAM, REPORT_TEXT },
	{ "attribution_confidence", SH_CONFIDENCE, REPORT_TEXT },
	{ "sale_date", SH_SALE_DATE, REPORT_TEXT },
	{ "sale_day", SH_SALE_DAY, REPORT_TEXT },
	{ "created_at", SH_CREATED, REPORT_TEXT },
	{ "verification", SH_VERIFICATION, REPORT_TEXT },
	/* Over AMOSYNC_MAX_SALE_AMOUNT: kept and counted, to be looked at. */
	{ "amount_over_max", SH_OVER_MAX, REPORT_BOOL },
};
const size_t sales_history_ncols = sizeof(sales_history_cols) /
    sizeof(sales_history_cols[0]);

int
sales_history_cursor_ok(const char *s)
{
	size_t i = 0, n;

	if (s == NULL)
		return 0;
	if (s[i] == '-')
		i++;
	for (n = 0; isdigit((unsigned char)s[i]); i++, n++)
		;
	if (n == 0 || n > 18 || s[i] != '.')
		return 0;
	s += i + 1;
	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* The columns of SQL_STATS. */
enum { SH_STAT_TOTAL, SH_STAT_REVENUE, SH_STAT_AVG };

/*
 * Runs the report: *stats one row (SH_STAT_*), *rows up to limit + 1
 * rows. The caller PQclear()s both; both NULL on error.
 */
static enum err
query(struct db *db, const struct sales_history_q *q, PGresult **stats,
    PGresult **rows)
{
	char us[24] = "", id[40] = "", lim[24];
	const char *v[8];
	const char *dot;
	enum err rc;

	*stats = *rows = NULL;
	v[0] = q->targetologist;
	v[1] = q->start;
	v[2] = q->end;
	v[3] = q->tz;
	v[4] = v[5] = NULL;
	if (q->cursor != NULL && (dot = strchr(q->cursor, '.')) != NULL &&
	    (size_t)(dot - q->cursor) < sizeof(us)) {
		memcpy(us, q->cursor, (size_t)(dot - q->cursor));
		us[dot - q->cursor] = '\0';
		snprintf(id, sizeof(id), "%s", dot + 1);
		v[4] = us;
		v[5] = id;
	}
	snprintf(lim, sizeof(lim), "%lld", q->limit + 1);
	v[6] = lim;
	v[7] = q->verification != NULL ? q->verification : "counted";
	if ((*stats = db_exec(db, SQL_STATS, 4, v, &rc)) == NULL)
		return rc;
	if ((*rows = db_exec(db, SQL_ROWS, 8, v, &rc)) == NULL) {
		PQclear(*stats);
		*stats = NULL;
	}
	return rc;
}

enum err
sales_history(struct db *db, const struct sales_history_q *q,
    const struct report_out *out)
{
	PGresult *stats, *rows;
	enum err rc;
	int n, page;

	if ((rc = query(db, q, &stats, &rows)) != ERR_OK)
		return rc;
	n = PQntuples(rows);
	page = n > q->limit ? (int)q->limit : n;
	if (out->csv != NULL) {
		rc = report_csv(out->csv, rows, page, sales_history_cols,
		    sales_history_ncols);
	} else {
		jw_obj(out->w, "stats");
		jw_numstr(out->w, "total_sales",
		    db_val(stats, 0, SH_STAT_TOTAL));
		jw_numstr(out->w, "total_revenue",
		    db_val(stats, 0, SH_STAT_REVENUE));
		jw_numstr(out->w, "avg_sale", db_val(stats, 0, SH_STAT_AVG));
		jw_obj_end(out->w);
		report_rows(out, "sales", rows, page, sales_history_cols,
		    sales_history_ncols);
		jw_str(out->w, "next_cursor",
		    n > page ? db_val(rows, page - 1, SH_CUR) : NULL);
	}
	PQclear(stats);
	PQclear(rows);
	return rc;
}
