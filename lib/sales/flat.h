#ifndef AMOSYNC_SALES_FLAT_H
#define AMOSYNC_SALES_FLAT_H

#include "amocrm/webhook.h"
#include "base/form.h"
#include "io/spool.h"
#include "sales/ctx.h"

/*
 * The original sales-webhook's flat JSON body (lead_id, sale_amount,
 * lead_name, contact_*, product_name, pipeline_id, status_id, utm_*),
 * taken as one sale.
 */

/*
 * hook_parse for /api/amocrm/sales-webhook: a JSON body with a top-level
 * lead_id is the flat shape; anything else is an amoCRM webhook
 * (amo_parse).
 */
enum err flat_parse(struct sales_ctx *s, const struct spool_meta *m,
    struct amo_event *ev, int *flat);

/*
 * Turns the flat fields (lead_id and sale_amount required, positive; the
 * amount as base/money accepts it) into one status-142 lead event.
 * ERR_VALIDATION or ERR_NOMEM leave ev empty.
 */
enum err flat_event(const struct form *f, struct amo_event *ev);

#endif
