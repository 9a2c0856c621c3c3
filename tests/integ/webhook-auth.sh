#!/usr/bin/env bash
# Webhook authentication (R24, issue 12 item 1) through real nginx: the
# secret in ?token= (constant-time, several at once for rotation, never
# logged, nginx's access log included), the address allowlist and the
# rate limits rendered by scripts/render-nginx, and what a refused request
# leaves behind: a counted row with at most 1 KiB of its body.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
integ_up

FORM=application/x-www-form-urlencoded
JSON=application/json
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
landing() { sql landing "$1"; }
traffic() { sql traffic "$1"; }
sale() { body "{\"leads\":[{\"id\":$1,\"status_id\":142,\"pipeline_id\":10350882,\"price\":\"5000\",\"fields\":[[434731,\"utm_source\",\"fb_kenesary\"]]}]}"; }
# code PATH BODY-FILE: the status of one POST.
code() {
	curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL$1" \
		-H "Content-Type: $FORM" --data-binary "@$2"
}
# secrets VALUE: the env file's AMOSYNC_WEBHOOK_SECRETS, replaced (a
# program checks every line it reads, so a bad one is not overridden by a
# later line).
secrets() {
	sed -i '/^AMOSYNC_WEBHOOK_SECRETS=/d' "$STACK/amosync.env"
	echo "AMOSYNC_WEBHOOK_SECRETS=$1" >>"$STACK/amosync.env"
}
restart() {
	stack_stop_program "$STACK" "$1"
	stack_start_program "$STACK" "$top_builddir" "$1"
}
rerender() {
	stack_nginx_up "$STACK" "$PORT" >/dev/null 2>&1
	sleep 0.5
}

# 1. Without the token: 401, counted, nothing stored, 1 KiB kept.
python3 -c 'import sys; sys.stdout.write("x" * 70000)' >"$STACK/junk.bin"
sale 920001 >"$STACK/s1"
cat "$STACK/s1" "$STACK/junk.bin" >"$STACK/s1big"
req POST /api/amocrm/funnel-sale -H "Content-Type: $FORM" --data-binary "@$STACK/s1big"
is "$STATUS" 401 "no token: 401"
is "$(jget "$BODY" success)" false "no token: success false"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 920001")" 0 "no token: no sale stored"
is "$(landing "SELECT http_status, outcome, error, body_size, octet_length(raw_body) FROM webhook_requests WHERE outcome = 'unauthorized'")" \
	"401|unauthorized|missing token|$(stat -c %s "$STACK/s1big")|1024" "no token: counted, with its size and its first 1 KiB only"

# 2. A wrong token, and one that differs only in its last character.
req POST "/api/amocrm/funnel-sale?token=wrong-secret-000000000000" -H "Content-Type: $FORM" --data-binary "@$STACK/s1"
is "$STATUS" 403 "wrong token: 403"
req POST "/api/amocrm/funnel-sale?token=${HOOK_TOKEN%?}X" -H "Content-Type: $FORM" --data-binary "@$STACK/s1"
is "$STATUS" 403 "token wrong in its last character: 403"
req POST "/api/amocrm/funnel-sale?token=" -H "Content-Type: $FORM" --data-binary "@$STACK/s1"
is "$STATUS" 401 "empty token: 401"
is "$(landing "SELECT count(*) FROM webhook_requests WHERE outcome = 'unauthorized'")" 4 "every refusal counted"
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 920001")" 0 "refused: still nothing stored"

# 3. The right token (also after other parameters): stored.
req POST "/api/amocrm/funnel-sale?from=amo&token=$HOOK_TOKEN" -H "Content-Type: $FORM" --data-binary "@$STACK/s1"
is "$STATUS" 200 "right token: 200"
inbox_wait
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id = 920001")" 1 "right token: stored"

