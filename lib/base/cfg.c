#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cfg.h"
#include "base/log.h"

const struct cfg_var cfg_vars[CFG__MAX] = {
	{ "TRAFFIC_DATABASE_URL", "", 1, "libpq URI of the traffic database" },
	{ "LANDING_DATABASE_URL", "", 1, "libpq URI of the landing database" },
	{ "TRIPWIRE_DATABASE_URL", "", 1,
	    "libpq URI of the tripwire database (health checks only)" },
	{ "AMOCRM_DOMAIN", "onaiagencykz", 0, "amoCRM account subdomain" },
	{ "AMOCRM_BASE_URL", "", 0,
	    "amoCRM API base URL; default https://<AMOCRM_DOMAIN>.amocrm.ru" },
	{ "AMOCRM_ACCESS_TOKEN", "", 1, "amoCRM long-lived access token" },
	{ "AMOCRM_RATE_LIMIT", "7", 0,
	    "amoCRM requests per second, shared by all processes of a host" },
	{ "AMOCRM_UTM_SOURCE_FIELD", "434731", 0, "field id of utm_source" },
	{ "AMOCRM_UTM_MEDIUM_FIELD", "434727", 0, "field id of utm_medium" },
	{ "AMOCRM_UTM_CAMPAIGN_FIELD", "434729", 0,
	    "field id of utm_campaign" },
	{ "AMOCRM_UTM_CONTENT_FIELD", "434725", 0, "field id of utm_content" },
	{ "AMOCRM_UTM_TERM_FIELD", "434733", 0, "field id of utm_term" },
	{ "AMOCRM_UTM_REFERRER_FIELD", "434735", 0,
	    "field id of utm_referrer" },
	{ "AMOCRM_FBCLID_FIELD", "434761", 0, "field id of fbclid" },
	{ "TELEGRAM_BOT_TOKEN", "", 1, "Telegram bot token" },
	{ "TELEGRAM_CHAT_ID", "", 0, "default chat for sale announcements" },
	{ "TELEGRAM_API_URL", "https://api.telegram.org", 0,
	    "Telegram Bot API base URL" },
	{ "TELEGRAM_REPORTS_ENABLED", "true", 0,
	    "false mutes sale announcements" },
	{ "AMOSYNC_MAX_BODY", "1048576", 0, "largest request body, bytes" },
	{ "AMOSYNC_MAX_PAIRS", "20000", 0, "most form fields per body" },
	{ "AMOSYNC_MAX_DEPTH", "12", 0, "deepest form key, segments" },
	{ "AMOSYNC_MAX_KEY", "512", 0, "longest form key, bytes" },
	{ "AMOSYNC_MAX_VALUE", "65536", 0, "longest form value, bytes" },
	{ "AMOSYNC_TIMEZONE", "Asia/Almaty", 0,
	    "business time zone for sale dates" },
	{ "AMOSYNC_SPOOL_DIR", "", 0,
	    "where webhooks wait while the database is down" },
	{ "AMOSYNC_RUN_DIR", "/run/amosync", 0,
	    "sockets, rate-limit state and locks" },
	{ "AMOSYNC_SOCKET_MODE", "0660", 0,
	    "permissions of the FastCGI sockets (octal)" },
	{ "AMOSYNC_LOG_LEVEL", "info", 0, "debug, info, warn or error" },
	{ "AMOSYNC_HEALTH_TIMEOUT", "20", 0, "seconds for health-check calls" },
	{ "AMOSYNC_SYNC_TIMEOUT", "30", 0, "seconds for sync calls to amoCRM" },
	{ "AMOSYNC_OUTBOX_MAX_ATTEMPTS", "8", 0,
	    "attempts before a job becomes a dead letter" },
	{ "AMOSYNC_OUTBOX_CLAIM_TIMEOUT", "300", 0,
	    "seconds after which a claimed job may be claimed again" },
	{ "AMOSYNC_ADMIN_USER", "", 0,
	    "name recorded in audit rows when nginx passes none" },
	{ "AMOSYNC_WORKER_POLL_MS", "500", 0,
	    "how often an idle worker looks for jobs, milliseconds" },
	{ "AMOSYNC_TEST_NOTIFY_WAIT", "10", 0,
	    "seconds test-sale-notification waits for the outcome" },
};

/* Replaces the value of k with a copy of v. */
static enum err
setval(struct cfg *c, enum cfg_key k, const char *v, size_t n)
{
	char *p;

	if ((p = strndup(v, n)) == NULL)
		return ERR_NOMEM;
	free(c->val[k]);
	c->val[k] = p;
	return ERR_OK;
}

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
		if ((rc = setval(c, k, v, len)) != ERR_OK)
			break;
	}
	fclose(fp);
	return rc;
}

enum err
cfg_load(struct cfg *c, const char *path)
{
	enum err rc;
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < CFG__MAX; k++)
		if ((rc = setval(c, k, cfg_vars[k].def,
		         strlen(cfg_vars[k].def))) != ERR_OK)
			goto out;
	if (path != NULL && (rc = readfile(c, path)) != ERR_OK)
		goto out;
	for (k = 0; k < CFG__MAX; k++) {
		const char *v = getenv(cfg_vars[k].name);

		if (v != NULL && (rc = setval(c, k, v, strlen(v))) != ERR_OK)
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
cfg_int(const struct cfg *c, enum cfg_key k, long long def)
{
	const char *s = cfg_str(c, k);
	char *end;
	long long v;

	if (*s == '\0')
		return def;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return def;
	return v;
}

enum err
cfg_set(struct cfg *c, enum cfg_key k, const char *v)
{
	return setval(c, k, v, strlen(v));
}
