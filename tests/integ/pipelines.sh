#!/usr/bin/env bash
# The pipeline catalogue (issue 23): pipelines and stages synced from the
# amoCRM stand-in by the worker on its schedule and by an admin on
# demand; the Flagship funnel from the synced stages in amoCRM's order,
# a stage renamed and one moved in amoCRM and re-synced; the lead events
# naming both stages; a product name and list price set through the API,
# audited and copied to the landing database; a new pipeline; a failing
# amoCRM recorded.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=1
INTEG_ENV="AMOSYNC_PIPELINES_SYNC_INTERVAL=3
AMOSYNC_SYNC_INTERVAL=0
AMOSYNC_SWEEP_INTERVAL=0
AMOSYNC_WORKER_POLL_MS=100"
integ_up

traffic() { sql traffic "$1"; }
landing() { sql landing "$1"; }
jpath() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1" "$2"
}
F=10418746

# --- the scheduled sync ---------------------------------------------------------------
synced() { [ "$(traffic "SELECT count(*) FROM pipeline_syncs WHERE last_trigger = 'schedule' AND last_ok_at IS NOT NULL")" = 1 ]; }
wait_for 20 synced
ok $? "the worker syncs the pipelines on its schedule"
is "$(traffic "SELECT string_agg(name, '|' ORDER BY sort, status_id) FROM pipeline_stages WHERE pipeline_id = $F")" \
	"Неразобранное|Новая заявка|Квалификация|Консультация проведена|Договор отправлен|Ожидает оплату|Успешно реализовано|Закрыто и не реализовано" \
	"the Flagship's stages as amoCRM lists them, 142 and 143 included"
is "$(traffic "SELECT count(DISTINCT pipeline_id) FROM pipeline_stages")/$(traffic "SELECT count(*) FROM pipelines")" "6/6" \
	"every pipeline of the account has its stages"
is "$(traffic "SELECT string_agg(name, '|' ORDER BY sort, status_id) FROM pipeline_stages WHERE pipeline_id = 10350882 AND status_id IN (81854574, 81856842, 142)")" \
	"Неразобранное|Заявка с профтеста|Успешно реализовано" "the Express stages of the seed kept their ids"
is "$(landing "SELECT target_table || '/' || default_amount::int || '/' || active FROM pipelines WHERE pipeline_id = $F")" \
	"main_product_sales/490000/true" "the landing copy of the Flagship: its table and list price"

# --- the Flagship funnel ---------------------------------------------------------------
# Five leads through the Flagship's stages (the webhook path is not what
# this tests: the events go in with SQL). stage ids:
U=82400001 S1=82400002 S2=82400003 S3=82400004 S4=82400005 S5=82400006
ev() { # LEAD OLD NEW DAY HOUR
	traffic "INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id, status_id, old_status_id, lead_updated_at, event_at)
		VALUES ($1, 'status', $F, $F, $3, $2, extract(epoch FROM timestamptz '2026-11-$4 $5:00+05')::bigint, '2026-11-$4 $5:00+05')" >/dev/null
}
ev 700001 0 $U 02 10; ev 700001 $U $S1 02 11; ev 700001 $S1 $S2 03 10; ev 700001 $S2 $S3 04 10
ev 700001 $S3 $S4 05 10; ev 700001 $S4 $S5 06 10; ev 700001 $S5 142 07 10
ev 700002 0 $U 02 12; ev 700002 $U $S1 02 13; ev 700002 $S1 $S3 05 10   # skips S2
ev 700003 0 $U 03 12; ev 700003 $U $S1 03 13; ev 700003 $S1 $S2 04 11; ev 700003 $S2 143 06 12
ev 700004 0 $S1 04 12
ev 700005 0 $U 05 12
applied() { [ "$(traffic "SELECT count(*) FROM funnel_pending")" = 0 ]; }
funnel_rows() {
	req GET "/api/traffic/funnel?pipeline_id=$F&start=2026-11-01&end=2026-11-30"
	jpath "$BODY" '" ".join("%s:%s" % (s["name"], s["leads"]) for s in d["stages"]) + " won=%s lost=%s" % (d["won"], d["lost"])'
}
traffic "INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id, status_id, old_status_id, lead_updated_at, event_at)
	VALUES (700100, 'status', 10350882, 10350882, 81856842, 81854574, 1, '2026-11-03 10:00+05')" >/dev/null
wait_for 20 applied
ok $? "the worker applies the new events"
traffic "UPDATE pipeline_stages SET sort = sort * 3 WHERE pipeline_id = 10350882" >/dev/null
is "$(traffic "SELECT count(*) FROM funnel_pending")" 0 \
	"new sort values in the same order (as the first sync after the upgrade brings): no lead to recompute"
restored() { [ "$(traffic "SELECT sort FROM pipeline_stages WHERE pipeline_id = 10350882 AND status_id = 81856842")" = 20 ]; }
wait_for 20 restored
is "$?/$(traffic "SELECT count(*) FROM funnel_pending")" 0/0 "the scheduled sync puts amoCRM's sort values back, still nothing to recompute"
is "$(funnel_rows)" \
	"Неразобранное:5 Новая заявка:4 Квалификация:3 Консультация проведена:2 Договор отправлен:1 Ожидает оплату:1 Успешно реализовано:1 won=1 lost=1" \
	"the Flagship funnel from the synced stages, in amoCRM's order"
