#!/usr/bin/env bash
# Landing leads in step with amoCRM: the pull sync against the amoCRM
# stand-in (matching, pagination, 204, 429, 401, 403, timeout), sync_runs
# and its lease (409, a SIGKILLed worker), the schedule with two workers,
# and the leads API. Expected counts come from the rows the test inserts.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=0
INTEG_ENV="AMOCRM_RATE_LIMIT=20
AMOSYNC_SYNC_TIMEOUT=2
AMOSYNC_SYNC_LEASE=3
AMOSYNC_SYNC_LIST_MAX=3
AMOSYNC_WORKER_POLL_MS=100"
integ_up

land() { sql landing "$1"; }
SYNC=/api/admin/landing/sync-amocrm
JSON=application/json
EXPRESS=10350882

# jpath JSON PATH: a value by dotted path (numbers index arrays).
jpath() {
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k)
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}

# amo LEAD-ID CREATED PIPELINE CONTACT-ID PHONES EMAILS: one amoCRM lead
# with one contact; PHONES and EMAILS are comma-separated.
amo() {
	amo_ctl POST /__control/leads "$(python3 -c '
import json, sys
lid, created, pipe, cid = (int(x) for x in sys.argv[1:5])
vals = lambda s: [{"value": v, "enum_code": "WORK"} for v in s.split(",") if v]
print(json.dumps({
  "leads": [{"id": lid, "name": "Сделка %d" % lid, "price": 5000,
    "status_id": 81856842, "pipeline_id": pipe, "created_at": created,
    "updated_at": created, "custom_fields_values": None,
    "account_id": 29000001,
    "_embedded": {"tags": [], "companies": [],
      "contacts": [{"id": cid, "is_main": True}]}}],
  "contacts": [{"id": cid, "name": "Контакт %d" % cid,
    "custom_fields_values": [
      {"field_id": 1001, "field_name": "Телефон", "field_code": "PHONE",
       "field_type": "multitext", "values": vals(sys.argv[5])},
      {"field_id": 1003, "field_name": "Email", "field_code": "EMAIL",
       "field_type": "multitext", "values": vals(sys.argv[6])}]}]}))' "$@")" >/dev/null
}

# requests PATH-PREFIX: how many API requests the stand-in received.
requests() {
	amo_ctl GET /__control/requests | python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin) if r["path"].startswith(sys.argv[1])))' "$1"
}

# lead NAME EMAIL PHONE [CREATED-AGO]: a landing lead; prints its id.
lead() {
	land "INSERT INTO landing_leads (name, email, phone, source, utm_source, created_at)
	      VALUES ('$1', nullif('$2', ''), nullif('$3', ''), 'proftest_kenesary', 'fb_kenesary',
	              now() - interval '${4:-1 hour}') RETURNING id" | head -n 1
}

