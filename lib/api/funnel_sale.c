/*
 * POST /api/amocrm/funnel-sale (also /webhook/amocrm/traffic): Express
 * and Flagship sales from amoCRM into the landing database (R5), each
 * sale also tracked in the traffic database (sales/hooks.c).
 */
#include "api/programs.h"
#include "api/webhook.h"
#include "sales/hooks.h"

static enum err
init(struct app *app, void **ctx)
{
	return webhook_init(app, hooks_funnel_sale, ctx);
}

const struct prog api_funnel_sale = {
	.name = "funnel-sale",
	.needs = APP_LANDING,
	.init = init,
	.fini = webhook_fini,
	.handler = webhook_handle,
	.webhook_bodies = 1,
	.idle = webhook_idle,
};
