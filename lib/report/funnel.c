#include "report/funnel.h"

/* The columns of SQL_FUNNEL: the stage, then the period's totals. */
enum fn_col {
	FN_STATUS,
	FN_NAME,
	FN_POSITION,
	FN_LEADS,
	FN_CONV_PREV,
	FN_CONV_FIRST,
	FN_MEDIAN,
	FN_WON,
	FN_LOST,
	FN_TOTAL_LEADS,
	FN_TOTAL_WON,
	FN_TOTAL_LOST,
	FN__MAX
};

const int FUNNEL_TOTAL_LEADS = FN_TOTAL_LEADS;
const int FUNNEL_TOTAL_WON = FN_TOTAL_WON;
const int FUNNEL_TOTAL_LOST = FN_TOTAL_LOST;

/*
 * $1 pipeline, $2 and $3 the days, $4 the time zone, $5 the team.
 * ord: the pipeline's stage ids in order, so a status's rank is its
 * array_position (NULL: not a stage). ev: the period's events with the
 * ranks of the status entered and left (index lead_events_funnel_idx,
 * 006-funnel.sql). lead: each lead's furthest rank, won, lost. furthest:
 * leads per furthest rank, so "reached rank k" is the sum over ranks >=
 * k. entered: when a lead first entered a rank; gaps: the median from
 * entering rank k-1 to entering rank k, per k.
 */
/* clang-format off */
static const char SQL_FUNNEL[] =
    "WITH st AS (SELECT status_id, name, position,"
    "  row_number() OVER (ORDER BY position) AS rk"
    "  FROM funnel_stages WHERE pipeline_id = $1::bigint),"
    " ord AS (SELECT array_agg(status_id ORDER BY rk) AS a FROM st),"
    " ev AS MATERIALIZED (SELECT e.lead_id, e.status_id, e.event_at,"
    "  array_position((SELECT a FROM ord), e.status_id) AS rk,"
    "  array_position((SELECT a FROM ord), e.old_status_id) AS ork"
    "  FROM lead_events e WHERE e.pipeline_id = $1::bigint"
    "  AND e.event_at >= " REPORT_DAY_FROM("$2", "$4")
    "  AND e.event_at < " REPORT_DAY_TO("$3", "$4")
    "  AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM all_sales_tracking s"
    "   WHERE s.lead_id = e.lead_id::text"
    "   AND coalesce(s.targetologist, 'Unknown') = $5))),"
    " lead AS (SELECT lead_id,"
    "  max(greatest(coalesce(rk, 0), coalesce(ork, 0))) AS rk,"
    "  bool_or(status_id = 142) AS won, bool_or(status_id = 143) AS lost"
    "  FROM ev GROUP BY lead_id),"
    " furthest AS (SELECT rk, count(*) AS n,"
    "  count(*) FILTER (WHERE won) AS won,"
    "  count(*) FILTER (WHERE lost) AS lost FROM lead GROUP BY rk),"
    " entered AS (SELECT lead_id, rk, min(event_at) AS t FROM ev"
    "  WHERE rk IS NOT NULL GROUP BY 1, 2),"
    " steps AS (SELECT rk, t - lag(t) OVER w AS gap, lag(rk) OVER w AS prk"
    "  FROM entered WINDOW w AS (PARTITION BY lead_id ORDER BY rk)),"
    " gaps AS (SELECT rk, percentile_cont(0.5) WITHIN GROUP"
    "  (ORDER BY extract(epoch FROM gap)) AS med FROM steps"
    "  WHERE prk = rk - 1 AND gap >= interval '0' GROUP BY rk),"
    " per AS (SELECT st.rk, st.status_id, st.name, st.position,"
    "  coalesce(sum(f.n), 0) AS leads, coalesce(sum(f.won), 0) AS won,"
    "  coalesce(sum(f.lost), 0) AS lost"
    "  FROM st LEFT JOIN furthest f ON f.rk >= st.rk"
    "  GROUP BY st.rk, st.status_id, st.name, st.position)"
    " SELECT per.status_id, per.name, per.position, per.leads,"
    "  CASE WHEN per.rk = 1 THEN NULL WHEN lag(per.leads) OVER w > 0"
    "   THEN round(100.0 * per.leads / lag(per.leads) OVER w, 2) END,"
    "  CASE WHEN first_value(per.leads) OVER w > 0"
    "   THEN round(100.0 * per.leads / first_value(per.leads) OVER w, 2)"
    "  END,"
    "  round(g.med::numeric), per.won, per.lost,"
    "  (SELECT coalesce(sum(n), 0) FROM furthest),"
    "  (SELECT coalesce(sum(won), 0) FROM furthest),"
    "  (SELECT coalesce(sum(lost), 0) FROM furthest)"
    " FROM per LEFT JOIN gaps g ON g.rk = per.rk"
    " WINDOW w AS (ORDER BY per.rk) ORDER BY per.rk";
/* clang-format on */

const struct report_col funnel_cols[] = {
	{ "status_id", FN_STATUS, REPORT_NUM },
	{ "name", FN_NAME, REPORT_TEXT },
	{ "position", FN_POSITION, REPORT_NUM },
	{ "leads", FN_LEADS, REPORT_NUM },
	{ "conversion_from_previous", FN_CONV_PREV, REPORT_NUM },
	{ "conversion_from_first", FN_CONV_FIRST, REPORT_NUM },
	{ "median_seconds_from_previous", FN_MEDIAN, REPORT_NUM },
	{ "won", FN_WON, REPORT_NUM },
	{ "lost", FN_LOST, REPORT_NUM },
};
const size_t funnel_ncols = sizeof(funnel_cols) / sizeof(funnel_cols[0]);

enum err
funnel(struct db *db, const struct funnel_q *q, PGresult **stages)
{
	const char *v[5] = { q->pipeline_id, q->start, q->end, q->tz,
		q->targetologist };
	enum err rc;

	*stages = db_exec(db, SQL_FUNNEL, 5, v, &rc);
	return rc;
}
