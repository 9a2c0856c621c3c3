#include <string.h>

#include "api/report_http.h"
#include "api/traffic.h"
#include "report/funnel.h"

/*
 * /api/traffic/funnel: conversion through a pipeline's stages
 * (report/funnel.c). JSON: totals and the stages; CSV: the stages.
 */

/* GET /api/traffic/funnel?pipeline_id=&start=&end=&targetologist= */
static enum err
funnel_get(struct route_req *r)
{
	struct funnel_q q;
	struct report_out out;
	long long pipe = 0;
	struct buf b;
	char pid[24];
	enum err rc;
	int csv;

	memset(&q, 0, sizeof(q));
	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = route_query_int(r, "pipeline_id", 1, 999999999999LL,
	         &pipe)) != ERR_OK ||
	    (rc = report_http_range_req(r, &q.start, &q.end)) != ERR_OK ||
	    (rc = route_query_str(r, "targetologist", MAX_NAME,
	         &q.targetologist)) != ERR_OK)
		return rc;
	if (pipe == 0)
		return route_fail(r, ERR_VALIDATION, "pipeline_id",
		    "is required (an amoCRM pipeline id such as 10350882)");
	snprintf(pid, sizeof(pid), "%lld", pipe);
	q.pipeline_id = pid;
	q.tz = cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE);
	if (!csv) {
		jw_int(&r->w, "pipeline_id", pipe);
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", q.start);
		jw_str(&r->w, "end", q.end);
		jw_obj_end(&r->w);
		jw_str(&r->w, "targetologist", q.targetologist);
	}
	report_http_begin(r, csv, &out, &b);
	if ((rc = funnel(tdb(r), &q, &out)) == ERR_NOTFOUND)
		route_errorf(r,
		    "pipeline %lld has no stages: sync the pipelines from "
		    "amoCRM (POST /api/traffic/pipelines/sync)",
		    pipe);
	return report_http_end(r, &out, rc);
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/funnel", funnel_get, 0, NULL },
};

const struct route_table traffic_funnel_routes = ROUTE_TABLE(routes);
