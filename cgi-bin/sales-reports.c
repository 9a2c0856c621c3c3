/*
 * GET /api/amocrm/sales-history, GET /api/amocrm/sales-stats: sales
 * reports over all_sales_tracking (R15).
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_sales_reports);
}
