#!/usr/bin/env bash
# Health alerts with two workers: stopping the amoCRM stand-in sends one
# alert to the ops chat; when it is back, one recovery message; no
# duplicates while it stays down or up. Dead letters appearing alert once
# too, and so does each new value of the sales without a team, once a day.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=2
OPS=-1009990002
INTEG_ENV="TELEGRAM_ALERT_CHAT_ID=$OPS
AMOSYNC_ALERT_INTERVAL=1
AMOSYNC_HEALTH_TIMEOUT=2
AMOSYNC_SYNC_INTERVAL=0
AMOSYNC_SWEEP_INTERVAL=0
AMOSYNC_WORKER_POLL_MS=100
AMOSYNC_LOG_FORMAT=json
AMOSYNC_HEARTBEAT_MAX_AGE=5"
integ_up

# ops [TEXT] [CHAT]: messages in the ops chat (containing TEXT).
ops() {
	tg_ctl GET /__control/messages | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin)
          if str(m["chat_id"]) == sys.argv[1] and sys.argv[2] in m["text"]))' "${2:-$OPS}" "${1:-}"
}
has() { [ "$(ops "$1" "${3:-$OPS}")" -ge "$2" ]; }
checks() { sql traffic "SELECT count(*) FROM alert_schedule WHERE claimed_at > now() - interval '2 seconds'"; }

sleep 3
is "$(ops)" 0 "all healthy: no alert"

# Stop the amoCRM stand-in.
PORT_AMO=$(head -n 1 "$STACK/mock/amocrm.port")
kill "$(cat "$STACK/run/amocrm-mock.pid")"
wait_for 5 sh -c "! curl -s -o /dev/null http://127.0.0.1:$PORT_AMO/"
wait_for 15 has 'amoCRM недоступен' 1
ok $? "amoCRM down: an alert arrives"
sleep 5
is "$(ops 'amoCRM недоступен')" 1 "one alert, though both workers keep checking every second"
is "$(ops)" 1 "nothing else in the ops chat"
is "$(sql traffic "SELECT failing || '|' || alerts_sent FROM alert_state WHERE key = 'amocrm'")" "true|1" "alert_state: failing, sent once"

# Bring it back on the same port.
python3 "$top_srcdir/tests/mock/amocrm_mock.py" --port "$PORT_AMO" \
	--token amocrm-test-token --data "$top_srcdir/tests/mock/amocrm-data.json" \
	--state-file "$STACK/mock/amocrm-state.json" \
	>/dev/null 2>>"$STACK/log/amocrm-mock.log" &
echo $! >"$STACK/run/amocrm-mock.pid"
wait_for 15 has 'восстановлено' 1
ok $? "amoCRM back: a recovery message arrives"
sleep 5
is "$(ops 'восстановлено')" 1 "one recovery message"
is "$(ops)" 2 "two messages in all: the alert and the recovery"
is "$(sql traffic "SELECT failing FROM alert_state WHERE key = 'amocrm'")" f "alert_state: healthy again"

# A dead letter appears.
sql traffic "INSERT INTO outbox_jobs (kind, state, attempts, last_error) VALUES ('announce', 'dead', 8, 'test')" >/dev/null
wait_for 15 has 'мёртвых' 1
sleep 3
is "$(ops 'мёртвых')" 1 "dead letters: one alert"
sql traffic "UPDATE outbox_jobs SET state = 'done' WHERE state = 'dead'" >/dev/null
wait_for 15 has 'восстановлено' 2
sleep 2
is "$(ops 'восстановлено')" 2 "dead letters gone: one recovery"
is "$(ops)" 4 "four messages so far"
is "$(cat "$STACK"/log/worker-*.log | grep -c '"event":"alert"')" 4 "each message logged once, by the worker that sent it"

# A worker dies (SIGKILL: no clean goodbye); the other one notices.
kill -KILL "$(cat "$STACK/run/worker-2.pid")"
wait_for 20 has 'Воркер перестал отвечать' 1
ok $? "a killed worker: an alert names it"
sleep 3
is "$(ops 'Воркер перестал отвечать')" 1 "one alert for it"
req GET /api/integrations/all
like "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1])["worker"]; print(d["status"], d["details"]["stale"])' "$BODY")" \
	'^online 1$' "/all: the worker check stays online (one worker beats) and counts the stale one"