req GET "/api/traffic/funnel?pipeline_id=$F&start=2026-11-01&end=2026-11-30"
is "$STATUS/$(jpath "$BODY" 'd["stages"][-1]["status_id"]')" 200/142 "the Flagship funnel answers 200, ending with 142"

# --- a stage renamed in amoCRM, re-synced on demand ------------------------------------
amo_ctl POST /__control/pipelines "{\"stage\": {\"pipeline_id\": $F, \"id\": $S3, \"name\": \"Консультация (онлайн)\"}}" >/dev/null
post /api/traffic/pipelines/sync application/json '{}'
is "$STATUS/$(jpath "$BODY" 'd["result"]["stages_changed"]')/$(jpath "$BODY" 'd["result"]["stages_new"]')" "200/1/0" \
	"an admin's sync: one stage changed, none new"
is "$(jpath "$BODY" '[s["name"] for p in d["pipelines"] if p["id"] == '$F' for s in p["stages"]][3]')" \
	"Консультация (онлайн)" "the sync answers the catalogue with the new name"
is "$(traffic "SELECT count(*) FROM funnel_pending")" 0 "a renamed stage changes no rank: nothing to recompute"
is "$(funnel_rows)" \
	"Неразобранное:5 Новая заявка:4 Квалификация:3 Консультация (онлайн):2 Договор отправлен:1 Ожидает оплату:1 Успешно реализовано:1 won=1 lost=1" \
	"the funnel shows the stage renamed in amoCRM"
is "$(traffic "SELECT actor || '/' || action || '/' || entity || '/' || (after->>'stages_changed') FROM attribution_audit WHERE entity = 'pipeline' ORDER BY id DESC LIMIT 1")" \
	"anonymous/sync/pipeline/1" "the sync that changed something is audited"
audits=$(traffic "SELECT count(*) FROM attribution_audit WHERE entity = 'pipeline' AND action = 'sync'")
post /api/traffic/pipelines/sync application/json '{}'
is "$STATUS/$(jpath "$BODY" 'd["result"]["stages_changed"] + d["result"]["pipelines_changed"]')/$(traffic "SELECT count(*) FROM attribution_audit WHERE entity = 'pipeline' AND action = 'sync'")" \
	"200/0/$audits" "a sync with nothing new changes nothing and audits nothing"

# --- a stage moved in amoCRM, re-synced on the schedule --------------------------------
# "Квалификация" after "Консультация (онлайн)": the ranks change, the
# pipeline's leads are recomputed by the worker.
amo_ctl POST /__control/pipelines "{\"stage\": {\"pipeline_id\": $F, \"id\": $S2, \"sort\": 45}}" >/dev/null
moved() { [ "$(traffic "SELECT sort FROM pipeline_stages WHERE pipeline_id = $F AND status_id = $S2")" = 45 ]; }
wait_for 20 moved
ok $? "the scheduled sync takes the stage moved in amoCRM"
wait_for 20 applied
ok $? "the pipeline's leads are recomputed with the new ranks"
is "$(funnel_rows)" \
	"Неразобранное:5 Новая заявка:4 Консультация (онлайн):3 Квалификация:2 Договор отправлен:1 Ожидает оплату:1 Успешно реализовано:1 won=1 lost=1" \
	"the funnel in amoCRM's new order (700003, lost at Квалификация, now counts as past the consultation)"
is "$(traffic "SELECT count(*) FROM funnel_leads WHERE pipeline_id = $F")" 5 "the Flagship's five leads"

# --- the lead events name both stages ---------------------------------------------------
req GET /api/traffic/leads/700002/events
is "$STATUS/$(jpath "$BODY" '" ".join("%s>%s" % (e["old_stage"], e["stage"]) for e in d["events"])')" \
	"200/None>Неразобранное Неразобранное>Новая заявка Новая заявка>Консультация (онлайн)" \
	"the lead events name the previous stage and the new one"
req GET /api/traffic/leads/700003/events
is "$(jpath "$BODY" 'd["events"][-1]["old_stage"] + ">" + d["events"][-1]["stage"]')" \
	"Квалификация>Закрыто и не реализовано" "a lost lead: both names, 143 included"

# --- product and list price, audited ---------------------------------------------------
req PATCH /api/traffic/pipelines/$F -H 'Content-Type: application/json' \
	--data-binary '{"product_name": "Флагманский курс", "list_price": 500000}'
is "$STATUS/$(jpath "$BODY" 'd["pipeline"]["product_name"]')/$(jpath "$BODY" 'int(d["pipeline"]["list_price"])')" \
	"200/Флагманский курс/500000" "PATCH sets the product and list price"
