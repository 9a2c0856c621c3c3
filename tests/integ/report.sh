#!/usr/bin/env bash
# The reporting APIs (issue 10) through real nginx to the real programs,
# over a generated data set whose expected figures are computed from the
# raw rows by tests/integ/reportdata.py, never copied from an answer.
. "$top_srcdir/tests/integ/lib.sh"
RATE=500
INTEG_ENV="AMOSYNC_USD_KZT_RATE=$RATE"
integ_up

RD="python3 $top_srcdir/tests/integ/reportdata.py"
DATA=$STACK/sales.json
traffic() { sql traffic "$1"; }
# jpath JSON EXPR: a Python expression over the document d.
jpath() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1" "$2"
}
# fetch PATH: sets STATUS, CTYPE and saves the body in $STACK/body.
fetch() {
	local out
	out=$(curl -sS -o "$STACK/body" -w '%{http_code} %{content_type}' "$URL$1")
	STATUS=${out%% *}
	CTYPE=${out#* }
}
check400() { # DESCRIPTION FIELD
	is "$STATUS/$(jget "$BODY" success)/$(jget "$BODY" field)" "400/false/$2" "$1"
	like "$(jget "$BODY" reason)" '.' "$1: has a reason"
}

# --- the data set: 1500 sales (over the original's 1000-row cap) ------------
$RD gen 10 1500 "$DATA" >"$STACK/sales.sql"
stack_psql "$STACK" traffic -q -f "$STACK/sales.sql" >/dev/null
is "$(traffic "SELECT count(*) FROM all_sales_tracking")" 1502 "data: 1502 sales stored"

# --- sales-stats --------------------------------------------------------------
req GET "/api/amocrm/sales-stats?start=2025-11-01&end=2025-11-30"
is "$STATUS/$(jget "$BODY" success)" "200/true" "sales-stats: 200"
is "$($RD stats-got "$BODY")" "$($RD stats "$DATA" 2025-11-01 2025-11-30)" \
	"sales-stats November: per team count, revenue, avg, emoji, most sales first, Unknown included"
is "$(jpath "$BODY" 'd["period"]')" "{'start': '2025-11-01', 'end': '2025-11-30'}" "sales-stats: period echoed"
is "$(jpath "$BODY" 'any(s["targetologist"] == "Unknown" for s in d["stats"])')" "true" "sales-stats: sales without a team under Unknown"
req GET "/api/amocrm/sales-stats"
is "$($RD stats-got "$BODY")" "$($RD stats "$DATA" "" "")" "sales-stats without dates: every sale (1502 > 1000), no cap"
is "$(jpath "$BODY" 'sum(s["sales_count"] for s in d["stats"])')" 1502 "sales-stats: counts add up to every sale"
req GET "/api/amocrm/sales-stats?start=2025-12-01&end=2025-12-01"
is "$($RD stats-got "$BODY")" "$($RD stats "$DATA" 2025-12-01 2025-12-01)" "sales-stats one day: end inclusive"
like "$($RD stats "$DATA" 2025-12-01 2025-12-01)" 'Muha' "data: 1 December (Almaty) has Muha's boundary sale"
req GET "/api/amocrm/sales-stats?start=2026-02-01&end=2026-02-28"
is "$STATUS/$(jpath "$BODY" 'd["stats"]')" "200/[]" "sales-stats: an empty period is an empty list"

# --- sales-history: totals over the period, keyset pages ---------------------
for team in Kenesary Unknown ""; do
	want=$($RD history "$DATA" "$team" 2025-11-01 2025-11-30)
	pages=()
	cursor=""
	for i in $(seq 100); do
		req GET "/api/amocrm/sales-history?targetologist=$team&start=2025-11-01&end=2025-11-30&limit=37${cursor:+&cursor=$cursor}"
		[ "$STATUS" = 200 ] || break
		pages+=("$BODY")
		cursor=$(jget "$BODY" next_cursor)
		[ "$cursor" = null ] && break
	done
	is "$STATUS" 200 "sales-history ${team:-all}: 200 on every page"
	is "$($RD history-got "${pages[@]}")" "$want" \
		"sales-history ${team:-all}: totals of the whole period on each page, every sale once, newest first"
	is "$(jpath "${pages[0]}" 'len(d["sales"])')" 37 "sales-history ${team:-all}: the page has limit rows"
done
req GET "/api/amocrm/sales-history?start=2025-12-01&end=2025-12-01&targetologist=Muha"
is "$(jpath "$BODY" '"990001" in [s["lead_id"] for s in d["sales"]]')" true "sales-history: 19:30 UTC on 30 Nov is 1 Dec in Almaty"
req GET "/api/amocrm/sales-history?start=2025-11-01&end=2025-11-01&targetologist=Muha"
is "$(jpath "$BODY" '[s["sale_day"] for s in d["sales"] if s["lead_id"] == "990002"]')" "['2025-11-01']" "sales-history: 19:10 UTC on 31 Oct is 1 Nov in Almaty"
req GET "/api/amocrm/sales-history?limit=1"
is "$(jpath "$BODY" 'sorted(d["sales"][0].keys())')" \
	"['amount_over_max', 'attribution_confidence', 'contact_email', 'contact_name', 'contact_phone', 'created_at', 'currency', 'id', 'lead_id', 'lead_name', 'pipeline_id', 'product_name', 'sale_amount', 'sale_date', 'sale_day', 'status_id', 'targetologist', 'utm_campaign', 'utm_content', 'utm_id', 'utm_medium', 'utm_source', 'utm_term', 'verification']" \
	"sales-history: the original's row fields, the sale's verification and its amount flag"
is "$(jpath "$BODY" 'd["stats"]["total_sales"]')" 1502 "sales-history: totals not capped by the page"

# --- CSV ------------------------------------------------------------------------
fetch "/api/amocrm/sales-stats?start=2025-11-01&end=2025-11-30&format=csv"
is "$STATUS/$CTYPE" "200/text/csv; charset=utf-8" "sales-stats csv: 200 text/csv utf-8"
req GET "/api/amocrm/sales-stats?start=2025-11-01&end=2025-11-30"
is "$(python3 - "$STACK/body" "$BODY" <<'PY'
import csv, io, json, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf"), "no BOM"
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
want = [["targetologist", "sales_count", "total_revenue", "avg_sale", "emoji"]]
want += [[s["targetologist"], str(s["sales_count"]), str(s["total_revenue"]), str(s["avg_sale"]), s["emoji"]]
         for s in json.loads(sys.argv[2], parse_float=str)["stats"]]
print("same" if rows == want else "%r != %r" % (rows, want))
PY
)" same "sales-stats csv: BOM, header, parsed back equal to the JSON"
fetch "/api/amocrm/sales-history?start=2025-11-01&end=2025-11-30&format=csv"
is "$(python3 - "$STACK/body" "$DATA" <<'PY'
import csv, io, json, sys, datetime, zoneinfo
b = open(sys.argv[1], "rb").read()
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
hdr, rows = rows[0], rows[1:]
tz = zoneinfo.ZoneInfo("Asia/Almaty")
data = {r["lead_id"]: r for r in json.load(open(sys.argv[2]))
        if "2025-11-01" <= datetime.datetime.fromisoformat(r["sale_date"]).astimezone(tz).date().isoformat() <= "2025-11-30"}
