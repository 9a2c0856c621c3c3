#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "io/http.h"
#include "sales/hooks.h"
#include "sales/ingest.h"
#include "sales/sweep.h"

/* The first sweep runs one interval after the first worker started and
 * reaches back to the overlap before that start. */
static const char SQL_INIT[] =
    "INSERT INTO sweep_state (name, next_at, swept_to)"
    " VALUES ('amocrm', now() + $1::int * interval '1 second',"
    "  extract(epoch FROM now())::bigint)"
    " ON CONFLICT (name) DO NOTHING";
static const char SQL_CLAIM[] =
    "UPDATE sweep_state SET next_at = now() + $2::int * interval '1 second',"
    " claimed_by = $1, lease_until = now() + $3::int * interval '1 second',"
    " last_run_at = now()"
    " WHERE name = 'amocrm' AND next_at <= now()"
    "  AND (lease_until IS NULL OR lease_until < now())"
    " RETURNING swept_to, extract(epoch FROM now())::bigint";
static const char SQL_DONE[] =
    "UPDATE sweep_state SET swept_to = $2::bigint, last_ok_at = now(),"
    " last_error = NULL, lease_until = NULL, runs = runs + 1,"
    " last_seen = $3::int, last_recovered = $4::int,"
    " recovered = recovered + $4::int"
    " WHERE name = 'amocrm' AND claimed_by = $1";
static const char SQL_FAILED[] =
    "UPDATE sweep_state SET last_error = $2, lease_until = NULL,"
    " failures = failures + 1,"
    " next_at = least(next_at, now() + interval '60 seconds')"
    " WHERE name = 'amocrm' AND claimed_by = $1";
static const char SQL_PIPELINES[] =
    "SELECT pipeline_id FROM pipelines WHERE active";
static const char SQL_STORED[] =
    "SELECT 1 FROM all_sales_tracking WHERE lead_id = $1";
/* A landing pipeline's sale missing from its landing table. */
static const char SQL_LANDING_MISSING[] =
    "SELECT 1 FROM pipelines p WHERE p.pipeline_id = $2::bigint"
    " AND p.active AND p.target_table IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM express_course_sales"
    "  WHERE deal_id = $1::bigint)"
    " AND NOT EXISTS (SELECT 1 FROM main_product_sales"
    "  WHERE deal_id = $1::bigint)";

/* Appends "&key=value", both escaped. */
static void
pair(struct buf *b, const char *key, const char *value)
{
	if (b->len > 0)
		buf_addc(b, '&');
	http_query_escape(b, key);
	buf_addc(b, '=');
	http_query_escape(b, value);
}

static void
pairll(struct buf *b, const char *key, long long v)
{
	char n[32];

	snprintf(n, sizeof(n), "%lld", v);
	pair(b, key, n);
}

void
sweep_body(struct buf *b, const struct amocrm_lead *l, const char *subdomain)
{
	char k[128];
	size_t i, j;

	pair(b, "account[subdomain]", subdomain);
	pairll(b, "leads[status][0][id]", l->id);
	if (l->name != NULL)
		pair(b, "leads[status][0][name]", l->name);
	pairll(b, "leads[status][0][status_id]", l->status_id);
	pairll(b, "leads[status][0][pipeline_id]", l->pipeline_id);
	pairll(b, "leads[status][0][price]", l->price);
	pairll(b, "leads[status][0][created_at]", l->created_at);
	pairll(b, "leads[status][0][updated_at]", l->updated_at);
	pairll(b, "leads[status][0][last_modified]", l->updated_at);
	for (i = 0; i < l->nfields; i++) {
		const struct amo_field *f = &l->fields[i];

		snprintf(k, sizeof(k),
		    "leads[status][0][custom_fields][%zu][id]", i);
		pairll(b, k, f->id);
		if (f->name != NULL) {
			snprintf(k, sizeof(k),
			    "leads[status][0][custom_fields][%zu][name]", i);
			pair(b, k, f->name);
		}
		if (f->code != NULL) {
			snprintf(k, sizeof(k),
			    "leads[status][0][custom_fields][%zu][code]", i);
			pair(b, k, f->code);
		}
		for (j = 0; j < f->nvalues; j++) {
			snprintf(k, sizeof(k),
			    "leads[status][0][custom_fields][%zu][values][%zu]"
			    "[value]",
			    i, j);
			pair(b, k, f->values[j]);
		}
	}
}

/* Records a failed sweep; returns rc. */
static enum err
failed(struct db *db, const char *me, enum err rc, const char *why)
{
	const char *v[2] = { me, why };

	log_warnx("sweep failed: %s", why);
	if (db_run(db, SQL_FAILED, 2, v) != ERR_OK)
		log_warnx("could not record the failed sweep");
	return rc;
}

/* Returns 1 if id is one of the n active pipelines. */
static int
active(const long long *p, int n, long long id)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i] == id)
			return 1;
	return 0;
}

