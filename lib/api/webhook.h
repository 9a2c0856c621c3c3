#ifndef AMOSYNC_API_WEBHOOK_H
#define AMOSYNC_API_WEBHOOK_H

#include <time.h>

#include "io/app.h"
#include "io/web.h"
#include "sales/ctx.h"
#include "sales/ingest.h"

/*
 * The HTTP side of every amoCRM webhook program: method and size checks,
 * the JSON answer in the original's shape, spooling when the database is
 * down, and replaying the spool when idle. A webhook program's context
 * is a struct webhook; its app_prog (api/funnel_sale.c,
 * api/sales_webhook.c) names how the hook is defined.
 */
struct webhook {
	struct sales_ctx sales;
	struct hook_def def;
	time_t next_replay;
	/*
	 * Monotonic ms before which deliveries go to the spool without a
	 * try: the inbox just failed to keep one in time (a lock, a stall),
	 * and the requests behind it must not each wait as long.
	 */
	long long spool_until;
	const char *secrets; /* AMOSYNC_WEBHOOK_SECRETS, borrowed */
	int nsecrets;        /* 0: the webhooks are open */
};

/*
 * Builds a webhook program's context (*ctx, freed by webhook_fini) with
 * define (sales/hooks.h). ERR_CONFIG when a database it needs is not
 * set or AMOSYNC_WEBHOOK_SECRETS is malformed, ERR_NOMEM.
 */
enum err webhook_init(struct app *app,
    int (*define)(struct sales_ctx *, struct hook_def *), void **ctx);
void webhook_fini(void *ctx);

/*
 * web_handler: answers one webhook request. With AMOSYNC_WEBHOOK_SECRETS
 * set, a POST without ?token= one of them is refused (401 without a
 * token, 403 with a wrong one) and recorded as "unauthorized" with at
 * most its first 1 KiB. A well-formed delivery is kept in the inbox
 * (sales/inbox.h) and answered; its processor applies it after. When the
 * inbox cannot keep it within 1.5 s it is spooled (and for the next
 * 2 s the process spools without trying), so amoCRM's 2 s are kept.
 */
int webhook_handle(void *ctx, struct web_req *req);

/*
 * The idle hook, the inbox's processor: applies one batch of queued
 * deliveries (AMOSYNC_INBOX_BATCH) and, at most every 5 seconds, moves
 * the spool into the inbox. Returns the milliseconds until it wants to
 * run again: 0 after a batch (more may wait), AMOSYNC_INBOX_POLL_MS when
 * the inbox was empty, a second after a database failure. In a pool it
 * runs in the processor (io/prog), never in a process serving requests.
 */
long webhook_idle(void *ctx);

#endif