got = {r[hdr.index("lead_id")]: r[hdr.index("lead_name")] for r in rows}
want = {k: ("'" + v["lead_name"] if v["lead_name"][0] in "=+-@" else v["lead_name"]) for k, v in data.items()}
print("same" if got == want else "differ: %d vs %d" % (len(got), len(want)))
PY
)" same "sales-history csv: every sale of the period, names with commas, quotes and Cyrillic read back (formulas defused)"

# --- bad parameters: 400 naming the parameter -------------------------------------
req GET "/api/amocrm/sales-stats?start=2025-13-01"
check400 "sales-stats: month 13" start
req GET "/api/amocrm/sales-stats?start=2025-12-02&end=2025-12-01"
check400 "sales-stats: end before start" end
req GET "/api/amocrm/sales-history?limit=0"
check400 "sales-history: limit 0" limit
req GET "/api/amocrm/sales-history?limit=1001"
check400 "sales-history: limit over 1000" limit
req GET "/api/amocrm/sales-history?cursor=abc"
check400 "sales-history: a cursor it never wrote" cursor
req GET "/api/amocrm/sales-stats?format=xml"
check400 "sales-stats: format xml" format
req POST "/api/amocrm/sales-stats"
is "$STATUS" 405 "sales-stats: POST is 405"

# --- dynamics -------------------------------------------------------------------
dyn() { # GRANULARITY GROUP START END
	req GET "/api/traffic/dynamics?granularity=$1&group=$2&start=$3&end=$4"
	is "$STATUS" 200 "dynamics $1 by $2, $3..$4: 200"
	is "$($RD dynamics-got "$BODY")" "$($RD dynamics "$DATA" "$1" "$2" "$3" "$4")" \
		"dynamics $1 by $2, $3..$4: every bucket for every group, counts and revenue"
}
dyn week targetologist 2025-11-26 2026-01-10
req GET "/api/traffic/dynamics?granularity=week&group=targetologist&start=2025-11-26&end=2026-01-10"
is "$(jpath "$BODY" '" ".join(d["buckets"])')" \
	"2025-11-24 2025-12-01 2025-12-08 2025-12-15 2025-12-22 2025-12-29 2026-01-05" "dynamics: weeks start on Monday, none skipped"
is "$(jpath "$BODY" 'sorted({(x["sales_count"], x["revenue"]) for x in d["dynamics"] if x["bucket"] == "2025-12-15"})')" \
	"[(0, 0)]" "dynamics: the empty week 15-21 December is there, with zeros for every team"
is "$(jpath "$BODY" 'sorted({x["group"] for x in d["dynamics"]})')" \
	"['Arystan', 'Kenesary', 'Muha', 'Traf4', 'Unknown']" "dynamics: every team and Unknown"
dyn month product 2025-09-01 2026-01-31
dyn day utm_source 2025-11-28 2025-12-03
req GET "/api/traffic/dynamics?start=2025-12-01&end=2025-12-07"
is "$(jget "$BODY" granularity)/$(jget "$BODY" group)/$(jpath "$BODY" 'len(d["buckets"])')" "day/targetologist/7" \
	"dynamics: day and targetologist by default"
fetch "/api/traffic/dynamics?granularity=month&group=product&start=2025-09-01&end=2026-01-31&format=csv"
req GET "/api/traffic/dynamics?granularity=month&group=product&start=2025-09-01&end=2026-01-31"
is "$CTYPE/$(python3 - "$STACK/body" "$BODY" <<'PY'
import csv, io, json, sys
b = open(sys.argv[1], "rb").read()
assert b.startswith(b"\xef\xbb\xbf")
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
want = [["bucket", "group", "sales_count", "revenue"]] + [[x["bucket"], x["group"], str(x["sales_count"]), str(x["revenue"])]
        for x in json.loads(sys.argv[2], parse_float=str)["dynamics"]]
print("same" if rows == want else "%r != %r" % (rows[:3], want[:3]))
PY
)" "text/csv; charset=utf-8/same" "dynamics csv: parsed back equal to the JSON"
req GET "/api/traffic/dynamics?granularity=year&start=2025-01-01&end=2025-02-01"
check400 "dynamics: granularity year" granularity
req GET "/api/traffic/dynamics?group=campaign&start=2025-01-01&end=2025-02-01"
check400 "dynamics: group campaign" group
req GET "/api/traffic/dynamics?end=2025-02-01"
check400 "dynamics: start required" start
req GET "/api/traffic/dynamics?start=2000-01-01&end=2025-02-01"
check400 "dynamics: a range of 25 years" end

# --- the same answers when traffic_sales_stats counts another zone's days -------------
# Reports read traffic_sales_stats only when its days are AMOSYNC_TIMEZONE's;
# otherwise they scan the sales. Both ways must agree with the raw rows.
# A marker row in the stats table shows which way a report went. The
# table's days are those of the zone its sales were applied in, so the
# zone flips below with no sale pending (as the worker, paused here,
# would have it; an operator's traffic_sales_stats_rebuild() applies and
# recounts everything).
traffic "SELECT sales_stats_pending_apply(NULL)" >/dev/null
traffic "INSERT INTO traffic_sales_stats (date, period_type, team_name, utm_source, total_sales, total_revenue)
	VALUES ('2025-11-15', 'daily', 'Traf4', 'marker', 1000, 1000000)" >/dev/null
req GET "/api/amocrm/sales-stats?start=2025-11-01&end=2025-11-30"
want=$($RD stats "$DATA" 2025-11-01 2025-11-30 | tr '|' '\n' | grep '^Traf4:' | cut -d: -f2)
is "$(jpath "$BODY" '[s["sales_count"] for s in d["stats"] if s["targetologist"] == "Traf4"][0]')" "$((want + 1000))" \
	"sales-stats reads traffic_sales_stats when its days are AMOSYNC_TIMEZONE's"
