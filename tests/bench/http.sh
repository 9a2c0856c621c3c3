#!/usr/bin/env bash
# make bench-http: webhook throughput through nginx, next to two baselines
# measured in the same run. A real stack (tests/integ/lib.sh: PostgreSQL,
# nginx, the FastCGI programs with AMOSYNC_PROCS=8), tests/bench/baseline
# (a C FastCGI peer: 8 processes, one INSERT ... ON CONFLICT per request)
# and tests/bench/express-peer.js (the original system's stack: Express
# and node-postgres, a cluster worker per CPU, one INSERT ... ON CONFLICT
# per request) behind the same nginx. wrk posts a realistic amoCRM delivery
# (~2.4 KB, UTM custom fields by id, a new deal id per request) at c=8 and
# c=32, interleaving the four targets, and the script prints rps, p50,
# p99, errors, requests answered 2xx and rows stored, and the ratios to
# the C peer (base) and to Express (expr). Figures, not a test: nothing
# here asserts a speed. Take them from a plain ./configure build; the
# loader runs on the same machine. Express and pg come from npm, pinned
# by tests/bench/express-peer.package-lock.json, installed once into
# $top_builddir/tests/bench/express-peer (node and npm from apt when
# missing).
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_CONNS=${BENCH_CONNS:-"8 32"}
# One client address far above nginx's webhook rate limit: a burst wrk
# never runs out of, so the figures are the programs', not limit_req's.
INTEG_ENV="AMOSYNC_PROCS=8
AMOSYNC_WEBHOOK_BURST=1000000"

. "$top_srcdir/tests/integ/lib.sh"
# The C peer and the Express peer: tests/bench/peers.sh.
. "$top_srcdir/tests/bench/peers.sh"
peers_install
integ_up

bench_down() {
	local status=$?
	peers_down
	stack_down "$STACK"
	if [ "$status" -eq 0 ]; then rm -rf "$STACK"; else echo "stack kept in $STACK"; fi
	exit "$status"
}
trap bench_down EXIT

peers_warn_asan

peers_up

# The body: one status change to 142 of an Express deal, with the UTM
# fields by id and the other fields a real delivery carries.
python3 "$top_srcdir/tests/integ/amobody.py" '{"leads":[{"id":777777777777,
 "name":"Сделка с лендинга: Профтест (Бенчмарк)","status_id":142,
 "old_status_id":81854618,"price":"5000","responsible_user_id":10712574,
 "last_modified":1764300000,"pipeline_id":10350882,"account_id":29000001,
 "created_at":1764200000,"updated_at":1764300000,
 "fields":[[434731,"utm_source","fb_kenesary"],[434727,"utm_medium","cpc"],
 [434729,"utm_campaign","tripwire_autumn_2025_kz"],[434725,"utm_content","video_3_reels"],
 [434733,"utm_term","проф тест онлайн"],[434735,"utm_referrer","https://www.instagram.com/"],
 [434761,"fbclid","IwAR2xk7Qv1bVxJ9hR3sT0wLq8ZyN5mP4cD6eF1gH2iJ3kL4mN5oP6qR7sT8uV9"],
 [951803,"utm_source","fb_kenesary"]]}],
 "account_last":true}' >"$STACK/body.txt"
echo "body: $(wc -c <"$STACK/body.txt") bytes"

cat >"$STACK/bench.lua" <<'LUA'
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
	count = 0
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
end
function request()
	count = count + 1
	local id = base + tid * 10000000 + count
	local body = template:gsub("777777777777", tostring(id))
	return wrk.format("POST", nil, headers, body)
end
LUA

# V8 compiles Express's hot paths as they run: 2 s of the same load,
# not counted (deal ids below the first run's), before the table.
wrk -t2 -c8 -d2s -s "$STACK/bench.lua" "$URL/bench/express" -- "$STACK/body.txt" 0 >/dev/null 2>&1

declare -A RPS P99
run=0
printf '%-14s %4s %9s %8s %8s %7s %9s %9s %8s %8s %8s %8s %8s\n' target c 'req/s' \
	'p50 ms' 'p99 ms' errors 'answered' 'rows' 'apply s' 'rps/base' 'p99/base' \
	'rps/expr' 'p99/expr'
# ratio A B: A / B to two decimals, or - while B is not measured yet.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'
}
# bench TARGET PATH C DB TABLE COLUMN
bench() {
	local name=$1 path=$2 c=$3 db=$4 table=$5 col=$6 out base lo hi
	run=$((run + 1))
	base=$((run * 100000000000))
	lo=$base
	hi=$((base + 99999999999))
	out=$(wrk -t2 -c"$c" -d"${BENCH_SECONDS}s" --latency -s "$STACK/bench.lua" \
		"$URL$path" -- "$STACK/body.txt" "$base" 2>&1)
	local rps p50 p99 reqs non2xx sock answered rows
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
	sock=$(awk '/Socket errors/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' <<<"$out")
	answered=$((reqs - ${non2xx:-0}))
	# amosync answers once a delivery is kept: the time its processors
	# then take to apply the rest of the run's deliveries.
	apply=-
	case $name in
	funnel-sale | sales-webhook)
		local t0=$EPOCHREALTIME
		inbox_wait 600
		apply=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') ;;
	esac
	rows=$(sql "$db" "SELECT count(*) FROM $table WHERE $col BETWEEN $lo AND $hi")
	RPS[$name/$c]=$rps
	P99[$name/$c]=$p99
	printf '%-14s %4s %9.0f %8.2f %8.2f %7d %9d %9d %8s %8s %8s %8s %8s\n' "$name" "$c" \
		"$rps" "$p50" "$p99" $(( ${non2xx:-0} + ${sock:-0} )) "$answered" "$rows" "$apply" \
		"$(ratio "$rps" "${RPS[baseline/$c]}")" "$(ratio "$p99" "${P99[baseline/$c]}")" \
		"$(ratio "$rps" "${RPS[express/$c]:-}")" "$(ratio "$p99" "${P99[express/$c]:-}")"
}
for c in $BENCH_CONNS; do
	bench baseline /bench/baseline "$c" landing bench_baseline deal_id
	bench express /bench/express "$c" landing bench_express deal_id
	bench funnel-sale "/api/amocrm/funnel-sale$HOOK_Q" "$c" landing express_course_sales deal_id
	bench sales-webhook "/api/amocrm/sales-webhook$HOOK_Q" "$c" traffic all_sales_tracking "lead_id::bigint"
done
echo "(wrk -t2 keep-alive through nginx on 127.0.0.1, ${BENCH_SECONDS}s each;" \
	"PostgreSQL fsync=off; loader on the same host; rows may exceed" \
	"answered by the requests in flight when wrk stops, at most c)"
echo "baseline: tests/bench/baseline.c, C FastCGI, 8 processes, one INSERT per request"
echo "express: tests/bench/express-peer.js, node $(node --version)," \
	"express $(NODE_PATH=$EXPRESS_DIR/node_modules node -p 'require("express/package.json").version')," \
	"pg $(NODE_PATH=$EXPRESS_DIR/node_modules node -p 'require("pg/package.json").version')," \
	"$BENCH_EXPRESS_WORKERS cluster workers (BENCH_EXPRESS_WORKERS), urlencoded extended, one INSERT per request, proxy_pass with keep-alive"
echo "funnel-sale, sales-webhook: amosync, AMOSYNC_PROCS=8, worker not running;" \
	"answered = kept in the inbox; apply s = seconds after the run until" \
	"its processor had applied every kept delivery; rows counted then"
echo "base = the C peer (baseline), expr = Express (- on the baseline row, measured before it)"
