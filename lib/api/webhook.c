/*
 * The HTTP side of the webhook path: method and size checks, the JSON
 * answer, spooling when the database is down. Kept apart from
 * sales/ingest.c so that programs without FastCGI (the worker) can
 * replay the spool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/webhook.h"
#include "base/buf.h"
#include "base/jw.h"
#include "base/log.h"
#include "io/metrics.h"
#include "io/spool.h"

/* Seconds between looks into the spool directory. */
#define REPLAY_INTERVAL 5

/* Milliseconds since start. */
static long long
since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

static int
reply(struct web_req *req, int status, int success, const char *message,
    const char *error, const struct hook_result *r,
    const struct timespec *start)
{
	char dur[32];
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", success);
	if (message != NULL)
		jw_str(&w, "message", message);
	if (error != NULL)
		jw_str(&w, "error", error);
	jw_int(&w, "leads_processed", r->processed);
	jw_int(&w, "leads_saved", r->saved);
	if (r->duplicates > 0)
		jw_int(&w, "duplicates", r->duplicates);
	if (req->reqid[0] != '\0')
		jw_str(&w, "webhookId", req->reqid);
	if (r->flat) {
		/* The original sales-webhook's fields, for flat JSON posts. */
		jw_str(&w, "sale_id", r->sale_id[0] ? r->sale_id : NULL);
		jw_str(&w, "targetologist",
		    r->targetologist[0] ? r->targetologist : "Unknown");
		jw_obj(&w, "saved_to");
		jw_bool(&w, "all_sales_tracking", r->saved > 0);
		jw_obj_end(&w);
		if (r->duplicates > 0)
			jw_bool(&w, "duplicate", 1);
	}
	snprintf(dur, sizeof(dur), "%lldms", since(start));
	jw_str(&w, "duration", dur);
	jw_obj_end(&w);
	return web_send(req, status, &b);
}

enum err
webhook_init(struct app *app,
    int (*define)(struct sales_ctx *, struct hook_def *), void **ctx)
{
	struct webhook *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ERR_NOMEM;
	sales_ctx_init(&w->sales, app);
	if (define(&w->sales, &w->def) == -1) {
		log_errx("%s: a database URL it needs is not set", app->name);
		webhook_fini(w);
		return ERR_CONFIG;
	}
	*ctx = w;
	return ERR_OK;
}

void
webhook_fini(void *ctx)
{
	struct webhook *w = ctx;

	if (w == NULL)
		return;
	sales_ctx_free(&w->sales);
	free(w);
}

void
webhook_idle(void *ctx)
{
	struct webhook *w = ctx;

	if (time(NULL) < w->next_replay)
		return;
	w->next_replay = time(NULL) + REPLAY_INTERVAL;
	hook_replay(&w->sales, &w->def, NULL);
}

int
webhook_handle(void *ctx, struct web_req *req)
{
	struct webhook *w = ctx;
	const struct hook_def *def = &w->def;
	struct hook_result res;
	struct spool_meta m;
	struct timespec start;
	char err[256];
	enum err rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&res, 0, sizeof(res));
	memset(&m, 0, sizeof(m));
	m.endpoint = def->endpoint;
	m.reqid = req->reqid;
	m.amo_reqid = web_param(req, "HTTP_X_AMOCRM_REQUESTID");
	m.remote = req->remote;
	m.user_agent = req->user_agent;
	m.ctype = req->ctype;
	m.body = req->body;
	m.bodysz = req->bodysz;

	if (req->method == WEB_HEAD)
		return web_json(req, 200, NULL);
	if (req->method != WEB_POST) {
		web_allow(req, WEB_POST);
		return web_error(req, 405, "use POST");
	}
	if (req->too_big) {
		snprintf(err, sizeof(err),
		    "body of %zu bytes is over the %zu-byte limit",
		    req->content_length, w->sales.amo.limits.max_body);
		m.bodysz = req->content_length;
		metrics_webhook(def->endpoint, "too_large");
		if (hook_record(def->steps[0].db, &m, 413, "too_large", err) ==
		    ERR_DB)
			log_warnx("could not record an oversized request");
		return reply(req, 413, 0, NULL, err, &res, &start);
	}
	rc = hook_process(&w->sales, def, &m, &res, err, sizeof(err));
	if (rc == ERR_DB) {
		/* R8: accepted even when PostgreSQL is down. */
		if (spool_write(cfg_str(&w->sales.app->cfg, CFG_SPOOL_DIR),
		        &m) != ERR_OK) {
			metrics_webhook(def->endpoint, "failed");
			return reply(req, 503, 0, NULL,
			    "database unavailable; please retry", &res, &start);
		}
		metrics_webhook(def->endpoint, "spooled");
		return reply(req, 200, 1, "Accepted; stored for replay", NULL,
		    &res, &start);
	}
	if (rc != ERR_OK) {
		metrics_webhook(def->endpoint, "rejected");
		return reply(req, res.status, 0, NULL, err, &res, &start);
	}
	metrics_webhook(def->endpoint,
	    res.saved > 0            ? "saved"
	        : res.duplicates > 0 ? "duplicate"
	        : res.processed == 0 ? "no_leads"
	                             : "ignored");
	return reply(req, res.status, 1, def->message, NULL, &res, &start);
}
