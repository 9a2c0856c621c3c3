#ifndef AMOSYNC_SALES_TRACK_H
#define AMOSYNC_SALES_TRACK_H

#include "base/form.h"
#include "sales/ingest.h"

/*
 * Sales tracking in the traffic database (R6, R9): every lead event is
 * appended to lead_events once; a lead that reaches 142 in any pipeline
 * becomes one all_sales_tracking row (unique lead_id) with its product,
 * amount, UTM tags and targetologist, and, only when that row is new, an
 * "enrich" job in the outbox, all in the caller's transaction.
 */
enum err track_store(struct app *app, struct db *db, const struct amo_event *ev,
    const struct hook_meta *m, struct hook_result *res);

/*
 * hook_parse for /api/amocrm/sales-webhook: a JSON body with a top-level
 * lead_id is the original endpoint's flat shape (lead_id, sale_amount,
 * lead_name, contact_*, product_name, pipeline_id, status_id, utm_*),
 * taken as one sale; anything else is an amoCRM webhook (amo_parse).
 */
enum err track_parse(struct app *app, const struct hook_meta *m,
    struct amo_event *ev, int *flat);

/*
 * Turns the flat fields (lead_id and sale_amount required, positive) into
 * one status-142 lead event. ERR_VALIDATION or ERR_NOMEM leave ev empty.
 */
enum err track_flat(const struct form *f, struct amo_event *ev);

#endif
