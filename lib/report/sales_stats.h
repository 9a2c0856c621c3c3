#ifndef AMOSYNC_REPORT_SALES_STATS_H
#define AMOSYNC_REPORT_SALES_STATS_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * GET /api/amocrm/sales-stats (R15): per targetologist over the days
 * [start, end] of time zone tz (NULL: unbounded), every sale counted
 * (no row cap): {targetologist, sales_count, total_revenue, avg_sale,
 * emoji}, most sales first. Sales without a team are "Unknown"; the
 * emoji is the team's (traffic_teams), else 🎯.
 */
extern const struct report_col sales_stats_cols[];
extern const size_t sales_stats_ncols;

/* Runs the report and writes its rows through out (JSON: "stats"). */
enum err sales_stats(struct db *db, const char *start, const char *end,
    const char *tz, const struct report_out *out);

#endif