req GET "/api/traffic/roi?start=2025-11-15&end=2025-11-15"
is "$(jpath "$BODY" '[x["sales"] for x in d["teams"] if x["team"] == "Traf4"][0] >= 1000')" true "roi reads it too"
req GET "/api/traffic/dynamics?granularity=month&group=utm_source&start=2025-11-01&end=2025-11-30"
is "$(jpath "$BODY" '[x["sales_count"] for x in d["dynamics"] if x["group"] == "marker"]')" "[1000]" "dynamics by source reads it too"
req GET "/api/amocrm/sales-history?targetologist=Traf4&start=2025-11-15&end=2025-11-15"
is "$(jpath "$BODY" 'd["stats"]["total_sales"] >= 1000')" true "sales-history totals read it too"
traffic "UPDATE report_settings SET timezone = 'UTC'" >/dev/null
req GET "/api/amocrm/sales-stats?start=2025-11-01&end=2025-11-30"
is "$($RD stats-got "$BODY")" "$($RD stats "$DATA" 2025-11-01 2025-11-30)" "sales-stats from the sales: the same figures"
req GET "/api/amocrm/sales-history?targetologist=Kenesary&start=2025-11-01&end=2025-11-30&limit=1000"
is "$($RD history-got "$BODY")" "$($RD history "$DATA" Kenesary 2025-11-01 2025-11-30)" "sales-history totals from the sales: the same"
req GET "/api/traffic/dynamics?granularity=week&group=targetologist&start=2025-11-26&end=2026-01-10"
is "$($RD dynamics-got "$BODY")" "$($RD dynamics "$DATA" week targetologist 2025-11-26 2026-01-10)" "dynamics from the sales: the same"
req GET "/api/traffic/dynamics?granularity=day&group=utm_source&start=2025-11-28&end=2025-12-03"
is "$($RD dynamics-got "$BODY")" "$($RD dynamics "$DATA" day utm_source 2025-11-28 2025-12-03)" "dynamics by source from the sales: the same"
req GET "/api/traffic/roi?start=2025-11-01&end=2025-11-30"
is "$(jpath "$BODY" 'sum(x["sales"] for x in d["teams"])')" "$($RD stats "$DATA" 2025-11-01 2025-11-30 | tr '|' '\n' | cut -d: -f2 | paste -sd+ | bc)" "roi from the sales: every sale once"
traffic "UPDATE report_settings SET timezone = 'Asia/Almaty'" >/dev/null
traffic "DELETE FROM traffic_sales_stats WHERE utm_source = 'marker'" >/dev/null

# --- UTM analysis ------------------------------------------------------------------------
U=/api/utm-analytics
req GET "$U/overview?start=2025-11-01&end=2025-11-30"
is "$STATUS/$(jget "$BODY" success)" "200/true" "utm overview: 200"
is "$($RD utm-overview-got "$BODY")" "$($RD utm-overview "$DATA" 2025-11-01 2025-11-30)" \
	"utm overview November: summary (coverage a string), by source, campaign, medium, team, by revenue"
is "$(jpath "$BODY" 'd["period"]')" "{'start': '2025-11-01', 'end': '2025-11-30', 'days': 30}" "utm overview: end honoured, days are days"
is "$(jpath "$BODY" 'type(d["summary"]["utm_coverage"]).__name__')" str "utm overview: utm_coverage is a string (the original's quirk)"
req GET "$U/overview?start=2026-03-01&end=2026-03-02"
is "$(jpath "$BODY" 'd["summary"]')" "{'total_sales': 0, 'total_revenue': 0, 'avg_sale': 0, 'sales_without_utm': 0, 'utm_coverage': 0}" \
	"utm overview: an empty period, coverage the number 0"
today=$(TZ=Asia/Almaty date +%F)
req GET "$U/overview?days=7"
is "$(jpath "$BODY" 'd["period"]["end"], d["period"]["days"]')" "('$today', 7)" "utm overview: days=7 ends today (Almaty), 7 days"
req GET "$U/overview?end=2025-12-10&days=10"
is "$($RD utm-overview-got "$BODY")" "$($RD utm-overview "$DATA" 2025-12-01 2025-12-10)" "utm overview: days=10 before end=2025-12-10 is 1-10 December"
req GET "$U/top-sources?limit=1000&start=2025-10-01&end=2025-12-31"
is "$($RD utm-sources-got "$BODY")" "$($RD utm-sources "$DATA" 2025-10-01 2025-12-31)" \
	"utm top-sources: every source, count, revenue, avg, campaigns, by revenue"
full=$BODY
req GET "$U/top-sources?limit=2&start=2025-10-01&end=2025-12-31"
is "$(jpath "$BODY" '[x["utm_source"] for x in d["sources"]]')" "$(jpath "$full" '[x["utm_source"] for x in d["sources"]][:2]')" "utm top-sources: limit keeps the top"
req GET "$U/top-campaigns?limit=1000&source=facebook&start=2025-10-01&end=2025-12-31"
is "$($RD utm-campaigns-got "$BODY")" "$($RD utm-campaigns "$DATA" 2025-10-01 2025-12-31 facebook)" "utm top-campaigns of facebook"
req GET "$U/without-utm?limit=1000&start=2025-11-01&end=2025-11-30"
is "$($RD utm-without-got "$BODY")" "$($RD utm-without "$DATA" 2025-11-01 2025-11-30)" "utm without-utm: count and the sales"
req GET "$U/without-utm?limit=3&start=2025-11-01&end=2025-11-30"
is "$(jget "$BODY" count)/$(jpath "$BODY" 'len(d["sales"])')" "$($RD utm-without "$DATA" 2025-11-01 2025-11-30 | cut -d' ' -f1)/3" \
	"utm without-utm: count of all, not of the page"
