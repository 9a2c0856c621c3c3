#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jw.h"
#include "base/log.h"
#include "io/metrics.h"
#include "sales/inbox.h"

/*
 * Each statement of a batch may take this long: a delivery of thousands
 * of leads is applied in one batch of its own.
 */
#define BATCH_STATEMENT_MS 30000

/* The most raw body bytes one batch holds in memory (at least one row). */
#define BATCH_BYTES (8 * 1024 * 1024)

/* amosync_inbox_put(): sql/common/functions/inbox.sql. */
static const char SQL_PUT[] =
    "SELECT id, duplicate FROM amosync_inbox_put($1, $2, $3, $4, $5, $6,"
    " $7, $8::bytea, $9::int, $10::bigint[])";

/*
 * The batch: queued rows of the endpoint that are due, oldest first,
 * skipping those another processor holds. Locked until the batch ends.
 */
static const char SQL_CLAIM[] =
    "SELECT w.id, w.body_size FROM webhook_requests w"
    " WHERE w.state = 'queued' AND w.endpoint = $1"
    " AND (w.next_at IS NULL OR w.next_at <= now())"
    " ORDER BY w.id LIMIT $2::int FOR UPDATE OF w SKIP LOCKED";

/*
 * Per-lead order: the claimed rows ($2) that must wait, because an
 * earlier queued row outside the batch (held by another processor, or
 * not due yet) carries one of their leads. Inside the batch rows are
 * applied in id order. Asked of the batch only, so its cost does not
 * grow with the backlog.
 */
static const char SQL_WAITING[] =
    "SELECT c.id FROM webhook_requests c WHERE c.id = ANY($2::bigint[])"
    " AND EXISTS (SELECT 1 FROM webhook_requests e"
    "  WHERE e.state = 'queued' AND e.endpoint = $1 AND e.id < c.id"
    "  AND e.lead_ids && c.lead_ids AND e.id <> ALL($2::bigint[]))";

/* The claimed rows' requests, in id order. */
static const char SQL_ROWS[] =
    "SELECT id, request_id, amocrm_request_id, remote_addr, user_agent,"
    " content_type, raw_body FROM webhook_requests"
    " WHERE id = ANY($1::bigint[]) ORDER BY id";
enum { RW_ID, RW_REQID, RW_AMO, RW_REMOTE, RW_UA, RW_CTYPE, RW_BODY };

static const char SQL_FINISH[] =
    "SELECT amosync_inbox_finish($1::json, $2::int)";

static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM webhook_requests WHERE state = 'queued'),"
    " (SELECT coalesce(extract(epoch FROM now() - min(received_at)), 0)"
    "  FROM webhook_requests WHERE state = 'queued'),"
    " (SELECT count(*) FROM webhook_requests WHERE state = 'dead'"
    "  AND processed_at > now() - make_interval(days => $1::int))";

/* "{1,2,3}": the lead ids of ev, as a bigint[] literal. */
static void
lead_ids(struct buf *b, const struct amo_event *ev)
{
	size_t i;

	buf_addc(b, '{');
	for (i = 0; i < ev->nleads; i++)
		buf_printf(b, "%s%lld", i > 0 ? "," : "", ev->leads[i].id);
	buf_addc(b, '}');
}

/*
 * The team the cached rules give a flat JSON sale, for the original's
 * answer; the processor attributes it again with the rules of its time.
 */
static void
predict(struct sales_ctx *s, const struct amo_event *ev,
    struct hook_result *res)
{
	struct attr_result ar;

	if (ev->nleads == 0 || !s->app->has_traffic ||
	    sales_attribute_cached(s, &s->app->traffic, &ev->leads[0], &ar) !=
	        ERR_OK)
		return;
	if (ar.team_name != NULL)
		snprintf(res->targetologist, sizeof(res->targetologist), "%s",
		    ar.team_name);
}

