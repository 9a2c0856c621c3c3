#include <string.h>

#include "report/out.h"
#include "report/stats.h"

static const char SQL_CATCH_UP[] = "SELECT sales_stats_pending_apply()";
static const char SQL_FRESH[] = "SELECT sales_stats_pending_apply(),"
				REPORT_STATS_OK("$1");

enum err
stats_catch_up(struct db *db)
{
	return db_run(db, SQL_CATCH_UP, 0, NULL);
}

enum err
stats_fresh(struct db *db, const char *tz, int *days_ok)
{
	const char *v[1] = { tz };
	PGresult *res;
	enum err rc;

	*days_ok = 0;
	if ((res = db_exec(db, SQL_FRESH, 1, v, &rc)) == NULL)
		return rc;
	*days_ok = strcmp(db_val(res, 0, 1), "t") == 0;
	PQclear(res);
	return ERR_OK;
}
