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
 * Whether the ad_spend row a counts (SQL, a boolean): a manual row
 * always; an imported one while no manual row of its team, day and
 * campaign exists (an admin's figure wins, and is never overwritten).
 */
#define AD_SPEND_COUNTED(a)                                                    \
	"(" a ".source = 'manual' OR NOT EXISTS (SELECT 1 FROM ad_spend m"     \
	" WHERE m.source = 'manual' AND m.team_id = " a ".team_id AND"         \
	" m.spend_date = " a ".spend_date AND m.campaign = " a ".campaign))"

/* An import of one ad account's spend over [from, to]. */
struct ad_spend_fb {
	const char *rows;    /* JSON [{date, campaign_id, campaign_name, spend,
	                     currency, impressions, clicks}] */
	const char *account; /* digits */
	const char *team_id; /* uuid */
	long long run_id;    /* fb_import_runs.id */
	const char *rates;   /* {"USD": "470.5"}: KZT per unit */
	const char *from, *to;
};

struct ad_spend_fb_counts {
	long long stored, removed, manual;
	char kzt[32];     /* the stored rows' sum in KZT */
	char norate[128]; /* ERR_VALIDATION: the currencies without a rate */
};

/*
 * Stores an import (source 'facebook') in one statement: each row of
 * in->rows replaces the account's row of its campaign and day, and the
 * account's rows of [from, to] not among them are removed. A row's rate
 * is its currency's of its day in currency_rates, else the latest
 * earlier one, else in->rates'; a currency with none refuses the whole
 * import (ERR_VALIDATION, c->norate names it). A manual row is never
 * touched; c->manual counts the rows one shadows. ERR_DB.
 */
enum err ad_spend_fb_store(struct db *db, const struct ad_spend_fb *in,
    struct ad_spend_fb_counts *c);

/*
 * Per-day rates (currency_rates): stores rows, a JSON array of
 * {"currency", "date", "rate"} (checked by the caller), replacing a
 * currency's rate of the same day, by actor; *stored counts them. The
 * list writes "rates":[...] (newest day first, of currency or all).
 */
enum err ad_spend_rates_store(struct db *db, const char *rows,
    const char *actor, long *stored);
enum err ad_spend_rates_list(struct db *db, const char *currency, int limit,
    struct jw *w);

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
