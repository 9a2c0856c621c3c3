#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/app.h"
#include "base/log.h"

static void
usage(const char *name)
{
	fprintf(stderr, "usage: %s [-f envfile] [-s socket]\n", name);
}

/* Reads the limits and UTM field ids of the webhook parser from cfg. */
static void
amo_from_cfg(struct amo_opts *o, const struct cfg *c)
{
	static const enum cfg_key ids[AMO_UTM__MAX] = {
		CFG_AMOCRM_UTM_SOURCE_FIELD,   /* AMO_UTM_SOURCE */
		CFG_AMOCRM_UTM_MEDIUM_FIELD,   /* AMO_UTM_MEDIUM */
		CFG_AMOCRM_UTM_CAMPAIGN_FIELD, /* AMO_UTM_CAMPAIGN */
		CFG_AMOCRM_UTM_CONTENT_FIELD,  /* AMO_UTM_CONTENT */
		CFG_AMOCRM_UTM_TERM_FIELD,     /* AMO_UTM_TERM */
		CFG_AMOCRM_UTM_REFERRER_FIELD, /* AMO_UTM_REFERRER */
		CFG_AMOCRM_FBCLID_FIELD,       /* AMO_UTM_FBCLID */
	};
	int i;

	amo_opts_default(o);
	o->limits.max_body = (size_t)cfg_int(c, CFG_MAX_BODY,
	    (long long)o->limits.max_body);
	o->limits.max_pairs = (size_t)cfg_int(c, CFG_MAX_PAIRS,
	    (long long)o->limits.max_pairs);
	o->limits.max_depth = (size_t)cfg_int(c, CFG_MAX_DEPTH,
	    (long long)o->limits.max_depth);
	o->limits.max_key = (size_t)cfg_int(c, CFG_MAX_KEY,
	    (long long)o->limits.max_key);
	o->limits.max_value = (size_t)cfg_int(c, CFG_MAX_VALUE,
	    (long long)o->limits.max_value);
	for (i = 0; i < AMO_UTM__MAX; i++)
		o->utm_field[i] = cfg_int(c, ids[i], o->utm_field[i]);
}

enum err
app_init(struct app *app, const char *name, int argc, char *argv[])
{
	enum err rc;
	int ch;

	memset(app, 0, sizeof(*app));
	app->name = name;
	log_init(name, NULL);
	while ((ch = getopt(argc, argv, "f:s:")) != -1) {
		switch (ch) {
		case 'f':
			app->envfile = optarg;
			break;
		case 's':
			app->sockpath = optarg;
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
	amo_from_cfg(&app->amo, &app->cfg);
	rules_init(&app->rules);
	/* Databases are optional per program; connect lazily. */
	if (*cfg_str(&app->cfg, CFG_TRAFFIC_DATABASE_URL) != '\0') {
		if ((rc = db_init(&app->traffic, "traffic",
		         cfg_str(&app->cfg, CFG_TRAFFIC_DATABASE_URL))) !=
		    ERR_OK)
			goto fail;
		app->has_traffic = 1;
	}
	if (*cfg_str(&app->cfg, CFG_LANDING_DATABASE_URL) != '\0') {
		if ((rc = db_init(&app->landing, "landing",
		         cfg_str(&app->cfg, CFG_LANDING_DATABASE_URL))) !=
		    ERR_OK)
			goto fail;
		app->has_landing = 1;
	}
	return ERR_OK;
fail:
	app_free(app);
	return rc;
}

void
app_free(struct app *app)
{
	if (app == NULL)
		return;
	rules_free(&app->rules);
	db_free(&app->traffic);
	db_free(&app->landing);
	cfg_free(&app->cfg);
}

void
app_on_stop(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}
