#!/usr/bin/env bash
# No secret in any log (issue 22 item 4): a representative run of a
# stack whose database URLs carry a password — good and bad webhooks, a
# mistyped webhook URL with the secret, oversized bodies, a program down,
# a flood over the webhook limit, a Telegram failure, --check and
# programs started with malformed database URLs — then every log of the
# stack (nginx's access and error logs, the programs', PostgreSQL's,
# PgBouncer's) is grepped for the webhook secret, the bot token and the
# database password: zero hits.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=1
DBPW=integ-db-Passw0rd-4242
BOT=123456:TEST-telegram-token
# The unix-socket stack trusts its clients: the password travels in the
# URLs (and would be sent if the server asked) without being needed.
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100"
integ_up
FORM=application/x-www-form-urlencoded
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
pwurl() { echo "postgresql://amosync:$DBPW@/$1?host=$STACK/pgsock"; }
restart() {
	stack_stop_program "$STACK" "$1"
	stack_start_program "$STACK" "$top_builddir" "$1"
}
[ -z "${INTEG_POOLER:-}" ] ||
	pwurl() { echo "postgresql://amosync:$DBPW@/$1?host=$STACK/pooler&port=$PGB_PORT"; }
cat >>"$STACK/amosync.env" <<-ENV
TRAFFIC_DATABASE_URL=$(pwurl traffic)
LANDING_DATABASE_URL=$(pwurl landing)
ENV
for p in $STACK_PROGRAMS; do restart "$p"; done
stack_stop_workers "$STACK"
stack_start_worker "$STACK" "$top_builddir" 1
# code PATH BODY-FILE: the status of one POST.
code() {
	curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL$1" \
		-H "Content-Type: $FORM" --data-binary "@$2"
}
sale() { body "{\"leads\":[{\"id\":$1,\"status_id\":142,\"pipeline_id\":10350882,\"price\":\"5000\",\"fields\":[[434731,\"utm_source\",\"fb_secrets\"]]}]}"; }

# 1. Good and bad webhooks.
post /api/amocrm/funnel-sale $FORM "$(sale 960001)"
is "$STATUS" 200 "a good webhook: 200"
post /api/amocrm/sales-webhook $FORM "$(sale 960002)"
is "$STATUS" 200 "a good sales webhook: 200"
post /api/amocrm/funnel-sale $FORM "leads%5Bstatus%5D%5B0%5D%5Bid%5D=x%ZZ"
is "$STATUS" 400 "a malformed body with the secret: 400"
req POST "/api/amocrm/funnel-sale?token=wrong-secret-000000000000" -H "Content-Type: $FORM" --data-binary "a=b"
is "$STATUS" 403 "a wrong token: 403"

# 2. Mistyped webhook URLs with the secret: 404, logged without it.
sale 960003 >"$STACK/s3"
is "$(code "/api/amocrm/funnel-salee$HOOK_Q" "$STACK/s3")" 404 "a mistyped webhook path: 404"
is "$(code "/webhook/amocrm/trafic$HOOK_Q" "$STACK/s3")" 404 "a mistyped original path: 404"
is "$(code "/api/amocrm/funnel-sale&token=$HOOK_TOKEN" "$STACK/s3")" 404 "& for ?: 404"
is "$(code "/api/amocrm-funnel-sale?x=1&TOKEN=$HOOK_TOKEN" "$STACK/s3")" 404 "a path outside amosync's: 404"
like "$(code "/api/traffic/teams?token=$HOOK_TOKEN" "$STACK/s3")" '^4' "an admin URL with the secret: answered"
like "$(grep 'funnel-salee' "$STACK/nginx/access.log")" 'POST /api/amocrm/funnel-salee HTTP/1.1" 404' "the mistyped path is in the access log, without the query"
like "$(grep 'x=1' "$STACK/nginx/access.log")" 'POST /api/amocrm-funnel-sale\?x=1&\[token hidden\]" 404' "outside amosync's paths: the line cut at the token"

