#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/jw.h"
#include "base/log.h"
#include "base/money.h"
#include "io/outbox.h"
#include "sales/track.h"

/* One lead event; sql/traffic/044-webhook-functions.sql. */
static const char SQL_EVENT[] =
    "SELECT amosync_lead_event($1, $2, $3, $4, $5, $6, $7, $8)";

/*
 * The sale, and its "enrich" job when the row is new, in one call of
 * amosync_track_sale() (sql/traffic/044-webhook-functions.sql, whose
 * plans the server keeps). The team was chosen with the process's cached
 * rules of version $19: when the rules moved since, nothing is inserted
 * and the call says the version it saw, so the caller reloads them and
 * tries again (the check is folded into the insert: no round trip of
 * its own).
 */
static const char SQL_SALE[] =
    "SELECT * FROM amosync_track_sale($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)";

/* The columns SQL_SALE returns. */
enum sale_col { SC_ID, SC_VERSION, SC_JOB, SC__MAX };

/* A new sale whose amount is over AMOSYNC_MAX_SALE_AMOUNT: flagged. */
static const char SQL_OVER_MAX[] =
    "UPDATE all_sales_tracking SET amount_over_max = true WHERE id = $1";

/*
 * Is amount (decimal text: money_parse()'s, or a numeric column's) above
 * AMOSYNC_MAX_SALE_AMOUNT? Such a sale is kept and counted, flagged so a
 * person looks at it; its amount has at most 13 whole digits, which no
 * sum overflows (traffic 055).
 */
static int
over_max(const struct sales_ctx *s, const char *amount)
{
	long long cents;

	if (amount == NULL || !money_cents(amount, &cents))
		return 0;
	return cents > cfg_int(&s->app->cfg, CFG_MAX_SALE_AMOUNT) * 100;
}

/* Returns the first value of the lead's field with this code, or NULL. */
static const char *
bycode(const struct amo_lead *l, const char *code)
{
	size_t i;

	for (i = 0; i < l->nfields; i++)
		if (l->fields[i].code != NULL &&
		    strcmp(l->fields[i].code, code) == 0 &&
		    l->fields[i].nvalues > 0)
			return l->fields[i].values[0];
	return NULL;
}

/* The parameters of SQL_EVENT for one lead, with their buffers. */
struct event {
	char id[32], pipe[32], opipe[32], st[32], ost[32], upd[32], at[32];
	const char *v[8];
};

/* Fills e for lead l and returns the statement that appends it. */
static struct db_stmt
event(struct event *e, const struct amo_lead *l, time_t now)
{
	snprintf(e->id, sizeof(e->id), "%lld", l->id);
	snprintf(e->pipe, sizeof(e->pipe), "%lld", l->pipeline_id);
	snprintf(e->opipe, sizeof(e->opipe), "%lld", l->old_pipeline_id);
	snprintf(e->st, sizeof(e->st), "%lld", l->status_id);
	snprintf(e->ost, sizeof(e->ost), "%lld", l->old_status_id);
	snprintf(e->upd, sizeof(e->upd), "%lld", l->updated_at);
	snprintf(e->at, sizeof(e->at), "%lld",
	    l->updated_at > 0 ? l->updated_at : (long long)now);
	e->v[0] = e->id;
	e->v[1] = amo_action_names[l->action];
	e->v[2] = e->pipe;
	e->v[3] = e->opipe;
	e->v[4] = e->st;
	e->v[5] = e->ost;
	e->v[6] = e->upd;
	e->v[7] = e->at;
	return (struct db_stmt){ SQL_EVENT, 8, e->v };
}

/* The parameters of SQL_SALE for one won lead, with their buffers. */
struct sale {
	const struct amo_lead *l;
	char id[32], pipe[32], st[32], at[32], version[32];
	char payload[64], key[64];
	char team[256]; /* a copy: a reload of the rules frees theirs */
	char *raw;
	const char *v[21];
	int saved;        /* stored now (sale_done()), not there already */
	char sale_id[40]; /* its id, when saved */
};

/*
 * Fills sa for the won lead l, attributed with the cached rules (loaded
 * first when there are none), and returns the statement that stores it.
 */
static enum err
sale(struct sales_ctx *s, struct db *db, struct sale *sa,
    const struct amo_lead *l, const struct amo_event *ev, time_t now,
    struct db_stmt *stmt)
{
	struct attr_result ar;
	enum err rc;

