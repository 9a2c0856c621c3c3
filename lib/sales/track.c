#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/jw.h"
#include "base/log.h"
#include "io/outbox.h"
#include "sales/track.h"

static const char SQL_EVENT[] =
    "INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id,"
    " status_id, old_status_id, lead_updated_at, event_at)"
    " VALUES ($1::bigint, $2, $3::bigint, $4::bigint, $5::bigint,"
    " $6::bigint, $7::bigint, to_timestamp($8::bigint))"
    " ON CONFLICT DO NOTHING";

/*
 * The amount is the lead's price when it has one, else the pipeline's
 * list price; the product is the pipeline's unless the caller named one.
 */
static const char SQL_SALE[] =
    "INSERT INTO all_sales_tracking (lead_id, lead_name, sale_amount,"
    " product_name, utm_source, utm_medium, utm_campaign, utm_content,"
    " utm_term, targetologist, attribution_confidence, pipeline_id,"
    " status_id, sale_date, raw_webhook_data, contact_name, contact_phone,"
    " contact_email)"
    " SELECT $1, $2,"
    "  CASE WHEN $3::numeric > 0 THEN $3::numeric"
    "   ELSE coalesce(p.default_amount, 0) END,"
    "  coalesce($4, p.product_name, 'Pipeline ' || $12),"
    "  $5, $6, $7, $8, $9, $10, $11, $12, $13, to_timestamp($14::bigint),"
    "  $15::jsonb, $16, $17, $18"
    " FROM (SELECT 1) one LEFT JOIN pipelines p"
    "  ON p.pipeline_id = nullif($12, '')::bigint"
    " ON CONFLICT (lead_id) DO NOTHING"
    " RETURNING id, (SELECT version FROM attribution_version)";

/* The columns SQL_SALE returns. */
enum sale_col { SC_ID, SC_VERSION, SC__MAX };

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

static const char SQL_ATTRIBUTE[] =
    "UPDATE all_sales_tracking SET targetologist = $2,"
    " attribution_confidence = $3 WHERE lead_id = $1";

/*
 * The rules changed between the cached set and the sale's insert: loads
 * them and stores the team they give, if it is another one.
 */
static enum err
reattribute(struct sales_ctx *s, struct db *db, const struct amo_lead *l,
    struct hook_result *res)
{
	struct attr_result ar;
	const char *v[3];
	char id[32];
	enum err rc;

	if ((rc = sales_attribute(s, db, l, &ar)) != ERR_OK)
		return rc;
	if (strcmp(ar.team_name != NULL ? ar.team_name : "",
	        res->targetologist) == 0)
		return ERR_OK;
	snprintf(id, sizeof(id), "%lld", l->id);
	v[0] = id;
	v[1] = ar.team_name;
	v[2] = attr_conf_name(ar.conf);
	if ((rc = db_run(db, SQL_ATTRIBUTE, 3, v)) != ERR_OK)
		return rc;
	snprintf(res->targetologist, sizeof(res->targetologist), "%s",
	    ar.team_name != NULL ? ar.team_name : "");
	return ERR_OK;
}

/*
 * Stores the lead event ev_stmt and the sale, in one round trip; on a new
 * sale row enqueues its enrichment.
 */
static enum err
sale(struct sales_ctx *s, struct db *db, const struct amo_lead *l,
    const struct amo_event *ev, time_t now, const struct db_stmt *ev_stmt,
    struct hook_result *res)
{
	struct db_stmt both[2];
	PGresult *r[2];
	char id[32], pipe[32], st[32], at[32], payload[64], key[64];
	const char *v[18];
	const struct attr_set *set;
	struct attr_result ar;
	struct attr_utm utm;
	const char *team;
	char *raw;
	PGresult *pr;
	long long job;
	enum err rc;
	int moved;

