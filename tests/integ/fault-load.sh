#!/usr/bin/env bash
# The fault suite, load half (issue 12 items 5, 6, 8; issue 21 item 3):
# bulk deliveries of 6,000 won leads, in each of amoCRM's shapes (the
# compact Digital Pipeline form, and the standard form with a name,
# dates, a price and the UTM custom fields), kept and answered within
# amoCRM's 2 seconds without holding up the next delivery and stored
# once, and garbage bodies that cannot fill the database.
# Each scenario is bounded in time and prints
#   # fault <scenario>: sent / 2xx / stored / duplicates / messages / lost
. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/integ/fault-lib.sh"
INTEG_WORKERS=0
INTEG_ENV="AMOSYNC_WEBHOOK_BURST=100000"
integ_up

# bulk FIRST COUNT: a Digital Pipeline delivery of COUNT won Express
# leads in one body (the compact form: id, status, pipeline).
bulk() {
	python3 - "$1" "$2" <<'PY'
import sys
first, n = int(sys.argv[1]), int(sys.argv[2])
p = "leads%5Bstatus%5D%5B{0}%5D%5B{1}%5D={2}"
out = []
for i in range(n):
    for k, v in (("id", first + i), ("status_id", 142),
                 ("pipeline_id", 10350882)):
        out.append(p.format(i, k, v))
out.append("account%5Bid%5D=29000001&account%5Bsubdomain%5D=onaiacademy")
sys.stdout.write("&".join(out))
PY
}
# bulk_full FIRST COUNT: the same in amoCRM's standard form (a bulk stage
# change in the UI): every lead with its name, price, dates, responsible
# user and UTM custom fields, as tests/integ/amobody.py writes it.
bulk_full() {
	python3 - "$1" "$2" <<'PY' | python3 "$top_srcdir/tests/integ/amobody.py" -
import json, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
leads = [{"id": first + i, "name": "Сделка #%d" % i,
          "status_id": 142, "old_status_id": 81854618, "price": "5000",
          "responsible_user_id": 10712574, "last_modified": 1764300000,
          "pipeline_id": 10350882, "account_id": 29000001,
          "created_at": 1764200000, "updated_at": 1764300000,
          "fields": [[434731, "utm_source", "fb_kenesary"],
                     [434727, "utm_medium", "cpc"],
                     [434729, "utm_campaign", "tripwire_bulk_2025"]]}
         for i in range(n)]
print(json.dumps({"leads": leads, "account_last": True}))
PY
}
# rows FIRST COUNT: deals of the range in landing and traffic.
rows() {
	echo "$(sql landing "SELECT count(*) FROM express_course_sales WHERE deal_id BETWEEN $1 AND $(($1 + $2 - 1))")|$(sql traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id::bigint BETWEEN $1 AND $(($1 + $2 - 1))")"
}
dbsize() {
	echo $(($(sql landing "SELECT pg_database_size('landing')") + $(sql traffic "SELECT pg_database_size('traffic')")))
}

