#ifndef AMOSYNC_IO_OUTBOX_H
#define AMOSYNC_IO_OUTBOX_H

#include "base/buf.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * A durable job queue in PostgreSQL (traffic DB, table outbox_jobs).
 * Jobs are enqueued inside the transaction that makes them necessary, so
 * a job exists if and only if its cause was committed. Workers claim jobs
 * with FOR UPDATE SKIP LOCKED; a claim is a lease (claimed_until) that
 * another worker may take over once it expires. Failures are retried with
 * exponential backoff and jitter, or after the server's retry-after;
 * after max_attempts a job is dead until an admin requeues it.
 */

/*
 * The kinds of job (outbox_jobs.kind), the queue's one list of them: a
 * job is enqueued with its kind and the worker dispatches on it
 * (tools/worker.c, one table). The names are what outbox_jobs holds.
 */
enum outbox_kind {
	OUTBOX_ENRICH,   /* a new sale: contacts, verification (sales/jobs) */
	OUTBOX_ANNOUNCE, /* a sale's Telegram message (sales/jobs) */
	OUTBOX_LANDING_PUSH, /* landing leads into amoCRM (landing/push) */
	OUTBOX_FB_IMPORT,    /* an ad account's spend (report/fb_import) */
	OUTBOX_KIND__MAX     /* also: a kind this build does not know */
};

/*
 * Lanes: announcements never wait behind bulk work. Each kind belongs to
 * one lane (outbox_kind_lanes[], io/outbox.c); a worker claims from one
 * lane at a time, and tools/worker.c claims from the announce lane before
 * each bulk job, so an announcement waits for at most the one bulk job
 * in progress (an enrichment, or one landing push batch of at most 50
 * leads).
 *
 * An announcement needs its sale's enrichment (the verification against
 * amoCRM) first, and a bulk of 1 100 sales queues 1 100 enrich jobs. So
 * the announce lane also takes the NEWEST due enrich job (every other
 * turn first, else when it has no announce job due), while the bulk lane
 * takes enrich jobs oldest first: a sale that just came in (the one
 * someone waits to see announced) is verified within two turns, then
 * announced, even while the bulk's own announcements keep the lane busy
 * gathering into digests; a bulk's backlog is eaten from both ends, and
 * the oldest job always progresses through the bulk lane, so nothing
 * starves.
 */
enum outbox_lane {
	OUTBOX_LANE_ANNOUNCE, /* announce jobs, and the newest enrich job */
	OUTBOX_LANE_BULK,     /* enrich (oldest first), landing push, fb */
	OUTBOX_LANE__MAX
};

/* A job's state (outbox_jobs.state, its CHECK constraint). */
enum outbox_state {
	OUTBOX_PENDING, /* waiting for its next attempt */
	OUTBOX_RUNNING, /* claimed by a worker under a lease */
	OUTBOX_DONE,
	OUTBOX_DEAD, /* failed for good until an admin requeues it */
	OUTBOX_STATE__MAX
};

/* The names, indexed by the enums; outbox_states ends with NULL. */
extern const char *const outbox_kinds[OUTBOX_KIND__MAX];
extern const char *const outbox_states[OUTBOX_STATE__MAX + 1];
extern const char *const outbox_lanes[OUTBOX_LANE__MAX];

/* The lane of each kind. */
extern const enum outbox_lane outbox_kind_lanes[OUTBOX_KIND__MAX];

/* The name of kind k; "unknown" for OUTBOX_KIND__MAX. */
const char *outbox_kind_name(enum outbox_kind k);

/* The kind or state named s; OUTBOX_KIND__MAX, OUTBOX_STATE__MAX if none. */
enum outbox_kind outbox_kind_parse(const char *s);
enum outbox_state outbox_state_parse(const char *s);

struct outbox_job {
	long long id;
	enum outbox_kind kind; /* OUTBOX_KIND__MAX: not one of ours */
	char *payload;         /* JSON text */
	int attempts;          /* including this one */
};

/*
 * Enqueues a job unless one with the same dedup_key exists (dedup_key may
 * be NULL). *id is the new job's id, or 0 when it was a duplicate.
 */
enum err outbox_enqueue(struct db *db, enum outbox_kind kind,
    const char *payload, const char *dedup_key, long long *id);

/*
 * Claims the next due job of lane for worker for lease seconds (the
 * order: see the lanes above; a job of a kind this build does not know
 * is in the bulk lane). *got is 0 when there is none. The caller frees
 * job with outbox_job_free().
 */
enum err outbox_claim(struct db *db, const char *worker, int lease,
    enum outbox_lane lane, struct outbox_job *job, int *got);
void outbox_job_free(struct outbox_job *job);

/* Marks a claimed job done (only if worker still holds it). */
enum err outbox_done(struct db *db, const struct outbox_job *job,
    const char *worker);

/*
 * Records a failed attempt. retry_after > 0 is the server's wish in
 * seconds; permanent sends the job straight to the dead letters, as does
 * reaching max_attempts. *dead tells which happened.
 */
enum err outbox_fail(struct db *db, const struct outbox_job *job,
    const char *worker, const char *error, long retry_after, int permanent,
    int max_attempts, int *dead);

/* Seconds to wait before attempt n+1 (n >= 1): 2^n capped, with jitter. */
long outbox_backoff(int attempts, unsigned int seed);

/*
 * The heartbeat: the lease of every job worker holds is renewed for lease
 * seconds from now. Call it more often than lease (the worker: every
 * third), so a live worker keeps its jobs and a dead one loses them soon.
 */
enum err outbox_renew(struct db *db, const char *worker, int lease);

/*
 * Puts jobs ids (a bigint[] literal, "{1,2}") that worker holds back in
 * the queue for secs seconds without counting the attempt: the work was
 * not tried (a rate limit said "not yet"). why is kept as last_error.
 */
enum err outbox_postpone(struct db *db, const char *ids, const char *worker,
    long secs, const char *why);

/*
 * Claims those of the pending jobs ids (a bigint[] literal) of kind that
 * no one else is claiming right now, for worker and lease seconds;
 * *claimed holds their ids (column 0), for the caller to PQclear().
 */
enum err outbox_claim_ids(struct db *db, const char *ids, enum outbox_kind kind,
    const char *worker, int lease, PGresult **claimed);

/*
 * Marks jobs ids (a bigint[] literal) done, whoever holds them: the work
 * was done (a message Telegram accepted) and must not be done again.
 * note (may be NULL) is kept as last_error, e.g. "in digest of job N".
 */
enum err outbox_done_ids(struct db *db, const char *ids, const char *note);

/* Puts a dead job back in the queue: ERR_NOTFOUND unless it is dead. */
enum err outbox_requeue(struct db *db, long long id);

/*
 * Writes the members "state" and "jobs":[...] (at most limit jobs in
 * state, OUTBOX_STATE__MAX = all, newest first) into the open object of w.
 */
enum err outbox_list(struct db *db, enum outbox_state state, int limit,
    struct jw *w);

/* Reads one job's state and last error (the caller frees error). */
enum err outbox_state(struct db *db, long long id, enum outbox_state *state,
    char **error);

/*
 * Deletes jobs done more than days ago, at most limit of them (dead
 * letters stay); *n gets how many. ERR_DB.
 */
enum err outbox_prune(struct db *db, int days, int limit, long *n);

#endif
