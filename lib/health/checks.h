#ifndef AMOSYNC_HEALTH_CHECKS_H
#define AMOSYNC_HEALTH_CHECKS_H

#include "amocrm/api.h"
#include "base/jw.h"
#include "fb/api.h"
#include "health/report.h"
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
	struct fb fb;
	int has_amo, has_tg, has_tripwire;
	int has_fb; /* 0: FB_ACCESS_TOKEN not set, or fb_reason says why */
	char amo_reason[AMOCRM_REASON_LEN]; /* why has_amo is 0 */
	char fb_reason[FB_REASON_LEN];
	char tg_reason[TG_REASON_LEN];
};

enum err health_env_init(struct health_env *e, struct app *app);
void health_env_free(struct health_env *e);

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
 * Facebook Ads (health/facebook.c): the token (valid, ads_read, days to
 * its expiry), the last import, the rate-limit usage. Online and never
 * alerting when FB_ACCESS_TOKEN is not set (spend is entered by hand);
 * offline when Facebook rejects the token (code 190) or cannot be reached.
 */
enum health_status health_facebook(struct health_env *e, struct jw *w,
    const char *key, struct health_report *r);

/*
 * amosync's webhooks as amoCRM knows them: each program's path, and the
 * original's path that reaches the same program (NULL: none).
 */
#define HEALTH_HOOKS 2
struct health_hook {
	const char *endpoint, *path, *alt;
};
extern const struct health_hook health_hooks[HEALTH_HOOKS];

/*
 * The webhook of amoCRM's list that is k (by its path, or its alt): when
 * public_url is not empty, only a destination on that origin counts.
 * NULL when none is; borrowed from hs.
 */
const struct amocrm_webhook *health_hook_find(const struct amocrm_webhooks *hs,
    const char *public_url, const struct health_hook *k);

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

#endif
