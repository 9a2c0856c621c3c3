/*
 * /api/traffic/...: the Team Constructor API (teams, attribution rules,
 * preview, conflicts, re-attribution, audit) over the traffic database,
 * and the landing database for re-attributing its sales (R12, R17).
 */
#include <stdlib.h>

#include "io/app.h"
#include "base/log.h"
#include "api/traffic.h"
#include "io/web.h"

static int
handle(struct app *app, struct web_req *req)
{
	return teamapi_serve(app, req);
}

int
main(int argc, char *argv[])
{
	struct app app;
	int rc;

	if (app_init(&app, "traffic", argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (!app.has_traffic) {
		log_errx("TRAFFIC_DATABASE_URL is not set");
		app_free(&app);
		return EXIT_FAILURE;
	}
	if (!app.has_landing)
		log_info("LANDING_DATABASE_URL is not set; re-attribution "
		         "will skip the landing sales");
	rc = web_serve(&app, app.sockpath, handle);
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
