/*
 * GET /api/admin/outbox, POST /api/admin/outbox/{id}/retry: the outbox's dead letters.
 */
#include <stdlib.h>

#include "io/app.h"
#include "base/log.h"
#include "api/ops.h"
#include "io/web.h"

int
main(int argc, char *argv[])
{
	struct app app;
	int rc;

	if (app_init(&app, "admin-outbox", argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (!app.has_traffic) {
		log_errx("TRAFFIC_DATABASE_URL is not set");
		app_free(&app);
		return EXIT_FAILURE;
	}
	rc = web_serve(&app, app.sockpath, ops_outbox);
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
