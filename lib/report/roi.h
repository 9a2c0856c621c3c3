#ifndef AMOSYNC_REPORT_ROI_H
#define AMOSYNC_REPORT_ROI_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * GET /api/traffic/roi (R16): per team over the days [start, end] of
 * time zone tz: spend (ad_spend, KZT), revenue and sales
 * (all_sales_tracking), ROI = (revenue - spend) / spend, ROAS = revenue
 * / spend, cost per sale = spend / sales. Each is null, not infinite,
 * when its base is zero: a team without spend has a null ROI. Every
 * active team is listed, and any team (or "Unknown") with sales or
 * spend; most spend first.
 */
extern const struct report_col roi_cols[];
extern const size_t roi_ncols;

/* Runs the report and writes its rows through out (JSON: "teams"). */
enum err roi(struct db *db, const char *start, const char *end, const char *tz,
    const struct report_out *out);

#endif
