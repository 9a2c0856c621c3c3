#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "landing/leads.h"

/* Timestamps as ISO 8601 UTC with microseconds (exact, for cursors). */
#define TS(c)                                                                  \
	"to_char(" c " AT TIME ZONE 'UTC', "                                   \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The columns of a lead as every answer shows it; see enum lead_col. */
/* clang-format off */
#define LEAD_COLS \
	"l.id::text, l.name, l.email, l.phone, l.source, " \
	TS("l.created_at") ", l.amocrm_lead_id, l.amocrm_contact_id," \
	" l.amocrm_synced, l.amocrm_sync_status, l.amocrm_sync_last_error," \
	" l.email_sent, " TS("l.email_sent_at") ", l.email_error," \
	" l.email_opened_at IS NOT NULL, l.email_clicked, l.sms_sent, " \
	TS("l.sms_sent_at") ", l.sms_error, l.sms_clicked, l.utm_source," \
	" l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term, " \
	TS("l.updated_at") ", l.name"
/* clang-format on */

enum lead_col {
	LC_ID,
	LC_NAME,
	LC_EMAIL,
	LC_PHONE,
	LC_SOURCE,
	LC_CREATED,
	LC_AMO_LEAD,
	LC_AMO_CONTACT,
	LC_SYNCED,
	LC_SYNC_STATUS,
	LC_SYNC_ERROR,
	LC_EMAIL_SENT,
	LC_EMAIL_SENT_AT,
	LC_EMAIL_ERROR,
	LC_EMAIL_OPENED,
	LC_EMAIL_CLICKED,
	LC_SMS_SENT,
	LC_SMS_SENT_AT,
	LC_SMS_ERROR,
	LC_SMS_CLICKED,
	LC_UTM_SOURCE,
	LC_UTM_MEDIUM,
	LC_UTM_CAMPAIGN,
	LC_UTM_CONTENT,
	LC_UTM_TERM,
	LC_UPDATED,
	LC_SORT_NAME, /* the name again, for the name cursor */
	LC__MAX
};

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

static const char SQL_GET[] = "SELECT " LEAD_COLS
                              " FROM landing_leads l WHERE l.id = $1::uuid";

/*
 * The filters of the leads API, $1..$12; the same for the page and its
 * total. Dates are calendar days in the business time zone ($10).
 */
#define LIST_WHERE                                                             \
	" WHERE ($1::text IS NULL OR l.utm_source = $1)"                       \
	" AND ($2::text IS NULL OR l.utm_medium = $2)"                         \
	" AND ($3::text IS NULL OR l.utm_campaign = $3)"                       \
	" AND ($4::text IS NULL OR l.source = $4)"                             \
	" AND ($5::boolean IS NULL OR l.amocrm_synced = $5)"                   \
	" AND ($6::text IS NULL OR CASE $6"                                    \
	"  WHEN 'sent' THEN l.email_sent"                                      \
	"  WHEN 'opened' THEN l.email_opened_at IS NOT NULL"                   \
	"  WHEN 'clicked' THEN l.email_clicked"                                \
	"  WHEN 'error' THEN l.email_error IS NOT NULL"                        \
	"  ELSE NOT l.email_sent AND l.email_error IS NULL END)"               \
	" AND ($7::text IS NULL OR CASE $7"                                    \
	"  WHEN 'sent' THEN l.sms_sent"                                        \
	"  WHEN 'clicked' THEN l.sms_clicked"                                  \
	"  WHEN 'error' THEN l.sms_error IS NOT NULL"                          \
	"  ELSE NOT l.sms_sent AND l.sms_error IS NULL END)"                   \
	" AND ($8::date IS NULL"                                               \
	"  OR l.created_at >= ($8::date)::timestamp AT TIME ZONE $10)"         \
	" AND ($9::date IS NULL"                                               \
	"  OR l.created_at < ($9::date + 1)::timestamp AT TIME ZONE $10)"      \
	" AND ($11::text IS NULL OR l.name ILIKE $11 OR l.email ILIKE $11"     \
	"  OR l.phone ILIKE $11 OR ($12::text IS NOT NULL AND"                 \
	"  regexp_replace(coalesce(l.phone, ''), '[^0-9]', '', 'g') LIKE "     \
	"$12))"

