#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "report/funnel.h"
#include "report/stats.h"

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
	FN_PENDING_SALES,
	FN_PENDING_LEADS,
	FN__MAX
};

/*
 * $1 pipeline, $2 and $3 the days, $4 the time zone, $5 the team.
 * st: the pipeline's funnel stages (pipeline_stages, synced from amoCRM:
 * all but 143 and the archived, in amoCRM's sort order; position is the
 * rank, 1..n); ord: the pipeline's stage ids in order, so a status's rank is its
 * array_position (NULL: not a stage). fast: no team and the days of
 * funnel_day_* are those of $4 (sql/traffic/009-funnel-leads.sql);
 * tfast: the same days, with a team (funnel_team_day_*,
 * 047-funnel-team-days.sql). ev: the events of the period to read one by
 * one with their ranks: every one (neither; index lead_events_funnel_idx,
 * 006-funnel.sql), or only those of the leads with events outside the
 * period too (fast, tfast: funnel_leads_days_idx). lead: each such lead's
 * furthest rank, won, lost; entered: when it first entered a rank;
 * steps: the gap from entering rank k-1 to entering rank k. lc and gp add
 * the leads whose every event is in the period, summed per day by the
 * triggers, of every team (fast) or of team $5 (tfast). A team's leads
 * are those whose sale is of that team (TEAM_OF over the events,
 * funnel_leads.team once the pending leads are applied). furthest:
 * leads per furthest rank, so "reached rank k" is the sum over ranks >=
 * k; gaps: the median gap per rank, percentile_cont(0.5) over the
 * counted gaps (lo, hi: the values at the middle positions). Last, in
 * the same snapshot, the sales and leads still waiting for their
 * catch-up: the sums do not count them yet.
 */
/* clang-format off */
#define FAST "(SELECT f FROM fast)"
#define TFAST "(SELECT f FROM tfast)"
/* The rows of funnel_*day_* of leads whose every event is in the days. */
#define DAYS \
	" AND pipeline_id = $1::bigint AND first_day >= $2::date" \
	" AND first_day <= $3::date AND last_day <= $3::date"
/* Leads whose sale is of team $5 (any lead when $5 is NULL). */
#define TEAM_OF(lead) \
	" ($5::text IS NULL OR EXISTS (SELECT 1 FROM all_sales_tracking s" \
	"  WHERE s.lead_id = " lead "::text" \
	"  AND coalesce(s.targetologist, 'Unknown') = $5))"
static const char SQL_FUNNEL[] =
    "WITH st AS (SELECT status_id, name, rk AS position, rk FROM"
    "  (SELECT status_id, name,"
    "  row_number() OVER (ORDER BY sort, status_id) AS rk"
    "  FROM pipeline_stages WHERE pipeline_id = $1::bigint"
    "  AND status_id <> 143 AND NOT is_archive) s),"
    " ord AS (SELECT array_agg(status_id ORDER BY rk) AS a FROM st),"
    " fast AS (SELECT $5::text IS NULL AND " REPORT_STATS_OK("$4") " AS f),"
    " tfast AS (SELECT $5::text IS NOT NULL AND " REPORT_STATS_OK("$4")
    "  AS f),"
    " ev AS MATERIALIZED (SELECT e.lead_id, e.status_id, e.event_at,"
    "  array_position((SELECT a FROM ord), e.status_id) AS rk,"
    "  array_position((SELECT a FROM ord), e.old_status_id) AS ork"
    "  FROM lead_events e WHERE NOT " FAST " AND NOT " TFAST
    "  AND e.pipeline_id = $1::bigint"
    "  AND e.event_at >= " REPORT_DAY_FROM("$2", "$4")
    "  AND e.event_at < " REPORT_DAY_TO("$3", "$4")
    "  AND" TEAM_OF("e.lead_id")
    "  UNION ALL SELECT e.lead_id, e.status_id, e.event_at,"
    "  array_position((SELECT a FROM ord), e.status_id),"
    "  array_position((SELECT a FROM ord), e.old_status_id)"
    "  FROM funnel_leads fl JOIN lead_events e ON e.lead_id = fl.lead_id"
    "  AND e.pipeline_id = fl.pipeline_id WHERE (" FAST " OR " TFAST ")"
    "  AND fl.pipeline_id = $1::bigint AND ($5::text IS NULL OR fl.team = $5)"
    "  AND (daterange(fl.first_day, fl.last_day, '[]') @>"
    "   daterange($2::date - 1, $2::date, '[]')"
    "   OR daterange(fl.first_day, fl.last_day, '[]') @>"
    "   daterange($3::date, $3::date + 1, '[]'))"
    "  AND e.event_at >= " REPORT_DAY_FROM("$2", "$4")
    "  AND e.event_at < " REPORT_DAY_TO("$3", "$4") "),"
    " lead AS (SELECT lead_id,"
    "  max(greatest(coalesce(rk, 0), coalesce(ork, 0))) AS rk,"
    "  bool_or(status_id = 142) AS won, bool_or(status_id = 143) AS lost"
    "  FROM ev GROUP BY lead_id),"
    " lc AS (SELECT rk, won, lost, count(*) AS n FROM lead GROUP BY 1, 2, 3"
    "  UNION ALL SELECT rk, won, lost, sum(n) FROM funnel_day_leads"
    "  WHERE " FAST DAYS " GROUP BY 1, 2, 3"
    "  UNION ALL SELECT rk, won, lost, sum(n) FROM funnel_team_day_leads"
    "  WHERE " TFAST " AND team = $5" DAYS " GROUP BY 1, 2, 3),"
    " furthest AS (SELECT rk, sum(n) AS n,"
    "  coalesce(sum(n) FILTER (WHERE won), 0) AS won,"
    "  coalesce(sum(n) FILTER (WHERE lost), 0) AS lost FROM lc GROUP BY rk),"
    " entered AS (SELECT lead_id, rk, min(event_at) AS t FROM ev"
    "  WHERE rk IS NOT NULL GROUP BY 1, 2),"
    " steps AS (SELECT rk, t - lag(t) OVER w AS gap, lag(rk) OVER w AS prk"
    "  FROM entered WINDOW w AS (PARTITION BY lead_id ORDER BY rk)),"
    " gp AS (SELECT rk, gap, sum(n) AS n FROM (SELECT rk,"
    "  extract(epoch FROM gap)::double precision AS gap, 1 AS n FROM steps"
    "  WHERE prk = rk - 1 AND gap >= interval '0' UNION ALL SELECT rk, gap,"
    "  n FROM funnel_day_gaps WHERE " FAST DAYS
    "  UNION ALL SELECT rk, gap, n FROM funnel_team_day_gaps"
    "  WHERE " TFAST " AND team = $5" DAYS ")"
    " g GROUP BY 1, 2 HAVING sum(n) > 0),"
    " gc AS (SELECT rk, gap, sum(n) OVER (PARTITION BY rk ORDER BY gap) AS cum,"
    "  0.5 * (sum(n) OVER (PARTITION BY rk) - 1) AS pos FROM gp),"
    " gaps AS (SELECT rk, lo + (pos - floor(pos))::double precision"
    "  * (hi - lo) AS med FROM (SELECT rk, pos,"
    "  min(gap) FILTER (WHERE cum > floor(pos)) AS lo,"
    "  min(gap) FILTER (WHERE cum > ceil(pos)) AS hi FROM gc"
    "  GROUP BY rk, pos) m),"
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
    "  (SELECT coalesce(sum(lost), 0) FROM furthest),"
    "  (SELECT count(*) FROM sales_stats_pending),"
    "  (SELECT count(*) FROM funnel_pending)"
    " FROM per LEFT JOIN gaps g ON g.rk = per.rk"
    " WINDOW w AS (ORDER BY per.rk) ORDER BY per.rk";
