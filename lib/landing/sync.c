#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/text.h"
#include "landing/leads.h"
#include "landing/sync.h"

#define TS(c)                                                                  \
	"to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A run whose lease ran out: its process died or hung. */
/* clang-format off */
static const char SQL_ABANDON[] =
    "UPDATE sync_runs SET status = 'abandoned', finished_at = now(),"
    " error = 'its process stopped renewing the lease (it died or hung);"
    " the lease ran out at ' || " TS("lease_until") " || ' UTC'"
    " WHERE kind = $1 AND finished_at IS NULL AND lease_until < now()";
/* clang-format on */

/* One running run per kind: the partial unique index decides. */
static const char SQL_START[] =
    "INSERT INTO sync_runs (kind, trigger, holder, requested_by,"
    " requested_limit, lease_until)"
    " VALUES ($1, $2, $3, $4, $5::int,"
    " now() + make_interval(secs => $6::int))"
    " ON CONFLICT (kind) WHERE finished_at IS NULL DO NOTHING"
    " RETURNING id";

/* clang-format off */
static const char SQL_RUNNING[] =
    "SELECT id, " TS("started_at") " FROM sync_runs"
    " WHERE kind = $1 AND finished_at IS NULL";
/* clang-format on */

/* Renews the lease; no row means the run was taken from us. */
static const char SQL_RENEW[] =
    "UPDATE sync_runs SET heartbeat_at = now(),"
    " lease_until = now() + make_interval(secs => $2::int)"
    " WHERE id = $1::bigint AND finished_at IS NULL RETURNING id";

static const char SQL_FINISH[] =
    "UPDATE sync_runs SET status = $2, finished_at = now(),"
    " total_amocrm_leads = $3::int, total_amocrm_contacts = $4::int,"
    " total_landing_leads = $5::int, matched = $6::int, updated = $7::int,"
    " matched_by_email = $8::int, matched_by_phone = $9::int,"
    " already_synced = $10::int, ambiguous = $11::int,"
    " not_synced = $12::int, db_ms = $13::int, amocrm_status = $14::int,"
    " error = $15"
    " WHERE id = $1::bigint AND finished_at IS NULL";

static const char SQL_DUE_INIT[] =
    "INSERT INTO sync_schedule (kind, next_at) VALUES ($1, now())"
    " ON CONFLICT (kind) DO NOTHING";

/*
 * The row lock serialises the workers; one that waited re-reads the row
 * and finds next_at moved on, so it claims nothing.
 */
static const char SQL_DUE[] =
    "UPDATE sync_schedule SET next_at = now() +"
    " make_interval(secs => $2::int), claimed_by = $3, claimed_at = now()"
    " WHERE kind = $1 AND next_at <= now() RETURNING kind";

/* clang-format off */
static const char SQL_RUNS[] =
    "SELECT id, kind, trigger, status, holder, requested_by, requested_limit, "
    TS("started_at") ", " TS("finished_at") ", " TS("lease_until") ","
    " total_amocrm_leads, total_amocrm_contacts, total_landing_leads,"
    " matched, updated, matched_by_email, matched_by_phone, already_synced,"
    " ambiguous, not_synced, db_ms, amocrm_status, error"
    " FROM sync_runs ORDER BY id DESC LIMIT $1::int";
/* clang-format on */

enum runs_col {
	RC_ID,
	RC_KIND,
	RC_TRIGGER,
	RC_STATUS,
	RC_HOLDER,
	RC_BY,
	RC_LIMIT,
	RC_STARTED,
	RC_FINISHED,
	RC_LEASE,
	RC_FIRST_COUNT, /* the counters, in the order of count_names */
	RC__MAX = RC_FIRST_COUNT + 12,
	RC_ERROR = RC__MAX
};

static const char *const count_names[] = { "total_amocrm_leads",
	"total_amocrm_contacts", "total_landing_leads", "matched", "updated",
	"matched_by_email", "matched_by_phone", "already_synced", "ambiguous",
	"not_synced", "db_ms", "amocrm_status" };

