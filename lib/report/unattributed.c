#include <stdio.h>
#include <string.h>

#include "report/unattributed.h"

/* The columns of SQL_TOTALS. */
enum ut_col {
	UT_SALES,
	UT_REVENUE,
	UT_NT_SALES,
	UT_NT_REVENUE,
	UT_NU_SALES,
	UT_NU_REVENUE,
	UT_SHARE,
	UT__MAX
};

/* The columns of SQL_VALUES. */
enum uv_col {
	UV_FIELD,
	UV_VALUE,
	UV_SALES,
	UV_REVENUE,
	UV_FIRST,
	UV_LAST,
	UV__MAX
};

/* A sale without a team, as re-attribution counts it (sales/reattribute). */
#define NO_TEAM                                                                \
	"(coalesce(targetologist, '') = '' OR lower(targetologist) = "         \
	"'unknown')"
#define BLANK(c) "coalesce(btrim(" c "), '') = ''"
#define IN_DAYS                                                                \
	" sale_date >= " REPORT_DAY_FROM("$1",                                 \
	    "$3") " AND sale_date < " REPORT_DAY_TO("$2", "$3")

/*
 * The period's counted sales, straight from the sales (the statistics
 * tables do not keep the UTM values of the sales without a team).
 * Index: all_sales_tracking_sale_date_idx.
 */
/* clang-format off */
static const char SQL_TOTALS[] =
    "SELECT count(*), coalesce(sum(sale_amount), 0),"
    " count(*) FILTER (WHERE nt), coalesce(sum(sale_amount) FILTER"
    " (WHERE nt), 0), count(*) FILTER (WHERE nt AND nu),"
    " coalesce(sum(sale_amount) FILTER (WHERE nt AND nu), 0),"
    " round(100 * coalesce(sum(sale_amount) FILTER (WHERE nt), 0)"
    " / nullif(sum(sale_amount), 0), 1)"
    " FROM (SELECT sale_amount, " NO_TEAM " AS nt, " BLANK("utm_source")
    " AND " BLANK("utm_medium") " AND " BLANK("utm_campaign") " AND "
    BLANK("utm_content") " AND " BLANK("utm_term") " AS nu"
    " FROM all_sales_tracking WHERE" REPORT_COUNTED IN_DAYS ") s";

static const char SQL_VALUES[] =
    "SELECT f.field, f.value, count(*), sum(s.sale_amount),"
    " " REPORT_TS("min(s.sale_date)") ", " REPORT_TS("max(s.sale_date)")
    " FROM all_sales_tracking s CROSS JOIN LATERAL (VALUES"
    " (1, 'source', s.utm_source), (2, 'campaign', s.utm_campaign),"
    " (3, 'content', s.utm_content), (4, 'medium', s.utm_medium),"
    " (5, 'term', s.utm_term)) AS f (o, field, value)"
    " WHERE" REPORT_COUNTED IN_DAYS " AND " NO_TEAM
    " AND NOT " BLANK("f.value")
    " GROUP BY f.o, f.field, f.value"
    " ORDER BY 4 DESC, 3 DESC, f.o, f.value LIMIT $4";
/* clang-format on */

static const struct report_col totals_cols[] = {
	{ "sales", UT_SALES, REPORT_NUM },
	{ "revenue", UT_REVENUE, REPORT_NUM },
	{ "unattributed_sales", UT_NT_SALES, REPORT_NUM },
	{ "unattributed_revenue", UT_NT_REVENUE, REPORT_NUM },
	{ "without_utm_sales", UT_NU_SALES, REPORT_NUM },
	{ "without_utm_revenue", UT_NU_REVENUE, REPORT_NUM },
	{ "share", UT_SHARE, REPORT_NUM },
};

const struct report_col unattributed_cols[] = {
	{ "field", UV_FIELD, REPORT_TEXT },
	{ "value", UV_VALUE, REPORT_TEXT },
	{ "sales", UV_SALES, REPORT_NUM },
	{ "revenue", UV_REVENUE, REPORT_NUM },
	{ "first_seen", UV_FIRST, REPORT_TEXT },
	{ "last_seen", UV_LAST, REPORT_TEXT },
};
const size_t unattributed_ncols = sizeof(unattributed_cols) /
    sizeof(unattributed_cols[0]);

