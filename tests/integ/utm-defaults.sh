#!/usr/bin/env bash
# The report fixes of issue 23: every UTM endpoint answers without dates
# exactly what it answers with its documented default period (the 30
# days ending today, docs/api/utm-analytics.md), for the original's own
# calls (top-sources?limit=10, top-campaigns, without-utm, search); ROI
# also in percent (roi_percent, romi_percent).
. "$top_srcdir/tests/integ/lib.sh"
integ_up

traffic() { sql traffic "$1"; }
jpath() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1" "$2"
}
TZ_=$(traffic "SELECT timezone FROM report_settings")
TODAY=$(traffic "SELECT (now() AT TIME ZONE '$TZ_')::date")
START=$(traffic "SELECT (now() AT TIME ZONE '$TZ_')::date - 29")

# Sales over the last 45 days (some before the default period), with and
# without UTM tags, applied to the statistics as the worker would.
traffic "INSERT INTO all_sales_tracking (lead_id, targetologist, sale_amount,
		utm_source, utm_medium, utm_campaign, sale_date, pipeline_id,
		status_id, verification)
	SELECT (810000 + i)::text,
		(ARRAY['Kenesary', 'Arystan', 'Muha', NULL])[1 + i % 4],
		(ARRAY[5000, 4952.50, 49999.99, 490000])[1 + i % 4],
		(ARRAY['fb_kenesary', 'instagram', '', NULL, 'google'])[1 + i % 5],
		(ARRAY['cpc', NULL, 'stories'])[1 + i % 3],
		(ARRAY['Запуск on ai', 'autumn', NULL, 'black-friday'])[1 + i % 7 % 4],
		now() - (i % 45) * interval '1 day' - (i % 7) * interval '1 hour',
		'10350882', '142', 'verified'
	FROM generate_series(1, 300) AS i" >/dev/null
traffic "SELECT sales_stats_pending_apply(NULL)" >/dev/null

same() { # PATH (without dates) WHAT
	local sep=? a b
	case $1 in *\?*) sep='&' ;; esac
	req GET "$1"
	a=$BODY s1=$STATUS
	req GET "$1${sep}start=$START&end=$TODAY"
	b=$BODY
	is "$s1/$STATUS" 200/200 "$2: 200 with and without dates"
	is "$a" "$b" "$2: without dates, the answer with the default period's dates"
}
same "/api/utm-analytics/top-sources?limit=10" "top-sources?limit=10"
is "$(jpath "$BODY" 'len(d["sources"]) > 0 and d["period"] == {"start": "'$START'", "end": "'$TODAY'", "days": 30}')" true \
	"top-sources: sources listed, the period said"
is "$(jpath "$BODY" 'sum(s["sales_count"] for s in d["sources"])')" \
	"$(traffic "SELECT count(*) FROM all_sales_tracking WHERE coalesce(utm_source, '') <> '' AND (sale_date AT TIME ZONE '$TZ_')::date BETWEEN '$START' AND '$TODAY'")" \
	"top-sources: the default period's sales with a source, none older"
same "/api/utm-analytics/top-campaigns" "top-campaigns"
is "$(jpath "$BODY" 'len(d["campaigns"]) > 0')" true "top-campaigns: campaigns listed"
same "/api/utm-analytics/top-campaigns?source=fb_kenesary&limit=5" "top-campaigns of a source"
same "/api/utm-analytics/without-utm" "without-utm"
is "$(jpath "$BODY" 'd["count"]')" \
	"$(traffic "SELECT count(*) FROM all_sales_tracking WHERE coalesce(utm_source, '') = '' AND coalesce(utm_campaign, '') = '' AND (sale_date AT TIME ZONE '$TZ_')::date BETWEEN '$START' AND '$TODAY'")" \
	"without-utm: the count of the default period"
same "/api/utm-analytics/search?utm_source=fb_kenesary" "search by source"
is "$(jpath "$BODY" 'd["count"] > 0 and float(d["total_revenue"]) > 0')" true "search: totals, not zeros"
same "/api/utm-analytics/search?utm_campaign=on%20ai&targetologist=Kenesary" "search by campaign and team"
same "/api/utm-analytics/overview" "overview"
same "/api/utm-analytics/daily-stats" "daily-stats"
req GET "/api/utm-analytics/top-sources?limit=10&days=7"
is "$(jpath "$BODY" 'd["period"]["days"]')" 7 "top-sources: days sets the period"

# --- ROI in percent ----------------------------------------------------------------------
traffic "INSERT INTO ad_spend (team_id, spend_date, campaign, amount, currency, amount_kzt, uploaded_by)
	SELECT id, '$TODAY', '', 100000, 'KZT', 100000, 'test' FROM traffic_teams WHERE name = 'Kenesary'" >/dev/null
req GET "/api/traffic/roi?start=$START&end=$TODAY"
is "$STATUS/$(jpath "$BODY" '[(round(float(x["roi"]) * 100, 2) == float(x["roi_percent"]) == float(x["romi_percent"])) for x in d["teams"] if x["team"] == "Kenesary"][0]')" \
	"200/true" "roi: roi_percent = romi_percent = 100 × roi"
is "$(jpath "$BODY" '[(x["roi_percent"], x["romi_percent"]) for x in d["teams"] if x["team"] == "Arystan"][0]')" \
	"(None, None)" "roi: no spend, no percent"

integ_check_logs
