#!/usr/bin/env bash
# The integrations program against the loopback stand-ins: /api/health,
# /api/integrations/amocrm and /all for a healthy account, a token that
# expires in 5 days, a webhook amoCRM disabled, 401, 403 and a timeout;
# the recent webhook requests; and /metrics parsed by a Prometheus
# text-format parser, its counters checked against the requests made
# here through a pool of processes.
. "$top_srcdir/tests/integ/lib.sh"
# Debian's python3-prometheus-client lives in /usr/bin/python3's path,
# which may not be the first python3 on PATH.
PYPROM=""
for p in python3 /usr/bin/python3; do
	"$p" -c 'import prometheus_client' 2>/dev/null && { PYPROM=$p; break; }
done
[ -n "$PYPROM" ] || skip_all "python3-prometheus-client not installed"

# An access token shaped like amoCRM's: a JWT whose exp is in 5 days.
NOW=$(date +%s)
JWT=$(python3 -c '
import base64, json, sys
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
print(b({"typ": "JWT", "alg": "RS256"}) + "." +
      b({"aud": "x", "jti": "y", "iat": 1, "exp": int(sys.argv[1]) + 5 * 86400 + 3600, "sub": "1"}) +
      ".c2lnbmF0dXJl")' "$NOW")
INTEG_MOCKS=1
INTEG_WORKERS=1
INTEG_ENV="AMOCRM_ACCESS_TOKEN=$JWT
AMOSYNC_HEALTH_TIMEOUT=1
AMOSYNC_PROCS=3
AMOSYNC_SYNC_INTERVAL=0
TELEGRAM_ALERT_CHAT_ID=
AMOSYNC_PUBLIC_URL=https://amosync.example.kz"
integ_up
amo_ctl POST /__control/config "{\"token\": \"$JWT\"}" >/dev/null

# jpath JSON PATH: a value by dotted path (numbers index arrays).
jpath() {
	python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else (v or {}).get(k)
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}
hooks() {
	amo_ctl POST /__control/webhooks "{\"webhooks\": [
	  {\"destination\": \"https://amosync.example.kz/api/amocrm/funnel-sale\", \"disabled\": $1},
	  {\"destination\": \"https://amosync.example.kz/api/amocrm/sales-webhook?k=secret\", \"disabled\": false},
	  {\"destination\": \"https://other.example.com/api/amocrm/funnel-sale\", \"disabled\": true}]}" >/dev/null
}
hooks false

# --- /api/health: cheap, databases only --------------------------------
nreq() { amo_ctl GET /__control/requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
n0=$(nreq)
req GET /api/health
is "$STATUS" 200 "/api/health answers 200"
is "$(jpath "$BODY" databases.traffic)/$(jpath "$BODY" databases.landing)" "ok/ok" "/api/health: both databases ok"
is "$(nreq)" "$n0" "/api/health calls nothing outside"

# --- healthy, with a token that expires in 5 days ----------------------
wait_for 10 sh -c "[ \"\$(curl -s $URL/api/integrations/all -o /dev/null -w '%{http_code}')\" = 200 ]"
req GET /api/integrations/amocrm
is "$STATUS" 200 "amocrm: 200"
is "$(jpath "$BODY" status)" online "amocrm: online"
is "$(jpath "$BODY" service)" "amoCRM API" "amocrm: service"
like "$(jpath "$BODY" lastChecked)" '^20[0-9-]+T' "amocrm: lastChecked"
is "$(jpath "$BODY" details.account_name)/$(jpath "$BODY" details.subdomain)/$(jpath "$BODY" details.account_id)" \
	"ONAI Academy (test)/onaiagencykz/29000001" "amocrm: account name, subdomain, id"
is "$(jpath "$BODY" details.token.days_left)" 5 "token: 5 days left, read from its JWT"
is "$(jpath "$BODY" details.token.warning)" true "token: warning under 30 days"
like "$(jpath "$BODY" message)" 'истекает через 5 дн' "token: the message says it expires in 5 days"
is "$(jpath "$BODY" details.webhooks.0.registered)/$(jpath "$BODY" details.webhooks.0.disabled)" "true/false" \
	"webhooks: funnel-sale registered, enabled (another host's disabled hook is not ours)"
is "$(jpath "$BODY" details.webhooks.1.endpoint)/$(jpath "$BODY" details.webhooks.1.registered)" "sales-webhook/true" \
	"webhooks: sales-webhook found despite its query"
nhooks() { python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["details"]["webhooks"]))' "$1"; }
is "$(nhooks "$BODY")" 2 "webhooks: each listed once (funnel-sale's two URLs are one webhook)"
is "$(jpath "$BODY" details.webhooks.1.url)" "https://amosync.example.kz/api/amocrm/sales-webhook?***" \
	"webhooks: the URL's query (a webhook secret) is not shown"
case "$BODY" in *"$JWT"*) ok 1 "the token is not in the answer" ;; *) ok 0 "the token is not in the answer" ;; esac

req GET /api/integrations/all
echo "# /api/integrations/all: ${BODY:0:900}"
is "$STATUS" 200 "all: 200 when everything is healthy"
is "$(jpath "$BODY" overall.status)" online "all: overall online"
for k in amocrm databases telegram spool outbox webhooks landing_sync worker; do
	is "$(jpath "$BODY" $k.status)" online "all: $k online"
done
is "$(jpath "$BODY" databases.details.databases.0.name)/$(jpath "$BODY" databases.details.databases.0.status)" \
	"traffic/ok" "all: traffic database ok"
like "$(jpath "$BODY" databases.details.databases.0.migrations.applied)" '^[1-9][0-9]*$' "all: migrations applied counted"
is "$(jpath "$BODY" databases.details.databases.2.name)" tripwire "all: the tripwire database is checked"
is "$(jpath "$BODY" telegram.details.bot)" amosync_test_bot "all: telegram bot"
is "$(jpath "$BODY" telegram.details.chats.0.chat_id)/$(jpath "$BODY" telegram.details.chats.0.ok)" \
	"-1001234567890/true" "all: the default chat can be posted to"
is "$(jpath "$BODY" spool.details.files)" 0 "all: spool empty"
is "$(jpath "$BODY" outbox.details.dead)" 0 "all: no dead letters"
like "$(jpath "$BODY" worker.details.age_s)" '^[0-9]+$' "all: worker heartbeat age"

# A chat the bot was removed from.
tg_ctl POST /__control/fail '{"method": "getchat", "chat_id": "-1001234567890", "status": 403}' >/dev/null
req GET /api/integrations/telegram
is "$STATUS/$(jpath "$BODY" status)/$(jpath "$BODY" details.chats.0.ok)" "503/error/false" "telegram: a chat the bot cannot post to is an error (503)"

# --- a webhook amoCRM disabled -----------------------------------------
hooks true
req GET /api/integrations/amocrm
is "$STATUS/$(jpath "$BODY" status)" 503/error "disabled webhook: 503, status error"
like "$(jpath "$BODY" message)" 'отключил вебхук /api/amocrm/funnel-sale' "disabled webhook: the message names it"
is "$(jpath "$BODY" details.webhooks.0.disabled)" true "disabled webhook: details say disabled"
req GET /api/integrations/all
is "$STATUS" 503 "disabled webhook: /all answers 503"
is "$(jpath "$BODY" overall.status)/$(jpath "$BODY" amocrm.status)" "error/error" "disabled webhook: overall error"
hooks false

# --- 401, 403, timeout --------------------------------------------------
fault() { amo_ctl POST /__control/fail "$1" >/dev/null; }
fault '{"path_prefix": "/api/v4/account", "status": 401, "count": 2}'
req GET /api/integrations/amocrm
is "$STATUS/$(jpath "$BODY" status)" "503/offline" "401: 503, offline"
like "$(jpath "$BODY" message)" 'Токен amoCRM недействителен или истёк \(401\)' "401: the token message"
is "$(jpath "$BODY" details.http_status)" 401 "401: details.http_status"
req GET /api/integrations/all
is "$STATUS/$(jpath "$BODY" amocrm.status)/$(jpath "$BODY" overall.status)" "503/offline/error" "401: /all 503, amocrm offline"

fault '{"path_prefix": "/api/v4/account", "status": 403, "count": 2}'
req GET /api/integrations/amocrm
is "$STATUS/$(jpath "$BODY" status)" 503/offline "403: 503, offline"
like "$(jpath "$BODY" message)" 'белом списке' "403: the message names the IP whitelist"
req GET /api/integrations/all
is "$STATUS/$(jpath "$BODY" amocrm.status)" "503/offline" "403: /all 503"

fault '{"path_prefix": "/api/v4/account", "status": 402}'
req GET /api/integrations/amocrm
like "$(jpath "$BODY" status)/$(jpath "$BODY" message)" '^error/Подписка amoCRM закончилась \(402' "402: subscription ended"

fault '{"path_prefix": "/api/v4/account", "status": 0, "delay_ms": 2500, "count": 2}'
t0=$(date +%s%N)
req GET /api/integrations/amocrm
t1=$(date +%s%N)
is "$STATUS/$(jpath "$BODY" status)" 503/error "timeout: 503, error"
like "$(jpath "$BODY" message)" 'не ответил за 1 с' "timeout: the message says it did not answer in time"
ok $([ $(( (t1 - t0) / 1000000 )) -lt 2400 ] && echo 0 || echo 1) "timeout: answered after AMOSYNC_HEALTH_TIMEOUT, not the stall"
req GET /api/integrations/all
is "$STATUS/$(jpath "$BODY" amocrm.status)" "503/error" "timeout: /all 503"
sleep 2
req GET /api/integrations/amocrm
is "$STATUS/$(jpath "$BODY" status)" 200/online "healthy again after the faults"

# --- recent webhook requests --------------------------------------------
post /api/amocrm/sales-webhook application/x-www-form-urlencoded 'leads%5Bstatus%5D%5B0%5D%5Bid%5D=abc'
is "$STATUS" 400 "a malformed webhook is rejected"
req GET '/api/integrations/webhook-requests?outcome=rejected&limit=5'
is "$STATUS" 200 "webhook-requests: 200"
is "$(jpath "$BODY" requests.0.endpoint)/$(jpath "$BODY" requests.0.outcome)" "sales-webhook/rejected" "webhook-requests: the rejected one, newest first"
is "$(jpath "$BODY" requests.0.body)" 'leads%5Bstatus%5D%5B0%5D%5Bid%5D=abc' "webhook-requests: its raw body as text"
like "$(jpath "$BODY" requests.0.error)" 'malformed' "webhook-requests: its error"
req GET '/api/integrations/webhook-requests?outcome=bogus'
is "$STATUS" 400 "webhook-requests: an unknown outcome is a 400"

# --- /metrics through a pool --------------------------------------------
pids=$(pgrep -P "$(cat "$STACK/run/sales-webhook.pid")" | wc -l)
ok $([ "$pids" -ge 3 ] && echo 0 || echo 1) "sales-webhook runs a pool ($pids processes)"
body() {
	python3 "$top_srcdir/tests/integ/amobody.py" "{\"leads\": [{\"id\": $1, \"pipeline_id\": 9777626, \"status_id\": 142, \"price\": \"1000\"}]}"
}
# Counters are per host and start with the stack: compare two scrapes.
req GET /metrics
printf '%s\n' "$BODY" >"$STACK/metrics0.txt"
# 40 sales, 20 of them sent twice, 60 health probes, all at once.
mkdir -p "$STACK/bodies"
for i in $(seq 40); do body $((91000000 + i)) >"$STACK/bodies/$i"; done
{
	for i in $(seq 40); do echo "sw $i"; done
	for i in $(seq 20); do echo "sw $i"; done
	for i in $(seq 60); do echo "h $i"; done
} | xargs -P 8 -L 1 sh -c '
	if [ "$0" = sw ]; then
		curl -s -o /dev/null -X POST -H "Content-Type: application/x-www-form-urlencoded" \
			--data-binary @'"$STACK"'/bodies/$1 '"$URL/api/amocrm/sales-webhook$HOOK_Q"'
	else
		curl -s -o /dev/null '"$URL"'/api/health
	fi'
is "$(sql traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id::bigint BETWEEN 91000001 AND 91000040")" 40 "40 sales stored"
req GET /metrics
is "$STATUS" 200 "/metrics: 200"
printf '%s\n' "$BODY" >"$STACK/metrics.txt"
"$PYPROM" - "$STACK/metrics.txt" "$STACK/metrics0.txt" >"$STACK/metrics.tap" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
def parse(path):
    return {f.name: f for f in text_string_to_metric_families(open(path).read())}
fams, before = parse(sys.argv[1]), parse(sys.argv[2])
def get(fs, fam, sample, labels):
    for s in fs.get(fam, type("", (), {"samples": []})).samples:
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0
def val(fam, sample, **labels):
    """What the counter grew by between the two scrapes."""
    return get(fams, fam, sample, labels) - get(before, fam, sample, labels)
print("types", fams["amosync_http_requests"].type, fams["amosync_http_request_duration_seconds"].type,
      fams["amosync_outbox_jobs"].type)
print("sw200", int(val("amosync_http_requests", "amosync_http_requests_total", program="sales-webhook", status="200")))
print("sw400", int(val("amosync_http_requests", "amosync_http_requests_total", program="sales-webhook", status="400")))
print("h200", int(val("amosync_http_requests", "amosync_http_requests_total", program="integrations", status="200")))
print("saved", int(val("amosync_webhook_outcomes", "amosync_webhook_outcomes_total", endpoint="sales-webhook", outcome="saved")))
print("dup", int(val("amosync_webhook_outcomes", "amosync_webhook_outcomes_total", endpoint="sales-webhook", outcome="duplicate")))
print("rejected", int(val("amosync_webhook_outcomes", "amosync_webhook_outcomes_total", endpoint="sales-webhook", outcome="rejected")))
print("count", int(val("amosync_http_request_duration_seconds", "amosync_http_request_duration_seconds_count", program="sales-webhook")))
print("inf", int(val("amosync_http_request_duration_seconds", "amosync_http_request_duration_seconds_bucket", program="sales-webhook", le="+Inf")))
print("sum_pos", int(val("amosync_http_request_duration_seconds", "amosync_http_request_duration_seconds_sum", program="sales-webhook") > 0))
print("enrich", int(sum(s.value for s in fams["amosync_outbox_jobs"].samples if s.labels.get("kind") == "enrich")))
print("spool", int(get(fams, "amosync_spool_files", "amosync_spool_files", {})))
print("amocalls", int(sum(s.value for s in fams["amosync_api_calls"].samples if s.labels.get("api") == "amocrm")))
PY
m() { awk -v k="$1" '$1 == k { print $2 }' "$STACK/metrics.tap"; }
grep -E '^amosync_(webhook_outcomes_total|http_requests_total)\{' "$STACK/metrics.txt" | sed 's/^/# /'
is "$(awk '$1 == "types" { print $2 "/" $3 "/" $4 }' "$STACK/metrics.tap")" "counter/histogram/gauge" "metrics: counter, histogram, gauge types"
is "$(m sw200)" 60 "metrics: 60 sales-webhook answers with 200 (40 new + 20 repeats)"
is "$(m sw400)" 0 "metrics: no 400 in between"
# integrations: the 60 probes and the first scrape (counted once answered).
is "$(m h200)" 61 "metrics: 61 integrations answers counted across the pool"
is "$(m saved)" 40 "metrics: 40 webhooks saved"
is "$(m dup)" 20 "metrics: 20 duplicates"
is "$(m rejected)" 0 "metrics: none rejected in between"
is "$(m count)/$(m inf)" "60/60" "metrics: the duration histogram counts every sales-webhook request"
like "$(grep -c '^amosync_webhook_outcomes_total{endpoint="sales-webhook",outcome="rejected"} 1$' "$STACK/metrics.txt")" '^1$' \
	"metrics: the rejected webhook before is there"
is "$(m sum_pos)" 1 "metrics: the duration sum is positive"
is "$(m enrich)" 40 "metrics: 40 enrich jobs in the outbox gauge"
ok $([ "$(m amocalls)" -gt 0 ] && echo 0 || echo 1) "metrics: amoCRM calls counted ($(m amocalls))"
is "$(m spool)" 0 "metrics: spool gauge"

# The original's name of the databases check answers the same.
req GET /api/integrations/supabase
is "$STATUS/$(jpath "$BODY" service)" "200/$(curl -s "$URL/api/integrations/databases" | python3 -c 'import json,sys; print(json.load(sys.stdin)["service"])')" \
	"/api/integrations/supabase answers as /api/integrations/databases"

# --- amoCRM set up in one step (amosync-ctl amocrm setup, the button) ----
amo_ctl POST /__control/webhooks '{"webhooks": []}' >/dev/null
posts() { amo_ctl GET /__control/requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["method"] == "POST" and r["path"] == "/api/v4/webhooks"))'; }
p0=$(posts)
req GET /api/integrations/amocrm/setup
is "$STATUS/$(jpath "$BODY" dry_run)/$(jpath "$BODY" changes)/$(jpath "$BODY" problems)" "200/true/2/0" \
	"setup, GET: a dry run, two webhooks to add, no problem"
