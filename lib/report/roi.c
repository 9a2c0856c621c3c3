#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/ad_spend.h"
#include "report/roi.h"

/* The columns of SQL_ROI. */
enum roi_col {
	RO_TEAM,
	RO_SPEND,
	RO_REVENUE,
	RO_SALES,
	RO_ROI,
	RO_ROAS,
	RO_CPS,
	RO_ROI_PCT,
	RO_ROMI_PCT,
	RO__MAX
};

/*
 * roi and roas are ratios (8.9); roi_percent is roi in percent (890.00),
 * and romi_percent the same figure under the name marketing reports use
 * (ad spend is the only cost amosync knows, so ROMI = ROI here).
 * Sales from traffic_sales_stats and the pending sales of the days when
 * it counts the days of $3, else from the sales. Indexes: traffic_sales_stats_date_idx,
 * all_sales_tracking_history_idx, ad_spend_date_idx.
 */
/* clang-format off */
static const char SQL_ROI[] =
    "WITH s AS (SELECT t, sum(n) AS n, sum(revenue) AS revenue FROM"
    " (SELECT team_name AS t, sum(total_sales) AS n,"
    " sum(total_revenue) AS revenue FROM traffic_sales_stats"
    " WHERE " REPORT_STATS_OK("$3") " AND" REPORT_STATS_DAYS("$1", "$2")
    " GROUP BY 1"
    " UNION ALL SELECT coalesce(targetologist, 'Unknown'), count(*),"
    " sum(sale_amount) FROM all_sales_tracking"
    " WHERE" REPORT_COUNTED " NOT " REPORT_STATS_OK("$3")
    " AND sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
    " GROUP BY 1"
    " UNION ALL SELECT coalesce(targetologist, 'Unknown'), count(*),"
    " sum(sale_amount) FROM" REPORT_PENDING_SALES
    REPORT_COUNTED " " REPORT_STATS_OK("$3")
    " AND sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3")
    " GROUP BY 1) u GROUP BY 1), sp AS (SELECT tt.name AS t, sum(a.amount_kzt) AS"
    " spend FROM ad_spend a JOIN traffic_teams tt ON tt.id = a.team_id"
    " WHERE a.spend_date BETWEEN $1::date AND $2::date AND "
    AD_SPEND_COUNTED("a") " GROUP BY 1),"
    " teams AS (SELECT name AS t FROM traffic_teams WHERE is_active"
    " UNION SELECT t FROM s UNION SELECT t FROM sp) SELECT teams.t,"
    " coalesce(sp.spend, 0), coalesce(s.revenue, 0), coalesce(s.n, 0),"
    " CASE WHEN sp.spend > 0 THEN round((coalesce(s.revenue, 0) -"
    " sp.spend) / sp.spend, 4) END, CASE WHEN sp.spend > 0 THEN"
    " round(coalesce(s.revenue, 0) / sp.spend, 4) END, CASE WHEN"
    " sp.spend > 0 AND s.n > 0 THEN round(sp.spend / s.n, 2) END,"
    " CASE WHEN sp.spend > 0 THEN round(100 * (coalesce(s.revenue, 0) -"
    " sp.spend) / sp.spend, 2) END, CASE WHEN sp.spend > 0 THEN"
    " round(100 * (coalesce(s.revenue, 0) - sp.spend) / sp.spend, 2) END"
    " FROM"
    " teams LEFT JOIN s ON s.t = teams.t LEFT JOIN sp ON sp.t = teams.t"
    " ORDER BY 2 DESC, 3 DESC, 1";
/* clang-format on */

const struct report_col roi_cols[] = {
	{ "team", RO_TEAM, REPORT_TEXT },
	{ "spend", RO_SPEND, REPORT_NUM },
	{ "revenue", RO_REVENUE, REPORT_NUM },
	{ "sales", RO_SALES, REPORT_NUM },
	{ "roi", RO_ROI, REPORT_NUM },
	{ "roas", RO_ROAS, REPORT_NUM },
	{ "cost_per_sale", RO_CPS, REPORT_NUM },
	{ "roi_percent", RO_ROI_PCT, REPORT_NUM },
	{ "romi_percent", RO_ROMI_PCT, REPORT_NUM },
};
const size_t roi_ncols = sizeof(roi_cols) / sizeof(roi_cols[0]);

enum err
roi(struct db *db, const char *start, const char *end, const char *tz,
    const struct report_out *out)
{
	const char *v[3] = { start, end, tz };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_ROI, 3, v, &rc)) == NULL)
		return rc;
	rc = report_rows(out, "teams", res, -1, roi_cols, roi_ncols);
	PQclear(res);
	return rc;
}

/*
 * The landing leads of the days per campaign: {"<lower(utm_campaign)>":
 * n}. Index: landing_leads_created_idx.
 */
