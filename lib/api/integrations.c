/*
 * The program "integrations": the health of everything a sale passes
 * through (health/checks), for the dashboard's Integrations page, uptime
 * monitors, load balancers and Prometheus.
 *   GET /api/health                      cheap: databases answer; 200/503
 *   GET /api/integrations/amocrm         {service, status, message,
 *                                         details, lastChecked}; 200
 *                                         when online, else 503
 *   GET /api/integrations/databases      the same shape, each database
 *                                         (also at the original's
 *                                         /api/integrations/supabase)
 *   GET /api/integrations/telegram       the bot and each chat
 *   GET /api/integrations/facebook       the token, the last spend import,
 *                                         the rate-limit usage
 *   GET /api/integrations/all            every check and overall; 200
 *                                         when all are healthy, else 503
 *   GET /api/integrations/webhook-requests?outcome=&limit=
 *                                        recent webhook requests, newest
 *                                         first, with their raw bodies
 *   GET /api/integrations/inbox          deliveries kept and not yet
 *                                         applied, per database
 *   GET /api/integrations/amocrm/setup   what setting amoCRM up would
 *                                         change (health/setup.h)
 *   POST /api/integrations/amocrm/setup  registers our webhooks in
 *                                         amoCRM, checks the UTM field
 *                                         ids (amosync-ctl amocrm setup)
 *   GET /metrics                         Prometheus text format
 * Checks answer in the original's shape, not {"success":...}, so they
 * send their own answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/programs.h"
#include "health/checks.h"
#include "health/gauges.h"
#include "health/setup.h"
#include "io/metrics.h"
#include "sales/inbox.h"
#include "sales/ingest.h"

#define REQUESTS_MAX 500

/* Sends the object the check wrote into b (opened by begin()). */
static enum err
finish(struct route_req *r, struct buf *b, int status)
{
	web_send(r->req, status, b);
	return ERR_OK;
}

static void
begin(struct buf *b, struct jw *w)
{
	buf_init(b);
	jw_init(w, b);
	jw_obj(w, NULL);
}

/* A single check: its object is the whole answer. */
static enum err
single(struct route_req *r,
    enum health_status (*check)(struct health_env *, struct jw *, const char *,
        struct health_report *))
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	/* Like /all: 503 when not online, for monitors; the body says why. */
	return finish(r, &b,
	    check(r->ctx, &w, NULL, NULL) == HEALTH_ONLINE ? 200 : 503);
}

static enum err
amocrm(struct route_req *r)
{
	return single(r, health_amocrm);
}

static enum err
databases(struct route_req *r)
{
	return single(r, health_databases);
}

static enum err
telegram(struct route_req *r)
{
	return single(r, health_telegram);
}

static enum err
facebook(struct route_req *r)
{
	return single(r, health_facebook);
}

static enum err
all(struct route_req *r)
{
	struct health_env *e = r->ctx;
	struct buf b;
	struct jw w;
	int ok;

	begin(&b, &w);
	ok = health_all(e, &w, NULL);
	jw_obj_end(&w);
	return finish(r, &b, ok ? 200 : 503);
}

static enum err
health(struct route_req *r)
{
	struct health_env *e = r->ctx;
	struct buf b;
	struct jw w;
	int ok;

	begin(&b, &w);
	jw_str(&w, "service", "amosync");
	ok = health_cheap(e->app, &w);
	jw_obj_end(&w);
	return finish(r, &b, ok ? 200 : 503);
}

static enum err
webhook_requests(struct route_req *r)
{
	static const char *const outcomes[] = { "rejected", "saved",
		"duplicate", "ignored", "no_leads", "error", "too_large",
		"queued", "failed", NULL };
	struct health_env *e = r->ctx;
	const char *outcome;
	long long n = 50;
	enum err rc;

	if ((rc = route_query_enum(r, "outcome", outcomes, &outcome)) !=
	        ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, REQUESTS_MAX, &n)) != ERR_OK)
		return rc;
	/* Each database's newest first: landing's, then traffic's. */
	jw_arr(&r->w, "requests");
	if (e->app->has_landing)
		rc = hook_requests_list(&e->app->landing, outcome, (int)n,
		    &r->w);
	if (rc == ERR_OK && e->app->has_traffic)
		rc = hook_requests_list(&e->app->traffic, outcome, (int)n,
		    &r->w);
	jw_arr_end(&r->w);
	return rc;
}

/* Days of dead deliveries GET /api/integrations/inbox counts. */
#define INBOX_DEAD_DAYS 7

/* One database's inbox as the member name of the open object. */
static enum err
inbox_of(struct jw *w, struct db *db, long *total)
{
	long queued, dead;
	double oldest;
	enum err rc;

	if ((rc = inbox_counts(db, INBOX_DEAD_DAYS, &queued, &oldest, &dead)) !=
	    ERR_OK)
		return rc;
	jw_obj(w, db->name);
	jw_int(w, "queued", queued);
	jw_int(w, "oldest_seconds", (long long)oldest);
	jw_int(w, "dead_7d", dead);
	jw_obj_end(w);
	*total += queued;
	return ERR_OK;
}

