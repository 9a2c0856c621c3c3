#!/usr/bin/env bash
# POST /api/amocrm/sales-webhook, the outbox and two workers, against
# loopback amoCRM and Telegram mocks that behave like the real APIs.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=2
INTEG_ENV="AMOSYNC_OUTBOX_MAX_ATTEMPTS=3
AMOSYNC_WORKER_POLL_MS=100
AMOSYNC_TEST_NOTIFY_WAIT=8
TELEGRAM_CHAT_RATE_LIMIT=600"
integ_up
# Rate limits and digests have their own test (deliver.sh).
tg_ctl POST /__control/config '{"chat_per_minute":0}' >/dev/null

FORM=application/x-www-form-urlencoded
CHAT=-1001234567890
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
traffic() { sql traffic "$1"; }

# addlead ID CONTACT-ID CONTACT-NAME [UTM-CAMPAIGN [UTM-SOURCE|-]]: a won
# lead with a main contact in amoCRM, with the UTM tags sale() sends
# (amoCRM's tags are the ones a verified sale keeps).
addlead() {
	amo_ctl POST /__control/leads "$(python3 -c '
import json, sys
lid, cid, name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmp, src = sys.argv[4], sys.argv[5]
utm = [{"field_id": 434729, "field_name": "utm_campaign",
        "field_code": "UTM_CAMPAIGN", "field_type": "tracking_data",
        "values": [{"value": cmp}]}]
if src != "-":
    utm.append({"field_id": 434731, "field_name": "utm_source",
                "field_code": "UTM_SOURCE", "field_type": "tracking_data",
                "values": [{"value": src}]})
print(json.dumps({
  "leads": [{"id": lid, "name": "Сделка %d" % lid, "price": 5000,
    "status_id": 142, "pipeline_id": 10350882, "created_at": 1764300000,
    "updated_at": 1764300000, "custom_fields_values": utm,
    "account_id": 29000001,
    "_embedded": {"tags": [], "companies": [],
      "contacts": [{"id": cid, "is_main": True}]}}],
  "contacts": [{"id": cid, "name": name, "custom_fields_values": [
    {"field_id": 1001, "field_name": "Телефон", "field_code": "PHONE",
     "field_type": "multitext",
     "values": [{"value": "+7 (747) 555-%02d-%02d" % (lid % 100, cid % 100),
                 "enum_code": "MOB"}]},
    {"field_id": 1003, "field_name": "Email", "field_code": "EMAIL",
     "field_type": "multitext",
     "values": [{"value": "c%d@example.kz" % cid, "enum_code": "WORK"}]}],
    "account_id": 29000001}]}))' "$1" "$2" "$3" "${4:-tripwire_test_1}" "${5:-fb_kenesary}")" >/dev/null
}

# sale ID [UTM-CAMPAIGN]: a won Express deal as amoCRM sends it.
sale() {
	body "$(python3 -c '
import json, sys
print(json.dumps({"leads": [{"id": int(sys.argv[1]), "name": "Сделка " + sys.argv[1],
  "status_id": 142, "old_status_id": 81854618, "pipeline_id": 10350882,
  "price": "5000", "updated_at": 1764300000,
  "fields": [[434731, "utm_source", "fb_kenesary"],
             [434729, "utm_campaign", sys.argv[2]]]}]}))' "$1" "${2:-tripwire_test_1}")"
}

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
message_chat() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
ms = [m for m in json.load(sys.stdin) if sys.argv[1] in m["text"]]
print(ms[-1]["chat_id"] if ms else "")' "$1"
}
job() { traffic "SELECT state || ':' || attempts FROM outbox_jobs WHERE dedup_key = '$1'"; }
delivered() { [ "$(messages_for "$1")" -ge 1 ]; }

# 1. A sale arrives: one row, contact details from amoCRM, one message
#    with the seed's text and every value escaped.
addlead 8001 9101 'Иван <Иванов> & Co' '<script>&'
post /api/amocrm/sales-webhook $FORM "$(sale 8001 '<script>&')"
is "$STATUS" 200 "sale: 200"
is "$(jget "$DONE" leads_saved)" 1 "sale: saved"
is "$(traffic "SELECT sale_amount || '|' || product_name || '|' || utm_campaign || '|' || pipeline_id FROM all_sales_tracking WHERE lead_id = '8001'")" \
	"5000|Express Course|<script>&|10350882" "sale: row with product from pipelines and UTM intact"
