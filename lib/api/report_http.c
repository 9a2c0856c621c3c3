#include <string.h>

#include "api/report_http.h"

enum err
report_http_format(struct route_req *r, int *csv)
{
	static const char *const formats[] = { "json", "csv", NULL };
	const char *f;
	enum err rc;

	*csv = 0;
	if ((rc = route_query_enum(r, "format", formats, &f)) != ERR_OK)
		return rc;
	*csv = f != NULL && strcmp(f, "csv") == 0;
	return ERR_OK;
}

enum err
report_http_range(struct route_req *r, const char **start, const char **end)
{
	enum err rc;

	*start = *end = NULL;
	if ((rc = route_query_date(r, "start", start)) != ERR_OK ||
	    (rc = route_query_date(r, "end", end)) != ERR_OK)
		return rc;
	if (*start != NULL && *end != NULL && strcmp(*end, *start) < 0)
		return route_fail(r, ERR_VALIDATION, "end",
		    "must not be before start");
	return ERR_OK;
}

enum err
report_http_range_req(struct route_req *r, const char **start, const char **end)
{
	enum err rc;

	if ((rc = report_http_range(r, start, end)) != ERR_OK)
		return rc;
	if (*start == NULL)
		return route_fail(r, ERR_VALIDATION, "start",
		    "is required (a date such as 2025-12-01)");
	if (*end == NULL)
		return route_fail(r, ERR_VALIDATION, "end",
		    "is required (a date such as 2025-12-31)");
	return ERR_OK;
}

void
report_http_begin(struct route_req *r, int csv, struct report_out *out,
    struct buf *b)
{
	out->w = &r->w;
	out->csv = NULL;
	if (csv) {
		buf_init(b);
		out->csv = b;
	}
}

enum err
report_http_end(struct route_req *r, struct report_out *out, enum err rc)
{
	if (out->csv == NULL)
		return rc;
	if (rc == ERR_OK)
		report_http_csv(r, out->csv);
	buf_free(out->csv);
	out->csv = NULL;
	return rc;
}

void
report_http_csv(struct route_req *r, const struct buf *b)
{
	web_reply(r->req, 200, "text/csv; charset=utf-8", b->data, b->len);
}
