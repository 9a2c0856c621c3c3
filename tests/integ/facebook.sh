#!/usr/bin/env bash
# Ad spend imported from Facebook (issue 25), against the Graph API
# stand-in (tests/mock/fb_mock.py) with two workers: a week of two teams
# with two ad accounts each, in pages, through the schedule (once per slot
# across workers); a day Facebook revises replaces its figure; a manual
# row survives an import and wins in the reports; error 190 shows offline
# in health and alerts once; a rate limit (and usage near it) backs off
# and the import completes later; two workers never import one account at
# once; the token is never logged.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=2
OPS=-1009990025
INTEG_ENV="TELEGRAM_ALERT_CHAT_ID=$OPS
AMOSYNC_ALERT_INTERVAL=1
AMOSYNC_ALERT_REMIND=3600
AMOSYNC_HEALTH_TIMEOUT=3
AMOSYNC_SYNC_INTERVAL=0
AMOSYNC_SWEEP_INTERVAL=0
AMOSYNC_WORKER_POLL_MS=100
AMOSYNC_USD_KZT_RATE=500
AMOSYNC_FB_RATES=EUR=550.5
AMOSYNC_FB_RATE_WAIT=2
AMOSYNC_FB_USAGE_MAX=90
AMOSYNC_FB_LEASE=30"
integ_up

fb_ctl() {
	curl -sS -X "$1" "$FB_MOCK$2" -H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}
jpath() {
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else (v or {}).get(k)
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}
ops() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin)
          if str(m["chat_id"]) == sys.argv[1] and sys.argv[2] in m["text"]))' "$OPS" "${1:-}"
}
has() { [ "$(ops "$1")" -ge "$2" ]; }
q() { sql traffic "$1"; }
# done_runs STATUS N: at least N runs of that status.
runs_at_least() { [ "$(q "SELECT count(*) FROM fb_import_runs WHERE status = '$1'")" -ge "$2" ]; }
jobs_idle() { [ "$(q "SELECT count(*) FROM outbox_jobs WHERE kind = 'fb_import' AND state IN ('pending', 'running')")" = 0 ]; }

TODAY=$(TZ=Asia/Almaty date +%F)
WEEK=$(TZ=Asia/Almaty date -d "$TODAY - 6 days" +%F)
YDAY=$(TZ=Asia/Almaty date -d "$TODAY - 1 day" +%F)

# A week of spend: Kenesary has accounts 1001 (USD) and 1002 (KZT),
# Arystan 2001 (EUR) and 2002 (USD); three campaigns each, every day,
# spend as Facebook writes it. The expected KZT per account is computed
# here from the same rows.
python3 - "$TODAY" >"$STACK/fbdata.json" <<'PY'
import datetime, decimal, json, random, sys
random.seed(25)
D = decimal.Decimal
today = datetime.date.fromisoformat(sys.argv[1])
acc = {"1001": "USD", "1002": "KZT", "2001": "EUR", "2002": "USD"}
rate = {"USD": D("500"), "KZT": D("1"), "EUR": D("550.5")}
out, exp = {}, {}
for a, cur in acc.items():
    rows = []
    for d in range(7):
        day = (today - datetime.timedelta(days=6 - d)).isoformat()
        for c in range(3):
            spend = round(random.uniform(5, 90), 2) * (400 if cur == "KZT" else 1)
            rows.append({"date": day, "campaign_id": "%s%02d" % (a, c),
                         "campaign_name": "camp_%s_%d" % (a, c),
                         "spend": "%.2f" % spend, "impressions": 1000 + c,
                         "clicks": 10 + c})
    out[a] = {"currency": cur, "rows": rows}
    exp[a] = "%.2f" % sum((D(r["spend"]) * rate[cur]).quantize(
        D("0.01"), rounding=decimal.ROUND_HALF_UP) for r in rows)
print(json.dumps({"accounts": out, "expected": exp}))
PY
fb_ctl POST /__control/accounts "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({"accounts": d["accounts"]}))' "$STACK/fbdata.json")" >/dev/null
fb_ctl POST /__control/config '{"page_size": 4}' >/dev/null
expected() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expected"][sys.argv[2]])' "$STACK/fbdata.json" "$1"; }