	if ((rc = sales_attribute_cached(s, db, l, &ar)) != ERR_OK)
		return rc;
	free(sa->raw);
	if ((sa->raw = amo_lead_json(l, ev)) == NULL)
		return ERR_NOMEM;
	sa->l = l;
	snprintf(sa->team, sizeof(sa->team), "%s",
	    ar.team_name != NULL ? ar.team_name : "");
	snprintf(sa->id, sizeof(sa->id), "%lld", l->id);
	snprintf(sa->pipe, sizeof(sa->pipe), "%lld", l->pipeline_id);
	snprintf(sa->st, sizeof(sa->st), "%lld", l->status_id);
	snprintf(sa->at, sizeof(sa->at), "%lld",
	    l->updated_at > 0 ? l->updated_at : (long long)now);
	snprintf(sa->version, sizeof(sa->version), "%lld", s->rules.version);
	snprintf(sa->payload, sizeof(sa->payload), "{\"lead_id\":%lld}", l->id);
	snprintf(sa->key, sizeof(sa->key), "enrich:%lld", l->id);
	sa->v[0] = sa->id;
	sa->v[1] = l->name;
	sa->v[2] = l->price;
	sa->v[3] = bycode(l, "PRODUCT_NAME");
	sa->v[4] = l->utm[AMO_UTM_SOURCE];
	sa->v[5] = l->utm[AMO_UTM_MEDIUM];
	sa->v[6] = l->utm[AMO_UTM_CAMPAIGN];
	sa->v[7] = l->utm[AMO_UTM_CONTENT];
	sa->v[8] = l->utm[AMO_UTM_TERM];
	sa->v[9] = ar.team_name != NULL ? sa->team : NULL;
	sa->v[10] = attr_conf_name(ar.conf);
	sa->v[11] = l->pipeline_id > 0 ? sa->pipe : NULL;
	sa->v[12] = sa->st;
	sa->v[13] = sa->at;
	sa->v[14] = sa->raw;
	sa->v[15] = bycode(l, "CONTACT_NAME");
	sa->v[16] = bycode(l, "PHONE");
	sa->v[17] = bycode(l, "EMAIL");
	sa->v[18] = sa->version;
	sa->v[19] = sa->payload;
	sa->v[20] = sa->key;
	*stmt = (struct db_stmt){ SQL_SALE, 21, sa->v };
	return ERR_OK;
}

/*
 * Reads SQL_SALE's answer for sa: *moved is set when the rules changed
 * since they were cached (nothing was stored; the caller tries again).
 */
static void
sale_done(struct sale *sa, PGresult *r, struct hook_result *res, int *moved)
{
	const char *id = db_val(r, 0, SC_ID);

	*moved = 0;
	if (id == NULL) {
		/*
		 * Against the version it was sent with: an earlier lead of
		 * the batch may have reloaded the rules already.
		 */
		if (strcmp(db_val(r, 0, SC_VERSION), sa->version) != 0)
			*moved = 1;
		else
			res->duplicates++;
		return;
	}
	snprintf(res->sale_id, sizeof(res->sale_id), "%s", id);
	sa->saved = 1;
	snprintf(sa->sale_id, sizeof(sa->sale_id), "%s", id);
	snprintf(res->targetologist, sizeof(res->targetologist), "%.*s",
	    (int)sizeof(res->targetologist) - 1, sa->team);
	res->saved++;
	log_info("tracked sale of lead %lld (job %s)", sa->l->id,
	    db_val(r, 0, SC_JOB) != NULL ? db_val(r, 0, SC_JOB) : "-");
}

/* Leads whose statements share one round trip. */
#define TRACK_BATCH (DB_PIPELINE_MAX / 2)

/* How many times the rules may move under one lead before giving up. */
#define TRACK_TRIES 3

/*
 * Stores the leads [0, n) of batch: their events and, for the won ones,
 * their sales, in one round trip. A sale whose rules moved meanwhile is
 * attributed again with the reloaded rules and stored in a round trip of
 * its own.
 */
static enum err
track_batch(struct sales_ctx *s, struct db *db, const struct amo_event *ev,
    const struct amo_lead *const *batch, size_t n, time_t now,
    struct hook_result *res)
{
	struct db_stmt st[DB_PIPELINE_MAX];
	struct event e[TRACK_BATCH];
	struct sale sa[TRACK_BATCH];
	PGresult *r[DB_PIPELINE_MAX];
	size_t i, k = 0, at[TRACK_BATCH];
	const struct attr_set *set;
	enum err rc = ERR_OK;
	int moved, tries;

