/*
 * POST /api/amocrm/sales-webhook: every stage change of every pipeline;
 * sales into the traffic database, announced through the outbox (R6, R9).
 */
#include <stdlib.h>

#include "app.h"
#include "endpoints.h"
#include "hook.h"
#include "log.h"
#include "web.h"

static struct hook_def def;

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

	if (app_init(&app, "sales-webhook", argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (endpoints_sales_webhook(&app, &def) == -1) {
		log_errx("TRAFFIC_DATABASE_URL is not set");
		app_free(&app);
		return EXIT_FAILURE;
	}
	app.after = hook_after;
	app.after_arg = &def;
	rc = web_serve(&app, app.sockpath, handle);
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
