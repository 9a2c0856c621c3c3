#include "report/stats.h"

static const char SQL_CATCH_UP[] = "SELECT sales_stats_pending_apply()";

enum err
stats_catch_up(struct db *db)
{
	return db_run(db, SQL_CATCH_UP, 0, NULL);
}