enum err
inbox_accept(struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, struct hook_result *res, char *errbuf,
    size_t errlen)
{
	struct db *db = def->steps[0].db;
	struct amo_event ev;
	struct buf ids;
	char size[32], proc[16], *hex = NULL;
	const char *v[10];
	PGresult *r;
	enum err rc;

	memset(res, 0, sizeof(*res));
	if ((rc = hook_read(s, def, m, &ev, res, errbuf, errlen)) != ERR_OK)
		return rc;
	if (ev.nleads == 0) {
		/* Nothing to apply: recorded with a bounded excerpt. */
		amo_event_free(&ev);
		if ((rc = hook_record(db, m, hook_keep(s), 200, "no_leads",
		         NULL)) != ERR_OK)
			return rc == ERR_TIMEOUT ? ERR_DB : rc;
		res->status = 200;
		res->recorded = 1;
		return ERR_OK;
	}
	if (res->flat)
		predict(s, &ev, res);
	buf_init(&ids);
	lead_ids(&ids, &ev);
	amo_event_free(&ev);
	if ((rc = buf_err(&ids)) != ERR_OK ||
	    (hex = hook_hex(m->body != NULL ? m->body : "", m->bodysz)) ==
	        NULL) {
		buf_free(&ids);
		return rc != ERR_OK ? rc : ERR_NOMEM;
	}
	snprintf(size, sizeof(size), "%zu", m->bodysz);
	snprintf(proc, sizeof(proc), "%d", res->processed);
	v[0] = m->endpoint;
	v[1] = m->reqid ? m->reqid : "";
	v[2] = m->amo_reqid ? m->amo_reqid : "";
	v[3] = m->remote ? m->remote : "";
	v[4] = m->user_agent ? m->user_agent : "";
	v[5] = m->ctype ? m->ctype : "";
	v[6] = size;
	v[7] = hex;
	v[8] = proc;
	v[9] = buf_str(&ids);
	r = db_exec(db, SQL_PUT, 10, v, &rc);
	free(hex);
	buf_free(&ids);
	if (r == NULL)
		return rc == ERR_TIMEOUT ? ERR_DB : rc;
	res->queued = 1;
	res->inbox_id = db_val(r, 0, 0) != NULL
	    ? strtoll(db_val(r, 0, 0), NULL, 10)
	    : 0;
	res->duplicates = strcmp(db_val(r, 0, 1), "t") == 0;
	res->status = 200;
	res->recorded = 1;
	PQclear(r);
	return ERR_OK;
}

/* One claimed row: the request as kept, parsed, and what it came to. */
struct row {
	long long id;
	struct spool_meta m;
	struct buf body;
	struct amo_event ev;
	int parsed;
	struct hook_result res;
	enum err rc; /* ERR_OK: applied */
	char error[256];
};

/* The batch being applied. */
struct batch {
	struct sales_ctx *s;
	const struct hook_def *def;
	struct row *rows;
	int n;
	PGresult *data; /* SQL_ROWS: what the rows' strings point into */
};

static void
batch_free(struct batch *b)
{
	int i;

	for (i = 0; i < b->n; i++) {
		if (b->rows[i].parsed)
			amo_event_free(&b->rows[i].ev);
		buf_free(&b->rows[i].body);
	}
	free(b->rows);
	PQclear(b->data);
	memset(b, 0, sizeof(*b));
}

/* Sets row r aside with rc and its message. */
static void
row_fail(struct row *r, enum err rc, const char *why)
{
	r->rc = rc;
	snprintf(r->error, sizeof(r->error), "%s", why);
}

/* Is id one of the first column's values of r (NULL: none)? */
static int
listed(const PGresult *r, const char *id)
{
	int i;

	for (i = 0; r != NULL && i < PQntuples(r); i++)
		if (strcmp(db_val(r, i, 0), id) == 0)
			return 1;
	return 0;
}

/* "{1,2,3}": the ids of c's first n rows that skip does not list. */
static void
id_list(struct buf *out, const PGresult *c, int n, const PGresult *skip)
{
	int i, k = 0;

	buf_reset(out);
	buf_addc(out, '{');
	for (i = 0; i < n; i++)
		if (!listed(skip, db_val(c, i, 0)))
			buf_printf(out, "%s%s", k++ > 0 ? "," : "",
			    db_val(c, i, 0));
	buf_addc(out, '}');
}

/*
 * Claims the batch: locks up to limit due rows (SQL_CLAIM), keeps the
 * prefix whose bodies fit BATCH_BYTES less the rows that wait for an
 * earlier delivery of their lead (SQL_WAITING), reads and parses them.
 * The other locked rows are left queued (their locks end with the batch).
 */