/* Writes a rule of the set as object key (NULL in an array). */
static void
rule_obj(struct jw *w, const char *key, const struct attr_rule *ar)
{
	size_t i;

	jw_obj(w, key);
	jw_numstr(w, "id", ar->id);
	jw_str(w, "team_id", ar->team->id);
	jw_str(w, "team_name", ar->team->name);
	jw_str(w, "pattern", ar->pattern);
	jw_str(w, "kind", attr_kind_name(ar->kind));
	jw_arr(w, "fields");
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if (ar->fields & ATTR_FIELD_BIT(i))
			jw_str(w, NULL, attr_field_name((enum attr_field)i));
	jw_arr_end(w);
	jw_int(w, "priority", ar->priority);
	jw_obj_end(w);
}

/*
 * Writes row i of the values with its near misses and the suggested
 * rule. ERR_NOMEM from the near misses.
 */
static enum err
value_obj(struct jw *w, const struct attr_set *set, const PGresult *res, int i)
{
	const char *field = db_val(res, i, UV_FIELD);
	const char *value = db_val(res, i, UV_VALUE);
	struct attr_nears nm;
	enum attr_field f;
	size_t k;
	size_t c;
	enum err rc;

	if (attr_field_parse(field, &f) != ERR_OK)
		return ERR_DB;
	if ((rc = attr_near_misses(set, f, value, UNATTRIBUTED_NEAR, &nm)) !=
	    ERR_OK)
		return rc;
	jw_obj(w, NULL);
	for (c = 0; c < unattributed_ncols; c++) {
		const struct report_col *col = &unattributed_cols[c];

		if (col->kind == REPORT_NUM)
			jw_numstr(w, col->name, db_val(res, i, col->col));
		else
			jw_str(w, col->name, db_val(res, i, col->col));
	}
	jw_arr(w, "near");
	for (k = 0; k < nm.n; k++) {
		jw_obj(w, NULL);
		jw_str(w, "why", attr_miss_name(nm.items[k].why));
		rule_obj(w, "rule", nm.items[k].rule);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj(w, "suggest");
	jw_str(w, "team_id", nm.n > 0 ? nm.items[0].rule->team->id : NULL);
	jw_str(w, "pattern", value);
	jw_str(w, "kind",
	    attr_kind_name(
	        f == ATTR_FIELD_SOURCE ? ATTR_KIND_EXACT : ATTR_KIND_TOKEN));
	jw_arr(w, "fields");
	jw_str(w, NULL, field);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
	attr_nears_free(&nm);
	return ERR_OK;
}

enum err
unattributed(struct db *db, const struct attr_set *set, const char *start,
    const char *end, const char *tz, int limit, const struct report_out *out)
{
	char lim[16];
	const char *v[4] = { start, end, tz, lim };
	PGresult *tot = NULL, *res = NULL;
	size_t c;
	int i;
	enum err rc;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, SQL_VALUES, 4, v, &rc)) == NULL)
		return rc;
	if (out->csv != NULL) {
		rc = report_rows(out, "values", res, -1, unattributed_cols,
		    unattributed_ncols);
		goto out;
	}
	if ((tot = db_exec(db, SQL_TOTALS, 3, v, &rc)) == NULL)
		goto out;
	jw_obj(out->w, "totals");
	for (c = 0; c < sizeof(totals_cols) / sizeof(totals_cols[0]); c++) {
		const char *x = db_val(tot, 0, totals_cols[c].col);

		if (x == NULL)
			jw_null(out->w, totals_cols[c].name);
		else
			jw_numstr(out->w, totals_cols[c].name, x);
	}
	jw_obj_end(out->w);
	jw_arr(out->w, "values");
	for (i = 0; i < PQntuples(res) && rc == ERR_OK; i++)
		rc = value_obj(out->w, set, res, i);
	jw_arr_end(out->w);
out:
	PQclear(tot);
	PQclear(res);
	return rc;
}