#define NLIST 12

static const char SQL_COUNT[] =
    "SELECT count(*) FROM landing_leads l" LIST_WHERE;

/* One page in each order: the cursor ($13 value, $14 id) and the limit. */
static const char *const SQL_PAGE[] = {
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.created_at, l.id) <"
	" ($13::timestamptz, $14::uuid))"
	" ORDER BY l.created_at DESC, l.id DESC LIMIT $15::int",
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.created_at, l.id) >"
	" ($13::timestamptz, $14::uuid))"
	" ORDER BY l.created_at, l.id LIMIT $15::int",
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.name, l.id) > ($13::text, $14::uuid))"
	" ORDER BY l.name, l.id LIMIT $15::int",
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.name, l.id) < ($13::text, $14::uuid))"
	" ORDER BY l.name DESC, l.id DESC LIMIT $15::int",
};

static const char *const sorts[] = { "-created_at", "created_at", "name",
	"-name", NULL };

static const char SQL_STATS_TOTALS[] =
    "SELECT count(*), count(*) FILTER (WHERE email_sent),"
    " count(*) FILTER (WHERE email_opened_at IS NOT NULL),"
    " count(*) FILTER (WHERE email_clicked),"
    " count(*) FILTER (WHERE email_error IS NOT NULL),"
    " count(*) FILTER (WHERE sms_sent),"
    " count(*) FILTER (WHERE sms_clicked),"
    " count(*) FILTER (WHERE sms_error IS NOT NULL),"
    " count(*) FILTER (WHERE amocrm_synced),"
    " count(*) FILTER (WHERE NOT amocrm_synced)"
    " FROM landing_leads l"
    " WHERE ($1::date IS NULL"
    "  OR l.created_at >= ($1::date)::timestamp AT TIME ZONE $3)"
    " AND ($2::date IS NULL"
    "  OR l.created_at < ($2::date + 1)::timestamp AT TIME ZONE $3)";

static const char *const stats_names[] = { "leads", "email_sent",
	"email_opened", "email_clicked", "email_failed", "sms_sent",
	"sms_clicked", "sms_failed", "synced", "not_synced" };

static const char SQL_STATS_GROUPS[] =
    "SELECT g.dim, g.value, count(*), count(*) FILTER (WHERE email_sent),"
    " count(*) FILTER (WHERE email_opened_at IS NOT NULL),"
    " count(*) FILTER (WHERE email_clicked),"
    " count(*) FILTER (WHERE email_error IS NOT NULL),"
    " count(*) FILTER (WHERE sms_sent),"
    " count(*) FILTER (WHERE sms_clicked),"
    " count(*) FILTER (WHERE sms_error IS NOT NULL),"
    " count(*) FILTER (WHERE amocrm_synced),"
    " count(*) FILTER (WHERE NOT amocrm_synced)"
    " FROM landing_leads l"
    " CROSS JOIN LATERAL (VALUES ('source', l.source),"
    "  ('utm_source', l.utm_source)) AS g(dim, value)"
    " WHERE ($1::date IS NULL"
    "  OR l.created_at >= ($1::date)::timestamp AT TIME ZONE $3)"
    " AND ($2::date IS NULL"
    "  OR l.created_at < ($2::date + 1)::timestamp AT TIME ZONE $3)"
    " GROUP BY g.dim, g.value ORDER BY g.dim, count(*) DESC, g.value";

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

static int
istrue(const char *s)
{
	return s != NULL && strcmp(s, "t") == 0;
}