q "UPDATE traffic_teams SET fb_ad_account_id = 'act_1001, 1002' WHERE name = 'Kenesary';
   UPDATE traffic_teams SET fb_ad_account_id = '2001;act_2002' WHERE name = 'Arystan'" >/dev/null

# --- the schedule: both slots come due; each is claimed by one worker --
wait_for 10 test "$(q "SELECT count(*) FROM fb_import_schedule")" = 2
q "UPDATE fb_import_schedule SET next_at = now()" >/dev/null
wait_for 60 runs_at_least ok 8
ok $? "schedule: hourly and revise imports of the 4 accounts finish"
wait_for 20 jobs_idle
sleep 2
is "$(q "SELECT trigger || ':' || count(*) FROM fb_import_runs GROUP BY trigger ORDER BY trigger" | tr '\n' ' ')" \
	"hourly:4 revise:4 " "one run per account and slot, though two workers tick every second"
is "$(q "SELECT DISTINCT date_from || '..' || date_to FROM fb_import_runs WHERE trigger = 'hourly'")" "$YDAY..$TODAY" \
	"hourly: yesterday and today (business time zone)"
is "$(q "SELECT DISTINCT date_from || '..' || date_to FROM fb_import_runs WHERE trigger = 'revise'")" "$WEEK..$TODAY" \
	"revise: the last 7 days"
is "$(q "SELECT min(pages) FROM fb_import_runs WHERE trigger = 'revise'")" 6 \
	"paged: 21 rows in pages of 4 are 6 pages"
is "$(fb_ctl GET /__control/requests | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(sum(1 for x in r if x["account"] and x["after"]), all(x["auth"] == "header" for x in r))')" \
	"24 True" "paging follows the cursors (5 later pages of a week, 1 of two days; the token in the header, never the URL)"
for a in 1001 1002 2001 2002; do
	is "$(q "SELECT count(*) || ' ' || sum(amount_kzt) FROM ad_spend WHERE source = 'facebook' AND account_id = '$a'")" \
		"21 $(expected $a)" "account $a: 21 rows, KZT at the configured rate"
done
is "$(q "SELECT t.name || ':' || count(DISTINCT a.account_id) FROM ad_spend a JOIN traffic_teams t ON t.id = a.team_id GROUP BY t.name ORDER BY t.name" | tr '\n' ' ')" \
	"Arystan:2 Kenesary:2 " "two teams, two accounts each"
is "$(q "SELECT DISTINCT usd_to_kzt_rate FROM ad_spend WHERE account_id = '2001'")" "550.5000" "EUR at AMOSYNC_FB_RATES"
req GET "/api/traffic/ad-spend/imports?limit=3"
is "$STATUS $(jpath "$BODY" runs.0.status) $(jpath "$BODY" facebook_configured)" "200 ok true" "the runs are listed"

