/*
 * The program "traffic": /api/traffic/ (api/traffic.h), the Team
 * Constructor API and the funnel and dynamics reports over the traffic
 * database, and the landing database
 * for re-attributing its sales; the pipeline catalogue (its sync from
 * amoCRM on demand, its products and list prices).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/programs.h"
#include "api/traffic.h"
#include "base/log.h"
#include "report/out.h"

static const struct route_table *const tables[] = {
	&traffic_teams_routes,
	&traffic_rules_routes,
	&traffic_attribution_routes,
	&traffic_audit_routes,
	&traffic_dynamics_routes,
	&traffic_funnel_routes,
	&traffic_roi_routes,
	&traffic_ui_routes,
	&traffic_pipelines_routes,
};

int
traffic_is_uuid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

int
traffic_is_ruleid(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 18 || s[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static enum err
init(struct app *app, void **ctx)
{
	struct traffic_ctx *t;
	struct amocrm_status st;
	enum err rc;

	if (!app->has_landing)
		log_info("LANDING_DATABASE_URL is not set; re-attribution "
		         "will skip the landing sales");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ERR_NOMEM;
	if ((rc = http_init(&t->http, cfg_str(&app->cfg, CFG_RUN_DIR))) !=
	    ERR_OK) {
		free(t);
		return rc;
	}
	if (amocrm_init(&t->amo, &t->http, &app->cfg, &st) == ERR_OK) {
		t->has_amo = 1;
	} else {
		snprintf(t->why, sizeof(t->why), "%s", st.reason);
		log_info("the pipelines sync is unavailable: %s", st.reason);
	}
	sales_ctx_init(&t->s, app);
	*ctx = t;
	return ERR_OK;
}

static void
fini(void *ctx)
{
	struct traffic_ctx *t = ctx;

	sales_ctx_free(&t->s);
	amocrm_free(&t->amo);
	http_free(&t->http);
	free(t);
}

/* No transaction outlives its request, whatever happened. */
static void
done(void *ctx)
{
	struct sales_ctx *s = ctx;

	db_rollback(&s->app->traffic);
	if (s->app->has_landing)
		db_rollback(&s->app->landing);
}

const struct prog api_traffic = {
	.name = "traffic",
	.needs = APP_TRAFFIC,
	.init = init,
	.fini = fini,
	.routes = tables,
	.nroutes = sizeof(tables) / sizeof(tables[0]),
	.done = done,
	.traffic_tx_sql = REPORT_TX_SQL,
};
