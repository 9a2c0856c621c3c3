#ifndef AMOSYNC_REPORT_STATS_H
#define AMOSYNC_REPORT_STATS_H

#include "base/err.h"
#include "io/db.h"

/*
 * Adds the sales stored since the last call to traffic_sales_stats and
 * utm_sales_stats (sql/traffic/043-sales-stats-pending.sql): every report
 * that reads them calls it first, so their sums count every sale; the
 * worker calls it every few seconds, so a report seldom finds much. Cheap
 * when nothing is pending.
 */
enum err stats_catch_up(struct db *db);

/*
 * stats_catch_up(), in the same round trip telling whether the tables'
 * days are those of time zone tz (report_settings.timezone): *days_ok 1,
 * else 0 and a report reads the sales instead.
 */
enum err stats_fresh(struct db *db, const char *tz, int *days_ok);

#endif
