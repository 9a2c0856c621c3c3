/*
 * GET /api/admin/outbox, POST /api/admin/outbox/{id}/retry: the outbox's dead letters.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_admin_outbox);
}
