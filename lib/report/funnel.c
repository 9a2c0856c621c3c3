#include "report/funnel.h"

/*
 * The events of the period: $1 pipeline, $2 and $3 the days, $4 the time
 * zone, $5 the team. Index: lead_events_funnel_idx (006-funnel.sql).
 */
#define EVENTS                                                                 \
	"ev AS (SELECT e.lead_id, e.status_id, e.old_status_id, e.event_at"    \
	" FROM lead_events e"                                                  \
	" WHERE e.pipeline_id = $1::bigint"                                    \
	" AND e.event_at >= " REPORT_DAY_FROM("$2",                            \
	    "$4") " AND e.event_at < " REPORT_DAY_TO("$3",                     \
	    "$4") " AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM "           \
	          "all_sales_tracking s"                                       \
	          "  WHERE s.lead_id = e.lead_id::text"                        \
	          "  AND coalesce(s.targetologist, 'Unknown') = $5)))"

/* The columns of SQL_STAGES. */
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
	FN__MAX
};

/*
 * st: the stages ranked 1..n; reach: each lead's furthest rank, through
 * the status it entered or the one it left; entered: when a lead first
 * entered a stage; gaps: the median from entering rank k-1 to rank k.
 */
/* clang-format off */
static const char SQL_STAGES[] =
    "WITH st AS (SELECT status_id, name, position, row_number() OVER"
    " (ORDER BY position) AS rk FROM funnel_stages WHERE pipeline_id ="
    " $1::bigint), " EVENTS
    ", reach AS (SELECT ev.lead_id, max(st.rk) AS rk,"
    " bool_or(ev.status_id = 142) AS won, bool_or(ev.status_id = 143)"
    " AS lost FROM ev LEFT JOIN st ON st.status_id IN (ev.status_id,"
    " ev.old_status_id) GROUP BY ev.lead_id), entered AS (SELECT"
    " ev.lead_id, st.rk, min(ev.event_at) AS t FROM ev JOIN st ON"
    " st.status_id = ev.status_id GROUP BY 1, 2), gaps AS (SELECT b.rk,"
    " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
    " b.t - a.t)) AS med FROM entered b JOIN entered a ON a.lead_id ="
    " b.lead_id AND a.rk = b.rk - 1 AND b.t >= a.t GROUP BY b.rk), per"
    " AS (SELECT st.rk, st.status_id, st.name, st.position,"
    " count(r.lead_id) AS leads, count(r.lead_id) FILTER (WHERE r.won)"
    " AS won, count(r.lead_id) FILTER (WHERE r.lost) AS lost, g.med"
    " FROM st LEFT JOIN reach r ON r.rk >= st.rk LEFT JOIN gaps g ON"
    " g.rk = st.rk GROUP BY st.rk, st.status_id, st.name, st.position,"
    " g.med) SELECT status_id, name, position, leads, CASE WHEN rk = 1"
    " THEN NULL WHEN lag(leads) OVER w > 0 THEN round(100.0 * leads /"
    " lag(leads) OVER w, 2) END, CASE WHEN first_value(leads) OVER w >"
    " 0 THEN round(100.0 * leads / first_value(leads) OVER w, 2) END,"
    " round(med::numeric), won, lost FROM per WINDOW w AS (ORDER BY rk)"
    " ORDER BY rk";
/* clang-format on */

/* clang-format off */
static const char SQL_TOTALS[] =
    "WITH " EVENTS
    " SELECT count(DISTINCT lead_id), count(DISTINCT lead_id) FILTER"
    " (WHERE status_id = 142), count(DISTINCT lead_id) FILTER (WHERE"
    " status_id = 143) FROM ev";
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
funnel(struct db *db, const struct funnel_q *q, PGresult **stages,
    PGresult **totals)
{
	const char *v[5] = { q->pipeline_id, q->start, q->end, q->tz,
		q->targetologist };
	enum err rc;

	*totals = NULL;
	if ((*stages = db_exec(db, SQL_STAGES, 5, v, &rc)) == NULL)
		return rc;
	if ((*totals = db_exec(db, SQL_TOTALS, 5, v, &rc)) == NULL) {
		PQclear(*stages);
		*stages = NULL;
	}
	return rc;
}
