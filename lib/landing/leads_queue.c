/*
 * The push queue of landing_leads: leads queued for amoCRM, claimed in
 * batches by the workers (landing/push), marked pushed or failed. Part of
 * the writer of landing_leads (landing/leads.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "landing/leads.h"
#include "landing/leads_int.h"

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
	*n = leads_num(res, 0, 0);
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
		*total = leads_num(res, 0, 0);
		*queued = leads_num(res, 0, 1);
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
	*queued = leads_istrue(db_val(res, 0, QC_QUEUED));
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
		l->price = leads_num(b->res, i, CL_PRICE);
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
