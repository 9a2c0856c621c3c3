#ifndef AMOSYNC_IO_APP_H
#define AMOSYNC_IO_APP_H

#include "amocrm/webhook.h"
#include "base/cfg.h"
#include "io/db.h"
#include "base/err.h"
#include "attr/rules.h"

/*
 * What a process keeps for its whole life: configuration, database
 * connections, parser options. Initialised once by app_init() from the
 * command line (-f env file, -s socket) and freed by app_free().
 */
struct app {
	const char *name;
	struct cfg cfg;
	struct db traffic;
	struct db landing;
	struct amo_opts amo;
	/* Attribution rules of the traffic DB, cached (lib/rules.h). */
	struct rules_cache rules;
	const char *envfile;
	const char *sockpath;
	int has_traffic;
	int has_landing;
	/* Run by web_serve() at start and after each finished request. */
	void (*after)(struct app *app);
	const void *after_arg;
};

enum err app_init(struct app *app, const char *name, int argc, char *argv[]);
void app_free(struct app *app);

/*
 * Calls fn on SIGTERM and SIGINT, installed without SA_RESTART so that a
 * blocking accept() or sleep returns; ignores SIGPIPE.
 */
void app_on_stop(void (*fn)(int));

#endif