is "$(jpath "$BODY" webhooks.0.endpoint)/$(jpath "$BODY" webhooks.0.action)/$(jpath "$BODY" webhooks.0.events.0)" \
	"funnel-sale/add/status_lead" "setup, GET: funnel-sale would be added for status_lead"
is "$(jpath "$BODY" webhooks.1.url)" "https://amosync.example.kz/api/amocrm/sales-webhook?token=***" \
	"setup, GET: the URL at AMOSYNC_PUBLIC_URL, its token not shown"
case "$BODY" in *"$HOOK_TOKEN"*) ok 1 "setup: the webhook secret is not in the answer" ;; *) ok 0 "setup: the webhook secret is not in the answer" ;; esac
is "$(jpath "$BODY" fields.0.variable)/$(jpath "$BODY" fields.0.id)/$(jpath "$BODY" fields.0.exists)" \
	"AMOCRM_UTM_SOURCE_FIELD/434731/true" "setup, GET: the utm_source field id exists in the account"
is "$(posts)" "$p0" "setup, GET: nothing posted to amoCRM"
req POST /api/integrations/amocrm/setup
is "$STATUS/$(jpath "$BODY" dry_run)/$(jpath "$BODY" webhooks.0.done)/$(jpath "$BODY" webhooks.1.done)" "200/false/true/true" \
	"setup, POST: both webhooks registered"