req GET "$U/daily-stats?source=facebook&start=2025-11-20&end=2025-12-05"
is "$($RD utm-daily-got "$BODY")" "$($RD utm-daily "$DATA" 2025-11-20 2025-12-05 facebook)" "utm daily-stats: per day, source, campaign (days are days)"
req GET "$U/search?utm_campaign=B_AG&start=2025-11-01&end=2025-11-30&limit=1000"
is "$($RD utm-search-got "$BODY")" "$($RD utm-search "$DATA" 2025-11-01 2025-11-30 b_ag "")" "utm search: campaign contains, any case"
req GET "$U/search?utm_campaign=B_AG&targetologist=Unknown&start=2025-11-01&end=2025-11-30&limit=2"
is "$(jget "$BODY" count)" "$($RD utm-search "$DATA" 2025-11-01 2025-11-30 b_ag Unknown | cut -d'|' -f1)" "utm search: totals over every match, not the page"
req GET "$U/search?utm_campaign=%25"
is "$(jget "$BODY" count)" 0 "utm search: % is a literal, not a wildcard"
req GET "$U/source-details/facebook?start=2025-11-01&end=2025-11-30"
is "$($RD utm-source-got "$BODY")" "$($RD utm-source "$DATA" 2025-11-01 2025-11-30 facebook)" "utm source-details: summary, campaigns, 20 newest"
fetch "$U/top-sources?limit=1000&start=2025-10-01&end=2025-12-31&format=csv"
is "$CTYPE/$(python3 - "$STACK/body" "$full" <<'PY'
import csv, io, json, sys
b = open(sys.argv[1], "rb").read()
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
d = json.loads(sys.argv[2], parse_float=str)
want = [[("" if x[k] is None else str(x[k])) for k in rows[0]] for x in d["sources"]]
print("same" if rows[1:] == want and b.startswith(b"\xef\xbb\xbf") else "%r != %r" % (rows[1:3], want[:2]))
PY
)" "text/csv; charset=utf-8/same" "utm top-sources csv: parsed back equal to the JSON"
fetch "$U/overview?start=2025-11-01&end=2025-11-30&format=csv"
is "$STATUS/$(head -c 3 "$STACK/body" | od -An -tx1 | tr -d ' ')/$(sed -n 1p "$STACK/body" | tr -d '\r' | cut -c4-)" \
	"200/efbbbf/kind,source,campaign,medium,targetologist,sales,revenue" "utm overview csv: BOM and header"
req GET "$U/overview?days=0"
check400 "utm overview: days 0" days
req GET "$U/top-sources?limit=1001"
check400 "utm top-sources: limit over 1000" limit
req GET "$U/nope"
is "$STATUS" 404 "utm: an unknown report is 404"

# The UTM reports sum utm_sales_stats (kept by triggers, 010-utm-stats.sql):
# its months wholly in the period and its days of the rest, when its days
# are AMOSYNC_TIMEZONE's; otherwise they scan the sales. Marker rows show
# which way a report went; both ways must give the same answers.
traffic "INSERT INTO utm_sales_stats VALUES
	('month', '2025-11-01', 'marker', NULL, 'mk', 'Unknown', 1000, 1000000, '2025-11-15T10:00Z', '2025-11-15T10:00Z'),
	('day', '2025-11-15', 'marker', NULL, 'mk', 'Unknown', 7, 7000, '2025-11-15T10:00Z', '2025-11-15T10:00Z')" >/dev/null
marker() { jpath "$BODY" '[x["sales_count"] for x in d["sources"] if x["utm_source"] == "marker"]'; }
req GET "$U/top-sources?limit=1000&start=2025-11-01&end=2025-11-30"
is "$(marker)" "[1000]" "utm top-sources of a whole month reads utm_sales_stats' month"
req GET "$U/top-sources?limit=1000&start=2025-10-20&end=2025-12-10"
is "$(marker)" "[1000]" "utm top-sources of a month and some days reads the month, not its days"
req GET "$U/top-sources?limit=1000&start=2025-11-10&end=2025-11-20"
is "$(marker)" "[7]" "utm top-sources of some days reads utm_sales_stats' days"
req GET "$U/daily-stats?source=marker&start=2025-11-01&end=2025-11-30"
is "$(jpath "$BODY" '[(x["date"], x["sales_count"]) for x in d["daily_stats"]]')" "[('2025-11-15', 7)]" "utm daily-stats reads the days"
traffic "DELETE FROM utm_sales_stats WHERE utm_source = 'marker'" >/dev/null
is "$(traffic "SELECT (SELECT count(*) FROM utm_sales_stats) = utm_sales_stats_rebuild()")" t "utm_sales_stats: rows as many as a rebuild's"
utm_urls="overview?start=2025-11-01&end=2025-11-30
overview?start=2025-10-20&end=2025-12-10&targetologist=Unknown
top-sources?limit=1000&start=2025-10-20&end=2025-12-10
top-sources?limit=1000&start=2025-10-01&end=2025-12-31&medium=cpc
top-campaigns?limit=1000&start=2025-10-20&end=2025-12-10
top-campaigns?limit=1000&start=2025-11-01&end=2025-11-30&source=No%20UTM%20Source
without-utm?limit=1000&start=2025-10-20&end=2025-12-10
daily-stats?start=2025-10-20&end=2025-12-10&limit=1000
search?utm_campaign=B_AG&start=2025-10-20&end=2025-12-10&limit=1000
source-details/facebook?start=2025-10-20&end=2025-12-10
source-details/No%20UTM%20Source?start=2025-11-01&end=2025-11-30"
traffic "UPDATE report_settings SET timezone = 'UTC'" >/dev/null
for u in $utm_urls; do req GET "$U/$u"; printf '%s\n' "$BODY" >>"$STACK/utm-scan"; done
traffic "UPDATE report_settings SET timezone = 'Asia/Almaty'" >/dev/null
for u in $utm_urls; do req GET "$U/$u"; printf '%s\n' "$BODY" >>"$STACK/utm-stats"; done
n=0
while IFS= read -r a <&3 && IFS= read -r b <&4; do
	n=$((n + 1))
	u=$(printf '%s\n' "$utm_urls" | sed -n "${n}p")
	is "$(jget "$b" success)/$b" "true/$a" "utm $u: from utm_sales_stats and from the sales the same"
done 3<"$STACK/utm-scan" 4<"$STACK/utm-stats"
is "$n" 11 "utm: every report compared both ways"

