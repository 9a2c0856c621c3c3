#ifndef AMOSYNC_LANDING_SYNC_H
#define AMOSYNC_LANDING_SYNC_H

#include "amocrm/api.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The pull sync of landing leads with amoCRM (R13, R14): the newest
 * leads of the Express pipeline, their contacts' phones and e-mails,
 * matched in SQL against every landing lead (landing/leads). Each run is
 * a row of sync_runs (landing database; this module is its one writer,
 * and of sync_schedule). A running run holds a lease it renews after
 * every amoCRM call; a second run is refused while the lease lasts, and
 * a run whose process died is marked abandoned once its lease ran out.
 * No session state: it works through a transaction-mode pooler.
 */

#define LANDING_SYNC_KIND "amocrm_pull"

struct landing_sync_opts {
	const char *trigger;      /* "manual" or "schedule" */
	const char *holder;       /* "host:pid", for sync_runs */
	const char *requested_by; /* the admin, or NULL */
	long long limit;          /* amoCRM leads to read */
	long long pipeline_id;
	int lease;    /* seconds (AMOSYNC_SYNC_LEASE) */
	int list_max; /* bound of the synced/not_synced/ambiguous lists */
};

struct landing_sync_result {
	long long run_id;       /* 0 when none was started */
	long long running_id;   /* ERR_CONFLICT: the run in the way */
	char running_since[40]; /* and when it started (UTC, ISO) */
	long amocrm_status;     /* last HTTP status from amoCRM */
	char error[AMOCRM_REASON_LEN + 192]; /* why a run failed, readable */
	struct buf data; /* on success: the JSON object of "data" */
};

/*
 * Runs one sync: starts a run (ERR_CONFLICT when one is running: see
 * running_id), fetches, matches, records the outcome. Returns ERR_OK
 * with res->data, or the error that ended the run (amoCRM's: ERR_AUTH,
 * ERR_PERM, ERR_RATE, ERR_HTTP, ERR_TIMEOUT; ERR_DB), with res->error
 * saying what to do, also recorded in sync_runs. The caller frees res
 * with landing_sync_result_free() in every case. a->tick is used during
 * the run and restored.
 */
enum err landing_sync(struct db *db, struct amocrm *a,
    const struct landing_sync_opts *o, struct landing_sync_result *res);
void landing_sync_result_free(struct landing_sync_result *res);

/*
 * Claims the scheduled slot: *due is 1 for exactly one caller per
 * interval seconds across all processes and hosts (the first ever slot
 * is due at once).
 */
enum err landing_sync_due(struct db *db, const char *holder, int interval,
    int *due);

/* Writes member "runs":[...] (newest first, at most limit) into w. */
enum err landing_sync_runs(struct db *db, int limit, struct jw *w);

/*
 * Deletes finished sync runs started more than days ago, at most limit
 * of them; *n gets how many. ERR_DB.
 */
enum err landing_sync_prune(struct db *db, int days, int limit, long *n);

#endif
