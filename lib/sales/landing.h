#ifndef AMOSYNC_SALES_LANDING_H
#define AMOSYNC_SALES_LANDING_H

#include "sales/ctx.h"
#include "sales/ingest.h"

/*
 * The landing database's sales tables, express_course_sales and
 * main_product_sales: this module is their only writer.
 */

enum landing_table { LANDING_EXPRESS, LANDING_MAIN, LANDING__MAX };

/* "express_course_sales", "main_product_sales". */
extern const char *const landing_tables[LANDING__MAX];

/*
 * hook_store for POST /api/amocrm/funnel-sale (R5): each lead that
 * reached 142 in a pipeline whose target table is express_course_sales or
 * main_product_sales becomes one row there, unique by deal id. A row
 * stored without a team (the traffic database, which holds the rules,
 * was down) gets its team when the same deal comes again. Others are
 * counted as ignored.
 */
enum err landing_store_funnel(struct sales_ctx *s, struct db *db,
    const struct amo_event *ev, const struct spool_meta *m,
    struct hook_result *res);

/*
 * Copies a sale's verification against amoCRM to its landing row, if it
 * has one: verification "verified" also sets amoCRM's amount (when > 0),
 * UTM tags (utm_source, _medium, _campaign, _content, _term; NULL: none)
 * and the team they give; "unverified" only marks the row.
 */
/*
 * hook_store for hook_def.retarget: gives each won lead's landing row the
 * team the (just reloaded) rules attribute it to, when it has another.
 */
enum err landing_retarget(struct sales_ctx *s, struct db *db,
    const struct amo_event *ev, const struct spool_meta *m,
    struct hook_result *res);

enum err landing_correct(struct db *db, long long deal_id,
    const char *verification, const char *amount, const char *const utm[5],
    const char *team);

/*
 * The sales of table t in [from, to] (local days), locked until the
 * caller's transaction ends, as rows of enum sale_row (caller PQclear()s
 * *res; NULL on error).
 */
enum err landing_sales_in(struct db *db, enum landing_table t, const char *from,
    const char *to, PGresult **res);

/* Sets the teams of changes, [{"id": uuid, "t": team}], in table t. */
enum err landing_set_teams(struct db *db, enum landing_table t,
    const char *changes);

#endif
