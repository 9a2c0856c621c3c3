#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jw.h"
#include "base/log.h"
#include "io/outbox.h"

const char *const outbox_kinds[OUTBOX_KIND__MAX] = {
	"enrich",       /* OUTBOX_ENRICH */
	"announce",     /* OUTBOX_ANNOUNCE */
	"landing_push", /* OUTBOX_LANDING_PUSH */
	"fb_import",    /* OUTBOX_FB_IMPORT */
};

const char *const outbox_states[OUTBOX_STATE__MAX + 1] = {
	"pending", /* OUTBOX_PENDING */
	"running", /* OUTBOX_RUNNING */
	"done",    /* OUTBOX_DONE */
	"dead",    /* OUTBOX_DEAD */
	NULL,
};

const char *const outbox_lanes[OUTBOX_LANE__MAX] = {
	"announce", /* OUTBOX_LANE_ANNOUNCE */
	"bulk",     /* OUTBOX_LANE_BULK */
};

const enum outbox_lane outbox_kind_lanes[OUTBOX_KIND__MAX] = {
	[OUTBOX_ENRICH] = OUTBOX_LANE_BULK, /* its newest: the announce lane */
	[OUTBOX_ANNOUNCE] = OUTBOX_LANE_ANNOUNCE,
	[OUTBOX_LANDING_PUSH] = OUTBOX_LANE_BULK,
	[OUTBOX_FB_IMPORT] = OUTBOX_LANE_BULK,
};

/*
 * The kind whose newest due job the announce lane takes when it has none
 * of its own: the step an announcement waits for.
 */
#define OUTBOX_ANNOUNCE_FEED OUTBOX_ENRICH

const char *
outbox_kind_name(enum outbox_kind k)
{
	return k >= 0 && k < OUTBOX_KIND__MAX ? outbox_kinds[k] : "unknown";
}

enum outbox_kind
outbox_kind_parse(const char *s)
{
	int k;

	for (k = 0; k < OUTBOX_KIND__MAX; k++)
		if (s != NULL && strcmp(s, outbox_kinds[k]) == 0)
			break;
	return (enum outbox_kind)k;
}

enum outbox_state
outbox_state_parse(const char *s)
{
	int k;

	for (k = 0; k < OUTBOX_STATE__MAX; k++)
		if (s != NULL && strcmp(s, outbox_states[k]) == 0)
			break;
	return (enum outbox_state)k;
}

/* sql/traffic/functions/outbox.sql: the one writer of new jobs. */
static const char SQL_ENQUEUE[] = "SELECT outbox_enqueue($1, $2::jsonb, $3)";

/*
 * The next due job: pending and due, or running with an expired lease (its
 * worker died or hung). SKIP LOCKED lets concurrent workers pass over a
 * row another one is claiming right now. $3 the kinds to take (a text[]
 * literal); $4 true: also the kinds this build does not know, those not
 * in $5 (the bulk lane takes them, to fail and retry them). SQL_CLAIM
 * takes the oldest due job, SQL_CLAIM_NEWEST the newest (the announce
 * lane's enrich job); the index: sql/traffic/050-outbox-lanes.sql.
 */
#define SQL_CLAIM_OF(order)                                                    \
	"UPDATE outbox_jobs SET state = 'running', claimed_by = $1,"           \
	" claimed_until = now() + make_interval(secs => $2::int),"             \
	" attempts = attempts + 1"                                             \
	" WHERE id = (SELECT id FROM outbox_jobs"                              \
	"  WHERE ((state = 'pending' AND next_attempt_at <= now())"            \
	"   OR (state = 'running' AND claimed_until < now()))"                 \
	"  AND (kind = ANY($3::text[])"                                        \
	"   OR ($4::boolean AND kind <> ALL($5::text[])))"                     \
	"  ORDER BY " order " LIMIT 1 FOR UPDATE SKIP LOCKED)"                 \
	" RETURNING id, kind, payload::text, attempts"

static const char SQL_CLAIM[] = SQL_CLAIM_OF("next_attempt_at, id");
static const char SQL_CLAIM_NEWEST[] = SQL_CLAIM_OF("id DESC");

