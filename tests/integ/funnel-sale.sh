#!/usr/bin/env bash
# POST /api/amocrm/funnel-sale through real nginx to the real program,
# checked against the rows of the real landing database.
# Two tries for a delivery the database refuses (D3), so it is set aside
# within the test's time; a webhook body limit of 1 MiB (the oversized
# body below; the default is 16 MiB).
INTEG_ENV="AMOSYNC_INBOX_ATTEMPTS=2
AMOSYNC_WEBHOOK_MAX_BODY=1048576"
. "$top_srcdir/tests/integ/lib.sh"
integ_up

FORM=application/x-www-form-urlencoded
EXPRESS=10350882
FLAGSHIP=10418746
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
landing() { sql landing "$1"; }

# An Express sale with UTM tags: one row, the lead's price, its UTM.
b=$(body '{"leads":[{"id":7001,"name":"Иван Иванов","status_id":142,"old_status_id":81854618,"pipeline_id":10350882,"price":"5000","updated_at":1764300000,"fields":[[434731,"utm_source","fb_kenesary"],[434729,"utm_campaign","tripwire_test_1"],[434727,"utm_medium","cpc"],[951803,"utm_source","duplicate_field"]]}]}')
post /api/amocrm/funnel-sale $FORM "$b" -H 'X-Amocrm-Requestid: 11111111-2222-3333-4444-555555555555'
is "$STATUS" 200 "express sale: 200"
is "$(jget "$BODY" success)" true "express sale: success"
is "$(jget "$BODY" leads_processed)" 1 "express sale: one lead processed"
is "$(jget "$DONE" leads_saved)" 1 "express sale: one lead saved"
like "$(jget "$BODY" duration)" '^[0-9]+ms$' "express sale: duration"
is "$(landing "SELECT pipeline_id, status_id, amount, utm_source, utm_campaign, utm_medium FROM express_course_sales WHERE deal_id = 7001")" \
	"$EXPRESS|142|5000.00|fb_kenesary|tripwire_test_1|cpc" "express sale: row with price and UTM (434731 wins over a duplicate field)"
is "$(landing "SELECT raw_data->>'name', raw_data->>'id' FROM express_course_sales WHERE deal_id = 7001")" \
	"Иван Иванов|7001" "express sale: raw event kept as a JSON object"
is "$(landing "SELECT to_char(sale_date, 'YYYY-MM-DD HH24:MI') FROM express_course_sales WHERE deal_id = 7001")" \
	"2025-11-28 08:20" "express sale: sale time in Asia/Almaty"
is "$(landing "SELECT outcome, http_status, amocrm_request_id FROM webhook_requests WHERE request_id IS NOT NULL ORDER BY id DESC LIMIT 1")" \
	"saved|200|11111111-2222-3333-4444-555555555555" "express sale: request recorded"
is "$(landing "SELECT count(*) FROM main_product_sales")" 0 "express sale: nothing in main_product_sales"

# The same sale again (an amoCRM retry): no second row.
post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "retry: 200"
is "$(jget "$DONE" leads_saved)" 0 "retry: nothing saved"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7001")" 1 "retry: still one row"

# A Flagship sale without a price: the pipeline's default amount; the
# original URL /webhook/amocrm/traffic routes to the same program.
b=$(body '{"account_last":true,"leads":[{"id":7002,"status_id":142,"pipeline_id":10418746,"price":""}]}')
post /webhook/amocrm/traffic $FORM "$b"
is "$STATUS" 200 "flagship sale: 200"
is "$(jget "$DONE" leads_saved)" 1 "flagship sale: saved"
is "$(landing "SELECT amount, pipeline_id FROM main_product_sales WHERE deal_id = 7002")" "490000.00|$FLAGSHIP" "flagship sale: default amount 490000"

# Another pipeline, and status 143: accepted and deliberately ignored.
b=$(body '{"leads":[{"id":7003,"status_id":142,"pipeline_id":9965766,"price":"100"}]}')
post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "other pipeline: 200"
is "$(jget "$DONE" leads_saved)" 0 "other pipeline: nothing saved"
b=$(body '{"leads":[{"id":7004,"status_id":143,"pipeline_id":10350882,"price":"5000"}]}')
post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "status 143: 200"
is "$(jget "$DONE" leads_saved)" 0 "status 143: nothing saved"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id IN (7003, 7004)") $(landing "SELECT count(*) FROM main_product_sales WHERE deal_id IN (7003, 7004)")" \
	"0 0" "other pipeline and 143: no rows"

# Several leads in one body, in two pipelines.
b=$(body '{"leads":[{"id":7010,"status_id":142,"pipeline_id":10350882,"price":"4500"},{"id":7011,"status_id":142,"pipeline_id":10418746,"price":"480000"},{"id":7012,"status_id":81854586,"pipeline_id":10350882}]}')
post /api/amocrm/funnel-sale $FORM "$b"
is "$(jget "$BODY" leads_processed)/$(jget "$DONE" leads_saved)" "3/2" "several leads: 3 processed, 2 saved"
is "$(landing "SELECT string_agg(deal_id || ':' || amount, ',' ORDER BY deal_id) FROM express_course_sales WHERE deal_id BETWEEN 7010 AND 7012")" \
	"7010:4500.00" "several leads: express row with its own price"
