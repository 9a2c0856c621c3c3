/*
 * landing_leads and the leads of amoCRM: the keys of a sync (emails and
 * phones of amoCRM's leads), matching them to our leads in one statement,
 * and the summary the sync answers with. Part of the writer of
 * landing_leads (landing/leads.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "landing/leads.h"
#include "landing/leads_int.h"

/*
 * Every landing lead whose normalised e-mail or phone equals a key of
 * amoCRM; the newest amoCRM lead wins (then the larger id, then an
 * e-mail over a phone); rows change only where an id differs. The two
 * joins probe the expression indexes of 003-sync.sql.
 */
static const char SQL_MATCH[] =
    "WITH a AS (SELECT * FROM unnest($1::bigint[], $2::bigint[],"
    "  $3::bigint[], $4::text[], $5::text[])"
    "  AS a(lead_id, contact_id, created, kind, key)),"
    " m AS (SELECT l.id, a.lead_id, a.contact_id, a.created, a.kind"
    "  FROM a JOIN landing_leads l ON amosync_email_norm(l.email) = a.key"
    "  WHERE a.kind = 'email'"
    "  UNION ALL"
    "  SELECT l.id, a.lead_id, a.contact_id, a.created, a.kind"
    "  FROM a JOIN landing_leads l ON amosync_phone_norm(l.phone) = a.key"
    "  WHERE a.kind = 'phone'),"
    " n AS (SELECT id, count(DISTINCT lead_id) AS candidates FROM m"
    "  GROUP BY id),"
    " best AS (SELECT DISTINCT ON (m.id) m.id, m.lead_id, m.contact_id,"
    "  m.kind, n.candidates FROM m JOIN n ON n.id = m.id"
    "  ORDER BY m.id, m.created DESC, m.lead_id DESC, (m.kind = 'email') DESC),"
    " u AS (UPDATE landing_leads l SET amocrm_lead_id = b.lead_id::text,"
    "  amocrm_contact_id = b.contact_id::text, amocrm_synced = true,"
    "  amocrm_sync_status = 'synced', amocrm_sync_last_error = NULL"
    "  FROM best b WHERE l.id = b.id"
    "  AND (l.amocrm_lead_id IS DISTINCT FROM b.lead_id::text"
    "   OR l.amocrm_contact_id IS DISTINCT FROM b.contact_id::text"
    "   OR NOT l.amocrm_synced)"
    "  RETURNING l.id)"
    " SELECT b.id::text, b.lead_id, b.kind, b.candidates, u.id IS NOT NULL"
    " FROM best b LEFT JOIN u ON u.id = b.id ORDER BY b.id";

enum match_col { MC_ID, MC_LEAD, MC_KIND, MC_CANDIDATES, MC_CHANGED, MC__MAX };

static const char SQL_TOTALS[] =
    "SELECT count(*), count(*) FILTER (WHERE email_sent),"
    " count(*) FILTER (WHERE email_error IS NOT NULL),"
    " count(*) FILTER (WHERE sms_sent),"
    " count(*) FILTER (WHERE sms_error IS NOT NULL),"
    " count(*) FILTER (WHERE NOT amocrm_synced)"
    " FROM landing_leads";

enum totals_col {
	TC_TOTAL,
	TC_EMAIL_SENT,
	TC_EMAIL_FAILED,
	TC_SMS_SENT,
	TC_SMS_FAILED,
	TC_NOT_SYNCED,
	TC__MAX
};

static const char SQL_SYNCED[] = "SELECT " LEAD_COLS " FROM landing_leads l"
                                 " WHERE l.id = ANY($1::uuid[])"
                                 " ORDER BY l.created_at DESC, l.id DESC"
                                 " LIMIT $2::int";

static const char SQL_NOT_SYNCED[] = "SELECT " LEAD_COLS " FROM landing_leads l"
                                     " WHERE NOT l.amocrm_synced"
                                     " ORDER BY l.created_at DESC, l.id DESC"
                                     " LIMIT $1::int";

void
landing_keys_init(struct landing_keys *k)
{
	memset(k, 0, sizeof(*k));
	buf_init(&k->lead);
	buf_init(&k->contact);
	buf_init(&k->created);
	buf_init(&k->kind);
	buf_init(&k->key);
}

void
landing_keys_free(struct landing_keys *k)
{
	if (k == NULL)
		return;
	buf_free(&k->lead);
	buf_free(&k->contact);
	buf_free(&k->created);
	buf_free(&k->kind);
	buf_free(&k->key);
	memset(k, 0, sizeof(*k));
}

/* Appends s as a quoted element of a PostgreSQL array literal. */
static void
array_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

void
landing_keys_add(struct landing_keys *k, long long lead_id,
    long long contact_id, long long created_at, const char *kind,
    const char *key)
{
	const char *sep = k->n == 0 ? "" : ",";

	buf_printf(&k->lead, "%s%lld", sep, lead_id);
	buf_printf(&k->contact, "%s%lld", sep, contact_id);
	buf_printf(&k->created, "%s%lld", sep, created_at);
	buf_adds(&k->kind, sep);
	array_str(&k->kind, kind);
	buf_adds(&k->key, sep);
	array_str(&k->key, key);
	k->n++;
}