is "$(posts)" "$((p0 + 2))" "setup, POST: two POST /api/v4/webhooks"
listed=$(curl -sS -H "Authorization: Bearer $JWT" "$AMOCRM_MOCK/api/v4/webhooks" | python3 -c 'import json,sys; print(" ".join(sorted("%s:%s" % (h["destination"].split("?")[0], ",".join(h["settings"])) for h in json.load(sys.stdin)["_embedded"]["webhooks"])))')
is "$listed" "https://amosync.example.kz/api/amocrm/funnel-sale:status_lead https://amosync.example.kz/api/amocrm/sales-webhook:status_lead" \
	"amoCRM lists both, for status_lead"
like "$(curl -sS -H "Authorization: Bearer $JWT" "$AMOCRM_MOCK/api/v4/webhooks")" "funnel-sale\\?token=$HOOK_TOKEN" "registered with the webhooks' secret"
req POST /api/integrations/amocrm/setup
is "$(jpath "$BODY" changes)/$(posts)" "0/$((p0 + 2))" "setup again: nothing to change, nothing posted (idempotent)"
req GET /api/integrations/amocrm
is "$(jpath "$BODY" details.webhooks.0.registered)/$(jpath "$BODY" details.webhooks.1.registered)/$(nhooks "$BODY")" \
	"true/true/2" "the amoCRM check: both registered, each listed once"
