#include <string.h>

#include "sales/flat.h"
#include "sales/hooks.h"
#include "sales/landing.h"
#include "sales/track.h"

int
hooks_funnel_sale(struct sales_ctx *s, struct hook_def *def)
{
	struct app *app = s->app;

	memset(def, 0, sizeof(*def));
	def->endpoint = "funnel-sale";
	def->message = "Funnel sale accepted";
	if (!app->has_landing)
		return -1;
	def->steps[0].db = &app->landing;
	def->steps[0].store = landing_store_funnel;
	def->nsteps = 1;
	/* Every sale is also tracked (and announced) from the traffic DB. */
	if (app->has_traffic) {
		def->steps[1].db = &app->traffic;
		def->steps[1].store = track_store;
		def->nsteps = 2;
		def->retarget.db = &app->landing;
		def->retarget.store = landing_retarget;
	}
	return 0;
}

int
hooks_sales_webhook(struct sales_ctx *s, struct hook_def *def)
{
	struct app *app = s->app;

	memset(def, 0, sizeof(*def));
	def->endpoint = "sales-webhook";
	def->message = "Sales webhook accepted";
	def->parse = flat_parse;
	if (!app->has_traffic)
		return -1;
	def->steps[0].db = &app->traffic;
	def->steps[0].store = track_store;
	def->nsteps = 1;
	return 0;
}
