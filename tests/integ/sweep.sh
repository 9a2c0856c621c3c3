#!/usr/bin/env bash
# The reconciliation sweep: a won lead that exists only in the amoCRM
# stand-in (its webhook never sent) is stored, attributed, enriched and
# announced once within one (shortened) interval, with two workers
# running; the next sweeps store nothing new. Leads that are not won, in
# a pipeline we do not track, or changed before the window are left alone.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=2
INTEG_ENV="AMOSYNC_SWEEP_INTERVAL=3
AMOSYNC_SWEEP_OVERLAP=60
AMOSYNC_SYNC_INTERVAL=0
AMOSYNC_WORKER_POLL_MS=100
TELEGRAM_ALERT_CHAT_ID=-1009990001
AMOSYNC_ALERT_INTERVAL=3600"
integ_up

NOW=$(date +%s)
LEAD=93000001
# lead ID PIPELINE STATUS UPDATED [UTM-SOURCE]
lead() {
	amo_ctl POST /__control/leads "$(python3 -c '
import json, sys
lid, pipe, status, upd = (int(x) for x in sys.argv[1:5])
utm = sys.argv[5] if len(sys.argv) > 5 else ""
fields = [{"field_id": 434731, "field_name": "utm_source", "field_code": None,
           "field_type": "text", "values": [{"value": utm}]}] if utm else None
print(json.dumps({
  "leads": [{"id": lid, "name": "Сделка %d" % lid, "price": 5000,
    "status_id": status, "pipeline_id": pipe, "created_at": upd - 100,
    "updated_at": upd, "custom_fields_values": fields,
    "account_id": 29000001,
    "_embedded": {"tags": [], "companies": [],
      "contacts": [{"id": lid + 1000, "is_main": True}]}}],
  "contacts": [{"id": lid + 1000, "name": "Покупатель %d" % lid,
    "custom_fields_values": [
      {"field_id": 1001, "field_name": "Телефон", "field_code": "PHONE",
       "field_type": "multitext", "values": [{"value": "+7 701 555 0101", "enum_code": "MOB"}]},
      {"field_id": 1003, "field_name": "Email", "field_code": "EMAIL",
       "field_type": "multitext", "values": [{"value": "buyer@example.kz", "enum_code": "WORK"}]}]}]}))' "$@")" >/dev/null
}
# A Flagship sale whose sales-webhook came but whose funnel-sale webhook
# (the landing database's) did not: tracked, but missing from
# main_product_sales.
FLAG=$((LEAD + 4))
post /api/amocrm/sales-webhook application/x-www-form-urlencoded \
	"$(python3 "$top_srcdir/tests/integ/amobody.py" "{\"leads\": [{\"id\": $FLAG, \"pipeline_id\": 10418746, \"status_id\": 142, \"price\": \"490000\", \"updated_at\": $NOW}]}")"
is "$STATUS/$(sql traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '$FLAG'")/$(sql landing "SELECT count(*) FROM main_product_sales WHERE deal_id = $FLAG")" \
	"200/1/0" "a Flagship sale tracked by its sales-webhook, not in the landing table"
lead $FLAG 10418746 142 "$NOW" fb_arystan
lead $LEAD 10350882 142 "$NOW" fb_kenesary           # won, no webhook: recovered
lead $((LEAD + 1)) 10350882 81856842 "$NOW"           # not won
lead $((LEAD + 2)) 1234567 142 "$NOW"                 # a pipeline we do not track
lead $((LEAD + 3)) 10350882 142 $((NOW - 86400))      # changed before the window

