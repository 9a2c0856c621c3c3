#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "sales/ingest.h"

/*
 * Each statement of a webhook's transaction gives up after this long, so
 * the answer (spooled if need be) reaches amoCRM within its 2 seconds.
 */
#define STATEMENT_TIMEOUT_MS 1500

/*
 * The raw request as answered: amosync_record_request(), in each
 * database's webhook-functions migration (044 traffic, 041 landing).
 */
static const char SQL_RECORD[] =
    "SELECT amosync_record_request($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
    " $11, $12, $13)";

char *
hook_hex(const char *body, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *out, *p;
	size_t i;

	if (body == NULL)
		return NULL;
	if ((out = malloc(3 + 2 * n)) == NULL)
		return NULL;
	p = out;
	*p++ = '\\';
	*p++ = 'x';
	for (i = 0; i < n; i++) {
		*p++ = hex[(unsigned char)body[i] >> 4];
		*p++ = hex[(unsigned char)body[i] & 15];
	}
	*p = '\0';
	return out;
}

const char *
hook_outcome(const struct hook_result *r)
{
	if (r->saved > 0)
		return "saved";
	if (r->duplicates > 0)
		return "duplicate";
	if (r->processed == 0)
		return "no_leads";
	return "ignored";
}

/* The parameters of SQL_RECORD, with the buffers they point into. */
struct rec {
	char size[32], st[16], proc[16], saved[16];
	char *hex;
	const char *v[13];
};

/*
 * Fills rec's parameters: the first keep bytes of the body (the whole
 * size is recorded in body_size); ERR_NOMEM. Free with free(rec->hex).
 */
static enum err
rec_init(struct rec *rec, const struct spool_meta *m, size_t keep, int status,
    const char *outcome, const char *error, const struct hook_result *r)
{
	rec->hex = NULL;
	if (keep > m->bodysz)
		keep = m->bodysz;
	if (m->body != NULL && (rec->hex = hook_hex(m->body, keep)) == NULL)
		return ERR_NOMEM;
	snprintf(rec->size, sizeof(rec->size), "%zu", m->bodysz);
	snprintf(rec->st, sizeof(rec->st), "%d", status);
	snprintf(rec->proc, sizeof(rec->proc), "%d",
	    r != NULL ? r->processed : 0);
	snprintf(rec->saved, sizeof(rec->saved), "%d",
	    r != NULL ? r->saved : 0);
	rec->v[0] = m->endpoint;
	rec->v[1] = m->reqid ? m->reqid : "";
	rec->v[2] = m->amo_reqid ? m->amo_reqid : "";
	rec->v[3] = m->remote ? m->remote : "";
	rec->v[4] = m->user_agent ? m->user_agent : "";
	rec->v[5] = m->ctype ? m->ctype : "";
	rec->v[6] = rec->size;
	rec->v[7] = rec->hex;
	rec->v[8] = rec->st;
	rec->v[9] = outcome;
	rec->v[10] = error;
	rec->v[11] = rec->proc;
	rec->v[12] = rec->saved;
	return ERR_OK;
}

/* Inserts the webhook_requests row; in the caller's transaction if any. */
static enum err
record(struct db *db, const struct spool_meta *m, size_t keep, int status,
    const char *outcome, const char *error, const struct hook_result *r)
{
	struct rec rec;
	enum err rc;

	if ((rc = rec_init(&rec, m, keep, status, outcome, error, r)) == ERR_OK)
		rc = db_run(db, SQL_RECORD, 13, rec.v);
	free(rec.hex);
	return rc;
}

/* Records the request and commits, in one round trip. */
static enum err
record_commit(struct db *db, const struct spool_meta *m,
    const struct hook_result *r)
{
	struct db_stmt st;
	PGresult *res;
	struct rec rec;
	enum err rc;

	/* A stored request keeps its whole body: it can be replayed. */
	if ((rc = rec_init(&rec, m, m->bodysz, 200, hook_outcome(r), NULL,
	         r)) == ERR_OK) {
		st = (struct db_stmt){ SQL_RECORD, 13, rec.v };
		rc = db_pipeline_commit(db, &st, 1, &res);
		PQclear(res);
	}
	free(rec.hex);
	return rc;
}

enum err
hook_record(struct db *db, const struct spool_meta *m, size_t keep, int status,
    const char *outcome, const char *error)
{
	return record(db, m, keep, status, outcome, error, NULL);
}

