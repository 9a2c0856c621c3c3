#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cfg.h"
#include "base/log.h"

#define MAX_ID 999999999999LL /* an amoCRM field id */

const struct cfg_var cfg_vars[CFG__MAX] = {
	[CFG_TRAFFIC_DATABASE_URL] = { .name = "TRAFFIC_DATABASE_URL",
	    .secret = 1,
	    .help = "libpq URI of the traffic database" },
	[CFG_LANDING_DATABASE_URL] = { .name = "LANDING_DATABASE_URL",
	    .secret = 1,
	    .help = "libpq URI of the landing database" },
	[CFG_TRIPWIRE_DATABASE_URL] = { .name = "TRIPWIRE_DATABASE_URL",
	    .secret = 1,
	    .help = "libpq URI of the tripwire database (health checks "
	            "only)" },
	[CFG_AMOCRM_DOMAIN] = { .name = "AMOCRM_DOMAIN",
	    .def = "onaiagencykz",
	    .help = "amoCRM account subdomain" },
	[CFG_AMOCRM_BASE_URL] = { .name = "AMOCRM_BASE_URL",
	    .help = "amoCRM API base URL; default "
	            "https://<AMOCRM_DOMAIN>.amocrm.ru" },
	[CFG_AMOCRM_ACCESS_TOKEN] = { .name = "AMOCRM_ACCESS_TOKEN",
	    .secret = 1,
	    .help = "amoCRM long-lived access token" },
	[CFG_AMOCRM_RATE_LIMIT] = { .name = "AMOCRM_RATE_LIMIT",
	    .type = CFG_INT,
	    .def = "7",
	    .min = 1,
	    .max = 1000,
	    .help = "amoCRM requests per second, shared by all processes of "
	            "a host" },
	[CFG_AMOCRM_UTM_SOURCE_FIELD] = { .name = "AMOCRM_UTM_SOURCE_FIELD",
	    .type = CFG_INT,
	    .def = "434731",
	    .max = MAX_ID,
	    .help = "field id of utm_source (0: by name only)" },
	[CFG_AMOCRM_UTM_MEDIUM_FIELD] = { .name = "AMOCRM_UTM_MEDIUM_FIELD",
	    .type = CFG_INT,
	    .def = "434727",
	    .max = MAX_ID,
	    .help = "field id of utm_medium" },
	[CFG_AMOCRM_UTM_CAMPAIGN_FIELD] = { .name = "AMOCRM_UTM_CAMPAIGN_FIELD",
	    .type = CFG_INT,
	    .def = "434729",
	    .max = MAX_ID,
	    .help = "field id of utm_campaign" },
	[CFG_AMOCRM_UTM_CONTENT_FIELD] = { .name = "AMOCRM_UTM_CONTENT_FIELD",
	    .type = CFG_INT,
	    .def = "434725",
	    .max = MAX_ID,
	    .help = "field id of utm_content" },
	[CFG_AMOCRM_UTM_TERM_FIELD] = { .name = "AMOCRM_UTM_TERM_FIELD",
	    .type = CFG_INT,
	    .def = "434733",
	    .max = MAX_ID,
	    .help = "field id of utm_term" },
	[CFG_AMOCRM_UTM_REFERRER_FIELD] = { .name = "AMOCRM_UTM_REFERRER_FIELD",
	    .type = CFG_INT,
	    .def = "434735",
	    .max = MAX_ID,
	    .help = "field id of utm_referrer" },
	[CFG_AMOCRM_FBCLID_FIELD] = { .name = "AMOCRM_FBCLID_FIELD",
	    .type = CFG_INT,
	    .def = "434761",
	    .max = MAX_ID,
	    .help = "field id of fbclid" },
	[CFG_TELEGRAM_BOT_TOKEN] = { .name = "TELEGRAM_BOT_TOKEN",
	    .secret = 1,
	    .help = "Telegram bot token" },
	[CFG_TELEGRAM_CHAT_ID] = { .name = "TELEGRAM_CHAT_ID",
	    .help = "default chat for sale announcements" },
	[CFG_TELEGRAM_API_URL] = { .name = "TELEGRAM_API_URL",
	    .def = "https://api.telegram.org",
	    .help = "Telegram Bot API base URL" },
	[CFG_TELEGRAM_REPORTS_ENABLED] = { .name = "TELEGRAM_REPORTS_ENABLED",
	    .type = CFG_BOOL,
	    .def = "true",
	    .help = "false mutes sale announcements" },
	[CFG_MAX_BODY] = { .name = "AMOSYNC_MAX_BODY",
	    .type = CFG_INT,
	    .def = "1048576",
	    .min = 1024,
	    .max = 1073741824,
	    .help = "largest request body, bytes" },
	[CFG_MAX_PAIRS] = { .name = "AMOSYNC_MAX_PAIRS",
	    .type = CFG_INT,
	    .def = "20000",
	    .min = 1,
	    .max = 10000000,
	    .help = "most form fields per body" },
	[CFG_MAX_DEPTH] = { .name = "AMOSYNC_MAX_DEPTH",
	    .type = CFG_INT,
	    .def = "12",
	    .min = 2,
	    .max = 64,
	    .help = "deepest form key, segments" },
	[CFG_MAX_KEY] = { .name = "AMOSYNC_MAX_KEY",
	    .type = CFG_INT,
	    .def = "512",
	    .min = 16,
	    .max = 65536,
	    .help = "longest form key, bytes" },
	[CFG_MAX_VALUE] = { .name = "AMOSYNC_MAX_VALUE",
	    .type = CFG_INT,
	    .def = "65536",
	    .min = 16,
	    .max = 1073741824,
	    .help = "longest form value, bytes" },
	[CFG_TIMEZONE] = { .name = "AMOSYNC_TIMEZONE",
	    .def = "Asia/Almaty",
	    .help = "business time zone for sale dates" },
	[CFG_SPOOL_DIR] = { .name = "AMOSYNC_SPOOL_DIR",
	    .help = "where webhooks wait while the database is down" },
	[CFG_RUN_DIR] = { .name = "AMOSYNC_RUN_DIR",
	    .def = "/run/amosync",
	    .help = "sockets, rate-limit state and locks" },
	[CFG_SOCKET_MODE] = { .name = "AMOSYNC_SOCKET_MODE",
	    .type = CFG_MODE,
	    .def = "0660",
	    .min = 0,
	    .max = 0777,
	    .help = "permissions of the FastCGI sockets (octal)" },
	[CFG_LOG_LEVEL] = { .name = "AMOSYNC_LOG_LEVEL",
	    .type = CFG_ENUM,
	    .def = "info",
	    .choices = "debug info warn error",
	    .help = "debug, info, warn or error" },
	[CFG_HEALTH_TIMEOUT] = { .name = "AMOSYNC_HEALTH_TIMEOUT",
	    .type = CFG_INT,
	    .def = "20",
	    .min = 1,
	    .max = 600,
	    .help = "seconds for health-check calls" },
	[CFG_SYNC_TIMEOUT] = { .name = "AMOSYNC_SYNC_TIMEOUT",
	    .type = CFG_INT,
	    .def = "30",
	    .min = 1,
	    .max = 600,
	    .help = "seconds for sync calls to amoCRM" },
	[CFG_OUTBOX_MAX_ATTEMPTS] = { .name = "AMOSYNC_OUTBOX_MAX_ATTEMPTS",
	    .type = CFG_INT,
	    .def = "8",
	    .min = 1,
	    .max = 100,
	    .help = "attempts before a job becomes a dead letter" },
	[CFG_OUTBOX_CLAIM_TIMEOUT] = { .name = "AMOSYNC_OUTBOX_CLAIM_TIMEOUT",
	    .type = CFG_INT,
	    .def = "15",
	    .min = 3,
	    .max = 86400,
	    .help = "seconds a claimed job's lease lasts; the worker renews "
	            "it every third of that while the job runs, so a dead "
	            "worker's job is taken over after at most this long" },
	[CFG_ADMIN_USER] = { .name = "AMOSYNC_ADMIN_USER",
	    .help = "name recorded in audit rows when nginx passes none" },
	[CFG_WORKER_POLL_MS] = { .name = "AMOSYNC_WORKER_POLL_MS",
	    .type = CFG_INT,
	    .def = "500",
	    .min = 10,
	    .max = 60000,
	    .help = "how often an idle worker looks for jobs, "
	            "milliseconds" },
	[CFG_PROCS] = { .name = "AMOSYNC_PROCS",
	    .type = CFG_INT,
	    .def = "4",
	    .min = 0,
	    .max = 256,
	    .help = "worker processes of each FastCGI program (0: one "
	            "process, no pool); -n overrides" },
	[CFG_MAX_REQUESTS] = { .name = "AMOSYNC_MAX_REQUESTS",
	    .type = CFG_INT,
	    .def = "0",
	    .min = 0,
	    .max = 1000000000,
	    .help = "a worker process is replaced after this many requests "
	            "(0: never)" },
	[CFG_STOP_TIMEOUT] = { .name = "AMOSYNC_STOP_TIMEOUT",
	    .type = CFG_INT,
	    .def = "10",
	    .min = 1,
	    .max = 600,
	    .help = "seconds a stop or swap waits for requests in progress" },
	[CFG_TEST_NOTIFY_WAIT] = { .name = "AMOSYNC_TEST_NOTIFY_WAIT",
	    .type = CFG_INT,
	    .def = "10",
	    .min = 0,
	    .max = 60,
	    .help = "seconds test-sale-notification waits for the "
	            "outcome" },
	[CFG_USD_KZT_RATE] = { .name = "AMOSYNC_USD_KZT_RATE",
	    .help = "KZT per USD for ad spend uploaded in USD without a rate "
	            "of its own (empty: such rows are refused)" },
	[CFG_AMOCRM_EXPRESS_PIPELINE] = { .name = "AMOCRM_EXPRESS_PIPELINE_ID",
	    .type = CFG_INT,
	    .def = "10350882",
	    .min = 1,
	    .max = MAX_ID,
	    .help = "the Express pipeline: landing leads are synced with "
	            "its leads and pushed into it" },
	[CFG_AMOCRM_PUSH_STATUS] = { .name = "AMOCRM_PUSH_STATUS_ID",
	    .type = CFG_INT,
	    .def = "81856842",
	    .min = 1,
	    .max = MAX_ID,
	    .help = "stage of a landing lead pushed to amoCRM" },
	[CFG_SYNC_LIMIT] = { .name = "AMOSYNC_SYNC_LIMIT",
	    .type = CFG_INT,
	    .def = "500",
	    .min = 1,
	    .max = 100000,
	    .help = "amoCRM leads a sync reads when the request names no "
	            "limit" },
	[CFG_SYNC_LIMIT_MAX] = { .name = "AMOSYNC_SYNC_LIMIT_MAX",
	    .type = CFG_INT,
	    .def = "5000",
	    .min = 1,
	    .max = 100000,
	    .help = "the largest limit a sync request may ask for" },
	[CFG_SYNC_INTERVAL] = { .name = "AMOSYNC_SYNC_INTERVAL",
	    .type = CFG_INT,
	    .def = "21600",
	    .min = 0,
	    .max = 604800,
	    .help = "seconds between scheduled syncs run by the workers "
	            "(0: none)" },
	[CFG_SYNC_LEASE] = { .name = "AMOSYNC_SYNC_LEASE",
	    .type = CFG_INT,
	    .def = "180",
	    .min = 2,
	    .max = 3600,
	    .help = "seconds a sync's lease lasts unless renewed; a run "
	            "whose process died blocks no longer" },
	[CFG_SYNC_LIST_MAX] = { .name = "AMOSYNC_SYNC_LIST_MAX",
	    .type = CFG_INT,
	    .def = "100",
	    .min = 0,
	    .max = 10000,
	    .help = "leads listed in a sync's synced and not_synced "
	            "arrays (the totals count all)" },
	[CFG_TELEGRAM_RATE_LIMIT] = { .name = "TELEGRAM_RATE_LIMIT",
	    .type = CFG_INT,
	    .def = "25",
	    .min = 1,
	    .max = 1000,
	    .help = "Telegram messages per second for the whole bot, shared "
	            "by all processes of a host (Telegram allows about 30)" },
	[CFG_TELEGRAM_CHAT_RATE_LIMIT] = { .name = "TELEGRAM_CHAT_RATE_LIMIT",
	    .type = CFG_INT,
	    .def = "20",
	    .min = 1,
	    .max = 600,
	    .help = "Telegram messages per minute to one chat, across all "
	            "workers (Telegram allows about 20 in a group); more "
	            "sales waiting for one chat go out as one digest" },
};

