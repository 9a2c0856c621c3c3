#ifndef AMOSYNC_SALES_LANDING_H
#define AMOSYNC_SALES_LANDING_H

#include "sales/ctx.h"
#include "sales/ingest.h"

/*
 * The landing database's sales tables, express_course_sales and
 * main_product_sales: this module is their only writer.
 */

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
 * Gives the landing sale of deal_id the team found later (enrichment
 * filled its UTM tags), unless it has one. Not a sale there: nothing.
 */
enum err landing_set_team(struct db *db, long long deal_id, const char *team);

#endif