/* How much of a rejected body is kept (AMOSYNC_REJECTED_BODY_MAX). */
size_t
hook_keep(const struct sales_ctx *s)
{
	return (size_t)cfg_int(&s->app->cfg, CFG_REJECTED_BODY_MAX);
}

/*
 * Runs one step in one transaction; the first step also records the
 * request. A live request's transaction must end within the statement
 * timeout and a margin (amoCRM waits 2 s); a replay's statements each
 * have that long. A connection lost mid-way is retried once on a fresh
 * connection; the unique keys make the retry harmless.
 */
static enum err
step(struct sales_ctx *s, const struct hook_step *st, int first, int live,
    const struct amo_event *ev, const struct spool_meta *m,
    struct hook_result *res)
{
	struct hook_result mine;
	enum err rc = ERR_DB;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		mine = *res;
		mine.processed = (int)ev->nleads;
		mine.saved = mine.duplicates = mine.ignored = 0;
		/* amoCRM waits 2 s: better spool than hang on a slow DB. */
		if ((rc = db_begin_timeout(st->db, STATEMENT_TIMEOUT_MS,
		         live ? DB_WAIT_TOTAL : DB_WAIT_EACH)) != ERR_OK) {
			/* A lost connection may come back; a silence won't. */
			if (rc == ERR_DB)
				continue;
			break;
		}
		if ((rc = st->store(s, st->db, ev, m, &mine)) == ERR_OK &&
		    (rc = first ? record_commit(st->db, m, &mine)
		                : db_commit(st->db)) == ERR_OK) {
			if (first) {
				*res = mine;
			} else {
				memcpy(res->sale_id, mine.sale_id,
				    sizeof(res->sale_id));
				memcpy(res->targetologist, mine.targetologist,
				    sizeof(res->targetologist));
				res->rules_moved |= mine.rules_moved;
			}
			return ERR_OK;
		}
		db_rollback(st->db);
		/* Only a lost connection is worth a second try now. */
		if (rc != ERR_DB)
			break;
	}
	return rc;
}

enum err
hook_reject(const struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, enum err rc, const char *outcome,
    const char *errbuf, struct hook_result *res)
{
	enum err rrc;

	res->status = err_http(rc);
	rrc = hook_record(def->steps[0].db, m, hook_keep(s), res->status,
	    outcome, errbuf);
	if (rrc == ERR_DB)
		return ERR_DB;
	if (rrc == ERR_OK)
		res->recorded = 1;
	else
		log_warnx("%s: could not record a rejected request: %s",
		    m->endpoint, err_str(rrc));
	return rc;
}

enum err
hook_read(struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, struct amo_event *ev, struct hook_result *res,
    char *errbuf, size_t errlen)
{
	enum err rc;
	int flat = 0;

	if (errlen > 0)
		errbuf[0] = '\0';
	if (def->parse != NULL)
		rc = def->parse(s, m, ev, &flat);
	else
		rc = amo_parse(ev, m->ctype, m->body != NULL ? m->body : "",
		    m->bodysz, &s->amo);
	if (rc != ERR_OK) {
		snprintf(errbuf, errlen, "malformed webhook body: %s",
		    err_str(rc));
		log_warnx("%s: rejected %zu-byte body: %s", m->endpoint,
		    m->bodysz, err_name(rc));
		return hook_reject(s, def, m, rc, "rejected", errbuf, res);
	}
	res->flat = flat;
	res->processed = (int)ev->nleads;
	return ERR_OK;
}

enum err
hook_process(struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, unsigned flags, struct hook_result *res,
    char *errbuf, size_t errlen)
{
	struct amo_event ev;
	enum err rc;
	size_t i;

	memset(res, 0, sizeof(*res));
	if ((rc = hook_read(s, def, m, &ev, res, errbuf, errlen)) != ERR_OK)
		return rc;
	for (i = 0, rc = ERR_OK; i < def->nsteps && rc == ERR_OK; i++)
		rc = step(s, &def->steps[i], i == 0, (flags & HOOK_LIVE) != 0,
		    &ev, m, res);
	if (rc == ERR_OK && res->rules_moved && def->retarget.store != NULL) {
		enum err trc;

		if ((trc = def->retarget.store(s, def->retarget.db, &ev, m,
		         res)) != ERR_OK)
			log_warnx("%s: could not give the new team to the "
			          "earlier rows: %s",
			    m->endpoint, err_str(trc));
	}
	amo_event_free(&ev);
	if (rc == ERR_OK) {
		res->status = 200;
		res->recorded = 1;
		return ERR_OK;
	}
	snprintf(errbuf, errlen, "could not store the webhook: %s",
	    err_str(rc));
	/* Unreachable or stalled: the caller spools it, amoCRM sees 200. */
	if (rc == ERR_DB || rc == ERR_TIMEOUT)
		return ERR_DB;
	return hook_reject(s, def, m, rc, "error", errbuf, res);
}

