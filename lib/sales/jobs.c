#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amocrm/webhook.h"
#include "base/form.h"
#include "base/log.h"
#include "base/text.h"
#include "sales/jobs.h"
#include "sales/landing.h"
#include "sales/track.h"
#include "telegram/post.h"
#include "telegram/texts.h"

/* The sales to announce: one ($1 a lead id) or a digest's ($3 job ids). */
#define SQL_SALES_SELECT                                                       \
	"SELECT s.targetologist, t.emoji,"                                     \
	" coalesce(s.contact_name, s.lead_name), s.sale_amount::text,"         \
	" s.product_name, s.utm_campaign,"                                     \
	" coalesce(nullif(t.telegram_chat_id, ''), nullif($2, '')),"           \
	" s.verification, s.pipeline_id"
#define SQL_SALES_FROM                                                         \
	" FROM all_sales_tracking s"                                           \
	" LEFT JOIN traffic_teams t ON t.name = s.targetologist"

static const char SQL_SALE[] = SQL_SALES_SELECT SQL_SALES_FROM
    " WHERE s.lead_id = $1";

static const char SQL_DIGEST_SALES[] = SQL_SALES_SELECT
    ", j.id" SQL_SALES_FROM
    " JOIN outbox_jobs j ON s.lead_id = j.payload->>'lead_id'"
    " WHERE j.id = ANY($1::bigint[])"
    " ORDER BY s.sale_date, s.lead_id";

/* The columns of SQL_SALE and SQL_DIGEST_SALES. */
enum sale_col {
	SC_TEAM,
	SC_EMOJI,
	SC_CLIENT,
	SC_AMOUNT,
	SC_PRODUCT,
	SC_CAMPAIGN,
	SC_CHAT,
	SC_VERIFICATION,
	SC_PIPELINE,
	SC__MAX,
	SC_JOB = SC__MAX /* SQL_DIGEST_SALES: the sale's job */
};

/* The chat a sale s (with its team t) is announced in; $2 the default. */
#define SALE_CHAT "coalesce(nullif(t.telegram_chat_id, ''), nullif($2, ''))"

/*
 * A sale s announced on its own, never in a digest: $7 the amount from
 * which on (0: none), $8 the Flagship pipeline (0: none).
 */
#define SALE_ALONE                                                             \
	"(($7::numeric > 0 AND s.sale_amount >= $7::numeric)"                  \
	" OR coalesce(s.pipeline_id = nullif($8, '0'), false))"

/*
 * The other announcements waiting for chat $1 ($2 the default chat, $3
 * this job, at most $4 of them; $5, $6 the kinds enrich and announce;
 * $7, $8 SALE_ALONE's, whose sales are left out):
 * their ids as a bigint[] literal and how many; the sales of the chat
 * still being verified (their enrichment pending or running); this job's
 * age in seconds; the sales announced in the chat in the last minute.
 */
static const char SQL_WAITING[] =
    "SELECT coalesce('{' || string_agg(x.id::text, ',') || '}', '{}'),"
    " count(*),"
    " (SELECT count(*) FROM outbox_jobs j"
    "  JOIN all_sales_tracking s ON s.lead_id = j.payload->>'lead_id'"
    "  LEFT JOIN traffic_teams t ON t.name = s.targetologist"
    "  WHERE j.kind = $5 AND j.state IN ('pending', 'running')"
    "  AND " SALE_CHAT " = $1),"
    " (SELECT extract(epoch FROM now() - created_at)::int"
    "  FROM outbox_jobs WHERE id = $3::bigint),"
    " (SELECT coalesce(sum(sales), 0) FROM telegram_sends"
    "  WHERE chat_id = $1 AND reserved_at > now() - interval '1 minute')"
    " FROM (SELECT j.id FROM outbox_jobs j"
    "  JOIN all_sales_tracking s ON s.lead_id = j.payload->>'lead_id'"
    "  LEFT JOIN traffic_teams t ON t.name = s.targetologist"
    "  WHERE j.kind = $6 AND j.state = 'pending'"
    "  AND j.id <> $3::bigint AND s.verification <> 'unverified'"
    "  AND " SALE_CHAT " = $1 AND NOT " SALE_ALONE ""
    "  ORDER BY j.id LIMIT $4::int) x";

/* The columns of SQL_WAITING. */
enum waiting_col { WC_IDS, WC_ANNOUNCE, WC_ENRICH, WC_AGE, WC_RECENT, WC__MAX };

