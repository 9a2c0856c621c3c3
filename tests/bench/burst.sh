#!/usr/bin/env bash
# make bench-burst: a burst and its backlog. BENCH_SALES (default 50,000)
# distinct Express sales are posted to funnel-sale through nginx as fast
# as wrk can (BENCH_CONNS connections, default 32), with one worker
# running as in production (statistics catch-ups, enrichment against the
# amoCRM stand-in, announcements to the Telegram stand-in). Meanwhile,
# and until the backlog is gone, three reports are fetched every second:
# the funnel, sales-stats and the UTM overview of the period.
# Prints:
#   - the accept rate (2xx answers per second while sending), errors, p99;
#   - the seconds from the last answer until every kept delivery is
#     applied (the inbox empty) and until the statistics caught up
#     (sales_stats_pending and funnel_pending empty);
#   - rows stored against deliveries answered 2xx (each exactly once);
#   - each report's p50 / p95 / max and non-200 answers, during the load
#     and during the catch-up;
# and, in the same run, the same number of deliveries posted to the two
# baselines of tests/bench/peers.sh (one INSERT per request, nothing
# applied after): their accept rates, and amosync's ratio to them.
# Figures, not a test: nothing here asserts a speed. Take them from a
# plain ./configure build; the loader runs on the same machine.
BENCH_SALES=${BENCH_SALES:-50000}
BENCH_CONNS=${BENCH_CONNS:-32}
INTEG_MOCKS=1
INTEG_WORKERS=1
# One client address far above nginx's webhook rate limit (as amoCRM's
# own address would be let through by AMOSYNC_WEBHOOK_ALLOW).
INTEG_ENV="AMOSYNC_PROCS=8
AMOSYNC_WEBHOOK_BURST=1000000"

. "$top_srcdir/tests/integ/lib.sh"
. "$top_srcdir/tests/bench/peers.sh"
peers_install
integ_up

bench_down() {
	local status=$?
	[ -n "${SAMPLER_PID:-}" ] && kill "$SAMPLER_PID" 2>/dev/null
	peers_down
	stack_down "$STACK"
	if [ "$status" -eq 0 ]; then rm -rf "$STACK"; else echo "stack kept in $STACK"; fi
	exit "$status"
}
trap bench_down EXIT

peers_warn_asan
peers_up

