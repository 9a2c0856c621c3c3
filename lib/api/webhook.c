/*
 * The HTTP side of the webhook path: method and size checks, the JSON
 * answer, spooling when the database is down. Kept apart from hook.c so
 * that programs without FastCGI (the worker) can replay the spool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/app.h"
#include "base/buf.h"
#include "sales/ingest.h"
#include "base/jw.h"
#include "base/log.h"
#include "io/spool.h"
#include "io/web.h"

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

static time_t next_replay;

void
hook_after(struct app *app)
{
	const struct hook_def *def = app->after_arg;

	if (def == NULL || time(NULL) < next_replay)
		return;
	next_replay = time(NULL) + 60;
	hook_replay(app, def);
}

int
hook_serve(struct app *app, struct web_req *req, const struct hook_def *def)
{
	struct hook_result res;
	struct hook_meta m;
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
	if (req->method != WEB_POST)
		return web_error(req, 405, "use POST");
	if (req->too_big) {
		snprintf(err, sizeof(err),
		    "body of %zu bytes is over the "
		    "%zu-byte limit",
		    req->content_length, app->amo.limits.max_body);
		m.bodysz = req->content_length;
		if (hook_record(def->steps[0].db, &m, 413, "too_large", err) ==
		    ERR_DB)
			log_warnx("could not record an oversized request");
		return reply(req, 413, 0, NULL, err, &res, &start);
	}
	rc = hook_process(app, def, &m, &res, err, sizeof(err));
	if (rc == ERR_DB) {
		/* R8: accepted even when PostgreSQL is down. */
		if (spool_write(cfg_str(&app->cfg, CFG_SPOOL_DIR), &m) !=
		    ERR_OK)
			return reply(req, 503, 0, NULL,
			    "database unavailable; please retry", &res, &start);
		next_replay = time(NULL) + 5;
		return reply(req, 200, 1, "Accepted; stored for replay", NULL,
		    &res, &start);
	}
	if (rc != ERR_OK)
		return reply(req, err_http(rc), 0, NULL, err, &res, &start);
	return reply(req, 200, 1, def->message, NULL, &res, &start);
}

/* A web_handler: the hook definition travels in app->after_arg. */
static int
handle(struct app *app, struct web_req *req)
{
	return hook_serve(app, req, app->after_arg);
}

int
hook_main(int argc, char *argv[], const char *name,
    int (*define)(struct app *, struct hook_def *))
{
	struct hook_def def;
	struct app app;
	int rc;

	if (app_init(&app, name, argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (define(&app, &def) == -1) {
		log_errx("%s: a database URL it needs is not set", name);
		app_free(&app);
		return EXIT_FAILURE;
	}
	app.after = hook_after;
	app.after_arg = &def;
	rc = web_serve(&app, app.sockpath, handle);
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
