#ifndef AMOSYNC_IO_PROG_H
#define AMOSYNC_IO_PROG_H

#include "io/app.h"
#include "io/route.h"
#include "io/web.h"

/*
 * A FastCGI program, declared once in lib/api and started by prog_main():
 * its name (program, socket, log lines), the databases it needs, and what
 * answers: a JSON API names its route tables (served by io/route), a
 * webhook its own handler. init builds the context that the handlers and
 * hooks receive, and fini frees it; without init the context is the
 * struct app itself.
 */
struct prog {
	const char *name;
	unsigned needs; /* enum app_need bits */
	enum err (*init)(struct app *app, void **ctx);
	void (*fini)(void *ctx);
	const struct route_table *const *routes; /* or NULL */
	size_t nroutes;
	web_handler handler; /* when routes is NULL */
	/*
	 * 1: bodies up to AMOSYNC_WEBHOOK_MAX_BODY (amoCRM's bulk
	 * deliveries); else AMOSYNC_MAX_BODY.
	 */
	int webhook_bodies;
	void (*done)(void *ctx); /* after each request, e.g. end transactions */
	/*
	 * In a pool, the program's own process beside the request workers
	 * (the webhooks' processor) calls it in a loop, napping as many ms as
	 * it returns between calls; in a single process (-n 0) it runs at
	 * start and after each request.
	 */
	long (*idle)(void *ctx);
	/*
	 * NULL, or a SET LOCAL for every statement the program runs on the
	 * traffic database outside a transaction (struct db's tx_sql).
	 */
	const char *traffic_tx_sql;
};

/*
 * The whole main() of a FastCGI program: app_init() (--help, --version
 * and --check answer and return), app_need(), app_probe(), init, then
 * web_serve() on the -s socket until SIGTERM. Returns an exit status.
 */
int prog_main(int argc, char *argv[], const struct prog *p);

#endif
