#include <stdio.h>
#include <string.h>

#include "api/report_http.h"
#include "api/traffic.h"
#include "report/dynamics.h"

/*
 * /api/traffic/dynamics: sales per day, week or month per group
 * (report/dynamics.c). JSON: the buckets in order and one row per bucket
 * and group; CSV: the rows.
 */

/* The day number of a valid YYYY-MM-DD date (civil calendar). */
static long
days_from_civil(const char *s)
{
	int y = 0, m, d, i;
	long era, yoe, doy, doe;

	for (i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe;
}

/* GET /api/traffic/dynamics?granularity=&group=&start=&end=&format= */
static enum err
dynamics_get(struct route_req *r)
{
	static const char *const grans[] = { "day", "week", "month", NULL };
	static const char *const groups[] = { "targetologist", "product",
		"utm_source", NULL };
	struct dynamics_q q;
	struct report_out out;
	struct buf b;
	enum err rc;
	int csv;

	memset(&q, 0, sizeof(q));
	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = route_query_enum(r, "granularity", grans, &q.granularity)) !=
	        ERR_OK ||
	    (rc = route_query_enum(r, "group", groups, &q.group)) != ERR_OK ||
	    (rc = report_http_range_req(r, &q.start, &q.end)) != ERR_OK)
		return rc;
	if (q.granularity == NULL)
		q.granularity = "day";
	if (q.group == NULL)
		q.group = "targetologist";
	if (days_from_civil(q.end) - days_from_civil(q.start) >=
	    DYNAMICS_MAX_DAYS)
		return route_fail(r, ERR_VALIDATION, "end",
		    "the range must be at most 3660 days");
	q.tz = cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE);
	if (!csv) {
		jw_str(&r->w, "granularity", q.granularity);
		jw_str(&r->w, "group", q.group);
		jw_obj(&r->w, "period");
		jw_str(&r->w, "start", q.start);
		jw_str(&r->w, "end", q.end);
		jw_obj_end(&r->w);
	}
	report_http_begin(r, csv, &out, &b);
	return report_http_end(r, &out, dynamics(tdb(r), &q, &out));
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/dynamics", dynamics_get, 0, NULL },
};

const struct route_table traffic_dynamics_routes = ROUTE_TABLE(routes);