static enum err put(struct cfg *, enum cfg_key, const char *, size_t);

static int
lookup(const char *name, size_t n)
{
	int k;

	for (k = 0; k < CFG__MAX; k++)
		if (strlen(cfg_vars[k].name) == n &&
		    strncmp(cfg_vars[k].name, name, n) == 0)
			return k;
	return -1;
}

/*
 * Reads KEY=VALUE lines from path. Blank lines and '#' comments are
 * skipped, "export " is allowed, and a value may be wrapped in single or
 * double quotes. Unknown keys are ignored so that one env file can serve
 * other programs too.
 */
static enum err
readfile(struct cfg *c, const char *path)
{
	FILE *fp;
	char line[8192];
	int lineno = 0;
	enum err rc = ERR_OK;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("could not open env file %s", path);
		return ERR_CONFIG;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *eq, *v, *e;
		size_t len;
		int k;

		lineno++;
		len = strlen(p);
		if (len > 0 && p[len - 1] != '\n' && !feof(fp)) {
			log_warnx("%s:%d: line too long", path, lineno);
			rc = ERR_CONFIG;
			break;
		}
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		if ((eq = strchr(p, '=')) == NULL) {
			log_warnx("%s:%d: expected KEY=VALUE", path, lineno);
			rc = ERR_CONFIG;
			break;
		}
		e = eq;
		while (e > p && isspace((unsigned char)e[-1]))
			e--;
		v = eq + 1;
		len = strlen(v);
		while (len > 0 && isspace((unsigned char)v[len - 1]))
			len--;
		while (len > 0 && isspace((unsigned char)*v))
			v++, len--;
		if (len >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[len - 1] == v[0])
			v++, len -= 2;
		if ((k = lookup(p, (size_t)(e - p))) < 0)
			continue;
		if ((rc = put(c, k, v, len)) != ERR_OK)
			break;
	}
	fclose(fp);
	return rc;
}

