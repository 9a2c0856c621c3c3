-- UTM daily-stats (lib/report/utm.c, utm_daily()) in the order it
-- answers, without a GROUP BY or a sort: utm_day_campaign_stats holds
-- utm_sales_stats's days summed over medium and team, per day,
-- utm_source and utm_campaign (NULL and '' kept apart), and its indexes
-- hold the report's order. A year of one source at 1,000,000 sales is
-- 71,428 rows: grouping and sorting them took 150 ms of a 180 ms answer
-- (issue 10: every report under 100 ms).
--
-- Kept by the statement triggers below from every change to
-- utm_sales_stats's day rows, whoever makes it (the pending apply, a
-- correction's recount, a rebuild): they are the table's only writer.
CREATE TABLE IF NOT EXISTS utm_day_campaign_stats (
	d date NOT NULL,
	utm_source text,
	utm_campaign text,
	n bigint NOT NULL,
	revenue numeric NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS utm_day_campaign_stats_key_idx
	ON utm_day_campaign_stats (d, utm_source, utm_campaign)
	NULLS NOT DISTINCT;
-- The report's order, read backwards: day and revenue descending, then
-- source and campaign ascending; one source's, and every source's.
CREATE INDEX IF NOT EXISTS utm_day_campaign_stats_source_idx
	ON utm_day_campaign_stats (utm_source, d, revenue, utm_campaign DESC)
	INCLUDE (n);
CREATE INDEX IF NOT EXISTS utm_day_campaign_stats_order_idx
	ON utm_day_campaign_stats (d, revenue, utm_source DESC,
		utm_campaign DESC) INCLUDE (n);
CREATE INDEX IF NOT EXISTS utm_day_campaign_stats_zero_idx
	ON utm_day_campaign_stats (d) WHERE n = 0;
ALTER TABLE utm_day_campaign_stats SET (parallel_workers = 0);

-- The days stored before this migration.
DELETE FROM utm_day_campaign_stats;
INSERT INTO utm_day_campaign_stats (d, utm_source, utm_campaign, n, revenue)
SELECT d, utm_source, utm_campaign, sum(n), sum(revenue)
FROM utm_sales_stats WHERE period = 'day'
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was b8fa7d449dbf33a4
