#include <stdio.h>

#include "report/lead_events.h"
#include "report/out.h"

enum event_col {
	EV_AT,
	EV_ACTION,
	EV_PIPELINE,
	EV_STATUS,
	EV_STAGE,
	EV_OLD_PIPELINE,
	EV_OLD_STATUS,
	EV_OLD_STAGE,
	EV__MAX
};

/* clang-format off */
static const char SQL_EVENTS[] =
    "SELECT " REPORT_TS("e.event_at") ", e.action, e.pipeline_id::text,"
    " e.status_id::text, s.name, e.old_pipeline_id::text,"
    " e.old_status_id::text, o.name"
    " FROM lead_events e"
    " LEFT JOIN pipeline_stages s ON s.pipeline_id = e.pipeline_id"
    "  AND s.status_id = e.status_id"
    " LEFT JOIN pipeline_stages o"
    "  ON o.pipeline_id = coalesce(nullif(e.old_pipeline_id, 0),"
    "  e.pipeline_id) AND o.status_id = e.old_status_id"
    " WHERE e.lead_id = $1::bigint ORDER BY e.event_at, e.id LIMIT $2::integer";
/* clang-format on */

enum err
lead_events(struct db *db, const char *lead_id, int limit, struct jw *w)
{
	char lim[16];
	const char *v[2] = { lead_id, lim };
	PGresult *res;
	enum err rc;
	int i, n;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, SQL_EVENTS, 2, v, &rc)) == NULL)
		return rc;
	n = PQntuples(res);
	jw_str(w, "lead_id", lead_id);
	jw_arr(w, "events");
	for (i = 0; i < n; i++) {
		jw_obj(w, NULL);
		jw_str(w, "event_at", db_val(res, i, EV_AT));
		jw_str(w, "action", db_val(res, i, EV_ACTION));
		jw_numstr(w, "pipeline_id", db_val(res, i, EV_PIPELINE));
		jw_numstr(w, "status_id", db_val(res, i, EV_STATUS));
		jw_str(w, "stage", db_val(res, i, EV_STAGE));
		jw_numstr(w, "old_pipeline_id",
		    db_val(res, i, EV_OLD_PIPELINE));
		jw_numstr(w, "old_status_id", db_val(res, i, EV_OLD_STATUS));
		jw_str(w, "old_stage", db_val(res, i, EV_OLD_STAGE));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	PQclear(res);
	return ERR_OK;
}
