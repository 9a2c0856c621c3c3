#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "io/app.h"

static void
usage(const char *name)
{
	fprintf(stderr,
	    "usage: %s [-f envfile] [-s socket | -s host:port] "
	    "[-n processes]\n",
	    name);
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
app_init(struct app *app, const char *name, int argc, char *argv[])
{
	char why[128];
	long long n;
	enum err rc;
	int ch;

	memset(app, 0, sizeof(*app));
	app->name = name;
	app->procs = -1;
	log_init(name, NULL);
	while ((ch = getopt(argc, argv, "f:s:n:")) != -1) {
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
		default:
			usage(name);
			return ERR_CONFIG;
		}
	}
	if ((rc = cfg_load(&app->cfg, app->envfile)) != ERR_OK) {
		log_errx("could not load configuration: %s", err_str(rc));
		return rc;
	}
	log_init(name, cfg_str(&app->cfg, CFG_LOG_LEVEL));
	log_setup(cfg_str(&app->cfg, CFG_LOG_FORMAT),
	    cfg_bool(&app->cfg, CFG_LOG_SYSLOG));
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