/* Stores one lead through the webhook path; *stored when it is new. */
static enum err
store(struct sales_ctx *s, const struct hook_def *def,
    const struct amocrm_lead *l, const char *subdomain, int *stored)
{
	struct db *db = &s->app->traffic;
	struct hook_result hr;
	struct spool_meta m;
	char id[32], pipe[32], reqid[48], err[256];
	const char *v[1] = { id };
	const char *lv[2] = { id, pipe };
	int have;
	struct buf body;
	PGresult *res;
	enum err rc;

	*stored = 0;
	snprintf(id, sizeof(id), "%lld", l->id);
	snprintf(pipe, sizeof(pipe), "%lld", l->pipeline_id);
	if ((res = db_exec(db, SQL_STORED, 1, v, &rc)) == NULL)
		return rc;
	have = PQntuples(res) > 0;
	PQclear(res);
	/* Tracked, but a funnel sale may still lack its landing row. */
	if (have && s->app->has_landing) {
		if ((res = db_exec(&s->app->landing, SQL_LANDING_MISSING, 2, lv,
		         &rc)) == NULL)
			return rc;
		have = PQntuples(res) == 0;
		PQclear(res);
	}
	if (have)
		return ERR_OK;
	buf_init(&body);
	sweep_body(&body, l, subdomain);
	if (buf_err(&body) != ERR_OK) {
		buf_free(&body);
		return ERR_NOMEM;
	}
	snprintf(reqid, sizeof(reqid), "sweep-%lld-%lld", l->id, l->updated_at);
	memset(&m, 0, sizeof(m));
	m.endpoint = "sweep";
	m.reqid = reqid;
	m.remote = "amocrm-api";
	m.user_agent = "amosync-sweep";
	m.ctype = "application/x-www-form-urlencoded";
	m.body = buf_str(&body);
	m.bodysz = body.len;
	rc = hook_process(s, def, &m, 0, &hr, err, sizeof(err));
	buf_free(&body);
	if (rc != ERR_OK) {
		log_warnx("sweep: could not store lead %lld: %s", l->id, err);
		return rc;
	}
	*stored = 1;
	log_event("sweep", "lead %lld was won without a webhook; stored",
	    l->id);
	return ERR_OK;
}

enum err
sweep_tick(struct sales_ctx *s, struct amocrm *amo, const char *me,
    struct sweep_result *res)
{
	struct app *app = s->app;
	struct db *db = &app->traffic;
	struct amocrm_leads ls = { 0 };
	struct amocrm_status st;
	struct hook_def def;
	char interval[16], lease[16], to[24], seen[16], rec[16];
	const char *v[4] = { me, interval, lease, NULL };
	long long pipes[64];
	PGresult *r;
	enum err rc;
	size_t i;
	int n, npipes = 0, stored, overlap, ival;

	memset(res, 0, sizeof(*res));
	ival = (int)cfg_int(&app->cfg, CFG_SWEEP_INTERVAL);
	overlap = (int)cfg_int(&app->cfg, CFG_SWEEP_OVERLAP);
	if (ival <= 0)
		return ERR_OK;
	snprintf(interval, sizeof(interval), "%d", ival);
	/* A sweep's lease: its own timeouts, and then some. */
	snprintf(lease, sizeof(lease), "%lld",
	    10 * cfg_int(&app->cfg, CFG_SYNC_TIMEOUT) + 60);
	{
		const char *iv[1] = { interval };

		if ((rc = db_run(db, SQL_INIT, 1, iv)) != ERR_OK)
			return rc;
	}
	if ((r = db_exec(db, SQL_CLAIM, 3, v, &rc)) == NULL)
		return rc;
	n = PQntuples(r);
	if (n == 1) {
		res->from = strtoll(db_val(r, 0, 0), NULL, 10) - overlap;
		res->to = strtoll(db_val(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	if (n != 1)
		return ERR_OK;
	res->ran = 1;
	if ((r = db_exec(db, SQL_PIPELINES, 0, NULL, &rc)) == NULL)
		return failed(db, me, rc, "could not read the pipelines");
	for (n = 0; n < PQntuples(r) && npipes < 64; n++)
		pipes[npipes++] = strtoll(db_val(r, n, 0), NULL, 10);
	PQclear(r);
	if (app->has_landing ? hooks_funnel_sale(s, &def)
	                     : hooks_sales_webhook(s, &def))
		return failed(db, me, ERR_CONFIG, "no hook for the sweep");
	rc = amocrm_leads_since(amo, 0, res->from, SWEEP_MAX_LEADS, &ls, &st);
	if (rc != ERR_OK)
		return failed(db, me, rc, st.reason);
	res->seen = (int)ls.n;
	/*
	 * A window with more changes than one sweep reads ends at the last
	 * lead read (they come oldest first): the next sweep goes on from
	 * there instead of skipping the rest.
	 */
	if (ls.n >= SWEEP_MAX_LEADS && ls.v[ls.n - 1].updated_at > res->from)
		res->to = ls.v[ls.n - 1].updated_at;
	for (i = 0; i < ls.n; i++) {
		const struct amocrm_lead *l = &ls.v[i];

		if (l->status_id != AMO_STATUS_WON ||
		    !active(pipes, npipes, l->pipeline_id))
			continue;
		res->won++;
		rc = store(s, &def, l, cfg_str(&app->cfg, CFG_AMOCRM_DOMAIN),
		    &stored);
		if (rc != ERR_OK) {
			amocrm_leads_free(&ls);
			return failed(db, me, rc,
			    "could not store a won lead; the window is kept");
		}
		if (stored) {
			size_t len = strlen(res->recovered_ids);

			if (len + 24 < sizeof(res->recovered_ids))
				snprintf(res->recovered_ids + len,
				    sizeof(res->recovered_ids) - len, "%s%lld",
				    len > 0 ? ", " : "", l->id);
			res->recovered++;
		}
	}
	amocrm_leads_free(&ls);
	snprintf(to, sizeof(to), "%lld", res->to);
	snprintf(seen, sizeof(seen), "%d", res->seen);
	snprintf(rec, sizeof(rec), "%d", res->recovered);
	{
		const char *dv[4] = { me, to, seen, rec };

		if ((rc = db_run(db, SQL_DONE, 4, dv)) != ERR_OK)
			return rc;
	}
	log_event("sweep",
	    "swept amoCRM leads changed since %lld: %d listed, %d won, %d "
	    "recovered",
	    res->from, res->seen, res->won, res->recovered);
	return ERR_OK;
}
