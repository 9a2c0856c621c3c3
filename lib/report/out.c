#include "report/out.h"

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

/* Writes one row of res as object key. */
static void
json_row(struct jw *w, const char *key, const PGresult *res, int row,
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
		json_row(w, NULL, res, i, cols, ncols);
	jw_arr_end(w);
}

enum err
report_csv(struct buf *b, const PGresult *res, int nrows,
    const struct report_col *cols, size_t ncols)
{
	size_t i;
	int row;

	csv_begin(b);
	for (i = 0; i < ncols; i++)
		csv_field(b, i == 0, cols[i].name, CSV_TEXT);
	csv_end_row(b);
	if (nrows < 0 || nrows > PQntuples(res))
		nrows = PQntuples(res);
	for (row = 0; row < nrows; row++) {
		for (i = 0; i < ncols; i++) {
			const char *v = db_val(res, row, cols[i].col);

			if (cols[i].kind == REPORT_BOOL && v != NULL)
				v = v[0] == 't' ? "true" : "false";
			csv_field(b, i == 0, v,
			    cols[i].kind == REPORT_TEXT ? CSV_TEXT : CSV_NUM);
		}
		csv_end_row(b);
	}
	return buf_err(b);
}

enum err
report_rows(const struct report_out *o, const char *key, const PGresult *res,
    int nrows, const struct report_col *cols, size_t ncols)
{
	int i;

	if (o->csv != NULL)
		return report_csv(o->csv, res, nrows, cols, ncols);
	if (nrows < 0 || nrows > PQntuples(res))
		nrows = PQntuples(res);
	jw_arr(o->w, key);
	for (i = 0; i < nrows; i++)
		json_row(o->w, NULL, res, i, cols, ncols);
	jw_arr_end(o->w);
	return ERR_OK;
}
