#ifndef AMOSYNC_LANDING_PUSH_H
#define AMOSYNC_LANDING_PUSH_H

#include "amocrm/api.h"
#include "base/err.h"
#include "io/db.h"

/*
 * The push of landing leads into amoCRM (the original landing admin's
 * "Выгрузить в AmoCRM"): a request queues leads (landing/leads) and
 * enqueues outbox jobs of kind OUTBOX_LANDING_PUSH, one per
 * AMOCRM_COMPLEX_MAX leads; the worker runs landing_push_run() for each:
 * it claims up to AMOCRM_COMPLEX_MAX queued leads, looks each one's
 * contact up in amoCRM by phone, then e-mail (GET /api/v4/contacts?query=)
 * and links it instead of creating another, and creates the leads with
 * one POST /api/v4/leads/complex in the Express pipeline. Requests go
 * through the client's host-wide rate limit.
 */

struct landing_push_opts {
	long long pipeline_id;
	long long status_id;
	long long utm_fields[5]; /* source, medium, campaign, content, term */
};

struct landing_push_outcome {
	int permanent;    /* do not retry */
	long retry_after; /* seconds amoCRM asked for */
	long long pushed; /* leads created */
	char error[512];
};

/*
 * Queues lead id (NULL: all) on landing and enqueues the jobs on traffic
 * (outbox_jobs; the two databases share no transaction). The leads are
 * queued first and the jobs enqueued after, one per AMOCRM_COMPLEX_MAX
 * leads queued now and at least one, so a worker that takes a job at once
 * finds its leads, and leads left queued by an earlier failed enqueue are
 * taken by the next call's job; a job that finds nothing queued is done
 * at once. Counts as landing_leads_queue(); *jobs the jobs added.
 */
enum err landing_push_queue(struct db *landing, struct db *traffic,
    const char *id, long long *total, long long *queued, long long *skipped,
    long long *jobs, struct jw *lead);

/* Runs one push job. ERR_OK: done (possibly nothing to do). */
enum err landing_push_run(struct db *landing, struct amocrm *a,
    const struct landing_push_opts *o, struct landing_push_outcome *out);

#endif