/*
 * A slot of chat $1 for job $2 of worker $3 when fewer than $4 messages
 * went to the chat in the last minute (under the chat's lock, taken
 * before); else the seconds until one frees. Only while the worker still
 * holds the job: one that lost its lease must not send.
 */
static const char SQL_SLOT_LOCK[] =
    "SELECT pg_advisory_xact_lock(hashtextextended('amosync-tg:' || $1, 0))";

static const char SQL_SLOT[] =
    "WITH w AS (SELECT reserved_at FROM telegram_sends WHERE chat_id = $1"
    "  AND reserved_at > now() - interval '1 minute'"
    "  ORDER BY reserved_at DESC LIMIT $4::int),"
    " held AS (SELECT 1 FROM outbox_jobs WHERE id = $2::bigint"
    "  AND claimed_by = $3 AND state = 'running'),"
    " ins AS (INSERT INTO telegram_sends (chat_id, job_id, claimed_by)"
    "  SELECT $1, $2::bigint, $3 WHERE (SELECT count(*) FROM w) < $4::int"
    "  AND EXISTS (SELECT 1 FROM held) RETURNING id)"
    " SELECT (SELECT id FROM ins), EXISTS (SELECT 1 FROM held),"
    " CASE WHEN (SELECT count(*) FROM w) < $4::int THEN 0"
    "  ELSE greatest(1, ceil(extract(epoch FROM (SELECT min(reserved_at)"
    "   FROM w) + interval '1 minute' - now())))::int END";

/* The columns of SQL_SLOT. */
enum slot_col { SL_ID, SL_HELD, SL_WAIT, SL__MAX };

/* Telegram accepted message $2 carrying $3 sales for send $1. */
static const char SQL_SENT[] =
    "UPDATE telegram_sends SET message_id = $2::bigint, sales = $3::int,"
    " sent_at = now() WHERE id = $1::bigint";

static const char SQL_TEAM[] =
    "SELECT emoji, coalesce(nullif(telegram_chat_id, ''), nullif($2, ''))"
    " FROM traffic_teams WHERE name = $1";

/* The columns of SQL_TEAM. */
enum team_col { TC_EMOJI, TC_CHAT, TC__MAX };