/* clang-format off */
static const char SQL_LEADS[] =
    "SELECT coalesce(json_object_agg(k, n), '{}') FROM (SELECT"
    " lower(btrim(utm_campaign)) AS k, count(*) AS n FROM landing_leads"
    " WHERE created_at >= " REPORT_DAY_FROM("$1", "$3")
    " AND created_at < " REPORT_DAY_TO("$2", "$3")
    " AND coalesce(btrim(utm_campaign), '') <> '' GROUP BY 1) x";
/* clang-format on */

/*
 * A campaign's key: its name in lower case; an utm_campaign that is an
 * imported campaign's id (ads tagged {{campaign.id}}) stands for that
 * campaign's latest name, and one of campaign_map for its campaign.
 */
#define CAMPAIGN_IDS                                                           \
	"ids AS (SELECT DISTINCT ON (campaign_id) campaign_id, "               \
	"lower(campaign)"                                                      \
	" AS k FROM ad_spend WHERE source = 'facebook' ORDER BY campaign_id,"  \
	" spend_date DESC),"                                                   \
	" map AS (SELECT lower(btrim(utm_campaign)) AS utm, lower(campaign)"   \
	" AS k FROM campaign_map)"

/* The columns of SQL_CAMPAIGNS. */
enum camp_col {
	CA_TEAM,
	CA_CAMPAIGN,
	CA_IDS,
	CA_SOURCES,
	CA_SPEND,
	CA_LEADS,
	CA_SALES,
	CA_REVENUE,
	CA_CPL,
	CA_CPS,
	CA_ROMI,
	CA_ROAS,
	CA_UNMATCHED,
	CA__MAX
};

/*
 * Spend, landing leads, sales and revenue per team and campaign over the
 * days [$1, $2] of time zone $3; $4 the leads (SQL_LEADS), $5 whether
 * they were counted, $6 a team (NULL: all). Indexes: ad_spend_date_idx,
 * ad_spend_manual_key, all_sales_tracking_sale_date_idx.
 */
/* clang-format off */
static const char SQL_CAMPAIGNS[] =
    "WITH " CAMPAIGN_IDS ","
    " sp AS (SELECT t.name AS team, lower(a.campaign) AS k,"
    " max(a.campaign) AS name, string_agg(DISTINCT a.campaign_id, ',')"
    " AS ids, string_agg(DISTINCT a.source, ',') AS sources,"
    " sum(a.amount_kzt) AS spend FROM ad_spend a JOIN traffic_teams t ON"
    " t.id = a.team_id WHERE a.spend_date BETWEEN $1::date AND $2::date"
    " AND " AD_SPEND_COUNTED("a") " GROUP BY 1, 2),"
    " s AS (SELECT coalesce(s.targetologist, 'Unknown') AS team,"
    " coalesce(map.k, ids.k, lower(coalesce(btrim(s.utm_campaign), '')))"
    " AS k,"
    " max(coalesce(btrim(s.utm_campaign), '')) AS name, count(*) AS n,"
    " sum(s.sale_amount) AS revenue FROM all_sales_tracking s LEFT JOIN ids"
    " ON ids.campaign_id = btrim(s.utm_campaign) LEFT JOIN map ON map.utm ="
    " lower(btrim(s.utm_campaign)) WHERE"
    REPORT_COUNTED " s.sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND s.sale_date < " REPORT_DAY_TO("$2", "$3") " GROUP BY 1, 2),"
    " l AS (SELECT coalesce(map.k, ids.k, j.key) AS k, sum(j.value::bigint)"
    " AS n FROM json_each_text($4::json) j LEFT JOIN ids ON ids.campaign_id"
    " = j.key LEFT JOIN map ON map.utm = j.key GROUP BY 1),"
    " r AS (SELECT coalesce(sp.team, s.team) AS team, coalesce(sp.k, s.k)"
    " AS k, coalesce(sp.name, s.name) AS name, sp.ids, sp.sources,"
    " coalesce(sp.spend, 0) AS spend, coalesce(s.n, 0) AS sales,"
    " coalesce(s.revenue, 0) AS revenue FROM sp FULL JOIN s ON s.team ="
    " sp.team AND s.k = sp.k),"
    " x AS (SELECT r.*, CASE WHEN $5::bool THEN coalesce(l.n, 0) END AS"
    " leads FROM r LEFT JOIN l ON l.k = r.k AND r.k <> '')"
    " SELECT team, nullif(name, ''), ids, sources, spend, leads, sales,"
    " revenue, CASE WHEN spend > 0 AND leads > 0 THEN round(spend / leads,"
    " 2) END, CASE WHEN spend > 0 AND sales > 0 THEN round(spend / sales,"
    " 2) END, CASE WHEN spend > 0 THEN round((revenue - spend) * 100 /"
    " spend, 2) END, CASE WHEN spend > 0 THEN round(revenue / spend, 4)"
    " END, CASE WHEN spend > 0 AND sales = 0 THEN 'no_sales' WHEN spend ="
    " 0 AND sales > 0 THEN 'no_spend' END FROM x"
    " WHERE $6::text IS NULL OR lower(team) = lower($6)"
    " ORDER BY team, spend DESC, revenue DESC, name";
/* clang-format on */

