#ifndef AMOSYNC_SALES_JOBS_H
#define AMOSYNC_SALES_JOBS_H

#include "amocrm/api.h"
#include "io/http.h"
#include "io/outbox.h"
#include "sales/ctx.h"
#include "telegram/api.h"

/*
 * The work behind the outbox's job kinds, as the worker runs it:
 *   enrich   {"lead_id":N}  contact name/phone/email from amoCRM into
 *            all_sales_tracking, then an announce job;
 *   announce {"lead_id":N}  or a test payload: the sale message to the
 *            team's Telegram chat, else the default chat.
 * The enrichment verifies the sale against amoCRM (sales/track.h) and
 * announces only a verified one. Each chat gets at most chat_rate
 * messages a minute (telegram_sends, across all workers); when more
 * sales wait for a chat than that, they go out as one digest, which
 * names every sale it covers, split into as many messages as Telegram's
 * 4096 characters need (each part's jobs done when its message went
 * out). A big sale (AMOSYNC_ANNOUNCE_ALONE_AMOUNT, or any sale of
 * AMOCRM_FLAGSHIP_PIPELINE_ID) is always announced on its own.
 */
/* Sales claimed into one digest message, at most. */
#define JOBS_DIGEST_MAX 1000
/*
 * Seconds an announcement in a burst waits for the burst's other sales
 * to be verified, so they go out in one digest.
 */
#define JOBS_DIGEST_GATHER 10

struct jobs {
	struct sales_ctx *s; /* borrowed */
	const char *me;      /* this worker's name (claimed_by); borrowed */
	int lease;     /* seconds of a claim (AMOSYNC_OUTBOX_CLAIM_TIMEOUT) */
	int chat_rate; /* messages a minute per chat */
	struct http http;
	struct amocrm amo;
	struct tg tg;
	int has_amo; /* amoCRM configured (token present) */
	int has_tg;  /* Telegram configured */
};

/* What became of one attempt. */
struct job_outcome {
	int permanent;    /* do not retry */
	long retry_after; /* seconds the remote asked for, 0 = none */
	int recorded;     /* the job's state is recorded already (sent and
	                     done, or put back to wait for its chat) */
	char error[512];  /* readable reason; never a secret */
};

enum err jobs_init(struct jobs *j, struct sales_ctx *s);
void jobs_free(struct jobs *j);

/* Runs one claimed job. ERR_OK means done. */
enum err jobs_run(struct jobs *j, const struct outbox_job *job,
    struct job_outcome *out);

/*
 * Called when a job became a dead letter: an enrichment that can never
 * succeed still gets its sale announced with what is known.
 */
enum err jobs_dead(struct jobs *j, const struct outbox_job *job);

/* Enqueues the announcement of lead_id (once per lead). */
enum err jobs_enqueue_announce(struct db *db, long long lead_id);

/*
 * Retention: deletes at most limit telegram_sends rows reserved more than
 * days ago (the rate limits read the last minute only); *n how many.
 */
enum err jobs_sends_prune(struct db *db, int days, int limit, long *n);

#endif
