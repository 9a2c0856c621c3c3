#!/usr/bin/env bash
# Fault suite: a forged delivery for a real deal, then amoCRM's real one;
# and forged deals amoCRM does not have (amoCRM form and the original's
# flat JSON). amoCRM is the source of truth: the stored sale (landing and
# traffic) and its announcement carry amoCRM's price and UTM tags, the
# forgery stays visible as such (the recorded request, the corrections),
# and a deal amoCRM does not have is never announced. Prints
# sent / 2xx / stored / duplicates / messages / lost.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=1
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100"
integ_up

FORM=application/x-www-form-urlencoded
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
traffic() { sql traffic "$1"; }
landing() { sql landing "$1"; }
messages() { tg_ctl GET /__control/messages | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
messages_for() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin) if sys.argv[1] in m["text"]))' "$1"
}
message_text() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
ms = [m for m in json.load(sys.stdin) if sys.argv[1] in m["text"]]
print(ms[-1]["text"] if ms else "")' "$1"
}
delivered() { [ "$(messages_for "$1")" -ge 1 ]; }
verified() { [ -n "$(traffic "SELECT 1 FROM all_sales_tracking WHERE lead_id = '$1' AND verification <> 'pending'")" ]; }
SENT=0
OK2XX=0
# send PATH CONTENT-TYPE DATA: a delivery, counted.
send() {
	post "$1" "$2" "$3"
	SENT=$((SENT + 1))
	case $STATUS in 2??) OK2XX=$((OK2XX + 1)) ;; esac
}

# The real deal in amoCRM: won in the Flagship pipeline, 490,000 ₸, from
# Arystan's ads, with its client.
REAL=943000001
amo_ctl POST /__control/leads "$(python3 -c '
import json
f = lambda i, n, c, v: {"field_id": i, "field_name": n, "field_code": c,
    "field_type": "tracking_data", "values": [{"value": v}]}
print(json.dumps({"leads": [{"id": 943000001, "name": "Настоящая сделка",
  "price": 490000, "status_id": 142, "pipeline_id": 10418746,
  "created_at": 1764300000, "updated_at": 1764300000, "account_id": 29000001,
  "custom_fields_values": [f(434731, "utm_source", "UTM_SOURCE", "fb_arystan"),
    f(434727, "utm_medium", "UTM_MEDIUM", "cpc"),
    f(434729, "utm_campaign", "UTM_CAMPAIGN", "arystan_flagship")],
  "_embedded": {"tags": [], "companies": [], "contacts": [{"id": 943100001, "is_main": True}]}}],
  "contacts": [{"id": 943100001, "name": "Real Client", "custom_fields_values": None,
    "account_id": 29000001}]}))')" >/dev/null

# 1. The forgery arrives first: the same deal, price 1, the attacker's
#    UTM, to funnel-sale (landing and traffic rows).
send /api/amocrm/funnel-sale $FORM "$(body '{"leads":[{"id":943000001,"name":"Forged","status_id":142,"old_status_id":81854618,"pipeline_id":10418746,"price":"1","updated_at":1764300000,"fields":[[434731,"utm_source","fb_attacker"],[434729,"utm_campaign","forged"]]}]}')"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/1" "forgery: accepted and stored (amoCRM does not sign its webhooks)"
# 2. amoCRM's real delivery follows: a duplicate of the stored deal.
send /api/amocrm/funnel-sale $FORM "$(body '{"leads":[{"id":943000001,"name":"Настоящая сделка","status_id":142,"old_status_id":81854618,"pipeline_id":10418746,"price":"490000","updated_at":1764300000,"fields":[[434731,"utm_source","fb_arystan"],[434727,"utm_medium","cpc"],[434729,"utm_campaign","arystan_flagship"]]}]}')"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/0" "real delivery: a duplicate of the stored deal"
wait_for 30 delivered 'Real Client'

