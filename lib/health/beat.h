#ifndef AMOSYNC_HEALTH_BEAT_H
#define AMOSYNC_HEALTH_BEAT_H

#include "base/err.h"
#include "io/db.h"

/*
 * The workers' heartbeats (worker_heartbeats, traffic DB; this module is
 * its one writer). Each worker beats while it runs and removes its row at
 * a clean stop; the worker check and the gauges read them here.
 */

/* Upserts the heartbeat row of holder (forgets workers dead a day). */
enum err health_beat(struct db *db, const char *holder, const char *host,
    int pid);

/* Deletes the row of holder at a clean stop; a failure is only logged. */
void health_unbeat(struct db *db, const char *holder);

/* The columns of health_beats(). */
enum { HB_LAST, HB_AGE, HB_COUNT, HB_STALE, HB_STALE_NAMES };

/*
 * The heartbeats in one row: the newest beat (NULL without any), its age
 * in seconds, how many workers beat, how many of them not for max_age
 * seconds and their names. NULL on failure (*rc says why); the caller
 * PQclear()s the result.
 */
PGresult *health_beats(struct db *db, long long max_age, enum err *rc);

#endif
