-- traffic_sales_stats always equals the aggregate of all_sales_tracking
-- (R15): one 'daily' row per day, team and utm_source, kept by triggers
-- in the transaction of every change to a sale, whoever makes it: a new
-- sale (sales/track.c), its enrichment (amount, UTM), re-attribution
-- (track_set_teams), a correction or a deletion. These triggers are the
-- table's only writer. A sale without a team is 'Unknown'; flagman means
-- an amount of 50,000 or more, express less (the original's split).
--
-- Days are those of report_settings.timezone (Asia/Almaty). If
-- AMOSYNC_TIMEZONE is set to another zone, set it here too and rebuild:
--   SELECT traffic_sales_stats_rebuild('Europe/Moscow');

CREATE TABLE IF NOT EXISTS report_settings (
	id boolean PRIMARY KEY DEFAULT true CHECK (id),
	timezone text NOT NULL DEFAULT 'Asia/Almaty'
);
INSERT INTO report_settings (id) VALUES (true) ON CONFLICT DO NOTHING;

-- One row per day, team and source (no source: NULL, '' alike).
ALTER TABLE traffic_sales_stats
	DROP CONSTRAINT IF EXISTS traffic_sales_stats_date_period_type_team_name_key;
CREATE UNIQUE INDEX IF NOT EXISTS traffic_sales_stats_key_idx
	ON traffic_sales_stats (date, period_type, team_name, (coalesce(utm_source, '')));

-- The sales stored before these triggers existed.
INSERT INTO amosync_rebuilds (call) VALUES ('traffic_sales_stats_rebuild()')
	ON CONFLICT DO NOTHING;

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 4f672b4be0ddb6ca
