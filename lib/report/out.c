#include <string.h>

#include "report/out.h"

enum err
report_format(struct route_req *r, int *csv)
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
report_range(struct route_req *r, const char **start, const char **end)
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
report_range_req(struct route_req *r, const char **start, const char **end)
{
	enum err rc;

	if ((rc = report_range(r, start, end)) != ERR_OK)
		return rc;
	if (*start == NULL)
		return route_fail(r, ERR_VALIDATION, "start",
		    "is required (a date such as 2025-12-01)");
	if (*end == NULL)
		return route_fail(r, ERR_VALIDATION, "end",
		    "is required (a date such as 2025-12-31)");
	return ERR_OK;
}

static void
value(struct jw *w, const PGresult *res, int row, const struct report_col *c)
{
	const char *v = db_val(res, row, c->col);

	switch (c->kind) {
	case REPORT_NUM:
		if (v == NULL)
			jw_null(w, c->name);
		else
			jw_numstr(w, c->name, v);
		break;
	case REPORT_BOOL:
		if (v == NULL)
			jw_null(w, c->name);
		else
			jw_bool(w, c->name, v[0] == 't');
		break;
	default:
		jw_str(w, c->name, v);
	}
}

void
report_json_row(struct jw *w, const char *key, const PGresult *res, int row,
    const struct report_col *cols, size_t ncols)
{
	size_t i;

	jw_obj(w, key);
	for (i = 0; i < ncols; i++)
		value(w, res, row, &cols[i]);
	jw_obj_end(w);
}

void
report_json(struct jw *w, const char *key, const PGresult *res,
    const struct report_col *cols, size_t ncols)
{
	int i;

	jw_arr(w, key);
	for (i = 0; i < PQntuples(res); i++)
		report_json_row(w, NULL, res, i, cols, ncols);
	jw_arr_end(w);
}

enum err
report_csv(struct route_req *r, const PGresult *res, int nrows,
    const struct report_col *cols, size_t ncols)
{
	struct buf b;
	enum err rc;
	size_t i;
	int row;

	buf_init(&b);
	csv_begin(&b);
	for (i = 0; i < ncols; i++)
		csv_field(&b, i == 0, cols[i].name, CSV_TEXT);
	csv_end_row(&b);
	if (nrows < 0 || nrows > PQntuples(res))
		nrows = PQntuples(res);
	for (row = 0; row < nrows; row++) {
		for (i = 0; i < ncols; i++) {
			const char *v = db_val(res, row, cols[i].col);

			if (cols[i].kind == REPORT_BOOL && v != NULL)
				v = v[0] == 't' ? "true" : "false";
			csv_field(&b, i == 0, v,
			    cols[i].kind == REPORT_TEXT ? CSV_TEXT : CSV_NUM);
		}
		csv_end_row(&b);
	}
	if ((rc = buf_err(&b)) == ERR_OK)
		web_reply(r->req, 200, "text/csv; charset=utf-8", b.data,
		    b.len);
	buf_free(&b);
	return rc;
}