/* The oldest rows first, a batch at a time: short locks, short WAL. */
static const char SQL_PRUNE[] =
    "DELETE FROM webhook_requests WHERE id IN (SELECT id FROM"
    " webhook_requests WHERE received_at < now() - make_interval(days =>"
    " $1::int) AND state IS DISTINCT FROM 'queued'"
    " ORDER BY received_at LIMIT $2::int)";

enum err
hook_requests_prune(struct db *db, int days, int limit, long *n)
{
	char d[16], l[16];
	const char *v[2] = { d, l };

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	return db_run_count(db, SQL_PRUNE, 2, v, n);
}

static const char SQL_REQUESTS[] =
    "SELECT id, received_at, endpoint, outcome, error, body_size,"
    " substring(raw_body FROM 1 FOR $3::int),"
    " http_status"
    " FROM webhook_requests WHERE ($1 = '' OR outcome = $1"
    "  OR ($1 = 'rejected' AND http_status >= 400))"
    " ORDER BY received_at DESC, id DESC LIMIT $2::int";
enum {
	RQ_ID,
	RQ_AT,
	RQ_ENDPOINT,
	RQ_OUTCOME,
	RQ_ERROR,
	RQ_SIZE,
	RQ_BODY,
	RQ_STATUS
};

/* The most body bytes a listed request shows. */
#define REQUEST_BODY_MAX 16384

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum err
hook_unhex(const char *hex, struct buf *out)
{
	size_t i;
	int hi, lo;

	if (hex == NULL || strncmp(hex, "\\x", 2) != 0)
		return ERR_INPUT;
	for (i = 2; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
		if ((hi = hexval(hex[i])) < 0 || (lo = hexval(hex[i + 1])) < 0)
			return ERR_INPUT;
		buf_addc(out, (char)(hi << 4 | lo));
	}
	return buf_err(out);
}

/*
 * Writes a bytea value (PostgreSQL's hex output, "\\x...") as the text
 * member "body": bytes that are not UTF-8 become U+FFFD (jw), so a body
 * a client mangled is still shown.
 */
static void
body(struct jw *w, const char *hex)
{
	struct buf b;

	buf_init(&b);
	/* A listed body may be cut mid-character: what decodes is shown. */
	if (hook_unhex(hex, &b) != ERR_NOMEM && hex != NULL &&
	    strncmp(hex, "\\x", 2) == 0)
		jw_strn(w, "body", b.len > 0 ? buf_str(&b) : "", b.len);
	else
		jw_null(w, "body");
	buf_free(&b);
}

enum err
hook_requests_list(struct db *db, const char *outcome, int limit, struct jw *w)
{
	char lim[16], max[16];
	const char *v[3] = { outcome != NULL ? outcome : "", lim, max };
	PGresult *res;
	enum err rc;
	int i;

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(max, sizeof(max), "%d", REQUEST_BODY_MAX);
	if ((res = db_exec(db, SQL_REQUESTS, 3, v, &rc)) == NULL)
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(w, NULL);
		jw_numstr(w, "id", db_val(res, i, RQ_ID));
		jw_str(w, "database", db->name);
		jw_str(w, "received_at", db_val(res, i, RQ_AT));
		jw_str(w, "endpoint", db_val(res, i, RQ_ENDPOINT));
		jw_str(w, "outcome", db_val(res, i, RQ_OUTCOME));
		jw_numstr(w, "http_status", db_val(res, i, RQ_STATUS));
		jw_str(w, "error", db_val(res, i, RQ_ERROR));
		jw_numstr(w, "body_size", db_val(res, i, RQ_SIZE));
		body(w, db_val(res, i, RQ_BODY));
		jw_obj_end(w);
	}
	PQclear(res);
	return ERR_OK;
}
