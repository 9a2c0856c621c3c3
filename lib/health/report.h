#ifndef AMOSYNC_HEALTH_REPORT_H
#define AMOSYNC_HEALTH_REPORT_H

#include <stddef.h>
#include <time.h>

#include "base/jw.h"

/*
 * What a health check finds: its status, the alert conditions it looked
 * at (struct health_report, read by health/alerts), and the frame every
 * check writes,
 *   {service, status: "online"|"offline"|"error", message, details,
 *    lastChecked}
 * shared by the checks of health/checks.c and health/remote.c.
 */

enum health_status { HEALTH_ONLINE, HEALTH_OFFLINE, HEALTH_ERROR };

/* The conditions the worker alerts on (health/alerts.c). */
enum health_alert {
	HA_AMOCRM,     /* amoCRM unreachable or the token rejected */
	HA_WEBHOOK,    /* amoCRM disabled one of our webhooks */
	HA_TOKEN,      /* the token expires in under 14 days */
	HA_DB_TRAFFIC, /* a database unreachable */
	HA_DB_LANDING,
	HA_DB_TRIPWIRE,
	HA_SPOOL,    /* a spooled webhook older than the limit */
	HA_DEAD,     /* dead letters in the outbox */
	HA_WORKER,   /* a worker stopped beating */
	HA_FACEBOOK, /* Facebook unreachable, its token rejected or expiring */
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

void health_report_init(struct health_report *r);

/* Writes t as ISO 8601 UTC ("2026-01-02T03:04:05Z") into out. */
void check_iso(char *out, size_t n, time_t t);

/* Opens a check's object: service, status, message; details follows. */
void check_open(struct jw *w, const char *key, const char *service,
    enum health_status st, const char *message);

/*
 * Closes the object with lastChecked, marks r unhealthy (r may be NULL)
 * unless st is online, and returns st.
 */
enum health_status check_close(struct jw *w, enum health_status st,
    struct health_report *r);

/* Sets condition a of r (r may be NULL) and its alert message. */
void check_flag(struct health_report *r, enum health_alert a, int failing,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
