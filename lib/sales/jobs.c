#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/webhook.h"
#include "sales/announce.h"
#include "io/app.h"
#include "base/form.h"
#include "sales/jobs.h"
#include "base/log.h"
#include "attr/rules.h"
#include "base/text.h"

/*
 * Contact details always; UTM tags and the price only where the webhook
 * had none (the Digital Pipeline's compact form carries neither).
 */
static const char SQL_ENRICH[] =
    "UPDATE all_sales_tracking SET"
    " contact_name = coalesce($2, contact_name),"
    " contact_phone = coalesce($3, contact_phone),"
    " contact_email = coalesce($4, contact_email),"
    " lead_name = coalesce(lead_name, $5),"
    " utm_source = coalesce(utm_source, $6),"
    " utm_medium = coalesce(utm_medium, $7),"
    " utm_campaign = coalesce(utm_campaign, $8),"
    " utm_content = coalesce(utm_content, $9),"
    " utm_term = coalesce(utm_term, $10),"
    " sale_amount = CASE WHEN raw_webhook_data->>'price' IS NULL"
    "  AND $11::numeric > 0 THEN $11::numeric ELSE sale_amount END"
    " WHERE lead_id = $1"
    " RETURNING targetologist IS NULL, utm_source, utm_medium,"
    "  utm_campaign, utm_content, utm_term";

static const char SQL_ATTRIBUTE[] =
    "UPDATE all_sales_tracking SET targetologist = $2,"
    " attribution_confidence = $3 WHERE lead_id = $1";

static const char SQL_SALE[] =
    "SELECT s.targetologist, t.emoji, coalesce(s.contact_name, s.lead_name),"
    " s.sale_amount::text, s.product_name, s.utm_campaign,"
    " coalesce(nullif(t.telegram_chat_id, ''), nullif($2, ''))"
    " FROM all_sales_tracking s"
    " LEFT JOIN traffic_teams t ON t.name = s.targetologist"
    " WHERE s.lead_id = $1";

static const char SQL_TEAM[] =
    "SELECT emoji, coalesce(nullif(telegram_chat_id, ''), nullif($2, ''))"
    " FROM traffic_teams WHERE name = $1";

static const char SQL_MOVED[] =
    "SELECT new_chat_id FROM telegram_chat_moves WHERE old_chat_id = $1";

static const char SQL_MOVE[] =
    "WITH m AS (INSERT INTO telegram_chat_moves (old_chat_id, new_chat_id)"
    " VALUES ($1, $2) ON CONFLICT (old_chat_id) DO UPDATE"
    " SET new_chat_id = EXCLUDED.new_chat_id, moved_at = now())"
    " UPDATE traffic_teams SET telegram_chat_id = $2"
    " WHERE telegram_chat_id = $1";

enum err
jobs_init(struct jobs *j, struct app *app)
{
	struct amocrm_status ast;
	struct tg_result tr;
	enum err rc;

	memset(j, 0, sizeof(*j));
	j->app = app;
	if ((rc = http_init(&j->http, cfg_str(&app->cfg, CFG_RUN_DIR))) !=
	    ERR_OK)
		return rc;
	if (*cfg_str(&app->cfg, CFG_AMOCRM_ACCESS_TOKEN) != '\0') {
		if ((rc = amocrm_init(&j->amo, &j->http, &app->cfg, &ast)) !=
		    ERR_OK) {
			log_errx("amoCRM client: %s", ast.reason);
			goto fail;
		}
		j->has_amo = 1;
	} else {
		log_warnx("AMOCRM_ACCESS_TOKEN is not set: sales are "
		          "announced without contact details");
	}
	if (*cfg_str(&app->cfg, CFG_TELEGRAM_BOT_TOKEN) != '\0') {
		if ((rc = tg_init(&j->tg, &j->http, &app->cfg, &tr)) !=
		    ERR_OK) {
			log_errx("Telegram client: %s", tr.reason);
			goto fail;
		}
		j->has_tg = 1;
	} else {
		log_warnx("TELEGRAM_BOT_TOKEN is not set: announcements "
		          "will fail until it is");
	}
	return ERR_OK;
fail:
	jobs_free(j);
	return rc;
}

void
jobs_free(struct jobs *j)
{
	if (j == NULL)
		return;
	if (j->has_amo)
		amocrm_free(&j->amo);
	if (j->has_tg)
		tg_free(&j->tg);
	http_free(&j->http);
	memset(j, 0, sizeof(*j));
}

enum err
jobs_enqueue_announce(struct db *db, long long lead_id)
{
	char payload[64], key[64];
	long long id;

	snprintf(payload, sizeof(payload), "{\"lead_id\":%lld}", lead_id);
	snprintf(key, sizeof(key), "announce:%lld", lead_id);
	return outbox_enqueue(db, "announce", payload, key, &id);
}

/* Sets the outcome for a failed remote call. */
static enum err
failed(struct job_outcome *out, enum err rc, long retry_after,
    const char *reason)
{
	out->permanent = rc == ERR_AUTH || rc == ERR_PERM ||
	    rc == ERR_NOTFOUND || rc == ERR_CONFIG || rc == ERR_VALIDATION;
	out->retry_after = rc == ERR_RATE ? retry_after : 0;
	snprintf(out->error, sizeof(out->error), "%s",
	    reason != NULL && *reason != '\0' ? reason : err_str(rc));
	return rc;
}

