#!/usr/bin/env bash
# Catch-ups that scale (issue 21, item 2): a backlog of sales and leads is
# applied in bounded batches that several callers run at once, and no
# report waits for one. The worker is paused while CATCHUP_SALES sales and
# their leads' events arrive (inserted as the webhooks store them, so they
# land in sales_stats_pending and funnel_pending); a catch-up is then held
# open in another session (its batch applied, not committed) while every
# report is asked: each answers 200 within 2 s with the figures of a fresh
# GROUP BY of the sales (the funnel: from its applied sums, saying how
# much is pending). Then the held catch-up is cancelled, the worker and
# two more callers drain the backlog at once, and every statistics table
# equals a fresh GROUP BY of the sales (the funnel's: a rebuild's).
. "$top_srcdir/tests/integ/lib.sh"
integ_up

N=${CATCHUP_SALES:-20000}
P=10350882
FROM=2025-11-01
TO=2025-11-30
traffic() { sql traffic "$1"; }

# --- the backlog --------------------------------------------------------------
traffic "INSERT INTO all_sales_tracking (lead_id, targetologist, sale_amount,
		utm_source, utm_medium, utm_campaign, sale_date, pipeline_id,
		status_id, verification)
	SELECT (700000 + i)::text,
		(ARRAY['Kenesary', 'Arystan', 'Muha', NULL])[1 + i % 4],
		(ARRAY[5000, 12500.50, 49999.99, 50000, 150000])[1 + i % 5],
		(ARRAY['facebook', 'instagram', '', NULL, 'google'])[1 + i % 5],
		(ARRAY['cpc', NULL, 'stories'])[1 + i % 3],
		(ARRAY['spring', 'autumn', NULL, 'black-friday'])[1 + i % 7 % 4],
		timestamptz '2025-10-31 19:00+00' + (i % 2881) * interval '15 minutes',
		'$P', '142',
		CASE WHEN i % 97 = 0 THEN 'unverified' ELSE 'verified' END
	FROM generate_series(1, $N) AS i" >/dev/null
traffic "INSERT INTO lead_events (lead_id, action, pipeline_id,
		old_pipeline_id, status_id, old_status_id, lead_updated_at, event_at)
	SELECT 700000 + i, 'status', $P, $P, s.st, s.old, s.k,
		timestamptz '2025-10-31 18:00+00' + (i % 2881) * interval '15 minutes'
			+ s.k * interval '20 minutes'
	FROM generate_series(1, $N) AS i,
		(VALUES (81854574, 0, 1), (81856842, 81854574, 2), (142, 81856842, 3))
			AS s(st, old, k)
	WHERE s.k <= 1 + i % 3" >/dev/null
is "$(traffic "SELECT (SELECT count(*) FROM sales_stats_pending) || '/' ||
	(SELECT count(*) FROM funnel_pending)")" "$N/$N" \
	"backlog: $N sales and $N leads pending, the worker paused"

# --- a catch-up held open -------------------------------------------------------
# It applies a batch (before issue 21: everything, under the one advisory
# lock every caller took) and sleeps before its COMMIT.
stack_psql "$STACK" traffic -q >"$STACK/held.log" 2>&1 <<EOF &
BEGIN;
SELECT sales_stats_pending_apply();
SELECT funnel_pending_apply();
SELECT pg_sleep(300);
COMMIT;
EOF
HELD=$!
held() { [ "$(traffic "SELECT count(*) FROM pg_stat_activity
	WHERE query LIKE 'SELECT pg_sleep(300)%' AND state = 'active'")" = 1 ]; }
wait_for 120 held
is "$(held && echo held)" held "a catch-up holds its batch open"

# timed PATH: sets STATUS, BODY and SECS (the answer's time).
timed() {
	local out
	out=$(curl -sS -m 35 -o "$STACK/body" -w '%{http_code} %{time_total}' \
		"$URL$1")
	STATUS=${out%% *}
	SECS=${out#* }
	BODY=$(cat "$STACK/body")
}
fast() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 2 else 1)' "$1"; }
# The period's counted sales, grouped by the SQL expression $1 (a fresh
# GROUP BY): "key|n|revenue" lines, sorted.
want() {
	traffic "SELECT $1, count(*), trim_scale(sum(sale_amount))
		FROM all_sales_tracking WHERE verification <> 'unverified'
		AND sale_date >= '$FROM'::date::timestamp AT TIME ZONE 'Asia/Almaty'
		AND sale_date < ('$TO'::date + 1)::timestamp AT TIME ZONE 'Asia/Almaty'
		GROUP BY 1 ORDER BY 1" | sed 's/^|/null|/'
}
# got EXPR: the answer's "key|n|revenue" lines; EXPR a Python expression
# over d giving (key, n, revenue) tuples.
got() {
	python3 -c '
import json, sys
from decimal import Decimal
d = json.loads(sys.argv[1], parse_float=Decimal)
rows = sorted(("null" if k is None else str(k), n, Decimal(str(r)).normalize())
	for k, n, r in eval(sys.argv[2]) if n)
for k, n, r in rows:
	print("%s|%s|%s" % (k, n, "{:f}".format(r)))' "$BODY" "$1"
}
# Sorted the way want() sorts: by key, in the database's collation.
team='coalesce(targetologist, '"'"'Unknown'"'"')'
src='coalesce(nullif(utm_source, '"''"'), '"'"'No UTM Source'"'"')'

