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

/*
 * GET /api/traffic/roi/campaigns (issue 25): per team and campaign over
 * the days [start, end] of tz: spend (ad_spend rows that count, KZT;
 * their campaign ids and sources), landing leads (from landing, NULL: not
 * counted, "leads" is null), sales and revenue, CPL = spend / leads, CPS
 * = spend / sales, ROMI % = (revenue - spend) * 100 / spend, ROAS =
 * revenue / spend (null when the base is zero). Spend joins sales and
 * leads by campaign: utm_campaign equal to the campaign's name (any
 * case), to an imported campaign's id, or mapped to the campaign in
 * campaign_map (teams/campaign_map). A campaign with spend and no
 * sales ("unmatched": "no_sales") and sales whose campaign has no spend
 * ("no_spend") are listed, not dropped. Leads carry no team: a campaign
 * name two teams share shows its leads in both rows. team (a name, NULL:
 * all) filters.
 */
extern const struct report_col roi_campaign_cols[];
extern const size_t roi_campaign_ncols;
enum err roi_campaigns(struct db *db, struct db *landing, const char *start,
    const char *end, const char *tz, const char *team,
    const struct report_out *out);

/*
 * GET /api/traffic/roi/daily: every day of [start, end] with its spend
 * (and the Facebook and manual parts), revenue and sales, of team (NULL:
 * all). JSON: "days".
 */
extern const struct report_col roi_daily_cols[];
extern const size_t roi_daily_ncols;
enum err roi_daily(struct db *db, const char *start, const char *end,
    const char *tz, const char *team, const struct report_out *out);

#endif
