/*
 * GET /api/utm-analytics/...: UTM analysis of the sales (R15): overview,
 * top sources and campaigns, sales without UTM, daily stats, search and
 * the details of one source.
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_utm_analytics);
}