/* The lease of the running run, renewed from the amoCRM client's tick. */
struct lease {
	struct db *db;
	long long id;
	int secs;
	int lost;
	time_t last;
};

/* What a run counted, for sync_runs. */
struct counts {
	long long amo_leads, amo_contacts, landing, not_synced, db_ms;
	struct landing_match m;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Renews the lease (at most once a second); remembers a lost one. */
static enum err
renew(struct lease *l, int force)
{
	char id[24], secs[16];
	const char *v[2] = { id, secs };
	PGresult *res;
	enum err rc;

	if (l->lost || (!force && time(NULL) == l->last))
		return l->lost ? ERR_CONFLICT : ERR_OK;
	l->last = time(NULL);
	snprintf(id, sizeof(id), "%lld", l->id);
	snprintf(secs, sizeof(secs), "%d", l->secs);
	if ((res = db_exec(l->db, SQL_RENEW, 2, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		l->lost = 1;
		rc = ERR_CONFLICT;
		log_warnx("sync run %lld lost its lease", l->id);
	}
	PQclear(res);
	return rc;
}

static void
tick(void *arg)
{
	/* A database hiccup here is not fatal: the next tick retries. */
	(void)renew(arg, 0);
}

/* Starts a run, or fills running_id of the one in the way. */
static enum err
start(struct db *db, const struct landing_sync_opts *o,
    struct landing_sync_result *res)
{
	char lim[24], secs[16];
	const char *v[6] = { LANDING_SYNC_KIND, o->trigger, o->holder,
		o->requested_by, lim, secs };
	PGresult *r = NULL;
	enum err rc;
	int attempt;

	snprintf(lim, sizeof(lim), "%lld", o->limit);
	snprintf(secs, sizeof(secs), "%d", o->lease);
	for (attempt = 0; attempt < 3; attempt++) {
		if ((rc = db_run(db, SQL_ABANDON, 1, v)) != ERR_OK)
			return rc;
		if ((r = db_exec(db, SQL_START, 6, v, &rc)) == NULL)
			return rc;
		if (PQntuples(r) == 1) {
			res->run_id = strtoll(db_val(r, 0, 0), NULL, 10);
			PQclear(r);
			return ERR_OK;
		}
		PQclear(r);
		if ((r = db_exec(db, SQL_RUNNING, 1, v, &rc)) == NULL)
			return rc;
		if (PQntuples(r) == 1) {
			res->running_id = strtoll(db_val(r, 0, 0), NULL, 10);
			snprintf(res->running_since, sizeof(res->running_since),
			    "%s", db_val(r, 0, 1));
			PQclear(r);
			return ERR_CONFLICT;
		}
		/* It finished between the two statements: try again. */
		PQclear(r);
	}
	return ERR_CONFLICT;
}

/* Records the end of a run; a run already taken from us stays as is. */
static void
finish(struct db *db, const struct landing_sync_result *res, const char *status,
    const struct counts *c)
{
	char num[14][24];
	const char *v[15];
	long long n[12] = { c->amo_leads, c->amo_contacts, c->landing,
		c->m.matched, c->m.updated, c->m.by_email, c->m.by_phone,
		c->m.already, c->m.ambiguous, c->not_synced, c->db_ms,
		res->amocrm_status };
	int i, ok = strcmp(status, "done") == 0;

	snprintf(num[0], sizeof(num[0]), "%lld", res->run_id);
	v[0] = num[0];
	v[1] = status;
	for (i = 0; i < 12; i++) {
		snprintf(num[i + 1], sizeof(num[i + 1]), "%lld", n[i]);
		/* A failed run leaves what it never counted NULL. */
		v[i + 2] = ok || (i < 2 && n[i] > 0) || (i == 11 && n[i] > 0)
		    ? num[i + 1]
		    : NULL;
	}
	v[14] = res->error[0] != '\0' ? res->error : NULL;
	if (db_run(db, SQL_FINISH, 15, v) != ERR_OK)
		log_warnx("could not record the end of sync run %lld",
		    res->run_id);
}

static int
cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int
cmp_contact(const void *a, const void *b)
{
	const struct amocrm_contact *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * The distinct contact ids of the leads, sorted; *n their count. NULL
 * with *n 0 when there are none, or on OOM (*oom set).
 */
static long long *
contact_ids(const struct amocrm_leads *ls, size_t *n, int *oom)
{
	long long *ids;
	size_t i, k, total = 0;

	*n = 0;
	*oom = 0;
	for (i = 0; i < ls->n; i++)
		total += ls->v[i].ncontacts;
	if (total == 0)
		return NULL;
	if ((ids = calloc(total, sizeof(*ids))) == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < ls->n; i++)
		for (k = 0; k < ls->v[i].ncontacts; k++)
			ids[(*n)++] = ls->v[i].contact_ids[k];
	qsort(ids, *n, sizeof(*ids), cmp_id);
	for (i = k = 0; i < *n; i++)
		if (k == 0 || ids[k - 1] != ids[i])
			ids[k++] = ids[i];
	*n = k;
	return ids;
}

/* Adds the normalised phones and e-mails of every lead's contacts. */
static enum err
keys_build(struct landing_keys *k, const struct amocrm_leads *ls,
    struct amocrm_contacts *cs)
{
	const struct amocrm_lead *l;
	struct amocrm_contact key, *c;
	size_t i, j, v;
	char *norm;

	if (cs->n == 0)
		return ERR_OK;
	qsort(cs->v, cs->n, sizeof(*cs->v), cmp_contact);
	for (i = 0; i < ls->n; i++) {
		l = &ls->v[i];
		for (j = 0; j < l->ncontacts; j++) {
			key.id = l->contact_ids[j];
			c = bsearch(&key, cs->v, cs->n, sizeof(*cs->v),
			    cmp_contact);
			if (c == NULL)
				continue;
			for (v = 0; v < c->nphones; v++) {
				if ((norm = text_phone_norm(c->phones[v])) ==
				    NULL)
					continue;
				landing_keys_add(k, l->id, c->id, l->created_at,
				    "phone", norm);
				free(norm);
			}
			for (v = 0; v < c->nemails; v++) {
				if ((norm = text_email_norm(c->emails[v])) ==
				    NULL)
					continue;
				landing_keys_add(k, l->id, c->id, l->created_at,
				    "email", norm);
				free(norm);
			}
		}
	}
	if (buf_err(&k->lead) || buf_err(&k->key) || buf_err(&k->kind))
		return ERR_NOMEM;
	return ERR_OK;
}

/*
 * The database half of a run, in one transaction that holds the run's
 * row: match, then the answer's data.
 */
static enum err
store(struct db *db, struct lease *l, const struct landing_keys *k,
    const struct landing_sync_opts *o, struct counts *c, struct jw *w)
{
	struct buf amb;
	struct jw aw;
	long long t0 = now_ms();
	enum err rc;

	buf_init(&amb);
	jw_init(&aw, &amb);
	jw_arr(&aw, NULL);
	if ((rc = db_begin(db)) != ERR_OK)
		goto out;
	if ((rc = renew(l, 1)) != ERR_OK)
		goto out;
	if ((rc = landing_match(db, k, o->list_max, &c->m, &aw)) != ERR_OK)
		goto out;
	jw_arr_end(&aw);
	if ((rc = landing_sync_summary(db, &c->m, o->list_max, w, &c->landing,
	         &c->not_synced)) != ERR_OK)
		goto out;
	if ((rc = db_commit(db)) != ERR_OK)
		goto out;
	c->db_ms = now_ms() - t0;
	jw_int(w, "matched_by_email", c->m.by_email);
	jw_int(w, "matched_by_phone", c->m.by_phone);
	jw_int(w, "already_synced", c->m.already);
	jw_int(w, "updated", c->m.updated);
	jw_raw(w, "ambiguous", buf_str(&amb));
	jw_int(w, "ambiguous_total", c->m.ambiguous);
	jw_int(w, "db_ms", c->db_ms);
	rc = buf_err(w->out);
out:
	if (rc != ERR_OK)
		db_rollback(db);
	buf_free(&amb);
	return rc;
}

/* What to do about an amoCRM failure, appended to its reason. */
static const char *
hint(enum err rc, long status)
{
	switch (rc) {
	case ERR_AUTH:
		return "; generate a new long-lived token in the amoCRM "
		       "integration (Keys and scopes) and set "
		       "AMOCRM_ACCESS_TOKEN";
	case ERR_PERM:
		return status == 402 ? "; renew the amoCRM subscription"
		                     : "; a person must act: retrying will not "
		                       "help";
	case ERR_TIMEOUT:
		return "; try again later, or raise AMOSYNC_SYNC_TIMEOUT if "
		       "amoCRM is this slow";
	case ERR_HTTP:
		return "; try again later";
	default:
		return "";
	}
}

void
landing_sync_result_free(struct landing_sync_result *res)
{
	if (res == NULL)
		return;
	buf_free(&res->data);
	memset(res, 0, sizeof(*res));
}

enum err
landing_sync(struct db *db, struct amocrm *a, const struct landing_sync_opts *o,
    struct landing_sync_result *res)
{
	struct amocrm_leads ls = { 0 };
	struct amocrm_contacts cs = { 0 };
	struct amocrm_status st;
	struct landing_keys k;
	struct counts c;
	struct lease l;
	struct jw w;
	void (*old_tick)(void *) = a->tick;
	void *old_arg = a->tick_arg;
	long long t0 = now_ms(), *ids = NULL;
	size_t nids;
	enum err rc;
	int oom;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	buf_init(&res->data);
	landing_keys_init(&k);
	if ((rc = start(db, o, res)) != ERR_OK) {
		if (rc != ERR_CONFLICT)
			snprintf(res->error, sizeof(res->error),
			    "could not start a sync run: %s", err_str(rc));
		landing_keys_free(&k);
		return rc;
	}
	log_info("sync run %lld started (%s, limit %lld)", res->run_id,
	    o->trigger, o->limit);
	memset(&l, 0, sizeof(l));
	l.db = db;
	l.id = res->run_id;
	l.secs = o->lease;
	a->tick = tick;
	a->tick_arg = &l;
	rc = amocrm_leads_list(a, o->pipeline_id, (size_t)o->limit, &ls, &st);
	res->amocrm_status = st.http_status;
	c.amo_leads = (long long)ls.n;
	if (rc == ERR_OK) {
		ids = contact_ids(&ls, &nids, &oom);
		rc = oom ? ERR_NOMEM
		         : amocrm_contacts_list(a, ids, nids, &cs, &st);
		if (st.http_status != 0)
			res->amocrm_status = st.http_status;
		c.amo_contacts = (long long)cs.n;
	}
	a->tick = old_tick;
	a->tick_arg = old_arg;
	if (rc != ERR_OK) {
		snprintf(res->error, sizeof(res->error), "%s%s",
		    st.reason[0] != '\0' ? st.reason : err_str(rc),
		    hint(rc, st.http_status));
		goto out;
	}
	if ((rc = keys_build(&k, &ls, &cs)) != ERR_OK) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		goto out;
	}
	jw_init(&w, &res->data);
	jw_obj(&w, NULL);
	jw_int(&w, "run_id", res->run_id);
	jw_int(&w, "total_amocrm_leads", c.amo_leads);
	jw_int(&w, "total_amocrm_contacts", c.amo_contacts);
	rc = store(db, &l, &k, o, &c, &w);
	if (rc == ERR_CONFLICT)
		snprintf(res->error, sizeof(res->error),
		    "the run lost its lease: nothing was renewed for "
		    "AMOSYNC_SYNC_LEASE (%d s) and the run was given up; "
		    "raise AMOSYNC_SYNC_LEASE",
		    o->lease);
	else if (rc != ERR_OK)
		snprintf(res->error, sizeof(res->error),
		    "could not store the matches: %s", err_str(rc));
	if (rc != ERR_OK)
		goto out;
	{
		char d[32];

		snprintf(d, sizeof(d), "%lldms", now_ms() - t0);
		jw_str(&w, "duration", d);
	}
	jw_obj_end(&w);
	rc = buf_err(&res->data);
out:
	if (rc != ERR_OK) {
		buf_reset(&res->data);
		log_warnx("sync run %lld failed: %s", res->run_id, res->error);
		/* A lost lease is no longer ours to record. */
		if (!l.lost)
			finish(db, res, "failed", &c);
	} else {
		finish(db, res, "done", &c);
		log_info("sync run %lld done: %lld amoCRM leads, %lld "
		         "matched, %lld updated, %lld ms in the database",
		    res->run_id, c.amo_leads, c.m.matched, c.m.updated,
		    c.db_ms);
	}
	free(ids);
	amocrm_leads_free(&ls);
	amocrm_contacts_free(&cs);
	landing_keys_free(&k);
	landing_match_free(&c.m);
	return rc;
}

enum err
landing_sync_due(struct db *db, const char *holder, int interval, int *due)
{
	char secs[16];
	const char *v[3] = { LANDING_SYNC_KIND, secs, holder };
	PGresult *res;
	enum err rc;

	*due = 0;
	snprintf(secs, sizeof(secs), "%d", interval);
	if ((rc = db_run(db, SQL_DUE_INIT, 1, v)) != ERR_OK)
		return rc;
	if ((res = db_exec(db, SQL_DUE, 3, v, &rc)) == NULL)
		return rc;
	*due = PQntuples(res) == 1;
	PQclear(res);
	return ERR_OK;
}

enum err
landing_sync_runs(struct db *db, int limit, struct jw *w)
{
	char lim[16];
	const char *v[1] = { lim };
	const char *s;
	PGresult *res;
	enum err rc;
	int i, k;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, SQL_RUNS, 1, v, &rc)) == NULL)
		return rc;
	jw_arr(w, "runs");
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(w, NULL);
		jw_int(w, "id", strtoll(db_val(res, i, RC_ID), NULL, 10));
		jw_str(w, "kind", db_val(res, i, RC_KIND));
		jw_str(w, "trigger", db_val(res, i, RC_TRIGGER));
		jw_str(w, "status", db_val(res, i, RC_STATUS));
		jw_str(w, "holder", db_val(res, i, RC_HOLDER));
		jw_str(w, "requested_by", db_val(res, i, RC_BY));
		jw_numstr(w, "requested_limit", db_val(res, i, RC_LIMIT));
		jw_str(w, "started_at", db_val(res, i, RC_STARTED));
		jw_str(w, "finished_at", db_val(res, i, RC_FINISHED));
		jw_str(w, "lease_until", db_val(res, i, RC_LEASE));
		for (k = 0; k < 12; k++) {
			s = db_val(res, i, RC_FIRST_COUNT + k);
			if (s == NULL)
				jw_null(w, count_names[k]);
			else
				jw_int(w, count_names[k], strtoll(s, NULL, 10));
		}
		jw_str(w, "error", db_val(res, i, RC_ERROR));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	PQclear(res);
	return buf_err(w->out);
}

/* Finished runs only; a running one keeps its lease row. */
static const char SQL_PRUNE[] =
    "DELETE FROM sync_runs WHERE id IN (SELECT id FROM sync_runs"
    " WHERE status <> 'running' AND started_at < now() -"
    " make_interval(days => $1::int) ORDER BY started_at LIMIT $2::int)";

enum err
landing_sync_prune(struct db *db, int days, int limit, long *n)
{
	char d[16], l[16];
	const char *v[2] = { d, l };

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	return db_run_count(db, SQL_PRUNE, 2, v, n);
}