# --- ad spend and ROI -------------------------------------------------------------------
A=/api/traffic/ad-spend
spends() { traffic "SELECT count(*) FROM ad_spend"; }
printf '\xef\xbb\xbfteam,date,amount,currency,campaign,usd_to_kzt_rate\r\nKenesary,2025-11-03,150000,KZT,,\r\nkenesary,2025-11-03,200.50,USD,"spring, retarget",512.25\r\nArystan,2025-11-10,1000,USD,,\r\nMuha,2025-11-30,50000.5,KZT,Запуск,\r\nMuha,2025-12-01,99999,KZT,,\r\n' >"$STACK/spend.csv"
# The same file with a bad amount on line 4: refused whole.
sed '4s/^Arystan,2025-11-10,1000,/Arystan,2025-11-10,"10,00",/' "$STACK/spend.csv" >"$STACK/spend-bad.csv"
post $A text/csv "@$STACK/spend-bad.csv"
is "$STATUS/$(jget "$BODY" field)" "400/amount" "ad-spend csv: a bad amount is a 400 on amount"
like "$(jget "$BODY" error)" '^line 4: amount: .*nothing was stored' "ad-spend csv: the error names line 4"
is "$(spends)" 0 "ad-spend csv: nothing of the bad upload stored (not even lines 2-3)"
printf 'team,date,amount\nKenesary,2025-11-03,1\nNobody,2025-11-04,2\n' >"$STACK/spend-team.csv"
post $A text/csv "@$STACK/spend-team.csv"
is "$STATUS/$(jget "$BODY" field)/$(spends)" "400/team/0" "ad-spend csv: an unknown team refuses the upload"
like "$(jget "$BODY" error)" '^line 3: team: no such team' "ad-spend csv: the unknown team's line"
printf 'team,date,amount,currency\nMuha,2025-11-05,10,USD\n' >"$STACK/spend-usd.csv"
post $A text/csv "@$STACK/spend-usd.csv"
is "$STATUS/$(spends)" "200/1" "ad-spend: USD without a rate uses AMOSYNC_USD_KZT_RATE"
is "$(traffic "SELECT amount_kzt, usd_to_kzt_rate FROM ad_spend")" "5000.00|500.0000" "ad-spend: 10 USD at 500 is 5000 KZT, the rate kept"
traffic "DELETE FROM ad_spend" >/dev/null
post $A text/csv "@$STACK/spend.csv"
is "$STATUS/$(jget "$BODY" stored)/$(jget "$BODY" inserted)/$(spends)" "200/5/5/5" "ad-spend csv: BOM, CRLF, quoted comma, Cyrillic: 5 rows stored"
post $A text/csv "@$STACK/spend.csv"
is "$STATUS/$(jget "$BODY" inserted)/$(jget "$BODY" updated)/$(spends)" "200/0/5/5" "ad-spend csv: the same upload again changes nothing (idempotent per team, date, campaign)"
req GET "$A?limit=1000"
is "$($RD spend-list-got "$BODY")" "$($RD spend-list "$STACK/spend.csv" $RATE)" "ad-spend list: the rows as uploaded, amounts in KZT computed from the rates"
send_json() { req POST $A -H "Content-Type: application/json" --data-binary "$1"; }
send_json '{"rows":[{"team":"Traf4","date":"2025-11-20","amount":100},{"team":"Traf4","date":"2025-11-31","amount":1}]}'
is "$STATUS/$(jget "$BODY" field)/$(spends)" "400/date/5" "ad-spend json: 31 November refused, nothing stored"
like "$(jget "$BODY" error)" '^row 2: date' "ad-spend json: the error names row 2"
send_json '{"rows":[{"team":"Traf4","date":"2025-11-20","amount":100},{"team":"traf4","date":"2025-11-20","amount":5}]}'
is "$STATUS/$(jget "$BODY" field)/$(spends)" "400/campaign/5" "ad-spend json: the same team, date and campaign twice is refused"
send_json '{"rows":[{"team":"Traf4","date":"2025-11-20","amount":"1.5","colour":"x"}]}'
is "$STATUS/$(jget "$BODY" field)" "400/colour" "ad-spend json: an unknown member is refused"
send_json '{"rows":[{"team":"Kenesary","date":"2025-11-03","amount":150000,"currency":"kzt"}]}'
is "$STATUS/$(jget "$BODY" updated)/$(spends)" "200/1/5" "ad-spend json: replaces the same team, date and campaign"
req POST $A -H "Content-Type: text/plain" --data-binary 'x'
is "$STATUS" 415 "ad-spend: another content type is 415"
req GET "/api/traffic/roi?start=2025-11-01&end=2025-11-30"
is "$STATUS" 200 "roi: 200"
is "$($RD roi-got "$BODY")" "$($RD roi "$DATA" "$STACK/spend.csv" $RATE 2025-11-01 2025-11-30)" \
	"roi November: spend, revenue, sales, ROI, ROAS, cost per sale per team, most spend first"
is "$(jpath "$BODY" '[(x["roi"], x["roas"], x["cost_per_sale"]) for x in d["teams"] if x["team"] == "Traf4"][0]')" \
	"(None, None, None)" "roi: a team without spend has null ROI, not infinity"
fetch "/api/traffic/roi?start=2025-11-01&end=2025-11-30&format=csv"
is "$CTYPE/$(python3 - "$STACK/body" "$BODY" <<'PY'
import csv, io, json, sys
b = open(sys.argv[1], "rb").read()
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
d = json.loads(sys.argv[2], parse_float=str)
want = [[("" if x[k] is None else str(x[k])) for k in rows[0]] for x in d["teams"]]
print("same" if rows[1:] == want and b.startswith(b"\xef\xbb\xbf") else "%r != %r" % (rows[1:3], want[:2]))
PY
)" "text/csv; charset=utf-8/same" "roi csv: parsed back equal to the JSON"
req GET "/api/traffic/roi?start=2025-11-01"
check400 "roi: end required" end
traffic "UPDATE report_settings SET timezone = 'UTC'" >/dev/null
req GET "/api/traffic/roi?start=2025-11-01&end=2025-11-30"
is "$($RD roi-got "$BODY")" "$($RD roi "$DATA" "$STACK/spend.csv" $RATE 2025-11-01 2025-11-30)" "roi from the sales: the same"
traffic "UPDATE report_settings SET timezone = 'Asia/Almaty'" >/dev/null

# --- funnel ---------------------------------------------------------------------------
FDATA=$STACK/funnel.json
$RD funnel-gen 7 "$FDATA" >"$STACK/funnel.sql"
stack_psql "$STACK" traffic -q -f "$STACK/funnel.sql" >/dev/null
# The report answers from the applied sums (it applies at most a small
# batch itself): the backlog applied first, as the worker (paused here)
# would.
traffic "SELECT sales_stats_pending_apply(NULL), funnel_pending_apply(NULL)" >/dev/null
funnel_is() { # START END TEAM DESCRIPTION
	req GET "/api/traffic/funnel?pipeline_id=10350882&start=$1&end=$2${3:+&targetologist=$3}"
	is "$STATUS" 200 "funnel $4: 200"
	is "$($RD funnel-got "$BODY")" "$($RD funnel "$FDATA" "$1" "$2" "$3")" \
		"funnel $4: leads per stage (skips passed, back-and-forth once), conversions, median gaps, won, lost"
}
funnel_is 2025-11-01 2025-11-30 "" "November"
funnel_is 2025-10-01 2026-01-31 "" "all events"
funnel_is 2025-11-01 2025-11-30 Arystan "November, Arystan's sold leads"
funnel_is 2025-11-05 2025-11-07 "" "5-7 November (the named leads)"
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30"
is "$(jpath "$BODY" '[s["name"] for s in d["stages"]][:2] + [d["stages"][-1]["status_id"]]')" \
	"['Неразобранное', 'Заявка с профтеста', 142]" "funnel: the seed's stages in order, ending with 142"
