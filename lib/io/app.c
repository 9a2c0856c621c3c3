#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "io/app.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/*
 * Variables of the configuration's prefixes that are not configuration:
 * the local stack's scripts write AMOSYNC_PORT into its env file and read
 * the others from the environment the programs inherit (AMOCRM_MOCK,
 * TELEGRAM_MOCK and FB_MOCK: the stand-ins' URLs); a pool master hands its socket to
 * a re-exec in AMOSYNC_LISTEN_FD.
 */
const char *const app_not_config[] = { "AMOSYNC_PORT", "AMOSYNC_LISTEN_FD",
	"AMOSYNC_STACK_DIR", "AMOSYNC_BUILD_DIR", "AMOSYNC_ENV_FILE",
	"AMOSYNC_WORKERS", "AMOSYNC_CONFIGURE_FLAGS", "AMOSYNC_PG_FSYNC",
	"AMOSYNC_PG_LISTEN", "AMOCRM_MOCK", "TELEGRAM_MOCK", "FB_MOCK", NULL };

/* The name an operator types: endpoints by their own, tools amosync-*. */
static const char *
command(const char *name, unsigned opts)
{
	static char buf[64];

	if (opts & APP_OPT_SOCKET)
		return name;
	snprintf(buf, sizeof(buf), "amosync-%s", name);
	return buf;
}

static void
usage(FILE *fp, const char *name, unsigned opts)
{
	if (opts & APP_OPT_SOCKET)
		fprintf(fp,
		    "usage: %s [-f envfile] [-s socket | -s host:port] "
		    "[-n processes]\n"
		    "       %s [-f envfile] --check | --help | --version\n",
		    command(name, opts), command(name, opts));
	else
		fprintf(fp,
		    "usage: %s [-f envfile]\n"
		    "       %s [-f envfile] --check | --help | --version\n",
		    command(name, opts), command(name, opts));
}

static void
help(const char *name, unsigned opts)
{
	int k;

	usage(stdout, name, opts);
	printf(
	    "\n"
	    "  -f envfile     read KEY=VALUE lines (the environment wins)\n");
	if (opts & APP_OPT_SOCKET)
		printf("  -s socket      listen on a unix socket, or on "
		       "host:port\n"
		       "  -n processes   worker processes (overrides "
		       "AMOSYNC_PROCS)\n");
	printf("  --check        check the configuration and connect to each "
	       "database, then exit\n"
	       "                 (0: all good, 1: a problem, named on "
	       "stderr)\n"
	       "  --help         this text\n"
	       "  --version      the version\n"
	       "\nConfiguration variables (see amosync(8) and README.md):\n");
	for (k = 0; k < CFG__MAX; k++)
		printf("  %-30s %s%s\n", cfg_vars[k].name, cfg_vars[k].help,
		    cfg_vars[k].secret ? " (secret)" : "");
}

/* Sets up db from variable k when it is set; *has says whether it was. */
static enum err
optional_db(struct app *app, struct db *db, const char *name, enum cfg_key k,
    int *has)
{
	const char *url = cfg_str(&app->cfg, k);
	enum err rc;

	*has = 0;
	if (*url == '\0')
		return ERR_OK;
	if ((rc = db_init(db, name, url)) == ERR_OK)
		*has = 1;
	return rc;
}

enum err
app_init(struct app *app, const char *name, unsigned opts, int argc,
    char *argv[])
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = (opts & APP_OPT_SOCKET) ? "f:s:n:h" : "f:h";
	char why[128];
	long long n;
	enum err rc;
	int ch;

	memset(app, 0, sizeof(*app));
	app->name = name;
	app->procs = -1;
	log_init(name, NULL);
	optind = 1;
	while (
	    (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			app->envfile = optarg;
			break;
		case 's':
			app->sockpath = optarg;
			break;
		case 'n':
			if (cfg_check(CFG_PROCS, optarg, &n, why,
			        sizeof(why)) != ERR_OK) {
				log_errx("-n %s: %s", optarg, why);
				return ERR_CONFIG;
			}
			app->procs = (int)n;
			break;
		case 'C':
			app->check = 1;
			break;
		case 'h':
			help(name, opts);
			app->quit = 1;
			return ERR_OK;
		case 'V':
			printf("%s (amosync) %s\n", command(name, opts),
			    PACKAGE_VERSION);
			app->quit = 1;
			return ERR_OK;
		default:
			usage(stderr, name, opts);
			return ERR_CONFIG;
		}
	}
	if (optind < argc) {
		log_errx("unexpected argument: %s", argv[optind]);
		usage(stderr, name, opts);
		return ERR_CONFIG;
	}
	cfg_also_known(app_not_config);
	if ((rc = cfg_load(&app->cfg, app->envfile)) != ERR_OK) {
		log_errx("could not load configuration: %s", err_str(rc));
		return rc;
	}
	log_init(name, cfg_str(&app->cfg, CFG_LOG_LEVEL));
	log_setup(cfg_str(&app->cfg, CFG_LOG_FORMAT),
	    cfg_bool(&app->cfg, CFG_LOG_SYSLOG));
	if (!app->check)
		cfg_warn_unknown();
	/* Databases are optional per program; connect lazily. */
	if ((rc = optional_db(app, &app->traffic, "traffic",
	         CFG_TRAFFIC_DATABASE_URL, &app->has_traffic)) != ERR_OK ||
	    (rc = optional_db(app, &app->landing, "landing",
	         CFG_LANDING_DATABASE_URL, &app->has_landing)) != ERR_OK) {
		app_free(app);
		return rc;
	}
	return ERR_OK;
}

