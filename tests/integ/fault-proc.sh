#!/usr/bin/env bash
# The fault suite, process half (issue 12 item 8): a pool worker of the
# webhook SIGKILLed mid-load, the outbox worker SIGKILLed mid-send, and a
# forged delivery followed by the real one. Each scenario is bounded in
# time and prints
#   # fault <scenario>: sent / 2xx / stored / duplicates / messages / lost
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/fault-lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=0
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100
AMOSYNC_OUTBOX_CLAIM_TIMEOUT=5
AMOSYNC_WEBHOOK_BURST=100000
TELEGRAM_CHAT_RATE_LIMIT=600"
integ_up
# One message per sale: the per-chat limit is above every burst here, so
# no digest is made (digests: tests/integ/deliver.sh), and the Telegram
# stand-in does not hold messages back.
tg_ctl POST /__control/config '{"chat_per_minute":0}' >/dev/null
stack_start_worker "$STACK" "$top_builddir" 1
stack_start_worker "$STACK" "$top_builddir" 2

# 1. Pool workers of funnel-sale SIGKILLed mid-load: the master replaces
#    them; whatever was answered 2xx is stored once.
A=944001 N=80
amo_add $A $N
m0=$(tg_count)
master=$(cat "$STACK/run/funnel-sale.pid")
load $A $N 8 "$STACK/pool-kill.txt" &
lp=$!
for t in 0.4 0.5 0.5; do
	sleep $t
	v=$(pgrep -P "$master" | sort -n | head -n 1)
	[ -n "$v" ] && kill -KILL "$v"
done
wait $lp
n2=$(awk '$2 >= 200 && $2 < 300' "$STACK/pool-kill.txt" | wc -l)
wait_stored $A $N "$n2" 90
wait_announced $A $N "$(stored $A $N)" 180
figures pool-worker-sigkill $A $N "$STACK/pool-kill.txt" $(($(tg_count) - m0))
echo "# pool kill: answers $(awk '{print $2}' "$STACK/pool-kill.txt" | sort | uniq -c | awk '{print $2"×"$1}' | tr '\n' ' ')"
is "$(($(tg_count) - m0))" "$FIG_STORED" "pool kill: one message per stored sale"
ok "$(kill -0 "$master"; echo $?)" "pool kill: the master lives on"

# 2. The outbox worker SIGKILLed while Telegram is answering: the sale is
#    announced; a job whose message Telegram accepted but the worker never
#    recorded is sent again when its lease ends (the documented window).
wait_announced 944001 80 80 150 >/dev/null
stack_stop_workers "$STACK"
A=945001 N=10
amo_add $A $N
load $A $N 2 "$STACK/tg-kill.txt"
m0=$(tg_count)
sends() { tg_ctl GET /__control/requests | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["method"] == "sendmessage"))'; }
r0=$(sends)
tg_ctl POST /__control/fail '{"method":"sendMessage","delay_ms":3000,"count":1}' >/dev/null
# Enrichment first (no Telegram), then the slow send: the worker is
# killed once Telegram has the request and before it answers.
stack_start_worker "$STACK" "$top_builddir" 1
sent_more() { [ "$(sends)" -gt "$r0" ]; }
wait_for 60 sent_more
ok $? "mid-send: Telegram received the first announcement"
sleep 0.5
kill -KILL "$(cat "$STACK/run/worker-1.pid")"
rm -f "$STACK/run/worker-1.pid"
sleep 3
stack_start_worker "$STACK" "$top_builddir" 1
wait_announced $A $N $N 120
sleep 1
msgs=$(($(tg_count) - m0))
figures outbox-worker-sigkill-mid-send $A $N "$STACK/tg-kill.txt" $msgs
ok "$([ "$msgs" -ge $N ] && [ "$msgs" -le $((N + 1)) ]; echo $?)" "worker killed mid-send: every sale announced, at most the one in flight twice ($msgs messages for $N sales)"
echo "# worker killed mid-send: $((msgs - N)) message(s) doubled: the window between Telegram's answer and the record"
echo "# worker killed mid-send: $(($(sends) - r0)) sendMessage calls for $N sales, the killed one included"

# 3. A forged delivery (price 1, utm_source fb_attacker) for a real deal
#    without the secret, then amoCRM's real one: the forgery is refused
#    and counted, the stored sale and its message carry amoCRM's values.
D=946001
amo_add $D 1
m0=$(tg_count)
forged=$(python3 "$top_srcdir/tests/integ/amobody.py" "{\"leads\":[{\"id\":$D,\"status_id\":142,\"pipeline_id\":10350882,\"price\":\"1\",\"fields\":[[434731,\"utm_source\",\"fb_attacker\"]]}]}")
req POST /api/amocrm/sales-webhook -H "Content-Type: $FORM" --data-binary "$forged"
is "$STATUS" 401 "forged without the secret: 401"
echo "$D $STATUS 0" >"$STACK/forged.txt"
load $D 1 1 "$STACK/real.txt"
is "$(awk '{print $2}' "$STACK/real.txt")" 200 "the real delivery: 200"
wait_announced $D 1 1 60
is "$(sql traffic "SELECT sale_amount::numeric(12,2), utm_source, targetologist FROM all_sales_tracking WHERE lead_id = '$D'")" "5000.00|fb_kenesary|Kenesary" "stored with amoCRM's price, UTM and team"
is "$(sql traffic "SELECT count(*) FROM webhook_requests WHERE outcome = 'unauthorized'")" 1 "the forgery is visible as a refused request"
like "$(tg_ctl GET /__control/messages | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["text"])')" 'Сумма:</b> 5,000 ₸' "the message carries amoCRM's price"
cat "$STACK/forged.txt" "$STACK/real.txt" >"$STACK/forge-all.txt"
figures forged-then-real $D 1 "$STACK/forge-all.txt" $(($(tg_count) - m0))
is "$(($(tg_count) - m0))" 1 "forged then real: one message"

integ_check_logs
