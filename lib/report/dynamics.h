#ifndef AMOSYNC_REPORT_DYNAMICS_H
#define AMOSYNC_REPORT_DYNAMICS_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * GET /api/traffic/dynamics (R16): sales count and revenue per bucket
 * (day, week from Monday, month) per group (targetologist, product or
 * utm_source) over the days [start, end] of time zone tz. Every bucket
 * is present for every group, empty ones with zeros, so a chart never
 * skips a week; a bucket is named by its first day (the first and last
 * may reach outside the range, but only sales inside it count). Groups
 * are those with sales in the range, and for targetologist every active
 * team as well; a missing value is "Unknown" ("No UTM Source").
 */
struct dynamics_q {
	const char *granularity; /* "day", "week", "month" */
	const char *group;       /* "targetologist", "product", "utm_source" */
	const char *start, *end;
	const char *tz;
};

extern const struct report_col dynamics_cols[];
extern const size_t dynamics_ncols;

/*
 * Runs the report and writes it through out: JSON the first day of every
 * bucket in order ("buckets") and the rows of dynamics_cols, by bucket
 * then group ("dynamics"); CSV: the rows.
 */
enum err dynamics(struct db *db, const struct dynamics_q *q,
    const struct report_out *out);

#endif