#undef FAST
#undef TFAST
#undef DAYS
#undef TEAM_OF
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

static const char SQL_PENDING[] = "SELECT funnel_pending_apply($1)";
/*
 * A report's catch-up: one small batch of each, giving up at once on a
 * lock another session holds (lock_timeout, until the statement's
 * COMMIT); the claims themselves never wait (SKIP LOCKED).
 */
static const char SQL_TRY[] =
    "SELECT set_config('lock_timeout', '100ms', true),"
    " sales_stats_pending_apply($1), funnel_pending_apply($1)";

/* The leads a report applies before it reads, at most. */
#define FUNNEL_TRY_BATCH "200"

enum err
funnel_catch_up(struct db *db, int batch, long long *sales, long long *leads)
{
	char lim[16];
	const char *v[1] = { lim };
	PGresult *res;
	enum err rc;

	*leads = 0;
	if ((rc = stats_catch_up(db, batch, sales)) != ERR_OK)
		return rc;
	/* The sales first: each applied sale marks its lead again. */
	if (*sales >= batch)
		return ERR_OK;
	snprintf(lim, sizeof(lim), "%d", batch);
	if ((res = db_exec(db, SQL_PENDING, 1, v, &rc)) == NULL)
		return rc;
	*leads = strtoll(db_val(res, 0, 0), NULL, 10);
	PQclear(res);
	return ERR_OK;
}

enum err
funnel(struct db *db, const struct funnel_q *q, const struct report_out *out)
{
	const char *v[5] = { q->pipeline_id, q->start, q->end, q->tz,
		q->targetologist };
	PGresult *stages;
	enum err rc;

	const char *t[1] = { FUNNEL_TRY_BATCH };
	PGresult *res;

	/*
	 * A little of what is pending first, if that needs no wait; the
	 * report answers anyway, and says what its sums do not count yet.
	 */
	if ((res = db_exec(db, SQL_TRY, 1, t, &rc)) == NULL)
		log_debug("funnel: no catch-up before the report (%s)",
		    err_name(rc));
	PQclear(res);
	if ((stages = db_exec(db, SQL_FUNNEL, 5, v, &rc)) == NULL)
		return rc;
	if (PQntuples(stages) == 0) {
		rc = ERR_NOTFOUND;
	} else if (out->csv != NULL) {
		rc = report_csv(out->csv, stages, -1, funnel_cols,
		    funnel_ncols);
	} else {
		jw_numstr(out->w, "leads", db_val(stages, 0, FN_TOTAL_LEADS));
		jw_numstr(out->w, "won", db_val(stages, 0, FN_TOTAL_WON));
		jw_numstr(out->w, "lost", db_val(stages, 0, FN_TOTAL_LOST));
		jw_obj(out->w, "pending");
		jw_numstr(out->w, "sales", db_val(stages, 0, FN_PENDING_SALES));
		jw_numstr(out->w, "leads", db_val(stages, 0, FN_PENDING_LEADS));
		jw_obj_end(out->w);
		report_json(out->w, "stages", stages, funnel_cols,
		    funnel_ncols);
	}
	PQclear(stages);
	return rc;
}
