#!/usr/bin/env bash
# Amounts with bounds (issue 22 item 1): a won lead of 9 999 999 999 999 ₸,
# accepted by the webhook and confirmed by amoCRM, is kept, flagged as
# over AMOSYNC_MAX_SALE_AMOUNT and shown, and every report still answers;
# a statistics catch-up that fails on one sale sets it aside and goes on.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=1
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100"
integ_up

FORM=application/x-www-form-urlencoded
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
traffic() { sql traffic "$1"; }
landing() { sql landing "$1"; }
HUGE=9999999999999
# amolead ID PRICE [SOURCE]: a won lead in amoCRM's stand-in.
amolead() {
	amo_ctl POST /__control/leads "$(python3 -c '
import json, sys
lid, price, src = sys.argv[1:4]
f = lambda i, n, c, v: {"field_id": i, "field_name": n, "field_code": c,
    "field_type": "tracking_data", "values": [{"value": v}]}
print(json.dumps({"leads": [{"id": int(lid), "name": "Сделка " + lid,
    "price": int(price), "status_id": 142, "pipeline_id": 10350882,
    "created_at": 1764300000, "updated_at": 1764300000,
    "account_id": 29000001,
    "custom_fields_values": [f(434731, "utm_source", "UTM_SOURCE", src),
                             f(434729, "utm_campaign", "UTM_CAMPAIGN", "huge_1")],
    "_embedded": {"tags": [], "companies": [], "contacts": []}}],
    "contacts": []}))' "$1" "$2" "${3:-fb_huge}")" >/dev/null
}
won() {
	body "{\"leads\":[{\"id\":$1,\"status_id\":142,\"old_status_id\":81854618,\"pipeline_id\":10350882,\"price\":\"$2\",\"updated_at\":1764300000,\"fields\":[[434731,\"utm_source\",\"${3:-fb_huge}\"],[434729,\"utm_campaign\",\"huge_1\"]]}]}"
}
settled() {
	[ "$(traffic "SELECT count(*) FROM sales_stats_pending")" = 0 ] &&
		[ "$(traffic "SELECT count(*) FROM outbox_jobs WHERE state IN ('queued', 'running')")" = 0 ]
}

# 1. An ordinary sale and two of 9 999 999 999 999 on the same day, team
#    and source, each confirmed by amoCRM, through both webhooks.
amolead 980001 5000
amolead 980002 "$HUGE"
amolead 980003 "$HUGE"
for id in 980001 980002 980003; do
	price=$HUGE
	[ "$id" = 980001 ] && price=5000
	post /api/amocrm/sales-webhook $FORM "$(won $id $price)"
	is "$STATUS" 200 "sale $id: 200"
	post /api/amocrm/funnel-sale $FORM "$(won $id $price)"
	is "$STATUS" 200 "sale $id on the funnel webhook: 200"
done
wait_for 60 settled
ok $? "the statistics caught up"
is "$(traffic "SELECT lead_id, sale_amount, amount_over_max FROM all_sales_tracking WHERE lead_id IN ('980001', '980002', '980003') ORDER BY lead_id" | tr '\n' ' ')" \
	"980001|5000|f 980002|$HUGE|t 980003|$HUGE|t " "kept whole, and flagged over the maximum"
is "$(landing "SELECT amount FROM express_course_sales WHERE deal_id = 980002")" "$HUGE.00" "the landing side keeps it too"
like "$(cat "$STACK"/log/*.log)" "over the maximum" "the programs say so"
is "$(traffic "SELECT count(*) FROM sales_stats_failed")" 0 "no sale set aside"

# 2. Every report answers, with the sum.
d=$(traffic "SELECT to_char(sale_date AT TIME ZONE (SELECT timezone FROM report_settings), 'YYYY-MM-DD') FROM all_sales_tracking WHERE lead_id = '980002'")
q="start=$d&end=$d"
for path in "/api/amocrm/sales-stats?$q" "/api/amocrm/sales-history?$q" \
	"/api/amocrm/sales-history?$q&format=csv" \
	"/api/utm-analytics/overview?$q" "/api/utm-analytics/top-sources?$q" \
	"/api/utm-analytics/top-campaigns?$q" "/api/utm-analytics/daily-stats?$q" \
	"/api/utm-analytics/without-utm?$q" "/api/utm-analytics/source-details/fb_huge?$q" \
	"/api/traffic/funnel?$q&pipeline_id=10350882" "/api/traffic/dynamics?$q" \
	"/api/traffic/roi?$q" "/api/traffic/roi/campaigns?$q" \
	"/api/traffic/roi/daily?$q" "/api/traffic/attribution/unattributed?$q"; do
	req GET "$path"
	is "$STATUS" 200 "GET $path: 200"
done
req GET "/api/amocrm/sales-stats?$q"
like "$BODY" '"total_revenue":20000000004998\.00,' "the day's total holds all three"
req GET "/api/amocrm/sales-history?$q"
like "$BODY" '"amount_over_max":true' "the history shows the flag"

# 3. A catch-up that fails on one sale sets it aside with its error and
#    applies the others.
traffic "CREATE OR REPLACE FUNCTION test_break() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN IF NEW.utm_source = 'fb_break' THEN RAISE EXCEPTION USING ERRCODE = 'numeric_value_out_of_range', MESSAGE = 'broken on purpose'; END IF; RETURN NEW; END \$\$" >/dev/null
traffic "CREATE TRIGGER test_break BEFORE INSERT OR UPDATE ON utm_sales_stats FOR EACH ROW EXECUTE FUNCTION test_break()" >/dev/null
stack_stop_workers "$STACK"
amolead 980004 7000
amolead 980005 8000 fb_break
post /api/amocrm/sales-webhook $FORM "$(won 980004 7000)"
post /api/amocrm/sales-webhook $FORM "$(won 980005 8000 fb_break)"
stack_start_worker "$STACK" "$top_builddir" 1
wait_for 60 settled
ok $? "the catch-up went on"
is "$(traffic "SELECT s.lead_id || '|' || f.error FROM sales_stats_failed f JOIN all_sales_tracking s ON s.id = f.sale_id")" \
	"980005|broken on purpose" "the broken sale is set aside with its error"
is "$(traffic "SELECT sum(total_sales) FROM traffic_sales_stats WHERE utm_source = 'fb_huge'")" 4 "the other sale is applied"
traffic "DROP TRIGGER test_break ON utm_sales_stats" >/dev/null

integ_check_logs