void
app_free(struct app *app)
{
	if (app == NULL)
		return;
	db_free(&app->traffic);
	db_free(&app->landing);
	cfg_free(&app->cfg);
}

enum err
app_need(const struct app *app, unsigned needs)
{
	if ((needs & APP_TRAFFIC) && !app->has_traffic) {
		log_errx("%s is not set",
		    cfg_vars[CFG_TRAFFIC_DATABASE_URL].name);
		return ERR_CONFIG;
	}
	if ((needs & APP_LANDING) && !app->has_landing) {
		log_errx("%s is not set",
		    cfg_vars[CFG_LANDING_DATABASE_URL].name);
		return ERR_CONFIG;
	}
	return ERR_OK;
}

/* Connects to db for --check; prints and returns 0 (good) or 1. */
static int
try_db(struct db *db, enum cfg_key k)
{
	char why[512];
	PGresult *res;
	enum err rc;

	fflush(stdout);
	if (db_try(db, why, sizeof(why)) != ERR_OK) {
		fprintf(stderr,
		    "%s: could not connect to the %s database: %s\n",
		    cfg_vars[k].name, db->name, why);
		return 1;
	}
	if ((res = db_exec(db, "SELECT 1", 0, NULL, &rc)) == NULL) {
		fprintf(stderr, "%s: the %s database answers no query: %s\n",
		    cfg_vars[k].name, db->name, err_str(rc));
		return 1;
	}
	PQclear(res);
	printf("%s: connected to the %s database (server %d)\n",
	    cfg_vars[k].name, db->name, PQserverVersion(db->conn));
	return 0;
}

int
app_check(struct app *app, unsigned needs)
{
	struct db tripwire;
	const char *url;
	int bad = 0, unknown;

	printf("%s: configuration loaded%s%s, every value checked\n", app->name,
	    app->envfile ? " from " : "", app->envfile ? app->envfile : "");
	fflush(stdout);
	if ((unknown = app->cfg.unknown + cfg_warn_unknown()) > 0) {
		fprintf(stderr, "%d unknown variable%s (see above)\n", unknown,
		    unknown == 1 ? "" : "s");
		bad = 1;
	}
	if (app_need(app, needs) != ERR_OK)
		bad = 1;
	if (app->has_traffic)
		bad |= try_db(&app->traffic, CFG_TRAFFIC_DATABASE_URL);
	if (app->has_landing)
		bad |= try_db(&app->landing, CFG_LANDING_DATABASE_URL);
	url = cfg_str(&app->cfg, CFG_TRIPWIRE_DATABASE_URL);
	if (*url != '\0' && db_init(&tripwire, "tripwire", url) == ERR_OK) {
		bad |= try_db(&tripwire, CFG_TRIPWIRE_DATABASE_URL);
		db_free(&tripwire);
	}
	fflush(stderr);
	printf("%s: %s\n", app->name,
	    bad ? "configuration check failed" : "configuration is good");
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}

void
app_probe(struct app *app)
{
	if (app->has_traffic && db_connect(&app->traffic) == ERR_OK)
		log_info("connected to the traffic database");
	if (app->has_landing && db_connect(&app->landing) == ERR_OK)
		log_info("connected to the landing database");
	db_close(&app->traffic);
	db_close(&app->landing);
}
