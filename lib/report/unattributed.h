#ifndef AMOSYNC_REPORT_UNATTRIBUTED_H
#define AMOSYNC_REPORT_UNATTRIBUTED_H

#include <stddef.h>

#include "attr/engine.h"
#include "io/db.h"
#include "report/out.h"

/*
 * GET /api/traffic/attribution/unattributed (issue 24): the sales without
 * a team (targetologist NULL, "" or "Unknown") over the days [start, end]
 * of time zone tz, as a worklist. Totals: every counted sale of the
 * period, those without a team, those of them without any UTM tag, and
 * the share of revenue without a team (percent, one decimal; null without
 * revenue). Values: the non-blank UTM values of those sales grouped by
 * field and value, with their sales, revenue, first and last sale, most
 * revenue first; each with the rules of set that almost match it
 * (attr_near_misses(), at most UNATTRIBUTED_NEAR) and a suggested rule:
 * exact on the source for a source, else a token rule on that field;
 * the team of the first near miss, if any.
 */
#define UNATTRIBUTED_NEAR 5

extern const struct report_col unattributed_cols[];
extern const size_t unattributed_ncols;

/*
 * Runs the report (at most limit values) and writes through out: JSON
 * "totals" {sales, revenue, unattributed_sales, unattributed_revenue,
 * without_utm_sales, without_utm_revenue, share} and "values"; CSV the
 * values alone.
 */
enum err unattributed(struct db *db, const struct attr_set *set,
    const char *start, const char *end, const char *tz, int limit,
    const struct report_out *out);

#endif