timed "/api/amocrm/sales-stats?start=$FROM&end=$TO"
is "$STATUS" 200 "sales-stats: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "sales-stats: answered in under 2 s ($SECS s)"
is "$(got '[(s["targetologist"], s["sales_count"], s["total_revenue"]) for s in d["stats"]]' | sort)" \
	"$(want "$team" | sort)" "sales-stats: the figures of a fresh GROUP BY of the sales"

timed "/api/amocrm/sales-history?start=$FROM&end=$TO&limit=1"
is "$STATUS" 200 "sales-history: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "sales-history: answered in under 2 s ($SECS s)"
is "$(got '[("all", d["stats"]["total_sales"], d["stats"]["total_revenue"])]')" \
	"$(want "'all'")" "sales-history: the totals of a fresh GROUP BY"

timed "/api/traffic/roi?start=$FROM&end=$TO"
is "$STATUS" 200 "roi: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "roi: answered in under 2 s ($SECS s)"
is "$(got '[(t["team"], t["sales"], t["revenue"]) for t in d["teams"]]' | sort)" \
	"$(want "$team" | sort)" "roi: sales and revenue of a fresh GROUP BY"

timed "/api/traffic/dynamics?granularity=day&group=utm_source&start=$FROM&end=$TO"
is "$STATUS" 200 "dynamics: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "dynamics: answered in under 2 s ($SECS s)"
is "$(got '[(x["bucket"] + "/" + x["group"], x["sales_count"], x["revenue"]) for x in d["dynamics"]]' | sort)" \
	"$(want "to_char((sale_date AT TIME ZONE 'Asia/Almaty')::date, 'YYYY-MM-DD') || '/' || $src" | sort)" \
	"dynamics: every day and source of a fresh GROUP BY"

timed "/api/utm-analytics/overview?start=$FROM&end=$TO"
is "$STATUS" 200 "utm overview: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "utm overview: answered in under 2 s ($SECS s)"
is "$(got '[(x["source"], x["sales"], x["revenue"]) for x in d["by_source"]]' | sort)" \
	"$(want "$src" | sort)" "utm overview: by source, a fresh GROUP BY"
is "$(got '[("all", d["summary"]["total_sales"], d["summary"]["total_revenue"])]')" \
	"$(want "'all'")" "utm overview: the totals of a fresh GROUP BY"

timed "/api/utm-analytics/daily-stats?start=$FROM&end=$TO&limit=100000"
is "$STATUS" 200 "utm daily-stats: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "utm daily-stats: answered in under 2 s ($SECS s)"
is "$(got '[(x["date"] + "/" + str(x["utm_source"]) + "/" + str(x["utm_campaign"]), x["sales_count"], x["daily_revenue"]) for x in d["daily_stats"]]' | sort)" \
	"$(want "to_char((sale_date AT TIME ZONE 'Asia/Almaty')::date, 'YYYY-MM-DD') || '/' || coalesce(utm_source, 'None') || '/' || coalesce(utm_campaign, 'None')" | sort)" \
	"utm daily-stats: every day, source and campaign of a fresh GROUP BY"

timed "/api/traffic/funnel?pipeline_id=$P&start=$FROM&end=$TO"
is "$STATUS" 200 "funnel: 200 while a catch-up is held"
ok "$(fast "$SECS"; echo $?)" "funnel: answered in under 2 s ($SECS s)"
like "$(python3 -c 'import json,sys; p=json.loads(sys.argv[1])["pending"]; print("sales=%d leads=%d" % (p["sales"], p["leads"]))' "$BODY" 2>&1)" \
	'^sales=[0-9]+ leads=[1-9][0-9]*$' "funnel: says how many leads its sums do not count yet"
is "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sorted(d))' "$BODY")" \
	"['leads', 'lost', 'pending', 'period', 'pipeline_id', 'stages', 'success', 'targetologist', 'won']" \
	"funnel: every member kept, pending added"

# --- the worker and two more callers drain the backlog -------------------------
# The held catch-up fails (cancelled) and rolls back: its batch is pending
# again. (While it held its batch, the others could claim theirs, but
# would wait at the day rows it had written: a real batch holds them for
# well under a second.)
traffic "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
	WHERE query LIKE 'SELECT pg_sleep(300)%'" >/dev/null
