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
#include "base/secret.h"
#include "io/metrics.h"
#include "io/spool.h"
#include "sales/inbox.h"

/* Seconds between looks into the spool directory. */
#define REPLAY_INTERVAL 5

/*
 * Bytes kept of a request refused for want of the secret: enough to see
 * what it was, too few to fill the database (AMOSYNC_REJECTED_BODY_MAX
 * when that is smaller).
 */
#define UNAUTH_BODY_MAX 1024

/*
 * Milliseconds any one database round trip of a webhook program may take
 * while amoCRM waits (the processor's batches have their own limit,
 * sales/inbox.c).
 */
#define WEBHOOK_WAIT_MS 1500

/* After the inbox failed to keep a delivery in time: spool only, this long. */
#define SPOOL_ONLY_MS 2000

/* The processor's pause after a database failure. */
#define DRAIN_BACKOFF_MS 1000

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
	if (r->queued) {
		/* Kept; what it comes to is decided by the processor. */
		jw_int(&w, "leads_queued", r->duplicates ? 0 : r->processed);
		if (r->duplicates)
			jw_bool(&w, "duplicate", 1);
	}
	if (req->reqid[0] != '\0')
		jw_str(&w, "webhookId", req->reqid);
	if (r->flat && success) {
		/*
		 * The original sales-webhook's fields, for flat JSON posts:
		 * the sale's id is made when it is applied; its team is the
		 * one the rules give it now; kept is as good as saved.
		 */
		jw_null(&w, "sale_id");
		jw_str(&w, "targetologist",
		    r->targetologist[0] ? r->targetologist : "Unknown");
		jw_obj(&w, "saved_to");
		jw_bool(&w, "all_sales_tracking", r->queued || r->saved > 0);
		jw_obj_end(&w);
	}
	snprintf(dur, sizeof(dur), "%lldms", since(start));
	jw_str(&w, "duration", dur);
	jw_obj_end(&w);
	return web_send(req, status, &b);
}

/*
 * Checks AMOSYNC_WEBHOOK_SECRETS once per process; a bad list stops the
 * program, an empty one is allowed but said loudly, since anyone who
 * learns the URL can then post sales.
 */
static enum err
secrets_init(struct webhook *w, struct app *app)
{
	char why[128];

	w->secrets = cfg_str(&app->cfg, CFG_WEBHOOK_SECRETS);
	if (secret_list_check(w->secrets, &w->nsecrets, why, sizeof(why)) !=
	    ERR_OK) {
		log_errx("AMOSYNC_WEBHOOK_SECRETS: %s", why);
		return ERR_CONFIG;
	}
	if (w->nsecrets == 0)
		log_warnx("AMOSYNC_WEBHOOK_SECRETS is not set: the webhooks "
		          "are OPEN, anyone who knows the URL can post sales");
	return ERR_OK;
}

/*
 * Is the request's ?token= one of the secrets? 0 when it is (or no
 * secret is set), else the status to answer: 401 without a token, 403
 * with a wrong one. The token is never logged or stored.
 */
static int
authorize(const struct webhook *w, struct web_req *req)
{
	char *token = NULL;
	int status;

	if (w->nsecrets == 0)
		return 0;
	if (web_query(req, "token", &token) != ERR_OK || token == NULL ||
	    *token == '\0')
		status = 401;
	else if (secret_match(w->secrets, token, strlen(token)))
		status = 0;
	else
		status = 403;
	free(token);
	return status;
}

/*
 * Refuses a request without a valid secret: counted as a webhook_requests
 * row (outcome "unauthorized", its first bytes and whole size) and logged
 * with its address, never with the token.
 */
static int
refuse(struct webhook *w, struct web_req *req, struct spool_meta *m, int status,
    const struct timespec *start)
{
	struct hook_result res;
	const char *why;
	size_t keep;

	memset(&res, 0, sizeof(res));
	why = status == 401 ? "missing token" : "wrong token";
	keep = hook_keep(&w->sales);
	if (keep > UNAUTH_BODY_MAX)
		keep = UNAUTH_BODY_MAX;
	log_warnx("%s: refused a %zu-byte request from %s: %s", w->def.endpoint,
	    m->bodysz, m->remote ? m->remote : "?", why);
	if (hook_record(w->def.steps[0].db, m, keep, status, "unauthorized",
	        why) != ERR_OK)
		log_warnx("could not record a refused request");
	return reply(req, status, 0, NULL,
	    status == 401 ? "authentication required" : "forbidden", &res,
	    start);
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
	/* Nothing this program asks may outlast amoCRM's 2 seconds. */
	app->landing.max_wait_ms = WEBHOOK_WAIT_MS;
	app->traffic.max_wait_ms = WEBHOOK_WAIT_MS;
	if (secrets_init(w, app) != ERR_OK) {
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

/* Monotonic milliseconds. */
static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

long
webhook_idle(void *ctx)
{
	struct webhook *w = ctx;
	struct app *app = w->sales.app;
	struct inbox_stats st;
	struct timespec start;
	int lw = app->landing.max_wait_ms, tw = app->traffic.max_wait_ms;
	enum err rc;

	if (time(NULL) >= w->next_replay) {
		w->next_replay = time(NULL) + REPLAY_INTERVAL;
		inbox_replay(&w->sales, &w->def, NULL);
	}
	/* Nobody waits for a batch: its statements have their own limit. */
	app->landing.max_wait_ms = app->traffic.max_wait_ms = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = inbox_drain(&w->sales, &w->def,
	    (int)cfg_int(&app->cfg, CFG_INBOX_BATCH), &st);
	app->landing.max_wait_ms = lw;
	app->traffic.max_wait_ms = tw;
	if (rc != ERR_OK)
		return DRAIN_BACKOFF_MS;
	if (st.claimed == 0)
		return (long)cfg_int(&app->cfg, CFG_INBOX_POLL_MS);
	log_info("%s: applied %d deliveries (%ld lead events), %d to retry, "
	         "in %lld ms",
	    w->def.endpoint, st.done, st.leads, st.failed, since(&start));
	return 0;
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
	int st;

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
	if ((st = authorize(w, req)) != 0)
		return refuse(w, req, &m, st, &start);
	if (req->too_big) {
		snprintf(err, sizeof(err),
		    "body of %zu bytes is over the %zu-byte limit",
		    req->content_length, w->sales.amo.limits.max_body);
		m.bodysz = req->content_length;
		metrics_webhook(def->endpoint, "too_large");
		if (hook_record(def->steps[0].db, &m, 0, 413, "too_large",
		        err) == ERR_DB)
			log_warnx("could not record an oversized request");
		return reply(req, 413, 0, NULL, err, &res, &start);
	}
	if (now_ms() < w->spool_until)
		rc = ERR_DB;
	else if ((rc = inbox_accept(&w->sales, def, &m, &res, err,
	              sizeof(err))) == ERR_DB)
		w->spool_until = now_ms() + SPOOL_ONLY_MS;
	if (rc == ERR_DB) {
		/* R8: accepted even when PostgreSQL is down or stalled. */
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
	if (!res.queued) {
		metrics_webhook(def->endpoint, "no_leads");
		return reply(req, res.status, 1, def->message, NULL, &res,
		    &start);
	}
	metrics_webhook(def->endpoint, res.duplicates ? "duplicate" : "queued");
	return reply(req, res.status, 1,
	    res.duplicates ? "Duplicate delivery; already queued"
	                   : def->message,
	    NULL, &res, &start);
}
