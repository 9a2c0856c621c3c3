#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/text.h"
#include "health/alerts.h"
#include "telegram/post.h"
#include "telegram/texts.h"

static const char SQL_CLAIM[] =
    "INSERT INTO alert_schedule (name, next_at, claimed_by, claimed_at)"
    " VALUES ('health', now() + $2::int * interval '1 second', $1, now())"
    " ON CONFLICT (name) DO UPDATE SET next_at = EXCLUDED.next_at,"
    "  claimed_by = EXCLUDED.claimed_by, claimed_at = now()"
    " WHERE alert_schedule.next_at <= now()"
    " RETURNING 1";

/* healthy -> failing: the row is won by one worker only. */
static const char SQL_FAIL[] =
    "INSERT INTO alert_state (key, failing, message, since, last_sent_at,"
    " alerts_sent) VALUES ($1, true, $2, now(), now(), 1)"
    " ON CONFLICT (key) DO UPDATE SET failing = true, message = $2,"
    "  since = now(), last_sent_at = now(),"
    "  alerts_sent = alert_state.alerts_sent + 1, updated_at = now()"
    " WHERE NOT alert_state.failing"
    " RETURNING 1";
static const char SQL_REMIND[] =
    "UPDATE alert_state SET last_sent_at = now(), message = $2,"
    " alerts_sent = alerts_sent + 1, updated_at = now()"
    " WHERE key = $1 AND failing"
    "  AND last_sent_at < now() - $3::int * interval '1 second'"
    " RETURNING to_char(since AT TIME ZONE 'UTC',"
    "  'YYYY-MM-DD HH24:MI:SS \"UTC\"')";
static const char SQL_RECOVER[] =
    "UPDATE alert_state SET failing = false, recovered_at = now(),"
    " updated_at = now() WHERE key = $1 AND failing"
    " RETURNING message, extract(epoch FROM now() - since)::bigint";

enum err
alerts_init(struct alerts *a, struct app *app)
{
	enum err rc;

	memset(a, 0, sizeof(*a));
	a->app = app;
	a->chat = cfg_str(&app->cfg, CFG_TELEGRAM_ALERT_CHAT_ID);
	if (*a->chat == '\0' || cfg_int(&app->cfg, CFG_ALERT_INTERVAL) == 0)
		return ERR_OK;
	if ((rc = health_env_init(&a->env, app)) != ERR_OK)
		return rc;
	if (!a->env.has_tg) {
		log_warnx("TELEGRAM_ALERT_CHAT_ID is set but Telegram is not "
		          "configured (%s): no alerts",
		    a->env.tg_reason);
		health_env_free(&a->env);
		return ERR_OK;
	}
	a->on = 1;
	log_info("health alerts go to Telegram chat %s every %lld s", a->chat,
	    cfg_int(&app->cfg, CFG_ALERT_INTERVAL));
	return ERR_OK;
}

void
alerts_free(struct alerts *a)
{
	if (a == NULL)
		return;
	if (a->on)
		health_env_free(&a->env);
	memset(a, 0, sizeof(*a));
}

/* Sends text (plain, escaped here) to the alert chat. */
static int
send(struct alerts *a, const char *text)
{
	struct tg_result tr;
	struct buf html;

	buf_init(&html);
	text_html_escape(&html, text);
	if (buf_err(&html) != ERR_OK) {
		buf_free(&html);
		return 0;
	}
	if (tg_post(&a->env.tg, &a->app->traffic, a->chat, buf_str(&html),
	        &tr) != ERR_OK)
		log_warnx("could not send an alert: %s", tr.reason);
	buf_free(&html);
	log_event("alert", "%s", text);
	return 1;
}

void
alerts_event(struct alerts *a, const char *text)
{
	if (a->on)
		send(a, text);
	else
		log_event("alert", "%s", text);
}

/* Sends the text of b, then frees it; returns messages sent. */
static int
send_buf(struct alerts *a, struct buf *b)
{
	int sent = buf_err(b) == ERR_OK ? send(a, buf_str(b)) : 0;

	buf_free(b);
	return sent;
}

/* Runs the transition of one condition; returns messages sent. */
static int
one(struct alerts *a, enum health_alert k, const struct health_report *r)
{
	struct db *db = &a->app->traffic;
	const char *key = health_alert_keys[k];
	char remind[16];
	const char *v[3] = { key, r->msg[k], remind };
	struct buf text = { 0 };
	PGresult *res;
	enum err rc;
	int sent = 0;

	snprintf(remind, sizeof(remind), "%lld",
	    cfg_int(&a->app->cfg, CFG_ALERT_REMIND));
	if (r->failing[k]) {
		if ((res = db_exec(db, SQL_FAIL, 2, v, &rc)) == NULL)
			return 0;
		if (PQntuples(res) == 1) {
			texts_alert_failing(&text, r->msg[k]);
			sent = send_buf(a, &text);
		}
		PQclear(res);
		if (sent)
			return sent;
		if ((res = db_exec(db, SQL_REMIND, 3, v, &rc)) == NULL)
			return 0;
		if (PQntuples(res) == 1) {
			texts_alert_reminder(&text, db_val(res, 0, 0),
			    r->msg[k]);
			sent = send_buf(a, &text);
		}
		PQclear(res);
		return sent;
	}
	if ((res = db_exec(db, SQL_RECOVER, 1, v, &rc)) == NULL)
		return 0;
	if (PQntuples(res) == 1) {
		texts_alert_recovered(&text, db_val(res, 0, 1),
		    db_val(res, 0, 0));
		sent = send_buf(a, &text);
	}
	PQclear(res);
	return sent;
}

