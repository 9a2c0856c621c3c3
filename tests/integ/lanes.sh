#!/usr/bin/env bash
# The worker's lanes and the digests (issue 21 item 4): an announcement
# never waits behind bulk work, a digest names every sale it covers
# (split across messages at Telegram's 4096 characters), and a big sale
# (a Flagship one) is always announced on its own. One worker, so the
# order of its work is what the test sees.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_WORKERS=1
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100
AMOCRM_RATE_LIMIT=100"
integ_up

FORM=application/x-www-form-urlencoded
traffic() { sql traffic "$1"; }
messages() { tg_ctl GET /__control/messages; }

# leads FIRST COUNT PRICE PIPELINE SOURCE NAME-PREFIX [PAD]: COUNT won leads
# from id FIRST into amoCRM (NAME-PREFIX, a 3-digit number, PAD), and
# their webhook, one delivery, into $STACK/leads.body.
leads() {
	python3 - "$@" <<-'PY' >"$STACK/leads.json"
	import json, sys
	first, count, price, pipe = map(int, sys.argv[1:5])
	src, prefix = sys.argv[5:7]
	pad = sys.argv[7] if len(sys.argv) > 7 else ""
	f = lambda i, n, c, v: {"field_id": i, "field_name": n, "field_code": c,
	    "field_type": "tracking_data", "values": [{"value": v}]}
	amo, hook = [], []
	for i in range(count):
	    lid = first + i
	    name = "%s %03d%s" % (prefix, i, pad)
	    amo.append({"id": lid, "name": name, "price": price,
	        "status_id": 142, "pipeline_id": pipe, "created_at": 1764300000,
	        "updated_at": 1764300000, "account_id": 29000001,
	        "custom_fields_values": [f(434731, "utm_source", "UTM_SOURCE", src),
	            f(434729, "utm_campaign", "UTM_CAMPAIGN", "lanes")],
	        "_embedded": {"tags": [], "companies": [], "contacts": []}})
	    hook.append({"id": lid, "name": name, "status_id": 142,
	        "old_status_id": 81854618, "pipeline_id": pipe,
	        "price": str(price), "updated_at": 1764300000,
	        "fields": [[434731, "utm_source", src],
	                   [434729, "utm_campaign", "lanes"]]})
	print(json.dumps({"amo": {"leads": amo, "contacts": []},
	                  "hook": {"leads": hook}}))
	PY
	load "$STACK/leads.json"
}
# load FILE: the amoCRM leads of FILE ({"amo", "hook"}) into the stand-in
# (from a file: 300 leads are more than an argument may hold), their
# webhook into $STACK/leads.body.
load() {
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["amo"]))' "$1" >"$STACK/amo.json"
	curl -sS -X POST "$AMOCRM_MOCK/__control/leads" -H 'Content-Type: application/json' \
		--data-binary "@$STACK/amo.json" >/dev/null
	python3 "$top_srcdir/tests/integ/amobody.py" \
		"$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["hook"]))' "$1")" \
		>"$STACK/leads.body"
}

# names CHAT PREFIX: the sales of PREFIX named in the chat's messages, one
# per line with the kind of message ("one" its own message, "digest"),
# sorted: a sale named twice shows twice.
names() {
	messages | python3 -c '
import json, re, sys
chat, prefix = int(sys.argv[1]), sys.argv[2]
for m in json.load(sys.stdin):
    if m["chat_id"] != chat:
        continue
    kind = "digest" if "НОВЫЕ ПРОДАЖИ" in m["text"] else "one"
    for n in re.findall(re.escape(prefix) + r" \d{3}", m["text"]):
        print(kind, n)' "$1" "$2" | sort
}
# named CHAT PREFIX N: all N sales of PREFIX are named in the chat.
named() { [ "$(names "$1" "$2" | sort -u -k2 | wc -l)" -ge "$3" ]; }

traffic "UPDATE traffic_teams SET telegram_chat_id = CASE name WHEN 'Kenesary' THEN '-1001' WHEN 'Arystan' THEN '-1002' WHEN 'Muha' THEN '-1003' ELSE '-1004' END" >/dev/null

