/*
 * POST /api/amocrm/funnel-sale (also /webhook/amocrm/traffic): Express and
 * Flagship sales from amoCRM into the landing database (R5), each sale
 * also tracked in the traffic database. Needs LANDING_DATABASE_URL.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_funnel_sale);
}