is "$(landing "SELECT amount FROM main_product_sales WHERE deal_id = 7011")" "480000.00" "several leads: flagship row"

# A JSON body with the same structure.
post /api/amocrm/funnel-sale application/json '{"leads":{"status":[{"id":7020,"status_id":142,"pipeline_id":10350882,"custom_fields":[{"id":434731,"name":"utm_source","values":[{"value":"fb_muha"}]}]}]},"account":{"subdomain":"onaiagencykz"}}'
is "$STATUS/$(jget "$DONE" leads_saved)" "200/1" "json body: saved"
is "$(landing "SELECT utm_source, amount FROM express_course_sales WHERE deal_id = 7020")" "fb_muha|5000.00" "json body: row"

# SQL and HTML metacharacters and Cyrillic arrive intact.
evil="x'); DROP TABLE express_course_sales; --<script>&\"Запуск"
b=$(body "$(python3 -c 'import json,sys; print(json.dumps({"leads":[{"id":7030,"status_id":142,"pipeline_id":10350882,"fields":[[434729,"utm_campaign",sys.argv[1]]]}]}))' "$evil")")
post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "metacharacters: 200"
is "$(landing "SELECT utm_campaign FROM express_course_sales WHERE deal_id = 7030")" "$evil" "metacharacters: stored intact"

# The same sale 20 times at once: exactly one row.
b=$(body '{"leads":[{"id":7040,"status_id":142,"pipeline_id":10350882,"price":"5000"}]}')
for i in $(seq 20); do
	curl -sS -o "$STACK/c$i.json" -w '%{http_code}\n' -X POST "$URL/api/amocrm/funnel-sale$HOOK_Q" \
		-H "Content-Type: $FORM" --data-binary "$b" >"$STACK/c$i.status" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
codes=$(cat "$STACK"/c*.status | sort | uniq -c | awk '{print $1"x"$2}')
is "$codes" "20x200" "concurrent duplicates: all answered 200"
inbox_wait
is "$(landing "SELECT sum(leads_saved) FROM webhook_requests WHERE lead_ids = '{7040}'")" 1 "concurrent duplicates: saved once in total"
queued=$(for i in $(seq 20); do jget "$(cat "$STACK/c$i.json")" leads_queued; done | awk '{s+=$1} END {print s}')
is "$queued" "$(landing "SELECT count(*) FROM webhook_requests WHERE lead_ids = '{7040}'")" \
	"concurrent duplicates: a retry of a delivery still queued is not kept again ($queued kept of 20)"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7040")" 1 "concurrent duplicates: one row"

# A malformed (truncated) body: 400 with an error, raw body recorded.
bad='account%5Bsubdomain%5D=onaiagencykz&leads%5Bstatus%5D%5B0%5D%5Bid%5D=7050&leads%5Bstatus%5D%5B0%5D%5Bname%5D=%D0%9'
post /api/amocrm/funnel-sale $FORM "$bad"
is "$STATUS" 400 "malformed body: 400"
is "$(jget "$BODY" success)" false "malformed body: success false"
like "$(jget "$BODY" error)" "percent escape" "malformed body: clear error"
is "$(landing "SELECT outcome, http_status, convert_from(raw_body, 'UTF8') FROM webhook_requests ORDER BY id DESC LIMIT 1")" \
	"rejected|400|$bad" "malformed body: raw body recorded"
post /api/amocrm/funnel-sale $FORM 'leads%5Bstatus%5D%5B0%5D%5Bid%5D=7051&x=%00'
is "$STATUS" 400 "NUL byte: 400"
post /api/amocrm/funnel-sale $FORM "$(printf 'account%%5Bid%%5D=1&leads%%5Bstatus%%5D%%5B0%%5D%%5Bid%%5D=7052&leads%%5Bstatus%%5D%%5B0%%5D%%5Bname%%5D=%%FF%%FE')"
is "$STATUS" 400 "invalid UTF-8: 400"
post /api/amocrm/funnel-sale application/json '{"leads":{"status":[{"id":'
is "$STATUS" 400 "truncated JSON: 400"

# A body with no lead at all (a contact update): accepted, nothing stored.
post /api/amocrm/funnel-sale $FORM 'contacts%5Bupdate%5D%5B0%5D%5Bid%5D=55&contacts%5Bupdate%5D%5B0%5D%5Bname%5D=A&account%5Bsubdomain%5D=onaiagencykz'
is "$STATUS/$(jget "$BODY" leads_processed)" "200/0" "no leads: 200, zero processed"

# Oversized body (over AMOSYNC_WEBHOOK_MAX_BODY): 413 and a record of it.
head -c 1200000 /dev/zero | tr '\0' 'a' >"$STACK/big.txt"
post /api/amocrm/funnel-sale $FORM "@$STACK/big.txt"
is "$STATUS" 413 "oversized body: 413"
is "$(landing "SELECT outcome, body_size FROM webhook_requests ORDER BY id DESC LIMIT 1")" "too_large|1200000" "oversized body: recorded"