# 4. The flat-JSON path of sales-webhook is behind the same secret.
flat='{"lead_id":"920002","sale_amount":999999,"utm_source":"fb_attacker"}'
req POST /api/amocrm/sales-webhook -H "Content-Type: $JSON" --data-binary "$flat"
is "$STATUS" 401 "flat JSON without the token: 401"
is "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '920002'")" 0 "flat JSON without the token: nothing stored"
is "$(traffic "SELECT count(*) FROM webhook_requests WHERE outcome = 'unauthorized'")" 1 "flat JSON refusal counted in traffic"
req POST /webhook/amocrm/traffic -H "Content-Type: $FORM" --data-binary "@$STACK/s1"
is "$STATUS" 401 "the original Flagship URL too: 401"

# 5. Rotation: old and new accepted at once, then only the new one.
NEW=rotated-secret-abcdefghijklmnop
secrets "$HOOK_TOKEN,$NEW"
restart funnel-sale
sale 920003 >"$STACK/s3"
is "$(code "/api/amocrm/funnel-sale?token=$NEW" "$STACK/s3")" 200 "rotation: the new secret accepted"
sale 920004 >"$STACK/s4"
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/s4")" 200 "rotation: the old one still accepted"
secrets "$NEW"
restart funnel-sale
sale 920005 >"$STACK/s5"
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/s5")" 403 "rotation done: the old secret refused"
is "$(code "/api/amocrm/funnel-sale?token=$NEW" "$STACK/s5")" 200 "rotation done: the new one accepted"

# 6. A secret too short stops the program, naming the variable, not the value.
secrets "$NEW,short-SeCrEt"
"$top_builddir/cgi-bin/funnel-sale" -f "$STACK/amosync.env" -s "$STACK/run/bad.sock" -n 0 \
	>"$STACK/bad.out" 2>&1 </dev/null
ok "$([ $? -ne 0 ]; echo $?)" "a 12-character secret: the program does not start"
like "$(cat "$STACK/bad.out")" 'AMOSYNC_WEBHOOK_SECRETS: secret 2 must be 16' "the message names the variable and which secret"
is "$(grep -c -e short-SeCrEt -e "$NEW" "$STACK/bad.out")" 0 "and shows no secret"
secrets "$HOOK_TOKEN"
# Unset: the programs start, and say loudly that the webhooks are open.
secrets ""
restart sales-webhook
like "$(cat "$STACK/log/sales-webhook.log")" 'AMOSYNC_WEBHOOK_SECRETS is not set: the webhooks are OPEN' "no secret: a loud warning at start"
secrets "$HOOK_TOKEN"
restart sales-webhook
restart funnel-sale

# 7. The secret is in no log: nginx's access log has the webhook lines
#    without their query; the programs never print it.
like "$(grep -c 'POST /api/amocrm/funnel-sale HTTP' "$STACK/nginx/access.log")" '^[1-9][0-9]*$' "access log: webhook requests logged"
is "$(grep -c -e "$HOOK_TOKEN" -e "$NEW" -e 'wrong-secret' -e 'token=' "$STACK/nginx/access.log")" 0 "access log: no token, right or wrong"
is "$(cat "$STACK"/log/*.log | grep -c -e "$HOOK_TOKEN" -e "$NEW" -e 'wrong-secret')" 0 "program logs: no token"
is "$(landing "SELECT count(*) FROM webhook_requests WHERE encode(raw_body, 'escape') LIKE '%$HOOK_TOKEN%' OR error LIKE '%secret%'")" 0 "webhook_requests: no token"
like "$(grep -c 'refused a .*-byte request from 127.0.0.1: wrong token' "$STACK/log/funnel-sale.log")" '^[1-9]' "a refusal is logged with the address"

# 8. A malformed body with the secret: 400, its first
#    AMOSYNC_REJECTED_BODY_MAX bytes kept and its whole size recorded.
python3 -c 'import os,sys; sys.stdout.buffer.write(os.urandom(300000))' >"$STACK/garbage.bin"
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/garbage.bin")" 400 "garbage with the secret: 400"
is "$(landing "SELECT body_size, octet_length(raw_body) FROM webhook_requests WHERE outcome = 'rejected' ORDER BY id DESC LIMIT 1")" \
	"300000|16384" "garbage: 16 KiB kept of 300000 bytes, the size recorded"

