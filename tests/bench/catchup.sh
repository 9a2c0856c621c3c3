#!/usr/bin/env bash
# The catch-up of a backlog (issue 21): BENCH_SALES sales (default 50,000)
# and their leads' events (1 to 3 each) arrive with no catch-up running,
# then 1 and then 2 callers drain them the way the worker does (a sales
# batch, a leads batch, again until both are 0, each call its own
# transaction). Prints per run: the wall time until nothing is pending,
# the longest single call, the calls made, and the rows each statistics
# table then holds next to a fresh GROUP BY (so a fast wrong drain cannot
# pass for a right one). BENCH_OLD_SQL=DIR: first replace the catch-up
# functions with DIR's sales_stats.sql, utm_stats.sql and funnel.sql (an
# older tree's sql/traffic/functions), for the figures before. Figures,
# not a test.
BENCH_SALES=${BENCH_SALES:-50000}

. "$top_srcdir/tests/integ/lib.sh"
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
traffic() { sql traffic "$1"; }

if [ -n "${BENCH_OLD_SQL:-}" ]; then
	traffic "DROP FUNCTION sales_stats_pending_apply(integer);
		DROP FUNCTION funnel_pending_apply(integer)" >/dev/null
	for f in sales_stats utm_stats funnel; do
		stack_psql "$STACK" traffic -q -f "$BENCH_OLD_SQL/$f.sql" >/dev/null
	done
	echo "functions: $BENCH_OLD_SQL"
else
	echo "functions: this tree"
fi

backlog() {
	traffic "TRUNCATE all_sales_tracking, lead_events" >/dev/null
	traffic "DELETE FROM sales_stats_pending; DELETE FROM funnel_pending;
		DELETE FROM funnel_leads; DELETE FROM funnel_day_leads;
		DELETE FROM funnel_day_gaps; DELETE FROM funnel_team_day_leads;
		DELETE FROM funnel_team_day_gaps" >/dev/null
	traffic "INSERT INTO all_sales_tracking (lead_id, targetologist,
			sale_amount, utm_source, utm_medium, utm_campaign, sale_date,
			pipeline_id, status_id)
		SELECT (700000 + i)::text,
			(ARRAY['Kenesary', 'Arystan', 'Muha', 'Traf4', NULL])[1 + i % 5],
			CASE WHEN i % 10 = 0 THEN 490000 ELSE 5000 + i % 1000 END,
			(ARRAY['fb_kenesary', 'facebook', 'instagram', 'google', NULL])[1 + i % 5],
			(ARRAY['cpc', NULL, 'social'])[1 + i % 3],
			'campaign_' || (i % 200),
			timestamptz '2025-10-01 00:00+05' + (i % 8640) * interval '15 minutes',
			'10350882', '142'
		FROM generate_series(1, $BENCH_SALES) AS i" >/dev/null
	traffic "INSERT INTO lead_events (lead_id, action, pipeline_id,
			old_pipeline_id, status_id, old_status_id, lead_updated_at,
			event_at)
		SELECT 700000 + i, 'status', 10350882, 10350882, s.st, s.old, s.k,
			timestamptz '2025-10-01 00:00+05' + (i % 8640) * interval '15 minutes'
				- (4 - s.k) * interval '1 hour'
		FROM generate_series(1, $BENCH_SALES) AS i,
			(VALUES (81854574, 0, 1), (81856842, 81854574, 2),
				(142, 81856842, 3)) AS s(st, old, k)
		WHERE s.k <= 1 + i % 3" >/dev/null
	traffic "VACUUM ANALYZE" >/dev/null
}

# caller N: drains as the worker does (tools/worker.c, funnel_catch_up());
# writes "calls longest_ms" to
# $STACK/caller-N.out.
caller() {
	local n=$1 calls=0 longest=0 t0 ms s f
	while :; do
		t0=$(date +%s%N)
		s=$(traffic "SELECT sales_stats_pending_apply()")
		ms=$((($(date +%s%N) - t0) / 1000000))
		[ "$ms" -gt "$longest" ] && longest=$ms
		calls=$((calls + 1))
		f=0
		if [ -n "$s" ] && [ "$s" -lt 2000 ]; then
			# The sales first (funnel_catch_up()): each marks its lead.
			t0=$(date +%s%N)
			f=$(traffic "SELECT funnel_pending_apply()")
			ms=$((($(date +%s%N) - t0) / 1000000))
			[ "$ms" -gt "$longest" ] && longest=$ms
			calls=$((calls + 1))
		fi
		[ "$s" = 0 ] && [ "$f" = 0 ] && break
		[ -n "$s" ] && [ -n "$f" ] || break
	done
	echo "$calls $longest" >"$STACK/caller-$n.out"
}

check() {
	traffic "SELECT
		(SELECT count(*) FROM sales_stats_pending) || ' sales and ' ||
		(SELECT count(*) FROM funnel_pending) || ' leads pending; ' ||
		'traffic_sales_stats ' || (SELECT sum(total_sales) FROM traffic_sales_stats)
		|| ' sales of ' || (SELECT count(*) FROM all_sales_tracking) || '; ' ||
		'utm days ' || (SELECT sum(n) FROM utm_sales_stats WHERE period = 'day') ||
		', months ' || (SELECT sum(n) FROM utm_sales_stats WHERE period = 'month') ||
		', day table ' || (SELECT sum(n) FROM utm_day_campaign_stats) || '; ' ||
		'funnel leads ' || (SELECT sum(n) FROM funnel_day_leads) || ' of ' ||
		(SELECT count(DISTINCT lead_id) FROM lead_events) || ', team leads ' ||
		(SELECT sum(n) FROM funnel_team_day_leads)"
}

for callers in 1 2; do
	backlog
	echo "backlog: $(traffic "SELECT count(*) FROM sales_stats_pending") sales," \
		"$(traffic "SELECT count(*) FROM funnel_pending") leads," \
		"$(traffic "SELECT count(*) FROM lead_events") events"
	t0=$(date +%s%N)
	pids=
	for c in $(seq "$callers"); do
		caller "$c" &
		pids="$pids $!"
	done
	wait $pids
	ms=$((($(date +%s%N) - t0) / 1000000))
	for c in $(seq "$callers"); do
		read -r calls longest <"$STACK/caller-$c.out"
		echo "  caller $c: $calls calls, longest $longest ms"
	done
	echo "$callers caller(s): drained in $ms ms"
	echo "  $(check)"
done
