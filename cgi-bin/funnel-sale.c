/*
 * POST /api/amocrm/funnel-sale (also /webhook/amocrm/traffic): Express and
 * Flagship sales from amoCRM into the landing database (R5), each sale
 * also tracked in the traffic database. Needs LANDING_DATABASE_URL.
 */
#include "sales/hooks.h"

int
main(int argc, char *argv[])
{
	return hook_main(argc, argv, "funnel-sale", endpoints_funnel_sale);
}