	memset(sa, 0, sizeof(sa));
	memset(r, 0, sizeof(r));
	for (i = 0; i < n && rc == ERR_OK; i++) {
		st[k++] = event(&e[i], batch[i], now);
		at[i] = 0;
		if (batch[i]->status_id == AMO_STATUS_WON) {
			at[i] = k;
			rc = sale(s, db, &sa[i], batch[i], ev, now, &st[k++]);
		}
	}
	if (rc == ERR_OK)
		rc = db_pipeline(db, st, k, r);
	for (i = 0; i < n && rc == ERR_OK; i++) {
		if (at[i] == 0) {
			res->ignored++;
			continue;
		}
		sale_done(&sa[i], r[at[i]], res, &moved);
		for (tries = 0; moved && rc == ERR_OK; tries++) {
			PGresult *again;

			if (tries == TRACK_TRIES) {
				rc = ERR_DB;
				break;
			}
			log_info("attribution rules changed: attributing lead "
			         "%lld again",
			    batch[i]->id);
			res->rules_moved = 1;
			if ((rc = rules_get(&s->rules, db, &set)) != ERR_OK ||
			    (rc = sale(s, db, &sa[i], batch[i], ev, now,
			         &st[0])) != ERR_OK)
				break;
			if ((again = db_exec(db, st[0].sql, st[0].n, st[0].v,
			         &rc)) != NULL)
				sale_done(&sa[i], again, res, &moved);
			PQclear(again);
		}
	}
	for (i = 0; i < n && rc == ERR_OK; i++)
		if (sa[i].saved && over_max(s, batch[i]->price)) {
			const char *v[1] = { sa[i].sale_id };

			log_warnx(
			    "sale of lead %lld: amount %s is over the "
			    "maximum (AMOSYNC_MAX_SALE_AMOUNT %lld): kept, "
			    "counted and flagged",
			    batch[i]->id, batch[i]->price,
			    cfg_int(&s->app->cfg, CFG_MAX_SALE_AMOUNT));
			rc = db_run(db, SQL_OVER_MAX, 1, v);
		}
	for (i = 0; i < k; i++)
		PQclear(r[i]);
	for (i = 0; i < n; i++)
		free(sa[i].raw);
	return rc;
}

enum err
track_store(struct sales_ctx *s, struct db *db, const struct amo_event *ev,
    const struct spool_meta *m, struct hook_result *res)
{
	const struct amo_lead *batch[TRACK_BATCH];
	time_t now = time(NULL);
	enum err rc = ERR_OK;
	size_t i, n = 0;

	(void)m;
	for (i = 0; i < ev->nleads && rc == ERR_OK; i++) {
		batch[n++] = &ev->leads[i];
		if (n == TRACK_BATCH || i + 1 == ev->nleads) {
			rc = track_batch(s, db, ev, batch, n, now, res);
			n = 0;
		}
	}
	return rc;
}

static const char SQL_ATTRIBUTE[] =
    "UPDATE all_sales_tracking SET targetologist = $2,"
    " attribution_confidence = $3 WHERE lead_id = $1";

/* The sale as stored, locked until the caller's transaction ends. */
static const char SQL_STORED[] =
    "SELECT sale_amount::text, pipeline_id, utm_source, utm_medium,"
    " utm_campaign, utm_content, utm_term, targetologist"
    " FROM all_sales_tracking WHERE lead_id = $1 FOR UPDATE";

/* The columns of SQL_STORED. */
enum stored_col {
	ST_AMOUNT,
	ST_PIPELINE,
	ST_UTM, /* ATTR_FIELD__MAX columns, in enum attr_field order */
	ST_TEAM = ST_UTM + ATTR_FIELD__MAX,
	ST__MAX
};

/*
 * amoCRM is the source of truth: its price (else its pipeline's list
 * price), pipeline
 * (and that pipeline's product) and UTM tags replace the webhook's; the
 * contact details are added.
 */
static const char SQL_VERIFIED[] =
    "UPDATE all_sales_tracking SET"
    " contact_name = coalesce($2, contact_name),"
    " contact_phone = coalesce($3, contact_phone),"
    " contact_email = coalesce($4, contact_email),"
    " lead_name = coalesce($5, lead_name),"
    " utm_source = $6, utm_medium = $7, utm_campaign = $8,"
    " utm_content = $9, utm_term = $10,"
    " sale_amount = coalesce(pipeline_amount($11, (SELECT p.default_amount"
    "  FROM pipelines p WHERE p.pipeline_id = $12::text::bigint)),"
    "  sale_amount),"
    " product_name = CASE WHEN pipeline_id IS DISTINCT FROM $12"
    "  THEN coalesce((SELECT p.product_name FROM pipelines p"
    "   WHERE p.pipeline_id = $12::text::bigint), product_name)"
    "  ELSE product_name END,"
    " pipeline_id = $12, verification = 'verified', verified_at = now(),"
    " verification_note = NULL,"
    " amount_over_max = coalesce(pipeline_amount($11, (SELECT"
    "  p.default_amount FROM pipelines p"
    "  WHERE p.pipeline_id = $12::text::bigint)), sale_amount) > $13::numeric"
    " WHERE lead_id = $1 RETURNING sale_amount::text";

