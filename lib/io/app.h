#ifndef AMOSYNC_IO_APP_H
#define AMOSYNC_IO_APP_H

#include "base/cfg.h"
#include "base/err.h"
#include "io/db.h"

/*
 * What a process keeps for its whole life: configuration and database
 * connections (connected lazily). Initialised once by app_init() from
 * the command line (-f env file, -s socket, -n processes) and freed by
 * app_free().
 * Nothing here knows amoCRM, teams or sales: a program's own context
 * (io/prog.h) holds those.
 */
struct app {
	const char *name;
	struct cfg cfg;
	struct db traffic;
	struct db landing;
	int has_traffic; /* TRAFFIC_DATABASE_URL is set */
	int has_landing; /* LANDING_DATABASE_URL is set */
	const char *envfile;
	const char *sockpath;
	int procs; /* -n N; -1 when not given */
	int check; /* --check: validate, try the databases, exit */
	int quit;  /* --help or --version was answered: exit 0 */
};

/* What a program's command line takes besides -f, --check, --help. */
enum app_opt {
	APP_OPT_SOCKET = 1 << 0, /* -s socket and -n processes */
};

/* What a program needs configured before it may start. */
enum app_need {
	APP_TRAFFIC = 1 << 0, /* TRAFFIC_DATABASE_URL */
	APP_LANDING = 1 << 1, /* LANDING_DATABASE_URL */
};

/*
 * Reads the command line (opts: enum app_opt bits) and the configuration.
 * A bad option or a bad value stops here (ERR_CONFIG, logged with the
 * variable's name). --help and --version print and set quit; --check
 * sets check (the caller then runs app_check()).
 */
/*
 * Names of the configuration's prefixes that are not configuration (the
 * local stack's and the pool's own variables): never warned about as
 * typos. NULL-terminated.
 */
extern const char *const app_not_config[];

enum err app_init(struct app *app, const char *name, unsigned opts, int argc,
    char *argv[]);

/*
 * The --check mode, like nginx -t: the configuration was loaded and
 * checked by app_init(); warns about unknown variables of amosync's
 * prefixes, checks that needs are set, and connects to every configured
 * database. Prints one line per check on stdout and returns the exit
 * status: 0 when all passed, 1 otherwise.
 */
int app_check(struct app *app, unsigned needs);

/*
 * Tries each configured database once, so an unreachable or refused one
 * is logged loudly at start (db_connect()), then closes the connections:
 * a pool's children open their own.
 */
void app_probe(struct app *app);
void app_free(struct app *app);

/*
 * Checks that every variable of needs is set; logs the first missing one
 * by name and returns ERR_CONFIG.
 */
enum err app_need(const struct app *app, unsigned needs);

#endif
