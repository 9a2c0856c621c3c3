/*
 * The program "admin-landing": /api/admin/landing/, the pull sync of
 * landing leads with amoCRM (R13, R14; landing/sync).
 *   POST /api/admin/landing/sync-amocrm[?limit=N]   body {"limit":N} too
 * 200 {success, data:{...}, run_id}; 409 while another run holds the
 * lease; an amoCRM failure ends the run with a readable error (502, 503
 * for a rate limit, 504 for a timeout), recorded in sync_runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amocrm/api.h"
#include "api/admin.h"
#include "api/programs.h"
#include "base/log.h"
#include "io/http.h"
#include "landing/sync.h"

struct admin_landing {
	struct app *app;
	struct http http;
	struct amocrm amo;
	int has_amo;
	char why[AMOCRM_REASON_LEN]; /* why there is no client */
	char holder[96];             /* host:pid */
};

/* Answers an error of the sync with its run: {success:false, error, ...}. */
static enum err
fail(struct route_req *r, int status, const char *error,
    const struct landing_sync_result *res)
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", 0);
	jw_str(&w, "error", error);
	if (res->run_id != 0)
		jw_int(&w, "run_id", res->run_id);
	if (res->running_id != 0) {
		jw_int(&w, "running_run_id", res->running_id);
		jw_str(&w, "running_since", res->running_since);
	}
	if (res->amocrm_status != 0)
		jw_int(&w, "amocrm_status", res->amocrm_status);
	jw_obj_end(&w);
	web_send(r->req, status, &b);
	buf_free(&b);
	return ERR_OK;
}

static enum err
sync_amocrm(struct route_req *r)
{
	static const char *const allowed[] = { "limit", NULL };
	struct admin_landing *x = r->ctx;
	struct app *app = x->app;
	struct landing_sync_opts o;
	struct landing_sync_result res;
	long long max = cfg_int(&app->cfg, CFG_SYNC_LIMIT_MAX);
	long long limit = cfg_int(&app->cfg, CFG_SYNC_LIMIT);
	char msg[160];
	enum err rc;
	int status;

	if (limit > max)
		limit = max;
	if ((rc = jread_only(&r->in, allowed)) != ERR_OK ||
	    (rc = jread_int(&r->in, "limit", 1, max, &limit)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, max, &limit)) != ERR_OK)
		return rc;
	if (!x->has_amo) {
		r->errstatus = 503;
		route_errorf(r, "%s", x->why);
		return ERR_CONFIG;
	}
	memset(&o, 0, sizeof(o));
	o.trigger = "manual";
	o.holder = x->holder;
	o.requested_by = admin_actor(r, app);
	o.limit = limit;
	o.pipeline_id = cfg_int(&app->cfg, CFG_AMOCRM_EXPRESS_PIPELINE);
	o.lease = (int)cfg_int(&app->cfg, CFG_SYNC_LEASE);
	o.list_max = (int)cfg_int(&app->cfg, CFG_SYNC_LIST_MAX);
	rc = landing_sync(&app->landing, &x->amo, &o, &res);
	switch (rc) {
	case ERR_OK:
		jw_int(&r->w, "run_id", res.run_id);
		jw_raw(&r->w, "data", buf_str(&res.data));
		break;
	case ERR_CONFLICT:
		snprintf(msg, sizeof(msg),
		    "a sync is already running: run %lld, started %s",
		    res.running_id, res.running_since);
		rc = fail(r, 409, msg, &res);
		break;
	default:
		/* amoCRM's refusals are ours to report, not the client's. */
		status = rc == ERR_AUTH || rc == ERR_PERM ? 502
		    : rc == ERR_RATE                      ? 503
		                                          : err_http(rc);
		rc = fail(r, status, res.error, &res);
	}
	landing_sync_result_free(&res);
	return rc;
}

static enum err
init(struct app *app, void **ctx)
{
	struct admin_landing *x;
	struct amocrm_status st;
	char host[64];
	enum err rc;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ERR_NOMEM;
	x->app = app;
	if ((rc = http_init(&x->http, cfg_str(&app->cfg, CFG_RUN_DIR))) !=
	    ERR_OK) {
		free(x);
		return rc;
	}
	if (amocrm_init(&x->amo, &x->http, &app->cfg, &st) == ERR_OK) {
		x->has_amo = 1;
		/* A 429 inside a run is waited out, not the end of it. */
		x->amo.retries = 4;
	} else {
		snprintf(x->why, sizeof(x->why), "%s", st.reason);
		log_warnx("the sync is unavailable: %s", st.reason);
	}
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(x->holder, sizeof(x->holder), "%s:%d", host, (int)getpid());
	*ctx = x;
	return ERR_OK;
}

static void
fini(void *ctx)
{
	struct admin_landing *x = ctx;

	amocrm_free(&x->amo);
	http_free(&x->http);
	free(x);
}

static const struct route routes[] = {
	{ WEB_POST, "/api/admin/landing/sync-amocrm", sync_amocrm,
	    ROUTE_BODY_OPTIONAL, NULL },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

const struct prog api_admin_landing = {
	.name = "admin-landing",
	.needs = APP_LANDING,
	.init = init,
	.fini = fini,
	.routes = tables,
	.nroutes = 1,
};