sync() {
	local b='{}'
	[ $# -eq 0 ] || b=$1
	post "$SYNC" $JSON "$b"
}

# --- 0. The two normalisations agree: SQL = C (base-text-t has C's).
is "$(land "SELECT string_agg(coalesce(amosync_phone_norm(p), '-'), ' ' ORDER BY o) FROM unnest(ARRAY[
	'+7 (747) 555-00-11', '8 (747) 555-00-11', '87475550011', '7475550011', '77475550011',
	'9161234567', '8121234567', '+380 44 123 4567', '555-00-11', '', '０１２３４５６７８９',
	'8 800 555 35 35 доб. 12', E'\u00a08\u00a0747\u00a05550011 ']) WITH ORDINALITY AS t(p, o)")" \
	"77475550011 77475550011 77475550011 77475550011 77475550011 79161234567 78121234567 380441234567 - - - 8800555353512 77475550011" \
	"SQL phone normalisation has the rules of text_phone_norm"
is "$(land "SELECT string_agg(coalesce(amosync_email_norm(e), '-'), ' ' ORDER BY o) FROM unnest(ARRAY[
	'User@Example.COM', E'  a.b+c@mail.kz \t', E'\u00a0x@y\u00a0', 'ИМЯ@Mail.ru', 'two@@example.com',
	'@example.com', 'user@', '']) WITH ORDINALITY AS t(e, o)")" \
	"user@example.com a.b+c@mail.kz x@y ИМЯ@mail.ru - - - -" \
	"SQL e-mail normalisation has the rules of text_email_norm"

# --- 1. Matching: phones in other formats, e-mails in other case.
amo_ctl POST /__control/reset '{"data":true}' >/dev/null
amo 7001 1764000100 $EXPRESS 8001 '+77475550011' ''
amo 7002 1764000200 $EXPRESS 8002 '' ' Daniyar.A@Example.KZ '
amo 7003 1764000300 $EXPRESS 8003 '+7 701 555 00 99,+7 702 000 00 00' 'other@example.kz'
amo 7004 1764000050 $EXPRESS 8004 '+7 777 000 11 22' ''   # older
amo 7005 1764000400 $EXPRESS 8005 '8 777 000 11 22' ''    # newer, same phone
amo 7006 1764000500 10418746 8006 '+7 705 123 45 67' ''   # another pipeline
amo 7007 1764000600 $EXPRESS 8007 '+7 708 000 00 01' 'both@example.kz'

L1=$(lead 'Phone 8 format' '' '8 (747) 555-00-11')
L2=$(lead 'Email case' 'daniyar.a@example.kz' '')
L3=$(lead 'Second phone' '' '7015550099')
L4=$(lead 'No match' 'nobody@example.kz' '+7 700 111 22 33')
L5=$(lead 'Ambiguous' '' '87770001122')
L6=$(lead 'Other pipeline' '' '+7 705 123 45 67')
L7=$(lead 'Both keys' 'BOTH@example.kz' '87080000001')
L8=$(lead 'Email spaces' '  DANIYAR.A@EXAMPLE.KZ  ' '+7 711 000 00 00')
before=$(land "SELECT count(*) FROM landing_leads WHERE amocrm_synced")
before_ids=$(land "SELECT count(*) FROM landing_leads WHERE amocrm_lead_id IS NOT NULL")
total=$(land "SELECT count(*) FROM landing_leads")
amo_ctl POST /__control/reset >/dev/null
sync '{"limit":100}'
is "$STATUS" 200 "sync: 200"
run1=$(jpath "$BODY" run_id)
after=$(land "SELECT count(*) FROM landing_leads WHERE amocrm_synced")
changed=$(($(land "SELECT count(*) FROM landing_leads WHERE amocrm_lead_id IS NOT NULL") - before_ids))
is "$(land "SELECT amocrm_lead_id || '/' || amocrm_contact_id FROM landing_leads WHERE id = '$L1'")" "7001/8001" \
	"8 (747) 555-00-11 matched the contact's +77475550011"
is "$(land "SELECT amocrm_lead_id FROM landing_leads WHERE id = '$L2'")" 7002 "e-mail in other case and spaces matched"
is "$(land "SELECT amocrm_lead_id FROM landing_leads WHERE id = '$L8'")" 7002 "e-mail with spaces and capitals on the landing side matched"
is "$(land "SELECT amocrm_lead_id FROM landing_leads WHERE id = '$L3'")" 7003 "a contact's second phone (10 digits on the landing side) matched"
is "$(land "SELECT amocrm_lead_id FROM landing_leads WHERE id = '$L5'")" 7005 "two amoCRM leads: the newest wins"
is "$(land "SELECT coalesce(amocrm_lead_id, 'none') || '/' || amocrm_synced FROM landing_leads WHERE id = '$L4'")" "none/false" "no match: untouched"
is "$(land "SELECT coalesce(amocrm_lead_id, 'none') FROM landing_leads WHERE id = '$L6'")" none "a lead of another pipeline is not read"
is "$(jpath "$BODY" data.synced_total)" "$((after - before))" "synced_total = rows synced in the database"
is "$(jpath "$BODY" data.updated)" "$changed" "updated = rows changed in the database"
is "$(jpath "$BODY" data.already_synced)" 0 "first run: nothing already synced"
is "$(jpath "$BODY" data.total_landing_leads)" "$total" "total_landing_leads = rows in landing_leads"
is "$(jpath "$BODY" data.not_synced_total)" "$(land "SELECT count(*) FROM landing_leads WHERE NOT amocrm_synced")" "not_synced_total = unsynced rows"
is "$(jpath "$BODY" data.total_amocrm_leads)" 6 "six Express leads read (not the other pipeline's)"
is "$(jpath "$BODY" data.matched_by_email)" 3 "matched by e-mail: L2, L7, L8"
is "$(jpath "$BODY" data.matched_by_phone)" 3 "matched by phone: L1, L3, L5"
is "$(jpath "$BODY" data.ambiguous_total)/$(jpath "$BODY" data.ambiguous.0.landing_lead_id)/$(jpath "$BODY" data.ambiguous.0.amocrm_lead_id)" \
	"1/$L5/7005" "the ambiguity is listed with the chosen lead"
# Six synced, two not (L4, L6): lists of at most 3.
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1])["data"]; print(len(d["synced"]), len(d["not_synced"]))' "$BODY")" "3 2" \
	"lists are bounded by AMOSYNC_SYNC_LIST_MAX"
