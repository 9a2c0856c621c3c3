#!/usr/bin/env bash
# make bench-pg: the database's share of a webhook, without nginx, FastCGI
# or our C: pgbench runs, against the real schema of a fresh local stack
# (tests/integ/lib.sh), the transactions a funnel sale and a sales-webhook
# sale send (the function calls of sql/landing/041-webhook-functions.sql
# and sql/traffic/044-webhook-functions.sql, as lib/sales/landing.c and
# lib/sales/track.c send them), next to bench-http's baseline INSERT,
# measured in the same run. It prints transactions per second at 8
# clients: each step alone, and a funnel sale's two steps at once (one
# pgbench per database, as the programs' two connections), which is the
# most funnel sales per second this machine's PostgreSQL can store with
# nothing else running. Figures, not a test. fsync=off, as bench-http.
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}

. "$top_srcdir/tests/integ/lib.sh"
integ_up
trap 'status=$?; stack_down "$STACK"; [ "$status" -eq 0 ] && rm -rf "$STACK"; exit "$status"' EXIT

pgbench=$(stack_pgbin)/pgbench
sql landing "CREATE TABLE IF NOT EXISTS bench_baseline (deal_id bigint PRIMARY KEY, body text)" >/dev/null

# A deal as the programs store it (lib/sales/lead.c's JSON), a new id per
# transaction; the delivery's raw body as record_request keeps it.
lead="'{\"id\": :id, \"utm\": {\"fbclid\": null, \"utm_term\": null, \"utm_medium\": \"cpc\",
 \"utm_source\": \"fb_kenesary\", \"utm_content\": \"video_3_reels\", \"utm_campaign\": \"tripwire_autumn_2025_kz\",
 \"utm_referrer\": null}, \"name\": \"Сделка с лендинга\", \"price\": 5000, \"action\": \"status\",
 \"account\": {\"id\": 29000001, \"subdomain\": \"onaiagencykz\"}, \"status_id\": 142,
 \"created_at\": 1764200000, \"updated_at\": 1764300000, \"pipeline_id\": 10350882,
 \"custom_fields\": [{\"id\": 434731, \"code\": null, \"name\": \"utm_source\", \"values\": [\"fb_kenesary\"]},
 {\"id\": 434727, \"code\": null, \"name\": \"utm_medium\", \"values\": [\"cpc\"]},
 {\"id\": 434729, \"code\": null, \"name\": \"utm_campaign\", \"values\": [\"tripwire_autumn_2025_kz\"]}],
 \"old_status_id\": 81854618, \"old_pipeline_id\": null}'"
raw="decode(repeat('6c', 2400), 'hex')"
id='\set id random(1000000000, 900000000000)'
cat >"$STACK/baseline.sql" <<SQL
$id
INSERT INTO bench_baseline (deal_id, body) VALUES (:id, repeat('x', 2400)) ON CONFLICT DO NOTHING;
SQL
cat >"$STACK/landing.sql" <<SQL
$id
BEGIN;
SET LOCAL statement_timeout = 1500;
SELECT * FROM amosync_landing_store(':id', '10350882', '142', '5000', 'fb_kenesary', 'cpc', 'tripwire_autumn_2025_kz', 'video_3_reels', NULL, 'Kenesary', '1764300000', 'Asia/Almaty', $lead);
SELECT amosync_record_request('funnel-sale', md5(':id'), '', '127.0.0.1', 'amoCRM-Webhooks/3.0', 'application/x-www-form-urlencoded', '2400', $raw, '200', 'saved', NULL, '1', '1');
COMMIT;
SQL
cat >"$STACK/traffic.sql" <<SQL
$id
BEGIN;
SET LOCAL statement_timeout = 1500;
SELECT amosync_lead_event(':id', 'status', '10350882', '0', '142', '81854618', '1764300000', '1764300000');
SELECT * FROM amosync_track_sale(':id', 'Сделка с лендинга', '5000', NULL, 'fb_kenesary', 'cpc', 'tripwire_autumn_2025_kz', 'video_3_reels', NULL, 'Kenesary', 'high', '10350882', '142', '1764300000', $lead, NULL, NULL, NULL, (SELECT version FROM attribution_version), '{"lead_id": :id}', 'enrich:' || ':id');
COMMIT;
SQL

# run DB SCRIPT [CLIENTS]: its tps (simple protocol: the variables are
# spliced into the literals).
run() {
	"$pgbench" -h "$STACK/pgsock" -U amosync -n -M simple -c "${3:-$BENCH_CLIENTS}" -j 1 \
		-T "$BENCH_SECONDS" -f "$STACK/$2" "$1" >"$STACK/$2.out" 2>&1 ||
		{ cat "$STACK/$2.out"; exit 1; }
	grep -q "number of failed transactions: 0 " "$STACK/$2.out" ||
		{ cat "$STACK/$2.out"; exit 1; }
	sed -n 's/^tps = \([0-9]*\).*/\1/p' "$STACK/$2.out"
}

base=$(run landing baseline.sql)
land=$(run landing landing.sql)
traf=$(run traffic traffic.sql)
run landing landing.sql >"$STACK/both-landing" &
both_traf=$(run traffic traffic.sql)
wait $! || exit 1
both_land=$(cat "$STACK/both-landing")
both=$((both_land < both_traf ? both_land : both_traf))
printf '%-44s %8s %9s\n' "transaction ($BENCH_CLIENTS clients, ${BENCH_SECONDS}s)" "tps" "per base"
row() { printf '%-44s %8s %9s\n' "$1" "$2" "$(python3 -c "print('%.3f' % ($2 / $base))")"; }
row "baseline INSERT (bench-http's)" "$base"
row "landing step alone" "$land"
row "traffic step alone" "$traf"
row "landing step, with the traffic step at once" "$both_land"
row "traffic step, with the landing step at once" "$both_traf"
row "funnel sales (both steps, the slower)" "$both"
echo "(pgbench -M simple on the local cluster, loader on the same host; the sales-webhook's database work is the traffic step's)"