	/*
	 * With the cached rules, no round trip: the insert reads the rules'
	 * version in its own snapshot, and a sale attributed with rules that
	 * changed meanwhile is attributed again below. A rule change is
	 * seen by the next sale.
	 */
	if ((set = rules_cached(&s->rules)) != NULL) {
		sales_lead_utm(&utm, l);
		rc = attr_match(set, &utm, &ar);
	} else {
		rc = sales_attribute(s, db, l, &ar);
	}
	if (rc != ERR_OK)
		return rc;
	team = ar.team_name;
	if ((raw = amo_lead_json(l, ev)) == NULL)
		return ERR_NOMEM;
	snprintf(id, sizeof(id), "%lld", l->id);
	snprintf(pipe, sizeof(pipe), "%lld", l->pipeline_id);
	snprintf(st, sizeof(st), "%lld", l->status_id);
	snprintf(at, sizeof(at), "%lld",
	    l->updated_at > 0 ? l->updated_at : (long long)now);
	v[0] = id;
	v[1] = l->name;
	v[2] = l->price;
	v[3] = bycode(l, "PRODUCT_NAME");
	v[4] = l->utm[AMO_UTM_SOURCE];
	v[5] = l->utm[AMO_UTM_MEDIUM];
	v[6] = l->utm[AMO_UTM_CAMPAIGN];
	v[7] = l->utm[AMO_UTM_CONTENT];
	v[8] = l->utm[AMO_UTM_TERM];
	v[9] = team;
	v[10] = attr_conf_name(ar.conf);
	v[11] = l->pipeline_id > 0 ? pipe : NULL;
	v[12] = st;
	v[13] = at;
	v[14] = raw;
	v[15] = bycode(l, "CONTACT_NAME");
	v[16] = bycode(l, "PHONE");
	v[17] = bycode(l, "EMAIL");
	both[0] = *ev_stmt;
	both[1] = (struct db_stmt){ SQL_SALE, 18, v };
	rc = db_pipeline(db, both, 2, r);
	free(raw);
	PQclear(r[0]);
	if ((pr = r[1]) == NULL)
		return rc;
	if (PQntuples(pr) == 0) {
		PQclear(pr);
		res->duplicates++;
		return ERR_OK;
	}
	snprintf(res->sale_id, sizeof(res->sale_id), "%s",
	    db_val(pr, 0, SC_ID));
	snprintf(res->targetologist, sizeof(res->targetologist), "%s",
	    team != NULL ? team : "");
	moved = strtoll(db_val(pr, 0, SC_VERSION), NULL, 10) !=
	    s->rules.version;
	PQclear(pr);
	if (moved && (rc = reattribute(s, db, l, res)) != ERR_OK)
		return rc;
	res->saved++;
	snprintf(payload, sizeof(payload), "{\"lead_id\":%lld}", l->id);
	snprintf(key, sizeof(key), "enrich:%lld", l->id);
	if ((rc = outbox_enqueue(db, "enrich", payload, key, &job)) != ERR_OK)
		return rc;
	log_info("tracked sale of lead %lld (job %lld)", l->id, job);
	return ERR_OK;
}

enum err
track_store(struct sales_ctx *s, struct db *db, const struct amo_event *ev,
    const struct spool_meta *m, struct hook_result *res)
{
	time_t now = time(NULL);
	struct db_stmt st;
	struct event e;
	enum err rc;
	size_t i;

	(void)m;
	for (i = 0; i < ev->nleads; i++) {
		const struct amo_lead *l = &ev->leads[i];

		st = event(&e, l, now);
		if (l->status_id != AMO_STATUS_WON) {
			if ((rc = db_run(db, st.sql, st.n, st.v)) != ERR_OK)
				return rc;
			res->ignored++;
			continue;
		}
		if ((rc = sale(s, db, l, ev, now, &st, res)) != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

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
    " RETURNING targetologist, utm_source, utm_medium,"
    "  utm_campaign, utm_content, utm_term";

/* The columns SQL_ENRICH returns. */
enum enrich_col {
	EC_TEAM,
	EC_UTM, /* ATTR_FIELD__MAX columns, in enum attr_field order */
	EC__MAX = EC_UTM + ATTR_FIELD__MAX
};

_Static_assert(ATTR_FIELD_TERM == (int)AMO_UTM_TERM &&
        ATTR_FIELD_SOURCE == (int)AMO_UTM_SOURCE,
    "attr fields and amo UTM tags share one order");

enum err
track_enrich(struct sales_ctx *s, struct db *db,
    const struct track_enrichment *e, char *team, size_t teamlen)
{
	const char *v[11], *w[3];
	struct attr_result ar;
	struct attr_utm utm;
	char id[32];
	PGresult *res;
	enum err rc;
	int t;

	if (teamlen > 0)
		team[0] = '\0';
	snprintf(id, sizeof(id), "%lld", e->lead_id);
	v[0] = id;
	v[1] = e->contact_name;
	v[2] = e->phone;
	v[3] = e->email;
	v[4] = e->lead_name;
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		v[5 + t] = e->utm[t];
	v[10] = e->price;
	if ((res = db_exec(db, SQL_ENRICH, 11, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_OK;
	}
	if (db_val(res, 0, EC_TEAM) != NULL) {
		snprintf(team, teamlen, "%s", db_val(res, 0, EC_TEAM));
		PQclear(res);
		return ERR_OK;
	}
	/* No team yet: the webhook had no UTM tags; amoCRM's lead does. */
	for (t = 0; t < ATTR_FIELD__MAX; t++)
		utm.v[t] = db_val(res, 0, EC_UTM + t);
	rc = rules_match(&s->rules, db, &utm, &ar);
	if (rc == ERR_OK && ar.team_name != NULL) {
		w[0] = id;
		w[1] = ar.team_name;
		w[2] = attr_conf_name(ar.conf);
		if ((rc = db_run(db, SQL_ATTRIBUTE, 3, w)) == ERR_OK)
			snprintf(team, teamlen, "%s", ar.team_name);
	}
	PQclear(res);
	return rc;
}

/*
 * The sales of a date range, locked until the commit: all_sales_tracking
 * keeps timestamptz, so its days are those of the time zone $3.
 */
static const char SQL_SALES_IN[] =
    "SELECT id::text, utm_source, utm_medium, utm_campaign, utm_content,"
    " utm_term, targetologist FROM all_sales_tracking"
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
