-- The UTM analysis reports (lib/report/utm.c) without scanning a
-- period's sales (issue 10: every report under 100 ms). utm_sales_stats
-- holds, per day and per month of report_settings.timezone and per
-- utm_source, utm_medium, utm_campaign (NULL and '' kept apart, as the
-- reports show them) and team ('Unknown': none): the sales, their
-- revenue, the first and the last sale. A report sums the months wholly
-- in its period and the days of the rest.
--
-- Kept by the triggers below in the transaction of every change to a
-- sale, whoever makes it (as traffic_sales_stats, 008); they are the
-- table's only writer. A change of report_settings.timezone recomputes
-- it (utm_sales_stats_rebuild()).
CREATE TABLE IF NOT EXISTS utm_sales_stats (
	period text NOT NULL CHECK (period IN ('day', 'month')),
	d date NOT NULL,
	utm_source text,
	utm_medium text,
	utm_campaign text,
	team text NOT NULL,
	n bigint NOT NULL,
	revenue numeric NOT NULL,
	first_at timestamptz NOT NULL,
	last_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS utm_sales_stats_key_idx
	ON utm_sales_stats (period, d, utm_source, utm_medium, utm_campaign, team)
	NULLS NOT DISTINCT;
-- The groups of a period are few (a report sums them into a hash table,
-- not a sort): tell the planner.
CREATE STATISTICS IF NOT EXISTS utm_sales_stats_groups (ndistinct)
	ON utm_source, utm_medium, utm_campaign, team FROM utm_sales_stats;
-- A report reads a few tens of thousands of its rows: one process does
-- it sooner than a parallel plan starts its workers.
ALTER TABLE utm_sales_stats SET (parallel_workers = 0);
-- A report for one source (daily-stats, source-details, top-campaigns).
CREATE INDEX IF NOT EXISTS utm_sales_stats_source_idx
	ON utm_sales_stats (utm_source, period, d);
-- without-utm lists its sales newest first.
CREATE INDEX IF NOT EXISTS all_sales_tracking_no_utm_idx
	ON all_sales_tracking (sale_date DESC, id DESC)
	WHERE nullif(utm_source, '') IS NULL AND nullif(utm_campaign, '') IS NULL;

-- The sales stored before these triggers existed.
INSERT INTO amosync_rebuilds (call) VALUES ('utm_sales_stats_rebuild()')
	ON CONFLICT DO NOTHING;

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 17eb43058427bea6
-- amosync-migrate: was 818a3258186d2c77
