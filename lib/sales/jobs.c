#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/webhook.h"
#include "base/form.h"
#include "base/log.h"
#include "base/text.h"
#include "sales/announce.h"
#include "sales/jobs.h"
#include "sales/landing.h"
#include "sales/track.h"

static const char SQL_SALE[] =
    "SELECT s.targetologist, t.emoji, coalesce(s.contact_name, s.lead_name),"
    " s.sale_amount::text, s.product_name, s.utm_campaign,"
    " coalesce(nullif(t.telegram_chat_id, ''), nullif($2, ''))"
    " FROM all_sales_tracking s"
    " LEFT JOIN traffic_teams t ON t.name = s.targetologist"
    " WHERE s.lead_id = $1";

/* The columns of SQL_SALE. */
enum sale_col {
	SC_TEAM,
	SC_EMOJI,
	SC_CLIENT,
	SC_AMOUNT,
	SC_PRODUCT,
	SC_CAMPAIGN,
	SC_CHAT,
	SC__MAX
};

static const char SQL_TEAM[] =
    "SELECT emoji, coalesce(nullif(telegram_chat_id, ''), nullif($2, ''))"
    " FROM traffic_teams WHERE name = $1";

/* The columns of SQL_TEAM. */
enum team_col { TC_EMOJI, TC_CHAT, TC__MAX };

static const char SQL_MOVED[] =
    "SELECT new_chat_id FROM telegram_chat_moves WHERE old_chat_id = $1";

/*
 * Remembers that a chat became a supergroup; moves that led to the old
 * chat now lead to the new one, so current_chat() needs one lookup.
 */
static const char SQL_MOVE[] =
    "WITH m AS (INSERT INTO telegram_chat_moves (old_chat_id, new_chat_id)"
    " VALUES ($1, $2) ON CONFLICT (old_chat_id) DO UPDATE"
    " SET new_chat_id = EXCLUDED.new_chat_id, moved_at = now())"
    " UPDATE telegram_chat_moves SET new_chat_id = $2, moved_at = now()"
    " WHERE new_chat_id = $1";

enum err
jobs_init(struct jobs *j, struct sales_ctx *s)
{
	struct app *app = s->app;
	struct amocrm_status ast;
	struct tg_result tr;
	enum err rc;

	memset(j, 0, sizeof(*j));
	j->s = s;
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

/* Fetches the lead's main contact and stores it; then the announcement. */
static enum err
enrich(struct jobs *j, long long lead_id, struct job_outcome *out)
{
	struct db *db = &j->s->app->traffic;
	struct amocrm_status st;
	struct amocrm_lead l;
	struct amocrm_contact c;
	struct track_enrichment e;
	char price[32], team[80];
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
	snprintf(price, sizeof(price), "%lld", l.price);
	memset(&e, 0, sizeof(e));
	e.lead_id = lead_id;
	e.contact_name = c.name;
	e.phone = c.nphones > 0 ? c.phones[0] : NULL;
	e.email = c.nemails > 0 ? c.emails[0] : NULL;
	e.lead_name = l.name;
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		e.utm[t] = amocrm_lead_field(&l, j->s->amo.utm_field[t],
		    amo_utm_names[t]);
	e.price = price;
	if ((rc = db_begin(db)) == ERR_OK &&
	    (rc = track_enrich(j->s, db, &e, team, sizeof(team))) == ERR_OK &&
	    (rc = jobs_enqueue_announce(db, lead_id)) == ERR_OK)
		rc = db_commit(db);
	db_rollback(db);
	amocrm_lead_free(&l);
	amocrm_contact_free(&c);
	if (rc != ERR_OK)
		return failed(out, rc, 0, "could not store the contact");
	/* A funnel sale stored without a team gets the one found now. */
	if (*team != '\0' && j->s->app->has_landing &&
	    (rc = landing_set_team(&j->s->app->landing, lead_id, team)) !=
	        ERR_OK)
		return failed(out, rc, 0,
		    "could not give the landing sale its "
		    "team");
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
	struct db *db = &j->s->app->traffic;
	struct tg_result tr;
	char *to, moved[32];
	const char *v[2];
	enum err rc;

	if (!cfg_bool(&j->s->app->cfg, CFG_TELEGRAM_REPORTS_ENABLED)) {
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
	struct db *db = &j->s->app->traffic;
	struct announce a;
	struct buf html;
	char id[32];
	const char *v[2] = { id,
		cfg_str(&j->s->app->cfg, CFG_TELEGRAM_CHAT_ID) };
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
	a.team = db_val(res, 0, SC_TEAM);
	a.emoji = db_val(res, 0, SC_EMOJI);
	a.client = db_val(res, 0, SC_CLIENT);
	a.amount = db_val(res, 0, SC_AMOUNT);
	a.product = db_val(res, 0, SC_PRODUCT);
	a.campaign = db_val(res, 0, SC_CAMPAIGN);
	buf_init(&html);
	if ((rc = announce_text(&a, &html)) == ERR_OK)
		rc = send(j, db_val(res, 0, SC_CHAT), buf_str(&html), out);
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
		cfg_str(&j->s->app->cfg, CFG_TELEGRAM_CHAT_ID) };
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
	if ((res = db_exec(&j->s->app->traffic, SQL_TEAM, 2, v, &rc)) == NULL)
		return failed(out, rc, 0, "could not read the team");
	chat = v[1];
	if (PQntuples(res) > 0) {
		a.emoji = db_val(res, 0, TC_EMOJI);
		chat = db_val(res, 0, TC_CHAT);
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
	rc = form_parse_json(&f, job->payload, strlen(job->payload), NULL);
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
	if (form_parse_json(&f, job->payload, strlen(job->payload), NULL) !=
	    ERR_OK)
		return ERR_VALIDATION;
	lead = lead_of(&f);
	form_free(&f);
	if (lead <= 0)
		return ERR_VALIDATION;
	log_info("announcing lead %lld without contact details", lead);
	rc = jobs_enqueue_announce(&j->s->app->traffic, lead);
	return rc;
}
