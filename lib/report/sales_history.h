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

/* The columns of the rows: JSON keys and CSV headers. */
extern const struct report_col sales_history_cols[];
extern const size_t sales_history_ncols;

/* Returns 1 if s is a cursor this report wrote. */
int sales_history_cursor_ok(const char *s);

/*
 * Runs the report and writes it through out: JSON "stats" {total_sales,
 * total_revenue, avg_sale} over the whole filtered period, "sales" (a
 * page of at most limit rows) and "next_cursor" (null on the last page);
 * CSV: the page's rows.
 */
enum err sales_history(struct db *db, const struct sales_history_q *q,
    const struct report_out *out);

#endif