# 1. 6,000 leads in one delivery, in each shape: kept in the inbox and
#    answered within 2 s; applied by the processor in a batch of its own;
#    a delivery right behind it answered at once and applied right after.
# bulk_case NAME BODYFN FIRST
bulk_case() {
	local name=$1 fn=$2 A=$3 N=6000 r t0 t1 du lo
	$fn $A $N >"$STACK/bulk.body"
	echo "# bulk $name body: $(stat -c %s "$STACK/bulk.body") bytes, $N leads"
	t0=$(date +%s.%N)
	r=$(curl -sS -m 30 -o "$STACK/bulk.out" -w '%{http_code} %{time_total}' -X POST \
		"$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "@$STACK/bulk.body")
	echo "$A ${r% *} ${r#* }" >"$STACK/bulk.txt"
	is "${r% *}" 200 "bulk $name: 200"
	ok "$(awk -v t="${r#* }" 'BEGIN { exit !(t < 2.0) }'; echo $?)" "bulk $name: answered in ${r#* } s, under amoCRM's 2 s"
	like "$(cat "$STACK/bulk.out")" '"message":"Funnel sale accepted".*"leads_queued":6000' "bulk $name: kept, 6000 lead events"
	load $((A + 9000)) 1 1 "$STACK/behind.txt"
	is "$(awk '{print $2}' "$STACK/behind.txt")" 200 "bulk $name: a delivery right behind it: 200"
	echo "# bulk $name: the delivery behind it answered in $(awk '{print $3}' "$STACK/behind.txt") s"
	for i in $(seq 480); do
		[ "${r% *}" = 200 ] || break
		[ "$(rows $A $N)" = "$N|$N" ] && break
		sleep 0.5
	done
	t1=$(date +%s.%N)
	inbox_wait 60
	is "$(rows $A $N)" "$N|$N" "bulk $name: all $N stored in both databases"
	is "$(sql landing "SELECT count(*) FROM express_course_sales WHERE deal_id = $((A + 9000))")" 1 "bulk $name: and the delivery behind it"
	echo "# bulk $name: stored within $(python3 -c "print(round($t1 - $t0, 1))") s of the request"
	is "$(ls "$STACK/spool" | grep -c '^funnel-sale-')" 0 "bulk $name: nothing spooled"
	is "$(sql traffic "SELECT count(*) FROM outbox_jobs WHERE kind = 'enrich' AND (payload->>'lead_id')::bigint BETWEEN $A AND $((A + N - 1))")" $N "bulk $name: one enrichment job per lead"
	du=$(dups $A $N)
	lo=$([ "${r% *}" = 200 ] && [ "$(rows $A $N)" != "$N|$N" ] && echo $N || echo 0)
	echo "# fault bulk-6000-leads-$name: sent 1 body of $N leads / 2xx $([ "${r% *}" = 200 ] && echo 1 || echo 0) / stored $(rows $A $N | cut -d'|' -f1) / duplicates $du / messages - (no worker) / lost $lo"
	is "$du" 0 "bulk $name: duplicates = 0"
	is "$lo" 0 "bulk $name: lost = 0"
	# The same bulk body again (amoCRM retries): nothing new.
	post /api/amocrm/funnel-sale $FORM "@$STACK/bulk.body"
	is "$STATUS" 200 "bulk $name again: 200"
	is "$(rows $A $N)" "$N|$N" "bulk $name again: still one row per lead"
	is "$(jget "$DONE" outcome)" duplicate "bulk $name again: applied as a duplicate"
}
bulk_case compact bulk 950001
bulk_case standard bulk_full 970001

# 2. Garbage: 50 bodies of 1 MiB with the secret, 1,000 of 256 KiB with
#    the secret and 1,000 without: every one refused, the database grows
#    by the kept heads only.
python3 -c 'import os,sys; sys.stdout.buffer.write(os.urandom(1048576))' >"$STACK/g1m.bin"
python3 -c 'import os,sys; sys.stdout.buffer.write(os.urandom(262144))' >"$STACK/g256k.bin"
s0=$(dbsize)
export URL FORM STACK HOOK_Q
seq 50 | xargs -P 4 -I{} curl -sS -o /dev/null -w '{} %{http_code} %{time_total}\n' -X POST \
	"$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "@$STACK/g1m.bin" >"$STACK/g1m.txt"
is "$(awk '{print $2}' "$STACK/g1m.txt" | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" "400:50 " "50 × 1 MiB garbage: 50 × 400"
s1=$(dbsize)
echo "# fault garbage-1MiB: sent 50 / 2xx 0 / stored 0 / duplicates 0 / messages - / lost 0; database +$(((s1 - s0) / 1024)) KiB"
seq 1000 | xargs -P 8 -I{} curl -sS -o /dev/null -w '{} %{http_code}\n' -X POST \
	"$URL/api/amocrm/funnel-sale$HOOK_Q" -H "Content-Type: $FORM" --data-binary "@$STACK/g256k.bin" >"$STACK/g256k.txt"
s2=$(dbsize)
seq 1000 | xargs -P 8 -I{} curl -sS -o /dev/null -w '{} %{http_code}\n' -X POST \
	"$URL/api/amocrm/sales-webhook" -H "Content-Type: $FORM" --data-binary "@$STACK/g256k.bin" >"$STACK/gnotoken.txt"
is "$(awk '{print $2}' "$STACK/g256k.txt" | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" "400:1000 " "1,000 × 256 KiB garbage with the secret: 1,000 × 400"
is "$(awk '{print $2}' "$STACK/gnotoken.txt" | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" "401:1000 " "1,000 × 256 KiB without the secret: 1,000 × 401"
s3=$(dbsize)
grow=$((s2 - s1))
echo "# fault garbage-1000x256KiB-with-secret: sent 1000 / 2xx 0 / stored 0 / duplicates 0 / messages - / lost 0; database +$((grow / 1024)) KiB"
echo "# fault garbage-1000x256KiB-without-secret: sent 1000 / 2xx 0 / stored 0 / duplicates 0 / messages - / lost 0; database +$(((s3 - s2) / 1024)) KiB"
ok "$([ "$grow" -lt $((20 * 1024 * 1024)) ]; echo $?)" "1,000 garbage requests with the secret (16 KiB of each kept) grow the databases by less than 20 MB: $((grow / 1024)) KiB"
ok "$([ $((s3 - s2)) -lt $((4 * 1024 * 1024)) ]; echo $?)" "1,000 without the secret (1 KiB of each kept): less than 4 MB: $(((s3 - s2) / 1024)) KiB"
is "$(sql landing "SELECT count(*), max(octet_length(raw_body)), min(body_size) FROM webhook_requests WHERE outcome = 'rejected' AND body_size >= 262144")" \
	"1050|16384|262144" "each rejected garbage body: 16 KiB kept, its full size recorded"
is "$(sql traffic "SELECT count(*), max(octet_length(raw_body)) FROM webhook_requests WHERE outcome = 'unauthorized'")" "1000|1024" "each refused one: counted, 1 KiB kept"

integ_check_logs