wait_for 20 delivered 'Сделка 8001'
is "$(traffic "SELECT contact_name || '|' || contact_phone || '|' || contact_email FROM all_sales_tracking WHERE lead_id = '8001'")" \
	"Иван <Иванов> & Co|+7 (747) 555-01-01|c9101@example.kz" "sale: contact name, phone, email from amoCRM"
is "$(messages_for 'Иван &lt;Иванов&gt; &amp; Co')" 1 "sale: exactly one message"
text=$(message_text 'Иван &lt;Иванов&gt; &amp; Co')
like "$text" '^🎉 <b>НОВАЯ ПРОДАЖА!</b>' "message: header"
like "$text" '💰 <b>Сумма:</b> 5,000 ₸' "message: amount formatted"
like "$text" '📦 <b>Продукт:</b> Express Course' "message: product"
like "$text" '<b>Кампания:</b> &lt;script&gt;&amp;' "message: UTM value escaped"
like "$text" 'ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!' "message: congratulation line"
is "$(message_chat 'Иван &lt;Иванов&gt;')" "$CHAT" "message: default chat"
like "$text" '👑 <b>Таргетолог:</b> Kenesary' "message: team with its emoji"
is "$(traffic "SELECT targetologist || '|' || attribution_confidence FROM all_sales_tracking WHERE lead_id = '8001'")" \
	"Kenesary|high" "sale: attributed by the engine (team utm_source: high)"
is "$(traffic "SELECT count(*) FROM lead_events WHERE lead_id = 8001 AND status_id = 142")" 1 "sale: lead event kept"
is "$(job enrich:8001) $(job announce:8001)" "done:1 done:1" "sale: both jobs done once"

# A team's own chat wins over the default one.
traffic "UPDATE traffic_teams SET telegram_chat_id = '-100777' WHERE name = 'Arystan'" >/dev/null
addlead 8009 9109 'Arystan Client' arystan_3-1 -
post /api/amocrm/sales-webhook $FORM "$(body '{"leads":[{"id":8009,"name":"Сделка 8009","status_id":142,"pipeline_id":10418746,"fields":[[434729,"utm_campaign","arystan_3-1"]]}]}')"
wait_for 20 delivered 'Arystan Client'
is "$(message_chat 'Arystan Client')" "-100777" "team chat: message sent to the team's chat"
like "$(message_text 'Arystan Client')" '💰 <b>Сумма:</b> 5,000 ₸' "team chat: the lead's price from amoCRM when the webhook had none"

# The Digital Pipeline's compact form (no price, no UTM): enrichment takes
# both from the lead in amoCRM and attributes the sale then.
amo_ctl POST /__control/leads '{"leads":[{"id":8500,"name":"Сделка 8500","price":777000,"status_id":142,"pipeline_id":10418746,"created_at":1764300000,"updated_at":1764300000,"account_id":29000001,"custom_fields_values":[{"field_id":434731,"field_name":"utm_source","field_code":"UTM_SOURCE","field_type":"tracking_data","values":[{"value":"ig"}]},{"field_id":434729,"field_name":"utm_campaign","field_code":"UTM_CAMPAIGN","field_type":"tracking_data","values":[{"value":"arystan_promo"}]}],"_embedded":{"tags":[],"companies":[],"contacts":[{"id":9500,"is_main":true}]}}],"contacts":[{"id":9500,"name":"Compact Client","custom_fields_values":null,"account_id":29000001}]}' >/dev/null
post /api/amocrm/sales-webhook $FORM 'leads%5Bstatus%5D%5B0%5D%5Bid%5D=8500&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=10418746&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=81854618&leads%5Bstatus%5D%5B0%5D%5Bold_pipeline_id%5D=10418746&account%5Bid%5D=29000001&account%5Bsubdomain%5D=onaiagencykz'
is "$STATUS/$(jget "$DONE" leads_saved)" "200/1" "compact form: stored"
wait_for 20 delivered 'Compact Client'
is "$(traffic "SELECT sale_amount || '|' || utm_source || '|' || utm_campaign || '|' || targetologist || '|' || attribution_confidence FROM all_sales_tracking WHERE lead_id = '8500'")" \
	"777000|ig|arystan_promo|Arystan|medium" "compact form: price, UTM and team from amoCRM"
like "$(message_text 'Compact Client')" '🦁 <b>Таргетолог:</b> Arystan' "compact form: announced with the team"
like "$(message_text 'Compact Client')" '777,000 ₸' "compact form: announced with the real price"