out=$("$top_builddir/tools/amosync-ctl" -f "$STACK/amosync.env" amocrm setup --dry-run 2>&1)
is "$?" 0 "amosync-ctl amocrm setup --dry-run: 0"
like "$out" 'webhook funnel-sale: https://amosync.example.kz/api/amocrm/funnel-sale\?token=\*\*\*: registered for status_lead: nothing to do' \
	"amosync-ctl: funnel-sale registered"
like "$out" '^0 webhooks to add or update, 0 problems for a person$' "amosync-ctl: nothing to do"
case "$out" in *"$HOOK_TOKEN"*) ok 1 "amosync-ctl: the secret is not printed" ;; *) ok 0 "amosync-ctl: the secret is not printed" ;; esac
# An id the account does not have: named, with the id of the field named so.
amo_ctl POST /__control/fields '{"lead_fields": [{"id": 434731, "name": "utm_source", "code": "UTM_SOURCE"}, {"id": 777001, "name": "utm_term", "code": "UTM_TERM"}]}' >/dev/null
req GET /api/integrations/amocrm/setup
is "$(jpath "$BODY" fields.4.variable)/$(jpath "$BODY" fields.4.exists)/$(jpath "$BODY" fields.4.found)" \
	"AMOCRM_UTM_TERM_FIELD/false/777001" "setup: a wrong utm_term id found, the right one named"
out=$("$top_builddir/tools/amosync-ctl" -f "$STACK/amosync.env" amocrm setup --dry-run 2>&1)
is "$?" 1 "amosync-ctl: a field mismatch exits 1"
like "$out" 'field AMOCRM_UTM_TERM_FIELD=434733: no such lead field in amoCRM; utm_term is field 777001: set AMOCRM_UTM_TERM_FIELD=777001' \
	"amosync-ctl: says which id to set"
amo_ctl POST /__control/webhooks '{"webhooks": [{"destination": "https://amosync.example.kz/api/amocrm/funnel-sale?token=an-old-secret-0123456789", "disabled": false}]}' >/dev/null
req GET /api/integrations/amocrm/setup
is "$(jpath "$BODY" webhooks.0.action)/$(jpath "$BODY" webhooks.1.action)" "token/add" \
	"setup: a webhook with a token none of the secrets is is named, not duplicated"

integ_check_logs
