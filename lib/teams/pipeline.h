#ifndef AMOSYNC_TEAMS_PIPELINE_H
#define AMOSYNC_TEAMS_PIPELINE_H

#include "amocrm/api.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The one pipeline catalogue (issue 23; docs/sql.md): amoCRM's pipelines
 * and stages in the traffic database (pipelines, pipeline_stages,
 * pipeline_syncs: this module is their only writer), synced from
 * GET /api/v4/leads/pipelines by the worker on a schedule and by an
 * admin on demand, with the product name and list price an admin sets
 * per pipeline (audited in its transaction, teams/audit). The landing
 * database's pipelines table is a copy of the columns its webhook
 * function reads (name, product, list price, target table, active),
 * written only here, after every sync and every change.
 */

/* The outcome of a sync. */
struct pipeline_sync_result {
	int listed;            /* pipelines amoCRM listed */
	int pipelines_new;     /* new to the catalogue */
	int pipelines_changed; /* renamed, moved, archived */
	int stages_new;
	int stages_changed;  /* renamed, moved, archived or back */
	int stages_archived; /* no longer listed by amoCRM */
	long copied;         /* landing rows written; -1: no landing */
	long amocrm_status;  /* last HTTP status from amoCRM */
	char error[AMOCRM_REASON_LEN + 64]; /* why it failed, readable */
};

/*
 * Fetches the pipelines from amoCRM and applies them to the catalogue
 * (pipeline_catalogue_sync(), sql/traffic/functions/pipelines.sql), with
 * an audit row by actor when something changed, then copies the
 * catalogue to landing (NULL: none). trigger is "schedule" or "manual",
 * recorded with the outcome in pipeline_syncs. Returns ERR_OK, amoCRM's
 * error (ERR_AUTH, ERR_PERM, ERR_RATE, ERR_HTTP, ERR_TIMEOUT, with
 * res->error), or ERR_DB. A failed landing copy is logged and leaves
 * res->copied -1: the next sync or change copies again.
 */
enum err pipelines_sync(struct db *traffic, struct db *landing,
    struct amocrm *a, const char *trigger, const char *actor,
    struct pipeline_sync_result *res);

/* Writes res as JSON object key into w. */
void pipelines_sync_json(struct jw *w, const char *key,
    const struct pipeline_sync_result *res);

/*
 * Claims the scheduled sync: *due is 1 for exactly one caller per
 * interval seconds across all processes and hosts (the first at once).
 */
enum err pipelines_due(struct db *db, const char *holder, int interval,
    int *due);

/*
 * Writes "pipelines": every pipeline (amoCRM's order, the archived last)
 * as {id, name, product_name, list_price, landing_table, active,
 * is_archive, sort, synced_at, updated_at, stages: [{id, name, sort,
 * type, is_archive}]}, and "sync": the last sync's outcome.
 */
enum err pipelines_list(struct db *db, struct jw *w);

/* The columns an admin sets. */
enum pipeline_col {
	PIPELINE_PRODUCT, /* product_name, not empty */
	PIPELINE_PRICE,   /* default_amount, a number >= 0 as text */
	PIPELINE_ACTIVE,  /* "true" or "false" */
	PIPELINE__MAX
};

struct pipeline_set {
	int set[PIPELINE__MAX];
	const char *val[PIPELINE__MAX];
};

/*
 * Changes the columns s sets of pipeline id (digits, checked by the
 * caller), audited by actor in its transaction, writes it as "pipeline"
 * and copies the catalogue to landing (NULL: none). ERR_NOTFOUND.
 */
enum err pipelines_update(struct db *db, struct db *landing, const char *actor,
    const char *id, const struct pipeline_set *s, struct jw *w);

/*
 * Copies the catalogue's landing columns into the landing database's
 * pipelines (upserted; a row the catalogue lacks is made inactive).
 * *n gets the rows written. ERR_DB.
 */
enum err pipelines_copy(struct db *traffic, struct db *landing, long *n);

#endif
