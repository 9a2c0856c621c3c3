#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "landing/leads.h"
#include "landing/leads_int.h"

enum lead_col {
	LC_ID,
	LC_NAME,
	LC_EMAIL,
	LC_PHONE,
	LC_SOURCE,
	LC_CREATED,
	LC_AMO_LEAD,
	LC_AMO_CONTACT,
	LC_SYNCED,
	LC_SYNC_STATUS,
	LC_SYNC_ERROR,
	LC_EMAIL_SENT,
	LC_EMAIL_SENT_AT,
	LC_EMAIL_ERROR,
	LC_EMAIL_OPENED,
	LC_EMAIL_CLICKED,
	LC_SMS_SENT,
	LC_SMS_SENT_AT,
	LC_SMS_ERROR,
	LC_SMS_CLICKED,
	LC_UTM_SOURCE,
	LC_UTM_MEDIUM,
	LC_UTM_CAMPAIGN,
	LC_UTM_CONTENT,
	LC_UTM_TERM,
	LC_UPDATED,
	LC_SORT_NAME, /* the name again, for the name cursor */
	LC__MAX
};

static const char SQL_GET[] = "SELECT " LEAD_COLS
                              " FROM landing_leads l WHERE l.id = $1::uuid";

/*
 * The filters of the leads API, $1..$12; the same for the page and its
 * total. Dates are calendar days in the business time zone ($10).
 */
#define LIST_WHERE                                                             \
	" WHERE ($1::text IS NULL OR l.utm_source = $1)"                       \
	" AND ($2::text IS NULL OR l.utm_medium = $2)"                         \
	" AND ($3::text IS NULL OR l.utm_campaign = $3)"                       \
	" AND ($4::text IS NULL OR l.source = $4)"                             \
	" AND ($5::boolean IS NULL OR l.amocrm_synced = $5)"                   \
	" AND ($6::text IS NULL OR CASE $6"                                    \
	"  WHEN 'sent' THEN l.email_sent"                                      \
	"  WHEN 'opened' THEN l.email_opened_at IS NOT NULL"                   \
	"  WHEN 'clicked' THEN l.email_clicked"                                \
	"  WHEN 'error' THEN l.email_error IS NOT NULL"                        \
	"  ELSE NOT l.email_sent AND l.email_error IS NULL END)"               \
	" AND ($7::text IS NULL OR CASE $7"                                    \
	"  WHEN 'sent' THEN l.sms_sent"                                        \
	"  WHEN 'clicked' THEN l.sms_clicked"                                  \
	"  WHEN 'error' THEN l.sms_error IS NOT NULL"                          \
	"  ELSE NOT l.sms_sent AND l.sms_error IS NULL END)"                   \
	" AND ($8::date IS NULL"                                               \
	"  OR l.created_at >= ($8::date)::timestamp AT TIME ZONE $10)"         \
	" AND ($9::date IS NULL"                                               \
	"  OR l.created_at < ($9::date + 1)::timestamp AT TIME ZONE $10)"      \
	" AND ($11::text IS NULL OR l.name ILIKE $11 OR l.email ILIKE $11"     \
	"  OR l.phone ILIKE $11 OR ($12::text IS NOT NULL AND"                 \
	"  regexp_replace(coalesce(l.phone, ''), '[^0-9]', '', 'g') LIKE "     \
	"$12))"

#define NLIST 12

static const char SQL_COUNT[] =
    "SELECT count(*) FROM landing_leads l" LIST_WHERE;

/* One page in each order: the cursor ($13 value, $14 id) and the limit. */
static const char *const SQL_PAGE[] = {
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.created_at, l.id) <"
	" ($13::timestamptz, $14::uuid))"
	" ORDER BY l.created_at DESC, l.id DESC LIMIT $15::int",
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.created_at, l.id) >"
	" ($13::timestamptz, $14::uuid))"
	" ORDER BY l.created_at, l.id LIMIT $15::int",
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.name, l.id) > ($13::text, $14::uuid))"
	" ORDER BY l.name, l.id LIMIT $15::int",
	"SELECT " LEAD_COLS " FROM landing_leads l" LIST_WHERE
	" AND ($13::text IS NULL OR (l.name, l.id) < ($13::text, $14::uuid))"
	" ORDER BY l.name DESC, l.id DESC LIMIT $15::int",
};

static const char *const sorts[] = { "-created_at", "created_at", "name",
	"-name", NULL };