# Other methods.
req GET /api/amocrm/funnel-sale
is "$STATUS" 405 "GET: 405"
req PUT /api/amocrm/funnel-sale --data x
is "$STATUS" 405 "PUT: 405"
like "$(curl -sS -o /dev/null -D - -X PUT "$URL/api/amocrm/funnel-sale" --data x | tr -d '\r')" '^Allow: POST$' "405 names the allowed method"

# R8: PostgreSQL down -> 200 and spooled; back up -> replayed, stored once.
stack_pg_down "$STACK"
b=$(body '{"leads":[{"id":7060,"status_id":142,"pipeline_id":10350882,"price":"5000"}]}')
POST_NOWAIT=1 post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "database down: still 200"
is "$(ls "$STACK/spool" | grep -c '^funnel-sale-')" 1 "database down: request spooled"
POST_NOWAIT=1 post /api/amocrm/funnel-sale $FORM "$b"
# D1: a file in the spool that is not a spooled request is set aside in
# bad/, never deleted, and the replay goes on past it.
printf 'garbage, not a spool file\n' >"$STACK/spool/funnel-sale-1-1.req"
stack_pg_up "$STACK"
spooled_7060() { [ "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7060")" = 1 ]; }
wait_for 20 spooled_7060
inbox_wait
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7060")" 1 "database back: spooled sale stored once"
is "$(ls "$STACK/spool" | grep -c '^funnel-sale-')" 0 "database back: spool emptied"
is "$(cat "$STACK/spool/bad/funnel-sale-1-1.req" 2>&1)" "garbage, not a spool file" "D1: a malformed spool file is set aside, whole"
like "$(cat "$STACK/log/funnel-sale.log")" 'spool file funnel-sale-1-1.req cannot be replayed' "D1: and logged"
like "$(cat "$STACK/log/funnel-sale.log")" 'replayed [0-9]+ spooled funnel-sale requests, 1 set aside' "D1: counted as set aside"
is "$(sed -n 's/.*replayed \([0-9]*\) spooled funnel-sale requests.*/\1/p' "$STACK/log/funnel-sale.log" | awk '{ s += $1 } END { print s }')" 2 "D1: and not as replayed (2 real requests replayed in all)"

# D2: the landing database is up, the traffic one (which holds the rules)
# is not: the delivery is kept in landing's inbox and answered; it is
# applied, to both databases in one batch, once traffic is back, and the
# landing row gets the team the traffic database's rules give.
sql postgres "ALTER DATABASE traffic ALLOW_CONNECTIONS false" >/dev/null
sql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'traffic'" >/dev/null
b=$(body '{"leads":[{"id":7080,"status_id":142,"pipeline_id":10350882,"price":"5000","fields":[[434731,"utm_source","fb_kenesary"]]}]}')
POST_NOWAIT=1 post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "D2: traffic down: still 200"
sleep 2
is "$(landing "SELECT state FROM webhook_requests WHERE lead_ids = '{7080}'")" queued "D2: kept in the inbox while traffic is down"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7080")" 0 "D2: not applied to one database only"
sql postgres "ALTER DATABASE traffic ALLOW_CONNECTIONS true" >/dev/null
inbox_wait
is "$(landing "SELECT coalesce(targetologist, 'none') FROM express_course_sales WHERE deal_id = 7080")" Kenesary "D2: applied once traffic is back, with its team"
is "$(sql traffic "SELECT targetologist FROM all_sales_tracking WHERE lead_id = '7080'")" Kenesary "D2: and the traffic row has the same"
is "$(ls "$STACK/spool" | grep -c '^funnel-sale-')" 0 "D2: nothing spooled"

# D3: a delivery the database refuses (a time out of its range) is kept
# and answered 200 (it is well-formed); applying it fails, it is tried
# once more after a pause and then set aside ("dead") with the database's
# error, and a delivery behind it is applied meanwhile.
b=$(body '{"leads":[{"id":7090,"status_id":142,"pipeline_id":10350882,"price":"5000","updated_at":99999999999999}]}')
POST_NOWAIT=1 post /api/amocrm/funnel-sale $FORM "$b"
is "$STATUS" 200 "D3: a value the database refuses: kept, 200"
post /api/amocrm/funnel-sale $FORM "$(body '{"leads":[{"id":7091,"status_id":142,"pipeline_id":10350882,"price":"5000"}]}')"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7091")" 1 "D3: the delivery behind it is applied"
dead_7090() { [ "$(landing "SELECT state FROM webhook_requests WHERE lead_ids = '{7090}'")" = dead ]; }
wait_for 20 dead_7090
is "$(landing "SELECT state || '|' || outcome || '|' || attempts || '|' || http_status FROM webhook_requests WHERE lead_ids = '{7090}'")" "dead|failed|2|200" \
	"D3: set aside after two tries, recorded with the status it was answered"
like "$(landing "SELECT error FROM webhook_requests WHERE lead_ids = '{7090}'")" 'could not store' "D3: with the error"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 7090")" 0 "D3: nothing of it stored"

integ_check_logs
