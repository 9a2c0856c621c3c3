#ifndef AMOSYNC_REPORT_STATS_H
#define AMOSYNC_REPORT_STATS_H

#include "base/err.h"
#include "io/db.h"

/* The sales or leads one catch-up call takes at most (~0.5 s of work). */
#define STATS_BATCH 2000

/*
 * Adds at most batch of the sales stored since their last catch-up to
 * traffic_sales_stats and utm_sales_stats (sql/traffic/functions/
 * sales_stats.sql: sales_stats_pending_apply()), in its own transaction;
 * *n how many it took (0: none left that another caller had not taken).
 * Several callers may run at once, each on its own sales. The worker
 * calls it until none is left; the reports never do: they add the
 * pending sales of their period themselves (REPORT_PENDING_SALES).
 */
enum err stats_catch_up(struct db *db, int batch, long long *n);

/*
 * Tells, in one round trip, whether the tables' days are those of time
 * zone tz (report_settings.timezone): *days_ok 1, else 0 and a report
 * reads the sales instead; and whether sales are pending: *pending 1 or
 * 0. Waits for nothing.
 */
enum err stats_fresh(struct db *db, const char *tz, int *days_ok, int *pending);

#endif
