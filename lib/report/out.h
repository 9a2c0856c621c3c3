#ifndef AMOSYNC_REPORT_OUT_H
#define AMOSYNC_REPORT_OUT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * How every report answers: its rows are described once by a table of
 * columns (JSON key = CSV header, result column, kind) and written
 * through a struct report_out, either as JSON members (arrays of objects)
 * into the caller's JSON writer, or as a CSV document of those rows alone
 * (base/csv: header row, RFC 4180, UTF-8 with BOM) into the caller's
 * buffer. The report floor knows neither HTTP nor the request: api/
 * (api/report_http) reads ?format=, ?start=, ?end= and sends the CSV
 * document as text/csv; charset=utf-8. The date range
 * of every report is calendar days of AMOSYNC_TIMEZONE, start and end
 * inclusive (REPORT_DAY_* below, in SQL).
 */
enum report_kind {
	REPORT_TEXT, /* a string, or null */
	REPORT_NUM,  /* a number the database wrote (count, amount), or null */
	REPORT_BOOL, /* t/f */
};

struct report_col {
	const char *name; /* JSON key and CSV header */
	int col;          /* column of the result */
	enum report_kind kind;
};

/*
 * What every report statement runs with (prog.traffic_tx_sql): no JIT. A
 * report over a year is planned at a cost above jit_above_cost, and
 * compiling its expressions took ~30 ms of a ~90 ms answer, more than JIT
 * ever gives back on queries of this size.
 */
#define REPORT_TX_SQL "SET LOCAL jit = off"

/*
 * Where a report writes: JSON members into w, or, when csv is not NULL,
 * its rows alone as a CSV document into csv (w unused). Both belong to
 * the caller.
 */
struct report_out {
	struct jw *w;
	struct buf *csv;
};

/* Writes the rows of res as array key of objects. */
void report_json(struct jw *w, const char *key, const PGresult *res,
    const struct report_col *cols, size_t ncols);

/*
 * Writes the first nrows rows of res (all when nrows is negative) as a
 * CSV document into b. ERR_NOMEM if it could not be built.
 */
enum err report_csv(struct buf *b, const PGresult *res, int nrows,
    const struct report_col *cols, size_t ncols);

/*
 * Writes the first nrows rows of res (all when negative) through o: as
 * array key (JSON) or as the CSV document.
 */
enum err report_rows(const struct report_out *o, const char *key,
    const PGresult *res, int nrows, const struct report_col *cols,
    size_t ncols);

/*
 * The bounds of a day range in SQL: sale_date >= REPORT_DAY_FROM("$1",
 * "$3") AND sale_date < REPORT_DAY_TO("$2", "$3"), with $3 the time zone;
 * a NULL day is no bound.
 */
#define REPORT_DAY_FROM(d, tz)                                                 \
	"coalesce((" d "::date::timestamp AT TIME ZONE " tz                    \
	"), '-infinity'::timestamptz)"
#define REPORT_DAY_TO(d, tz)                                                   \
	"coalesce(((" d "::date + 1)::timestamp AT TIME ZONE " tz              \
	"), 'infinity'::timestamptz)"

/*
 * True in SQL when traffic_sales_stats (per day, team and utm_source,
 * kept by triggers: sql/traffic/008-sales-stats.sql) counts days in time
 * zone tz, so a report may sum its rows instead of scanning the sales.
 * Reports put both ways in one statement, each branch guarded by this.
 */
/*
 * The sales a total counts: all but the unverified ones
 * (sql/traffic/040-verification.sql), as a condition followed by AND.
 */
#define REPORT_COUNTED " verification <> 'unverified' AND"
#define REPORT_STATS_OK(tz) "(SELECT timezone = " tz " FROM report_settings)"
#define REPORT_STATS_DAYS(from, to)                                            \
	" period_type = 'daily' AND date >= coalesce(" from "::date,"          \
	" '-infinity'::date) AND date <= coalesce(" to "::date,"               \
	" 'infinity'::date)"

/*
 * The sales not yet added to traffic_sales_stats and utm_sales_stats
 * (sales_stats_pending; sql/traffic/functions/sales_stats.sql), as a FROM
 * clause whose columns are those of all_sales_tracking. A report that
 * sums those tables adds, in the same statement, the pending sales of its
 * period read from here: one snapshot, so each sale is counted once,
 * whether its catch-up has committed, is running or has not started, and
 * the report never waits for one (issue 21).
 */
#define REPORT_PENDING_SALES                                                   \
	" all_sales_tracking WHERE id IN (SELECT sale_id FROM"                 \
	" sales_stats_pending) AND"

/* A timestamp as ISO 8601 UTC in SQL: REPORT_TS("sale_date"). */
#define REPORT_TS(c)                                                           \
	"to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#endif