/*
 * The sales without a team (stored targetologist NULL, "" or "Unknown")
 * that arrived today ($1: the business time zone), by the first non-blank
 * of their source, campaign, content, medium and term ('none' when they
 * have no tag): each value not yet told today is claimed in
 * attribution_alerts, and returned, most revenue first. However many
 * workers run this, each value is returned once a day.
 * Index: all_sales_tracking_created_idx.
 */
/* clang-format off */
static const char SQL_UNATTRIBUTED[] =
    "WITH s AS (SELECT k.f, k.v, s.sale_amount FROM all_sales_tracking s"
    " CROSS JOIN LATERAL (SELECT f, v FROM (VALUES (1, 'source', s.utm_source),"
    " (2, 'campaign', s.utm_campaign), (3, 'content', s.utm_content),"
    " (4, 'medium', s.utm_medium), (5, 'term', s.utm_term), (6, 'none', ''))"
    " AS x (o, f, v) WHERE o = 6 OR coalesce(btrim(v), '') <> ''"
    " ORDER BY o LIMIT 1) k"
    " WHERE s.created_at >= ((now() AT TIME ZONE $1)::date::timestamp"
    " AT TIME ZONE $1) AND s.verification <> 'unverified'"
    " AND (coalesce(s.targetologist, '') = ''"
    " OR lower(s.targetologist) = 'unknown'))"
    " INSERT INTO attribution_alerts (day, field, value, sales, revenue)"
    " SELECT (now() AT TIME ZONE $1)::date, f, v, count(*),"
    " sum(sale_amount) FROM s GROUP BY f, v"
    " ON CONFLICT DO NOTHING"
    " RETURNING field, value, sales::text, revenue::text";
/* clang-format on */

/* The columns of SQL_UNATTRIBUTED. */
enum ua_col { UA_FIELD, UA_VALUE, UA_SALES, UA_REVENUE };

/* Messages about new values without a team in one tick, at most. */
#define UNATTRIBUTED_MESSAGES 10

/*
 * Tells the alert chat about each new value of today's sales without a
 * team: one message per value and day (never one per sale), at most
 * UNATTRIBUTED_MESSAGES, then one for the rest. Returns messages sent.
 */
static int
unattributed(struct alerts *a)
{
	const char *v[1] = { cfg_str(&a->app->cfg, CFG_TIMEZONE) };
	struct buf link, text;
	PGresult *res;
	enum err rc;
	int i, n, sent = 0;

	if ((res = db_exec(&a->app->traffic, SQL_UNATTRIBUTED, 1, v, &rc)) ==
	    NULL)
		return 0;
	buf_init(&link);
	buf_printf(&link, "%s/traffic/admin#teams?unattributed",
	    cfg_str(&a->app->cfg, CFG_PUBLIC_URL));
	n = PQntuples(res);
	for (i = 0; i < n && i < UNATTRIBUTED_MESSAGES; i++) {
		const char *f = db_val(res, i, UA_FIELD);

		buf_init(&text);
		texts_alert_unattributed(&text,
		    f != NULL && strcmp(f, "none") == 0 ? NULL : f,
		    db_val(res, i, UA_VALUE), db_val(res, i, UA_SALES),
		    db_val(res, i, UA_REVENUE), buf_str(&link));
		sent += send_buf(a, &text);
	}
	if (n > UNATTRIBUTED_MESSAGES) {
		buf_init(&text);
		texts_alert_unattributed_more(&text,
		    (long long)(n - UNATTRIBUTED_MESSAGES), buf_str(&link));
		sent += send_buf(a, &text);
	}
	buf_free(&link);
	PQclear(res);
	return sent;
}

int
alerts_tick(struct alerts *a, const char *me)
{
	struct health_report r;
	char interval[16];
	const char *v[2] = { me, interval };
	struct buf b;
	struct jw w;
	PGresult *res;
	enum err rc;
	int k, sent = 0;

	if (!a->on)
		return 0;
	snprintf(interval, sizeof(interval), "%lld",
	    cfg_int(&a->app->cfg, CFG_ALERT_INTERVAL));
	if ((res = db_exec(&a->app->traffic, SQL_CLAIM, 2, v, &rc)) == NULL)
		return 0;
	k = PQntuples(res);
	PQclear(res);
	if (k != 1)
		return 0;
	health_report_init(&r);
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	health_all(&a->env, &w, &r);
	jw_obj_end(&w);
	buf_free(&b);
	for (k = 0; k < HA__MAX; k++)
		if (r.checked[k])
			sent += one(a, (enum health_alert)k, &r);
	return sent + unattributed(a);
}
