#!/usr/bin/env bash
# The reporting APIs (issue 10) through real nginx to the real programs,
# over a generated data set whose expected figures are computed from the
# raw rows by tests/integ/reportdata.py, never copied from an answer.
. "$top_srcdir/tests/integ/lib.sh"
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
	"['attribution_confidence', 'contact_email', 'contact_name', 'contact_phone', 'created_at', 'currency', 'id', 'lead_id', 'lead_name', 'pipeline_id', 'product_name', 'sale_amount', 'sale_date', 'sale_day', 'status_id', 'targetologist', 'utm_campaign', 'utm_content', 'utm_id', 'utm_medium', 'utm_source', 'utm_term']" \
	"sales-history: the original's row fields"
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

integ_check_logs