static enum err
claim(struct batch *b, struct db *db, int limit)
{
	struct buf ids;
	char lim[16];
	const char *v[2];
	PGresult *c, *w = NULL;
	long long bytes = 0;
	enum err rc;
	int i, n;

	snprintf(lim, sizeof(lim), "%d", limit);
	v[0] = b->def->endpoint;
	v[1] = lim;
	if ((c = db_exec(db, SQL_CLAIM, 2, v, &rc)) == NULL)
		return rc;
	for (n = 0; n < PQntuples(c); n++) {
		bytes += strtoll(db_val(c, n, 1), NULL, 10);
		if (n > 0 && bytes > BATCH_BYTES)
			break;
	}
	if (n == 0) {
		PQclear(c);
		return ERR_OK;
	}
	buf_init(&ids);
	id_list(&ids, c, n, NULL);
	if ((rc = buf_err(&ids)) == ERR_OK) {
		v[1] = buf_str(&ids);
		w = db_exec(db, SQL_WAITING, 2, v, &rc);
	}
	if (w != NULL && PQntuples(w) > 0)
		id_list(&ids, c, n, w);
	PQclear(c);
	PQclear(w);
	if (rc == ERR_OK && (rc = buf_err(&ids)) == ERR_OK &&
	    strcmp(buf_str(&ids), "{}") != 0) {
		v[0] = buf_str(&ids);
		b->data = db_exec(db, SQL_ROWS, 1, v, &rc);
	} else if (rc == ERR_OK) {
		/* Every claimed row waits for an earlier one. */
		buf_free(&ids);
		return ERR_OK;
	}
	buf_free(&ids);
	if (b->data == NULL)
		return rc;
	n = PQntuples(b->data);
	if ((b->rows = calloc((size_t)(n > 0 ? n : 1), sizeof(*b->rows))) ==
	    NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		struct row *r = &b->rows[i];
		char err[256];

		b->n++;
		r->id = strtoll(db_val(b->data, i, RW_ID), NULL, 10);
		buf_init(&r->body);
		r->m.endpoint = b->def->endpoint;
		r->m.reqid = db_val(b->data, i, RW_REQID);
		r->m.amo_reqid = db_val(b->data, i, RW_AMO);
		r->m.remote = db_val(b->data, i, RW_REMOTE);
		r->m.user_agent = db_val(b->data, i, RW_UA);
		r->m.ctype = db_val(b->data, i, RW_CTYPE);
		if ((rc = hook_unhex(db_val(b->data, i, RW_BODY), &r->body)) ==
		    ERR_NOMEM)
			return rc;
		if (rc != ERR_OK) {
			row_fail(r, rc, "the kept body is not bytea");
			continue;
		}
		r->m.body = r->body.len > 0 ? buf_str(&r->body) : "";
		r->m.bodysz = r->body.len;
		/* Parsed as at the door; a parser change may refuse it now. */
		if (b->def->parse != NULL)
			rc = b->def->parse(b->s, &r->m, &r->ev, &r->res.flat);
		else
			rc = amo_parse(&r->ev, r->m.ctype, r->m.body,
			    r->m.bodysz, &b->s->amo);
		if (rc != ERR_OK) {
			snprintf(err, sizeof(err), "malformed webhook body: %s",
			    err_str(rc));
			row_fail(r, rc, err);
			continue;
		}
		r->parsed = 1;
	}
	return ERR_OK;
}

/* Runs one statement without parameters. */
static enum err
run(struct db *db, const char *sql)
{
	return db_run(db, sql, 0, NULL);
}

/*
 * Stores row r's events with step k into res (the first step's counts are
 * the row's; a later step adds the sale's id, team and moved rules).
 */
static enum err
store(struct batch *b, size_t k, struct row *r)
{
	const struct hook_step *st = &b->def->steps[k];
	struct hook_result mine;
	enum err rc;

	if (k == 0) {
		r->res.processed = (int)r->ev.nleads;
		r->res.saved = r->res.duplicates = r->res.ignored = 0;
		return st->store(b->s, st->db, &r->ev, &r->m, &r->res);
	}
	mine = r->res;
	if ((rc = st->store(b->s, st->db, &r->ev, &r->m, &mine)) != ERR_OK)
		return rc;
	memcpy(r->res.sale_id, mine.sale_id, sizeof(r->res.sale_id));
	memcpy(r->res.targetologist, mine.targetologist,
	    sizeof(r->res.targetologist));
	r->res.rules_moved |= mine.rules_moved;
	return ERR_OK;
}

