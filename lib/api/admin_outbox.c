/*
 * The program "admin-outbox": /api/admin/outbox, the outbox's jobs and
 * its dead letters (docs/architecture.md, durability model, step 3).
 *   GET  /api/admin/outbox?state=dead&limit=N   list jobs, newest first
 *   POST /api/admin/outbox/{id}/retry           requeue a dead job
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/admin.h"
#include "api/programs.h"
#include "base/log.h"
#include "io/outbox.h"

#define LIST_MAX 1000

static enum err
list(struct route_req *r)
{
	struct app *app = r->ctx;
	const char *state;
	long long n = 100;
	enum err rc;

	if ((rc = route_query_enum(r, "state", outbox_states, &state)) !=
	        ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, LIST_MAX, &n)) != ERR_OK)
		return rc;
	return outbox_list(&app->traffic, outbox_state_parse(state), (int)n,
	    &r->w);
}

static enum err
retry(struct route_req *r)
{
	struct app *app = r->ctx;
	long long id;
	char *end;
	enum err rc;

	id = strtoll(r->arg[0], &end, 10);
	if (*end != '\0' || id <= 0 || r->arg[0][0] == '0')
		return ERR_NOTFOUND;
	if ((rc = outbox_requeue(&app->traffic, id)) == ERR_NOTFOUND) {
		route_errorf(r, "no dead job with that id");
		return rc;
	}
	if (rc != ERR_OK)
		return rc;
	log_info("job %lld requeued by %s", id, admin_actor(r, app));
	jw_int(&r->w, "id", id);
	jw_str(&r->w, "state", outbox_states[OUTBOX_PENDING]);
	return ERR_OK;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/admin/outbox", list, 0, NULL },
	{ WEB_POST, "/api/admin/outbox/{id}/retry", retry, 0, "dead job" },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

const struct prog api_admin_outbox = {
	.name = "admin-outbox",
	.needs = APP_TRAFFIC,
	.routes = tables,
	.nroutes = 1,
};
