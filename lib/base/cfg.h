#ifndef AMOSYNC_BASE_CFG_H
#define AMOSYNC_BASE_CFG_H

#include "base/err.h"

/*
 * Configuration: one table of variables, read from an optional env file
 * (KEY=VALUE lines) and then from the environment, which wins. Every
 * variable has a default (possibly empty) and a secret flag; secrets are
 * never printed by cfg_dump().
 */
enum cfg_key {
	CFG_TRAFFIC_DATABASE_URL,
	CFG_LANDING_DATABASE_URL,
	CFG_TRIPWIRE_DATABASE_URL,
	CFG_AMOCRM_DOMAIN,
	CFG_AMOCRM_BASE_URL,
	CFG_AMOCRM_ACCESS_TOKEN,
	CFG_AMOCRM_RATE_LIMIT,
	CFG_AMOCRM_UTM_SOURCE_FIELD,
	CFG_AMOCRM_UTM_MEDIUM_FIELD,
	CFG_AMOCRM_UTM_CAMPAIGN_FIELD,
	CFG_AMOCRM_UTM_CONTENT_FIELD,
	CFG_AMOCRM_UTM_TERM_FIELD,
	CFG_AMOCRM_UTM_REFERRER_FIELD,
	CFG_AMOCRM_FBCLID_FIELD,
	CFG_TELEGRAM_BOT_TOKEN,
	CFG_TELEGRAM_CHAT_ID,
	CFG_TELEGRAM_API_URL,
	CFG_TELEGRAM_REPORTS_ENABLED,
	CFG_MAX_BODY,
	CFG_MAX_PAIRS,
	CFG_MAX_DEPTH,
	CFG_MAX_KEY,
	CFG_MAX_VALUE,
	CFG_TIMEZONE,
	CFG_SPOOL_DIR,
	CFG_RUN_DIR,
	CFG_SOCKET_MODE,
	CFG_LOG_LEVEL,
	CFG_HEALTH_TIMEOUT,
	CFG_SYNC_TIMEOUT,
	CFG_OUTBOX_MAX_ATTEMPTS,
	CFG_OUTBOX_CLAIM_TIMEOUT,
	CFG_ADMIN_USER,
	CFG_WORKER_POLL_MS,
	CFG_TEST_NOTIFY_WAIT,
	CFG__MAX
};

struct cfg_var {
	const char *name; /* environment variable name */
	const char *def;  /* default value, "" when none */
	int secret;       /* never print the value */
	const char *help; /* one line for the README and --help */
};

extern const struct cfg_var cfg_vars[CFG__MAX];

struct cfg {
	char *val[CFG__MAX]; /* owned copies; never NULL after cfg_load */
};

/*
 * Loads the defaults, then the env file at path (if path is not NULL; a
 * missing file is ERR_CONFIG), then the environment. Returns ERR_OK,
 * ERR_CONFIG (bad line, with the line number logged) or ERR_NOMEM.
 */
enum err cfg_load(struct cfg *c, const char *path);
void cfg_free(struct cfg *c);

/* Returns the value of k; borrowed, never NULL. */
const char *cfg_str(const struct cfg *c, enum cfg_key k);

/* Returns the value of k as an integer, or def when empty or not numeric. */
long long cfg_int(const struct cfg *c, enum cfg_key k, long long def);

/* Overrides k with v (used by tests and command-line options). */
enum err cfg_set(struct cfg *c, enum cfg_key k, const char *v);

#endif
