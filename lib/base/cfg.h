#ifndef AMOSYNC_BASE_CFG_H
#define AMOSYNC_BASE_CFG_H

#include <stddef.h>

#include "base/err.h"

/*
 * Configuration: one table of typed variables (name, type, default,
 * range, secret), read from an optional env file (KEY=VALUE lines) and
 * then from the environment, which wins. Every value is checked when it
 * is loaded: a bad one fails cfg_load() with a message that names the
 * variable and says what is wrong, so a program stops at start-up instead
 * of running on a silent default. Defaults live only in the table.
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
	CFG_WEBHOOK_MAX_BODY,
	CFG_MAX_SALE_AMOUNT,
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
	CFG_PROCS,
	CFG_MAX_REQUESTS,
	CFG_STOP_TIMEOUT,
	CFG_USD_KZT_RATE,
	CFG_AMOCRM_EXPRESS_PIPELINE,
	CFG_AMOCRM_PUSH_STATUS,
	CFG_SYNC_LIMIT,
	CFG_SYNC_LIMIT_MAX,
	CFG_SYNC_INTERVAL,
	CFG_SYNC_LEASE,
	CFG_SYNC_LIST_MAX,
	CFG_LOG_FORMAT,
	CFG_LOG_SYSLOG,
	CFG_TELEGRAM_ALERT_CHAT_ID,
	CFG_ALERT_INTERVAL,
	CFG_ALERT_REMIND,
	CFG_SWEEP_INTERVAL,
	CFG_PIPELINES_SYNC_INTERVAL,
	CFG_SWEEP_OVERLAP,
	CFG_SPOOL_MAX_AGE,
	CFG_HEARTBEAT_MAX_AGE,
	CFG_PUBLIC_URL,
	CFG_WEBHOOK_SECRETS,
	CFG_WEBHOOK_ALLOW,
	CFG_REJECTED_BODY_MAX,
	CFG_PROCESSORS,
	CFG_INBOX_BATCH,
	CFG_INBOX_POLL_MS,
	CFG_INBOX_ATTEMPTS,
	CFG_RETENTION_DAYS,
	CFG_WEBHOOK_RATE,
	CFG_WEBHOOK_BURST,
	CFG_ADMIN_RATE,
	CFG_NGINX_HOOK_LOG,
	CFG_NGINX_LOG,
	CFG_UI_DIR,
	CFG_TELEGRAM_RATE_LIMIT,
	CFG_TELEGRAM_CHAT_RATE_LIMIT,
	CFG_AMOCRM_FLAGSHIP_PIPELINE,
	CFG_ANNOUNCE_ALONE_AMOUNT,
	CFG_FB_ACCESS_TOKEN,
	CFG_FB_API_URL,
	CFG_FB_API_VERSION,
	CFG_FB_IMPORT_INTERVAL,
	CFG_FB_REVISE_INTERVAL,
	CFG_FB_REVISE_DAYS,
	CFG_FB_RATE_WAIT,
	CFG_FB_USAGE_MAX,
	CFG_FB_RATES,
	CFG_FB_LEASE,
	CFG_FB_BACKFILL_DAYS,
	CFG__MAX
};

enum cfg_type {
	CFG_STR,     /* any text */
	CFG_INT,     /* a decimal integer in [min, max] */
	CFG_MODE,    /* an octal file mode in [min, max], such as 0660 */
	CFG_BOOL,    /* true or false, exactly (no yes/no, on/off, 1/0) */
	CFG_ENUM,    /* one of the words of choices */
	CFG_TZ,      /* a time zone of the system's tz database, or UTC */
	CFG_SECRETS, /* a webhook secret list (base/secret.h) */
};

struct cfg_var {
	const char *name; /* environment variable name */
	enum cfg_type type;
	const char *def;     /* default value as text; NULL is "" */
	long long min, max;  /* CFG_INT, CFG_MODE */
	const char *choices; /* CFG_ENUM: "debug info warn error" */
	int secret;          /* never print the value */
	const char *help;    /* one line for the README and --help */
};

extern const struct cfg_var cfg_vars[CFG__MAX];

struct cfg {
	char *val[CFG__MAX];     /* owned copies; never NULL after cfg_load */
	long long num[CFG__MAX]; /* CFG_INT, CFG_MODE, CFG_BOOL: the value */
	int unknown;             /* env file keys warned about as typos */
};

/*
 * Loads the defaults, then the env file at path (if path is not NULL; a
 * missing file is ERR_CONFIG), then the environment, and checks every
 * value against its row. Returns ERR_OK, ERR_CONFIG (a bad line, or a bad
 * value: the variable and the reason are logged) or ERR_NOMEM. On error
 * c holds nothing to free.
 */
enum err cfg_load(struct cfg *c, const char *path);
void cfg_free(struct cfg *c);

/*
 * Warns about every variable of the environment that has the prefix of a
 * row (AMOSYNC_, AMOCRM_, TELEGRAM_, ...: a name up to its first '_') but
 * is not a row of the table: a likely typo; the nearest row is named.
 * cfg_load() warns so about the env file's keys. Returns how many there
 * were.
 */
int cfg_warn_unknown(void);

/*
 * Names of those prefixes that are known but not configuration (the
 * scripts' own variables): never warned about. names ends with NULL and
 * must outlive every cfg call.
 */
void cfg_also_known(const char *const *names);

/* The row named name (n bytes), or -1. */
int cfg_lookup(const char *name, size_t n);

/* Returns the value of k as text; borrowed, never NULL. */
const char *cfg_str(const struct cfg *c, enum cfg_key k);

/* Returns the checked value of an integer, mode or boolean variable. */
long long cfg_int(const struct cfg *c, enum cfg_key k);
int cfg_bool(const struct cfg *c, enum cfg_key k);

/*
 * Checks v against k's row and, if it is good, stores it (tests and
 * command-line options). ERR_CONFIG (logged) leaves k as it was.
 */
enum err cfg_set(struct cfg *c, enum cfg_key k, const char *v);

/*
 * Checks text v against k's row: ERR_OK and the number in *num (integers,
 * modes, booleans), or ERR_CONFIG and why in reason[0..len).
 */
enum err cfg_check(enum cfg_key k, const char *v, long long *num, char *reason,
    size_t len);

#endif