/* The columns SQL_CLAIM returns. */
enum claim_col { CC_ID, CC_KIND, CC_PAYLOAD, CC_ATTEMPTS, CC__MAX };

static const char SQL_DONE[] =
    "UPDATE outbox_jobs SET state = 'done', done_at = now(),"
    " claimed_until = NULL, last_error = NULL"
    " WHERE id = $1::bigint AND claimed_by = $2 AND state = 'running'";

static const char SQL_FAIL[] =
    "UPDATE outbox_jobs SET state = CASE WHEN $4::boolean THEN 'dead'"
    " ELSE 'pending' END,"
    " next_attempt_at = now() + make_interval(secs => $3::int),"
    " claimed_until = NULL, last_error = $5"
    " WHERE id = $1::bigint AND claimed_by = $2 AND state = 'running'";

static const char SQL_REQUEUE[] =
    "UPDATE outbox_jobs SET state = 'pending', attempts = 0,"
    " next_attempt_at = now(), claimed_by = NULL, claimed_until = NULL"
    " WHERE id = $1::bigint AND state = 'dead' RETURNING id";

static const char SQL_LIST[] =
    "SELECT coalesce(json_agg(j), '[]'::json)::text FROM ("
    " SELECT id, kind, payload, state, attempts, next_attempt_at,"
    "  claimed_by, last_error, created_at, updated_at, done_at"
    " FROM outbox_jobs WHERE $1::text IS NULL OR state = $1"
    " ORDER BY id DESC LIMIT $2::int) j";

/* The heartbeat: every job worker holds lasts lease seconds more. */
static const char SQL_RENEW[] = "UPDATE outbox_jobs SET claimed_until = now() +"
                                " make_interval(secs => $2::int)"
                                " WHERE claimed_by = $1 AND state = 'running'";

/* Not now, not a failure: the attempt is given back. */
static const char SQL_POSTPONE[] =
    "UPDATE outbox_jobs SET state = 'pending',"
    " attempts = greatest(attempts - 1, 0),"
    " next_attempt_at = now() + make_interval(secs => $3::int),"
    " claimed_until = NULL, last_error = $4"
    " WHERE id = ANY($1::bigint[]) AND claimed_by = $2"
    " AND state = 'running'";

/* Claims the given pending jobs of one kind for worker. */
static const char SQL_CLAIM_IDS[] =
    "UPDATE outbox_jobs SET state = 'running', claimed_by = $2,"
    " claimed_until = now() + make_interval(secs => $3::int),"
    " attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM outbox_jobs WHERE id = ANY($1::bigint[])"
    "  AND kind = $4 AND state = 'pending' ORDER BY id"
    "  FOR UPDATE SKIP LOCKED)"
    " RETURNING id";

/*
 * After the remote side accepted the work: done whoever holds the jobs
 * now, unless they are done already (a worker that took over the lease
 * cannot undo what was sent; it may be sending it again, which is the
 * documented window).
 */
static const char SQL_DONE_IDS[] =
    "UPDATE outbox_jobs SET state = 'done', done_at = now(),"
    " claimed_until = NULL, last_error = $2"
    " WHERE id = ANY($1::bigint[]) AND state <> 'done'";

static const char SQL_STATE[] =
    "SELECT state, last_error FROM outbox_jobs WHERE id = $1::bigint";

