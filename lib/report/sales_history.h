#ifndef AMOSYNC_REPORT_SALES_HISTORY_H
#define AMOSYNC_REPORT_SALES_HISTORY_H

#include <stddef.h>

#include "io/db.h"
#include "report/out.h"

/*
 * GET /api/amocrm/sales-history (R15): the sales of all_sales_tracking,
 * newest first, one page at a time (limit + keyset cursor), with totals
 * over the whole filtered period, never over the page. A sale without a
 * team is the targetologist "Unknown", in the rows and in the filter.
 */
struct sales_history_q {
	const char *targetologist; /* NULL: every team */
	const char *start, *end;   /* days, NULL: unbounded */
	const char *tz;            /* AMOSYNC_TIMEZONE */
	const char *cursor;        /* NULL: the first page */
	/*
	 * Rows shown: "counted" (NULL, the default: all but unverified
	 * sales), "unverified" or "all". Totals count counted sales only.
	 */
	const char *verification;
	long long limit;
};

/* The columns of the rows (report_json/report_csv). */
extern const struct report_col sales_history_cols[];
extern const size_t sales_history_ncols;

/* Returns 1 if s is a cursor this report wrote. */
int sales_history_cursor_ok(const char *s);

/*
 * Runs the report: *stats is one row (total_sales, total_revenue,
 * avg_sale: SH_STAT_*), *rows up to limit + 1 rows (one more than the
 * page: then there is a next page, whose cursor is
 * column SH_CURSOR of row limit - 1). The caller PQclear()s both; both
 * NULL on error.
 */
enum err sales_history(struct db *db, const struct sales_history_q *q,
    PGresult **stats, PGresult **rows);

enum { SH_STAT_TOTAL, SH_STAT_REVENUE, SH_STAT_AVG };
extern const int SH_CURSOR;

#endif
