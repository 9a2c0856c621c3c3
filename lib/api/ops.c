#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amocrm/webhook.h"
#include "io/app.h"
#include "base/form.h"
#include "base/jw.h"
#include "base/log.h"
#include "api/ops.h"
#include "io/outbox.h"
#include "io/web.h"

static const char *const states[] = { "pending", "running", "done", "dead" };

/* Parses "/api/admin/outbox/{id}/retry"; returns the id or 0. */
static long long
retry_id(const char *path)
{
	static const char prefix[] = "/api/admin/outbox/";
	const char *p;
	char *end;
	long long id;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	p = path + sizeof(prefix) - 1;
	id = strtoll(p, &end, 10);
	if (end == p || strcmp(end, "/retry") != 0 || id <= 0)
		return 0;
	return id;
}

int
ops_outbox(struct app *app, struct web_req *req)
{
	struct buf b;
	char *state = NULL, *limit = NULL;
	long long id;
	size_t i;
	int n = 100, rc;
	enum err e;

	if (strcmp(req->path, "/api/admin/outbox") == 0) {
		if (req->method != WEB_GET && req->method != WEB_HEAD) {
			web_allow(req, WEB_GET);
			web_allow(req, WEB_HEAD);
			return web_error(req, 405, "use GET");
		}
		state = web_query(req, "state");
		limit = web_query(req, "limit");
		if (state != NULL && *state == '\0') {
			free(state);
			state = NULL;
		}
		for (i = 0; state != NULL && i < 4; i++)
			if (strcmp(state, states[i]) == 0)
				break;
		if (state != NULL && i == 4) {
			free(state);
			free(limit);
			return web_error(req, 400,
			    "state must be pending, "
			    "running, done or dead");
		}
		if (limit != NULL)
			n = atoi(limit);
		if (n < 1 || n > 1000)
			n = 100;
		buf_init(&b);
		e = outbox_list(&app->traffic, state, n, &b);
		rc = e == ERR_OK ? web_json(req, 200, buf_str(&b))
		                 : web_error(req, err_http(e), err_str(e));
		buf_free(&b);
		free(state);
		free(limit);
		return rc;
	}
	if ((id = retry_id(req->path)) == 0)
		return web_error(req, 404, "no such route");
	if (req->method != WEB_POST)
		return web_error(req, 405, "use POST");
	if ((e = outbox_requeue(&app->traffic, id)) == ERR_NOTFOUND)
		return web_error(req, 404, "no dead job with that id");
	if (e != ERR_OK)
		return web_error(req, err_http(e), err_str(e));
	log_info("job %lld requeued by %s", id,
	    *req->user ? req->user : "anonymous");
	buf_init(&b);
	buf_printf(&b, "{\"success\":true,\"id\":%lld,\"state\":\"pending\"}",
	    id);
	return web_send(req, 200, &b);
}

/* Returns v, or def when v is NULL or blank. */
static const char * or (const char *v, const char *def)
{
	return v != NULL && v[strspn(v, " \t")] != '\0' ? v : def;
}

int
ops_test_notification(struct app *app, struct web_req *req)
{
	struct form f;
	struct buf payload, out;
	struct jw w;
	struct timespec nap = { 0, 200 * 1000000L };
	const char *amount;
	char *state = NULL, *error = NULL;
	long long id = 0;
	time_t until;
	enum err rc;
	int status;

	if (req->method != WEB_POST)
		return web_error(req, 405, "use POST");
	memset(&f, 0, sizeof(f));
	if (req->bodysz > 0 &&
	    (rc = amo_json_to_form(&f, req->body, req->bodysz,
	         &app->amo.limits)) != ERR_OK)
		return web_error(req, 400, "body must be a JSON object");
	amount = or (form_get(&f, "sale_amount"), "5000");
	if (strtod(amount, NULL) <= 0 ||
	    amount[strspn(amount, "0123456789.")] != '\0') {
		form_free(&f);
		return web_error(req, 400,
		    "sale_amount must be a positive "
		    "number");
	}
	buf_init(&payload);
	jw_init(&w, &payload);
	jw_obj(&w, NULL);
	jw_bool(&w, "test", 1);
	jw_str(&w, "targetologist",
	    or (form_get(&f, "targetologist"), "Kenesary"));
	jw_str(&w, "contact_name",
	    or (form_get(&f, "contact_name"), "Иван Тестовый"));
	jw_str(&w, "sale_amount", amount);
	jw_str(&w, "product_name",
	    or (form_get(&f, "product_name"), "Tripwire"));
	jw_obj_end(&w);
	form_free(&f);
	rc = buf_err(&payload);
	if (rc == ERR_OK)
		rc = outbox_enqueue(&app->traffic, "announce",
		    buf_str(&payload), NULL, &id);
	buf_free(&payload);
	if (rc != ERR_OK)
		return web_error(req, err_http(rc),
		    "could not queue the "
		    "notification");
	/* Wait a little for a worker, so the caller sees the outcome. */
	until = time(NULL) + cfg_int(&app->cfg, CFG_TEST_NOTIFY_WAIT, 10);
	do {
		free(state);
		free(error);
		if (outbox_state(&app->traffic, id, &state, &error) != ERR_OK)
			break;
		if (strcmp(state, "done") == 0 || strcmp(state, "dead") == 0)
			break;
		nanosleep(&nap, NULL);
	} while (time(NULL) < until);
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", state != NULL && strcmp(state, "done") == 0);
	jw_int(&w, "job_id", id);
	jw_str(&w, "state", state);
	if (state != NULL && strcmp(state, "done") == 0)
		jw_str(&w, "message", "Test notification sent");
	else if (state != NULL && strcmp(state, "dead") == 0)
		jw_str(&w, "message", "Test notification failed");
	else
		jw_str(&w, "message",
		    "Test notification queued; no worker "
		    "has delivered it yet");
	jw_str(&w, "error", error);
	jw_obj_end(&w);
	status = state != NULL && strcmp(state, "dead") == 0 ? 502
	    : state != NULL && strcmp(state, "done") == 0    ? 200
	                                                     : 202;
	free(state);
	free(error);
	return web_send(req, status, &out);
}
