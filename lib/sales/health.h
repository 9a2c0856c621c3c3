#ifndef AMOSYNC_SALES_HEALTH_H
#define AMOSYNC_SALES_HEALTH_H

#include "amocrm/api.h"
#include "base/buf.h"
#include "base/jw.h"
#include "io/app.h"
#include "io/http.h"
#include "telegram/api.h"

/*
 * The health of everything a sale passes through, for the integrations
 * API (GET /api/integrations/...), the worker's alerts and the metrics'
 * gauges. Every check writes the original's shape
 *   {service, status: "online"|"offline"|"error", message, details,
 *    lastChecked}
 * (shared/reference/original-system.md 1.3) with a readable message,
 * Russian first, and sets the alert conditions it found in a struct
 * health_report. No check logs or returns a secret.
 */

enum health_status { HEALTH_ONLINE, HEALTH_OFFLINE, HEALTH_ERROR };

/* The conditions the worker alerts on (lib/sales/alerts.c). */
enum health_alert {
	HA_AMOCRM,     /* amoCRM unreachable or the token rejected */
	HA_WEBHOOK,    /* amoCRM disabled one of our webhooks */
	HA_TOKEN,      /* the token expires in under 14 days */
	HA_DB_TRAFFIC, /* a database unreachable */
	HA_DB_LANDING,
	HA_DB_TRIPWIRE,
	HA_SPOOL,  /* a spooled webhook older than the limit */
	HA_DEAD,   /* dead letters in the outbox */
	HA_WORKER, /* a worker stopped beating */
	HA__MAX
};

/* The keys of the alerts in alert_state ("amocrm", "webhook", ...). */
extern const char *const health_alert_keys[HA__MAX];

/* Days before a token's expiry that the answer warns, and alerts. */
#define HEALTH_TOKEN_WARN_DAYS 30
#define HEALTH_TOKEN_ALERT_DAYS 14

struct health_report {
	int checked[HA__MAX]; /* the condition was looked at */
	int failing[HA__MAX];
	char msg[HA__MAX][400]; /* what is wrong, for the alert */
	int healthy;            /* every check written was online */
};

/*
 * The clients a process needs for the checks: amoCRM and Telegram when
 * configured (their tokens set), the tripwire database when its URL is
 * set. Never fails for a missing token; ERR_NOMEM, ERR_HTTP.
 */
struct health_env {
	struct app *app; /* borrowed */
	struct http http;
	struct amocrm amo;
	struct tg tg;
	struct db tripwire;
	int has_amo, has_tg, has_tripwire;
	char amo_reason[AMOCRM_REASON_LEN]; /* why has_amo is 0 */
	char tg_reason[TG_REASON_LEN];
};

enum err health_env_init(struct health_env *e, struct app *app);
void health_env_free(struct health_env *e);

void health_report_init(struct health_report *r);

/*
 * The checks. Each writes its object as member key of w (w inside an
 * object) and returns its status; r may be NULL.
 */
enum health_status health_amocrm(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_databases(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_telegram(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_spool(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_outbox(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_webhooks(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_landing_sync(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);
enum health_status health_worker(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);

/*
 * Every check above as members of w, then overall {status, lastChecked};
 * returns 1 when everything is healthy (HTTP 200), else 0 (503).
 */
int health_all(struct health_env *e, struct jw *w, struct health_report *r);

/*
 * The cheap check of GET /api/health: the databases answer (no call
 * outside). Writes {status, databases:{name: "ok"|"error"}}; returns 1
 * when all configured ones answer.
 */
int health_cheap(struct app *app, struct jw *w);

/*
 * The gauges read at scrape time, in the Prometheus text format: outbox
 * jobs by kind and state, dead letters, spool depth and oldest age, sync
 * runs, sweep runs and recoveries, worker heartbeat age.
 */
void health_gauges(struct app *app, struct buf *b);

/*
 * A worker's heartbeat row (worker_heartbeats): health_beat() upserts it,
 * health_unbeat() deletes it at a clean stop.
 */
enum err health_beat(struct db *db, const char *holder, const char *host,
    int pid);
void health_unbeat(struct db *db, const char *holder);

/* The webhook_requests of both databases, newest first (GET
 * /api/integrations/webhook-requests). outcome may be NULL. */
enum err health_requests(struct app *app, const char *outcome, int limit,
    struct jw *w);

#endif
