#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/ad_spend.h"

#define ROWS                                                                   \
	"json_to_recordset($1::json) AS x (line bigint, team text, date date," \
	" amount numeric, currency text, campaign text, rate numeric)"

/*
 * The first row at fault, by line: a team that does not exist, or the
 * same team, day and campaign as an earlier row.
 */
/* clang-format off */
static const char SQL_CHECK[] =
    "WITH x AS (SELECT x.*, t.id AS team_id, row_number() OVER"
    " (PARTITION BY t.id, x.date, x.campaign ORDER BY x.line) AS nth"
    " FROM " ROWS
    " LEFT JOIN traffic_teams t ON lower(t.name) = lower(x.team))"
    " SELECT line, CASE WHEN team_id IS NULL THEN 'team' ELSE"
    " 'campaign' END, CASE WHEN team_id IS NULL THEN 'no such team'"
    " ELSE 'the same team, date and campaign as an earlier row' END"
    " FROM x WHERE team_id IS NULL OR nth > 1 ORDER BY line LIMIT 1";
/* clang-format on */

/* Upserts every row; reports which were new. */
/* clang-format off */
static const char SQL_STORE[] =
    "INSERT INTO ad_spend AS a (team_id, spend_date, campaign, amount,"
    " currency, usd_to_kzt_rate, amount_kzt, uploaded_by) SELECT t.id,"
    " x.date, x.campaign, x.amount, x.currency, x.rate, round(x.amount"
    " * CASE WHEN x.currency = 'USD' THEN x.rate ELSE 1 END, 2), $2"
    " FROM " ROWS
    " JOIN traffic_teams t ON lower(t.name) = lower(x.team) ON CONFLICT"
    " (team_id, spend_date, campaign) WHERE source = 'manual'"
    " DO UPDATE SET amount ="
    " EXCLUDED.amount, currency = EXCLUDED.currency, usd_to_kzt_rate ="
    " EXCLUDED.usd_to_kzt_rate, amount_kzt = EXCLUDED.amount_kzt,"
    " uploaded_by = EXCLUDED.uploaded_by RETURNING (xmax = 0)";
/* clang-format on */

/*
 * An import of one ad account over [$6, $7] ($2; its team $3, run $4):
 * upserts the rows of $1 converted to KZT at the rates of $5 ({"USD":
 * "470.5"}; KZT is 1), and removes the account's rows of the range
 * Facebook no longer reports (a campaign whose spend went to nothing).
 * Manual rows are other rows: none is touched. Counts the rows stored,
 * their KZT, the rows removed and those a manual row shadows.
 */
/* clang-format off */
static const char SQL_FB_STORE[] =
    "WITH x AS (SELECT DISTINCT ON (x.campaign_id, x.date) x.*,"
    " CASE WHEN x.currency = 'KZT' THEN NULL ELSE coalesce((SELECT r.kzt"
    " FROM currency_rates r WHERE r.currency = x.currency AND r.rate_date"
    " <= x.date ORDER BY r.rate_date DESC LIMIT 1), ($5::jsonb ->>"
    " x.currency)::numeric) END AS rate FROM json_to_recordset($1::json)"
    " AS x (date date, campaign_id text, campaign_name text, spend numeric,"
    " currency text, impressions bigint, clicks bigint)"
    " ORDER BY x.campaign_id, x.date),"
    " up AS (INSERT INTO ad_spend AS a (team_id, spend_date, campaign,"
    " amount, currency, usd_to_kzt_rate, amount_kzt, uploaded_by, source,"
    " account_id, campaign_id, impressions, clicks, import_run_id)"
    " SELECT $3::uuid, x.date, x.campaign_name, x.spend, x.currency,"
    " x.rate, round(x.spend * coalesce(x.rate, 1), 2), 'facebook',"
    " 'facebook', $2, x.campaign_id, x.impressions, x.clicks, $4::bigint"
    " FROM x ON CONFLICT (account_id, campaign_id, spend_date)"
    " WHERE source = 'facebook' DO UPDATE SET team_id = EXCLUDED.team_id,"
    " campaign = EXCLUDED.campaign, amount = EXCLUDED.amount,"
    " currency = EXCLUDED.currency,"
    " usd_to_kzt_rate = EXCLUDED.usd_to_kzt_rate,"
    " amount_kzt = EXCLUDED.amount_kzt, impressions ="
    " EXCLUDED.impressions, clicks = EXCLUDED.clicks, import_run_id ="
    " EXCLUDED.import_run_id RETURNING a.amount_kzt),"
    " del AS (DELETE FROM ad_spend a WHERE a.source = 'facebook' AND"
    " a.account_id = $2 AND a.spend_date BETWEEN $6::date AND $7::date"
    " AND NOT EXISTS (SELECT 1 FROM x WHERE x.campaign_id = a.campaign_id"
    " AND x.date = a.spend_date) RETURNING 1)"
    " SELECT (SELECT count(*) FROM up), (SELECT coalesce(sum(amount_kzt),"
    " 0) FROM up), (SELECT count(*) FROM del), (SELECT count(*) FROM x"
    " WHERE EXISTS (SELECT 1 FROM ad_spend m WHERE m.source = 'manual'"
    " AND m.team_id = $3::uuid AND m.spend_date = x.date AND m.campaign ="
    " x.campaign_name))";
