#ifndef AMOSYNC_SALES_CTX_H
#define AMOSYNC_SALES_CTX_H

#include "amocrm/webhook.h"
#include "attr/rules.h"
#include "base/err.h"
#include "io/app.h"

/*
 * What the use cases of one process share: its struct app (configuration
 * and database connections, borrowed), the webhook parser's options and
 * the attribution rules of the traffic database, cached. Lives as long
 * as the process.
 */
struct sales_ctx {
	struct app *app;
	struct amo_opts amo;
	struct rules_cache rules;
};

/*
 * The columns of a stored sale as track_sales_in() and landing_sales_in()
 * return it for re-attribution: its id, its UTM tags in enum attr_field
 * order, its team, its deal (lead_id, deal_id) and its amount.
 */
enum sale_row {
	SALE_ROW_ID,
	SALE_ROW_UTM,
	SALE_ROW_TEAM = SALE_ROW_UTM + ATTR_FIELD__MAX,
	SALE_ROW_DEAL,
	SALE_ROW_AMOUNT,
	SALE_ROW__MAX
};

/* Reads the parser options from app's configuration. Never fails. */
void sales_ctx_init(struct sales_ctx *s, struct app *app);
void sales_ctx_free(struct sales_ctx *s);

/* Fills utm with the lead's utm_source..utm_term (borrowed from l). */
void sales_lead_utm(struct attr_utm *utm, const struct amo_lead *l);

/*
 * Attributes a lead by its UTM tags with the current rules of db (the
 * traffic database): rules_match() on sales_lead_utm().
 */
enum err sales_attribute(struct sales_ctx *s, struct db *db,
    const struct amo_lead *l, struct attr_result *res);

/*
 * sales_attribute() with the process's cached rules as they stand, no
 * round trip; the rules are read from db only when none are cached. For
 * callers whose insert checks the rules' version (sales/track.c), or that
 * such a caller follows (sales/landing.c). res is valid until the rules
 * are next read.
 */
enum err sales_attribute_cached(struct sales_ctx *s, struct db *db,
    const struct amo_lead *l, struct attr_result *res);

#endif
