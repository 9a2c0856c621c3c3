#!/usr/bin/env bash
# The doors of a stack (issue 22 item 5): every admin location is
# rate-limited (300 wrong passwords get 429s), the dev stack answers only
# its own Host (DNS rebinding), and webhook_requests keeps one row per
# request id, whichever writer is called twice and after the migration
# that removed the duplicates.
. "$top_srcdir/tests/integ/lib.sh"
integ_up
traffic() { sql traffic "$1"; }
landing() { sql landing "$1"; }

# 1. Admin locations behind a password (nginx's {PLAIN} scheme), then a
#    burst of 300 wrong passwords at each, each from its own address.
echo 'admin:{PLAIN}right-password' >"$STACK/nginx/htpasswd"
printf 'auth_basic "amosync admin";\nauth_basic_user_file %s;\n' \
	"$STACK/nginx/htpasswd" >"$STACK/nginx/amosync-admin-auth.conf"
# 1 r/s with the burst of 100: the figures do not depend on how fast
# this machine sends the 300 (at the default 20/s a slow run would see
# the bucket refill).
echo "AMOSYNC_ADMIN_RATE=1" >>"$STACK/amosync.env"
stack_nginx_up "$STACK" "$PORT" >/dev/null 2>&1
sleep 0.5
req GET /api/traffic/teams -u admin:right-password
is "$STATUS" 200 "the right password: 200"
req GET /api/traffic/teams -u admin:wrong
is "$STATUS" 401 "a wrong password: 401"
n=10
for path in /api/traffic/teams /api/integrations/all /metrics \
	/api/admin/outbox /api/landing/leads /api/admin/landing/sync-amocrm \
	/api/utm-analytics/overview /api/amocrm/sales-history \
	/api/amocrm/test-sale-notification \
	/traffic/admin /integrator/admin/leads /amosync-ui/css/app.css \
	/amosync-ui/vendor/chart.js/chart.umd.js; do
	n=$((n + 1))
	export URL path n
	seq 300 | xargs -P 16 -I{} sh -c 'curl -sS --interface "127.0.0.$n" -o /dev/null \
		-w "%{http_code}\n" -u "admin:wrong-{}" "$URL$path"' >"$STACK/flood.txt"
	c429=$(grep -c '^429$' "$STACK/flood.txt")
	c401=$(grep -c '^401$' "$STACK/flood.txt")
	ok "$([ "$c429" -ge 100 ] && [ "$c401" -ge 50 ] && [ $((c429 + c401)) -eq 300 ]; echo $?)" \
		"$path: 300 wrong passwords: $c401 × 401, $c429 × 429"
done

# 2. Only the stack's own Host: another name (DNS rebinding) gets 421.
code() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }
is "$(code "$URL/")" 200 "Host 127.0.0.1:PORT: 200"
is "$(code -H "Host: localhost:$PORT" "$URL/")" 200 "Host localhost:PORT: 200"
is "$(code -H "Host: evil.example:$PORT" "$URL/api/traffic/teams")" 421 "another Host: 421"
is "$(code -H "Host: evil.example" "$URL/")" 421 "another Host without a port: 421"
is "$(code -H "Host: 127.0.0.1:$((PORT + 1))" "$URL/")" 421 "another port: 421"
is "$(code -H "Host: 127.0.0.1.evil.example:$PORT" "$URL/")" 421 "a name that starts like ours: 421"
is "$(code --http1.0 -H 'Host:' "$URL/")" 421 "no Host (HTTP/1.0): 421"

# 3. webhook_requests: one row per request id, whichever writer.
for db in traffic landing; do
	for i in 1 2; do
		sql "$db" "SELECT amosync_record_request('sales-webhook', 'req-dup-1', '', '127.0.0.1', 'test', 'text/plain', 1, 'x', 401, 'unauthorized', NULL, 0, 0)" >/dev/null
		sql "$db" "SELECT id IS NULL FROM amosync_inbox_put('sales-webhook', 'req-dup-2', '', '127.0.0.1', 'test', 'text/plain', 1, 'body $i', 1, '{}')" >/dev/null
	done
	is "$(sql "$db" "SELECT count(*) FROM webhook_requests WHERE request_id = 'req-dup-1'")" 1 "$db: a request recorded twice: one row"
	is "$(sql "$db" "SELECT count(*) FROM webhook_requests WHERE request_id = 'req-dup-2'")" 1 "$db: a request kept twice (other bytes): one row"
done
# The migration itself: duplicates left by the old writers go, the
# earliest stays, and the index is back; run twice.
for db in traffic landing; do
	f=$(ls "$top_srcdir"/sql/$db/*-hardening.sql)
	sql "$db" "DROP INDEX webhook_requests_request_id_key" >/dev/null
	sql "$db" "INSERT INTO webhook_requests (endpoint, request_id, http_status, outcome) VALUES ('e', 'req-dup-3', 200, 'saved'), ('e', 'req-dup-3', 200, 'saved'), ('e', 'req-dup-3', 200, 'saved'), ('e', NULL, 200, 'saved'), ('e', NULL, 200, 'saved')" >/dev/null
	first=$(sql "$db" "SELECT min(id) FROM webhook_requests WHERE request_id = 'req-dup-3'")
	nulls=$(sql "$db" "SELECT count(*) FROM webhook_requests WHERE request_id IS NULL")
	stack_psql "$STACK" "$db" -q -f "$f" >/dev/null 2>&1 && stack_psql "$STACK" "$db" -q -f "$f" >/dev/null 2>&1
	ok $? "$db: the migration runs twice"
	is "$(sql "$db" "SELECT string_agg(id::text, ',') FROM webhook_requests WHERE request_id = 'req-dup-3'")" "$first" "$db: the earliest of three rows stays"
	is "$(sql "$db" "SELECT count(*) FROM webhook_requests WHERE request_id IS NULL")" "$nulls" "$db: rows without a request id stay"
	like "$(sql "$db" "SELECT indexdef FROM pg_indexes WHERE indexname = 'webhook_requests_request_id_key'")" \
		'UNIQUE INDEX .* \(request_id\) WHERE \(request_id IS NOT NULL\)' "$db: the unique index"
done

integ_check_logs
