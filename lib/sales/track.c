#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/app.h"
#include "base/form.h"
#include "base/jw.h"
#include "base/log.h"
#include "io/outbox.h"
#include "attr/rules.h"
#include "sales/landing.h"
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
    " ON CONFLICT (lead_id) DO NOTHING RETURNING id";

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

static enum err
event(struct db *db, const struct amo_lead *l, time_t now)
{
	char id[32], pipe[32], opipe[32], st[32], ost[32], upd[32], at[32];
	const char *v[8] = { id, amo_action_names[l->action], pipe, opipe, st,
		ost, upd, at };

	snprintf(id, sizeof(id), "%lld", l->id);
	snprintf(pipe, sizeof(pipe), "%lld", l->pipeline_id);
	snprintf(opipe, sizeof(opipe), "%lld", l->old_pipeline_id);
	snprintf(st, sizeof(st), "%lld", l->status_id);
	snprintf(ost, sizeof(ost), "%lld", l->old_status_id);
	snprintf(upd, sizeof(upd), "%lld", l->updated_at);
	snprintf(at, sizeof(at), "%lld",
	    l->updated_at > 0 ? l->updated_at : (long long)now);
	return db_run(db, SQL_EVENT, 8, v);
}

/* Stores one sale; on a new row enqueues its enrichment. */
static enum err
sale(struct app *app, struct db *db, const struct amo_lead *l,
    const struct amo_event *ev, time_t now, struct hook_result *res)
{
	char id[32], pipe[32], st[32], at[32], payload[64], key[64];
	const char *v[18];
	struct attr_result ar;
	const char *team;
	char *raw;
	PGresult *pr;
	long long job;
	enum err rc;

	/* In this transaction: a rule change is seen by the next sale. */
	if ((rc = rules_match_lead(&app->rules, db, l, &ar)) != ERR_OK)
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
	pr = db_exec(db, SQL_SALE, 18, v, &rc);
	free(raw);
	if (pr == NULL)
		return rc;
	if (PQntuples(pr) == 0) {
		PQclear(pr);
		res->duplicates++;
		return ERR_OK;
	}
	snprintf(res->sale_id, sizeof(res->sale_id), "%s", db_val(pr, 0, 0));
	snprintf(res->targetologist, sizeof(res->targetologist), "%s",
	    team != NULL ? team : "");
	PQclear(pr);
	res->saved++;
	snprintf(payload, sizeof(payload), "{\"lead_id\":%lld}", l->id);
	snprintf(key, sizeof(key), "enrich:%lld", l->id);
	if ((rc = outbox_enqueue(db, "enrich", payload, key, &job)) != ERR_OK)
		return rc;
	log_info("tracked sale of lead %lld (job %lld)", l->id, job);
	return ERR_OK;
}

