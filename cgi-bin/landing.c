/*
 * GET /api/landing/leads[/{id}|/stats], /api/landing/sync-runs: the
 * Landing Admin's API.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_landing);
}
