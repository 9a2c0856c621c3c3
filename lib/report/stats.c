#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/out.h"
#include "report/stats.h"

static const char SQL_CATCH_UP[] = "SELECT sales_stats_pending_apply($1)";
static const char SQL_FRESH[] = "SELECT " REPORT_STATS_OK(
    "$1") ","
          " EXISTS (SELECT 1 FROM sales_stats_pending)";

enum err
stats_catch_up(struct db *db, int batch, long long *n)
{
	char lim[16];
	const char *v[1] = { lim };
	PGresult *res;
	enum err rc;

	*n = 0;
	snprintf(lim, sizeof(lim), "%d", batch);
	if ((res = db_exec(db, SQL_CATCH_UP, 1, v, &rc)) == NULL)
		return rc;
	*n = strtoll(db_val(res, 0, 0), NULL, 10);
	PQclear(res);
	return ERR_OK;
}

enum err
stats_fresh(struct db *db, const char *tz, int *days_ok, int *pending)
{
	const char *v[1] = { tz };
	PGresult *res;
	enum err rc;

	*days_ok = *pending = 0;
	if ((res = db_exec(db, SQL_FRESH, 1, v, &rc)) == NULL)
		return rc;
	*days_ok = strcmp(db_val(res, 0, 0), "t") == 0;
	*pending = strcmp(db_val(res, 0, 1), "t") == 0;
	PQclear(res);
	return ERR_OK;
}