like "$(jpath "$BODY" data.synced.0.in_amocrm)" true "synced leads in the original's shape"
is "$(land "SELECT status || '/' || trigger || '/' || matched || '/' || updated || '/' || total_amocrm_leads FROM sync_runs WHERE id = $run1")" \
	"done/manual/6/6/6" "sync_runs records the run and its counts"
is "$(requests /api/v4/contacts)" 1 "contacts fetched in one batch by id"
like "$(amo_ctl GET /__control/requests | python3 -c 'import json,sys; print([r["query"] for r in json.load(sys.stdin) if r["path"]=="/api/v4/contacts"][0])')" \
	'filter%5Bid%5D%5B%5D=8001' "contacts asked for with filter[id][]"

# A limit over AMOSYNC_SYNC_LIMIT_MAX, or a misspelt member: 400, no run.
runs=$(land "SELECT count(*) FROM sync_runs")
post "$SYNC?limit=999999" $JSON ''
is "$STATUS/$(jpath "$BODY" field)" "400/limit" "a limit over the maximum: 400 naming it"
sync '{"limt":5}'
is "$STATUS/$(jpath "$BODY" field)" "400/limt" "an unknown member: 400 naming it"
is "$(land "SELECT count(*) FROM sync_runs")" "$runs" "refused requests start no run"

# Run again: nothing changes, everything is already synced.
sync
is "$STATUS/$(jpath "$BODY" data.updated)/$(jpath "$BODY" data.already_synced)" "200/0/6" "second run: already synced, no row changed"

# --- 2. Pagination over several pages, then an empty pipeline (204).
# 600 more leads, older than those above: the newest 500 are two pages
# of 250 and 500 contacts, five batches of 100 ids.
amo_ctl POST /__control/leads "{\"generate\":{\"count\":600,\"pipeline_id\":$EXPRESS,\"start_id\":50000000,\"contact_start_id\":60000000,\"created_at\":1700000000}}" >/dev/null
amo_ctl POST /__control/reset >/dev/null
sync '{"limit":500}'
is "$STATUS/$(jpath "$BODY" data.total_amocrm_leads)/$(jpath "$BODY" data.total_amocrm_contacts)" "200/500/500" "pagination: 500 leads, 500 contacts"
is "$(requests /api/v4/leads)/$(requests /api/v4/contacts)" "2/5" "pagination: two pages of leads, five batches of contacts"
is "$(jpath "$BODY" data.already_synced)/$(jpath "$BODY" data.updated)" "6/0" "pagination: the same six matches"
# Pages smaller than asked (the server's choice) are followed too.
amo_ctl POST /__control/config '{"page_cap":3}' >/dev/null
amo_ctl POST /__control/reset >/dev/null
post "$SYNC?limit=7" $JSON ''
is "$STATUS/$(jpath "$BODY" data.total_amocrm_leads)/$(requests /api/v4/leads)" "200/7/3" "limit in the query: 7 leads over pages of 3"
amo_ctl POST /__control/config '{"page_cap":0}' >/dev/null
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/leads","status":204}' >/dev/null
sync
is "$STATUS/$(jpath "$BODY" data.total_amocrm_leads)" "200/0" "204: no leads, the run is done"
is "$(land "SELECT count(*) FROM landing_leads WHERE amocrm_synced")" "$after" "204: no landing lead unsynced"