/* Writes one lead: the original's fields, then ours. */
static void
lead_write(struct jw *w, const char *key, const PGresult *res, int row)
{
	jw_obj(w, key);
	jw_str(w, "id", db_val(res, row, LC_ID));
	jw_str(w, "name", db_val(res, row, LC_NAME));
	jw_str(w, "email", db_val(res, row, LC_EMAIL));
	jw_str(w, "phone", db_val(res, row, LC_PHONE));
	jw_str(w, "source", db_val(res, row, LC_SOURCE));
	jw_str(w, "created_at", db_val(res, row, LC_CREATED));
	jw_bool(w, "in_amocrm", db_val(res, row, LC_AMO_LEAD) != NULL);
	jw_str(w, "amocrm_lead_id", db_val(res, row, LC_AMO_LEAD));
	jw_bool(w, "amocrm_synced", istrue(db_val(res, row, LC_SYNCED)));
	jw_bool(w, "email_sent", istrue(db_val(res, row, LC_EMAIL_SENT)));
	jw_str(w, "email_sent_at", db_val(res, row, LC_EMAIL_SENT_AT));
	jw_str(w, "email_error", db_val(res, row, LC_EMAIL_ERROR));
	jw_bool(w, "sms_sent", istrue(db_val(res, row, LC_SMS_SENT)));
	jw_str(w, "sms_sent_at", db_val(res, row, LC_SMS_SENT_AT));
	jw_str(w, "sms_error", db_val(res, row, LC_SMS_ERROR));
	jw_bool(w, "email_opened", istrue(db_val(res, row, LC_EMAIL_OPENED)));
	jw_bool(w, "email_clicked", istrue(db_val(res, row, LC_EMAIL_CLICKED)));
	jw_bool(w, "sms_clicked", istrue(db_val(res, row, LC_SMS_CLICKED)));
	jw_str(w, "amocrm_contact_id", db_val(res, row, LC_AMO_CONTACT));
	jw_str(w, "amocrm_sync_status", db_val(res, row, LC_SYNC_STATUS));
	jw_str(w, "amocrm_sync_last_error", db_val(res, row, LC_SYNC_ERROR));
	jw_str(w, "utm_source", db_val(res, row, LC_UTM_SOURCE));
	jw_str(w, "utm_medium", db_val(res, row, LC_UTM_MEDIUM));
	jw_str(w, "utm_campaign", db_val(res, row, LC_UTM_CAMPAIGN));
	jw_str(w, "utm_content", db_val(res, row, LC_UTM_CONTENT));
	jw_str(w, "utm_term", db_val(res, row, LC_UTM_TERM));
	jw_str(w, "updated_at", db_val(res, row, LC_UPDATED));
	jw_obj_end(w);
}

/* Writes array key of every row of res. */
static void
leads_write(struct jw *w, const char *key, const PGresult *res)
{
	int i;

	jw_arr(w, key);
	for (i = 0; i < PQntuples(res); i++)
		lead_write(w, NULL, res, i);
	jw_arr_end(w);
}

static long long
num(const PGresult *res, int row, int col)
{
	const char *s = db_val(res, row, col);

	return s != NULL ? strtoll(s, NULL, 10) : 0;
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
	*total = num(tot, 0, TC_TOTAL);
	*not_synced = num(tot, 0, TC_NOT_SYNCED);
	jw_int(w, "total_landing_leads", *total);
	leads_write(w, "synced", syn);
	jw_int(w, "synced_total", m->matched);
	leads_write(w, "not_synced", nsyn);
	jw_int(w, "not_synced_total", *not_synced);
	jw_int(w, "email_sent", num(tot, 0, TC_EMAIL_SENT));
	jw_int(w, "email_failed", num(tot, 0, TC_EMAIL_FAILED));
	jw_int(w, "sms_sent", num(tot, 0, TC_SMS_SENT));
	jw_int(w, "sms_failed", num(tot, 0, TC_SMS_FAILED));
	rc = buf_err(w->out);
out:
	free(ids);
	PQclear(tot);
	PQclear(syn);
	PQclear(nsyn);
	return rc;
}

/* Not in amoCRM, not on its way there. */
#define QUEUEABLE                                                              \
	"amocrm_lead_id IS NULL AND coalesce(amocrm_sync_status, '')"          \
	" NOT IN ('queued', 'pushing')"

static const char SQL_QUEUEABLE[] =
    "SELECT count(*) FROM landing_leads WHERE " QUEUEABLE;

/*
 * The row lock makes a concurrent second request wait, then find the
 * lead queued and leave it alone.
 */
static const char SQL_QUEUE_ALL[] =
    "WITH q AS (UPDATE landing_leads SET amocrm_sync_status = 'queued',"
    " amocrm_sync_last_error = NULL WHERE " QUEUEABLE " RETURNING 1)"
    " SELECT (SELECT count(*) FROM landing_leads), (SELECT count(*) FROM q)";

