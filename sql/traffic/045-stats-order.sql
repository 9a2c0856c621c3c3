-- The statistics rebuilds of 043 (run by operators after a time zone
-- change, and on an existing database) write their rows in the order the
-- reports read them: day by day (and month by month), by source within a
-- day. A report over a period then reads a few adjacent pages instead of
-- rows scattered over the whole table: at 1,000,000 sales, the UTM
-- overview of 365 days read 13,049 pages of utm_sales_stats before and
-- 1,164 after (issue 10). Rows added later by sales_stats_pending_apply()
-- arrive day by day anyway. Same definitions as 043 otherwise.
CREATE OR REPLACE FUNCTION traffic_sales_stats_rebuild(new_tz text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	tz text;
	n bigint;
BEGIN
	IF new_tz IS NOT NULL THEN
		PERFORM now() AT TIME ZONE new_tz; -- an unknown zone fails here
		UPDATE report_settings SET timezone = new_tz;
	END IF;
	tz := (SELECT timezone FROM report_settings);
	LOCK TABLE all_sales_tracking IN SHARE MODE;
	-- The UTM table takes its share of the pending sales first.
	PERFORM sales_stats_pending_apply();
	DELETE FROM traffic_sales_stats WHERE period_type = 'daily';
	INSERT INTO traffic_sales_stats (date, period_type, team_name, team_id,
		utm_source, utm_medium, total_sales, total_revenue,
		average_order_value, flagman_sales, flagman_revenue,
		express_sales, express_revenue)
	SELECT g.d, 'daily', g.team, (SELECT id FROM traffic_teams WHERE name = g.team),
		g.src, NULL, g.n, g.revenue, round(g.revenue / g.n, 2),
		g.fn, g.fr, g.n - g.fn, g.revenue - g.fr
	FROM (SELECT (sale_date AT TIME ZONE tz)::date AS d,
			coalesce(targetologist, 'Unknown') AS team,
			nullif(utm_source, '') AS src, count(*) AS n,
			sum(sale_amount) AS revenue,
			count(*) FILTER (WHERE sale_amount >= 50000) AS fn,
			coalesce(sum(sale_amount) FILTER (WHERE sale_amount >= 50000), 0) AS fr
		FROM all_sales_tracking WHERE sale_date IS NOT NULL
			AND verification <> 'unverified' -- 040:
		GROUP BY 1, 2, 3) g
	ORDER BY g.d, g.team, g.src;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

CREATE OR REPLACE FUNCTION utm_sales_stats_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
	total bigint;
BEGIN
	LOCK TABLE all_sales_tracking IN SHARE MODE;
	-- traffic_sales_stats takes its share of the pending sales first.
	PERFORM sales_stats_pending_apply();
	DELETE FROM utm_sales_stats;
	INSERT INTO utm_sales_stats (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT 'day', (sale_date AT TIME ZONE tz)::date, utm_source,
		utm_medium, utm_campaign, coalesce(targetologist, 'Unknown'),
		count(*), sum(sale_amount), min(sale_date), max(sale_date)
	FROM all_sales_tracking WHERE sale_date IS NOT NULL
		AND verification <> 'unverified' -- 040:
	GROUP BY 1, 2, 3, 4, 5, 6
	ORDER BY 2, 3, 5;
	INSERT INTO utm_sales_stats (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT 'month', date_trunc('month', d)::date, utm_source, utm_medium,
		utm_campaign, team, sum(n), sum(revenue), min(first_at),
		max(last_at)
	FROM utm_sales_stats WHERE period = 'day'
	GROUP BY 1, 2, 3, 4, 5, 6
	ORDER BY 2, 3, 5;
	SELECT count(*) INTO total FROM utm_sales_stats;
	RETURN total;
END $$;