# The delivery: a status change to 142 of an Express deal with its UTM
# fields, dated now (so the reports of today count it); the deal id is
# replaced per request.
now=$(date +%s)
python3 "$top_srcdir/tests/integ/amobody.py" "{\"leads\":[{\"id\":777777777777,
 \"name\":\"Сделка с лендинга: Профтест (Бенчмарк)\",\"status_id\":142,
 \"old_status_id\":81854618,\"price\":\"5000\",\"responsible_user_id\":10712574,
 \"last_modified\":$now,\"pipeline_id\":10350882,\"account_id\":29000001,
 \"created_at\":$((now - 3600)),\"updated_at\":$now,
 \"fields\":[[434731,\"utm_source\",\"fb_kenesary\"],[434727,\"utm_medium\",\"cpc\"],
 [434729,\"utm_campaign\",\"tripwire_burst\"],[434725,\"utm_content\",\"video_3_reels\"]]}],
 \"account_last\":true}" >"$STACK/body.txt"

# Each wrk thread sends its share of n and stops when its answers are in.
cat >"$STACK/burst.lua" <<'LUA'
local n = 0
function setup(thread)
	thread:set("tid", n)
	n = n + 1
end
function init(args)
	local f = io.open(args[1])
	template = f:read("*a")
	f:close()
	base = tonumber(args[2])
	share = tonumber(args[3])
	sent, got = 0, 0
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end
function request()
	sent = sent + 1
	local id = base + tid * 10000000 + sent
	local body = template:gsub("777777777777", tostring(id))
	return wrk.format("POST", nil, headers, body)
end
function response(status, headers, body)
	got = got + 1
	if got >= share then wrk.thread:stop() end
end
LUA


# burst PATH BASE COUNT-SQL: posts BENCH_SALES deliveries (wrk's threads
# stop after their share; wrk itself is stopped once COUNT-SQL, the rows
# the target kept, reaches BENCH_SALES); sets RPS, ANSWERED, ERRORS, P99
# (ms), SECS, T_END (epoch seconds when the last was kept).
burst() {
	local out=$STACK/wrk.out t0 reqs non2xx sock pid
	t0=$EPOCHREALTIME
	wrk -t2 -c"$BENCH_CONNS" -d600s --latency -s "$STACK/burst.lua" \
		"$URL$1" -- "$STACK/body.txt" "$2" $((BENCH_SALES / 2)) >"$out" 2>&1 &
	pid=$!
	while [ "$(sql landing "$3" 2>/dev/null || echo 0)" -lt "$BENCH_SALES" ] &&
		kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
	done
	T_END=$EPOCHREALTIME
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	SECS=$(awk -v a="$t0" -v b="$T_END" 'BEGIN { printf "%.1f", b - a }')
	reqs=$(awk '/requests in/ { print $1 }' "$out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' "$out")
	sock=$(awk '/Socket errors/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' "$out")
	ANSWERED=$((${reqs:-0} - ${non2xx:-0}))
	ERRORS=$((${non2xx:-0} + ${sock:-0}))
	RPS=$(awk -v n="$ANSWERED" -v s="$SECS" 'BEGIN { printf "%.0f", n / s }')
	P99=$(ms "$(awk '$1 == "99%" { print $2 }' "$out")")
}

echo "burst: $BENCH_SALES deliveries of $(wc -c <"$STACK/body.txt") bytes, wrk -t2 -c$BENCH_CONNS"
printf '%-12s %8s %8s %7s %8s %9s %9s\n' target 'sent s' '2xx/s' errors 'p99 ms' answered rows
burst /bench/baseline 100000000000 "SELECT count(*) FROM bench_baseline WHERE deal_id >= 100000000000"
printf '%-12s %8s %8s %7s %8s %9s %9s\n' baseline "$SECS" "$RPS" "$ERRORS" "$P99" "$ANSWERED" \
	"$(sql landing "SELECT count(*) FROM bench_baseline WHERE deal_id >= 100000000000")"
BASE_RPS=$RPS
burst /bench/express 200000000000 "SELECT count(*) FROM bench_express WHERE deal_id >= 200000000000"
printf '%-12s %8s %8s %7s %8s %9s %9s\n' express "$SECS" "$RPS" "$ERRORS" "$P99" "$ANSWERED" \
	"$(sql landing "SELECT count(*) FROM bench_express WHERE deal_id >= 200000000000")"
EXPR_RPS=$RPS

# The reports, every second, from before the burst until told to stop:
# "phase report status seconds" lines (phase: the file $STACK/phase says).
day=$(TZ=Asia/Almaty date +%F)
echo load >"$STACK/phase"
sampler() {
	local p
	while [ -f "$STACK/phase" ]; do
		p=$(cat "$STACK/phase" 2>/dev/null)
		for u in "funnel /api/traffic/funnel?pipeline_id=10350882&start=$day&end=$day" \
			"sales-stats /api/amocrm/sales-stats?start=$day&end=$day" \
			"utm-overview /api/utm-analytics/overview?start=$day&end=$day"; do
			echo "$p ${u%% *} $(curl -sS -o /dev/null -m 30 -w '%{http_code} %{time_total}' "$URL${u#* }")" &
		done
		sleep 1
	done
}
sampler >"$STACK/samples.txt" 2>/dev/null &
SAMPLER_PID=$!

burst "/api/amocrm/funnel-sale$HOOK_Q" 300000000000 "SELECT count(*) FROM webhook_requests WHERE endpoint = 'funnel-sale' AND state IS NOT NULL"
echo catchup >"$STACK/phase"
t_end=$T_END
inbox_wait 3600
t_applied=$EPOCHREALTIME
caught() {
	[ "$(sql traffic "SELECT (SELECT count(*) FROM sales_stats_pending) + (SELECT count(*) FROM funnel_pending)")" = 0 ]
}
wait_for 3600 caught
t_stats=$EPOCHREALTIME
rm -f "$STACK/phase"
wait "$SAMPLER_PID" 2>/dev/null
SAMPLER_PID=
sleep 1
rows=$(sql landing "SELECT count(*) FROM express_course_sales WHERE deal_id >= 300000000000")
tracked=$(sql traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id::bigint >= 300000000000")
printf '%-12s %8s %8s %7s %8s %9s %9s\n' amosync "$SECS" "$RPS" "$ERRORS" "$P99" "$ANSWERED" "$rows"
echo "accept rate: $(awk -v a="$RPS" -v b="$BASE_RPS" 'BEGIN { printf "%.2f", a / b }')x the C peer," \
	"$(awk -v a="$RPS" -v b="$EXPR_RPS" 'BEGIN { printf "%.2f", a / b }')x Express"
echo "applied: every kept delivery $(awk -v a="$t_end" -v b="$t_applied" 'BEGIN { printf "%.1f", b - a }') s after the last answer;" \
	"statistics caught up $(awk -v a="$t_end" -v b="$t_stats" 'BEGIN { printf "%.1f", b - a }') s after it"
echo "stored: $rows landing rows and $tracked tracked sales for $ANSWERED answered 2xx" \
	"(duplicates: $(sql landing "SELECT count(*) - count(DISTINCT deal_id) FROM express_course_sales"))"
echo "apply latency (received to applied, s): $(sql landing "SELECT 'p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at))::numeric, 2) || ', p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at))::numeric, 2) || ', max ' || round(max(extract(epoch FROM processed_at - received_at))::numeric, 2) FROM webhook_requests WHERE state = 'done' AND endpoint = 'funnel-sale'")"
printf '%-9s %-13s %8s %8s %8s %8s %8s\n' phase report samples 'p50 ms' 'p95 ms' 'max ms' 'non-200'
for phase in load catchup; do
	for r in funnel sales-stats utm-overview; do
		awk -v p="$phase" -v r="$r" '$1 == p && $2 == r { print $3, $4 * 1000 }' "$STACK/samples.txt" |
			sort -k2 -n | awk -v p="$phase" -v r="$r" '
			{ t[NR] = $2; if ($1 != 200) bad++ }
			END {
				if (NR == 0) { printf "%-9s %-13s %8d %8s %8s %8s %8s\n", p, r, 0, "-", "-", "-", "-"; exit }
				i50 = int(NR * 0.5 + 0.999); i95 = int(NR * 0.95 + 0.999)
				printf "%-9s %-13s %8d %8.0f %8.0f %8.0f %8d\n", p, r, NR, t[i50], t[i95], t[NR], bad
			}'
	done
done
echo "(keep-alive wrk through nginx on 127.0.0.1; PostgreSQL fsync=off; loader," \
	"stand-ins and one worker on the same host; AMOSYNC_PROCS=8)"