/* Parses a whole integer in base (10 or 8) without sign games. */
static int
whole(const char *v, int base, long long *out)
{
	char *end;

	if (*v == '\0' || !(isdigit((unsigned char)*v) || *v == '-'))
		return 0;
	errno = 0;
	*out = strtoll(v, &end, base);
	return errno == 0 && *end == '\0';
}

/* Returns 1 if word is one of the space-separated words of list. */
static int
oneof(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (n > 0 && (p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

enum err
cfg_check(enum cfg_key k, const char *v, long long *num, char *reason,
    size_t len)
{
	const struct cfg_var *r = &cfg_vars[k];
	long long n = 0;

	*num = 0;
	switch (r->type) {
	case CFG_STR:
		return ERR_OK;
	case CFG_INT:
		if (!whole(v, 10, &n) || n < r->min || n > r->max) {
			snprintf(reason, len,
			    "must be a whole number from %lld to %lld", r->min,
			    r->max);
			return ERR_CONFIG;
		}
		break;
	case CFG_MODE:
		if (v[0] != '0' || !whole(v, 8, &n) || n < r->min ||
		    n > r->max) {
			snprintf(reason, len,
			    "must be an octal mode such as 0660");
			return ERR_CONFIG;
		}
		break;
	case CFG_BOOL:
		if (oneof("true 1 yes on", v))
			n = 1;
		else if (!oneof("false 0 no off", v)) {
			snprintf(reason, len, "must be true or false");
			return ERR_CONFIG;
		}
		break;
	case CFG_ENUM:
		if (!oneof(r->choices, v)) {
			snprintf(reason, len, "must be one of: %s", r->choices);
			return ERR_CONFIG;
		}
		return ERR_OK;
	}
	*num = n;
	return ERR_OK;
}

/* Checks and stores v as the value of k; logs a refusal. */
static enum err
put(struct cfg *c, enum cfg_key k, const char *v, size_t n)
{
	char reason[128];
	long long num;
	char *p;

	if ((p = strndup(v, n)) == NULL)
		return ERR_NOMEM;
	if (cfg_check(k, p, &num, reason, sizeof(reason)) != ERR_OK) {
		if (cfg_vars[k].secret)
			log_errx("%s: %s", cfg_vars[k].name, reason);
		else
			log_errx("%s=\"%s\": %s", cfg_vars[k].name, p, reason);
		free(p);
		return ERR_CONFIG;
	}
	free(c->val[k]);
	c->val[k] = p;
	c->num[k] = num;
	return ERR_OK;
}

enum err
cfg_load(struct cfg *c, const char *path)
{
	enum err rc;
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < CFG__MAX; k++) {
		const char *d = cfg_vars[k].def ? cfg_vars[k].def : "";

		if ((rc = put(c, k, d, strlen(d))) != ERR_OK)
			goto out;
	}
	if (path != NULL && (rc = readfile(c, path)) != ERR_OK)
		goto out;
	for (k = 0; k < CFG__MAX; k++) {
		const char *v = getenv(cfg_vars[k].name);

		if (v != NULL && (rc = put(c, k, v, strlen(v))) != ERR_OK)
			goto out;
	}
	rc = ERR_OK;
out:
	if (rc != ERR_OK)
		cfg_free(c);
	return rc;
}

void
cfg_free(struct cfg *c)
{
	int k;

	if (c == NULL)
		return;
	for (k = 0; k < CFG__MAX; k++) {
		free(c->val[k]);
		c->val[k] = NULL;
	}
}

const char *
cfg_str(const struct cfg *c, enum cfg_key k)
{
	return c->val[k] != NULL ? c->val[k] : "";
}

long long
cfg_int(const struct cfg *c, enum cfg_key k)
{
	assert(cfg_vars[k].type == CFG_INT || cfg_vars[k].type == CFG_MODE ||
	    cfg_vars[k].type == CFG_BOOL);
	return c->num[k];
}

int
cfg_bool(const struct cfg *c, enum cfg_key k)
{
	assert(cfg_vars[k].type == CFG_BOOL);
	return c->num[k] != 0;
}

enum err
cfg_set(struct cfg *c, enum cfg_key k, const char *v)
{
	return put(c, k, v, strlen(v));
}
