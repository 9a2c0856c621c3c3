#include "api/report_http.h"
#include "api/traffic.h"
#include "teams/audit.h"

/* /api/traffic/audit: the audit trail of teams, rules and re-attribution. */

/*
 * GET /api/traffic/audit?entity=&entity_id=&limit=&format=: newest first
 * (teams/audit); as CSV with the before and after documents as JSON text.
 */
static enum err
audit_list(struct route_req *r)
{
	static const char *const entities[] = { "team", "rule", "sales",
		"pipeline", "campaign_map", NULL };
	struct teams_audit_q q = { .limit = 50 };
	struct buf csv;
	enum err rc;
	int is_csv;

	if ((rc = report_http_format(r, &is_csv)) != ERR_OK ||
	    (rc = route_query_enum(r, "entity", entities, &q.entity)) !=
	        ERR_OK ||
	    (rc = route_query_str(r, "entity_id", 64, &q.id)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, AUDIT_LIMIT, &q.limit)) !=
	        ERR_OK)
		return rc;
	if (!is_csv)
		return teams_audit_list(tdb(r), &q, &r->w, NULL);
	buf_init(&csv);
	if ((rc = teams_audit_list(tdb(r), &q, NULL, &csv)) == ERR_OK)
		report_http_csv(r, &csv);
	buf_free(&csv);
	return rc;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/audit", audit_list, 0, NULL },
};

const struct route_table traffic_audit_routes = ROUTE_TABLE(routes);