is "$(traffic "SELECT entity_id || '/' || (before->>'product_name') || '/' || (after->>'product_name') || '/' || (after->>'default_amount') FROM attribution_audit WHERE entity = 'pipeline' AND action = 'update' ORDER BY id DESC LIMIT 1")" \
	"$F/Flagship Course/Флагманский курс/500000.00" "the change is audited with before and after"
is "$(landing "SELECT product_name || '/' || default_amount FROM pipelines WHERE pipeline_id = $F")" \
	"Флагманский курс/500000.00" "the landing copy follows the change at once"
req GET "/api/traffic/audit?entity=pipeline"
is "$STATUS/$(jpath "$BODY" 'd["audit"][0]["action"] + "/" + d["audit"][0]["entity_id"]')" "200/update/$F" "the audit API lists the pipeline's change"
for bad in '{"list_price": -5}' '{"list_price": "5,000"}' '{"product_name": ""}' '{"product_name": null}' '{"colour": 1}'; do
	req PATCH /api/traffic/pipelines/$F -H 'Content-Type: application/json' --data-binary "$bad"
	is "$STATUS" 400 "PATCH refuses $bad"
done
req PATCH /api/traffic/pipelines/123 -H 'Content-Type: application/json' --data-binary '{"list_price": 1}'
is "$STATUS" 404 "PATCH of an unknown pipeline: 404"
amo_ctl POST /__control/pipelines "{\"stage\": {\"pipeline_id\": $F, \"id\": $S3, \"name\": \"Консультация\"}}" >/dev/null
post /api/traffic/pipelines/sync application/json '{}'
is "$(traffic "SELECT product_name || '/' || default_amount FROM pipelines WHERE pipeline_id = $F")" \
	"Флагманский курс/500000.00" "a sync leaves the admin's product and price alone"

# --- a new pipeline; a stage gone ------------------------------------------------------
amo_ctl POST /__control/pipelines "$(python3 - "$top_srcdir/tests/mock/amocrm-data.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["pipelines"]
p.append({"id": 11000001, "name": "Интенсив", "sort": 7, "is_main": False, "is_archive": False,
          "_embedded": {"statuses": [
              {"id": 83000001, "name": "Неразобранное", "sort": 10, "type": 1},
              {"id": 83000002, "name": "Записался", "sort": 20, "type": 0},
              {"id": 142, "name": "Успешно реализовано", "sort": 10000, "type": 0},
              {"id": 143, "name": "Закрыто и не реализовано", "sort": 11000, "type": 0}]}})
for x in p:
    if x["id"] == 10418746:
        x["_embedded"]["statuses"] = [s for s in x["_embedded"]["statuses"] if s["id"] != 82400005]
        for s in x["_embedded"]["statuses"]:   # as amoCRM has them now
            if s["id"] == 82400003:
                s["sort"] = 45
            if s["id"] == 82400004:
                s["name"] = "Консультация"
print(json.dumps({"pipelines": p}))
PY
)" >/dev/null
post /api/traffic/pipelines/sync application/json '{}'
is "$STATUS/$(jpath "$BODY" 'd["result"]["pipelines_new"]')/$(jpath "$BODY" 'd["result"]["stages_new"]')/$(jpath "$BODY" 'd["result"]["stages_archived"]')" \
	"200/1/4/1" "a new pipeline with its 4 stages, and one stage gone"
is "$(traffic "SELECT name || '/' || product_name || '/' || default_amount FROM pipelines WHERE pipeline_id = 11000001")/$(landing "SELECT count(*) FROM pipelines WHERE pipeline_id = 11000001 AND target_table IS NULL")" \
	"Интенсив/Интенсив/0.00/1" "the new pipeline: its name as product, no list price, copied to landing"
is "$(traffic "SELECT is_archive FROM pipeline_stages WHERE pipeline_id = $F AND status_id = $S4")" t "the stage amoCRM no longer lists is archived, not deleted"
wait_for 20 applied
is "$(funnel_rows)" \
	"Неразобранное:5 Новая заявка:4 Консультация:3 Квалификация:2 Ожидает оплату:1 Успешно реализовано:1 won=1 lost=1" \
	"the funnel without the archived stage"
req GET /api/traffic/leads/700001/events
is "$(jpath "$BODY" 'd["events"][4]["stage"]')" "Договор отправлен" "an archived stage keeps its name in the lead events"

# --- amoCRM refuses ----------------------------------------------------------------------
amo_ctl POST /__control/fail '{"path_prefix": "/api/v4/leads/pipelines", "status": 401, "count": 1}' >/dev/null
post /api/traffic/pipelines/sync application/json '{}'
is "$STATUS" 502 "a sync against a refusing amoCRM: 502"
like "$(jget "$BODY" error)" "pipelines" "with a readable error"
is "$(traffic "SELECT failures || '/' || (last_error IS NOT NULL) FROM pipeline_syncs")" "1/true" "the failure is recorded"
req GET /api/traffic/pipelines
is "$STATUS/$(jpath "$BODY" 'len(d["pipelines"])')/$(jpath "$BODY" 'd["sync"]["failures"]')" "200/7/1" "the catalogue is as it was, the failure shown"

integ_check_logs