# --- a day Facebook revises replaces its figure -----------------------
CALLS=$(fb_ctl GET /__control/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"]["1001"])')
fb_ctl POST /__control/revise "[{\"account\": \"1001\", \"date\": \"$YDAY\", \"campaign_id\": \"100100\", \"spend\": \"77.77\", \"after_calls\": $CALLS}]" >/dev/null
post /api/traffic/ad-spend/import application/json "{\"start\": \"$WEEK\", \"end\": \"$TODAY\", \"team\": \"kenesary\"}"
is "$STATUS $(jpath "$BODY" jobs)" "202 2" "backfill: 202, one job per account of the team"
wait_for 30 runs_at_least ok 10
wait_for 20 jobs_idle
is "$(q "SELECT count(*) || ' ' || amount || ' ' || amount_kzt FROM ad_spend WHERE account_id = '1001' AND campaign_id = '100100' AND spend_date = '$YDAY' GROUP BY amount, amount_kzt")" \
	"1 77.77 38885.00" "revised day: one row, the new figure"
is "$(q "SELECT count(*) FROM ad_spend WHERE account_id = '1001'")" 21 "revised day: no row added"

# --- a manual row survives, and wins in the reports -------------------
post /api/traffic/ad-spend application/json "{\"rows\": [{\"team\": \"Kenesary\", \"date\": \"$YDAY\", \"campaign\": \"camp_1001_1\", \"amount\": 12345, \"currency\": \"KZT\"}]}"
is "$STATUS" 200 "a manual row for an imported campaign's day"
post /api/traffic/ad-spend/import application/json "{\"start\": \"$YDAY\", \"end\": \"$YDAY\", \"team\": \"Kenesary\"}"
wait_for 30 runs_at_least ok 12
wait_for 20 jobs_idle
is "$(q "SELECT amount || ' ' || currency FROM ad_spend WHERE source = 'manual'")" "12345.00 KZT" \
	"the manual row is untouched by the import"
is "$(q "SELECT rows_manual FROM fb_import_runs WHERE account_id = '1001' ORDER BY id DESC LIMIT 1")" 1 \
	"the run counts the imported row a manual one shadows"
FBROW=$(q "SELECT amount_kzt FROM ad_spend WHERE account_id = '1001' AND campaign_id = '100101' AND spend_date = '$YDAY'")
KSUM=$(q "SELECT sum(amount_kzt) - $FBROW FROM ad_spend a WHERE spend_date = '$YDAY' AND team_id = (SELECT id FROM traffic_teams WHERE name = 'Kenesary')")
req GET "/api/traffic/roi?start=$YDAY&end=$YDAY"
is "$(python3 -c '
import json, sys
t = {x["team"]: x for x in json.loads(sys.argv[1])["teams"]}
print("%.2f" % float(t["Kenesary"]["spend"]))' "$BODY")" "$KSUM" "ROI: the manual row counts, the import it shadows does not"
req GET "/api/traffic/ad-spend?start=$YDAY&end=$YDAY&team=Kenesary&limit=1000"
is "$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])["ad_spend"]
print(sorted((x["source"], x["counted"]) for x in r if x["campaign"] == "camp_1001_1"))' "$BODY")" \
	"[('facebook', False), ('manual', True)]" "the list shows both rows and which counts"

# --- health: online, then error 190 offline and one alert -------------
req GET /api/integrations/facebook
is "$STATUS $(jpath "$BODY" status) $(jpath "$BODY" details.token_valid) $(jpath "$BODY" details.last_import.status)" \
	"200 online true ok" "health: online, the token valid, the last import ok"
like "$(jpath "$BODY" details.usage_pct)" '^[0-9]+$' "health: the rate-limit usage the imports saw"
req GET /api/integrations/all
is "$(jpath "$BODY" facebook.status)" online "/all has the Facebook row"
sleep 2
is "$(ops Facebook)" 0 "healthy: no Facebook alert"
fb_ctl POST /__control/fail '{"code": 190, "subcode": 463, "count": 100000}' >/dev/null
req GET /api/integrations/facebook
is "$STATUS $(jpath "$BODY" status) $(jpath "$BODY" details.token_valid) $(jpath "$BODY" details.fb_code)" \
	"503 offline false 190" "error 190: offline"
wait_for 15 has 'Facebook' 1
ok $? "error 190: an alert arrives"
post /api/traffic/ad-spend/import application/json "{\"start\": \"$TODAY\", \"end\": \"$TODAY\", \"team\": \"Arystan\"}"
wait_for 20 runs_at_least failed 2
wait_for 20 jobs_idle
is "$(q "SELECT DISTINCT status || ' ' || fb_code FROM fb_import_runs WHERE account_id LIKE '200%' AND status <> 'ok'")" \
	"failed 190" "error 190: the import fails and says so"
is "$(q "SELECT count(*) FROM outbox_jobs WHERE kind = 'fb_import' AND state = 'dead'")" 0 \
	"error 190: no dead letter (the next slot tries again)"
sleep 4
is "$(ops Facebook)" 1 "error 190: one alert, though both workers check every second"
fb_ctl POST /__control/reset '{}' >/dev/null
wait_for 15 has 'восстановлено' 1
ok $? "token good again: one recovery message"

# --- a rate limit backs off; usage near the limit pauses --------------
fb_ctl POST /__control/fail '{"code": 17, "path": "insights", "account": "2001", "count": 1}' >/dev/null
BEFORE=$(q "SELECT count(*) FROM fb_import_runs WHERE status = 'ok'")
post /api/traffic/ad-spend/import application/json "{\"start\": \"$WEEK\", \"end\": \"$TODAY\", \"team\": \"Arystan\"}"
wait_for 30 runs_at_least ok $((BEFORE + 2))
ok $? "rate limit: both accounts imported in the end"
wait_for 20 jobs_idle
is "$(q "SELECT string_agg(status || '/' || coalesce(fb_code, 0), ' ' ORDER BY id) FROM fb_import_runs WHERE account_id = '2001' AND id > (SELECT max(id) FROM fb_import_runs WHERE status = 'failed')")" \
	"rate_limited/17 ok/0" "rate limit: the run stops at code 17, the next one completes"
is "$(q "SELECT extract(epoch FROM (b.started_at - a.finished_at)) >= 1.5 FROM fb_import_runs a, fb_import_runs b WHERE a.account_id = '2001' AND b.account_id = '2001' AND a.status = 'rate_limited' AND b.id = (SELECT min(id) FROM fb_import_runs WHERE id > a.id AND account_id = '2001')")" \
	t "rate limit: the retry waited AMOSYNC_FB_RATE_WAIT (2 s)"
is "$(q "SELECT max(attempts) FROM outbox_jobs WHERE kind = 'fb_import'")" 1 "rate limit: the wait costs no attempt"
fb_ctl POST /__control/config '{"usage": {"pct": 95, "count": 1}}' >/dev/null
BEFORE=$(q "SELECT count(*) FROM fb_import_runs WHERE status = 'ok'")
post /api/traffic/ad-spend/import application/json "{\"start\": \"$WEEK\", \"end\": \"$TODAY\", \"team\": \"Arystan\"}"
wait_for 30 runs_at_least ok $((BEFORE + 2))
wait_for 20 jobs_idle
is "$(q "SELECT count(*) || ' ' || max(usage_pct) FROM fb_import_runs WHERE status = 'paused'")" "1 95" \
	"usage at 95%: the import pauses before the limit"
is "$(q "SELECT count(*) || ' ' || sum(amount_kzt) FROM ad_spend WHERE account_id = '2001'")" "21 $(expected 2001)" \
	"after the pause: the week is complete"

# --- two workers never import one account at once ---------------------
q "UPDATE traffic_teams SET fb_ad_account_id = 'act_1001' WHERE name = 'Muha'" >/dev/null
fb_ctl POST /__control/config '{"delay_ms": 300}' >/dev/null
fb_ctl POST /__control/reset '{}' >/dev/null
BEFORE=$(q "SELECT count(*) FROM fb_import_runs WHERE status = 'ok'")
q "UPDATE traffic_teams SET fb_ad_account_id = NULL WHERE name = 'Kenesary'" >/dev/null
for i in 1 2 3; do
	post /api/traffic/ad-spend/import application/json "{\"start\": \"$WEEK\", \"end\": \"$TODAY\", \"team\": \"Muha\"}"
done
wait_for 60 runs_at_least ok $((BEFORE + 3))
ok $? "three imports of one account, two workers: all finish"
wait_for 20 jobs_idle
is "$(fb_ctl GET /__control/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["max_concurrent"].get("1001"))')" 1 \
	"the stand-in never saw two calls for the account at once"
is "$(q "SELECT count(*) FROM fb_import_runs a JOIN fb_import_runs b ON a.account_id = b.account_id AND a.id < b.id AND tstzrange(a.started_at, a.finished_at) && tstzrange(b.started_at, b.finished_at)")" 0 \
	"no two runs of one account overlap in time"
like "$(cat "$STACK"/log/worker-*.log | grep -c 'is being imported by another run')" '^[1-9]' \
	"a job that found the account busy waited for it"
is "$(q "SELECT count(*) FROM ad_spend WHERE account_id = '1001'")" 21 "the account's rows, once each"
is "$(q "SELECT DISTINCT t.name FROM ad_spend a JOIN traffic_teams t ON t.id = a.team_id WHERE a.account_id = '1001' AND a.source = 'facebook'")" \
	Muha "an account moved to another team: its rows follow"

# --- a rate of the day; a currency without a rate ----------------------
post /api/traffic/currency-rates application/json "{\"rows\": [{\"currency\": \"eur\", \"date\": \"$YDAY\", \"rate\": \"600\"}]}"
is "$STATUS $(jget "$BODY" stored)" "200 1" "a rate of the day is stored"
post /api/traffic/currency-rates application/json '{"rows": [{"currency": "KZT", "date": "2026-01-01", "rate": 1}]}'
is "$STATUS $(jget "$BODY" field)" "400 currency" "KZT has no rate"
BEFORE=$(q "SELECT count(*) FROM fb_import_runs WHERE status = 'ok'")
post /api/traffic/ad-spend/import application/json "{\"start\": \"$YDAY\", \"end\": \"$YDAY\", \"team\": \"Arystan\"}"
wait_for 30 runs_at_least ok $((BEFORE + 2))
wait_for 20 jobs_idle
is "$(q "SELECT DISTINCT usd_to_kzt_rate || ' ' || (amount_kzt = round(amount * 600, 2)) FROM ad_spend WHERE account_id = '2001' AND spend_date = '$YDAY'")" \
	"600.0000 true" "EUR of that day at the rate of the day"
is "$(q "SELECT DISTINCT usd_to_kzt_rate FROM ad_spend WHERE account_id = '2001' AND spend_date < '$YDAY'")" \
	"550.5000" "earlier days keep AMOSYNC_FB_RATES"
fb_ctl POST /__control/accounts "{\"accounts\": {\"3003\": {\"currency\": \"GBP\", \"rows\": [{\"date\": \"$TODAY\", \"campaign_id\": \"1\", \"campaign_name\": \"uk\", \"spend\": \"5.00\"}]}}}" >/dev/null
q "UPDATE traffic_teams SET fb_ad_account_id = '3003' WHERE name = 'Traf4'" >/dev/null
post /api/traffic/ad-spend/import application/json "{\"start\": \"$TODAY\", \"end\": \"$TODAY\", \"team\": \"Traf4\"}"
wait_for 20 jobs_idle
is "$(q "SELECT status || ': ' || error FROM fb_import_runs WHERE account_id = '3003'")" \
	"failed: no rate to KZT for GBP: set AMOSYNC_FB_RATES or a rate of the day (POST /api/traffic/currency-rates)" \
	"a currency without a rate: the import fails and names it"
is "$(q "SELECT count(*) FROM ad_spend WHERE account_id = '3003'")" 0 "... and stores nothing"
q "UPDATE traffic_teams SET fb_ad_account_id = NULL WHERE name = 'Traf4'" >/dev/null

# --- validation and secrets -------------------------------------------
post /api/traffic/ad-spend/import application/json "{\"start\": \"$TODAY\", \"end\": \"$WEEK\"}"
is "$STATUS $(jpath "$BODY" field)" "400 end" "backfill: end before start is refused"
post /api/traffic/ad-spend/import application/json "{\"start\": \"2020-01-01\", \"end\": \"$TODAY\"}"
is "$STATUS $(jpath "$BODY" field)" "400 end" "backfill: more than AMOSYNC_FB_BACKFILL_DAYS is refused"
post /api/traffic/ad-spend/import application/json "{\"start\": \"$TODAY\", \"end\": \"$TODAY\", \"team\": \"Traf4\"}"
is "$STATUS" 404 "backfill: a team without an ad account"
like "$BODY" 'fb_ad_account_id' "backfill: the answer says what is missing"
is "$(grep -l fb-test-token "$STACK"/log/*.log "$STACK"/nginx/*.log 2>/dev/null | grep -v mock | wc -l)" 0 \
	"the Facebook token is in no log"

integ_check_logs
