#!/usr/bin/env bash
# make bench-report: the latency of every report endpoint through nginx
# over a large traffic database: BENCH_SALES sales (default 1,000,000)
# over two years and BENCH_EVENTS lead events (default 5,000,000), loaded
# with SQL on a real stack (tests/integ/lib.sh). For each endpoint, over
# a 30-day and a 365-day range ending on the last day of the data:
# median and p95 of BENCH_CALLS calls (default 20), one at a time, after
# one warm-up call, with the rows the answer covered next to the rows
# stored. Figures, not a test: nothing here asserts a speed (the target
# is 100 ms). PostgreSQL runs with its defaults and fsync=off.
# BENCH_ONLY=REGEX times only the endpoints whose label matches.
BENCH_SALES=${BENCH_SALES:-1000000}
BENCH_EVENTS=${BENCH_EVENTS:-5000000}
BENCH_CALLS=${BENCH_CALLS:-20}

. "$top_srcdir/tests/integ/lib.sh"
INTEG_ENV="AMOSYNC_USD_KZT_RATE=500
AMOSYNC_ADMIN_RATE=100000"
integ_up

bench_down() {
	local status=$?
	stack_down "$STACK"
	if [ "$status" -eq 0 ]; then
		rm -rf "$STACK"
	else
		echo "stack kept in $STACK"
	fi
	exit "$status"
}
trap bench_down EXIT

if grep -qa __asan_init "$top_builddir/cgi-bin/sales-reports"; then
	echo "WARNING: the programs are built with AddressSanitizer" \
		"(--enable-dev): figures are not representative; use a plain" \
		"./configure build"
fi
traffic() { sql traffic "$1"; }

# --- the data: 2024-12-31 .. 2026-12-30 (Almaty), last day END ------------
END=2026-12-30
t0=$(date +%s)
stack_psql "$STACK" traffic -q <<SQL
ALTER TABLE all_sales_tracking DISABLE TRIGGER all_sales_tracking_pending;
INSERT INTO all_sales_tracking (lead_id, lead_name, sale_amount, product_name,
	utm_source, utm_medium, utm_campaign, targetologist, pipeline_id, status_id,
	sale_date)
SELECT i::text, 'Сделка ' || i,
	CASE WHEN i % 10 = 0 THEN 490000 ELSE 5000 + i % 1000 END,
	CASE WHEN i % 10 = 0 THEN 'Flagship Course' ELSE 'Express Course' END,
	(ARRAY['fb_kenesary', 'facebook', 'instagram', 'google', NULL, 'fb_muha', 'tiktok'])[1 + i % 7],
	(ARRAY['cpc', NULL, 'social'])[1 + i % 3],
	CASE WHEN i % 11 = 0 AND i % 7 = 4 THEN NULL ELSE 'campaign_' || (i % 200) END,
	(ARRAY['Kenesary', 'Arystan', 'Muha', 'Traf4', NULL])[1 + i % 5],
	'10350882', '142',
	timestamptz '2024-12-31 00:00+05' + (i::double precision / $BENCH_SALES) * interval '730 days'
FROM generate_series(1, $BENCH_SALES) i;
ALTER TABLE all_sales_tracking ENABLE TRIGGER all_sales_tracking_pending;
SELECT traffic_sales_stats_rebuild() \\g /dev/null
SELECT utm_sales_stats_rebuild() \\g /dev/null
INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id,
	status_id, old_status_id, lead_updated_at, event_at)
SELECT e / 5, 'status', 10350882, 10350882,
	(ARRAY[81854574, 81856842, 82174958, 81854578, 142, 143])[1 + e % 5 + (CASE WHEN e % 5 = 4 AND (e / 5) % 2 = 0 THEN 1 ELSE 0 END)],
	0, e,
	timestamptz '2024-12-31 00:00+05' + ((e / 5)::double precision / ($BENCH_EVENTS / 5)) * interval '730 days' + (e % 5) * interval '1 hour'
FROM generate_series(1, $BENCH_EVENTS) e;
INSERT INTO ad_spend (team_id, spend_date, campaign, amount, currency, amount_kzt)
SELECT t.id, d::date, '', 100000, 'KZT', 100000
FROM traffic_teams t, generate_series(date '2024-12-31', date '$END', interval '1 day') d;
VACUUM ANALYZE all_sales_tracking;
SELECT funnel_pending_apply(NULL) \\g /dev/null
VACUUM ANALYZE lead_events;
VACUUM ANALYZE traffic_sales_stats;
VACUUM ANALYZE utm_sales_stats;
VACUUM ANALYZE funnel_leads;
VACUUM ANALYZE funnel_day_leads;
VACUUM ANALYZE funnel_day_gaps;
VACUUM ANALYZE ad_spend;
SQL
echo "loaded $(traffic "SELECT count(*) FROM all_sales_tracking") sales," \
	"$(traffic "SELECT count(*) FROM lead_events") lead events," \
	"$(traffic "SELECT count(*) FROM traffic_sales_stats") stats rows in $(($(date +%s) - t0)) s"