/* Returns "{" + b + "}" as a new string; NULL on OOM. */
static char *
array_lit(const struct buf *b)
{
	struct buf t;

	buf_init(&t);
	buf_addc(&t, '{');
	if (b->len > 0)
		buf_add(&t, b->data, b->len);
	buf_addc(&t, '}');
	return buf_take(&t);
}

void
landing_match_free(struct landing_match *m)
{
	if (m == NULL)
		return;
	buf_free(&m->ids);
	memset(m, 0, sizeof(*m));
}

enum err
landing_match(struct db *db, const struct landing_keys *k, int list_max,
    struct landing_match *m, struct jw *ambiguous)
{
	char *v[5] = { NULL };
	PGresult *res = NULL;
	enum err rc = ERR_NOMEM;
	long long cand;
	int i, n, listed = 0;

	memset(m, 0, sizeof(*m));
	buf_init(&m->ids);
	if ((v[0] = array_lit(&k->lead)) == NULL ||
	    (v[1] = array_lit(&k->contact)) == NULL ||
	    (v[2] = array_lit(&k->created)) == NULL ||
	    (v[3] = array_lit(&k->kind)) == NULL ||
	    (v[4] = array_lit(&k->key)) == NULL || buf_err(&k->lead) ||
	    buf_err(&k->contact) || buf_err(&k->created) || buf_err(&k->kind) ||
	    buf_err(&k->key))
		goto out;
	res = db_exec(db, SQL_MATCH, 5, (const char *const *)v, &rc);
	if (res == NULL) {
		log_warnx("could not match landing leads: %s", err_str(rc));
		goto out;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		m->matched++;
		if (strcmp(db_val(res, i, MC_KIND), "email") == 0)
			m->by_email++;
		else
			m->by_phone++;
		if (strcmp(db_val(res, i, MC_CHANGED), "t") == 0)
			m->updated++;
		else
			m->already++;
		buf_adds(&m->ids, i == 0 ? "" : ",");
		buf_adds(&m->ids, db_val(res, i, MC_ID));
		cand = strtoll(db_val(res, i, MC_CANDIDATES), NULL, 10);
		if (cand < 2)
			continue;
		m->ambiguous++;
		if (ambiguous == NULL || listed >= list_max)
			continue;
		listed++;
		jw_obj(ambiguous, NULL);
		jw_str(ambiguous, "landing_lead_id", db_val(res, i, MC_ID));
		jw_int(ambiguous, "amocrm_lead_id",
		    strtoll(db_val(res, i, MC_LEAD), NULL, 10));
		jw_int(ambiguous, "candidates", cand);
		jw_obj_end(ambiguous);
	}
	rc = buf_err(&m->ids);
out:
	for (i = 0; i < 5; i++)
		free(v[i]);
	PQclear(res);
	if (rc != ERR_OK)
		landing_match_free(m);
	return rc;
}

enum err
landing_sync_summary(struct db *db, const struct landing_match *m, int list_max,
    struct jw *w, long long *total, long long *not_synced)
{
	PGresult *tot = NULL, *syn = NULL, *nsyn = NULL;
	char lim[16], *ids = NULL;
	const char *v[2];
	enum err rc = ERR_NOMEM;

	*total = *not_synced = 0;
	snprintf(lim, sizeof(lim), "%d", list_max);
	if ((ids = array_lit(&m->ids)) == NULL)
		goto out;
	v[0] = ids;
	v[1] = lim;
	if ((tot = db_exec(db, SQL_TOTALS, 0, NULL, &rc)) == NULL ||
	    (syn = db_exec(db, SQL_SYNCED, 2, v, &rc)) == NULL ||
	    (nsyn = db_exec(db, SQL_NOT_SYNCED, 1, v + 1, &rc)) == NULL)
		goto out;
	*total = leads_num(tot, 0, TC_TOTAL);
	*not_synced = leads_num(tot, 0, TC_NOT_SYNCED);
	jw_int(w, "total_landing_leads", *total);
	leads_write(w, "synced", syn);
	jw_int(w, "synced_total", m->matched);
	leads_write(w, "not_synced", nsyn);
	jw_int(w, "not_synced_total", *not_synced);
	jw_int(w, "email_sent", leads_num(tot, 0, TC_EMAIL_SENT));
	jw_int(w, "email_failed", leads_num(tot, 0, TC_EMAIL_FAILED));
	jw_int(w, "sms_sent", leads_num(tot, 0, TC_SMS_SENT));
	jw_int(w, "sms_failed", leads_num(tot, 0, TC_SMS_FAILED));
	rc = buf_err(w->out);
out:
	free(ids);
	PQclear(tot);
	PQclear(syn);
	PQclear(nsyn);
	return rc;
}