const struct report_col roi_campaign_cols[] = {
	{ "team", CA_TEAM, REPORT_TEXT },
	{ "campaign", CA_CAMPAIGN, REPORT_TEXT },
	{ "campaign_ids", CA_IDS, REPORT_TEXT },
	{ "sources", CA_SOURCES, REPORT_TEXT },
	{ "spend", CA_SPEND, REPORT_NUM },
	{ "leads", CA_LEADS, REPORT_NUM },
	{ "sales", CA_SALES, REPORT_NUM },
	{ "revenue", CA_REVENUE, REPORT_NUM },
	{ "cpl", CA_CPL, REPORT_NUM },
	{ "cps", CA_CPS, REPORT_NUM },
	{ "romi", CA_ROMI, REPORT_NUM },
	{ "roas", CA_ROAS, REPORT_NUM },
	{ "unmatched", CA_UNMATCHED, REPORT_TEXT },
};
const size_t roi_campaign_ncols = sizeof(roi_campaign_cols) /
    sizeof(roi_campaign_cols[0]);

enum err
roi_campaigns(struct db *db, struct db *landing, const char *start,
    const char *end, const char *tz, const char *team,
    const struct report_out *out)
{
	const char *lv[3] = { start, end, tz };
	const char *v[6] = { start, end, tz, "{}", "false", team };
	PGresult *res, *leads = NULL;
	enum err rc;

	if (landing != NULL) {
		if ((leads = db_exec(landing, SQL_LEADS, 3, lv, &rc)) == NULL)
			return rc;
		v[3] = db_val(leads, 0, 0);
		v[4] = "true";
	}
	res = db_exec(db, SQL_CAMPAIGNS, 6, v, &rc);
	PQclear(leads);
	if (res == NULL)
		return rc;
	rc = report_rows(out, "campaigns", res, -1, roi_campaign_cols,
	    roi_campaign_ncols);
	PQclear(res);
	return rc;
}

/* The columns of SQL_DAILY. */
enum day_col {
	DA_DATE,
	DA_SPEND,
	DA_FACEBOOK,
	DA_MANUAL,
	DA_REVENUE,
	DA_SALES,
	DA__MAX
};

/*
 * Spend (and its Facebook and manual parts), revenue and sales per day
 * of [$1, $2] in time zone $3, of team $4 (NULL: all).
 */
/* clang-format off */
static const char SQL_DAILY[] =
    "WITH d AS (SELECT generate_series($1::date, $2::date, interval"
    " '1 day')::date AS day LIMIT 3700),"
    " sp AS (SELECT a.spend_date AS day, sum(a.amount_kzt) AS spend,"
    " sum(a.amount_kzt) FILTER (WHERE a.source = 'facebook') AS fb,"
    " sum(a.amount_kzt) FILTER (WHERE a.source = 'manual') AS manual"
    " FROM ad_spend a JOIN traffic_teams t ON t.id = a.team_id WHERE"
    " a.spend_date BETWEEN $1::date AND $2::date AND "
    AD_SPEND_COUNTED("a") " AND ($4::text IS NULL OR lower(t.name) ="
    " lower($4)) GROUP BY 1),"
    " s AS (SELECT (sale_date AT TIME ZONE $3)::date AS day, count(*) AS n,"
    " sum(sale_amount) AS revenue FROM all_sales_tracking WHERE"
    REPORT_COUNTED " sale_date >= " REPORT_DAY_FROM("$1", "$3")
    " AND sale_date < " REPORT_DAY_TO("$2", "$3") " AND ($4::text IS NULL"
    " OR lower(coalesce(targetologist, 'Unknown')) = lower($4))"
    " GROUP BY 1)"
    " SELECT to_char(d.day, 'YYYY-MM-DD'), coalesce(sp.spend, 0),"
    " coalesce(sp.fb, 0), coalesce(sp.manual, 0), coalesce(s.revenue, 0),"
    " coalesce(s.n, 0) FROM d LEFT JOIN sp ON sp.day = d.day LEFT JOIN s"
    " ON s.day = d.day ORDER BY d.day";
/* clang-format on */

const struct report_col roi_daily_cols[] = {
	{ "date", DA_DATE, REPORT_TEXT },
	{ "spend", DA_SPEND, REPORT_NUM },
	{ "spend_facebook", DA_FACEBOOK, REPORT_NUM },
	{ "spend_manual", DA_MANUAL, REPORT_NUM },
	{ "revenue", DA_REVENUE, REPORT_NUM },
	{ "sales", DA_SALES, REPORT_NUM },
};
const size_t roi_daily_ncols = sizeof(roi_daily_cols) /
    sizeof(roi_daily_cols[0]);

enum err
roi_daily(struct db *db, const char *start, const char *end, const char *tz,
    const char *team, const struct report_out *out)
{
	const char *v[4] = { start, end, tz, team };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_DAILY, 4, v, &rc)) == NULL)
		return rc;
	rc = report_rows(out, "days", res, -1, roi_daily_cols, roi_daily_ncols);
	PQclear(res);
	return rc;
}
