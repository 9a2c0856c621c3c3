/*
 * POST /api/amocrm/test-sale-notification: a test announcement through the outbox (R18).
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_test_sale_notification);
}