enum err
outbox_enqueue(struct db *db, enum outbox_kind kind, const char *payload,
    const char *dedup_key, long long *id)
{
	const char *v[3] = { outbox_kind_name(kind), payload, dedup_key };
	PGresult *res;
	enum err rc;

	*id = 0;
	if ((res = db_exec(db, SQL_ENQUEUE, 3, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		*id = strtoll(db_val(res, 0, 0), NULL, 10);
	PQclear(res);
	return ERR_OK;
}

void
outbox_job_free(struct outbox_job *job)
{
	if (job == NULL)
		return;
	free(job->payload);
	memset(job, 0, sizeof(*job));
}

/* Appends the names of the kinds k with want[k] as a text[] literal. */
static void
kinds_of(char *out, size_t size, const int want[OUTBOX_KIND__MAX])
{
	size_t len = 0;
	int k;

	len += (size_t)snprintf(out, size, "{");
	for (k = 0; k < OUTBOX_KIND__MAX && len < size; k++)
		if (want[k])
			len += (size_t)snprintf(out + len, size - len, "%s%s",
			    len > 1 ? "," : "", outbox_kinds[k]);
	if (len < size)
		snprintf(out + len, size - len, "}");
}

/* Runs one of the claim statements with kinds ($3), into job. */
static enum err
claim(struct db *db, const char *sql, const char *worker, int lease,
    const int want[OUTBOX_KIND__MAX], int unknown, struct outbox_job *job,
    int *got)
{
	int all[OUTBOX_KIND__MAX];
	char secs[16], kinds[256], known[256];
	const char *v[5] = { worker, secs, kinds, unknown ? "true" : "false",
		known };
	PGresult *res;
	enum err rc;
	int k;

	for (k = 0; k < OUTBOX_KIND__MAX; k++)
		all[k] = 1;
	snprintf(secs, sizeof(secs), "%d", lease);
	kinds_of(kinds, sizeof(kinds), want);
	kinds_of(known, sizeof(known), all);
	if ((res = db_exec(db, sql, 5, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 1) {
		job->id = strtoll(db_val(res, 0, CC_ID), NULL, 10);
		job->kind = outbox_kind_parse(db_val(res, 0, CC_KIND));
		job->payload = strdup(db_val(res, 0, CC_PAYLOAD));
		job->attempts = (int)strtol(db_val(res, 0, CC_ATTEMPTS), NULL,
		    10);
		if (job->payload == NULL) {
			outbox_job_free(job);
			rc = ERR_NOMEM;
		} else {
			*got = 1;
		}
	}
	PQclear(res);
	return rc;
}

/*
 * The announce lane's turns in this process: every other one tries the
 * newest enrich job before the lane's own jobs, so a stream of due
 * announce jobs (a bulk's, gathering into digests) cannot hold back the
 * enrichment of a sale that just came in. The worker is one thread.
 */
static unsigned int announce_turns;

enum err
outbox_claim(struct db *db, const char *worker, int lease,
    enum outbox_lane lane, struct outbox_job *job, int *got)
{
	int want[OUTBOX_KIND__MAX] = { 0 }, feed[OUTBOX_KIND__MAX] = { 0 };
	enum err rc = ERR_OK;
	int k, step, own;

	memset(job, 0, sizeof(*job));
	*got = 0;
	for (k = 0; k < OUTBOX_KIND__MAX; k++)
		want[k] = outbox_kind_lanes[k] == lane;
	if (lane != OUTBOX_LANE_ANNOUNCE)
		return claim(db, SQL_CLAIM, worker, lease, want, 1, job, got);
	feed[OUTBOX_ANNOUNCE_FEED] = 1;
	own = (int)(announce_turns++ % 2); /* the step of its own jobs */
	for (step = 0; step < 2 && rc == ERR_OK && !*got; step++)
		rc = step == own
		    ? claim(db, SQL_CLAIM, worker, lease, want, 0, job, got)
		    : claim(db, SQL_CLAIM_NEWEST, worker, lease, feed, 0, job,
		          got);
	return rc;
}

enum err
outbox_done(struct db *db, const struct outbox_job *job, const char *worker)
{
	char id[32];
	const char *v[2] = { id, worker };

	snprintf(id, sizeof(id), "%lld", job->id);
	return db_run(db, SQL_DONE, 2, v);
}

long
outbox_backoff(int attempts, unsigned int seed)
{
	long base, jitter;
	int n = attempts < 1 ? 1 : attempts;

	/* 2, 4, 8 ... seconds, capped at an hour, then +-25% jitter. */
	base = n >= 12 ? 3600 : 1L << n;
	if (base > 3600)
		base = 3600;
	jitter = base / 2 > 0 ? (long)(seed % (unsigned long)(base / 2 + 1))
	                      : 0;
	return base - base / 4 + jitter;
}

enum err
outbox_fail(struct db *db, const struct outbox_job *job, const char *worker,
    const char *error, long retry_after, int permanent, int max_attempts,
    int *dead)
{
	char id[32], secs[32];
	const char *v[5] = { id, worker, secs, NULL, error };
	long delay;

	*dead = permanent || job->attempts >= max_attempts;
	delay = retry_after > 0
	    ? retry_after
	    : outbox_backoff(job->attempts, (unsigned int)rand());
	snprintf(id, sizeof(id), "%lld", job->id);
	snprintf(secs, sizeof(secs), "%ld", delay);
	v[3] = *dead ? "true" : "false";
	if (*dead)
		log_warnx("job %lld (%s) is dead after %d attempts: %s",
		    job->id, outbox_kind_name(job->kind), job->attempts, error);
	else
		log_info("job %lld (%s) failed, retry in %lds: %s", job->id,
		    outbox_kind_name(job->kind), delay, error);
	return db_run(db, SQL_FAIL, 5, v);
}

enum err
outbox_requeue(struct db *db, long long id)
{
	char sid[32];
	const char *v[1] = { sid };
	PGresult *res;
	enum err rc;

	snprintf(sid, sizeof(sid), "%lld", id);
	if ((res = db_exec(db, SQL_REQUEUE, 1, v, &rc)) == NULL)
		return rc;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	return rc;
}

enum err
outbox_list(struct db *db, enum outbox_state state, int limit, struct jw *w)
{
	char lim[16];
	const char *v[2] = { outbox_states[state], lim };
	PGresult *res;
	enum err rc;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, SQL_LIST, 2, v, &rc)) == NULL)
		return rc;
	jw_str(w, "state", outbox_states[state]);
	jw_raw(w, "jobs", db_val(res, 0, 0));
	PQclear(res);
	return buf_err(w->out);
}

enum err
outbox_state(struct db *db, long long id, enum outbox_state *state,
    char **error)
{
	char sid[32];
	const char *v[1] = { sid };
	PGresult *res;
	enum err rc;

	*state = OUTBOX_STATE__MAX;
	*error = NULL;
	snprintf(sid, sizeof(sid), "%lld", id);
	if ((res = db_exec(db, SQL_STATE, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	*state = outbox_state_parse(db_val(res, 0, 0));
	rc = ERR_OK;
	if (db_val(res, 0, 1) != NULL &&
	    (*error = strdup(db_val(res, 0, 1))) == NULL)
		rc = ERR_NOMEM;
	PQclear(res);
	return rc;
}

/* Done jobs only: dead letters wait for the operator. */
static const char SQL_PRUNE[] =
    "DELETE FROM outbox_jobs WHERE id IN (SELECT id FROM outbox_jobs"
    " WHERE state = 'done' AND done_at < now() - make_interval(days =>"
    " $1::int) ORDER BY done_at LIMIT $2::int)";

enum err
outbox_prune(struct db *db, int days, int limit, long *n)
{
	char d[16], l[16];
	const char *v[2] = { d, l };

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	return db_run_count(db, SQL_PRUNE, 2, v, n);
}

enum err
outbox_renew(struct db *db, const char *worker, int lease)
{
	char secs[16];
	const char *v[2] = { worker, secs };

	snprintf(secs, sizeof(secs), "%d", lease);
	return db_run(db, SQL_RENEW, 2, v);
}

enum err
outbox_postpone(struct db *db, const char *ids, const char *worker, long secs,
    const char *why)
{
	char s[32];
	const char *v[4] = { ids, worker, s, why };

	snprintf(s, sizeof(s), "%ld", secs > 0 ? secs : 1);
	return db_run(db, SQL_POSTPONE, 4, v);
}

enum err
outbox_claim_ids(struct db *db, const char *ids, enum outbox_kind kind,
    const char *worker, int lease, PGresult **claimed)
{
	char secs[16];
	const char *v[4] = { ids, worker, secs, outbox_kind_name(kind) };
	enum err rc;

	snprintf(secs, sizeof(secs), "%d", lease);
	*claimed = db_exec(db, SQL_CLAIM_IDS, 4, v, &rc);
	return rc;
}

enum err
outbox_done_ids(struct db *db, const char *ids, const char *note)
{
	const char *v[2] = { ids, note };

	return db_run(db, SQL_DONE_IDS, 2, v);
}
