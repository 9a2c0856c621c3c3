#ifndef AMOSYNC_SALES_INGEST_H
#define AMOSYNC_SALES_INGEST_H

#include <stddef.h>

#include "amocrm/webhook.h"
#include "base/buf.h"
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
	/* Kept in the inbox (sales/inbox.h) to be applied after the answer. */
	int queued;
	long long inbox_id; /* its webhook_requests row; 0 when unknown */
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
	const char *message; /* "Funnel sale accepted" */
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
 * Turns the request's bytes into ev (def->parse, else amo_parse()) and
 * sets res->processed and res->flat. A malformed body is rejected here:
 * its status (err_http(), 400) is decided once, in res->status, and the
 * rejection recorded with the first AMOSYNC_REJECTED_BODY_MAX bytes
 * (res->recorded); the parse error is returned, or ERR_DB when even the
 * record could not be written. errbuf gets the message.
 */
enum err hook_read(struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, struct amo_event *ev, struct hook_result *res,
    char *errbuf, size_t errlen);

/*
 * Records a request that failed with rc under outcome, with its status
 * err_http(rc) in res->status: rc back, or ERR_DB when the record could
 * not be written either (the caller spools the request).
 */
enum err hook_reject(const struct sales_ctx *s, const struct hook_def *def,
    const struct spool_meta *m, enum err rc, const char *outcome,
    const char *errbuf, struct hook_result *res);

/*
 * Applies one request's bytes now, each step in its own transaction (the
 * sweep; the inbox's processors apply batches, sales/inbox.h). Decides,
 * in one place, the status that is both answered and recorded
 * (res->status): 200 when stored, err_http() of the parse or store
 * error otherwise. Returns ERR_OK when stored; ERR_DB when nothing could
 * be stored; any other error when the request was rejected
 * (res->recorded says whether the rejection and the first
 * AMOSYNC_REJECTED_BODY_MAX bytes of its body were committed). With
 * HOOK_LIVE each transaction must end within amoCRM's 2 s. errbuf gets
 * the message of an error.
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

/* The outcome a stored request's counts say: "saved", "duplicate", ... */
const char *hook_outcome(const struct hook_result *r);

/* The n bytes at body as a bytea hex literal ("\\x..."); caller frees. */
char *hook_hex(const char *body, size_t n);

/*
 * Appends the bytes of a bytea value in PostgreSQL's hex output to out.
 * ERR_INPUT for a value that is not one (out has what decoded), ERR_NOMEM.
 */
enum err hook_unhex(const char *hex, struct buf *out);

/* The bytes of a rejected body that are kept: AMOSYNC_REJECTED_BODY_MAX. */
size_t hook_keep(const struct sales_ctx *s);

/*
 * Deletes webhook_requests rows received more than days ago from db, at
 * most limit of them; their data (sales, events) is in other tables and
 * stays. A delivery still queued in the inbox is kept, however old.
 * *n gets how many. ERR_DB.
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

#endif
