#include <stdlib.h>
#include <string.h>

#include "io/prog.h"

int
prog_main(int argc, char *argv[], const struct prog *p)
{
	struct web_opts o;
	struct app app;
	void *ctx = &app;
	int rc = -1;

	if (app_init(&app, p->name, argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (app_need(&app, p->needs) != ERR_OK ||
	    (p->init != NULL && p->init(&app, &ctx) != ERR_OK))
		goto out;
	memset(&o, 0, sizeof(o));
	o.sockpath = app.sockpath;
	o.sockmode = (unsigned)cfg_int(&app.cfg, CFG_SOCKET_MODE);
	o.max_body = (size_t)cfg_int(&app.cfg, CFG_MAX_BODY);
	o.idle = p->idle;
	rc = web_serve(&o, p->handler, ctx);
	if (p->fini != NULL)
		p->fini(ctx);
out:
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
