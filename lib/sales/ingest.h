#ifndef AMOSYNC_SALES_INGEST_H
#define AMOSYNC_SALES_INGEST_H

#include <stddef.h>

#include "amocrm/webhook.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"
#include "io/spool.h"
#include "sales/ctx.h"

/*
 * The shared path of every amoCRM webhook (the durability model of
 * docs/architecture.md): parse, store the events and the raw request in
 * one transaction per database, and say what the answer is. When a
 * database cannot be reached the caller spools the request (io/spool)
 * and it is replayed later through this same code; every store is
 * idempotent, so a replay or a retry is harmless.
 */

struct hook_result {
	int status;     /* the HTTP status answered and recorded */
	int recorded;   /* the request's data is committed (stored, or its
	                   rejection recorded with the raw body) */
	int processed;  /* lead events in the body */
	int saved;      /* new rows */
	int duplicates; /* rows that were already there */
	int ignored;    /* events that are not sales for this endpoint */
	/* Set by stores that track one sale (flat JSON posts). */
	char sale_id[40];
	char targetologist[80];
	int flat;
	int bulk; /* more lead events than AMOSYNC_BULK_LEADS: spool it */
	/*
	 * A store found the attribution rules changed since the process
	 * cached them (it reloaded them and attributed its sales again).
	 */
	int rules_moved;
};

/*
 * Stores the events of one request inside the transaction the caller
 * opened on db. Returns ERR_OK or the error that aborts the transaction.
 */
typedef enum err (*hook_store)(struct sales_ctx *s, struct db *db,
    const struct amo_event *ev, const struct spool_meta *m,
    struct hook_result *res);

/*
 * Turns the request into events; NULL means amo_parse(). A parser that
 * understands another shape (e.g. flat JSON) returns ERR_OK with its events.
 */
typedef enum err (*hook_parse)(struct sales_ctx *s, const struct spool_meta *m,
    struct amo_event *ev, int *flat);

/* One database's share of the work, in a transaction of its own. */
struct hook_step {
	struct db *db;
	hook_store store;
};

#define HOOK_MAXSTEPS 2

/*
 * steps[0] answers the request: its counts are the response and its
 * database keeps the webhook_requests row. Later steps (e.g. tracking a
 * funnel sale in the traffic database too) run after it commits; if any
 * step cannot reach its database the whole request is spooled and
 * replayed, which is harmless because every store is idempotent.
 */
struct hook_def {
	const char *endpoint;
	const char *message; /* "Funnel sale processed" */
	struct hook_step steps[HOOK_MAXSTEPS];
	size_t nsteps;
	hook_parse parse;
	/*
	 * When a later step found the rules moved (rules_moved): gives what
	 * an earlier step stored with the old rules the new team, in its own
	 * statement after the steps. Optional; a failure is only logged (the
	 * sale's enrichment corrects it too).
	 */
	struct hook_step retarget;
};

/* hook_process() flags. */
#define HOOK_LIVE 0x1 /* a request being answered, not a replay */

/*
 * Processes one request's bytes (live or replayed). Decides, in one
 * place, the status that is both answered and recorded (res->status):
 * 200 when stored, err_http() of the parse or store error otherwise.
 * Returns ERR_OK when stored; ERR_DB when nothing could be stored (spool
 * it); any other error when the request was rejected (res->recorded says
 * whether the rejection and the first AMOSYNC_REJECTED_BODY_MAX bytes of
 * its body were committed). With HOOK_LIVE, a well-formed body of more
 * than AMOSYNC_BULK_LEADS lead events is not stored now: ERR_DB with
 * res->bulk set, so the caller spools it and the replay stores it
 * outside the request. errbuf gets the message of an error.
 */
enum err hook_process(struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, unsigned flags, struct hook_result *res,
    char *errbuf, size_t errlen);

/*
 * Records a request that never reached the store step (401, 403, 413)
 * with the first keep bytes of its body and its whole size.
 */
enum err hook_record(struct db *db, const struct spool_meta *m, size_t keep,
    int status, const char *outcome, const char *error);

/* The bytes of a rejected body that are kept: AMOSYNC_REJECTED_BODY_MAX. */
size_t hook_keep(const struct sales_ctx *s);

/*
 * Deletes webhook_requests rows received more than days ago from db, at
 * most limit of them; their data (sales, events) is in other tables and
 * stays. *n gets how many. ERR_DB.
 */
enum err hook_requests_prune(struct db *db, int days, int limit, long *n);

/*
 * Adds the webhook_requests rows of db to the open array of w, newest
 * first, at most limit of them: outcome (NULL: any; "rejected": any
 * status of 400 or more) filters them. Each shows the first 16 KiB of
 * its raw body as text. ERR_OK or the query's error.
 */
enum err hook_requests_list(struct db *db, const char *outcome, int limit,
    struct jw *w);

/*
 * Replays spooled requests of def->endpoint through hook_process(); a
 * file that can never be stored is set aside (io/spool). st may be NULL.
 * Returns how many were stored or recorded.
 */
int hook_replay(struct sales_ctx *s, const struct hook_def *def,
    struct spool_stats *st);

#endif