static const char SQL_QUEUE_ONE[] =
    "WITH q AS (UPDATE landing_leads SET amocrm_sync_status = 'queued',"
    " amocrm_sync_last_error = NULL WHERE id = $1::uuid AND " QUEUEABLE
    " RETURNING id)"
    " SELECT l.id::text, l.name, l.phone, l.email, l.amocrm_lead_id,"
    " CASE WHEN q.id IS NULL THEN l.amocrm_sync_status ELSE 'queued' END,"
    " q.id IS NOT NULL"
    " FROM landing_leads l LEFT JOIN q ON q.id = l.id WHERE l.id = $1::uuid";

enum queue_col {
	QC_ID,
	QC_NAME,
	QC_PHONE,
	QC_EMAIL,
	QC_AMO_LEAD,
	QC_STATUS,
	QC_QUEUED,
	QC__MAX
};

static const char SQL_CLAIM[] =
    "UPDATE landing_leads l SET amocrm_sync_status = 'pushing',"
    " amocrm_sync_attempts = amocrm_sync_attempts + 1"
    " WHERE l.id IN (SELECT id FROM landing_leads"
    "  WHERE amocrm_sync_status = 'queued' AND amocrm_lead_id IS NULL"
    "  ORDER BY created_at, id LIMIT $2::int FOR UPDATE SKIP LOCKED)"
    " RETURNING l.id::text, l.name, l.phone, l.email, l.source,"
    " l.utm_source, l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term,"
    " CASE WHEN l.source = 'expresscourse' THEN (SELECT default_amount::bigint"
    "  FROM pipelines WHERE pipeline_id = $1::bigint) END";

enum claim_col {
	CL_ID,
	CL_NAME,
	CL_PHONE,
	CL_EMAIL,
	CL_SOURCE,
	CL_UTM, /* five columns */
	CL_PRICE = CL_UTM + 5,
	CL__MAX
};

static const char SQL_PUSHED[] =
    "UPDATE landing_leads l SET amocrm_lead_id = d.lead,"
    " amocrm_contact_id = d.contact, amocrm_synced = true,"
    " amocrm_sync_status = 'synced', amocrm_sync_last_error = NULL"
    " FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(id, lead, contact)"
    " WHERE l.id = d.id";

static const char SQL_PUSH_FAILED[] =
    "UPDATE landing_leads SET amocrm_sync_status = $2,"
    " amocrm_sync_last_error = $3"
    " WHERE id = ANY($1::uuid[]) AND amocrm_sync_status = 'pushing'";

static const char SQL_UNQUEUE[] =
    "UPDATE landing_leads SET amocrm_sync_status = 'failed',"
    " amocrm_sync_last_error = $2"
    " WHERE id = $1::uuid AND amocrm_sync_status = 'queued'";

enum err
landing_leads_unqueue(struct db *db, const char *id, const char *error)
{
	const char *v[2] = { id, error };

	return db_run(db, SQL_UNQUEUE, 2, v);
}

enum err
landing_leads_queueable(struct db *db, long long *n)
{
	PGresult *res;
	enum err rc;

	*n = 0;
	if ((res = db_exec(db, SQL_QUEUEABLE, 0, NULL, &rc)) == NULL)
		return rc;
	*n = num(res, 0, 0);
	PQclear(res);
	return ERR_OK;
}