_Static_assert(ATTR_FIELD_TERM == (int)AMO_UTM_TERM &&
    ATTR_FIELD_SOURCE == (int)AMO_UTM_SOURCE,
    "attr fields and amo UTM tags share one order");

/*
 * Stores what amoCRM told about the sale (v: the SQL_ENRICH parameters)
 * inside the caller's transaction. A sale that had no team because its
 * webhook carried no UTM tags is attributed now, from the lead's fields.
 */
static enum err
store_enrichment(struct jobs *j, long long lead_id, const char *const *v)
{
	struct db *db = &j->app->traffic;
	struct attr_result ar;
	struct attr_utm utm;
	const char *w[3];
	PGresult *res;
	enum err rc;
	int t;

	(void)lead_id;
	if ((res = db_exec(db, SQL_ENRICH, 11, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0 || strcmp(db_val(res, 0, 0), "t") != 0) {
		PQclear(res);
		return ERR_OK;
	}
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		utm.v[t] = db_val(res, 0, 1 + t);
	rc = rules_match(&j->app->rules, db, &utm, &ar);
	if (rc == ERR_OK && ar.team_name != NULL) {
		w[0] = v[0];
		w[1] = ar.team_name;
		w[2] = attr_conf_name(ar.conf);
		rc = db_run(db, SQL_ATTRIBUTE, 3, w);
	}
	PQclear(res);
	return rc;
}

/* Fetches the lead's main contact and stores it; then the announcement. */
static enum err
enrich(struct jobs *j, long long lead_id, struct job_outcome *out)
{
	struct db *db = &j->app->traffic;
	struct amocrm_status st;
	struct amocrm_lead l;
	struct amocrm_contact c;
	char id[32], price[32];
	const char *v[11];
	enum err rc;
	int t;

	if (!j->has_amo)
		return failed(out, ERR_CONFIG, 0,
		    "AMOCRM_ACCESS_TOKEN is not set");
	memset(&c, 0, sizeof(c));
	if ((rc = amocrm_lead_get(&j->amo, lead_id, &l, &st)) != ERR_OK)
		return failed(out, rc, st.retry_after, st.reason);
	if (l.contact_id > 0 &&
	    (rc = amocrm_contact_get(&j->amo, l.contact_id, &c, &st)) !=
	        ERR_OK) {
		amocrm_lead_free(&l);
		return failed(out, rc, st.retry_after, st.reason);
	}
	snprintf(id, sizeof(id), "%lld", lead_id);
	snprintf(price, sizeof(price), "%lld", l.price);
	v[0] = id;
	v[1] = c.name;
	v[2] = c.nphones > 0 ? c.phones[0] : NULL;
	v[3] = c.nemails > 0 ? c.emails[0] : NULL;
	v[4] = l.name;
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		v[5 + t] = amocrm_lead_field(&l, j->app->amo.utm_field[t],
		    amo_utm_names[t]);
	v[10] = price;
	if ((rc = db_begin(db)) == ERR_OK &&
	    (rc = store_enrichment(j, lead_id, v)) == ERR_OK &&
	    (rc = jobs_enqueue_announce(db, lead_id)) == ERR_OK)
		rc = db_commit(db);
	db_rollback(db);
	amocrm_lead_free(&l);
	amocrm_contact_free(&c);
	if (rc != ERR_OK)
		return failed(out, rc, 0, "could not store the contact");
	return ERR_OK;
}

/* Follows a remembered supergroup move of chat; returns a new string. */
static char *
current_chat(struct db *db, const char *chat)
{
	const char *v[1] = { chat };
	PGresult *res;
	enum err rc;
	char *out;

	res = db_exec(db, SQL_MOVED, 1, v, &rc);
	out = strdup(
	    res != NULL && PQntuples(res) > 0 ? db_val(res, 0, 0) : chat);
	PQclear(res);
	return out;
}

/* Sends html to chat, remembering a migration to a supergroup. */
static enum err
send(struct jobs *j, const char *chat, const char *html,
    struct job_outcome *out)
{
	struct db *db = &j->app->traffic;
	struct tg_result tr;
	char *to, moved[32];
	const char *v[2];
	enum err rc;

	if (strcmp(cfg_str(&j->app->cfg, CFG_TELEGRAM_REPORTS_ENABLED),
	        "false") == 0) {
		log_info("TELEGRAM_REPORTS_ENABLED=false: not sent");
		return ERR_OK;
	}
	if (!j->has_tg)
		return failed(out, ERR_CONFIG, 0,
		    "TELEGRAM_BOT_TOKEN is not set");
	if (chat == NULL || *chat == '\0')
		return failed(out, ERR_CONFIG, 0,
		    "no Telegram chat: set TELEGRAM_CHAT_ID or the team's "
		    "chat");
	if ((to = current_chat(db, chat)) == NULL)
		return failed(out, ERR_NOMEM, 0, NULL);
	rc = tg_send_message(&j->tg, to, html, &tr);
	if (tr.migrated_to != 0) {
		snprintf(moved, sizeof(moved), "%lld", tr.migrated_to);
		v[0] = to;
		v[1] = moved;
		if (db_run(db, SQL_MOVE, 2, v) != ERR_OK)
			log_warnx("could not remember chat move to %s", moved);
		else
			log_info("chat %s moved to %s", to, moved);
	}
	free(to);
	if (rc != ERR_OK)
		return failed(out, rc, tr.retry_after, tr.reason);
	log_info("announced in Telegram (message %lld)", tr.message_id);
	return ERR_OK;
}

/* Announces a stored sale. */
static enum err
announce_sale(struct jobs *j, long long lead_id, struct job_outcome *out)
{
	struct db *db = &j->app->traffic;
	struct announce a;
	struct buf html;
	char id[32];
	const char *v[2] = { id, cfg_str(&j->app->cfg, CFG_TELEGRAM_CHAT_ID) };
	PGresult *res;
	enum err rc;

	snprintf(id, sizeof(id), "%lld", lead_id);
	if ((res = db_exec(db, SQL_SALE, 2, v, &rc)) == NULL)
		return failed(out, rc, 0, "could not read the sale");
	if (PQntuples(res) == 0) {
		PQclear(res);
		return failed(out, ERR_NOTFOUND, 0, "no such sale");
	}
	memset(&a, 0, sizeof(a));
	a.team = db_val(res, 0, 0);
	a.emoji = db_val(res, 0, 1);
	a.client = db_val(res, 0, 2);
	a.amount = db_val(res, 0, 3);
	a.product = db_val(res, 0, 4);
	a.campaign = db_val(res, 0, 5);
	buf_init(&html);
	if ((rc = announce_text(&a, &html)) == ERR_OK)
		rc = send(j, db_val(res, 0, 6), buf_str(&html), out);
	else
		failed(out, rc, 0, NULL);
	buf_free(&html);
	PQclear(res);
	return rc;
}

/* Announces a test sale described by the payload itself. */
static enum err
announce_test(struct jobs *j, const struct form *f, struct job_outcome *out)
{
	const char *team = form_get(f, "targetologist");
	const char *v[2] = { team,
		cfg_str(&j->app->cfg, CFG_TELEGRAM_CHAT_ID) };
	struct announce a;
	struct buf html;
	PGresult *res;
	const char *chat;
	enum err rc;

	memset(&a, 0, sizeof(a));
	a.test = 1;
	a.team = team;
	a.client = form_get(f, "contact_name");
	a.amount = form_get(f, "sale_amount");
	a.product = form_get(f, "product_name");
	if ((res = db_exec(&j->app->traffic, SQL_TEAM, 2, v, &rc)) == NULL)
		return failed(out, rc, 0, "could not read the team");
	chat = v[1];
	if (PQntuples(res) > 0) {
		a.emoji = db_val(res, 0, 0);
		chat = db_val(res, 0, 1);
	}
	buf_init(&html);
	if ((rc = announce_text(&a, &html)) == ERR_OK)
		rc = send(j, chat, buf_str(&html), out);
	buf_free(&html);
	PQclear(res);
	return rc;
}

/* Reads the lead_id of a payload; 0 when absent or malformed. */
static long long
lead_of(const struct form *f)
{
	const char *s = form_get(f, "lead_id");

	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

enum err
jobs_run(struct jobs *j, const struct outbox_job *job, struct job_outcome *out)
{
	struct form f;
	enum err rc;
	long long lead;
	const char *test;

	memset(out, 0, sizeof(*out));
	rc = amo_json_to_form(&f, job->payload, strlen(job->payload), NULL);
	if (rc != ERR_OK)
		return failed(out, ERR_VALIDATION, 0, "malformed payload");
	lead = lead_of(&f);
	test = form_get(&f, "test");
	if (strcmp(job->kind, "enrich") == 0 && lead > 0)
		rc = enrich(j, lead, out);
	else if (strcmp(job->kind, "announce") == 0 && test != NULL &&
	    strcmp(test, "true") == 0)
		rc = announce_test(j, &f, out);
	else if (strcmp(job->kind, "announce") == 0 && lead > 0)
		rc = announce_sale(j, lead, out);
	else
		rc = failed(out, ERR_VALIDATION, 0, "unknown job");
	form_free(&f);
	return rc;
}

enum err
jobs_dead(struct jobs *j, const struct outbox_job *job)
{
	struct form f;
	long long lead;
	enum err rc;

	if (strcmp(job->kind, "enrich") != 0)
		return ERR_OK;
	if (amo_json_to_form(&f, job->payload, strlen(job->payload), NULL) !=
	    ERR_OK)
		return ERR_VALIDATION;
	lead = lead_of(&f);
	form_free(&f);
	if (lead <= 0)
		return ERR_VALIDATION;
	log_info("announcing lead %lld without contact details", lead);
	rc = jobs_enqueue_announce(&j->app->traffic, lead);
	return rc;
}