# --- 3. A 429 mid-run is waited out.
amo_ctl POST /__control/reset >/dev/null
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/contacts","status":429,"retry_after":1}' >/dev/null
sync '{"limit":6}'
is "$STATUS/$(jpath "$BODY" data.already_synced)" "200/6" "429 on contacts: retried, the run completes"
is "$(requests /api/v4/contacts)" 2 "429: the contacts request was made again"

# --- 4. 401, 403 and a timeout end the run with a readable error.
amo_ctl POST /__control/config '{"token":"rotated"}' >/dev/null
sync
is "$STATUS" 502 "401: answered 502 (amoCRM refused us, not the caller)"
like "$(jpath "$BODY" error)" "access token \(expired or revoked.*set AMOCRM_ACCESS_TOKEN" "401: readable error, says what to do"
run=$(jpath "$BODY" run_id)
like "$(land "SELECT status || '|' || amocrm_status || '|' || error FROM sync_runs WHERE id = $run")" \
	'^failed\|401\|amoCRM rejected the access token' "401: recorded in sync_runs"
amo_ctl POST /__control/config '{"token":"amocrm-test-token"}' >/dev/null
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/leads","status":403}' >/dev/null
sync
is "$STATUS" 502 "403: 502"
like "$(jpath "$BODY" error)" "IP whitelist" "403: says what to check"
run=$(jpath "$BODY" run_id)
like "$(land "SELECT status || '|' || amocrm_status || '|' || error FROM sync_runs WHERE id = $run")" \
	'^failed\|403\|amoCRM refused access \(403 Forbidden\): the account may have an IP whitelist' "403: recorded in sync_runs"
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/leads","status":402}' >/dev/null
sync
is "$STATUS" 502 "402: 502"
like "$(land "SELECT status || '|' || amocrm_status || '|' || error FROM sync_runs WHERE id = $(jpath "$BODY" run_id)")" \
	'^failed\|402\|amoCRM subscription has ended' "402: readable, recorded"
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/leads","status":0,"delay_ms":3000}' >/dev/null
sync
is "$STATUS" 504 "timeout: 504"
like "$(jpath "$BODY" error)" "did not answer in time.*raise AMOSYNC_SYNC_TIMEOUT" "timeout: readable error, says what to do"
like "$(land "SELECT status || '|' || error FROM sync_runs WHERE id = $(jpath "$BODY" run_id)")" '^failed\|amoCRM did not answer in time' "timeout: recorded"
is "$(land "SELECT count(*) FROM sync_runs WHERE finished_at IS NULL")" 0 "no run left running after failures"
sleep 1.5 # the stand-in finishes the slow answer

# --- 5. Never two at once: a run held by another process gets 409 until
# its lease runs out.
held=$(land "INSERT INTO sync_runs (trigger, holder, lease_until) VALUES ('manual', 'elsewhere:1', now() + interval '1 hour') RETURNING id" | head -n 1)
sync
is "$STATUS/$(jpath "$BODY" running_run_id)" "409/$held" "409 names the running run"
like "$(jpath "$BODY" error)" "already running: run $held, started 20" "409: readable, with the start time"
land "UPDATE sync_runs SET lease_until = now() - interval '1 second' WHERE id = $held" >/dev/null
sync
is "$STATUS" 200 "a run whose lease ran out does not block"
is "$(land "SELECT status FROM sync_runs WHERE id = $held")" abandoned "the dead run is marked abandoned"

# A real second process: the worker's scheduled run, slowed down, then
# SIGKILLed in the middle.
printf 'AMOSYNC_SYNC_INTERVAL=2\n' >>"$STACK/amosync.env"
amo_ctl POST /__control/fail '[{"path_prefix":"/api/v4/leads","status":0,"delay_ms":1500,"count":20}]' >/dev/null
stack_start_worker "$STACK" "$top_builddir" 1
running() { [ "$(land "SELECT count(*) FROM sync_runs WHERE trigger = 'schedule' AND finished_at IS NULL")" = 1 ]; }
wait_for 10 running
sched=$(land "SELECT id FROM sync_runs WHERE trigger = 'schedule' AND finished_at IS NULL")
sync
is "$STATUS/$(jpath "$BODY" running_run_id)" "409/$sched" "a sync while the worker's run runs: 409"
kill -KILL "$(cat "$STACK/run/worker-1.pid")"
rm -f "$STACK/run/worker-1.pid"
sync
is "$STATUS" 409 "right after SIGKILL the lease still holds"
amo_ctl POST /__control/reset >/dev/null
sleep 3.5
sync
is "$STATUS" 200 "after the lease (3 s) the next sync runs"
like "$(land "SELECT status || '|' || error FROM sync_runs WHERE id = $sched")" '^abandoned\|its process stopped renewing the lease' \
	"the killed worker's run is abandoned"