# D2: the same compact form to funnel-sale: the landing row is stored
# without a team (the webhook has no UTM tags); enrichment finds the team
# and gives it to the landing row too.
amo_ctl POST /__control/leads '{"leads":[{"id":8501,"name":"Сделка 8501","price":490000,"status_id":142,"pipeline_id":10418746,"created_at":1764300000,"updated_at":1764300000,"account_id":29000001,"custom_fields_values":[{"field_id":434731,"field_name":"utm_source","field_code":"UTM_SOURCE","field_type":"tracking_data","values":[{"value":"ig"}]},{"field_id":434729,"field_name":"utm_campaign","field_code":"UTM_CAMPAIGN","field_type":"tracking_data","values":[{"value":"arystan_promo"}]}],"_embedded":{"tags":[],"companies":[],"contacts":[{"id":9501,"is_main":true}]}}],"contacts":[{"id":9501,"name":"Compact Funnel","custom_fields_values":null,"account_id":29000001}]}' >/dev/null
post /api/amocrm/funnel-sale $FORM 'leads%5Bstatus%5D%5B0%5D%5Bid%5D=8501&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=10418746&account%5Bid%5D=29000001'
is "$STATUS/$(jget "$DONE" leads_saved)" "200/1" "D2: compact funnel sale stored"
wait_for 20 delivered 'Compact Funnel'
is "$(sql landing "SELECT coalesce(targetologist, 'none') FROM main_product_sales WHERE deal_id = 8501")" Arystan "D2: enrichment gave the landing row its team"

# 2. Fifty identical webhooks at once: one row, one message.
addlead 8002 9102 'Concurrent Client'
b=$(sale 8002)
pids=""
for i in $(seq 50); do
	curl -sS -o /dev/null -w '%{http_code}\n' -X POST "$URL/api/amocrm/sales-webhook$HOOK_Q" \
		-H "Content-Type: $FORM" --data-binary "$b" >>"$STACK/c50.status" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
is "$(sort "$STACK/c50.status" | uniq -c | awk '{print $1"x"$2}')" "50x200" "50 concurrent: all 200"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8002'")" 1 "50 concurrent: one row"
wait_for 20 delivered 'Concurrent Client'
sleep 1
is "$(messages_for 'Concurrent Client')" 1 "50 concurrent: one message"
is "$(traffic "SELECT count(*) FROM lead_events WHERE lead_id = 8002")" 1 "50 concurrent: one lead event"

# 3. The same sale to funnel-sale and to sales-webhook: one message.
addlead 8003 9103 'Both Hooks'
post /api/amocrm/funnel-sale $FORM "$(sale 8003)"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/1" "both hooks: funnel-sale stored it"
post /api/amocrm/sales-webhook $FORM "$(sale 8003)"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/0" "both hooks: sales-webhook saw a duplicate"
wait_for 20 delivered 'Both Hooks'
sleep 1
is "$(messages_for 'Both Hooks')" 1 "both hooks: one message"
is "$(sql landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 8003")" 1 "both hooks: landing row too"

# 4. Telegram answers 429 with retry_after: the worker waits, delivers once.
addlead 8004 9104 'Flood Control'
tg_ctl POST /__control/fail '{"status":429,"retry_after":2,"count":1,"method":"sendMessage"}' >/dev/null
post /api/amocrm/sales-webhook $FORM "$(sale 8004)"
wait_for 30 delivered 'Flood Control'
is "$(messages_for 'Flood Control')" 1 "telegram 429: delivered once"
is "$(job announce:8004)" "done:2" "telegram 429: second attempt succeeded"
is "$(traffic "SELECT extract(epoch FROM (done_at - created_at)) >= 2 FROM outbox_jobs WHERE dedup_key = 'announce:8004'")" t \
	"telegram 429: waited retry_after"

