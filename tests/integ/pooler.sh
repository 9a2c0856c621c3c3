#!/usr/bin/env bash
# Pooler mode (Supabase's pooler, PgBouncer in transaction mode): every
# program and the workers reach both databases through a real PgBouncer
# with two server connections per database, so consecutive transactions
# of one client run on different server sessions. Nothing may depend on
# session state (named statements, session settings, session advisory
# locks): the webhooks, the Team Constructor, the outbox and the workers
# must behave exactly as with direct connections.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=0
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100"
command -v pgbouncer >/dev/null || skip_all "pgbouncer not installed"
integ_up

FORM=application/x-www-form-urlencoded
JSON=application/json
PGB=$STACK/pgb
PGB_PORT=$(stack_free_port)
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
landing() { sql landing "$1"; }
traffic() { sql traffic "$1"; }
# via DB SQL: through the pooler, as the programs see it.
via() { psql -X -tA -h "$PGB" -p "$PGB_PORT" -U amosync -d "$1" -c "$2"; }

pgb_down() {
	[ -f "$PGB/pgbouncer.pid" ] && kill "$(cat "$PGB/pgbouncer.pid")" 2>/dev/null
	integ_down
}
trap pgb_down EXIT

mkdir -p "$PGB"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGB"
echo '"amosync" ""' >"$PGB/users.txt"
cat >"$PGB/pgbouncer.ini" <<INI
[databases]
traffic = host=$STACK/pgsock dbname=traffic user=amosync
landing = host=$STACK/pgsock dbname=landing user=amosync
[pgbouncer]
listen_addr =
listen_port = $PGB_PORT
unix_socket_dir = $PGB
auth_type = trust
auth_file = $PGB/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
server_reset_query =
logfile = $PGB/pgbouncer.log
pidfile = $PGB/pgbouncer.pid
INI
stack_as_pg pgbouncer -d "$PGB/pgbouncer.ini" >/dev/null 2>&1
wait_for 5 test -S "$PGB/.s.PGSQL.$PGB_PORT"
ok $? "pgbouncer listens"

# Every program and the worker through the pooler from now on.
cat >>"$STACK/amosync.env" <<ENV
TRAFFIC_DATABASE_URL=postgresql:///traffic?host=$PGB&port=$PGB_PORT&user=amosync
LANDING_DATABASE_URL=postgresql:///landing?host=$PGB&port=$PGB_PORT&user=amosync
ENV
for p in $STACK_PROGRAMS; do
	stack_stop_program "$STACK" "$p"
	stack_start_program "$STACK" "$top_builddir" "$p"
done
stack_start_worker "$STACK" "$top_builddir" 1
stack_start_worker "$STACK" "$top_builddir" 2

# The deals below, won in amoCRM with the same UTM tags: the workers
# verify each sale there before announcing it.
amo_ctl POST /__control/leads "$(python3 -c '
import json
f = lambda v: [{"field_id": 434731, "field_name": "utm_source",
    "field_code": "UTM_SOURCE", "field_type": "tracking_data",
    "values": [{"value": v}]}]
ids = [(i, "fb_kenesary") for i in list(range(710001, 710017)) + [710100]]
ids.append((710200, "pooled_ads_1"))
print(json.dumps({"leads": [{"id": i, "name": "Deal %d" % i, "price": 5000,
    "status_id": 142, "pipeline_id": 10350882, "created_at": 1764300000,
    "updated_at": 1764300000, "account_id": 29000001,
    "custom_fields_values": f(src),
    "_embedded": {"tags": [], "companies": [], "contacts": []}}
    for i, src in ids], "contacts": []}))')" >/dev/null

# 1. Funnel sales, sixteen distinct at concurrency 8 and ten copies of one,
#    through 4 processes per program sharing 2 server connections.
sale() {
	body "{\"leads\":[{\"id\":$1,\"status_id\":142,\"pipeline_id\":10350882,\"price\":\"5000\",\"fields\":[[434731,\"utm_source\",\"fb_kenesary\"]]}]}"
}
export -f sale body
export URL FORM top_srcdir
seq 710001 710016 | xargs -P 8 -I{} bash -c \
	'curl -sS -o /dev/null -w "%{http_code}\n" -X POST "$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "$(sale {})"' \
	>"$STACK/codes.txt"
is "$(sort -u "$STACK/codes.txt" | tr '\n' ' ')" "200 " "funnel-sale: every answer 200 through the pooler"
inbox_wait
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id BETWEEN 710001 AND 710016 AND targetologist = 'Kenesary'")" 16 "funnel-sale: sixteen rows, attributed"
is "$(ls "$STACK/spool" | wc -l)" 0 "funnel-sale: nothing spooled"
b=$(sale 710100)
pids=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -sS -o /dev/null -X POST "$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "$b" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
inbox_wait
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 710100")" 1 "funnel-sale: ten concurrent copies, one row"
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key = 'enrich:710100'")" 1 "funnel-sale: one enrichment job"
n=$(landing "SELECT count(*) FROM pg_stat_activity WHERE datname = 'landing' AND application_name <> 'psql'")
ok "$([ "$n" -le 2 ]; echo $?)" "the programs share $n (at most 2) server connections to landing"

# 2. No session state leaks to the next client of a server connection:
#    the webhooks' statement timeout is SET LOCAL.
is "$(via landing 'SHOW statement_timeout')" 0 "no statement_timeout left on a pooled session"

# 3. The Team Constructor: audited changes, each one transaction.
req POST /api/traffic/teams -H "Content-Type: $JSON" --data-binary '{"name":"Pooled","emoji":"🛶"}'
is "$STATUS" 201 "team created through the pooler"
team=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["team"]["id"])' "$BODY")
req POST "/api/traffic/teams/$team/rules" -H "Content-Type: $JSON" --data-binary '{"pattern":"pooled_ads","kind":"prefix"}'
is "$STATUS" 201 "rule created through the pooler"
is "$(traffic "SELECT count(*) FROM attribution_audit WHERE entity_id = '$team' AND action = 'create'")" 1 "the change and its audit row committed together"
post /api/amocrm/funnel-sale $FORM "$(body '{"leads":[{"id":710200,"status_id":142,"pipeline_id":10350882,"fields":[[434731,"utm_source","pooled_ads_1"]]}]}')"
is "$(landing "SELECT targetologist FROM express_course_sales WHERE deal_id = 710200")" Pooled "the new rule attributes the next sale"
is "$(traffic "SELECT targetologist FROM all_sales_tracking WHERE lead_id = '710200'")" Pooled "in both databases"

# 4. The workers claim jobs with FOR UPDATE SKIP LOCKED through the
#    pooler: each sale enriched and announced once (Telegram's pace is
#    about one message a second).
wait_for 60 test "$(traffic "SELECT count(*) FROM outbox_jobs WHERE state = 'done' AND kind = 'announce'")" -ge 18
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE state = 'done' AND kind = 'announce'")" 18 "workers: 18 announcements done, once each"
is "$(tg_count)" 18 "workers: 18 Telegram messages"
req GET '/api/admin/outbox?state=dead'
is "$STATUS" 200 "admin outbox through the pooler"

# 5. Nothing in any log about prepared statements or session state.
logs=""
for p in $STACK_PROGRAMS; do logs="$logs $STACK/log/$p.log"; done
# shellcheck disable=SC2086
is "$(grep -h -E 'prepared statement|portal|query failed|connection lost' $logs | head -n 3)" "" "no database errors in the program logs"

integ_check_logs
