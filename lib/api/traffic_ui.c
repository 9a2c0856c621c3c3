#include "api/traffic.h"
#include "report/lead_events.h"

/*
 * What the dashboards (ui/) read besides the reports:
 *   GET /api/traffic/ui-settings   the business time zone
 *       (AMOSYNC_TIMEZONE) in which "today" starts and every date is
 *       shown, the reports' currency and the admin signed in (nginx's
 *       REMOTE_USER, "" without auth);
 *   GET /api/traffic/leads/{lead_id}/events   a lead's stage changes
 *       (report/lead_events, at most EVENTS_MAX): the timeline of a
 *       sale's details.
 */

#define EVENTS_MAX 500

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
events(struct route_req *r)
{
	/* A lead id is a positive bigint, like a rule id. */
	if (!traffic_is_ruleid(r->arg[0]))
		return route_fail(r, ERR_VALIDATION, "lead_id",
		    "must be an amoCRM lead id (a positive whole number)");
	return lead_events(tdb(r), r->arg[0], EVENTS_MAX, &r->w);
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/ui-settings", ui_settings, 0, NULL },
	{ WEB_GET, "/api/traffic/leads/{lead_id}/events", events, 0, "lead" },
};

const struct route_table traffic_ui_routes = ROUTE_TABLE(routes);