# 5. Telegram down: retried, dead after the limit, requeued, delivered.
addlead 8005 9105 'Telegram Down'
tg_ctl POST /__control/fail '{"status":502,"count":3,"method":"sendMessage"}' >/dev/null
post /api/amocrm/sales-webhook $FORM "$(sale 8005)"
dead() { [ "$(job announce:8005)" = "dead:3" ]; }
wait_for 40 dead
is "$(job announce:8005)" "dead:3" "telegram down: dead after 3 attempts"
req GET '/api/admin/outbox?state=dead'
is "$STATUS" 200 "dead letters: listed"
id=$(traffic "SELECT id FROM outbox_jobs WHERE dedup_key = 'announce:8005'")
like "$BODY" "\"id\":$id,\"kind\":\"announce\"" "dead letters: the job is there"
req POST "/api/admin/outbox/$id/retry"
is "$STATUS" 200 "dead letters: requeued"
wait_for 20 delivered 'Telegram Down'
is "$(messages_for 'Telegram Down')" 1 "telegram down: delivered after requeue"
req POST "/api/admin/outbox/$id/retry"
is "$STATUS" 404 "requeue of a job that is not dead: 404"
req GET '/api/admin/outbox?state=bogus'
is "$STATUS" 400 "dead letters: bad state 400"
req GET '/api/admin/outbox?limit=abc'
is "$STATUS" 400 "dead letters: a limit that is not a number: 400, not a silent default"
is "$(jget "$BODY" field)" limit "dead letters: the error names the parameter"
req GET '/api/admin/outbox/nothing-here'
is "$STATUS/$(jget "$BODY" success)" "404/false" "admin outbox: unknown route 404 in the one error shape"
like "$(curl -sS -o /dev/null -D - -X DELETE "$URL/api/admin/outbox" | tr -d '\r')" '^Allow: GET, HEAD$' "dead letters: 405 names GET, HEAD"

# 6. amoCRM answers 429: honoured, then the contact arrives.
addlead 8006 9106 'Amo Rate Limit'
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/leads/8006","status":429,"retry_after":1,"count":1}' >/dev/null
post /api/amocrm/sales-webhook $FORM "$(sale 8006)"
wait_for 30 delivered 'Amo Rate Limit'
is "$(job enrich:8006)" "done:2" "amoCRM 429: enrichment retried once"
is "$(traffic "SELECT contact_name FROM all_sales_tracking WHERE lead_id = '8006'")" "Amo Rate Limit" "amoCRM 429: contact stored"

# 7. amoCRM answers 401: permanent, readable reason, announced anyway,
#    and the token is in no log.
amo_ctl POST /__control/config '{"token":"a-different-token"}' >/dev/null
post /api/amocrm/sales-webhook $FORM "$(sale 8007)"
dead7() { [ "$(job enrich:8007)" = "dead:1" ]; }
wait_for 20 dead7
is "$(job enrich:8007)" "dead:1" "amoCRM 401: enrichment dead at once"
like "$(traffic "SELECT last_error FROM outbox_jobs WHERE dedup_key = 'enrich:8007'")" "access token" "amoCRM 401: readable reason"
wait_for 20 delivered 'Сделка 8007'
is "$(messages_for 'Сделка 8007')" 1 "amoCRM 401: announced with what is known"
amo_ctl POST /__control/config '{"token":"amocrm-test-token"}' >/dev/null
is "$(grep -rl -e amocrm-test-token -e TEST-telegram-token "$STACK/log" "$STACK/nginx"/*.log | grep -v mock)" "" "no token in any log"
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE last_error LIKE '%amocrm-test-token%'")" 0 "no token in job errors"

# 8. Two workers, many jobs: every one delivered exactly once.
for i in $(seq 8100 8119); do
	addlead "$i" "$((i + 1000))" "Bulk Client $i"
	post /api/amocrm/sales-webhook $FORM "$(sale "$i")"
done
all20() { [ "$(messages_for 'Bulk Client 81')" -ge 20 ]; }
wait_for 60 all20
sleep 1
is "$(messages_for 'Bulk Client 81')" 20 "two workers: 20 sales, 20 messages"
is "$(tg_ctl GET /__control/messages | python3 -c 'import json,sys,collections; c=collections.Counter(m["text"] for m in json.load(sys.stdin)); print(max(c.values()))')" 1 \
	"two workers: no message twice"
is "$(traffic "SELECT count(DISTINCT claimed_by) > 1 FROM outbox_jobs WHERE dedup_key LIKE 'announce:81%'")" t "two workers: both did work"

# 9. The original endpoint's flat JSON fields.
post /api/amocrm/sales-webhook application/json '{"lead_id":"8200","lead_name":"Flat","contact_name":"Flat Client","contact_phone":"87015550000","sale_amount":7000,"product_name":"Консультация","utm_source":"fb_muha","utm_campaign":"flat_test"}'
is "$STATUS" 200 "flat json: 200"
is "$(jget "$BODY" success)" true "flat json: success"
is "$(jget "$BODY" sale_id)" null "flat json: sale_id null in the answer (made when the delivery is applied)"
is "$(jget "$BODY" leads_queued)" 1 "flat json: kept for the processor"
like "$(traffic "SELECT id FROM all_sales_tracking WHERE lead_id = '8200'")" '^[0-9a-f-]{36}$' "flat json: the applied sale has its id"
is "$(traffic "SELECT sale_amount || '|' || product_name || '|' || contact_name || '|' || utm_source FROM all_sales_tracking WHERE lead_id = '8200'")" \
	"7000|Консультация|Flat Client|fb_muha" "flat json: stored"