wait "$HELD"
rest() { traffic "SELECT (SELECT count(*) FROM sales_stats_pending) + (SELECT count(*) FROM funnel_pending)"; }
is "$(rest)" "$((2 * N))" "the cancelled catch-up left its batch pending"
CALLERS=
for c in 1 2; do
	(for i in $(seq 200); do
		[ "$(traffic "SELECT sales_stats_pending_apply(700) + funnel_pending_apply(700)")" = 0 ] && break
	done) >"$STACK/caller-$c.log" 2>&1 &
	CALLERS="$CALLERS $!"
done
stack_start_worker "$STACK" "$top_builddir" 1
t0=$(date +%s)
for i in $(seq 1200); do [ "$(rest)" = 0 ] && break; sleep 0.2; done
echo "# drained in $(($(date +%s) - t0)) s"
is "$(rest)" 0 "the worker and two callers at once drain everything"
wait $CALLERS
is "$(cat "$STACK"/caller-*.log)" "" "the concurrent callers had no error (no deadlock left to them)"

# --- every statistics table equals a fresh GROUP BY of the sales ----------------
is "$(traffic "WITH f AS (SELECT (sale_date AT TIME ZONE 'Asia/Almaty')::date AS d,
		coalesce(targetologist, 'Unknown') AS t, coalesce(nullif(utm_source, ''), '') AS s,
		count(*) AS n, sum(sale_amount) AS r,
		count(*) FILTER (WHERE sale_amount >= 50000) AS fn
	FROM all_sales_tracking WHERE sale_date IS NOT NULL AND verification <> 'unverified'
	GROUP BY 1, 2, 3),
	a AS (SELECT date, team_name, coalesce(utm_source, ''), total_sales::bigint,
		total_revenue, flagman_sales::bigint FROM traffic_sales_stats
	WHERE period_type = 'daily')
	SELECT (SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM a) x) || '/' ||
		(SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM f) x)")" "0/0" \
	"traffic_sales_stats equals a fresh GROUP BY"
is "$(traffic "WITH f AS (SELECT p.period, CASE p.period WHEN 'day'
			THEN (sale_date AT TIME ZONE 'Asia/Almaty')::date
			ELSE date_trunc('month', sale_date AT TIME ZONE 'Asia/Almaty')::date END AS d,
		utm_source, utm_medium, utm_campaign, coalesce(targetologist, 'Unknown') AS t,
		count(*) AS n, sum(sale_amount) AS r, min(sale_date) AS f, max(sale_date) AS l
	FROM all_sales_tracking, (VALUES ('day'), ('month')) AS p(period)
	WHERE sale_date IS NOT NULL AND verification <> 'unverified'
	GROUP BY 1, 2, 3, 4, 5, 6),
	a AS (SELECT period, d, utm_source, utm_medium, utm_campaign, team, n, revenue,
		first_at, last_at FROM utm_sales_stats)
	SELECT (SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM a) x) || '/' ||
		(SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM f) x)")" "0/0" \
	"utm_sales_stats (days and months) equals a fresh GROUP BY"
is "$(traffic "WITH f AS (SELECT (sale_date AT TIME ZONE 'Asia/Almaty')::date AS d,
		utm_source, utm_campaign, count(*) AS n, sum(sale_amount) AS r
	FROM all_sales_tracking WHERE sale_date IS NOT NULL AND verification <> 'unverified'
	GROUP BY 1, 2, 3),
	a AS (SELECT d, utm_source, utm_campaign, n, revenue FROM utm_day_campaign_stats)
	SELECT (SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM a) x) || '/' ||
		(SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM f) x)")" "0/0" \
	"utm_day_campaign_stats equals a fresh GROUP BY"
# The funnel's sums: equal to a rebuild's from the events and the sales.
fsums() {
	traffic "SELECT string_agg(x, ' ' ORDER BY x) FROM (
		SELECT 'L' || format('%s', (d.*)) AS x FROM funnel_day_leads d
		UNION ALL SELECT 'G' || format('%s', (d.*)) FROM funnel_day_gaps d
		UNION ALL SELECT 'TL' || format('%s', (d.*)) FROM funnel_team_day_leads d
		UNION ALL SELECT 'TG' || format('%s', (d.*)) FROM funnel_team_day_gaps d
		UNION ALL SELECT 'F' || format('%s', (f.pipeline_id, f.lead_id, f.first_day,
			f.last_day, f.rk, f.won, f.lost, f.team, f.gap_rk, f.gap_s))
		FROM funnel_leads f) s" | md5sum
}
applied=$(fsums)
is "$(traffic "SELECT count(*) FROM funnel_team_day_leads WHERE n <> 0")" \
	"$(traffic "SELECT count(*) FROM funnel_team_day_leads")" "funnel: no team row left at zero"
traffic "SELECT funnel_leads_rebuild()" >/dev/null
is "$applied" "$(fsums)" "funnel_leads, funnel_day_* and funnel_team_day_* equal a rebuild from the events and the sales"
timed "/api/traffic/funnel?pipeline_id=$P&start=$FROM&end=$TO"
is "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pending"])' "$BODY")" \
	"{'sales': 0, 'leads': 0}" "funnel: nothing pending once drained"

integ_check_logs
