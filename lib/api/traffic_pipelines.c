/*
 * /api/traffic/pipelines: the pipeline catalogue (teams/pipeline), the
 * page "Воронки и продукты".
 *   GET   /api/traffic/pipelines          every pipeline with its stages,
 *                                         and the last sync
 *   PATCH /api/traffic/pipelines/{id}     {product_name, list_price,
 *                                         active}: audited
 *   POST  /api/traffic/pipelines/sync     a sync from amoCRM now: what it
 *                                         changed as "result", then the
 *                                         catalogue as GET answers it
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/traffic.h"
#include "teams/pipeline.h"

/* A pipeline id: a positive bigint without leading zeros. */
#define is_pipeline_id traffic_is_ruleid

static struct db *
landing(const struct route_req *r)
{
	struct app *app = tctx(r)->app;

	return app->has_landing ? &app->landing : NULL;
}

static enum err
list(struct route_req *r)
{
	return pipelines_list(tdb(r), &r->w);
}

static enum err
update(struct route_req *r)
{
	static const char *const allowed[] = { "product_name", "list_price",
		"active", NULL };
	struct pipeline_set s;
	const char *name;
	char *price = NULL;
	int active;
	size_t len;
	enum err rc;

	memset(&s, 0, sizeof(s));
	if (!is_pipeline_id(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = jread_only(&r->in, allowed)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "product_name") != JREAD_ABSENT) {
		if ((rc = admin_notnull(r, "product_name", "a string")) !=
		        ERR_OK ||
		    (rc = jread_str(&r->in, "product_name", MAX_NAME, 0,
		         &name)) != ERR_OK)
			return rc;
		len = strlen(name);
		if (len == 0 || isspace((unsigned char)name[0]) ||
		    isspace((unsigned char)name[len - 1]))
			return route_fail(r, ERR_VALIDATION, "product_name",
			    "must not be empty or begin or end with a space");
		s.set[PIPELINE_PRODUCT] = 1;
		s.val[PIPELINE_PRODUCT] = name;
	}
	if (jread_has(&r->in, "list_price") != JREAD_ABSENT) {
		if ((rc = admin_notnull(r, "list_price",
		         "an amount such as 490000")) != ERR_OK ||
		    (rc = jread_amount(&r->in, "list_price", &price)) != ERR_OK)
			return rc;
		s.set[PIPELINE_PRICE] = 1;
		s.val[PIPELINE_PRICE] = price;
	}
	if (jread_has(&r->in, "active") != JREAD_ABSENT) {
		if ((rc = admin_notnull(r, "active", "true or false")) !=
		        ERR_OK ||
		    (rc = jread_bool(&r->in, "active", &active)) != ERR_OK) {
			free(price);
			return rc;
		}
		s.set[PIPELINE_ACTIVE] = 1;
		s.val[PIPELINE_ACTIVE] = active ? "true" : "false";
	}
	rc = pipelines_update(tdb(r), landing(r), admin_actor(r, tctx(r)->app),
	    r->arg[0], &s, &r->w);
	free(price);
	return rc;
}

static enum err
sync_now(struct route_req *r)
{
	struct traffic_ctx *t = r->ctx;
	struct pipeline_sync_result res;
	enum err rc;

	if (!t->has_amo) {
		r->errstatus = 503;
		route_errorf(r, "%s", t->why);
		return ERR_CONFIG;
	}
	rc = pipelines_sync(tdb(r), landing(r), &t->amo, "manual",
	    admin_actor(r, tctx(r)->app), &res);
	if (rc == ERR_OK) {
		pipelines_sync_json(&r->w, "result", &res);
		return pipelines_list(tdb(r), &r->w);
	}
	/* amoCRM's refusals are ours to report, not the client's. */
	r->errstatus = rc == ERR_AUTH || rc == ERR_PERM ? 502
	    : rc == ERR_RATE                            ? 503
	                                                : err_http(rc);
	route_errorf(r, "%s", res.error);
	return rc;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/pipelines", list, 0, NULL },
	{ WEB_POST, "/api/traffic/pipelines/sync", sync_now,
	    ROUTE_BODY_OPTIONAL, NULL },
	{ WEB_PATCH, "/api/traffic/pipelines/{id}", update, ROUTE_BODY,
	    "pipeline" },
};

const struct route_table traffic_pipelines_routes = ROUTE_TABLE(routes);
