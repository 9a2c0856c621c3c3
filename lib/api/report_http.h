#ifndef AMOSYNC_API_REPORT_HTTP_H
#define AMOSYNC_API_REPORT_HTTP_H

#include "base/buf.h"
#include "io/route.h"
#include "report/out.h"

/*
 * The HTTP half of every report (report/out is the other): the query
 * parameters all reports share, and the answer as JSON inside the
 * router's object or, with ?format=csv, as a CSV document (text/csv;
 * charset=utf-8) that the report wrote into a buffer.
 */

/* Reads ?format=json|csv into *csv (0 or 1). */
enum err report_http_format(struct route_req *r, int *csv);

/*
 * Reads ?start= and ?end= (YYYY-MM-DD, each may be absent: NULL); end
 * before start is a 400 on end.
 */
enum err report_http_range(struct route_req *r, const char **start,
    const char **end);

/* Like report_http_range(), but both are required. */
enum err report_http_range_req(struct route_req *r, const char **start,
    const char **end);

/*
 * Points out at the answer of r, or, when csv, at b (initialised here)
 * for a CSV document. Finish with report_http_end().
 */
void report_http_begin(struct route_req *r, int csv, struct report_out *out,
    struct buf *b);

/*
 * Ends what report_http_begin() began: a CSV document is answered (status
 * 200) when rc is ERR_OK, and b is freed. Returns rc.
 */
enum err report_http_end(struct route_req *r, struct report_out *out,
    enum err rc);

/* Answers the CSV document b (status 200). */
void report_http_csv(struct route_req *r, const struct buf *b);

#endif