# --- 6. The schedule with two workers: once per interval (2 s).
t0=$(land "SELECT now()")
stack_start_worker "$STACK" "$top_builddir" 2
stack_start_worker "$STACK" "$top_builddir" 3
sleep 9
stack_stop_program "$STACK" worker-2
stack_stop_program "$STACK" worker-3
n=$(land "SELECT count(*) FROM sync_runs WHERE trigger = 'schedule' AND started_at > '$t0'")
like "$n" '^[3-5]$' "two workers, 9 s, interval 2 s: 3 to 5 scheduled runs ($n)"
is "$(land "SELECT count(*) FROM (SELECT started_at - lag(started_at) OVER (ORDER BY started_at) AS gap FROM sync_runs WHERE trigger = 'schedule' AND started_at > '$t0') g WHERE gap < interval '1.8 seconds'")" 0 \
	"no two scheduled runs closer than the interval"
is "$(land "SELECT count(*) FROM sync_runs WHERE trigger = 'schedule' AND started_at > '$t0' AND status <> 'done'")" 0 "every scheduled run done"

# --- 7. The leads API.
req GET "/api/landing/leads?limit=2"
is "$STATUS/$(jpath "$BODY" total)" "200/$total" "leads: total of all"
p1=$(python3 -c 'import json,sys; print(" ".join(l["id"] for l in json.loads(sys.argv[1])["leads"]))' "$BODY")
next=$(jpath "$BODY" next_after)
req GET "/api/landing/leads?limit=2" --get --data-urlencode "after=$next"
p2=$(python3 -c 'import json,sys; print(" ".join(l["id"] for l in json.loads(sys.argv[1])["leads"]))' "$BODY")
is "$p1 $p2" "$(land "SELECT string_agg(id::text, ' ' ORDER BY created_at DESC, id DESC) FROM (SELECT * FROM landing_leads ORDER BY created_at DESC, id DESC LIMIT 4) s")" \
	"keyset pages 1 and 2 follow the order"
req GET "/api/landing/leads?synced=yes&limit=500"
is "$(jpath "$BODY" total)" "$(land "SELECT count(*) FROM landing_leads WHERE amocrm_synced")" "synced=yes"
req GET "/api/landing/leads" --get --data-urlencode "q=555-00-11"
is "$(jpath "$BODY" total)/$(jpath "$BODY" leads.0.id)" "1/$L1" "q finds a phone by its digits"
req GET "/api/landing/leads?q=DANIYAR"
is "$(jpath "$BODY" total)" 2 "q finds e-mails regardless of case"
land "UPDATE landing_leads SET email_sent = true, email_opened_at = now() WHERE id IN ('$L1', '$L2')" >/dev/null
req GET "/api/landing/leads?email_status=opened"
is "$(jpath "$BODY" total)" 2 "email_status=opened"
land "INSERT INTO landing_leads (name, email, source, created_at) VALUES ('Yesterday Almaty', 'y@example.kz', 'expresscourse', (date_trunc('day', now() AT TIME ZONE 'Asia/Almaty') - interval '1 minute') AT TIME ZONE 'Asia/Almaty')" >/dev/null
yday=$(land "SELECT to_char((now() AT TIME ZONE 'Asia/Almaty')::date - 1, 'YYYY-MM-DD')")
req GET "/api/landing/leads?source=expresscourse&from=$yday&to=$yday"
is "$(jpath "$BODY" total)/$(jpath "$BODY" leads.0.name)" "1/Yesterday Almaty" "dates are days in AMOSYNC_TIMEZONE"
req GET "/api/landing/leads?email_status=maybe"
is "$STATUS/$(jpath "$BODY" field)" "400/email_status" "a bad filter is a 400 naming it"
req GET "/api/landing/leads?after=garbage"
is "$STATUS/$(jpath "$BODY" field)" "400/after" "a bad cursor is a 400"
req GET "/api/landing/leads/$L5"
is "$STATUS/$(jpath "$BODY" lead.amocrm_lead_id)/$(jpath "$BODY" lead.amocrm_sync_status)" "200/7005/synced" "one lead"
req GET "/api/landing/leads/00000000-0000-4000-8000-00000000dead"
is "$STATUS" 404 "an unknown lead: 404"
req GET "/api/landing/leads/not-a-uuid"
is "$STATUS" 404 "not a uuid: 404"
req GET "/api/landing/leads/stats"
is "$(jpath "$BODY" totals.leads)/$(jpath "$BODY" totals.synced)/$(jpath "$BODY" totals.email_opened)" \
	"$(land "SELECT count(*) || '/' || count(*) FILTER (WHERE amocrm_synced) || '/' || count(*) FILTER (WHERE email_opened_at IS NOT NULL) FROM landing_leads")" \
	"stats: totals"