is "$(jpath "$BODY" 'd["stages"][0]["conversion_from_previous"]')" null "funnel: the first stage has no previous"
# The lead that went 1-2-3-2-3-4 counts once at stages 1 to 4.
n4=$(jpath "$BODY" 'd["stages"][3]["leads"]')
traffic "DELETE FROM lead_events WHERE lead_id = 500001" >/dev/null
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30"
is "$(( n4 - $(jpath "$BODY" 'd["stages"][3]["leads"]') ))/$(jpath "$BODY" 'd["stages"][4]["leads"]')" \
	"1/$($RD funnel "$FDATA" 2025-11-01 2025-11-30 "" | cut -d' ' -f8 | cut -d: -f2)" "funnel: the back-and-forth lead counted once at stage 4, never beyond"
# A new lead event only marks its lead (funnel_pending) in the webhook's
# transaction; the report applies what is pending before it reads.
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30"
n0=$(jpath "$BODY" 'd["stages"][0]["leads"]')
traffic "INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id, status_id, old_status_id, lead_updated_at, event_at)
	VALUES (599999, 'status', 10350882, 10350882, 81854574, 0, 0, '2025-11-20 12:00+05')" >/dev/null
is "$(traffic "SELECT count(*) FROM funnel_pending WHERE lead_id = 599999")/$(traffic "SELECT count(*) FROM funnel_leads WHERE lead_id = 599999")" "1/0" "funnel: a new event marks its lead, nothing recomputed in its transaction"
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30"
is "$(jpath "$BODY" 'd["stages"][0]["leads"]')" "$((n0 + 1))" "funnel: the report applies the pending lead before it reads"
is "$(traffic "SELECT count(*) FROM funnel_pending")" 0 "funnel: nothing left pending"
traffic "DELETE FROM lead_events WHERE lead_id = 599999" >/dev/null
# The funnel sums funnel_day_leads and funnel_day_gaps (kept by triggers on
# lead_events, 009-funnel-leads.sql; for one team funnel_team_day_*, 047)
# for the leads whose every event is in the period, when their days are
# AMOSYNC_TIMEZONE's; otherwise it reads the events. A marker row shows which way it went;
# both ways must agree with the raw events.
fsum() { traffic "SELECT (SELECT count(*) || '/' || sum(n) FROM funnel_day_leads) || ' '
	|| (SELECT count(*) || '/' || sum(n) || '/' || sum(gap * n) FROM funnel_day_gaps)"; }
incr=$(fsum)
is "$(traffic "SELECT funnel_leads_rebuild() > 0")/$(fsum)" "t/$incr" "funnel: the triggers' rows equal a rebuild's (after inserts and a deletion)"
traffic "INSERT INTO funnel_day_leads AS d VALUES (10350882, '2025-11-15', '2025-11-15', 1, false, false, 1000)
	ON CONFLICT (pipeline_id, first_day, last_day, rk, won, lost) DO UPDATE SET n = d.n + 1000" >/dev/null
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30"
is "$(jpath "$BODY" 'd["stages"][0]["leads"]')" "$(( $($RD funnel "$FDATA" 2025-11-01 2025-11-30 "" | cut -d' ' -f4 | cut -d: -f2) - 1 + 1000 ))" \
	"funnel reads funnel_day_leads when its days are AMOSYNC_TIMEZONE's (lead 500001 deleted, the marker's 1000 added)"
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30&targetologist=Arystan"
is "$($RD funnel-got "$BODY")" "$($RD funnel "$FDATA" 2025-11-01 2025-11-30 Arystan)" "funnel for a team does not read the day sums of every team (it reads its own)"
traffic "UPDATE funnel_day_leads SET n = n - 1000 WHERE n >= 1000" >/dev/null
traffic "UPDATE report_settings SET timezone = 'UTC'" >/dev/null
for r in "2025-11-01 2025-11-30" "2025-10-01 2026-01-31" "2025-11-05 2025-11-07" "2025-11-10 2025-11-10"; do
	set -- $r
	req GET "/api/traffic/funnel?pipeline_id=10350882&start=$1&end=$2"
	fromev=$($RD funnel-got "$BODY")
	traffic "UPDATE report_settings SET timezone = 'Asia/Almaty'" >/dev/null
	req GET "/api/traffic/funnel?pipeline_id=10350882&start=$1&end=$2"
	is "$fromev" "$($RD funnel-got "$BODY")" "funnel $1..$2: from the events and from funnel_day_* the same"
	traffic "UPDATE report_settings SET timezone = 'UTC'" >/dev/null
	req GET "/api/traffic/funnel?pipeline_id=10350882&start=$1&end=$2&targetologist=Arystan"
	fromev=$($RD funnel-got "$BODY")
	traffic "UPDATE report_settings SET timezone = 'Asia/Almaty'" >/dev/null
	req GET "/api/traffic/funnel?pipeline_id=10350882&start=$1&end=$2&targetologist=Arystan"
	is "$fromev" "$($RD funnel-got "$BODY")" "funnel $1..$2, Arystan: from the events and from funnel_team_day_* the same"
	traffic "UPDATE report_settings SET timezone = 'UTC'" >/dev/null
done
traffic "UPDATE report_settings SET timezone = 'Asia/Almaty'" >/dev/null
# A lead's team is its sale's. A sale re-attributed, deleted or added
# after its lead's events were summed moves the lead between the team sums
# (funnel_team_day_*, 047-funnel-team-days.sql) by the next report; the
# expected side follows the same changes in the raw rows.
traffic "SELECT funnel_pending_apply()" >/dev/null
fpick() { # TEAM|unsold: a lead with every event in the middle of November
	python3 - "$FDATA" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
span = {}
for l, p, s, o, a in d["events"]:
	if p == 10350882:
		span.setdefault(str(l), []).append(a[:10])
# (500001's events were deleted above.)
ok = [l for l, days in sorted(span.items())
	if l != "500001" and min(days) >= "2025-11-03" and max(days) <= "2025-11-27"]
want = sys.argv[2]
print(next(l for l in ok if (l not in d["teams"] if want == "unsold" else d["teams"].get(l) == want)))
PY
}
fteam() { # LEAD TEAM|null|none: the lead's sale in the raw rows
	python3 - "$FDATA" "$1" "$2" <<'PY'
import json, sys
p, lead, t = sys.argv[1:]
d = json.load(open(p))
if t == "none":
	d["teams"].pop(lead)
else:
	d["teams"][lead] = None if t == "null" else t
json.dump(d, open(p, "w"))
PY
}
la=$(fpick Arystan); fteam "$la" Kenesary
traffic "UPDATE all_sales_tracking SET targetologist = 'Kenesary' WHERE lead_id = '$la'" >/dev/null
lb=$(fpick Arystan); fteam "$lb" none
traffic "DELETE FROM all_sales_tracking WHERE lead_id = '$lb'" >/dev/null
lc=$(fpick unsold); fteam "$lc" null
traffic "INSERT INTO all_sales_tracking (lead_id, sale_amount, sale_date) VALUES ('$lc', 5000, '2024-01-01T00:00:00Z')" >/dev/null
is "$(traffic "SELECT count(*) FROM funnel_pending WHERE lead_id IN ($la, $lb, $lc)")" 2 \
	"funnel: a re-attributed and a deleted sale mark their lead at once"
traffic "SELECT sales_stats_pending_apply()" >/dev/null
is "$(traffic "SELECT count(*) FROM funnel_pending WHERE lead_id IN ($la, $lb, $lc)")" 3 \
	"funnel: a new sale marks its lead when the sales statistics take it"
funnel_is 2025-11-01 2025-11-30 Arystan "November, Arystan after one lead re-attributed and one sale deleted"
funnel_is 2025-11-01 2025-11-30 Kenesary "November, Kenesary with the re-attributed lead"
funnel_is 2025-11-01 2025-11-30 Unknown "November, Unknown with the new sale without a team"
tsum() { traffic "SELECT (SELECT count(*) || '/' || sum(n) || '/' || sum(n * rk) FROM funnel_team_day_leads) || ' '
	|| (SELECT count(*) || '/' || sum(n) || '/' || sum(gap * n) FROM funnel_team_day_gaps)"; }
incr=$(tsum)
is "$(traffic "SELECT funnel_leads_rebuild() > 0")/$(tsum)" "t/$incr" "funnel: the team sums kept by the sales' triggers equal a rebuild's"
req GET "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30"
fetch "/api/traffic/funnel?pipeline_id=10350882&start=2025-11-01&end=2025-11-30&format=csv"
is "$CTYPE/$(python3 - "$STACK/body" "$BODY" <<'PY'
import csv, io, json, sys
b = open(sys.argv[1], "rb").read()
rows = list(csv.reader(io.StringIO(b[3:].decode("utf-8"), newline="")))
d = json.loads(sys.argv[2], parse_float=str)
keys = rows[0]
want = [[("" if s[k] is None else str(s[k])) for k in keys] for s in d["stages"]]
print("same" if rows[1:] == want and b.startswith(b"\xef\xbb\xbf") else "%r != %r" % (rows[1:3], want[:2]))
PY
)" "text/csv; charset=utf-8/same" "funnel csv: parsed back equal to the JSON"
req GET "/api/traffic/funnel?pipeline_id=10418746&start=2025-11-01&end=2025-11-30"
is "$STATUS/$(jget "$BODY" success)" "404/false" "funnel: a pipeline without stages is 404"
req GET "/api/traffic/funnel?start=2025-11-01&end=2025-11-30"
check400 "funnel: pipeline_id required" pipeline_id
req GET "/api/traffic/funnel?pipeline_id=abc&start=2025-11-01&end=2025-11-30"
check400 "funnel: pipeline_id not a number" pipeline_id

# --- traffic_sales_stats = a fresh GROUP BY of the sales, whatever happens -----------------
# The expected side is computed here in SQL from the raw rows, with the
# business day written out; the trigger under test never sees it.
# Compared as a report sees the table: after the pending sales are
# applied (043-sales-stats-pending.sql).
stats_vs_sales() {
	traffic "SELECT sales_stats_pending_apply()" >/dev/null
	traffic "WITH fresh AS (SELECT (sale_date AT TIME ZONE 'Asia/Almaty')::date AS d,
		coalesce(targetologist, 'Unknown') AS t, coalesce(nullif(utm_source, ''), '') AS s,
		count(*) AS n, sum(sale_amount)::numeric(17,2) AS r,
		count(*) FILTER (WHERE sale_amount >= 50000) AS fn,
		coalesce(sum(sale_amount) FILTER (WHERE sale_amount >= 50000), 0)::numeric(17,2) AS fr,
		count(*) FILTER (WHERE sale_amount < 50000) AS en
		FROM all_sales_tracking GROUP BY 1, 2, 3),
	st AS (SELECT date, team_name, coalesce(utm_source, ''), total_sales::bigint,
		total_revenue::numeric(17,2), flagman_sales::bigint, flagman_revenue::numeric(17,2),
		express_sales::bigint FROM traffic_sales_stats WHERE period_type = 'daily')
	SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM st) a) || ' missing/' ||
		(SELECT count(*) FROM (SELECT * FROM st EXCEPT SELECT * FROM fresh) b) || ' extra/' ||
		(SELECT count(*) FROM st) || ' rows/' || (SELECT coalesce(sum(total_sales), 0) FROM traffic_sales_stats) || ' sales'"
}
groups() { traffic "SELECT count(*) FROM (SELECT 1 FROM all_sales_tracking GROUP BY (sale_date AT TIME ZONE 'Asia/Almaty')::date, coalesce(targetologist, 'Unknown'), coalesce(nullif(utm_source, ''), '')) g"; }
nsales() { traffic "SELECT count(*) FROM all_sales_tracking"; }
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal to a fresh GROUP BY after the bulk load"
# Sales through the webhook (the sale's own transaction), one twice.
FORM=application/x-www-form-urlencoded
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
for id in 7701 7702 7703 7701; do
	post /api/amocrm/sales-webhook $FORM "$(body '{"leads":[{"id":'$id',"status_id":142,"pipeline_id":10418746,"price":"'$id'00","updated_at":1764300000,"fields":[[434731,"utm_source","fb_kenesary"],[434729,"utm_campaign","arystan_spring"]]}]}')"
