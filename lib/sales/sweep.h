#ifndef AMOSYNC_SALES_SWEEP_H
#define AMOSYNC_SALES_SWEEP_H

#include "amocrm/api.h"
#include "sales/ctx.h"

/*
 * The reconciliation sweep (R25): every AMOSYNC_SWEEP_INTERVAL seconds
 * one worker (the one that claims sweep_state) lists the amoCRM leads
 * changed since the last good sweep, less AMOSYNC_SWEEP_OVERLAP seconds
 * so nothing falls between two windows, and every won lead (status 142)
 * of an active pipeline that all_sales_tracking lacks (or, for a landing
 * pipeline, its landing table lacks) goes through the
 * webhook's own store path (sales/ingest hook_process with the
 * funnel-sale hook, else sales-webhook), recorded in webhook_requests
 * with endpoint "sweep": stored, attributed, enriched and announced like
 * any sale, idempotently. A failed sweep keeps its window and is retried
 * within a minute; a sweep whose worker died is taken over when its
 * lease ends.
 */

/* The most leads one sweep reads. */
#define SWEEP_MAX_LEADS 20000

struct sweep_result {
	int ran;                 /* this worker ran a sweep */
	int seen;                /* leads amoCRM listed */
	int won;                 /* won leads of active pipelines */
	int recovered;           /* stored now: their webhook never came */
	long long from, to;      /* the window, unix seconds */
	char recovered_ids[256]; /* the first few lead ids, for a message */
};

/*
 * Runs a sweep if one is due and this worker (me) claims it. Returns
 * ERR_OK (res->ran says whether it ran), or the error of a sweep that
 * failed (recorded in sweep_state.last_error).
 */
enum err sweep_tick(struct sales_ctx *s, struct amocrm *amo, const char *me,
    struct sweep_result *res);

/*
 * Builds the body of an amoCRM status webhook for lead l (the shape
 * amoCRM posts, urlencoded), as the sweep stores it. Appends to b.
 */
void sweep_body(struct buf *b, const struct amocrm_lead *l,
    const char *subdomain);

#endif
