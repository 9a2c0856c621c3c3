/*
 * POST /api/amocrm/sales-webhook: every stage change of every pipeline;
 * sales into the traffic database, announced through the outbox (R6, R9).
 * Needs TRAFFIC_DATABASE_URL.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_sales_webhook);
}
