#include <string.h>

#include "io/app.h"
#include "sales/hooks.h"
#include "sales/landing.h"
#include "sales/track.h"

int
endpoints_funnel_sale(struct app *app, struct hook_def *def)
{
	memset(def, 0, sizeof(*def));
	def->endpoint = "funnel-sale";
	def->message = "Funnel sale processed";
	if (!app->has_landing)
		return -1;
	def->steps[0].db = &app->landing;
	def->steps[0].store = sale_store_funnel;
	def->nsteps = 1;
	/* Every sale is also tracked (and announced) from the traffic DB. */
	if (app->has_traffic) {
		def->steps[1].db = &app->traffic;
		def->steps[1].store = track_store;
		def->nsteps = 2;
	}
	return 0;
}

int
endpoints_sales_webhook(struct app *app, struct hook_def *def)
{
	memset(def, 0, sizeof(*def));
	def->endpoint = "sales-webhook";
	def->message = "Sales webhook processed";
	def->parse = track_parse;
	if (!app->has_traffic)
		return -1;
	def->steps[0].db = &app->traffic;
	def->steps[0].store = track_store;
	def->nsteps = 1;
	return 0;
}
