/*
 * GET /api/health, /api/integrations/..., /metrics: health and metrics.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_integrations);
}
