/*
 * POST /api/admin/landing/sync-amocrm: landing leads in step with amoCRM.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_admin_landing);
}
