#include <stdlib.h>
#include <string.h>

#include "io/prog.h"

/* What the web loop hands back to the program for each request. */
struct served {
	const struct prog *p;
	void *ctx;
	size_t max_body;
};

static int
handle(void *arg, struct web_req *req)
{
	struct served *s = arg;
	int ret;

	if (s->p->routes != NULL)
		ret = route_serve(s->p->routes, s->p->nroutes, s->ctx,
		    s->max_body, req);
	else
		ret = s->p->handler(s->ctx, req);
	if (s->p->done != NULL)
		s->p->done(s->ctx);
	return ret;
}

static void
idle(void *arg)
{
	struct served *s = arg;

	if (s->p->idle != NULL)
		s->p->idle(s->ctx);
}

int
prog_main(int argc, char *argv[], const struct prog *p)
{
	struct served s = { p, NULL, 0 };
	struct web_opts o;
	struct app app;
	int rc = -1;

	if (app_init(&app, p->name, argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	s.ctx = &app;
	if (app_need(&app, p->needs) != ERR_OK ||
	    (p->init != NULL && p->init(&app, &s.ctx) != ERR_OK))
		goto out;
	memset(&o, 0, sizeof(o));
	o.sockpath = app.sockpath;
	o.sockmode = (unsigned)cfg_int(&app.cfg, CFG_SOCKET_MODE);
	o.max_body = s.max_body = (size_t)cfg_int(&app.cfg, CFG_MAX_BODY);
	o.idle = idle;
	rc = web_serve(&o, handle, &s);
	if (p->fini != NULL)
		p->fini(s.ctx);
out:
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
