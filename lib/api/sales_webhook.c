/*
 * POST /api/amocrm/sales-webhook: every stage change of every pipeline;
 * sales into the traffic database, announced through the outbox (R6,
 * R9); also the original's flat JSON (sales/hooks.c).
 */
#include "api/programs.h"
#include "api/webhook.h"
#include "sales/hooks.h"

static enum err
init(struct app *app, void **ctx)
{
	return webhook_init(app, hooks_sales_webhook, ctx);
}

const struct prog api_sales_webhook = {
	.name = "sales-webhook",
	.needs = APP_TRAFFIC,
	.init = init,
	.fini = webhook_fini,
	.handler = webhook_handle,
	.webhook_bodies = 1,
	.idle = webhook_idle,
};
