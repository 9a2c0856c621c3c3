#ifndef AMOSYNC_SALES_INGEST_H
#define AMOSYNC_SALES_INGEST_H

#include <stddef.h>

#include "amocrm/webhook.h"
#include "io/db.h"
#include "base/err.h"

/*
 * The shared path of every amoCRM webhook endpoint (durability model of
 * DESIGN.md): check the method and size, parse, store the events and the
 * raw request in one transaction, answer 200 quickly. When the database
 * cannot be reached the request is spooled to disk (temporary file, fsync,
 * rename) and replayed later through the same code.
 */
struct app;
struct web_req;

/* What is recorded about a request, whether live or replayed. */
struct hook_meta {
	const char *endpoint;  /* "funnel-sale", "sales-webhook" */
	const char *reqid;     /* nginx request id */
	const char *amo_reqid; /* X-Amocrm-Requestid */
	const char *remote;
	const char *user_agent;
	const char *ctype;
	const char *body;
	size_t bodysz;
};

struct hook_result {
	int processed;  /* lead events in the body */
	int saved;      /* new rows */
	int duplicates; /* rows that were already there */
	int ignored;    /* events that are not sales for this endpoint */
	/* Set by stores that track one sale (flat JSON posts). */
	char sale_id[40];
	char targetologist[80];
	int flat;
};

/*
 * Stores the events of one request inside the transaction the caller
 * opened on db. Returns ERR_OK or the error that aborts the transaction.
 */
typedef enum err (*hook_store)(struct app *app, struct db *db,
    const struct amo_event *ev, const struct hook_meta *m,
    struct hook_result *res);

/*
 * Turns the request into events; NULL means amo_parse(). A parser that
 * understands another shape (e.g. flat JSON) returns ERR_OK with its events.
 */
typedef enum err (*hook_parse)(struct app *app, const struct hook_meta *m,
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
};

/* Handles one webhook request end to end and replies. Returns 0. */
int hook_serve(struct app *app, struct web_req *req,
    const struct hook_def *def);

/*
 * Processes one request's bytes (used by hook_serve and the replay).
 * Returns ERR_OK when stored, a parse error (the request was recorded as
 * rejected), or ERR_DB when nothing could be stored.
 */
enum err hook_process(struct app *app, const struct hook_def *def,
    const struct hook_meta *m, struct hook_result *res, char *errbuf,
    size_t errlen);

/* Records a request that never reached the store step (413, 400, 405). */
enum err hook_record(struct db *db, const struct hook_meta *m, int status,
    const char *outcome, const char *error);

/* Replays spooled requests of def->endpoint; returns how many were done. */
int hook_replay(struct app *app, const struct hook_def *def);

/*
 * An app->after callback (app->after_arg is the hook_def): replays the
 * spool at most once a minute, or at once after a request was spooled.
 */
void hook_after(struct app *app);

/*
 * The whole main() of a webhook program: app_init() from the command
 * line, define(app, def) (it returns -1 when a database it needs is not
 * configured), then serve until SIGTERM. Returns an exit status.
 */
int hook_main(int argc, char *argv[], const char *name,
    int (*define)(struct app *, struct hook_def *));

#endif