done
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id IN ('7701', '7702', '7703')")" 3 "stats workload: three webhook sales stored once"
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal after webhook sales and a retry"
# Re-attribution moves sales between teams (track_set_teams).
req POST /api/traffic/attribution/reattribute -H "Content-Type: application/json" --data-binary '{"from":"2025-10-01","to":"2025-12-31"}'
is "$STATUS" 200 "stats workload: re-attribution ran"
[ "$(jget "$BODY" changed)" -gt 100 ]
ok $? "stats workload: re-attribution changed many sales ($(jget "$BODY" changed))"
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal after re-attribution"
# New sales are pending until a report or the worker applies them; a
# correction or deletion of a pending sale changes nothing in the table,
# the apply reads the sale as it is then.
for id in 7704 7705 7706; do
	post /api/amocrm/sales-webhook $FORM "$(body '{"leads":[{"id":'$id',"status_id":142,"pipeline_id":10418746,"price":"'$id'00","updated_at":1764300000,"fields":[[434731,"utm_source","fb_kenesary"]]}]}')"
done
is "$(traffic "SELECT count(*) FROM sales_stats_pending p JOIN all_sales_tracking a ON a.id = p.sale_id WHERE a.lead_id IN ('7704', '7705', '7706')")" 3 \
	"stats: webhook sales wait in sales_stats_pending, out of the webhook's transaction"
