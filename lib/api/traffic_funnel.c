#include <string.h>

#include "api/traffic.h"
#include "report/funnel.h"
#include "report/out.h"

/*
 * /api/traffic/funnel: conversion through a pipeline's stages
 * (report/funnel.c). JSON: totals and the stages; CSV: the stages.
 */

/* GET /api/traffic/funnel?pipeline_id=&start=&end=&targetologist= */
static enum err
funnel_get(struct route_req *r)
{
	struct funnel_q q;
	PGresult *stages;
	long long pipe = 0;
	char pid[24];
	enum err rc;
	int csv;

	memset(&q, 0, sizeof(q));
	if ((rc = report_format(r, &csv)) != ERR_OK ||
	    (rc = route_query_int(r, "pipeline_id", 1, 999999999999LL,
	         &pipe)) != ERR_OK ||
	    (rc = report_range_req(r, &q.start, &q.end)) != ERR_OK ||
	    (rc = route_query_str(r, "targetologist", MAX_NAME,
	         &q.targetologist)) != ERR_OK)
		return rc;
	if (pipe == 0)
		return route_fail(r, ERR_VALIDATION, "pipeline_id",
		    "is required (an amoCRM pipeline id such as 10350882)");
	snprintf(pid, sizeof(pid), "%lld", pipe);
	q.pipeline_id = pid;
	q.tz = cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE);
	if ((rc = funnel(tdb(r), &q, &stages)) != ERR_OK)
		return rc;
	if (PQntuples(stages) == 0) {
		route_errorf(r,
		    "no stages are defined for pipeline %lld "
		    "(table funnel_stages)",
		    pipe);
		rc = ERR_NOTFOUND;
	} else if (csv) {
		rc = report_csv(r, stages, -1, funnel_cols, funnel_ncols);
	} else {
		jw_int(&r->w, "pipeline_id", pipe);
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", q.start);
		jw_str(&r->w, "end", q.end);
		jw_obj_end(&r->w);
		jw_str(&r->w, "targetologist", q.targetologist);
		jw_numstr(&r->w, "leads",
		    db_val(stages, 0, FUNNEL_TOTAL_LEADS));
		jw_numstr(&r->w, "won", db_val(stages, 0, FUNNEL_TOTAL_WON));
		jw_numstr(&r->w, "lost", db_val(stages, 0, FUNNEL_TOTAL_LOST));
		report_json(&r->w, "stages", stages, funnel_cols, funnel_ncols);
	}
	PQclear(stages);
	return rc;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/funnel", funnel_get, 0, NULL },
};

const struct route_table traffic_funnel_routes = ROUTE_TABLE(routes);