is "$(python3 -c 'import json,sys; print({r["value"]: r["leads"] for r in json.loads(sys.argv[1])["by_source"]}.get("expresscourse"))' "$BODY")" 1 "stats: by source"
req GET "/api/landing/sync-runs?limit=3"
is "$STATUS/$(jpath "$BODY" runs.0.id)" "200/$(land "SELECT max(id) FROM sync_runs")" "sync runs, newest first"
req DELETE "/api/landing/leads"
is "$STATUS" 405 "router: 405 for another method"

# --- 8. Push: once, even when asked for concurrently; contacts reused;
# batches of at most 50 within the rate limit.
printf 'AMOSYNC_SYNC_INTERVAL=0\n' >>"$STACK/amosync.env"
# complex: the leads of every leads/complex request the stand-in got,
# one line per request: "name|contact id or new|utm_source ..."
complex() {
	amo_ctl GET /__control/requests | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["path"] != "/api/v4/leads/complex":
        continue
    out = []
    for l in json.loads(r["body"]):
        c = l["_embedded"]["contacts"][0]
        utm = [f["values"][0]["value"] for f in l.get("custom_fields_values", []) if f.get("field_id") == 434731]
        out.append("%s|%s|%s|%s|%s" % (l["name"], c.get("id", "new"), l["pipeline_id"], l.get("status_id"), ",".join(utm)))
    print(" ; ".join(out))'
}
amo 7100 1764000700 10418746 8100 '+7 720 555 00 01' 'reuse@example.kz'
P1=$(lead 'Push Reuse' '' '8 (720) 555-00-01')
P2=$(lead 'Push New' 'New.Person@Example.kz' '+7 721 555 00 02')
amo_ctl POST /__control/reset >/dev/null
pids=""
for i in 1 2 3 4; do
	curl -sS -X POST -H 'X-Requested-With: amosync-test' "$URL/api/landing/sync-to-amocrm/$P1" >"$STACK/push1.$i" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
is "$(python3 -c 'import json,sys; print(sum(json.load(open(f))["queued"] for f in sys.argv[1:]))' "$STACK"/push1.*)" 1 \
	"four concurrent requests: the lead is queued once"
is "$(land "SELECT amocrm_sync_status FROM landing_leads WHERE id = '$P1'")" queued "the lead is queued"
post "/api/landing/sync-to-amocrm/$P2" $JSON ''
is "$STATUS/$(jpath "$BODY" queued)/$(jpath "$BODY" lead.name)" "202/1/Push New" "push one: 202, queued, with the lead"
stack_start_worker "$STACK" "$top_builddir" 4
pushed() { [ "$(land "SELECT count(*) FROM landing_leads WHERE id IN ('$P1', '$P2') AND amocrm_sync_status = 'synced'")" = 2 ]; }
wait_for 20 pushed
is "$(land "SELECT amocrm_contact_id || '/' || amocrm_synced FROM landing_leads WHERE id = '$P1'")" "8100/true" "the existing contact is reused"
is "$(complex | grep -o 'Профтест: Push Reuse|[^ ;]*' | sort | uniq -c | sed 's/^ *//')" \
	"1 Профтест: Push Reuse|8100|$EXPRESS|81856842|fb_kenesary" "one amoCRM lead for the lead asked four times, linked to contact 8100, Express pipeline, stage 81856842, UTM by id"