is "$(jget "$BODY" targetologist)" Muha "flat json: targetologist in the response"
post /api/amocrm/sales-webhook application/json '{"lead_id":"8200","sale_amount":7000}'
is "$(jget "$DONE" outcome)" duplicate "flat json: applied as a duplicate"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8200'")" 1 "flat json: still one row"
post /api/amocrm/sales-webhook application/json '{"lead_id":"8201"}'
is "$STATUS" 400 "flat json: missing sale_amount 400"
# D4: one strict amount parser for every input path.
for bad in '"1.2.3"' '"5,000"' '"1e3"' '-5' '"0"'; do
	post /api/amocrm/sales-webhook application/json "{\"lead_id\":\"8202\",\"sale_amount\":$bad}"
	is "$STATUS" 400 "flat json: sale_amount $bad refused"
done
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8202'")" 0 "flat json: no row from a refused amount"

# 10. A stage change that is not a sale: one lead event, no sale row.
b=$(body '{"leads":[{"id":8300,"status_id":81854586,"old_status_id":81856842,"pipeline_id":10350882,"updated_at":1764300100}]}')
post /api/amocrm/sales-webhook $FORM "$b"
post /api/amocrm/sales-webhook $FORM "$b"
is "$(traffic "SELECT count(*) FROM lead_events WHERE lead_id = 8300")" 1 "stage change: one event for two deliveries"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8300'")" 0 "stage change: no sale"

# 11. The test notification goes through the outbox and reports back.
post /api/amocrm/test-sale-notification application/json '{"targetologist":"Kenesary","contact_name":"Тест <Клиент>","sale_amount":5000,"product_name":"Express Course"}'
is "$STATUS" 200 "test notification: 200"
is "$(jget "$BODY" state)" done "test notification: delivered"
like "$(jget "$BODY" job_id)" '^[0-9]+$' "test notification: job id"
text=$(message_text 'Тест &lt;Клиент&gt;')
like "$text" '\(ТЕСТ\)' "test notification: test header"
like "$text" '👑 <b>Таргетолог:</b> Kenesary' "test notification: team emoji"
post /api/amocrm/test-sale-notification application/json '{"sale_amount":"abc"}'
is "$STATUS" 400 "test notification: bad amount 400"
post /api/amocrm/test-sale-notification application/json '{"sale_amount":"1.2.3"}'
is "$STATUS/$(jget "$BODY" field)" "400/sale_amount" "test notification: 1.2.3 refused, the field named (D4)"

# 12. A worker that died holding a job: its lease expires, another
#     worker delivers it.
traffic "INSERT INTO outbox_jobs (kind, payload, state, attempts, claimed_by, claimed_until)
	VALUES ('announce', '{\"test\":true,\"targetologist\":\"Muha\",\"contact_name\":\"Lease Expired\",\"sale_amount\":\"5000\",\"product_name\":\"X\"}',
	'running', 1, 'ghost:1', now() - interval '1 second')" >/dev/null
wait_for 20 delivered 'Lease Expired'
is "$(messages_for 'Lease Expired')" 1 "expired lease: job taken over and delivered once"

# 13. PostgreSQL down: the webhook is spooled and answered 200; when it is
#     back the worker replays the spool, though no other webhook arrives,
#     and the workers reconnect and carry on.
addlead 8400 9400 'After Restart'
stack_pg_down "$STACK"
post /api/amocrm/sales-webhook $FORM "$(sale 8400)"
is "$STATUS" 200 "postgres down: webhook accepted"
is "$(ls "$STACK/spool" | grep -c '^sales-webhook-')" 1 "postgres down: request spooled"
sleep 1
stack_pg_up "$STACK"
wait_for 30 delivered 'After Restart'
is "$(messages_for 'After Restart')" 1 "postgres back: the worker replayed the spool, announced once"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8400'")" 1 "postgres back: one row"
is "$(ls -A "$STACK/spool" | wc -l)" 0 "postgres back: spool empty"

# 14. Workers stop cleanly on SIGTERM, holding no job.
stack_stop_workers "$STACK"
is "$(ls "$STACK"/run/worker-*.pid 2>/dev/null | wc -l)" 0 "workers stopped"
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE state = 'running'")" 0 "no job left claimed"
like "$(cat "$STACK"/log/worker-1.log)" "stopped" "worker logged a clean stop"

integ_check_logs
