#include <stdio.h>

#include "api/admin.h"
#include "api/traffic.h"

/*
 * What the dashboards (ui/) read besides the reports:
 *   GET /api/traffic/ui-settings   the business time zone
 *       (AMOSYNC_TIMEZONE) in which "today" starts and every date is
 *       shown, the reports' currency and the admin signed in (nginx's
 *       REMOTE_USER, "" without auth);
 *   GET /api/traffic/leads/{lead_id}/events   a lead's stage changes
 *       (lead_events, oldest first, at most EVENTS_MAX) with the names of
 *       the stages where funnel_stages knows them: the timeline of a
 *       sale's details.
 */

#define EVENTS_MAX 500

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
    "SELECT " ADMIN_TS("e.event_at") ", e.action, e.pipeline_id::text,"
    " e.status_id::text, s.name, e.old_pipeline_id::text,"
    " e.old_status_id::text, o.name"
    " FROM lead_events e"
    " LEFT JOIN funnel_stages s ON s.pipeline_id = e.pipeline_id"
    "  AND s.status_id = e.status_id"
    " LEFT JOIN funnel_stages o ON o.pipeline_id = e.old_pipeline_id"
    "  AND o.status_id = e.old_status_id"
    " WHERE e.lead_id = $1::bigint ORDER BY e.event_at, e.id LIMIT $2::integer";
/* clang-format on */

static enum err
ui_settings(struct route_req *r)
{
	const struct app *app = tctx(r)->app;

	jw_str(&r->w, "timezone", cfg_str(&app->cfg, CFG_TIMEZONE));
	jw_str(&r->w, "currency", "KZT");
	jw_str(&r->w, "user", r->req->user != NULL ? r->req->user : "");
	return ERR_OK;
}

static enum err
lead_events(struct route_req *r)
{
	char limit[16];
	const char *v[2] = { r->arg[0], limit };
	PGresult *res;
	enum err rc;
	int i, n;

	/* A lead id is a positive bigint, like a rule id. */
	if (!traffic_is_ruleid(r->arg[0]))
		return route_fail(r, ERR_VALIDATION, "lead_id",
		    "must be an amoCRM lead id (a positive whole number)");
	snprintf(limit, sizeof(limit), "%d", EVENTS_MAX);
	if ((res = db_exec(tdb(r), SQL_EVENTS, 2, v, &rc)) == NULL)
		return rc;
	n = PQntuples(res);
	jw_str(&r->w, "lead_id", r->arg[0]);
	jw_arr(&r->w, "events");
	for (i = 0; i < n; i++) {
		jw_obj(&r->w, NULL);
		jw_str(&r->w, "event_at", db_val(res, i, EV_AT));
		jw_str(&r->w, "action", db_val(res, i, EV_ACTION));
		jw_numstr(&r->w, "pipeline_id", db_val(res, i, EV_PIPELINE));
		jw_numstr(&r->w, "status_id", db_val(res, i, EV_STATUS));
		jw_str(&r->w, "stage", db_val(res, i, EV_STAGE));
		jw_numstr(&r->w, "old_pipeline_id",
		    db_val(res, i, EV_OLD_PIPELINE));
		jw_numstr(&r->w, "old_status_id",
		    db_val(res, i, EV_OLD_STATUS));
		jw_str(&r->w, "old_stage", db_val(res, i, EV_OLD_STAGE));
		jw_obj_end(&r->w);
	}
	jw_arr_end(&r->w);
	PQclear(res);
	return ERR_OK;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/ui-settings", ui_settings, 0, NULL },
	{ WEB_GET, "/api/traffic/leads/{lead_id}/events", lead_events, 0,
	    "lead" },
};

const struct route_table traffic_ui_routes = ROUTE_TABLE(routes);