# 1. A bulk of 300 sales (300 enrich jobs, each amoCRM read slowed to
#    50 ms) and 40 landing pushes queued; then one new sale for another
#    chat. Its announcement goes out before the bulk is done: the announce
#    lane takes the newest enrich job, then its announcement, between bulk
#    jobs. Before the lanes, it waited behind all 300 enrich jobs and the
#    bulk's digest went first.
leads 9600000 300 5000 10350882 fb_kenesary Bulk
amo_ctl POST /__control/fail '{"path_prefix":"/api/v4/leads/","status":0,"delay_ms":50,"count":1000000}' >/dev/null
tg_ctl POST /__control/reset >/dev/null
post /api/amocrm/sales-webhook $FORM "@$STACK/leads.body"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/300" "bulk: 300 sales stored"
traffic "INSERT INTO outbox_jobs (kind, payload) SELECT 'landing_push', '{}' FROM generate_series(1, 40)" >/dev/null
leads 9610000 1 5000 10350882 fb_arystan Newsale
t0=$(date +%s.%N)
post /api/amocrm/sales-webhook $FORM "@$STACK/leads.body"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/1" "a new sale after the bulk: stored"
wait_for 120 named -1002 Newsale 1
t1=$(date +%s.%N)
bulkleft=$(traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key LIKE 'enrich:960%' AND state <> 'done'")
first=$(messages | python3 -c 'import json,sys; ms=json.load(sys.stdin); print(ms[0]["chat_id"] if ms else "")')
is "$first" -1002 "new sale: the first message after the bulk is its announcement (the stand-in's log)"
is "$(traffic "SELECT (SELECT sent_at FROM telegram_sends s JOIN outbox_jobs j ON j.id = s.job_id WHERE j.dedup_key = 'announce:9610000') < (SELECT max(done_at) FROM outbox_jobs WHERE dedup_key LIKE 'enrich:960%')")" \
	t "new sale: announced before the bulk's last enrich job was done"
echo "# lanes: new sale announced $(python3 -c "print('%.1f' % ($t1 - $t0))") s after its delivery, $bulkleft of 300 bulk enrich jobs still waiting"
bulkdone() { [ "$(traffic "SELECT count(*) FROM outbox_jobs WHERE (dedup_key LIKE 'enrich:960%' OR kind = 'landing_push') AND state <> 'done'")" = 0 ]; }
wait_for 180 bulkdone
ok $? "bulk: every enrich and landing push job done"
wait_for 120 named -1001 Bulk 300
is "$(names -1001 Bulk | uniq -d | wc -l)" 0 "bulk: its digests name each of the 300 sales once"
is "$(names -1001 Bulk | wc -l)" 300 "bulk: 300 sales named"
amo_ctl POST /__control/reset >/dev/null

# 2. A burst of 40 sales for one chat, one of them a Flagship sale of
#    490 000 ₸: the Flagship sale gets its own message, the digest's
#    messages name the 39 others, each once.
leads 9620000 39 5000 10350882 fb_muha Burst
cp "$STACK/leads.json" "$STACK/burst39.json"
python3 - "$STACK" <<-'PY'
import json, sys
st = sys.argv[1]
d = json.load(open(st + "/burst39.json"))
big = dict(d["hook"]["leads"][0], id=9620039, name="Burst 039", price="490000", pipeline_id=10418746)
amo = dict(d["amo"]["leads"][0], id=9620039, name="Burst 039", price=490000, pipeline_id=10418746)
d["hook"]["leads"].insert(17, big)
d["amo"]["leads"].insert(17, amo)
json.dump(d, open(st + "/burst40.json", "w"))
PY
load "$STACK/burst40.json"
post /api/amocrm/sales-webhook $FORM "@$STACK/leads.body"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/40" "burst: 40 sales stored"
wait_for 120 named -1003 Burst 40
sleep 2
is "$(names -1003 Burst | grep -c '^one Burst 039$')" 1 "burst: the Flagship sale has its own message"
is "$(names -1003 Burst | grep -c '^digest Burst 039$')" 0 "burst: the Flagship sale is in no digest"
is "$(messages | python3 -c 'import json,sys; print([m["text"] for m in json.load(sys.stdin) if "Burst 039" in m["text"]][0].replace("\n", " | "))')" \
	"🎉 <b>НОВАЯ ПРОДАЖА!</b> |  | 🚀 <b>Таргетолог:</b> Muha | 👤 <b>Клиент:</b> Burst 039 | 💰 <b>Сумма:</b> 490,000 ₸ | 📦 <b>Продукт:</b> Flagship Course | 🏷️ <b>Кампания:</b> lanes |  | <b>Muha, ПОЗДРАВЛЯЕМ! ПО ВАМ СДЕЛАЛИ ПРОДАЖУ!</b> 🔥" \
	"burst: the Flagship sale's own announcement, with its amount"
is "$(names -1003 Burst | grep -c '^digest ')" 39 "burst: the digest names the 39 others"
is "$(names -1003 Burst | uniq -d | wc -l)" 0 "burst: no sale named twice"
is "$(messages | python3 -c 'import json,sys; print(sum("… и ещё" in m["text"] for m in json.load(sys.stdin)))')" 0 \
	"burst: no digest hides a sale in '… и ещё N'"
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key LIKE 'announce:962%' AND state <> 'done'")" 0 \
	"burst: every announcement job done"

# 3. A burst of 60 sales whose names fill a line each: the digest is
#    longer than 4096 characters, so it is split into numbered messages,
#    each within the limit, every sale in exactly one of them.
leads 9630000 60 5000 10350882 fb_traf4 Split " Жанна Длинноимённая-Клиентова из очень далёкого города"
post /api/amocrm/sales-webhook $FORM "@$STACK/leads.body"
is "$STATUS/$(jget "$DONE" leads_saved)" "200/60" "long burst: 60 sales stored"
wait_for 120 named -1004 Split 60
sleep 2
is "$(names -1004 Split | wc -l)" 60 "long burst: 60 sales named"
is "$(names -1004 Split | uniq -d | wc -l)" 0 "long burst: none twice"
parts=$(messages | python3 -c '
import json, re, sys
ms = [m["text"] for m in json.load(sys.stdin) if m["chat_id"] == -1004]
units = lambda s: len(s.encode("utf-16-le")) // 2
heads = [re.search(r"НОВЫЕ ПРОДАЖИ: \d+</b> \((\d+)/(\d+)\)", t) for t in ms]
print(len(ms), max(units(t) for t in ms),
      " ".join(h.group(1) + "/" + h.group(2) if h else "-" for h in heads))')
set -- $parts
ok "$([ "$1" -ge 2 ] && echo 0 || echo 1)" "long burst: split into $1 messages"
ok "$([ "$2" -le 4096 ] && echo 0 || echo 1)" "long burst: each message within 4096 UTF-16 units (longest $2)"
like "${*:3}" '^1/[2-9]( [0-9]/[2-9])+$' "long burst: the messages numbered (${*:3})"
is "$(traffic "SELECT sum(sales) FROM telegram_sends WHERE chat_id = '-1004' AND message_id IS NOT NULL")" 60 \
	"long burst: each message recorded with its sales"
is "$(traffic "SELECT count(*) FROM outbox_jobs WHERE dedup_key LIKE 'announce:963%' AND state <> 'done'")" 0 \
	"long burst: every announcement job done"

integ_check_logs
