#ifndef AMOSYNC_API_TRAFFIC_H
#define AMOSYNC_API_TRAFFIC_H

#include "amocrm/api.h"
#include "io/db.h"
#include "io/http.h"
#include "io/route.h"
#include "sales/ctx.h"

/*
 * The Team Constructor API under /api/traffic/ (docs/requirements.md R12, R17), served
 * by the program "traffic" (api/traffic.c) from four route tables, one
 * per file: teams, rules, attribution (preview, conflicts,
 * re-attribution) and audit. Routes and semantics: docs/attribution.md.
 * The program's context is a struct traffic_ctx: a struct sales_ctx (the
 * traffic database and the attribution rules cache) and the amoCRM
 * client of the pipelines' sync (api/traffic_pipelines.c).
 */

/* Limits of the fields an admin types. */
#define MAX_NAME 100 /* characters */
#define MAX_TEXT 200
#define MAX_EMOJI 16
#define MAX_PATTERN 200
#define MAX_UTM 2000
#define MAX_RULES 10000 /* ids in one reorder */
#define MAX_POSITION 1000000
#define MAX_PRIORITY 1000
#define AUDIT_LIMIT 500
#define DYNAMICS_MAX_DAYS 3660 /* days of one dynamics report */

extern const struct route_table traffic_teams_routes;
extern const struct route_table traffic_rules_routes;
extern const struct route_table traffic_attribution_routes;
extern const struct route_table traffic_audit_routes;
extern const struct route_table traffic_dynamics_routes; /* reports */
extern const struct route_table traffic_funnel_routes;
extern const struct route_table traffic_roi_routes; /* ad-spend, roi */
extern const struct route_table traffic_ui_routes;  /* ui-settings */
extern const struct route_table traffic_pipelines_routes;

/* The program's context; s first, so r->ctx is a struct sales_ctx too. */
struct traffic_ctx {
	struct sales_ctx s;
	struct http http;
	struct amocrm amo;
	int has_amo;
	char why[AMOCRM_REASON_LEN]; /* why there is no client */
};

/* The program's context and its traffic database. */
static inline struct sales_ctx *
tctx(const struct route_req *r)
{
	return r->ctx;
}

static inline struct db *
tdb(const struct route_req *r)
{
	return &tctx(r)->app->traffic;
}

/* A canonical textual uuid (a team id); anything else is no team. */
int traffic_is_uuid(const char *s);

/* A rule id: a positive bigint without leading zeros. */
int traffic_is_ruleid(const char *s);

#endif
