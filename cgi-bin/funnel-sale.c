/*
 * POST /api/amocrm/funnel-sale (also /webhook/amocrm/traffic): Express and
 * Flagship sales from amoCRM into the landing database (R5).
 */
#include <stdlib.h>

#include "app.h"
#include "hook.h"
#include "log.h"
#include "sale.h"
#include "track.h"
#include "web.h"

static struct hook_def def = {
	.endpoint = "funnel-sale",
	.message = "Funnel sale processed",
};

static int
handle(struct app *app, struct web_req *req)
{
	return hook_serve(app, req, &def);
}

int
main(int argc, char *argv[])
{
	struct app app;
	int rc;

	if (app_init(&app, "funnel-sale", argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (!app.has_landing) {
		log_errx("LANDING_DATABASE_URL is not set");
		app_free(&app);
		return EXIT_FAILURE;
	}
	def.steps[0].db = &app.landing;
	def.steps[0].store = sale_store_funnel;
	def.nsteps = 1;
	/* Every sale is also tracked (and announced) from the traffic DB. */
	if (app.has_traffic) {
		def.steps[1].db = &app.traffic;
		def.steps[1].store = track_store;
		def.nsteps = 2;
	}
	app.after = hook_after;
	app.after_arg = &def;
	rc = web_serve(&app, app.sockpath, handle);
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