static const char SQL_STATS_TOTALS[] =
    "SELECT count(*), count(*) FILTER (WHERE email_sent),"
    " count(*) FILTER (WHERE email_opened_at IS NOT NULL),"
    " count(*) FILTER (WHERE email_clicked),"
    " count(*) FILTER (WHERE email_error IS NOT NULL),"
    " count(*) FILTER (WHERE sms_sent),"
    " count(*) FILTER (WHERE sms_clicked),"
    " count(*) FILTER (WHERE sms_error IS NOT NULL),"
    " count(*) FILTER (WHERE amocrm_synced),"
    " count(*) FILTER (WHERE NOT amocrm_synced)"
    " FROM landing_leads l"
    " WHERE ($1::date IS NULL"
    "  OR l.created_at >= ($1::date)::timestamp AT TIME ZONE $3)"
    " AND ($2::date IS NULL"
    "  OR l.created_at < ($2::date + 1)::timestamp AT TIME ZONE $3)";

static const char *const stats_names[] = { "leads", "email_sent",
	"email_opened", "email_clicked", "email_failed", "sms_sent",
	"sms_clicked", "sms_failed", "synced", "not_synced" };

static const char SQL_STATS_GROUPS[] =
    "SELECT g.dim, g.value, count(*), count(*) FILTER (WHERE email_sent),"
    " count(*) FILTER (WHERE email_opened_at IS NOT NULL),"
    " count(*) FILTER (WHERE email_clicked),"
    " count(*) FILTER (WHERE email_error IS NOT NULL),"
    " count(*) FILTER (WHERE sms_sent),"
    " count(*) FILTER (WHERE sms_clicked),"
    " count(*) FILTER (WHERE sms_error IS NOT NULL),"
    " count(*) FILTER (WHERE amocrm_synced),"
    " count(*) FILTER (WHERE NOT amocrm_synced)"
    " FROM landing_leads l"
    " CROSS JOIN LATERAL (VALUES ('source', l.source),"
    "  ('utm_source', l.utm_source)) AS g(dim, value)"
    " WHERE ($1::date IS NULL"
    "  OR l.created_at >= ($1::date)::timestamp AT TIME ZONE $3)"
    " AND ($2::date IS NULL"
    "  OR l.created_at < ($2::date + 1)::timestamp AT TIME ZONE $3)"
    " GROUP BY g.dim, g.value ORDER BY g.dim, count(*) DESC, g.value";

int
leads_istrue(const char *s)
{
	return s != NULL && strcmp(s, "t") == 0;
}

/* Writes one lead: the original's fields, then ours. */
static void
lead_write(struct jw *w, const char *key, const PGresult *res, int row)
{
	jw_obj(w, key);
	jw_str(w, "id", db_val(res, row, LC_ID));
	jw_str(w, "name", db_val(res, row, LC_NAME));
	jw_str(w, "email", db_val(res, row, LC_EMAIL));
	jw_str(w, "phone", db_val(res, row, LC_PHONE));
	jw_str(w, "source", db_val(res, row, LC_SOURCE));
	jw_str(w, "created_at", db_val(res, row, LC_CREATED));
	jw_bool(w, "in_amocrm", db_val(res, row, LC_AMO_LEAD) != NULL);
	jw_str(w, "amocrm_lead_id", db_val(res, row, LC_AMO_LEAD));
	jw_bool(w, "amocrm_synced", leads_istrue(db_val(res, row, LC_SYNCED)));
	jw_bool(w, "email_sent", leads_istrue(db_val(res, row, LC_EMAIL_SENT)));
	jw_str(w, "email_sent_at", db_val(res, row, LC_EMAIL_SENT_AT));
	jw_str(w, "email_error", db_val(res, row, LC_EMAIL_ERROR));
	jw_bool(w, "sms_sent", leads_istrue(db_val(res, row, LC_SMS_SENT)));
	jw_str(w, "sms_sent_at", db_val(res, row, LC_SMS_SENT_AT));
	jw_str(w, "sms_error", db_val(res, row, LC_SMS_ERROR));
	jw_bool(w, "email_opened",
	    leads_istrue(db_val(res, row, LC_EMAIL_OPENED)));
	jw_bool(w, "email_clicked",
	    leads_istrue(db_val(res, row, LC_EMAIL_CLICKED)));
	jw_bool(w, "sms_clicked",
	    leads_istrue(db_val(res, row, LC_SMS_CLICKED)));
	jw_str(w, "amocrm_contact_id", db_val(res, row, LC_AMO_CONTACT));
	jw_str(w, "amocrm_sync_status", db_val(res, row, LC_SYNC_STATUS));
	jw_str(w, "amocrm_sync_last_error", db_val(res, row, LC_SYNC_ERROR));
	jw_str(w, "utm_source", db_val(res, row, LC_UTM_SOURCE));
	jw_str(w, "utm_medium", db_val(res, row, LC_UTM_MEDIUM));
	jw_str(w, "utm_campaign", db_val(res, row, LC_UTM_CAMPAIGN));
	jw_str(w, "utm_content", db_val(res, row, LC_UTM_CONTENT));
	jw_str(w, "utm_term", db_val(res, row, LC_UTM_TERM));
	jw_str(w, "updated_at", db_val(res, row, LC_UPDATED));
	jw_obj_end(w);
}