traffic() { sql traffic "$1"; }
stored() { [ "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '$LEAD'")" = 1 ]; }
wait_for 15 stored
ok $? "the won lead is stored within one interval (3 s, plus the first one's wait)"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id::bigint BETWEEN $((LEAD + 1)) AND $((LEAD + 3))")" 0 \
	"not won, untracked pipeline, outside the window: not stored"
is "$(traffic "SELECT targetologist || '|' || attribution_confidence || '|' || utm_source FROM all_sales_tracking WHERE lead_id = '$LEAD'")" \
	"Kenesary|high|fb_kenesary" "attributed by its UTM tags"
is "$(sql landing "SELECT count(*) FROM express_course_sales WHERE deal_id = $LEAD")" 1 "stored in the landing database too (Express)"
flagship() { [ "$(sql landing "SELECT count(*) FROM main_product_sales WHERE deal_id = $FLAG")" = 1 ]; }
wait_for 10 flagship
ok $? "the tracked Flagship sale got its missing landing row"
is "$(sql traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '$FLAG'")" 1 "and is still tracked once"
enriched() { [ -n "$(traffic "SELECT contact_name FROM all_sales_tracking WHERE lead_id = '$LEAD' AND contact_name IS NOT NULL")" ]; }
wait_for 15 enriched
is "$(traffic "SELECT contact_name || '|' || contact_email FROM all_sales_tracking WHERE lead_id = '$LEAD'")" \
	"Покупатель $LEAD|buyer@example.kz" "enriched with the contact from amoCRM"
announced() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin) if "Покупатель '$LEAD'" in m["text"] and str(m["chat_id"]) != "-1009990001"))'
}
ops() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin) if str(m["chat_id"]) == "-1009990001" and "'$LEAD'" in m["text"]))'
}
for i in $(seq 50); do [ "$(ops)" -ge 1 ] && break; sleep 0.2; done
is "$(ops)" 1 "the ops chat is told what the sweep recovered"
like "$(amo_ctl GET /__control/requests | python3 -c '
import json, sys
print([r["query"] for r in json.load(sys.stdin) if r["path"] == "/api/v4/leads"][-1])')" \
	'filter%5Bupdated_at%5D%5Bfrom%5D=[0-9]+' "the sweep asks amoCRM for leads changed since its window"

# The next sweeps (two workers, 3 s apart) store nothing new.
runs=$(traffic "SELECT runs FROM sweep_state WHERE name = 'amocrm'")
more() { [ "$(traffic "SELECT runs FROM sweep_state WHERE name = 'amocrm'")" -ge $((runs + 2)) ]; }
wait_for 20 more
ok $? "two more sweeps ran"
is "$(traffic "SELECT recovered || '|' || last_recovered || '|' || coalesce(last_error, '') FROM sweep_state WHERE name = 'amocrm'")" \
	"2|0|" "they recovered nothing more (2 in all: the Express and the Flagship sale)"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '$LEAD'")" 1 "still one sale"
is "$(sql landing "SELECT count(*) FROM webhook_requests WHERE endpoint = 'sweep'")" 2 "still two sweep requests"
is "$(announced)/$(ops)" "1/1" "still one announcement and one ops message"
is "$(sql traffic "SELECT count(*) FROM outbox_jobs WHERE payload->>'lead_id' = '$FLAG'")" \
	"$(sql traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key IN ('enrich:$FLAG', 'announce:$FLAG')")" \
	"the Flagship sale's jobs are its webhook's only (no second enrichment or announcement from the sweep)"
is "$(sql traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key = 'enrich:$FLAG'")" 1 "one enrichment of the Flagship sale"
# Sweeps never overlap: each run's window starts at the previous end less
# the overlap, and only one worker claims each interval.
is "$(traffic "SELECT count(DISTINCT claimed_by) > 0 FROM sweep_state")" t "a worker holds the sweep"

# A failing amoCRM keeps the window and counts a failure.
amo_ctl POST /__control/fail '{"path_prefix": "/api/v4/leads", "status": 500, "count": 5}' >/dev/null
fails() { [ "$(traffic "SELECT failures FROM sweep_state WHERE name = 'amocrm'")" -ge 1 ]; }
wait_for 20 fails
ok $? "a sweep against a failing amoCRM is recorded as failed"
like "$(traffic "SELECT last_error FROM sweep_state WHERE name = 'amocrm'")" 'server error' "its error is kept"

integ_check_logs
