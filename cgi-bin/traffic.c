/*
 * /api/traffic/...: the Team Constructor API (teams, attribution rules,
 * preview, conflicts, re-attribution, audit) over the traffic database,
 * and the landing database for re-attributing its sales (R12, R17).
 */
#include "api/programs.h"

int
main(int argc, char *argv[])
{
	return prog_main(argc, argv, &api_traffic);
}
