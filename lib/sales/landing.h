#ifndef AMOSYNC_SALES_LANDING_H
#define AMOSYNC_SALES_LANDING_H

#include "sales/ingest.h"

/* Status 142 ("Успешно реализовано") means won in every pipeline (R3). */
#define SALE_STATUS_WON 142
#define SALE_STATUS_LOST 143

/*
 * hook_store for POST /api/amocrm/funnel-sale (R5): each lead that
 * reached 142 in a pipeline whose target table is express_course_sales or
 * main_product_sales becomes one row there (landing DB), unique by deal
 * id. Others are counted as ignored.
 */
enum err sale_store_funnel(struct app *app, struct db *db,
    const struct amo_event *ev, const struct hook_meta *m,
    struct hook_result *res);

#endif