traffic "UPDATE all_sales_tracking SET sale_amount = 123456, targetologist = 'Muha', utm_source = 'moved' WHERE lead_id = '7704'" >/dev/null
traffic "DELETE FROM all_sales_tracking WHERE lead_id = '7705'" >/dev/null
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal after correcting and deleting sales not yet applied"
is "$(traffic "SELECT count(*) FROM sales_stats_pending")" 0 "stats: nothing left pending after the apply"
# Concurrent sales, applies and re-attributions: each lock of 043 in play.
bg=""
for k in 1 2 3 4; do
	(for i in $(seq 1 15); do
		post /api/amocrm/sales-webhook $FORM "$(body '{"leads":[{"id":77'$k'0'$i',"status_id":142,"pipeline_id":10418746,"price":"'$k$i'000","updated_at":1764300000,"fields":[[434731,"utm_source","src'$((i % 3))'"],[434729,"utm_campaign","c'$k'"]]}]}')"
	done) &
	bg="$bg $!"
done
(for i in $(seq 1 20); do traffic "SELECT sales_stats_pending_apply()" >/dev/null; done) &
bg="$bg $!"
(for i in 1 2 3; do traffic "UPDATE all_sales_tracking SET targetologist = CASE WHEN targetologist = 'Muha' THEN 'Arystan' ELSE 'Muha' END WHERE lead_id LIKE '77%'" >/dev/null; done) &
bg="$bg $!"
# shellcheck disable=SC2086 # the pids, one word each
wait $bg
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id ~ '^77[1-4]0'")" 60 "stats: 60 concurrent webhook sales stored"
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal after concurrent sales, applies and re-attributions"
# Corrections and deletions, in one transaction and apart.
traffic "BEGIN;
	UPDATE all_sales_tracking SET sale_amount = sale_amount + 50000 WHERE lead_id LIKE '9001%';
	UPDATE all_sales_tracking SET sale_date = sale_date + interval '5 hours' WHERE lead_id LIKE '9002%';
	UPDATE all_sales_tracking SET utm_source = NULL WHERE lead_id LIKE '9003%';
	UPDATE all_sales_tracking SET utm_source = '' WHERE lead_id LIKE '9004%';
	UPDATE all_sales_tracking SET targetologist = NULL WHERE lead_id LIKE '9005%';
	UPDATE all_sales_tracking SET contact_name = 'only a name' WHERE lead_id LIKE '9006%';
	COMMIT;" >/dev/null
traffic "DELETE FROM all_sales_tracking WHERE lead_id LIKE '9007%' OR lead_id = '7702'" >/dev/null
traffic "BEGIN; DELETE FROM all_sales_tracking WHERE lead_id LIKE '9008%'; ROLLBACK;" >/dev/null
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal after amount, day, source and team corrections, deletions and a rollback"
is "$(traffic "SELECT count(*) FROM traffic_sales_stats WHERE total_sales <= 0")" 0 "stats: no empty rows left behind"
# utm_sales_stats went through the same workload: equal to a rebuild's rows.
ustate() { traffic "SELECT count(*) || ' ' || md5(string_agg(format('%s|%s|%L|%L|%L|%s|%s|%s|%s|%s', period, d, utm_source,
	utm_medium, utm_campaign, team, n, revenue, first_at, last_at), ',' ORDER BY period, d, utm_source, utm_medium,
	utm_campaign, team)) FROM utm_sales_stats"; }
traffic "SELECT sales_stats_pending_apply()" >/dev/null
incr=$(ustate)
# utm_day_campaign_stats (048-utm-daily.sql, kept by triggers on
# utm_sales_stats): its day rows summed over medium and team.
# (Revenue compared as a number: a sum kept by adding and taking away
# keeps the largest scale it had.)
dstate() { traffic "SELECT count(*) || ' ' || md5(string_agg(format('%s|%L|%L|%s|%s', d, utm_source, utm_campaign, n,
	trim_scale(revenue)), ',' ORDER BY d, utm_source, utm_campaign)) FROM $1"; }
is "$(dstate utm_day_campaign_stats)" "$(dstate "(SELECT d, utm_source, utm_campaign, sum(n) AS n, sum(revenue) AS revenue
	FROM utm_sales_stats WHERE period = 'day' GROUP BY 1, 2, 3) g")" \
	"utm_day_campaign_stats: equal to the days of utm_sales_stats after the same workload"
is "$(traffic "SELECT count(*) FROM utm_day_campaign_stats WHERE n <= 0")" 0 "utm_day_campaign_stats: no empty rows left behind"
traffic "SELECT utm_sales_stats_rebuild()" >/dev/null
is "$incr" "$(ustate)" "utm_sales_stats: equal to a rebuild after the same workload (first and last sales too)"
is "$(traffic "SELECT count(*) FROM utm_sales_stats WHERE n <= 0")" 0 "utm_sales_stats: no empty rows left behind"
is "$(traffic "SELECT traffic_sales_stats_rebuild()")" "$(groups)" "stats: a rebuild gives the same rows"
is "$(stats_vs_sales)" "0 missing/0 extra/$(groups) rows/$(nsales) sales" "stats: equal after the rebuild"

integ_check_logs