static const char SQL_UNVERIFIED[] =
    "UPDATE all_sales_tracking SET verification = 'unverified',"
    " verified_at = now(), verification_note = $2"
    " WHERE lead_id = $1";

static const char SQL_CORRECTIONS[] =
    "INSERT INTO sale_corrections (lead_id, field, webhook_value,"
    " amocrm_value)"
    " SELECT $1, x.f, x.o, x.n"
    " FROM json_to_recordset($2::json) AS x (f text, o text, n text)";

static const char *const utm_cols[ATTR_FIELD__MAX] = {
	"utm_source",   /* ATTR_FIELD_SOURCE */
	"utm_medium",   /* ATTR_FIELD_MEDIUM */
	"utm_campaign", /* ATTR_FIELD_CAMPAIGN */
	"utm_content",  /* ATTR_FIELD_CONTENT */
	"utm_term",     /* ATTR_FIELD_TERM */
};

_Static_assert(ATTR_FIELD_TERM == (int)AMO_UTM_TERM &&
        ATTR_FIELD_SOURCE == (int)AMO_UTM_SOURCE,
    "attr fields and amo UTM tags share one order");

/* Is a (stored) different from b (amoCRM's), NULL and "" being none? */
static int
differs(const char *a, const char *b)
{
	if (a != NULL && *a == '\0')
		a = NULL;
	if (b != NULL && *b == '\0')
		b = NULL;
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Adds one correction to the JSON array of w. */
static void
correction(struct jw *w, const char *field, const char *was, const char *is)
{
	jw_obj(w, NULL);
	jw_str(w, "f", field);
	jw_str(w, "o", was);
	jw_str(w, "n", is);
	jw_obj_end(w);
}

/*
 * Writes into w the corrections amoCRM's values e, and the amount now
 * stored, make to the stored row (a SQL_STORED result); returns how many.
 */
static int
corrections(struct jw *w, const PGresult *old, const struct track_enrichment *e,
    const char *amount)
{
	const char *was;
	int n = 0, t;

	was = db_val(old, 0, ST_AMOUNT);
	if (amount != NULL &&
	    (was == NULL || strtod(was, NULL) != strtod(amount, NULL))) {
		correction(w, "sale_amount", was, amount);
		n++;
	}
	if (e->pipeline != NULL &&
	    differs(db_val(old, 0, ST_PIPELINE), e->pipeline)) {
		correction(w, "pipeline_id", db_val(old, 0, ST_PIPELINE),
		    e->pipeline);
		n++;
	}
	for (t = 0; t < ATTR_FIELD__MAX; t++) {
		was = db_val(old, 0, ST_UTM + t);
		if (differs(was, e->utm[t])) {
			correction(w, utm_cols[t], was, e->utm[t]);
			n++;
		}
	}
	return n;
}

/* Marks the sale unverified with e's reason. */
static enum err
unverified(struct db *db, const char *id, const struct track_enrichment *e,
    struct track_verdict *out)
{
	const char *v[2] = { id, e->why };
	enum err rc;

	if ((rc = db_run(db, SQL_UNVERIFIED, 2, v)) != ERR_OK)
		return rc;
	log_warnx("sale of lead %s is unverified: %s", id, e->why);
	snprintf(out->verification, sizeof(out->verification), "unverified");
	return ERR_OK;
}

enum err
track_enrich(struct sales_ctx *s, struct db *db,
    const struct track_enrichment *e, struct track_verdict *out)
{
	const char *v[13], *w[3];
	struct attr_result ar;
	struct attr_utm utm;
	struct buf cb = { 0 };
	struct jw jw;
	char id[32], max[32];
	PGresult *old, *now = NULL;
	enum err rc;
	int t;

	memset(out, 0, sizeof(*out));
	snprintf(id, sizeof(id), "%lld", e->lead_id);
	if ((old = db_exec(db, SQL_STORED, 1, (const char *[]){ id }, &rc)) ==
	    NULL)
		return rc;
	if (PQntuples(old) == 0) {
		PQclear(old);
		return ERR_OK;
	}
	out->found = 1;
	if (e->why != NULL) {
		snprintf(out->team, sizeof(out->team), "%s",
		    db_val(old, 0, ST_TEAM) != NULL ? db_val(old, 0, ST_TEAM)
		                                    : "");
		PQclear(old);
		return unverified(db, id, e, out);
	}
	v[0] = id;
	v[1] = e->contact_name;
	v[2] = e->phone;
	v[3] = e->email;
	v[4] = e->lead_name;
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		v[5 + t] = e->utm[t] != NULL && *e->utm[t] != '\0' ? e->utm[t]
		                                                   : NULL;
	v[10] = e->price;
	v[11] = e->pipeline != NULL ? e->pipeline : db_val(old, 0, ST_PIPELINE);
	snprintf(max, sizeof(max), "%lld",
	    cfg_int(&s->app->cfg, CFG_MAX_SALE_AMOUNT));
	v[12] = max;
	if ((now = db_exec(db, SQL_VERIFIED, 13, v, &rc)) == NULL)
		goto out;
	snprintf(out->verification, sizeof(out->verification), "verified");
	if (PQntuples(now) > 0)
		snprintf(out->amount, sizeof(out->amount), "%s",
		    db_val(now, 0, 0));
	if (over_max(s, out->amount))
		log_warnx("sale of lead %s: amoCRM's amount %s is over the "
		          "maximum (AMOSYNC_MAX_SALE_AMOUNT %s): kept, counted "
		          "and flagged",
		    id, out->amount, max);
	jw_init(&jw, &cb);
	jw_arr(&jw, NULL);
	out->corrected = corrections(&jw, old, e,
	    out->amount[0] != '\0' ? out->amount : NULL);
	jw_arr_end(&jw);
	if ((rc = buf_err(&cb)) != ERR_OK)
		goto out;
	if (out->corrected > 0) {
		w[0] = id;
		w[1] = buf_str(&cb);
		if ((rc = db_run(db, SQL_CORRECTIONS, 2, w)) != ERR_OK)
			goto out;
		log_warnx("sale of lead %s corrected from amoCRM: %d value(s) "
		          "differed from the webhook's",
		    id, out->corrected);
	}
	if (db_val(old, 0, ST_TEAM) != NULL && out->corrected == 0) {
		snprintf(out->team, sizeof(out->team), "%s",
		    db_val(old, 0, ST_TEAM));
		goto out;
	}
	/* No team yet, or other tags: the team of amoCRM's tags. */
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		utm.v[t] = v[5 + t];
	if ((rc = rules_match(&s->rules, db, &utm, &ar)) != ERR_OK)
		goto out;
	if (differs(db_val(old, 0, ST_TEAM), ar.team_name)) {
		w[0] = id;
		w[1] = ar.team_name;
		w[2] = attr_conf_name(ar.conf);
		if ((rc = db_run(db, SQL_ATTRIBUTE, 3, w)) != ERR_OK)
			goto out;
		out->team_changed = 1;
	}
	snprintf(out->team, sizeof(out->team), "%s",
	    ar.team_name != NULL ? ar.team_name : "");
out:
	PQclear(now);
	PQclear(old);
	buf_free(&cb);
	return rc;
}

/*
 * The sales of a date range, locked until the commit: all_sales_tracking
 * keeps timestamptz, so its days are those of the time zone $3.
 */
static const char SQL_SALES_IN[] =
    "SELECT id::text, utm_source, utm_medium, utm_campaign, utm_content,"
    " utm_term, targetologist, lead_id, sale_amount::text"
    " FROM all_sales_tracking"
    " WHERE sale_date >= ($1::date::timestamp AT TIME ZONE $3)"
    " AND sale_date < (($2::date + 1)::timestamp AT TIME ZONE $3)"
    " ORDER BY id FOR UPDATE";

static const char SQL_SET_TEAMS[] =
    "UPDATE all_sales_tracking AS s SET targetologist = x.t,"
    " attribution_confidence = x.c"
    " FROM json_to_recordset($1::json) AS x (id uuid, t text, c text)"
    " WHERE s.id = x.id";

enum err
track_sales_in(struct db *db, const char *from, const char *to, const char *tz,
    PGresult **res)
{
	const char *v[3] = { from, to, tz };
	enum err rc;

	*res = db_exec(db, SQL_SALES_IN, 3, v, &rc);
	return rc;
}

enum err
track_set_teams(struct db *db, const char *changes)
{
	const char *v[1] = { changes };

	return db_run(db, SQL_SET_TEAMS, 1, v);
}
