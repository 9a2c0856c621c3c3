#ifndef AMOSYNC_SALES_INBOX_H
#define AMOSYNC_SALES_INBOX_H

#include <stddef.h>

#include "base/err.h"
#include "io/spool.h"
#include "sales/ctx.h"
#include "sales/ingest.h"

/*
 * The durable inbox (docs/architecture.md, "The inbox"): a delivery is
 * kept before it is answered and applied after.
 *
 * At the door, inbox_accept() checks the body's shape and keeps the raw
 * delivery as a queued webhook_requests row of def->steps[0].db, in one
 * statement (amosync_inbox_put(), sql/common/functions/inbox.sql). A
 * retry of a delivery still queued is not kept twice.
 *
 * Behind it, inbox_drain() (the webhook program's processor) claims a
 * batch of queued rows with SKIP LOCKED, oldest first and never a row
 * whose lead an earlier queued row also carries (per-lead order), and
 * applies them with the hook's stores: every step's database in one
 * transaction per batch, the rows' ends written and committed with the
 * first step's. A row that fails is retried later, after a growing
 * pause, and set aside ("dead") after AMOSYNC_INBOX_ATTEMPTS; one row
 * never holds back the others of its batch.
 */

/*
 * Keeps the request m in the inbox. Returns ERR_OK when it is kept
 * (res->queued, res->inbox_id; res->duplicates = 1 when it is a retry of
 * a delivery still queued) or needs no work (no lead events: recorded
 * with its first AMOSYNC_REJECTED_BODY_MAX bytes, outcome "no_leads");
 * ERR_DB or ERR_TIMEOUT when the database cannot keep it now (the caller
 * spools it); any other error when the body is malformed (rejected and
 * recorded as hook_read() says). For a flat JSON sale, res->targetologist
 * is the team the cached rules give it. res->status is the status to
 * answer.
 */
enum err inbox_accept(struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, struct hook_result *res, char *errbuf,
    size_t errlen);

/* What inbox_drain() did. */
struct inbox_stats {
	int claimed; /* rows claimed */
	int done;    /* applied */
	int failed;  /* to be retried, or set aside */
	long leads;  /* lead events of the applied rows */
};

/*
 * Applies at most limit queued rows of def->endpoint (one batch). Returns
 * ERR_OK (st->claimed 0: nothing was waiting), or ERR_DB / ERR_TIMEOUT
 * when a database failed mid-way: nothing of the batch is ended, so it
 * is claimed again later.
 */
enum err inbox_drain(struct sales_ctx *s, const struct hook_def *def, int limit,
    struct inbox_stats *st);

/*
 * Moves the spooled requests of def->endpoint into the inbox through
 * inbox_accept(); a file that can never be kept is set aside
 * (io/spool). st may be NULL. Returns how many were kept or recorded.
 */
int inbox_replay(struct sales_ctx *s, const struct hook_def *def,
    struct spool_stats *st);

/*
 * The queued rows of db (every endpoint): *queued, and the age of the
 * oldest in seconds (0 when none); *dead: rows set aside in the last
 * days days. ERR_OK or the query's error.
 */
enum err inbox_counts(struct db *db, int days, long *queued, double *oldest,
    long *dead);

#endif
