#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health/report.h"

const char *const health_alert_keys[HA__MAX] = {
	"amocrm",      /* HA_AMOCRM */
	"webhook",     /* HA_WEBHOOK */
	"token",       /* HA_TOKEN */
	"db_traffic",  /* HA_DB_TRAFFIC */
	"db_landing",  /* HA_DB_LANDING */
	"db_tripwire", /* HA_DB_TRIPWIRE */
	"spool",       /* HA_SPOOL */
	"dead",        /* HA_DEAD */
	"worker",      /* HA_WORKER */
	"facebook",    /* HA_FACEBOOK */
};

static const char *const status_names[] = { "online", "offline", "error" };

void
health_report_init(struct health_report *r)
{
	memset(r, 0, sizeof(*r));
	r->healthy = 1;
}

void
check_iso(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
check_open(struct jw *w, const char *key, const char *service,
    enum health_status st, const char *message)
{
	jw_obj(w, key);
	jw_str(w, "service", service);
	jw_str(w, "status", status_names[st]);
	jw_str(w, "message", message);
}

enum health_status
check_close(struct jw *w, enum health_status st, struct health_report *r)
{
	char now[32];

	check_iso(now, sizeof(now), time(NULL));
	jw_str(w, "lastChecked", now);
	jw_obj_end(w);
	if (r != NULL && st != HEALTH_ONLINE)
		r->healthy = 0;
	return st;
}

void
check_flag(struct health_report *r, enum health_alert a, int failing,
    const char *fmt, ...)
{
	va_list ap;

	if (r == NULL)
		return;
	r->checked[a] = 1;
	r->failing[a] = failing;
	va_start(ap, fmt);
	vsnprintf(r->msg[a], sizeof(r->msg[a]), fmt, ap);
	va_end(ap);
}