/*
 * The inbox: deliveries answered and kept but not applied yet (the
 * dashboards' "в обработке: N"), the age of the oldest, and those set
 * aside in the last 7 days.
 */
static enum err
inbox(struct route_req *r)
{
	struct health_env *e = r->ctx;
	enum err rc = ERR_OK;
	long total = 0;

	jw_obj(&r->w, "databases");
	if (e->app->has_landing)
		rc = inbox_of(&r->w, &e->app->landing, &total);
	if (rc == ERR_OK && e->app->has_traffic)
		rc = inbox_of(&r->w, &e->app->traffic, &total);
	jw_obj_end(&r->w);
	jw_int(&r->w, "queued", total);
	return rc;
}

/*
 * amoCRM set up for amosync: GET plans (changes nothing), POST applies.
 * {"success", "dry_run", "problem", "changes", "problems", "webhooks":
 * [{endpoint, url (token as ***), events, action, done, error}], "fields":
 * [{variable, name, id, exists, found}]}.
 */
static enum err
setup(struct route_req *r)
{
	struct health_env *e = r->ctx;
	struct health_setup s;
	int dry = r->req->method == WEB_GET;
	enum err rc;

	if (!e->has_amo) {
		route_errorf(r, "amoCRM is not configured: %s", e->amo_reason);
		return ERR_CONFIG;
	}
	if ((rc = health_setup_plan(&e->amo, &e->app->cfg, &s)) != ERR_OK) {
		route_errorf(r, "%s", s.why);
		return rc;
	}
	/* A post that failed is in its webhook's error (and logged once). */
	if (!dry)
		(void)health_setup_apply(&e->amo, &s);
	jw_bool(&r->w, "dry_run", dry);
	health_setup_write(&s, &r->w);
	return ERR_OK;
}

/* The families of the per-host counters (io/metrics). */
static const struct metrics_family families[] = {
	{ "amosync_http_requests_total", "counter",
	    "requests answered, by program and HTTP status" },
	{ "amosync_http_request_duration_seconds", "histogram",
	    "time from accepting a request to its answer, by program" },
	{ "amosync_webhook_outcomes_total", "counter",
	    "webhook deliveries by endpoint and outcome: at the door "
	    "(queued, duplicate, no_leads, rejected, spooled, failed, "
	    "too_large) and as the processor applied them (saved, duplicate, "
	    "ignored, failed)" },
	{ "amosync_api_calls_total", "counter",
	    "calls to amoCRM and Telegram by HTTP status (error: no answer)" },
};

static enum err
metrics(struct route_req *r)
{
	struct health_env *e = r->ctx;
	struct buf b;

	buf_init(&b);
	metrics_render(&b, families, sizeof(families) / sizeof(families[0]));
	health_gauges(e->app, &b);
	if (buf_err(&b) != ERR_OK) {
		buf_free(&b);
		return ERR_NOMEM;
	}
	web_reply(r->req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    buf_str(&b), b.len);
	buf_free(&b);
	return ERR_OK;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/health", health, 0, NULL },
	{ WEB_GET, "/api/integrations/amocrm", amocrm, 0, NULL },
	{ WEB_GET, "/api/integrations/databases", databases, 0, NULL },
	{ WEB_GET, "/api/integrations/supabase", databases, 0, NULL },
	{ WEB_GET, "/api/integrations/telegram", telegram, 0, NULL },
	{ WEB_GET, "/api/integrations/facebook", facebook, 0, NULL },
	{ WEB_GET, "/api/integrations/all", all, 0, NULL },
	{ WEB_GET, "/api/integrations/webhook-requests", webhook_requests, 0,
	    NULL },
	{ WEB_GET, "/api/integrations/inbox", inbox, 0, NULL },
	{ WEB_GET, "/api/integrations/amocrm/setup", setup, 0, NULL },
	{ WEB_POST, "/api/integrations/amocrm/setup", setup, 0, NULL },
	{ WEB_GET, "/metrics", metrics, 0, NULL },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

static enum err
init(struct app *app, void **ctx)
{
	struct health_env *e;
	enum err rc;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return ERR_NOMEM;
	if ((rc = health_env_init(e, app)) != ERR_OK) {
		free(e);
		return rc;
	}
	*ctx = e;
	return ERR_OK;
}

static void
fini(void *ctx)
{
	health_env_free(ctx);
	free(ctx);
}

const struct prog api_integrations = {
	.name = "integrations",
	.needs = APP_TRAFFIC,
	.init = init,
	.fini = fini,
	.routes = tables,
	.nroutes = 1,
};
