#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/admin.h"
#include "api/traffic.h"
#include "attr/engine.h"
#include "base/buf.h"
#include "base/jw.h"
#include "base/log.h"
#include "base/text.h"
#include "report/out.h"

/* /api/traffic/audit: the audit trail of teams, rules and re-attribution. */

#define TS(c) ADMIN_TS(c)

/* The columns of SQL_AUDIT_LIST. */
enum audit_col {
	AL_ID,
	AL_AT,
	AL_ACTOR,
	AL_ACTION,
	AL_ENTITY,
	AL_ENTITY_ID,
	AL_BEFORE,
	AL_AFTER,
	AL__MAX
};

/* clang-format off */
static const char SQL_AUDIT_LIST[] =
    "SELECT id, " TS("at") ", actor, action, entity, entity_id,"
    " before::text, after::text FROM attribution_audit"
    " WHERE ($1::text IS NULL OR entity = $1)"
    " AND ($2::text IS NULL OR entity_id = $2)"
    " ORDER BY id DESC LIMIT $3::integer";
/* clang-format on */

/* The columns of the audit log's CSV export (?format=csv). */
static const struct report_col audit_csv_cols[] = {
	{ "id", AL_ID, REPORT_NUM },
	{ "at", AL_AT, REPORT_TEXT },
	{ "actor", AL_ACTOR, REPORT_TEXT },
	{ "action", AL_ACTION, REPORT_TEXT },
	{ "entity", AL_ENTITY, REPORT_TEXT },
	{ "entity_id", AL_ENTITY_ID, REPORT_TEXT },
	{ "before", AL_BEFORE, REPORT_TEXT },
	{ "after", AL_AFTER, REPORT_TEXT },
};

/*
 * GET /api/traffic/audit?entity=&entity_id=&limit=&format=: newest first;
 * as CSV with the before and after documents as JSON text.
 */
static enum err
audit_list(struct route_req *r)
{
	static const char *const entities[] = { "team", "rule", "sales", NULL };
	const char *entity, *id, *v[3];
	char lim[24];
	PGresult *res;
	long long n = 50;
	enum err rc;
	int i, csv;

	if ((rc = report_format(r, &csv)) != ERR_OK ||
	    (rc = route_query_enum(r, "entity", entities, &entity)) != ERR_OK ||
	    (rc = route_query_str(r, "entity_id", 64, &id)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, AUDIT_LIMIT, &n)) != ERR_OK)
		return rc;
	snprintf(lim, sizeof(lim), "%lld", n);
	v[0] = entity;
	v[1] = id;
	v[2] = lim;
	if ((res = db_exec(tdb(r), SQL_AUDIT_LIST, 3, v, &rc)) == NULL)
		return rc;
	if (csv) {
		rc = report_csv(r, res, -1, REPORT_COLS(audit_csv_cols));
		PQclear(res);
		return rc;
	}
	jw_arr(&r->w, "audit");
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(&r->w, NULL);
		jw_numstr(&r->w, "id", db_val(res, i, AL_ID));
		jw_str(&r->w, "at", db_val(res, i, AL_AT));
		jw_str(&r->w, "actor", db_val(res, i, AL_ACTOR));
		jw_str(&r->w, "action", db_val(res, i, AL_ACTION));
		jw_str(&r->w, "entity", db_val(res, i, AL_ENTITY));
		jw_str(&r->w, "entity_id", db_val(res, i, AL_ENTITY_ID));
		jw_raw(&r->w, "before", db_val(res, i, AL_BEFORE));
		jw_raw(&r->w, "after", db_val(res, i, AL_AFTER));
		jw_obj_end(&r->w);
	}
	jw_arr_end(&r->w);
	PQclear(res);
	return ERR_OK;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/audit", audit_list, 0, NULL },
};

const struct route_table traffic_audit_routes = ROUTE_TABLE(routes);
