#ifndef AMOSYNC_REPORT_UTM_H
#define AMOSYNC_REPORT_UTM_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * UTM analysis (R15) under /api/utm-analytics/: the original's reports
 * and field names (shared/reference/original-system.md 1.4), computed by
 * SQL over every sale of the period: end honoured, no row caps, days
 * meaning calendar days. A sale is "without UTM" when both its source
 * and campaign are empty; missing values are shown as "No UTM Source",
 * "No Campaign", "No Medium" and "Unknown" (no team) where the original
 * did.
 *
 * A period is [start, end] in days of time zone tz; utm_period() turns
 * the request's start, end and days into two dates. Every report writes
 * through a struct report_out: its JSON members as named below, or the
 * CSV of its rows.
 */
struct utm_q {
	const char *start, *end; /* days; NULL: unbounded */
	const char *tz;
	const char *source, *campaign, *medium, *targetologist; /* filters */
	long long limit;
};

/*
 * The dates of a period: start and end as given; a missing end is
 * today, a missing start is end - days + 1 (days >= 1). *from and *to
 * (YYYY-MM-DD, 11 bytes each) are set; *ndays is the length in days.
 */
enum err utm_period(struct db *db, const char *start, const char *end,
    long long days, const char *tz, char *from, char *to, long long *ndays);

/*
 * overview: "summary" {total_sales, total_revenue, avg_sale,
 * sales_without_utm, utm_coverage} and the groups "by_source",
 * "by_campaign" (with its source), "by_medium", "by_targetologist", each
 * by revenue, most first. The statement has one row per group, column
 * UO_KIND saying which ("total": exactly one row, last).
 */
enum {
	UO_KIND,
	UO_SOURCE,
	UO_CAMPAIGN,
	UO_MEDIUM,
	UO_TEAM,
	UO_SALES,
	UO_REVENUE,
	UO_AVG,
	UO_WITHOUT,
	UO_COVERAGE,
	UO__MAX
};
enum err utm_overview(struct db *db, const struct utm_q *q,
    const struct report_out *out);

/* The CSV of an overview: kind, name, source, sales, revenue. */
extern const struct report_col utm_overview_cols[];
extern const size_t utm_overview_ncols;

/*
 * top-sources ("sources"): by revenue, limit rows; sales without a
 * source left out.
 */
extern const struct report_col utm_sources_cols[];
extern const size_t utm_sources_ncols;
enum err utm_top_sources(struct db *db, const struct utm_q *q,
    const struct report_out *out);

/* top-campaigns ("campaigns", optionally of q->source): by revenue. */
extern const struct report_col utm_campaigns_cols[];
extern const size_t utm_campaigns_ncols;
enum err utm_top_campaigns(struct db *db, const struct utm_q *q,
    const struct report_out *out);

/* A sale in a list (without-utm, search, recent sales). */
extern const struct report_col utm_sale_cols[];
extern const size_t utm_sale_ncols;

/* Totals of a list: count, revenue, average (US_*). */
enum { US_COUNT, US_REVENUE, US_AVG, US_FIRST, US_LAST, US__MAX };

/*
 * without-utm: "count" of every such sale of the period, "sales" the
 * newest limit of them.
 */
enum err utm_without(struct db *db, const struct utm_q *q,
    const struct report_out *out);

/*
 * daily-stats ("daily_stats"): per day, source and campaign (filters
 * exact), newest first.
 */
extern const struct report_col utm_daily_cols[];
extern const size_t utm_daily_ncols;
enum err utm_daily(struct db *db, const struct utm_q *q,
    const struct report_out *out);

/*
 * search: exact source, medium and team, campaign containing q->campaign
 * (case-insensitive, % and _ taken literally); "count", "total_revenue"
 * and "avg_sale" over every match, "sales" the newest limit.
 */
enum err utm_search(struct db *db, const struct utm_q *q,
    const struct report_out *out);

/*
 * source-details of q->source ("No UTM Source" is no source): "summary"
 * with first and last sale, "campaigns" by revenue (the CSV), and
 * "recent_sales" the newest limit sales.
 */
extern const struct report_col utm_source_campaign_cols[];
extern const size_t utm_source_campaign_ncols;
enum err utm_source_details(struct db *db, const struct utm_q *q,
    const struct report_out *out);

#endif
