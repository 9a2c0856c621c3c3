#ifndef AMOSYNC_REPORT_FB_IMPORT_H
#define AMOSYNC_REPORT_FB_IMPORT_H

#include <stddef.h>

#include "base/cfg.h"
#include "base/jw.h"
#include "fb/api.h"
#include "io/db.h"

/*
 * The import of ad spend from Facebook (issue 25): each ad account of the
 * active teams (traffic_teams.fb_ad_account_id, ids separated by commas)
 * is read through fb/api per campaign and day and stored in ad_spend
 * (report/ad_spend, its writer). An import of one account over a range of
 * days is an outbox job (kind fb_import, the bulk lane) that the worker
 * runs through fb_import_run(); the jobs are enqueued by the schedule
 * (fb_import_tick(): yesterday and today every AMOSYNC_FB_IMPORT_INTERVAL,
 * the last AMOSYNC_FB_REVISE_DAYS days every AMOSYNC_FB_REVISE_INTERVAL,
 * each slot claimed by one worker on all hosts) and by an admin's
 * backfill (fb_import_request()). Every run is a row of fb_import_runs
 * (this module is its writer, and of fb_import_schedule); a running run
 * locks its account on every host, so one account is never imported
 * twice at once. Days are the business time zone's (AMOSYNC_TIMEZONE).
 */

/* What the worker does with the job after fb_import_run(). */
enum fb_import_next {
	FB_IMPORT_DONE,     /* finished: imported, or failed for a person */
	FB_IMPORT_POSTPONE, /* put back without an attempt for wait secs */
	FB_IMPORT_RETRY,    /* a transient failure: retry with backoff */
};

struct fb_import_outcome {
	enum fb_import_next next;
	long wait;       /* FB_IMPORT_POSTPONE: seconds */
	long long run;   /* the fb_import_runs row, 0 when none started */
	char error[400]; /* readable, never a secret */
};

/*
 * Enqueues the scheduled imports this worker (me) claims: one job per
 * account for each kind due. *queued counts the jobs. ERR_DB.
 */
enum err fb_import_tick(struct db *db, const struct cfg *c, const char *me,
    int *queued);

/*
 * An admin's backfill: enqueues one job per account of team (a name, any
 * case; NULL: every active team) over [from, to], requested by actor.
 * Writes the members "jobs" (how many) and "accounts":[...] into w.
 * ERR_NOTFOUND: no such team, or it has no ad account; ERR_DB.
 */
enum err fb_import_request(struct db *db, const char *team, const char *from,
    const char *to, const char *actor, struct jw *w);

/*
 * Runs the job (its payload: {"account", "from", "to", "trigger",
 * "requested_by"}) with f (NULL: FB_ACCESS_TOKEN is not set), as me; job
 * is its id. Returns ERR_OK and says in *out what becomes of the job.
 */
enum err fb_import_run(struct db *db, struct fb *f, const struct cfg *c,
    const char *me, long long job, const char *payload,
    struct fb_import_outcome *out);

/* Writes "runs":[...] (newest first, at most limit) into w. */
enum err fb_import_runs(struct db *db, int limit, struct jw *w);

/*
 * Checks AMOSYNC_FB_RATES (and AMOSYNC_USD_KZT_RATE): ERR_CONFIG with
 * why (n bytes) naming the variable when it is malformed.
 */
enum err fb_import_rates_check(const struct cfg *c, char *why, size_t n);

/*
 * Retention: deletes at most limit finished runs started more than days
 * ago; *n gets how many. ERR_DB.
 */
enum err fb_import_prune(struct db *db, int days, int limit, long *n);

#endif