/* clang-format on */

/* The currencies of rows $1 with no rate: neither in $2 nor by day. */
/* clang-format off */
static const char SQL_FB_NORATE[] =
    "SELECT string_agg(DISTINCT x.currency, ', ') FROM"
    " json_to_recordset($1::json) AS x (date date, currency text)"
    " WHERE x.currency <> 'KZT' AND NOT ($2::jsonb ? x.currency) AND NOT"
    " EXISTS (SELECT 1 FROM currency_rates r WHERE r.currency = x.currency"
    " AND r.rate_date <= x.date)";
/* clang-format on */

/* Upserts the rates of $1 ([{currency, date, rate}]) by $2. */
static const char SQL_RATES_STORE[] =
    "INSERT INTO currency_rates AS r (currency, rate_date, kzt, uploaded_by)"
    " SELECT upper(x.currency), x.date, x.rate, $2 FROM json_to_recordset("
    "$1::json) AS x (currency text, date date, rate numeric)"
    " ON CONFLICT (currency, rate_date) DO UPDATE SET kzt = EXCLUDED.kzt,"
    " uploaded_by = EXCLUDED.uploaded_by, created_at = now()";

/* The columns of SQL_RATES. */
enum rate_col { RA_CURRENCY, RA_DATE, RA_KZT, RA_BY, RA_AT, RA__MAX };

/* clang-format off */
static const char SQL_RATES[] =
    "SELECT currency, to_char(rate_date, 'YYYY-MM-DD'), kzt, uploaded_by, "
    REPORT_TS("created_at") " FROM currency_rates WHERE ($1::text IS NULL"
    " OR currency = upper($1)) ORDER BY rate_date DESC, currency"
    " LIMIT $2::int";
/* clang-format on */

static const struct report_col rate_cols[] = {
	{ "currency", RA_CURRENCY, REPORT_TEXT },
	{ "date", RA_DATE, REPORT_TEXT },
	{ "rate", RA_KZT, REPORT_NUM },
	{ "uploaded_by", RA_BY, REPORT_TEXT },
	{ "created_at", RA_AT, REPORT_TEXT },
};

/* The columns of SQL_LIST. */
enum as_col {
	AS_ID,
	AS_TEAM,
	AS_DATE,
	AS_CAMPAIGN,
	AS_AMOUNT,
	AS_CURRENCY,
	AS_RATE,
	AS_KZT,
	AS_BY,
	AS_UPDATED,
	AS_SOURCE,
	AS_ACCOUNT,
	AS_CAMPAIGN_ID,
	AS_COUNTED,
	AS__MAX
};

/* clang-format off */
static const char SQL_LIST[] =
    "SELECT a.id, t.name, to_char(a.spend_date, 'YYYY-MM-DD'),"
    " nullif(a.campaign, ''), a.amount, a.currency, a.usd_to_kzt_rate,"
    " a.amount_kzt, a.uploaded_by, " REPORT_TS("a.updated_at") ","
    " a.source, a.account_id, a.campaign_id, " AD_SPEND_COUNTED("a")
    " FROM ad_spend a JOIN traffic_teams t ON t.id = a.team_id WHERE"
    " ($1::date IS NULL OR a.spend_date >= $1::date) AND ($2::date IS"
    " NULL OR a.spend_date <= $2::date) AND ($3::text IS NULL OR"
    " lower(t.name) = lower($3)) ORDER BY a.spend_date DESC, t.name,"
    " a.campaign LIMIT $4::bigint";
/* clang-format on */

const struct report_col ad_spend_cols[] = {
	{ "id", AS_ID, REPORT_NUM },
	{ "team", AS_TEAM, REPORT_TEXT },
	{ "date", AS_DATE, REPORT_TEXT },
	{ "campaign", AS_CAMPAIGN, REPORT_TEXT },
	{ "amount", AS_AMOUNT, REPORT_NUM },
	{ "currency", AS_CURRENCY, REPORT_TEXT },
	{ "usd_to_kzt_rate", AS_RATE, REPORT_NUM },
	{ "amount_kzt", AS_KZT, REPORT_NUM },
	{ "uploaded_by", AS_BY, REPORT_TEXT },
	{ "updated_at", AS_UPDATED, REPORT_TEXT },
	{ "source", AS_SOURCE, REPORT_TEXT },
	{ "account_id", AS_ACCOUNT, REPORT_TEXT },
	{ "campaign_id", AS_CAMPAIGN_ID, REPORT_TEXT },
	{ "counted", AS_COUNTED, REPORT_BOOL },
};
const size_t ad_spend_ncols = sizeof(ad_spend_cols) / sizeof(ad_spend_cols[0]);

