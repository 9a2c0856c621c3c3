#!/usr/bin/env bash
# The durable inbox (sales/inbox, docs/architecture.md "The durability
# model"): a delivery is kept and answered before it is applied; the
# processor applies queued deliveries in batches, in per-lead order,
# never keeps a retry of a queued delivery twice, and the queue is
# visible (GET /api/integrations/inbox, /metrics). Runs sales-webhook
# against real nginx and PostgreSQL, stalling its processor with a lock
# on lead_events, which the door never touches.
# One processor: the stall below holds a batch (and, through the pooler
# of the .pooled pass, one of its two server connections) on purpose; a
# second processor's batch would hold the other, and the door would
# spool (correctly, but this test is about the door keeping rows). The
# rest of the suite runs the default four.
INTEG_ENV="AMOSYNC_PROCESSORS=1"
. "$top_srcdir/tests/integ/lib.sh"
integ_up

FORM=application/x-www-form-urlencoded
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
traffic() { sql traffic "$1"; }
# event LEAD STATUS UPDATED_AT: one stage change of an Express lead.
event() {
	body "{\"leads\":[{\"id\":$1,\"status_id\":$2,\"pipeline_id\":10350882,\"updated_at\":$3}]}"
}
# hook BODY: posts to sales-webhook without waiting for the processor;
# prints "status seconds".
hook() {
	curl -sS -o "$STACK/hook.out" -w '%{http_code} %{time_total}' -X POST \
		"$URL/api/amocrm/sales-webhook$HOOK_Q" -H "Content-Type: $FORM" --data-binary "$1"
}

# 1. Kept before applied: with lead_events locked, the processor's batch
#    waits; the door does not, and answers at once.
traffic "BEGIN; LOCK TABLE lead_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
locker=$!
sleep 0.5
r=$(hook "$(event 880001 81854586 1764300001)")
is "${r% *}" 200 "door: 200 while the processor is held up"
ok "$(awk -v t="${r#* }" 'BEGIN { exit !(t < 1.0) }'; echo $?)" "door: answered in ${r#* } s"
like "$(cat "$STACK/hook.out")" '"message":"Sales webhook accepted".*"leads_queued":1' "door: says kept, one lead event queued"
sleep 0.5
# 2. Per-lead order: two later events of lead 880001 and one of another
#    lead arrive while the first is being applied.
hook "$(event 880001 81854590 1764300002)" >/dev/null
hook "$(event 880002 81854586 1764300002)" >/dev/null
hook "$(event 880001 142 1764300003)" >/dev/null
# 3. amoCRM's retry of a delivery still queued: not kept again.
r=$(hook "$(event 880001 142 1764300003)")
is "${r% *}" 200 "retry of a queued delivery: 200"
like "$(cat "$STACK/hook.out")" '"leads_queued":0,"duplicate":true' "retry of a queued delivery: not kept twice"
is "$(traffic "SELECT count(*) FROM webhook_requests WHERE lead_ids = '{880001}'")" 3 "three deliveries of lead 880001 kept, once each"
# (Not read from lead_events: a read would queue behind the lock.)
is "$(traffic "SELECT count(*) FROM webhook_requests WHERE lead_ids && '{880001,880002}' AND state <> 'queued'")" 0 "nothing applied while the processor is held up"
# 4. What waits is visible.
req GET /api/integrations/inbox
is "$STATUS" 200 "inbox: 200"
is "$(jget "$BODY" queued)" 4 "inbox: four deliveries waiting"
like "$(curl -sS "$URL/metrics")" 'amosync_inbox_queued\{database="traffic"\} 4' "metrics: the same four"
traffic "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$locker"
inbox_wait
is "$(traffic "SELECT count(*) FROM lead_events WHERE lead_id = 880001")" 3 "applied after: three events of lead 880001"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '880001'")" 1 "and its sale, once"
is "$(traffic "SELECT string_agg(state, ',' ORDER BY id) FROM webhook_requests WHERE lead_ids = '{880001}'")" "done,done,done" "every delivery of the lead done"
# Each later delivery of the lead waited for the earlier one (a later
# batch, or later in the same batch), whichever processor took it: its
# events were appended in the order the deliveries arrived.
is "$(traffic "SELECT bool_and(p >= lp) FROM (SELECT processed_at AS p, lag(processed_at) OVER (ORDER BY id) AS lp FROM webhook_requests WHERE lead_ids = '{880001}') x WHERE lp IS NOT NULL")" t \
	"per-lead order: no delivery of lead 880001 applied before an earlier one"
is "$(traffic "SELECT string_agg(status_id::text, ',' ORDER BY id) FROM lead_events WHERE lead_id = 880001")" "81854586,81854590,142" \
	"per-lead order: its events appended in the order they arrived"
is "$(traffic "SELECT string_agg(outcome, ',' ORDER BY id) FROM webhook_requests WHERE lead_ids = '{880001}'")" "ignored,ignored,saved" "outcomes in order: two stage changes, then the sale"
req GET /api/integrations/inbox
is "$(jget "$BODY" queued)" 0 "inbox: empty again"

# 5. A steady trickle: each delivery applied well within a second of its
#    arrival (printed; the figure, not a timed assertion).
for i in $(seq 1 40); do
	hook "$(event $((881000 + i)) 142 1764300100)" >/dev/null
	sleep 0.05
done
inbox_wait
echo "# received to applied over 40 sales at 20/s: $(traffic "SELECT 'p50 ' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)))::numeric, 3) || ' s, p99 ' || round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)))::numeric, 3) || ' s' FROM webhook_requests WHERE lead_ids <@ (SELECT array_agg(i::bigint) FROM generate_series(881001, 881040) AS i)")"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id::bigint BETWEEN 881001 AND 881040")" 40 "trickle: forty sales applied"

# 6. A body with no lead needs no work: recorded, a bounded excerpt.
python3 -c 'import sys; sys.stdout.write("account%5Bid%5D=29000001" + "".join("&junk%d=%s" % (i, "x" * 994) for i in range(200)))' >"$STACK/junk.body"
post /api/amocrm/sales-webhook $FORM "@$STACK/junk.body"
is "$STATUS" 200 "no lead: 200"
is "$(traffic "SELECT outcome || '|' || (state IS NULL) || '|' || octet_length(raw_body) || '|' || body_size FROM webhook_requests ORDER BY id DESC LIMIT 1")" \
	"no_leads|true|16384|$(stat -c %s "$STACK/junk.body")" "no lead: recorded, not queued, 16 KiB of it kept"

integ_check_logs