enum err
track_store(struct app *app, struct db *db, const struct amo_event *ev,
    const struct hook_meta *m, struct hook_result *res)
{
	time_t now = time(NULL);
	enum err rc;
	size_t i;

	(void)m;
	for (i = 0; i < ev->nleads; i++) {
		const struct amo_lead *l = &ev->leads[i];

		if ((rc = event(db, l, now)) != ERR_OK)
			return rc;
		if (l->status_id != SALE_STATUS_WON) {
			res->ignored++;
			continue;
		}
		if ((rc = sale(app, db, l, ev, now, res)) != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

/* Copies form value key (NULL when absent or blank) into *out. */
static enum err
take(const struct form *f, const char *key, char **out)
{
	const char *v = form_get(f, key);

	*out = NULL;
	if (v == NULL || v[strspn(v, " \t")] == '\0')
		return ERR_OK;
	return (*out = strdup(v)) != NULL ? ERR_OK : ERR_NOMEM;
}

/* Adds a synthetic custom field carrying value under code. */
static enum err
addfield(struct amo_lead *l, const char *code, const struct form *f,
    const char *key)
{
	struct amo_field *fd;
	char *v;
	enum err rc;

	if ((rc = take(f, key, &v)) != ERR_OK || v == NULL)
		return rc;
	fd = &l->fields[l->nfields];
	memset(fd, 0, sizeof(*fd));
	if ((fd->code = strdup(code)) == NULL ||
	    (fd->values = calloc(1, sizeof(char *))) == NULL) {
		free(fd->code);
		free(v);
		return ERR_NOMEM;
	}
	fd->values[0] = v;
	fd->nvalues = 1;
	l->nfields++;
	return ERR_OK;
}

/* Parses a decimal integer field; absent is 0, garbage is ERR_VALIDATION. */
static enum err
integer(const struct form *f, const char *key, long long *out)
{
	const char *v = form_get(f, key);
	char *end;

	*out = 0;
	if (v == NULL || *v == '\0')
		return ERR_OK;
	*out = strtoll(v, &end, 10);
	return *end == '\0' && *out >= 0 ? ERR_OK : ERR_VALIDATION;
}

static enum err flat(const struct form *, struct amo_event *);

enum err
track_flat(const struct form *f, struct amo_event *ev)
{
	enum err rc;

	if ((rc = flat(f, ev)) != ERR_OK)
		amo_event_free(ev);
	return rc;
}

/* Builds one status-142 lead event from the flat JSON fields. */
static enum err
flat(const struct form *f, struct amo_event *ev)
{
	static const char *const fields[][2] = {
		{ "CONTACT_NAME", "contact_name" },
		{ "PHONE", "contact_phone" },
		{ "EMAIL", "contact_email" },
		{ "PRODUCT_NAME", "product_name" },
	};
	struct amo_lead *l;
	char *amount;
	enum err rc;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	if ((ev->leads = calloc(1, sizeof(*ev->leads))) == NULL)
		return ERR_NOMEM;
	ev->nleads = 1;
	l = &ev->leads[0];
	l->action = AMO_STATUS;
	if ((l->fields = calloc(4, sizeof(*l->fields))) == NULL)
		return ERR_NOMEM;
	if ((rc = integer(f, "lead_id", &l->id)) != ERR_OK || l->id <= 0 ||
	    (rc = integer(f, "pipeline_id", &l->pipeline_id)) != ERR_OK ||
	    (rc = integer(f, "status_id", &l->status_id)) != ERR_OK)
		return ERR_VALIDATION;
	if (l->status_id == 0)
		l->status_id = SALE_STATUS_WON;
	if ((rc = take(f, "sale_amount", &amount)) != ERR_OK)
		return rc;
	if (amount == NULL || strtod(amount, NULL) <= 0 ||
	    amount[strspn(amount, "0123456789.")] != '\0') {
		free(amount);
		return ERR_VALIDATION;
	}
	l->price = amount;
	if ((rc = take(f, "lead_name", &l->name)) != ERR_OK)
		return rc;
	for (i = 0; i < AMO_UTM__MAX; i++)
		if ((rc = take(f, amo_utm_names[i], &l->utm[i])) != ERR_OK)
			return rc;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if ((rc = addfield(l, fields[i][0], f, fields[i][1])) != ERR_OK)
			return rc;
	return ERR_OK;
}

enum err
track_parse(struct app *app, const struct hook_meta *m, struct amo_event *ev,
    int *isflat)
{
	struct form f;
	enum err rc;

	*isflat = 0;
	memset(ev, 0, sizeof(*ev));
	if (m->ctype == NULL ||
	    strncasecmp(m->ctype, "application/json", 16) != 0)
		return amo_parse(ev, m->ctype, m->body ? m->body : "",
		    m->bodysz, &app->amo);
	rc = amo_json_to_form(&f, m->body ? m->body : "", m->bodysz,
	    &app->amo.limits);
	if (rc != ERR_OK)
		return rc;
	if (form_get(&f, "lead_id") == NULL) {
		rc = amo_from_form(ev, &f, &app->amo);
	} else {
		*isflat = 1;
		rc = track_flat(&f, ev);
	}
	form_free(&f);
	return rc;
}
