#!/usr/bin/env bash
# Retention (issue 12 item 5): the worker deletes webhook_requests of
# both databases, done outbox jobs, telegram_sends and finished sync runs older than
# AMOSYNC_RETENTION_DAYS, and nothing else: sales, lead events, pending
# and dead jobs, a running sync and recent rows stay.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_WORKERS=0
integ_up

FORM=application/x-www-form-urlencoded
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
landing() { sql landing "$1"; }
traffic() { sql traffic "$1"; }

for d in 970001 970002 970003; do
	post /api/amocrm/funnel-sale $FORM "$(body "{\"leads\":[{\"id\":$d,\"status_id\":142,\"pipeline_id\":10350882,\"price\":\"5000\"}]}")"
done
post /api/amocrm/funnel-sale $FORM 'garbage=%zz'
is "$(landing "SELECT count(*) FROM webhook_requests")" 4 "four requests recorded in landing"
# Two sales' requests and the garbage are 100 days old, one is recent.
landing "UPDATE webhook_requests SET received_at = now() - interval '100 days' WHERE id IN (SELECT id FROM webhook_requests ORDER BY id LIMIT 2) OR outcome = 'rejected'" >/dev/null
traffic "INSERT INTO webhook_requests (endpoint, http_status, outcome, received_at) VALUES ('sales-webhook', 200, 'saved', now() - interval '100 days'), ('sales-webhook', 200, 'saved', now())" >/dev/null
traffic "INSERT INTO outbox_jobs (kind, state, done_at, dedup_key) VALUES
	('announce', 'done', now() - interval '100 days', 'r:old-done'),
	('announce', 'done', now() - interval '1 day', 'r:new-done'),
	('announce', 'dead', NULL, 'r:old-dead'),
	('announce', 'pending', NULL, 'r:old-pending')" >/dev/null
traffic "UPDATE outbox_jobs SET created_at = now() - interval '100 days' WHERE dedup_key IN ('r:old-dead', 'r:old-pending')" >/dev/null
landing "INSERT INTO sync_runs (trigger, status, started_at, lease_until, finished_at) VALUES
	('schedule', 'done', now() - interval '100 days', now() - interval '100 days', now() - interval '100 days'),
	('schedule', 'running', now() - interval '100 days', now() + interval '1 hour', NULL),
	('manual', 'failed', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days')" >/dev/null
traffic "INSERT INTO telegram_sends (chat_id, reserved_at) VALUES
	('r:chat', now() - interval '100 days'), ('r:chat', now() - interval '1 day')" >/dev/null
sales_before=$(landing "SELECT count(*) FROM express_course_sales")

# 0 keeps everything.
echo "AMOSYNC_RETENTION_DAYS=0" >>"$STACK/amosync.env"
stack_start_worker "$STACK" "$top_builddir" 1
sleep 2
stack_stop_workers "$STACK"
is "$(landing "SELECT count(*) FROM webhook_requests")" 4 "retention 0: nothing deleted"

echo "AMOSYNC_RETENTION_DAYS=30" >>"$STACK/amosync.env"
stack_start_worker "$STACK" "$top_builddir" 1
pruned() { [ "$(traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key = 'r:old-done'")" -eq 0 ]; }
wait_for 20 pruned
sleep 1
stack_stop_workers "$STACK"
is "$(landing "SELECT count(*), min(received_at) > now() - interval '30 days' FROM webhook_requests")" "1|t" "landing: the old requests (sales' and rejected) deleted, the recent one kept"
is "$(traffic "SELECT count(*) FROM webhook_requests WHERE received_at < now() - interval '30 days'")" 0 "traffic: the old request deleted"
is "$(traffic "SELECT count(*) FROM webhook_requests WHERE endpoint = 'sales-webhook'")" 1 "traffic: the recent one kept"
is "$(traffic "SELECT string_agg(dedup_key, ' ' ORDER BY dedup_key) FROM outbox_jobs WHERE dedup_key LIKE 'r:%'")" "r:new-done r:old-dead r:old-pending" "outbox: the old done job deleted; recent done, dead and pending kept"
is "$(landing "SELECT string_agg(status, ' ' ORDER BY status) FROM sync_runs")" "failed running" "sync runs: the old finished run deleted; a running one and a recent one kept"
is "$(traffic "SELECT count(*), min(reserved_at) > now() - interval '30 days' FROM telegram_sends WHERE chat_id = 'r:chat'")" "1|t" "telegram_sends: the old send deleted, the recent one kept"
is "$(landing "SELECT count(*) FROM express_course_sales")" "$sales_before" "sales untouched"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id IN ('970001', '970002', '970003')")" 3 "tracked sales untouched"
like "$(cat "$STACK/log/worker-1.log")" 'deleted 1 done outbox jobs older than 30 days' "the worker says what it deleted"

integ_check_logs
