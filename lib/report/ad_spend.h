#ifndef AMOSYNC_REPORT_AD_SPEND_H
#define AMOSYNC_REPORT_AD_SPEND_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * Ad spend per team and day (R16): the only writer of ad_spend
 * (sql/traffic/007-ad-spend.sql). An upload is stored whole or not at
 * all; a row is replaced by a later upload of the same team, day and
 * campaign.
 */

/* The limits of an upload. */
#define AD_SPEND_MAX_ROWS 10000
#define AD_SPEND_MAX_TEAM 100 /* characters */
#define AD_SPEND_MAX_CAMPAIGN 200

/* Why an upload was refused: the line (or row) and field at fault. */
struct ad_spend_bad {
	long long line;
	char field[32];
	char reason[160];
};

/*
 * Stores rows, a JSON array of {"line", "team", "date", "amount",
 * "currency", "campaign", "rate"} (all checked by the caller but the
 * team), in one transaction on db: a row naming no team (any case) or
 * repeating an earlier row's team, day and campaign is refused with
 * ERR_VALIDATION and *bad, and nothing is stored. *inserted and
 * *updated count the rows. actor is recorded as uploaded_by.
 */
enum err ad_spend_store(struct db *db, const char *rows, const char *actor,
    long long *inserted, long long *updated, struct ad_spend_bad *bad);

/*
 * Writes the first limit rows of [start, end] (NULL: unbounded) of team
 * (NULL: all) through out (JSON: "ad_spend").
 */
extern const struct report_col ad_spend_cols[];
extern const size_t ad_spend_ncols;
enum err ad_spend_list(struct db *db, const char *start, const char *end,
    const char *team, long long limit, const struct report_out *out);

/*
 * Checks a USD to KZT rate: 1 to 8 digits, optionally a point and 1 to
 * 4 digits, above zero. Returns 1 when it is one.
 */
int ad_spend_rate_ok(const char *s);

#endif