int
ad_spend_rate_ok(const char *s)
{
	size_t i = 0, n, f = 0;
	int nonzero = 0;

	if (s == NULL)
		return 0;
	for (n = 0; isdigit((unsigned char)s[i]); i++, n++)
		nonzero |= s[i] != '0';
	if (n == 0 || n > 8)
		return 0;
	if (s[i] == '.') {
		for (i++; isdigit((unsigned char)s[i]); i++, f++)
			nonzero |= s[i] != '0';
		if (f == 0 || f > 4)
			return 0;
	}
	return s[i] == '\0' && nonzero;
}

enum err
ad_spend_store(struct db *db, const char *rows, const char *actor,
    long long *inserted, long long *updated, struct ad_spend_bad *bad)
{
	const char *v[2] = { rows, actor };
	PGresult *res = NULL;
	enum err rc;
	int i;

	*inserted = *updated = 0;
	memset(bad, 0, sizeof(*bad));
	if ((rc = db_begin(db)) != ERR_OK)
		return rc;
	if ((res = db_exec(db, SQL_CHECK, 1, v, &rc)) == NULL)
		goto out;
	if (PQntuples(res) > 0) {
		bad->line = strtoll(db_val(res, 0, 0), NULL, 10);
		snprintf(bad->field, sizeof(bad->field), "%s",
		    db_val(res, 0, 1));
		snprintf(bad->reason, sizeof(bad->reason), "%s",
		    db_val(res, 0, 2));
		rc = ERR_VALIDATION;
		goto out;
	}
	PQclear(res);
	if ((res = db_exec(db, SQL_STORE, 2, v, &rc)) == NULL)
		goto out;
	for (i = 0; i < PQntuples(res); i++) {
		if (db_val(res, i, 0)[0] == 't')
			(*inserted)++;
		else
			(*updated)++;
	}
	rc = db_commit(db);
out:
	PQclear(res);
	if (rc != ERR_OK)
		db_rollback(db);
	return rc;
}

enum err
ad_spend_list(struct db *db, const char *start, const char *end,
    const char *team, long long limit, const struct report_out *out)
{
	char lim[24];
	const char *v[4] = { start, end, team, lim };
	PGresult *res;
	enum err rc;

	snprintf(lim, sizeof(lim), "%lld", limit);
	if ((res = db_exec(db, SQL_LIST, 4, v, &rc)) == NULL)
		return rc;
	rc = report_rows(out, "ad_spend", res, -1, ad_spend_cols,
	    ad_spend_ncols);
	PQclear(res);
	return rc;
}

enum err
ad_spend_fb_store(struct db *db, const struct ad_spend_fb *in,
    struct ad_spend_fb_counts *c)
{
	char run[24];
	const char *v[7] = { in->rows, in->account, in->team_id, run, in->rates,
		in->from, in->to };
	PGresult *res;
	enum err rc;

	memset(c, 0, sizeof(*c));
	snprintf(run, sizeof(run), "%lld", in->run_id);
	{
		const char *nv[2] = { in->rows, in->rates };

		if ((res = db_exec(db, SQL_FB_NORATE, 2, nv, &rc)) == NULL)
			return rc;
		if (db_val(res, 0, 0) != NULL) {
			snprintf(c->norate, sizeof(c->norate), "%s",
			    db_val(res, 0, 0));
			PQclear(res);
			return ERR_VALIDATION;
		}
		PQclear(res);
	}
	if ((res = db_exec(db, SQL_FB_STORE, 7, v, &rc)) == NULL)
		return rc;
	c->stored = strtoll(db_val(res, 0, 0), NULL, 10);
	snprintf(c->kzt, sizeof(c->kzt), "%s", db_val(res, 0, 1));
	c->removed = strtoll(db_val(res, 0, 2), NULL, 10);
	c->manual = strtoll(db_val(res, 0, 3), NULL, 10);
	PQclear(res);
	return ERR_OK;
}

enum err
ad_spend_rates_store(struct db *db, const char *rows, const char *actor,
    long *stored)
{
	const char *v[2] = { rows, actor };

	return db_run_count(db, SQL_RATES_STORE, 2, v, stored);
}

enum err
ad_spend_rates_list(struct db *db, const char *currency, int limit,
    struct jw *w)
{
	char lim[16];
	const char *v[2] = { currency, lim };
	PGresult *res;
	enum err rc;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, SQL_RATES, 2, v, &rc)) == NULL)
		return rc;
	report_json(w, "rates", res, rate_cols,
	    sizeof(rate_cols) / sizeof(rate_cols[0]));
	PQclear(res);
	return ERR_OK;
}
