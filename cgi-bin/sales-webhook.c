/*
 * POST /api/amocrm/sales-webhook: every stage change of every pipeline;
 * sales into the traffic database, announced through the outbox (R6, R9).
 * Needs TRAFFIC_DATABASE_URL.
 */
#include "sales/hooks.h"

int
main(int argc, char *argv[])
{
	return hook_main(argc, argv, "sales-webhook", endpoints_sales_webhook);
}