/*
 * Is rc the failure of a database (lost, stalled) or of memory, not of
 * the rows being applied? A statement's own error leaves the connection
 * open: the row's fault, tried again later without holding up the rest.
 */
static int
db_failure(const struct batch *b, enum err rc)
{
	size_t k;

	if (rc == ERR_TIMEOUT || rc == ERR_NOMEM)
		return 1;
	if (rc != ERR_DB)
		return 0;
	for (k = 0; k < b->def->nsteps; k++)
		if (!db_connected(b->def->steps[k].db))
			return 1;
	return 0;
}

/* Rolls back the later steps' transactions. */
static void
later_rollback(struct batch *b)
{
	size_t k;

	for (k = 1; k < b->def->nsteps; k++)
		db_rollback(b->def->steps[k].db);
}

/* Begins the later steps' transactions. */
static void
later_begin(struct batch *b)
{
	size_t k;

	for (k = 1; k < b->def->nsteps; k++)
		db_begin_timeout(b->def->steps[k].db, BATCH_STATEMENT_MS,
		    DB_WAIT_EACH);
}

/*
 * Applies every parsed row, all steps, no savepoints: the common case.
 * Returns the first error.
 */
static enum err
apply_all(struct batch *b)
{
	enum err rc;
	size_t k;
	int i;

	for (k = 0; k < b->def->nsteps; k++)
		for (i = 0; i < b->n; i++) {
			if (!b->rows[i].parsed)
				continue;
			/* Its log lines carry the request's id, as at the door. */
			log_reqid(b->rows[i].m.reqid);
			rc = store(b, k, &b->rows[i]);
			log_reqid(NULL);
			if (rc != ERR_OK)
				return rc;
		}
	return ERR_OK;
}

/*
 * Applies the parsed rows one by one, each step inside a savepoint: a row
 * whose store fails is rolled back in every database and set aside, the
 * others go on. Returns ERR_OK or the database's failure.
 */
static enum err
apply_each(struct batch *b)
{
	char why[256];
	enum err rc, serr;
	size_t k, j;
	int i;

	for (i = 0; i < b->n; i++) {
		struct row *r = &b->rows[i];

		if (!r->parsed)
			continue;
		for (k = 0; k < b->def->nsteps; k++) {
			struct db *db = b->def->steps[k].db;

			if ((rc = run(db, "SAVEPOINT inbox_row")) != ERR_OK)
				return rc;
			log_reqid(r->m.reqid);
			serr = store(b, k, r);
			log_reqid(NULL);
			if (serr == ERR_OK)
				continue;
			if (db_failure(b, serr))
				return serr;
			for (j = 0; j <= k; j++)
				if ((rc = run(b->def->steps[j].db,
				         "ROLLBACK TO SAVEPOINT inbox_row")) !=
				    ERR_OK)
					return rc;
			snprintf(why, sizeof(why), "could not store: %s",
			    err_str(serr));
			row_fail(r, serr, why);
			log_warnx("%s: delivery %lld set aside: %s",
			    b->def->endpoint, r->id, why);
			break;
		}
		if (k == b->def->nsteps)
			for (j = 0; j < k; j++)
				if ((rc = run(b->def->steps[j].db,
				         "RELEASE SAVEPOINT inbox_row")) !=
				    ERR_OK)
					return rc;
	}
	return ERR_OK;
}