# 9. The allowlist, rendered from AMOSYNC_WEBHOOK_ALLOW: nginx refuses
#    an address outside it before the program sees the request.
before=$(landing "SELECT count(*) FROM webhook_requests")
echo "AMOSYNC_WEBHOOK_ALLOW=203.0.113.0/24,2001:db8::/32" >>"$STACK/amosync.env"
rerender
like "$(cat "$STACK/nginx/amosync-webhook-guard.conf")" 'allow 203.0.113.0/24;' "allowlist rendered"
sale 920006 >"$STACK/s6"
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/s6")" 403 "outside the allowlist: 403 from nginx"
is "$(landing "SELECT count(*) FROM webhook_requests")" "$before" "outside the allowlist: never reached the program"
req GET /api/traffic/teams
is "$STATUS" 200 "the allowlist leaves admin URLs alone"
echo "AMOSYNC_WEBHOOK_ALLOW=203.0.113.0/24,127.0.0.0/8" >>"$STACK/amosync.env"
rerender
is "$(code "/api/amocrm/funnel-sale$HOOK_Q" "$STACK/s6")" 200 "inside the allowlist: 200"
echo "AMOSYNC_WEBHOOK_ALLOW=10.0.0.0/8;deny" >>"$STACK/amosync.env"
out=$(sh "$top_srcdir/scripts/render-nginx" "$STACK/run" "$STACK/render-bad" "$STACK/amosync.env" 2>&1)
ok "$([ $? -ne 0 ]; echo $?)" "a malformed allowlist entry stops render-nginx"
like "$out" "AMOSYNC_WEBHOOK_ALLOW: '10.0.0.0/8;deny' is not an address" "and names it"
echo "AMOSYNC_WEBHOOK_ALLOW=" >>"$STACK/amosync.env"
rerender

# 10. Rate limits: amoCRM's bulk delivery (300 at once) passes whole with
#     the defaults; a flood over a small limit gets 429 for the excess.
for i in $(seq 930001 930300); do sale "$i" >"$STACK/b$i"; done
export URL FORM STACK HOOK_Q
seq 930001 930300 | xargs -P 16 -I{} sh -c \
	'curl -sS -o /dev/null -w "%{http_code}\n" -X POST "$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "@$STACK/b{}"' \
	>"$STACK/burst.txt"
is "$(sort "$STACK/burst.txt" | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" "200:300 " "a burst of 300 deliveries: all 200"
inbox_wait
is "$(landing "SELECT count(*) FROM express_course_sales WHERE deal_id BETWEEN 930001 AND 930300")" 300 "a burst of 300: all stored"
printf 'AMOSYNC_WEBHOOK_RATE=1\nAMOSYNC_WEBHOOK_BURST=20\nAMOSYNC_ADMIN_RATE=1\n' >>"$STACK/amosync.env"
rerender
# From another loopback address: the burst above is still on 127.0.0.1's account.
seq 60 | xargs -P 8 -I{} curl -sS --interface 127.0.0.2 -o /dev/null -w '%{http_code}\n' -X POST \
	"$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "@$STACK/s6" >"$STACK/flood.txt"
n429=$(grep -c '^429$' "$STACK/flood.txt")
n200=$(grep -c '^200$' "$STACK/flood.txt")
ok "$([ "$n429" -ge 30 ] && [ "$n200" -ge 20 ] && [ "$n200" -le 25 ]; echo $?)" "a flood of 60 at 1 r/s, burst 20: $n200 × 200, $n429 × 429"
seq 150 | xargs -P 8 -I{} curl -sS --interface 127.0.0.3 -o /dev/null -w '%{http_code}\n' "$URL/api/traffic/teams" >"$STACK/aflood.txt"
like "$(grep -c '^429$' "$STACK/aflood.txt")" '^[1-9][0-9]*$' "admin APIs are rate-limited too (burst 100)"

integ_check_logs
