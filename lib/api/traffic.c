/*
 * The program "traffic": /api/traffic/ (api/traffic.h), the Team
 * Constructor API and the funnel and dynamics reports over the traffic
 * database, and the landing database
 * for re-attributing its sales.
 */
#include <ctype.h>
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
	struct sales_ctx *s;

	if (!app->has_landing)
		log_info("LANDING_DATABASE_URL is not set; re-attribution "
		         "will skip the landing sales");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	sales_ctx_init(s, app);
	*ctx = s;
	return ERR_OK;
}

static void
fini(void *ctx)
{
	sales_ctx_free(ctx);
	free(ctx);
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