enum err
landing_leads_queue(struct db *db, const char *id, long long *total,
    long long *queued, long long *skipped, struct jw *lead)
{
	const char *v[1] = { id };
	PGresult *res;
	enum err rc;

	*total = *queued = *skipped = 0;
	if (id == NULL) {
		if ((res = db_exec(db, SQL_QUEUE_ALL, 0, NULL, &rc)) == NULL)
			return rc;
		*total = num(res, 0, 0);
		*queued = num(res, 0, 1);
		*skipped = *total - *queued;
		PQclear(res);
		return ERR_OK;
	}
	if (!landing_is_uuid(id))
		return ERR_NOTFOUND;
	if ((res = db_exec(db, SQL_QUEUE_ONE, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	*total = 1;
	*queued = istrue(db_val(res, 0, QC_QUEUED));
	*skipped = 1 - *queued;
	if (lead != NULL) {
		jw_obj(lead, "lead");
		jw_str(lead, "id", db_val(res, 0, QC_ID));
		jw_str(lead, "name", db_val(res, 0, QC_NAME));
		jw_str(lead, "phone", db_val(res, 0, QC_PHONE));
		jw_str(lead, "email", db_val(res, 0, QC_EMAIL));
		jw_obj_end(lead);
		jw_str(lead, "amocrm_lead_id", db_val(res, 0, QC_AMO_LEAD));
		jw_str(lead, "amocrm_sync_status", db_val(res, 0, QC_STATUS));
	}
	PQclear(res);
	return ERR_OK;
}

void
landing_push_batch_free(struct landing_push_batch *b)
{
	if (b == NULL)
		return;
	PQclear(b->res);
	memset(b, 0, sizeof(*b));
}

enum err
landing_leads_claim(struct db *db, long long pipeline_id, int max,
    struct landing_push_batch *b)
{
	char pipe[24], lim[16];
	const char *v[2] = { pipe, lim };
	struct landing_push_lead *l;
	enum err rc;
	int i, k;

	memset(b, 0, sizeof(*b));
	if (max > (int)(sizeof(b->v) / sizeof(b->v[0])))
		max = (int)(sizeof(b->v) / sizeof(b->v[0]));
	snprintf(pipe, sizeof(pipe), "%lld", pipeline_id);
	snprintf(lim, sizeof(lim), "%d", max);
	if ((b->res = db_exec(db, SQL_CLAIM, 2, v, &rc)) == NULL)
		return rc;
	for (i = 0; i < PQntuples(b->res) && i < max; i++) {
		l = &b->v[b->n++];
		l->id = db_val(b->res, i, CL_ID);
		l->name = db_val(b->res, i, CL_NAME);
		l->phone = db_val(b->res, i, CL_PHONE);
		l->email = db_val(b->res, i, CL_EMAIL);
		l->source = db_val(b->res, i, CL_SOURCE);
		for (k = 0; k < 5; k++)
			l->utm[k] = db_val(b->res, i, CL_UTM + k);
		l->price = num(b->res, i, CL_PRICE);
	}
	return ERR_OK;
}

/* The batch's ids as a uuid[] literal (caller frees); NULL on OOM. */
static char *
batch_ids(const struct landing_push_batch *b)
{
	struct buf t;
	size_t i;

	buf_init(&t);
	buf_addc(&t, '{');
	for (i = 0; i < b->n; i++)
		buf_printf(&t, "%s%s", i == 0 ? "" : ",", b->v[i].id);
	buf_addc(&t, '}');
	return buf_take(&t);
}

enum err
landing_leads_pushed(struct db *db, const struct landing_push_batch *b,
    const long long *lead_ids, const long long *contact_ids)
{
	struct buf l, c;
	char *v[3] = { NULL };
	enum err rc = ERR_NOMEM;
	size_t i;

	buf_init(&l);
	buf_init(&c);
	buf_addc(&l, '{');
	buf_addc(&c, '{');
	for (i = 0; i < b->n; i++) {
		buf_printf(&l, "%s%lld", i == 0 ? "" : ",", lead_ids[i]);
		buf_printf(&c, "%s%lld", i == 0 ? "" : ",", contact_ids[i]);
	}
	buf_addc(&l, '}');
	buf_addc(&c, '}');
	if ((v[0] = batch_ids(b)) == NULL || (v[1] = buf_take(&l)) == NULL ||
	    (v[2] = buf_take(&c)) == NULL)
		goto out;
	rc = db_run(db, SQL_PUSHED, 3, (const char *const *)v);
out:
	for (i = 0; i < 3; i++)
		free(v[i]);
	buf_free(&l);
	buf_free(&c);
	return rc;
}

enum err
landing_leads_push_failed(struct db *db, const struct landing_push_batch *b,
    int permanent, const char *error)
{
	const char *v[3];
	char *ids;
	enum err rc;

	if ((ids = batch_ids(b)) == NULL)
		return ERR_NOMEM;
	v[0] = ids;
	v[1] = permanent ? "failed" : "queued";
	v[2] = error;
	rc = db_run(db, SQL_PUSH_FAILED, 3, v);
	free(ids);
	return rc;
}

int
landing_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == '-' ? s[i] != '-'
		                    : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Appends s to b with LIKE's % _ and \ escaped. */
static void
like_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/* The CSV export of the leads list: name and column, text or not. */
static const struct {
	const char *name;
	enum lead_col col;
	int text;
} csv_cols[] = {
	{ "id", LC_ID, 1 },
	{ "created_at", LC_CREATED, 1 },
	{ "name", LC_NAME, 1 },
	{ "email", LC_EMAIL, 1 },
	{ "phone", LC_PHONE, 1 },
	{ "source", LC_SOURCE, 1 },
	{ "utm_source", LC_UTM_SOURCE, 1 },
	{ "utm_medium", LC_UTM_MEDIUM, 1 },
	{ "utm_campaign", LC_UTM_CAMPAIGN, 1 },
	{ "utm_content", LC_UTM_CONTENT, 1 },
	{ "utm_term", LC_UTM_TERM, 1 },
	{ "amocrm_lead_id", LC_AMO_LEAD, 0 },
	{ "amocrm_synced", LC_SYNCED, 0 },
	{ "amocrm_sync_status", LC_SYNC_STATUS, 1 },
	{ "email_sent", LC_EMAIL_SENT, 0 },
	{ "email_opened", LC_EMAIL_OPENED, 0 },
	{ "email_clicked", LC_EMAIL_CLICKED, 0 },
	{ "email_error", LC_EMAIL_ERROR, 1 },
	{ "sms_sent", LC_SMS_SENT, 0 },
	{ "sms_clicked", LC_SMS_CLICKED, 0 },
	{ "sms_error", LC_SMS_ERROR, 1 },
};

/* Writes rows [0, n) of page as CSV into b (booleans as true/false). */
static void
leads_csv(struct buf *b, const PGresult *page, int n)
{
	size_t k, nc = sizeof(csv_cols) / sizeof(csv_cols[0]);
	int i;

	csv_begin(b);
	for (k = 0; k < nc; k++)
		csv_field(b, k == 0, csv_cols[k].name, CSV_TEXT);
	csv_end_row(b);
	for (i = 0; i < n; i++) {
		for (k = 0; k < nc; k++) {
			const char *v = db_val(page, i, csv_cols[k].col);

			if (!csv_cols[k].text && v != NULL &&
			    (strcmp(v, "t") == 0 || strcmp(v, "f") == 0))
				v = v[0] == 't' ? "true" : "false";
			csv_field(b, k == 0, v,
			    csv_cols[k].text ? CSV_TEXT : CSV_NUM);
		}
		csv_end_row(b);
	}
}

enum err
landing_leads_list(struct db *db, const struct landing_filter *f, struct jw *w)
{
	const char *v[NLIST + 3] = { NULL };
	struct buf pat, digits;
	PGresult *cnt = NULL, *page = NULL;
	char lim[24], *cursor = NULL, *bar;
	enum err rc = ERR_NOMEM;
	size_t i, s = 0;
	int n;

	buf_init(&pat);
	buf_init(&digits);
	for (i = 0; sorts[i] != NULL; i++)
		if (f->sort != NULL && strcmp(f->sort, sorts[i]) == 0)
			s = i;
	v[0] = f->utm_source;
	v[1] = f->utm_medium;
	v[2] = f->utm_campaign;
	v[3] = f->source;
	v[4] = f->synced == NULL            ? NULL
	    : strcmp(f->synced, "yes") == 0 ? "true"
	                                    : "false";
	v[5] = f->email_status;
	v[6] = f->sms_status;
	v[7] = f->from;
	v[8] = f->to;
	v[9] = f->tz;
	if (f->q != NULL) {
		buf_addc(&pat, '%');
		like_escape(&pat, f->q);
		buf_addc(&pat, '%');
		buf_addc(&digits, '%');
		for (i = 0; f->q[i] != '\0'; i++)
			if (isdigit((unsigned char)f->q[i]))
				buf_addc(&digits, f->q[i]);
		buf_addc(&digits, '%');
		if (buf_err(&pat) || buf_err(&digits))
			goto out;
		v[10] = buf_str(&pat);
		/* Three digits or more also look into the phone's digits. */
		if (digits.len >= 5)
			v[11] = buf_str(&digits);
	}
	if (f->after != NULL) {
		if ((cursor = strdup(f->after)) == NULL)
			goto out;
		if ((bar = strrchr(cursor, '|')) == NULL ||
		    !landing_is_uuid(bar + 1)) {
			rc = ERR_VALIDATION;
			goto out;
		}
		*bar = '\0';
		v[12] = cursor;
		v[13] = bar + 1;
	}
	snprintf(lim, sizeof(lim), "%lld", f->limit + 1);
	v[14] = lim;
	if ((cnt = db_exec(db, SQL_COUNT, NLIST, v, &rc)) == NULL ||
	    (page = db_exec(db, SQL_PAGE[s], NLIST + 3, v, &rc)) == NULL)
		goto out;
	n = PQntuples(page);
	if (f->csv != NULL) {
		leads_csv(f->csv, page, n < f->limit ? n : (int)f->limit);
		rc = buf_err(f->csv);
		goto out;
	}
	jw_int(w, "total", num(cnt, 0, 0));
	jw_arr(w, "leads");
	for (i = 0; (long long)i < f->limit && (int)i < n; i++)
		lead_write(w, NULL, page, (int)i);
	jw_arr_end(w);
	if ((long long)n > f->limit) {
		/* The last row shown is where the next page starts. */
		struct buf c;
		int last = (int)f->limit - 1;

		buf_init(&c);
		buf_adds(&c,
		    db_val(page, last, s < 2 ? LC_CREATED : LC_SORT_NAME));
		buf_addc(&c, '|');
		buf_adds(&c, db_val(page, last, LC_ID));
		jw_str(w, "next_after", buf_str(&c));
		buf_free(&c);
	} else {
		jw_null(w, "next_after");
	}
	rc = buf_err(w->out);
out:
	free(cursor);
	buf_free(&pat);
	buf_free(&digits);
	PQclear(cnt);
	PQclear(page);
	return rc;
}

enum err
landing_lead_get(struct db *db, const char *id, struct jw *w)
{
	const char *v[1] = { id };
	PGresult *res;
	enum err rc;

	if (!landing_is_uuid(id))
		return ERR_NOTFOUND;
	if ((res = db_exec(db, SQL_GET, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	lead_write(w, "lead", res, 0);
	PQclear(res);
	return buf_err(w->out);
}

/* Writes the ten counters of stats_names from columns first.. of row. */
static void
counters(struct jw *w, const PGresult *res, int row, int first)
{
	size_t i;

	for (i = 0; i < sizeof(stats_names) / sizeof(stats_names[0]); i++)
		jw_int(w, stats_names[i], num(res, row, first + (int)i));
}

enum err
landing_leads_stats(struct db *db, const char *from, const char *to,
    const char *tz, struct jw *w)
{
	const char *v[3] = { from, to, tz };
	PGresult *tot = NULL, *grp = NULL;
	const char *dim;
	enum err rc;
	int i, d;

	if ((tot = db_exec(db, SQL_STATS_TOTALS, 3, v, &rc)) == NULL ||
	    (grp = db_exec(db, SQL_STATS_GROUPS, 3, v, &rc)) == NULL)
		goto out;
	jw_obj(w, "totals");
	counters(w, tot, 0, 0);
	jw_obj_end(w);
	for (d = 0; d < 2; d++) {
		dim = d == 0 ? "source" : "utm_source";
		jw_arr(w, d == 0 ? "by_source" : "by_utm_source");
		for (i = 0; i < PQntuples(grp); i++) {
			if (strcmp(dim, db_val(grp, i, 0)) != 0)
				continue;
			jw_obj(w, NULL);
			jw_str(w, "value", db_val(grp, i, 1));
			counters(w, grp, i, 2);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	rc = buf_err(w->out);
out:
	PQclear(tot);
	PQclear(grp);
	return rc;
}