like "$(complex | grep -o 'Профтест: Push New|[^ ;]*')" "Push New\|new\|$EXPRESS" "a lead without a contact in amoCRM gets a new one"
like "$(land "SELECT amocrm_lead_id || '/' || amocrm_contact_id FROM landing_leads WHERE id = '$P2'")" '^8[0-9]{7}/7[0-9]{7}$' "ids of the created lead and contact stored"
is "$(requests /api/v4/contacts)" 3 "contacts looked up: P1 by phone; P2 by phone, then e-mail"
post "/api/landing/sync-to-amocrm/$P1" $JSON ''
is "$STATUS/$(jpath "$BODY" queued)/$(jpath "$BODY" alreadyExists)/$(jpath "$BODY" amocrm_lead_id)" \
	"200/0/true/$(land "SELECT amocrm_lead_id FROM landing_leads WHERE id = '$P1'")" "already in amoCRM: skipped"
post "/api/landing/sync-to-amocrm/00000000-0000-4000-8000-00000000dead" $JSON ''
is "$STATUS" 404 "push of an unknown lead: 404"

# 60 more leads, then everything not yet in amoCRM, with two workers.
stack_start_worker "$STACK" "$top_builddir" 5
land "INSERT INTO landing_leads (name, phone, source, created_at)
      SELECT 'Batch ' || i, '+7 730 ' || lpad(i::text, 7, '0'), 'expresscourse', now() - interval '2 hours'
      FROM generate_series(1, 60) AS i" >/dev/null
want=$(land "SELECT count(*) FROM landing_leads WHERE amocrm_lead_id IS NULL")
amo_ctl POST /__control/reset >/dev/null
post /api/landing/sync-all-to-amocrm $JSON ''
is "$STATUS/$(jpath "$BODY" queued)/$(jpath "$BODY" total)" "202/$want/$(land "SELECT count(*) FROM landing_leads")" "push all: every lead not in amoCRM queued"
allpushed() { [ "$(land "SELECT count(*) FROM landing_leads WHERE amocrm_sync_status IN ('queued', 'pushing')")" = 0 ]; }
wait_for 60 allpushed
is "$(land "SELECT count(*) FROM landing_leads WHERE amocrm_lead_id IS NULL")" 0 "push all: every lead now has an amoCRM lead"
sizes=$(complex | awk -F' ; ' '{print NF}' | sort -n | tr '\n' ' ')
is "$(complex | awk -F' ; ' '{n += NF} END {print n}')" "$want" "push all, two workers: each lead in exactly one complex request ($sizes)"
is "$(complex | tr ';' '\n' | sed 's/^ *//; s/|.*//' | sort | uniq -d | wc -l)" 0 "push all: no lead name twice"
like "$(complex | wc -l)" "^$(((want + 49) / 50))\$" "push all: $(((want + 49) / 50)) complex requests of at most 50"
is "$(complex | awk -F' ; ' 'NF > 50' | wc -l)" 0 "no complex request over 50 leads"
is "$(complex | tr ';' '\n' | grep -c 'Batch .*|new|')" 60 "the 60 new leads got new contacts"
# The limiter grants at most 20 starts in any second. The stand-in sees
# arrivals, which a loaded machine delays by up to a few hundred
# milliseconds, hence 0.75 s between request i and i+20 (without the
# limiter they come a few milliseconds apart).
gap=$(amo_ctl GET /__control/requests | python3 -c '
import json, sys
t = sorted(r["time"] for r in json.load(sys.stdin))
print("%.3f" % min(b - a for a, b in zip(t, t[20:])) if len(t) > 20 else "none")')
echo "# the shortest time from request i to request i+20: $gap s"
is "$(awk -v g="$gap" 'BEGIN { print (g != "none" && g >= 0.75) ? "True" : "False" }')" True \
	"within the rate limit (20/s): request i+20 comes about a second after request i"
is "$(land "SELECT count(*) FROM landing_leads WHERE amocrm_sync_status = 'synced' AND amocrm_synced")" \
	"$(land "SELECT count(*) FROM landing_leads")" "every lead synced"

integ_check_logs
