#ifndef AMOSYNC_SALES_HOOKS_H
#define AMOSYNC_SALES_HOOKS_H

#include "sales/ctx.h"
#include "sales/ingest.h"

/*
 * The two amoCRM webhooks as hook definitions, shared by their FastCGI
 * programs (lib/api) and by the worker, which replays their spool.
 *
 * funnel-sale: landing express/flagship sales (sales/landing), then the
 * traffic tracking of every sale (sales/track) when the traffic DB is
 * configured. sales-webhook: traffic tracking only, also accepting the
 * original's flat JSON (sales/flat). Each returns 0, or -1 when the
 * process lacks the database the hook needs.
 */
int hooks_funnel_sale(struct sales_ctx *s, struct hook_def *def);
int hooks_sales_webhook(struct sales_ctx *s, struct hook_def *def);

#endif