# 3. Oversized bodies: over AMOSYNC_WEBHOOK_MAX_BODY (the program's 413)
#    and over nginx's 20m (nginx's own 413, an error line in nginx).
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$STACK/big"
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/big")" 413 "a 17 MiB body: 413 from the program"
head -c $((21 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$STACK/huge"
is "$(code "/api/amocrm/sales-webhook$HOOK_Q" "$STACK/huge")" 413 "a 21 MiB body: 413 from nginx"
rm -f "$STACK/big" "$STACK/huge"

# 4. A program down: nginx answers 502 (and would log the request line).
stack_stop_program "$STACK" funnel-sale
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/s3")" 502 "the program down: 502"
stack_start_program "$STACK" "$top_builddir" funnel-sale
post /api/amocrm/funnel-sale $FORM "$(cat "$STACK/s3")"
is "$STATUS" 200 "the program back: 200"

# 5. A sale amoCRM confirms, announced; then one whose announcement
#    Telegram refuses.
amolead() {
	amo_ctl POST /__control/leads "{\"leads\":[{\"id\":$1,\"name\":\"Сделка\",\"price\":5000,\"status_id\":142,\"pipeline_id\":10350882,\"created_at\":1764300000,\"updated_at\":1764300000,\"account_id\":29000001,\"custom_fields_values\":[{\"field_id\":434731,\"field_name\":\"utm_source\",\"field_code\":\"UTM_SOURCE\",\"field_type\":\"tracking_data\",\"values\":[{\"value\":\"fb_secrets\"}]}],\"_embedded\":{\"tags\":[],\"companies\":[],\"contacts\":[]}}],\"contacts\":[]}" >/dev/null
}
announced() { [ "$(tg_count)" -ge "$1" ]; }
amolead 960004
post /api/amocrm/sales-webhook $FORM "$(sale 960004)"
is "$STATUS" 200 "a sale amoCRM confirms: 200"
wait_for 30 announced 1
ok $? "and it is announced"
tg_ctl POST /__control/fail '{"status": 500, "count": 3}' >/dev/null
amolead 960005
post /api/amocrm/sales-webhook $FORM "$(sale 960005)"
is "$STATUS" 200 "a sale while Telegram fails: 200"
sleep 3

# 6. A flood over a small webhook limit: 429s, which nginx logs as errors.
printf 'AMOSYNC_WEBHOOK_RATE=1\nAMOSYNC_WEBHOOK_BURST=5\n' >>"$STACK/amosync.env"
stack_nginx_up "$STACK" "$PORT" >/dev/null 2>&1
sleep 0.5
seq 20 | xargs -P 4 -I{} curl -sS -o /dev/null -w '%{http_code}\n' -X POST \
	"$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" \
	--data-binary "@$STACK/s3" >"$STACK/flood.txt"
like "$(grep -c '^429$' "$STACK/flood.txt")" '^[1-9]' "a flood over the webhook limit: 429s"
inbox_wait

# 7. Malformed database URLs with the password: --check and programs.
bad=$STACK/bad.env
for u in "postgresql://amosync:$DBPW@[::1/traffic" \
	"postgresql://amosync:$DBPW%zz@localhost/traffic" \
	"postgresql://amosync:${DBPW:0:8}/${DBPW:8}@localhost/traffic" \
	"postgresql://amosync:$DBPW@127.0.0.1:1/traffic?host=/nonexistent" \
	"host=$STACK/pgsock password=$DBPW port=abc"; do
	printf 'TRAFFIC_DATABASE_URL=%s\nLANDING_DATABASE_URL=%s\n' "$u" "$u" >"$bad"
	"$top_builddir/cgi-bin/traffic" -f "$bad" --check >>"$STACK/log/check.log" 2>&1
	ok "$([ $? -ne 0 ]; echo $?)" "--check refuses a bad URL"
done
like "$(cat "$STACK/log/check.log")" 'could not connect to the traffic database' "--check says why"
printf 'TRAFFIC_DATABASE_URL=%s\nLANDING_DATABASE_URL=%s\n' \
	"postgresql://amosync:$DBPW@[::1/traffic" "postgresql://amosync:$DBPW%zz@localhost/landing" >"$bad"
"$top_builddir/cgi-bin/sales-webhook" -f "$bad" -s "$STACK/run/bad.sock" \
	</dev/null >>"$STACK/log/bad-sales-webhook.log" 2>&1 &
badpid=$!
"$top_builddir/tools/amosync-worker" -f "$bad" \
	</dev/null >>"$STACK/log/bad-worker.log" 2>&1 &
badworker=$!
wait_for 10 test -S "$STACK/run/bad.sock"
sleep 2
kill "$badpid" "$badworker" 2>/dev/null
wait "$badpid" "$badworker" 2>/dev/null
like "$(cat "$STACK/log/bad-sales-webhook.log" "$STACK/log/bad-worker.log")" 'database' \
	"the programs with a bad URL say so"

# 8. Every log of the stack, at the end of the run: no secret.
stack_nginx_down "$STACK"
logs=$(ls "$STACK"/nginx/*.log "$STACK"/log/*.log "$STACK"/pooler/*.log 2>/dev/null |
	grep -v -e '-mock\.log$')
for f in access.log error.log; do
	[ -f "$STACK/nginx/$f" ]
	ok $? "nginx's $f is among the logs"
done
[ -f "$STACK/log/postgres.log" ]
ok $? "PostgreSQL's log is among the logs"
for s in "webhook secret:$HOOK_TOKEN" "bot token:$BOT" "database password:$DBPW"; do
	# shellcheck disable=SC2086
	hits=$(grep -F -c -- "${s#*:}" $logs | grep -v ':0$')
	is "$hits" "" "no log of the stack holds the ${s%%:*}"
done
# shellcheck disable=SC2086
is "$(grep -l 'buffered to a temporary file' $logs)" "" "no webhook body buffered to a temporary file"
integ_check_logs