/* The rows' ends, as amosync_inbox_finish() takes them. */
static enum err
ends(struct batch *b, size_t keep, struct buf *out)
{
	struct jw w;
	int i;

	jw_init(&w, out);
	jw_arr(&w, NULL);
	for (i = 0; i < b->n; i++) {
		const struct row *r = &b->rows[i];
		int ok = r->parsed && r->rc == ERR_OK;

		jw_obj(&w, NULL);
		jw_int(&w, "id", r->id);
		jw_bool(&w, "ok", ok);
		jw_str(&w, "outcome", ok ? hook_outcome(&r->res) : NULL);
		jw_int(&w, "saved", r->res.saved);
		jw_int(&w, "duplicates", r->res.duplicates);
		jw_str(&w, "error", ok ? NULL : r->error);
		jw_int(&w, "keep", (long long)keep);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	return buf_err(out);
}

/* After the commit: metrics, and the earlier rows of moved rules. */
static void
after(struct batch *b, struct inbox_stats *st)
{
	const struct hook_step *rt = &b->def->retarget;
	enum err rc;
	int i;

	for (i = 0; i < b->n; i++) {
		struct row *r = &b->rows[i];

		if (!r->parsed || r->rc != ERR_OK) {
			st->failed++;
			metrics_webhook(b->def->endpoint, "failed");
			continue;
		}
		st->done++;
		st->leads += r->res.processed;
		metrics_webhook(b->def->endpoint, hook_outcome(&r->res));
		if (r->res.rules_moved && rt->store != NULL &&
		    (rc = rt->store(b->s, rt->db, &r->ev, &r->m, &r->res)) !=
		        ERR_OK)
			log_warnx("%s: could not give the new team to the "
			          "earlier rows: %s",
			    b->def->endpoint, err_str(rc));
	}
}

enum err
inbox_drain(struct sales_ctx *s, const struct hook_def *def, int limit,
    struct inbox_stats *st)
{
	struct db *db = def->steps[0].db;
	struct batch b = { .s = s, .def = def };
	struct buf out;
	char attempts[16];
	const char *v[2];
	enum err rc;
	size_t k;

	memset(st, 0, sizeof(*st));
	buf_init(&out);
	db_begin_timeout(db, BATCH_STATEMENT_MS, DB_WAIT_EACH);
	if ((rc = claim(&b, db, limit)) != ERR_OK || b.n == 0)
		goto out;
	st->claimed = b.n;
	later_begin(&b);
	if ((rc = run(db, "SAVEPOINT inbox_batch")) != ERR_OK)
		goto out;
	if ((rc = apply_all(&b)) != ERR_OK) {
		if (db_failure(&b, rc))
			goto out;
		/* One row refused: the batch again, row by row. */
		later_rollback(&b);
		if ((rc = run(db, "ROLLBACK TO SAVEPOINT inbox_batch")) !=
		    ERR_OK)
			goto out;
		later_begin(&b);
		if ((rc = apply_each(&b)) != ERR_OK)
			goto out;
	}
	for (k = 1; k < def->nsteps; k++)
		if ((rc = db_commit(def->steps[k].db)) != ERR_OK)
			goto out;
	snprintf(attempts, sizeof(attempts), "%lld",
	    cfg_int(&s->app->cfg, CFG_INBOX_ATTEMPTS));
	if ((rc = ends(&b, hook_keep(s), &out)) != ERR_OK)
		goto out;
	v[0] = buf_str(&out);
	v[1] = attempts;
	if ((rc = db_run(db, SQL_FINISH, 2, v)) != ERR_OK ||
	    (rc = db_commit(db)) != ERR_OK)
		goto out;
	after(&b, st);
out:
	if (rc != ERR_OK) {
		later_rollback(&b);
		log_warnx("%s: a batch of %d deliveries is left queued: %s",
		    def->endpoint, b.n, err_str(rc));
	}
	db_rollback(db);
	batch_free(&b);
	buf_free(&out);
	return rc;
}

/* spool_fn: a spooled request is done once the inbox keeps it. */
static enum err
replay_one(void *arg, const struct spool_meta *m)
{
	struct batch *b = arg;
	struct hook_result res;
	char err[256];
	enum err rc;

	rc = inbox_accept(b->s, b->def, m, &res, err, sizeof(err));
	if (rc == ERR_DB || rc == ERR_TIMEOUT)
		return ERR_DB;
	return rc == ERR_OK || res.recorded ? ERR_OK : rc;
}

int
inbox_replay(struct sales_ctx *s, const struct hook_def *def,
    struct spool_stats *st)
{
	struct batch b = { .s = s, .def = def };

	return spool_replay(cfg_str(&s->app->cfg, CFG_SPOOL_DIR), def->endpoint,
	    replay_one, &b, st);
}

enum err
inbox_counts(struct db *db, int days, long *queued, double *oldest, long *dead)
{
	char d[16];
	const char *v[1] = { d };
	PGresult *r;
	enum err rc;

	snprintf(d, sizeof(d), "%d", days);
	if ((r = db_exec(db, SQL_COUNTS, 1, v, &rc)) == NULL)
		return rc;
	*queued = strtol(db_val(r, 0, 0), NULL, 10);
	*oldest = strtod(db_val(r, 0, 1), NULL);
	*dead = strtol(db_val(r, 0, 2), NULL, 10);
	PQclear(r);
	return ERR_OK;
}