/* Writes array key of every row of res. */
void
leads_write(struct jw *w, const char *key, const PGresult *res)
{
	int i;

	jw_arr(w, key);
	for (i = 0; i < PQntuples(res); i++)
		lead_write(w, NULL, res, i);
	jw_arr_end(w);
}

long long
leads_num(const PGresult *res, int row, int col)
{
	const char *s = db_val(res, row, col);

	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

int
landing_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == '-' ? s[i] != '-'
		                    : !isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Appends s to b with LIKE's % _ and \ escaped. */
static void
like_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

/* The CSV export of the leads list: name and column, text or not. */
static const struct {
	const char *name;
	enum lead_col col;
	int text;
} csv_cols[] = {
	{ "id", LC_ID, 1 },
	{ "created_at", LC_CREATED, 1 },
	{ "name", LC_NAME, 1 },
	{ "email", LC_EMAIL, 1 },
	{ "phone", LC_PHONE, 1 },
	{ "source", LC_SOURCE, 1 },
	{ "utm_source", LC_UTM_SOURCE, 1 },
	{ "utm_medium", LC_UTM_MEDIUM, 1 },
	{ "utm_campaign", LC_UTM_CAMPAIGN, 1 },
	{ "utm_content", LC_UTM_CONTENT, 1 },
	{ "utm_term", LC_UTM_TERM, 1 },
	{ "amocrm_lead_id", LC_AMO_LEAD, 0 },
	{ "amocrm_synced", LC_SYNCED, 0 },
	{ "amocrm_sync_status", LC_SYNC_STATUS, 1 },
	{ "email_sent", LC_EMAIL_SENT, 0 },
	{ "email_opened", LC_EMAIL_OPENED, 0 },
	{ "email_clicked", LC_EMAIL_CLICKED, 0 },
	{ "email_error", LC_EMAIL_ERROR, 1 },
	{ "sms_sent", LC_SMS_SENT, 0 },
	{ "sms_clicked", LC_SMS_CLICKED, 0 },
	{ "sms_error", LC_SMS_ERROR, 1 },
};

/* Writes rows [0, n) of page as CSV into b (booleans as true/false). */
static void
leads_csv(struct buf *b, const PGresult *page, int n)
{
	size_t k, nc = sizeof(csv_cols) / sizeof(csv_cols[0]);
	int i;

	csv_begin(b);
	for (k = 0; k < nc; k++)
		csv_field(b, k == 0, csv_cols[k].name, CSV_TEXT);
	csv_end_row(b);
	for (i = 0; i < n; i++) {
		for (k = 0; k < nc; k++) {
			const char *v = db_val(page, i, csv_cols[k].col);

			if (!csv_cols[k].text && v != NULL &&
			    (strcmp(v, "t") == 0 || strcmp(v, "f") == 0))
				v = v[0] == 't' ? "true" : "false";
			csv_field(b, k == 0, v,
			    csv_cols[k].text ? CSV_TEXT : CSV_NUM);
		}
		csv_end_row(b);
	}
}

enum err
landing_leads_list(struct db *db, const struct landing_filter *f, struct jw *w)
{
	const char *v[NLIST + 3] = { NULL };
	struct buf pat, digits;
	PGresult *cnt = NULL, *page = NULL;
	char lim[24], *cursor = NULL, *bar;
	enum err rc = ERR_NOMEM;
	size_t i, s = 0;
	int n;

	buf_init(&pat);
	buf_init(&digits);
	for (i = 0; sorts[i] != NULL; i++)
		if (f->sort != NULL && strcmp(f->sort, sorts[i]) == 0)
			s = i;
	v[0] = f->utm_source;
	v[1] = f->utm_medium;
	v[2] = f->utm_campaign;
	v[3] = f->source;
	v[4] = f->synced == NULL            ? NULL
	    : strcmp(f->synced, "yes") == 0 ? "true"
	                                    : "false";
	v[5] = f->email_status;
	v[6] = f->sms_status;
	v[7] = f->from;
	v[8] = f->to;
	v[9] = f->tz;
	if (f->q != NULL) {
		buf_addc(&pat, '%');
		like_escape(&pat, f->q);
		buf_addc(&pat, '%');
		buf_addc(&digits, '%');
		for (i = 0; f->q[i] != '\0'; i++)
			if (isdigit((unsigned char)f->q[i]))
				buf_addc(&digits, f->q[i]);
		buf_addc(&digits, '%');
		if (buf_err(&pat) || buf_err(&digits))
			goto out;
		v[10] = buf_str(&pat);
		/* Three digits or more also look into the phone's digits. */
		if (digits.len >= 5)
			v[11] = buf_str(&digits);
	}
	if (f->after != NULL) {
		if ((cursor = strdup(f->after)) == NULL)
			goto out;
		if ((bar = strrchr(cursor, '|')) == NULL ||
		    !landing_is_uuid(bar + 1)) {
			rc = ERR_VALIDATION;
			goto out;
		}
		*bar = '\0';
		v[12] = cursor;
		v[13] = bar + 1;
	}
	snprintf(lim, sizeof(lim), "%lld", f->limit + 1);
	v[14] = lim;
	if ((cnt = db_exec(db, SQL_COUNT, NLIST, v, &rc)) == NULL ||
	    (page = db_exec(db, SQL_PAGE[s], NLIST + 3, v, &rc)) == NULL)
		goto out;
	n = PQntuples(page);
	if (f->csv != NULL) {
		leads_csv(f->csv, page, n < f->limit ? n : (int)f->limit);
		rc = buf_err(f->csv);
		goto out;
	}
	jw_int(w, "total", leads_num(cnt, 0, 0));
	jw_arr(w, "leads");
	for (i = 0; (long long)i < f->limit && (int)i < n; i++)
		lead_write(w, NULL, page, (int)i);
	jw_arr_end(w);
	if ((long long)n > f->limit) {
		/* The last row shown is where the next page starts. */
		struct buf c;
		int last = (int)f->limit - 1;

		buf_init(&c);
		buf_adds(&c,
		    db_val(page, last, s < 2 ? LC_CREATED : LC_SORT_NAME));
		buf_addc(&c, '|');
		buf_adds(&c, db_val(page, last, LC_ID));
		jw_str(w, "next_after", buf_str(&c));
		buf_free(&c);
	} else {
		jw_null(w, "next_after");
	}
	rc = buf_err(w->out);
out:
	free(cursor);
	buf_free(&pat);
	buf_free(&digits);
	PQclear(cnt);
	PQclear(page);
	return rc;
}

enum err
landing_lead_get(struct db *db, const char *id, struct jw *w)
{
	const char *v[1] = { id };
	PGresult *res;
	enum err rc;

	if (!landing_is_uuid(id))
		return ERR_NOTFOUND;
	if ((res = db_exec(db, SQL_GET, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	lead_write(w, "lead", res, 0);
	PQclear(res);
	return buf_err(w->out);
}

/* Writes the ten counters of stats_names from columns first.. of row. */
static void
counters(struct jw *w, const PGresult *res, int row, int first)
{
	size_t i;

	for (i = 0; i < sizeof(stats_names) / sizeof(stats_names[0]); i++)
		jw_int(w, stats_names[i], leads_num(res, row, first + (int)i));
}

enum err
landing_leads_stats(struct db *db, const char *from, const char *to,
    const char *tz, struct jw *w)
{
	const char *v[3] = { from, to, tz };
	PGresult *tot = NULL, *grp = NULL;
	const char *dim;
	enum err rc;
	int i, d;

	if ((tot = db_exec(db, SQL_STATS_TOTALS, 3, v, &rc)) == NULL ||
	    (grp = db_exec(db, SQL_STATS_GROUPS, 3, v, &rc)) == NULL)
		goto out;
	jw_obj(w, "totals");
	counters(w, tot, 0, 0);
	jw_obj_end(w);
	for (d = 0; d < 2; d++) {
		dim = d == 0 ? "source" : "utm_source";
		jw_arr(w, d == 0 ? "by_source" : "by_utm_source");
		for (i = 0; i < PQntuples(grp); i++) {
			if (strcmp(dim, db_val(grp, i, 0)) != 0)
				continue;
			jw_obj(w, NULL);
			jw_str(w, "value", db_val(grp, i, 1));
			counters(w, grp, i, 2);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	rc = buf_err(w->out);
out:
	PQclear(tot);
	PQclear(grp);
	return rc;
}