enum err
jobs_init(struct jobs *j, struct sales_ctx *s)
{
	struct app *app = s->app;
	struct amocrm_status ast;
	struct tg_result tr;
	enum err rc;

	memset(j, 0, sizeof(*j));
	j->s = s;
	j->me = "";
	j->lease = (int)cfg_int(&app->cfg, CFG_OUTBOX_CLAIM_TIMEOUT);
	j->chat_rate = (int)cfg_int(&app->cfg, CFG_TELEGRAM_CHAT_RATE_LIMIT);
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
	return outbox_enqueue(db, OUTBOX_ANNOUNCE, payload, key, &id);
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

/*
 * Reads the lead from amoCRM, the source of truth, and verifies the sale
 * with it (track_enrich): a lead amoCRM has won gets its announcement,
 * with amoCRM's price, pipeline and UTM tags; one it does not have, or
 * not as won, is unverified and never announced. The landing copy
 * follows.
 */
static enum err
enrich(struct jobs *j, long long lead_id, struct job_outcome *out)
{
	struct db *db = &j->s->app->traffic;
	struct amocrm_status st;
	struct amocrm_lead l;
	struct amocrm_contact c;
	struct track_enrichment e;
	struct track_verdict vd;
	char price[32], pipe[32], why[160];
	enum err rc;
	int t, found;

	if (!j->has_amo)
		return failed(out, ERR_CONFIG, 0,
		    "AMOCRM_ACCESS_TOKEN is not set");
	memset(&c, 0, sizeof(c));
	memset(&l, 0, sizeof(l));
	memset(&e, 0, sizeof(e));
	rc = amocrm_lead_get(&j->amo, lead_id, &l, &st);
	if (rc != ERR_OK && rc != ERR_NOTFOUND)
		return failed(out, rc, st.retry_after, st.reason);
	found = rc == ERR_OK;
	e.lead_id = lead_id;
	if (!found) {
		snprintf(why, sizeof(why), "lead %lld is not in amoCRM",
		    lead_id);
		e.why = why;
	} else if (l.status_id != AMO_STATUS_WON) {
		snprintf(why, sizeof(why),
		    "lead %lld is in status %lld of pipeline %lld in amoCRM, "
		    "not won (%d)",
		    lead_id, l.status_id, l.pipeline_id, AMO_STATUS_WON);
		e.why = why;
	} else if (l.contact_id > 0 &&
	    (rc = amocrm_contact_get(&j->amo, l.contact_id, &c, &st)) !=
	        ERR_OK &&
	    rc != ERR_NOTFOUND) {
		amocrm_lead_free(&l);
		return failed(out, rc, st.retry_after, st.reason);
	}
	if (found && e.why == NULL) {
		snprintf(price, sizeof(price), "%lld", l.price);
		snprintf(pipe, sizeof(pipe), "%lld", l.pipeline_id);
		e.contact_name = c.name;
		e.phone = c.nphones > 0 ? c.phones[0] : NULL;
		e.email = c.nemails > 0 ? c.emails[0] : NULL;
		e.lead_name = l.name;
		for (t = 0; t < ATTR_FIELD__MAX; t++)
			e.utm[t] = amocrm_lead_field(&l, j->s->amo.utm_field[t],
			    amo_utm_names[t]);
		e.price = price;
		e.pipeline = l.pipeline_id > 0 ? pipe : NULL;
	}
	if ((rc = db_begin(db)) == ERR_OK &&
	    (rc = track_enrich(j->s, db, &e, &vd)) == ERR_OK &&
	    (strcmp(vd.verification, "verified") != 0 ||
	        (rc = jobs_enqueue_announce(db, lead_id)) == ERR_OK))
		rc = db_commit(db);
	db_rollback(db);
	if (rc != ERR_OK) {
		amocrm_lead_free(&l);
		amocrm_contact_free(&c);
		return failed(out, rc, 0, "could not store the verification");
	}
	/* The landing copy of the sale, if any, follows amoCRM too. */
	if (vd.found && j->s->app->has_landing)
		rc = landing_correct(&j->s->app->landing, lead_id,
		    vd.verification, vd.amount[0] != '\0' ? vd.amount : NULL,
		    e.utm, vd.team);
	amocrm_lead_free(&l);
	amocrm_contact_free(&c);
	if (rc != ERR_OK)
		return failed(out, rc, 0, "could not correct the landing sale");
	return ERR_OK;
}

/*
 * Takes a slot of chat for job (TELEGRAM_CHAT_RATE_LIMIT a minute, across
 * all workers): *send is the slot's telegram_sends id, or 0 with *wait
 * the seconds until one frees; *held 0 when the worker no longer holds
 * the job (its lease was taken over: it must not send).
 */
static enum err
slot(struct jobs *j, const char *chat, long long job, long long *send,
    long *wait, int *held)
{
	struct db *db = &j->s->app->traffic;
	char id[32], rate[16];
	const char *v[4] = { chat, id, j->me, rate };
	PGresult *res = NULL;
	enum err rc;

	*send = 0;
	*wait = 0;
	*held = 0;
	snprintf(id, sizeof(id), "%lld", job);
	snprintf(rate, sizeof(rate), "%d", j->chat_rate);
	if ((rc = db_begin(db)) != ERR_OK)
		return rc;
	if ((rc = db_run(db, SQL_SLOT_LOCK, 1, v)) == ERR_OK &&
	    (res = db_exec(db, SQL_SLOT, 4, v, &rc)) != NULL &&
	    (rc = db_commit(db)) == ERR_OK) {
		if (db_val(res, 0, SL_ID) != NULL)
			*send = strtoll(db_val(res, 0, SL_ID), NULL, 10);
		*held = strcmp(db_val(res, 0, SL_HELD), "t") == 0;
		*wait = strtol(db_val(res, 0, SL_WAIT), NULL, 10);
	}
	PQclear(res);
	db_rollback(db);
	return rc;
}

/*
 * Records what Telegram accepted: message message_id (sales sales) for
 * send, and jobs ids done, in one transaction. The message is out: the
 * record is retried (the database may be restarting) for up to
 * RECORD_TRIES attempts instead of leaving the jobs to be sent again.
 */
#define RECORD_TRIES 600
static enum err
record(struct jobs *j, long long send, long long message_id, int sales,
    const char *ids, const char *note)
{
	struct db *db = &j->s->app->traffic;
	char sid[32], mid[32], n[16];
	const char *v[3] = { sid, mid, n };
	struct timespec ts;
	enum err rc = ERR_DB;
	int i;

	snprintf(sid, sizeof(sid), "%lld", send);
	snprintf(mid, sizeof(mid), "%lld", message_id);
	snprintf(n, sizeof(n), "%d", sales);
	for (i = 0; i < RECORD_TRIES; i++) {
		if (i > 0) {
			/* 0.1, 0.2 ... then every 0.5 s: about five minutes. */
			ts.tv_sec = 0;
			ts.tv_nsec = (i < 5 ? i : 5) * 100000000L;
			nanosleep(&ts, NULL);
		}
		if ((rc = db_begin(db)) == ERR_OK &&
		    (send == 0 ||
		        (rc = db_run(db, SQL_SENT, 3, v)) == ERR_OK) &&
		    (rc = outbox_done_ids(db, ids, note)) == ERR_OK &&
		    (rc = db_commit(db)) == ERR_OK)
			break;
		db_rollback(db);
		if (i == 0)
			log_warnx("could not record sent message %lld yet: "
			          "retrying",
			    message_id);
	}
	if (rc != ERR_OK)
		log_errx("could not record sent message %lld: job(s) %s may be "
		         "sent again",
		    message_id, ids);
	else if (i > 0)
		log_info("recorded sent message %lld after %d tries",
		    message_id, i + 1);
	return rc;
}

/*
 * Sends html to chat for job, remembering a migration to a supergroup.
 * With sales > 0, the message announces those sales (jobs ids, all held
 * by this worker): once Telegram accepts it, they are recorded done here
 * (out->recorded). Without a free slot of the chat the jobs are put back
 * (out->recorded, not sent) for *wait seconds. *sent tells whether the
 * jobs are done (sent, or muted by TELEGRAM_REPORTS_ENABLED).
 */
static enum err
send(struct jobs *j, const char *chat, const char *html, long long job,
    const char *ids, int sales, int *sent, long *wait, struct job_outcome *out)
{
	struct db *db = &j->s->app->traffic;
	struct tg_result tr;
	char note[64];
	long long sid;
	int held;
	enum err rc;

	*sent = 0;
	*wait = 1;
	if (!cfg_bool(&j->s->app->cfg, CFG_TELEGRAM_REPORTS_ENABLED)) {
		log_info("TELEGRAM_REPORTS_ENABLED=false: not sent");
		out->recorded = 1;
		*sent = 1;
		return outbox_done_ids(db, ids, "not sent: reports disabled");
	}
	if (!j->has_tg)
		return failed(out, ERR_CONFIG, 0,
		    "TELEGRAM_BOT_TOKEN is not set");
	if (chat == NULL || *chat == '\0')
		return failed(out, ERR_CONFIG, 0,
		    "no Telegram chat: set TELEGRAM_CHAT_ID or the team's "
		    "chat");
	if ((rc = slot(j, chat, job, &sid, wait, &held)) != ERR_OK)
		return failed(out, rc, 0, "could not take a slot of the chat");
	if (!held) {
		/*
		 * Another worker took the job over: it is its to send. The
		 * others of a digest, still ours, go back to the queue.
		 */
		log_warnx("job %lld was taken over: not sent", job);
		out->recorded = 1;
		*wait = 1;
		return outbox_postpone(db, ids, j->me, 1,
		    "its digest's job was taken over");
	}
	if (sid == 0) {
		out->recorded = 1;
		log_info("chat %s had its %d messages this minute: job(s) %s "
		         "wait %lds",
		    chat, j->chat_rate, ids, *wait);
		return outbox_postpone(db, ids, j->me, *wait,
		    "waiting for the chat's rate limit");
	}
	rc = tg_post(&j->tg, db, chat, html, &tr);
	if (rc != ERR_OK)
		return failed(out, rc, tr.retry_after, tr.reason);
	log_info("announced in Telegram (message %lld, %d sale(s))",
	    tr.message_id, sales);
	out->recorded = 1;
	*sent = 1;
	snprintf(note, sizeof(note), "sent as message %lld", tr.message_id);
	record(j, sid, tr.message_id, sales > 0 ? sales : 1, ids, note);
	return ERR_OK;
}

/* Fills a from row i of a SQL_SALE or SQL_DIGEST_SALES result. */
static void
sale_of(struct texts_sale *a, const PGresult *res, int i)
{
	memset(a, 0, sizeof(*a));
	a->team = db_val(res, i, SC_TEAM);
	a->emoji = db_val(res, i, SC_EMOJI);
	a->client = db_val(res, i, SC_CLIENT);
	a->amount = db_val(res, i, SC_AMOUNT);
	a->product = db_val(res, i, SC_PRODUCT);
	a->campaign = db_val(res, i, SC_CAMPAIGN);
}

/*
 * Sends the digest of jobs ids (this one and those claimed, all held by
 * this worker) to chat: one message per part of texts_digest(), each
 * part's jobs recorded done when its message went out (send()). When a
 * part cannot go (the chat's rate limit, a lease taken over, an error),
 * the jobs of it and of the parts after it go back to the queue, to be
 * announced in a later digest; so does a job whose sale is gone.
 */
static enum err
digest(struct jobs *j, const char *chat, const char *ids,
    struct job_outcome *out)
{
	struct db *db = &j->s->app->traffic;
	const char *v[2] = { ids,
		cfg_str(&j->s->app->cfg, CFG_TELEGRAM_CHAT_ID) };
	struct texts_part *parts = NULL;
	struct texts_sale *a;
	struct buf pids;
	PGresult *res;
	size_t nparts = 0, k, i;
	long wait = 1;
	enum err rc;
	int n, sent = 1;

	if ((res = db_exec(db, SQL_DIGEST_SALES, 2, v, &rc)) == NULL)
		return failed(out, rc, 0, "could not read the digest's sales");
	n = PQntuples(res);
	if ((a = calloc((size_t)n + 1, sizeof(*a))) == NULL) {
		PQclear(res);
		return failed(out, ERR_NOMEM, 0, NULL);
	}
	for (i = 0; i < (size_t)n; i++)
		sale_of(&a[i], res, (int)i);
	buf_init(&pids);
	if ((rc = texts_digest(a, (size_t)n, TG_TEXT_MAX, &parts, &nparts)) !=
	    ERR_OK) {
		failed(out, rc, 0, "could not build the message");
		goto out;
	}
	log_info("%d sales wait for chat %s: a digest of %zu message(s)", n,
	    chat, nparts);
	for (k = 0; k < nparts && sent && rc == ERR_OK; k++) {
		buf_reset(&pids);
		for (i = parts[k].first; i < parts[k].first + parts[k].n; i++)
			buf_printf(&pids, "%c%s",
			    i == parts[k].first ? '{' : ',',
			    db_val(res, (int)i, SC_JOB));
		buf_adds(&pids, "}");
		if ((rc = buf_err(&pids)) != ERR_OK) {
			failed(out, rc, 0, NULL);
			break;
		}
		/* The part's slot under its first job: one held by us. */
		rc = send(j, chat, buf_str(&parts[k].text),
		    strtoll(db_val(res, (int)parts[k].first, SC_JOB), NULL, 10),
		    buf_str(&pids), (int)parts[k].n, &sent, &wait, out);
	}
	/*
	 * What is still ours (parts not sent, a job whose sale is gone) goes
	 * back to the queue; the sent ones are done and stay so.
	 */
	if (rc == ERR_OK &&
	    outbox_postpone(db, ids, j->me, sent ? 1 : wait,
	        sent ? "not in its digest" : "its digest's part waits") !=
	        ERR_OK)
		log_warnx("could not put back the rest of a digest");
out:
	texts_parts_free(parts, nparts);
	buf_free(&pids);
	free(a);
	PQclear(res);
	return rc;
}

/*
 * What to do with an announcement for chat, given the others waiting.
 * When they, the sales of the chat still being verified and those the
 * chat was told of in the last minute are more than the chat may get
 * messages in a minute, it is a burst (the last minute's count keeps the
 * tail of a burst whose enrichment outlasts the wait below in a digest,
 * not one message a sale): the announcement waits
 * (*gather) while sales are still being verified, up to
 * JOBS_DIGEST_GATHER seconds after it was queued; then the waiting ones
 * are claimed into *ids (with this job's id, a bigint[] literal) and
 * *many is set: one digest. While it waits, the waiting ones are claimed
 * into *ids too, to be put back together in one statement (one turn of
 * the announce lane for the whole burst, not one per sale). Otherwise
 * *ids is this job alone.
 */
static enum err
waiting(struct jobs *j, const char *chat, long long job, struct buf *ids,
    int *many, int *gather)
{
	struct db *db = &j->s->app->traffic;
	char id[32], lim[16], alone[32], flagship[32];
	const char *v[8] = { chat,
		cfg_str(&j->s->app->cfg, CFG_TELEGRAM_CHAT_ID), id, lim,
		outbox_kinds[OUTBOX_ENRICH], outbox_kinds[OUTBOX_ANNOUNCE],
		alone, flagship };
	PGresult *res, *got = NULL;
	long ann, enr, age, recent;
	enum err rc;
	int i;

	*many = *gather = 0;
	buf_reset(ids);
	buf_printf(ids, "{%lld}", job);
	snprintf(id, sizeof(id), "%lld", job);
	snprintf(lim, sizeof(lim), "%d", JOBS_DIGEST_MAX);
	snprintf(alone, sizeof(alone), "%lld",
	    cfg_int(&j->s->app->cfg, CFG_ANNOUNCE_ALONE_AMOUNT));
	snprintf(flagship, sizeof(flagship), "%lld",
	    cfg_int(&j->s->app->cfg, CFG_AMOCRM_FLAGSHIP_PIPELINE));
	if ((res = db_exec(db, SQL_WAITING, 8, v, &rc)) == NULL)
		return rc;
	ann = strtol(db_val(res, 0, WC_ANNOUNCE), NULL, 10);
	enr = strtol(db_val(res, 0, WC_ENRICH), NULL, 10);
	recent = strtol(db_val(res, 0, WC_RECENT), NULL, 10);
	age = db_val(res, 0, WC_AGE) != NULL
	    ? strtol(db_val(res, 0, WC_AGE), NULL, 10)
	    : 0;
	if (ann + 1 + enr + recent <= j->chat_rate) {
		PQclear(res);
		return buf_err(ids);
	}
	if (enr > 0 && age < JOBS_DIGEST_GATHER)
		*gather = 1;
	rc = ann > 0 ? outbox_claim_ids(db, db_val(res, 0, WC_IDS),
	                   OUTBOX_ANNOUNCE, j->me, j->lease, &got)
	             : ERR_OK;
	PQclear(res);
	if (rc != ERR_OK)
		return rc;
	for (i = 0; got != NULL && i < PQntuples(got); i++) {
		ids->len--; /* the closing brace */
		buf_printf(ids, ",%s}", db_val(got, i, 0));
	}
	*many = !*gather && got != NULL && PQntuples(got) > 0;
	PQclear(got);
	return buf_err(ids);
}

/*
 * Is the sale of row 0 of res one announced on its own, never in a
 * digest (AMOSYNC_ANNOUNCE_ALONE_AMOUNT, AMOCRM_FLAGSHIP_PIPELINE_ID)?
 */
static int
alone(struct jobs *j, const PGresult *res)
{
	const struct cfg *c = &j->s->app->cfg;
	long long min = cfg_int(c, CFG_ANNOUNCE_ALONE_AMOUNT);
	long long flagship = cfg_int(c, CFG_AMOCRM_FLAGSHIP_PIPELINE);
	const char *pipe = db_val(res, 0, SC_PIPELINE);
	const char *amount = db_val(res, 0, SC_AMOUNT);

	if (min > 0 && amount != NULL && strtod(amount, NULL) >= (double)min)
		return 1;
	return flagship > 0 && pipe != NULL &&
	    strtoll(pipe, NULL, 10) == flagship;
}

/*
 * Announces a stored sale: alone, or with the others waiting for its
 * chat as a digest when they are more than the chat may get in a minute.
 * A big sale (alone()) always goes on its own. An unverified sale is
 * never announced.
 */
static enum err
announce_sale(struct jobs *j, const struct outbox_job *job, long long lead_id,
    struct job_outcome *out)
{
	struct db *db = &j->s->app->traffic;
	struct texts_sale a;
	struct buf html, ids;
	char id[32], *chat = NULL;
	const char *v[2] = { id,
		cfg_str(&j->s->app->cfg, CFG_TELEGRAM_CHAT_ID) };
	PGresult *res;
	enum err rc;
	long wait;
	int many = 0, gather = 0, sent;

	snprintf(id, sizeof(id), "%lld", lead_id);
	if ((res = db_exec(db, SQL_SALE, 2, v, &rc)) == NULL)
		return failed(out, rc, 0, "could not read the sale");
	if (PQntuples(res) == 0) {
		PQclear(res);
		return failed(out, ERR_NOTFOUND, 0, "no such sale");
	}
	if (strcmp(db_val(res, 0, SC_VERIFICATION), "unverified") == 0) {
		log_warnx("lead %lld is unverified: not announced", lead_id);
		PQclear(res);
		return ERR_OK;
	}
	buf_init(&html);
	buf_init(&ids);
	if (db_val(res, 0, SC_CHAT) != NULL &&
	    (chat = strdup(db_val(res, 0, SC_CHAT))) == NULL) {
		rc = failed(out, ERR_NOMEM, 0, NULL);
		goto out;
	}
	if (chat != NULL && !alone(j, res) &&
	    (rc = waiting(j, chat, job->id, &ids, &many, &gather)) != ERR_OK) {
		failed(out, rc, 0, "could not read the waiting sales");
		goto out;
	}
	if (gather) {
		/* A burst: wait for its other sales to be verified. */
		out->recorded = 1;
		rc = outbox_postpone(db, buf_str(&ids), j->me, 2,
		    "gathering a burst into one digest");
		goto out;
	}
	if (many) {
		rc = digest(j, chat, buf_str(&ids), out);
		goto out;
	}
	buf_reset(&ids);
	buf_printf(&ids, "{%lld}", job->id);
	sale_of(&a, res, 0);
	if ((rc = texts_sale(&a, &html)) != ERR_OK ||
	    (rc = buf_err(&ids)) != ERR_OK) {
		failed(out, rc, 0, "could not build the message");
		goto out;
	}
	rc = send(j, chat, buf_str(&html), job->id, buf_str(&ids), 1, &sent,
	    &wait, out);
out:
	/* The others claimed for a digest that did not go: back they go. */
	if (many && rc != ERR_OK &&
	    outbox_postpone(db, buf_str(&ids), j->me,
	        out->retry_after > 0 ? out->retry_after : 2,
	        "its digest was not sent") != ERR_OK)
		log_warnx("could not put back the jobs of a digest");
	free(chat);
	buf_free(&html);
	buf_free(&ids);
	PQclear(res);
	return rc;
}

/* Announces a test sale described by the payload itself. */
static enum err
announce_test(struct jobs *j, const struct outbox_job *job,
    const struct form *f, struct job_outcome *out)
{
	const char *team = form_get(f, "targetologist");
	const char *v[2] = { team,
		cfg_str(&j->s->app->cfg, CFG_TELEGRAM_CHAT_ID) };
	struct texts_sale a;
	struct buf html;
	PGresult *res;
	const char *chat;
	char ids[32];
	enum err rc;
	long wait;
	int sent;

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
	snprintf(ids, sizeof(ids), "{%lld}", job->id);
	buf_init(&html);
	if ((rc = texts_sale(&a, &html)) == ERR_OK)
		rc = send(j, chat, buf_str(&html), job->id, ids, 0, &sent,
		    &wait, out);
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
	switch (job->kind) {
	case OUTBOX_ENRICH:
		rc = lead > 0 ? enrich(j, lead, out)
		              : failed(out, ERR_VALIDATION, 0, "no lead_id");
		break;
	case OUTBOX_ANNOUNCE:
		if (test != NULL && strcmp(test, "true") == 0)
			rc = announce_test(j, job, &f, out);
		else if (lead > 0)
			rc = announce_sale(j, job, lead, out);
		else
			rc = failed(out, ERR_VALIDATION, 0, "no lead_id");
		break;
	default:
		rc = failed(out, ERR_VALIDATION, 0, "unknown job");
		break;
	}
	form_free(&f);
	return rc;
}

enum err
jobs_dead(struct jobs *j, const struct outbox_job *job)
{
	struct form f;
	long long lead;
	enum err rc;

	if (job->kind != OUTBOX_ENRICH)
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

static const char SQL_SENDS_PRUNE[] =
    "DELETE FROM telegram_sends WHERE id IN (SELECT id FROM telegram_sends"
    " WHERE reserved_at < now() - make_interval(days => $1::int)"
    " ORDER BY id LIMIT $2::int)";

enum err
jobs_sends_prune(struct db *db, int days, int limit, long *n)
{
	char d[16], l[16];
	const char *v[2] = { d, l };

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	return db_run_count(db, SQL_SENDS_PRUNE, 2, v, n);
}