# time PATH: BENCH_CALLS calls; prints median and p95 in ms, and what the
# answer covered (a count from the body, to tell a right answer).
time_calls() {
	python3 - "$URL$1" "$BENCH_CALLS" <<-'PY'
	import json, statistics, sys, time, urllib.request
	url, n = sys.argv[1], int(sys.argv[2])
	def call():
	    t = time.perf_counter()
	    with urllib.request.urlopen(url, timeout=120) as r:
	        body = r.read()
	    return (time.perf_counter() - t) * 1000, body
	call()
	ms = []
	for _ in range(n):
	    t, body = call()
	    ms.append(t)
	ms.sort()
	d = json.loads(body)
	cover = ""
	for k in ("stats", "summary", "leads", "count"):
	    if k in d:
	        v = d[k]
	        cover = v.get("total_sales") if isinstance(v, dict) else (sum(x.get("sales_count", 0) for x in v) if isinstance(v, list) else v)
	        break
	for k in ("sources", "campaigns", "daily_stats"):
	    if cover == "" and k in d:
	        cover = sum(x["sales_count"] for x in d[k])
	if cover == "" and "dynamics" in d:
	    cover = sum(x["sales_count"] for x in d["dynamics"])
	if cover == "" and "teams" in d:
	    cover = sum(x["sales"] for x in d["teams"])
	p95 = ms[max(0, int(round(0.95 * len(ms))) - 1)]
	print("%8.1f %8.1f  %s" % (statistics.median(ms), p95, cover))
	PY
}

# BENCH_HOLD=1: keep the loaded stack for EXPLAIN until $STACK/hold is
# removed (prints how to reach it).
if [ -n "${BENCH_HOLD:-}" ]; then
	touch "$STACK/hold"
	echo "holding: URL=$URL; psql -h $STACK/pgsock -U amosync traffic; rm $STACK/hold to go on"
	while [ -e "$STACK/hold" ]; do sleep 2; done
fi

ranges() { # DAYS: START for a range of DAYS days ending on END
	date -d "$END - $(($1 - 1)) days" +%F
}
printf '%-58s %8s %8s  %s\n' "endpoint (range)" "median" "p95" "sales covered"
for days in 30 365; do
	S=$(ranges "$days")
	q="start=$S&end=$END"
	for path in \
		"/api/amocrm/sales-history?$q" \
		"/api/amocrm/sales-history?$q&targetologist=Muha" \
		"/api/amocrm/sales-stats?$q" \
		"/api/utm-analytics/overview?$q" \
		"/api/utm-analytics/top-sources?$q" \
		"/api/utm-analytics/top-campaigns?$q" \
		"/api/utm-analytics/without-utm?$q" \
		"/api/utm-analytics/daily-stats?$q&source=facebook" \
		"/api/utm-analytics/search?$q&utm_campaign=campaign_17" \
		"/api/utm-analytics/source-details/google?$q" \
		"/api/traffic/dynamics?$q&granularity=week&group=targetologist" \
		"/api/traffic/dynamics?$q&granularity=day&group=utm_source" \
		"/api/traffic/funnel?$q&pipeline_id=10350882" \
		"/api/traffic/funnel?$q&pipeline_id=10350882&targetologist=Muha" \
		"/api/traffic/roi?$q" \
		"/api/traffic/ad-spend?$q"; do
		label=${path%%\?*}
		case $path in
		*targetologist=*) label="$label (Muha)" ;;
		*granularity=week*) label="$label (week, team)" ;;
		*granularity=day*) label="$label (day, source)" ;;
		esac
		[ -z "${BENCH_ONLY:-}" ] || printf '%s' "$label" | grep -Eq -- "$BENCH_ONLY" || continue
		printf '%-58s %s\n' "$label, $days d" "$(time_calls "$path")"
	done
done
echo "expected sales in the 30-day range: $(traffic "SELECT count(*) FROM all_sales_tracking WHERE sale_date >= '$(ranges 30) 00:00+05' AND sale_date < '$END 00:00+05'::timestamptz + interval '1 day'")," \
	"365-day: $(traffic "SELECT count(*) FROM all_sales_tracking WHERE sale_date >= '$(ranges 365) 00:00+05' AND sale_date < '$END 00:00+05'::timestamptz + interval '1 day'")"