# Its row is forgotten after a day; then the alert recovers.
sql traffic "UPDATE worker_heartbeats SET beat_at = now() - interval '2 days' WHERE beat_at < now() - interval '5 seconds'" >/dev/null
wait_for 20 has 'восстановлено' 3
ok $? "the stale worker forgotten: a recovery message"
# The ops chat becomes a supergroup: Telegram answers every message to
# the old id with the new one. The alert reaches the new chat, the move is
# remembered (telegram_chat_moves, through tg_post like a sale's), and the
# recovery goes straight to the new chat: the move is seen once.
NEWOPS=-1009990003
tg_ctl POST /__control/fail "{\"method\": \"sendMessage\", \"chat_id\": \"$OPS\", \"migrate_to_chat_id\": $NEWOPS, \"count\": 100}" >/dev/null
sql traffic "INSERT INTO outbox_jobs (kind, state, attempts, last_error) VALUES ('announce', 'dead', 8, 'test')" >/dev/null
wait_for 15 has 'мёртвых' 1 "$NEWOPS"
ok $? "ops chat moved: the alert reaches the supergroup"
is "$(sql traffic "SELECT new_chat_id FROM telegram_chat_moves WHERE old_chat_id = '$OPS'")" "$NEWOPS" \
	"ops chat moved: the move is remembered"
sql traffic "UPDATE outbox_jobs SET state = 'done' WHERE state = 'dead'" >/dev/null
wait_for 15 has 'восстановлено' 1 "$NEWOPS"
ok $? "ops chat moved: the recovery reaches the supergroup"
is "$(cat "$STACK"/log/worker-*.log | grep -c "moved to $NEWOPS; resending there")" 1 \
	"ops chat moved: the recovery went straight there (one move seen)"
is "$(ops '' "$OPS")" 6 "nothing more in the old chat"

# Sales without a team (issue 24): one message per new value and day,
# whatever the number of its sales, with a link to the Team Constructor's
# panel; a sale with a team or a value already told says nothing.
# The five sales arrive in one statement, so the worker's check sees all
# of them or none (two statements let a check fall between them).
sql traffic "INSERT INTO all_sales_tracking (lead_id, sale_amount, utm_source, targetologist, verification)
	VALUES ('8801', 5000, 'mystery_src', NULL, 'verified'),
		('8802', 5000, 'mystery_src', 'Unknown', 'verified'),
		('8803', 5000, 'other_src', NULL, 'verified'),
		('8804', 5000, 'kenjifb', 'Kenesary', 'verified'),
		('8805', 5000, NULL, NULL, 'verified')" >/dev/null
wait_for 15 has 'mystery_src' 1 "$NEWOPS"
ok $? "a value without a team: the admin chat hears of it"
wait_for 15 has 'без UTM-меток' 1 "$NEWOPS"
sleep 3
is "$(ops 'mystery_src' "$NEWOPS")/$(ops 'other_src' "$NEWOPS")/$(ops 'kenjifb' "$NEWOPS")/$(ops 'без UTM-меток' "$NEWOPS")" \
	"1/1/0/1" "one message per value (two sales of mystery_src: one), none for a sale with a team"
is "$(ops 'продаж: 2, 10,000 ₸' "$NEWOPS")" 1 "the message counts the value's sales and revenue of the day"
is "$(ops '/traffic/admin#teams?unattributed' "$NEWOPS")" 3 "each message links to the panel"
sql traffic "INSERT INTO all_sales_tracking (lead_id, sale_amount, utm_source, verification)
	VALUES ('8806', 5000, 'mystery_src', 'verified')" >/dev/null
sleep 3
is "$(ops 'mystery_src' "$NEWOPS")" 1 "a later sale of a value already told today: no second message"
is "$(sql traffic "SELECT string_agg(field || ':' || value || ':' || sales, ',' ORDER BY field, value) FROM attribution_alerts
	WHERE day = (now() AT TIME ZONE 'Asia/Almaty')::date")" \
	"none::1,source:mystery_src:2,source:other_src:1" "attribution_alerts: each value once, today"

# AMOSYNC_LOG_FORMAT=json: every line of the workers' logs is one object
# with the documented members, and no token is in any log.
is "$(cat "$STACK"/log/worker-*.log | python3 -c '
import json, sys
bad = 0
for line in sys.stdin:
    try:
        o = json.loads(line)
        bad += not {"time", "level", "program", "pid", "msg"} <= set(o)
    except ValueError:
        bad += 1
print(bad)')" 0 "json logs: every worker line is a JSON object"
is "$(grep -l -e amocrm-test-token -e TEST-telegram-token "$STACK"/log/*.log "$STACK"/nginx/*.log 2>/dev/null | grep -v mock | wc -l)" 0 \
	"no token in any program's log"

integ_check_logs