is "$(traffic "SELECT sale_amount::int || '|' || utm_source || '|' || utm_medium || '|' || utm_campaign || '|' || targetologist || '|' || verification FROM all_sales_tracking WHERE lead_id = '$REAL'")" \
	"490000|fb_arystan|cpc|arystan_flagship|Arystan|verified" "traffic row: amoCRM's price, UTM and team, verified"
is "$(landing "SELECT amount::int || '|' || utm_source || '|' || utm_campaign || '|' || targetologist || '|' || verification FROM main_product_sales WHERE deal_id = $REAL")" \
	"490000|fb_arystan|arystan_flagship|Arystan|verified" "landing row: corrected the same way"
text=$(message_text 'Real Client')
like "$text" '490,000 ₸' "announcement: amoCRM's price"
like "$text" '<b>Кампания:</b> arystan_flagship' "announcement: amoCRM's campaign"
like "$text" '🦁 <b>Таргетолог:</b> Arystan' "announcement: amoCRM's team"
is "$(messages_for 'forged')$(messages_for 'fb_attacker')$(messages_for ' 1 ₸')" "000" "announcement: nothing of the forgery"
is "$(traffic "SELECT string_agg(field || ':' || coalesce(webhook_value, '-') || '>' || coalesce(amocrm_value, '-'), ' ' ORDER BY id) FROM sale_corrections WHERE lead_id = '$REAL'")" \
	"sale_amount:1>490000 utm_source:fb_attacker>fb_arystan utm_medium:->cpc utm_campaign:forged>arystan_flagship" \
	"the forgery is visible: each value amoCRM corrected is recorded"
is "$(landing "SELECT count(*) FROM webhook_requests WHERE convert_from(raw_body, 'UTF8') LIKE '%fb_attacker%'")" 1 \
	"the forgery is visible: its request is kept"
# The statistics as a report reads them: pending sales applied first.
traffic "SELECT sales_stats_pending_apply()" >/dev/null
is "$(traffic "SELECT count(*) FROM traffic_sales_stats WHERE team_name = 'Arystan' AND total_revenue = 490000")" 1 \
	"stats: the corrected sale under amoCRM's team"
is "$(traffic "SELECT count(*) FROM utm_sales_stats WHERE utm_source = 'fb_attacker'")" 0 "stats: nothing left under the forged UTM"

# 3. Forged deals amoCRM does not have: the amoCRM form and the flat JSON.
send /api/amocrm/sales-webhook $FORM "$(body '{"leads":[{"id":943000002,"name":"Ghost","status_id":142,"pipeline_id":10350882,"price":"1","updated_at":1764300000,"fields":[[434731,"utm_source","fb_attacker"]]}]}')"
send /api/amocrm/sales-webhook application/json '{"lead_id":"943000003","contact_name":"Ghost Flat","sale_amount":999999,"utm_source":"fb_muha"}'
wait_for 30 verified 943000002
wait_for 30 verified 943000003
sleep 2
is "$(traffic "SELECT string_agg(lead_id || ':' || verification, ' ' ORDER BY lead_id) FROM all_sales_tracking WHERE lead_id IN ('943000002', '943000003')")" \
	"943000002:unverified 943000003:unverified" "ghost deals: kept, unverified"
is "$(messages_for 'Ghost')$(messages_for '999,999')" "00" "ghost deals: never announced"
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key IN ('announce:943000002', 'announce:943000003')")" 0 \
	"ghost deals: no announcement queued"

stored=$(traffic "SELECT count(DISTINCT lead_id) FROM all_sales_tracking WHERE lead_id LIKE '94300000_'")
dups=$(traffic "SELECT count(*) - count(DISTINCT lead_id) FROM all_sales_tracking WHERE lead_id LIKE '94300000_'")
msgs=$(messages)
# Every deal a 2xx answered is stored: 943000001 twice (forged, real), the
# two ghosts once each.
lost=$((3 - stored))
is "$msgs" 1 "one message: the real sale, once"
is "$dups/$lost" "0/0" "no sale stored twice, none lost"
echo "# forged: sent $SENT / 2xx $OK2XX / stored $stored / duplicates $dups / messages $msgs / lost $lost"

integ_check_logs
