#ifndef AMOSYNC_SALES_HOOKS_H
#define AMOSYNC_SALES_HOOKS_H

#include "sales/ingest.h"

/*
 * The two amoCRM webhooks as hook definitions, shared by their FastCGI
 * programs and by the worker, which replays their spool.
 *
 * funnel-sale: landing express/flagship sales (sale.c), then the traffic
 * tracking of every sale (track.c) when the traffic DB is configured.
 * sales-webhook: traffic tracking only, also accepting flat JSON.
 * Each returns 0, or -1 when the app lacks the database the hook needs.
 */
int endpoints_funnel_sale(struct app *app, struct hook_def *def);
int endpoints_sales_webhook(struct app *app, struct hook_def *def);

#endif
