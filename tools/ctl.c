/*
 * amosync-ctl: an operator's commands that are not a program's life.
 *   amosync-ctl [-f envfile] amocrm setup [--dry-run]
 * registers amosync's webhooks in amoCRM (POST /api/v4/webhooks, once
 * each, for the events they need) and checks the UTM field ids of the
 * configuration against the account's lead fields (health/setup.h). With
 * --dry-run it only says what it would change. Exit status: 0 when amoCRM
 * is (or, dry, would be) set up, 1 when something is left that a person
 * must fix (named on stdout), 2 for a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/api.h"
#include "base/cfg.h"
#include "base/log.h"
#include "health/setup.h"
#include "io/app.h"
#include "io/http.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: amosync-ctl [-f envfile] amocrm setup [--dry-run]\n"
	    "       amosync-ctl --help | --version\n");
}

static void
help(void)
{
	usage(stdout);
	printf("\n"
	       "  -f envfile          read KEY=VALUE lines (the environment "
	       "wins)\n"
	       "  amocrm setup        register amosync's webhooks in amoCRM "
	       "(AMOSYNC_PUBLIC_URL,\n"
	       "                      the first of AMOSYNC_WEBHOOK_SECRETS) "
	       "once each, and check\n"
	       "                      the AMOCRM_UTM_*_FIELD ids against the "
	       "account's lead fields\n"
	       "  --dry-run           change nothing: print what setup would "
	       "change\n");
}

/* Prints the plan (and what apply did) for a person. */
static void
print(const struct health_setup *s, int dry)
{
	size_t i;

	for (i = 0; i < HEALTH_HOOKS; i++) {
		const struct health_setup_hook *h = &s->hooks[i];
		const char *what = "";

		switch (h->todo) {
		case SETUP_NOTHING:
			what = "registered for status_lead: nothing to do";
			break;
		case SETUP_ADD:
			what = dry
			    ? "not registered: would add it (status_lead)"
			    : h->done ? "added (status_lead)"
			              : "could not add it";
			break;
		case SETUP_EVENTS:
			what = dry    ? "registered without status_lead: would "
			                "add the event"
			    : h->done ? "status_lead added"
			              : "could not update it";
			break;
		case SETUP_DISABLED:
			what = "amoCRM switched it off after failures: "
			       "re-enable it in amoCRM's settings";
			break;
		case SETUP_TOKEN:
			what =
			    "its ?token= is none of AMOSYNC_WEBHOOK_SECRETS: "
			    "delete it in amoCRM, then run setup again";
			break;
		case SETUP__MAX:
			break;
		}
		printf("webhook %s: %s: %s%s%s\n", h->hook->endpoint, h->shown,
		    what, h->error[0] != '\0' ? ": " : "", h->error);
	}
	for (i = 0; i < SETUP_FIELDS; i++) {
		const struct health_setup_field *f = &s->fields[i];

		if (f->id == 0 && f->found != 0)
			printf("field %s=0: %s is read by name (field %lld)\n",
			    cfg_vars[f->var].name, f->name, f->found);
		else if (f->id == 0)
			printf("field %s=0: the account has no lead field "
			       "named %s\n",
			    cfg_vars[f->var].name, f->name);
		else if (f->exists)
			printf("field %s=%lld (%s): exists\n",
			    cfg_vars[f->var].name, f->id, f->name);
		else if (f->found != 0)
			printf("field %s=%lld: no such lead field in amoCRM; "
			       "%s is field %lld: set %s=%lld\n",
			    cfg_vars[f->var].name, f->id, f->name, f->found,
			    cfg_vars[f->var].name, f->found);
		else
			printf("field %s=%lld: no such lead field in amoCRM, "
			       "and none named %s\n",
			    cfg_vars[f->var].name, f->id, f->name);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *envfile = NULL;
	struct amocrm_status st;
	struct health_setup s;
	struct amocrm amo;
	struct http http;
	struct cfg c;
	int ch, dry = 0, status = 1;
	enum err rc;

	log_init("amosync-ctl", NULL);
	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			envfile = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			printf("amosync-ctl (amosync) %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "amocrm") != 0 ||
	    strcmp(argv[optind + 1], "setup") != 0) {
		usage(stderr);
		return 2;
	}
	cfg_also_known(app_not_config);
	if (cfg_load(&c, envfile) != ERR_OK)
		return EXIT_FAILURE;
	log_init("amosync-ctl", cfg_str(&c, CFG_LOG_LEVEL));
	if (http_init(&http, cfg_str(&c, CFG_RUN_DIR)) != ERR_OK) {
		cfg_free(&c);
		return EXIT_FAILURE;
	}
	if (amocrm_init(&amo, &http, &c, &st) != ERR_OK) {
		printf("amoCRM is not configured: %s\n", st.reason);
		goto out;
	}
	printf("amoCRM setup%s\n", dry ? " (dry run: nothing is changed)" : "");
	if (health_setup_plan(&amo, &c, &s) != ERR_OK) {
		printf("%s\n", s.why);
		goto out;
	}
	rc = dry ? ERR_OK : health_setup_apply(&amo, &s);
	print(&s, dry);
	printf("%d webhook%s %s, %d problem%s for a person\n", s.changes,
	    s.changes == 1 ? "" : "s",
	    dry ? "to add or update" : "added or updated", s.problems,
	    s.problems == 1 ? "" : "s");
	status = rc == ERR_OK && s.problems == 0 ? 0 : 1;
out:
	amocrm_free(&amo);
	http_free(&http);
	cfg_free(&c);
	return status;
}
