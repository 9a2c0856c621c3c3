/*
 * The program "landing": /api/landing/, the Landing Admin's API over
 * landing_leads (landing/leads) and the record of sync runs.
 *   GET /api/landing/leads?utm_source=&utm_medium=&utm_campaign=&source=
 *       &synced=yes|no&email_status=&sms_status=&from=&to=&q=
 *       &sort=&after=&limit=&format=csv  one page, its total, the next
 *       cursor; or the leads as CSV (100000 at most)
 *   GET /api/landing/leads/stats?from=&to=
 *   GET /api/landing/leads/{id}
 *   GET /api/landing/sync-runs?limit=
 *   POST /api/landing/sync-to-amocrm/{id}   queue one lead for the push
 *   POST /api/landing/sync-all-to-amocrm    queue every lead not in amoCRM
 * Dates are calendar days in AMOSYNC_TIMEZONE. The push answers at once
 * (queued, skipped); the worker creates the leads (landing/push) and the
 * leads show amocrm_sync_status and amocrm_sync_last_error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/programs.h"
#include "api/report_http.h"
#include "landing/leads.h"
#include "landing/push.h"
#include "landing/sync.h"

#define PAGE_MAX 500
#define CSV_MAX 100000 /* leads of a CSV export */
#define RUNS_MAX 500

static enum err
list(struct route_req *r)
{
	static const char *const yesno[] = { "yes", "no", NULL };
	static const char *const email[] = { "sent", "opened", "clicked",
		"error", "none", NULL };
	static const char *const sms[] = { "sent", "clicked", "error", "none",
		NULL };
	static const char *const sorts[] = { "-created_at", "created_at",
		"name", "-name", NULL };
	struct app *app = r->ctx;
	struct landing_filter f;
	struct buf csv;
	enum err rc;
	int is_csv;

	memset(&f, 0, sizeof(f));
	if ((rc = report_http_format(r, &is_csv)) != ERR_OK)
		return rc;
	f.limit = is_csv ? CSV_MAX : 50;
	f.tz = cfg_str(&app->cfg, CFG_TIMEZONE);
	if ((rc = route_query_str(r, "utm_source", 200, &f.utm_source)) ||
	    (rc = route_query_str(r, "utm_medium", 200, &f.utm_medium)) ||
	    (rc = route_query_str(r, "utm_campaign", 200, &f.utm_campaign)) ||
	    (rc = route_query_str(r, "source", 200, &f.source)) ||
	    (rc = route_query_enum(r, "synced", yesno, &f.synced)) ||
	    (rc = route_query_enum(r, "email_status", email,
	         &f.email_status)) ||
	    (rc = route_query_enum(r, "sms_status", sms, &f.sms_status)) ||
	    (rc = route_query_date(r, "from", &f.from)) ||
	    (rc = route_query_date(r, "to", &f.to)) ||
	    (rc = route_query_str(r, "q", 200, &f.q)) ||
	    (rc = route_query_enum(r, "sort", sorts, &f.sort)) ||
	    (rc = route_query_str(r, "after", 300, &f.after)) ||
	    (rc = route_query_int(r, "limit", 1, is_csv ? CSV_MAX : PAGE_MAX,
	         &f.limit)))
		return rc;
	if (is_csv) {
		buf_init(&csv);
		f.csv = &csv;
		rc = landing_leads_list(&app->landing, &f, NULL);
		if (rc == ERR_OK)
			web_reply(r->req, 200, "text/csv; charset=utf-8",
			    csv.data, csv.len);
		buf_free(&csv);
	} else {
		rc = landing_leads_list(&app->landing, &f, &r->w);
	}
	if (rc == ERR_VALIDATION)
		return route_fail(r, rc, "after",
		    "must be the next_after of a previous page");
	return rc;
}

static enum err
stats(struct route_req *r)
{
	struct app *app = r->ctx;
	const char *from, *to;
	enum err rc;

	if ((rc = route_query_date(r, "from", &from)) ||
	    (rc = route_query_date(r, "to", &to)))
		return rc;
	return landing_leads_stats(&app->landing, from, to,
	    cfg_str(&app->cfg, CFG_TIMEZONE), &r->w);
}

static enum err
get(struct route_req *r)
{
	struct app *app = r->ctx;

	return landing_lead_get(&app->landing, r->arg[0], &r->w);
}

static enum err
runs(struct route_req *r)
{
	struct app *app = r->ctx;
	long long n = 50;
	enum err rc;

	if ((rc = route_query_int(r, "limit", 1, RUNS_MAX, &n)) != ERR_OK)
		return rc;
	return landing_sync_runs(&app->landing, (int)n, &r->w);
}

/* The original's answer, for the landing admin's "Выгрузить в AmoCRM". */
static enum err
push_one(struct route_req *r)
{
	struct app *app = r->ctx;
	long long total, queued, skipped, jobs;
	enum err rc;

	rc = landing_push_queue(&app->landing, &app->traffic, r->arg[0], &total,
	    &queued, &skipped, &jobs, &r->w);
	if (rc != ERR_OK)
		return rc;
	if (queued) {
		jw_str(&r->w, "message",
		    "Лид поставлен в очередь на выгрузку в AmoCRM");
		r->status = 202;
	} else {
		jw_str(&r->w, "message", "Лид уже в AmoCRM или в очереди");
		jw_bool(&r->w, "alreadyExists", 1);
	}
	jw_int(&r->w, "queued", queued);
	jw_int(&r->w, "skipped", skipped);
	return ERR_OK;
}

/* The original's fields (total, synced, skipped, failed, errors) and ours. */
static enum err
push_all(struct route_req *r)
{
	struct app *app = r->ctx;
	long long total, queued, skipped, jobs;
	enum err rc;

	rc = landing_push_queue(&app->landing, &app->traffic, NULL, &total,
	    &queued, &skipped, &jobs, NULL);
	if (rc != ERR_OK)
		return rc;
	jw_str(&r->w, "message",
	    "Лиды поставлены в очередь на выгрузку в AmoCRM");
	jw_int(&r->w, "total", total);
	jw_int(&r->w, "queued", queued);
	jw_int(&r->w, "synced", 0);
	jw_int(&r->w, "skipped", skipped);
	jw_int(&r->w, "failed", 0);
	jw_arr(&r->w, "errors");
	jw_arr_end(&r->w);
	jw_int(&r->w, "jobs", jobs);
	r->status = 202;
	return ERR_OK;
}

/* stats before {id}: the router takes the first match. */
static const struct route routes[] = {
	{ WEB_GET, "/api/landing/leads", list, 0, NULL },
	{ WEB_GET, "/api/landing/leads/stats", stats, 0, NULL },
	{ WEB_GET, "/api/landing/leads/{id}", get, 0, "lead" },
	{ WEB_GET, "/api/landing/sync-runs", runs, 0, NULL },
	{ WEB_POST, "/api/landing/sync-to-amocrm/{id}", push_one, 0, "lead" },
	{ WEB_POST, "/api/landing/sync-all-to-amocrm", push_all, 0, NULL },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

const struct prog api_landing = {
	.name = "landing",
	.needs = APP_LANDING | APP_TRAFFIC,
	.routes = tables,
	.nroutes = 1,
};
