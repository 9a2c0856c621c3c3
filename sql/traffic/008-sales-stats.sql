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

-- Adds (sign 1) or takes away (sign -1) one sale of a day, team, source.
CREATE OR REPLACE FUNCTION traffic_sales_stats_apply(d date, team text,
	src text, amount numeric, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO traffic_sales_stats AS s (date, period_type, team_name,
		team_id, utm_source, utm_medium, total_sales, total_revenue,
		average_order_value, flagman_sales, flagman_revenue,
		express_sales, express_revenue)
	VALUES (d, 'daily', team,
		(SELECT id FROM traffic_teams WHERE name = team), src, NULL,
		sign, sign * amount, amount,
		CASE WHEN amount >= 50000 THEN sign ELSE 0 END,
		CASE WHEN amount >= 50000 THEN sign * amount ELSE 0 END,
		CASE WHEN amount < 50000 THEN sign ELSE 0 END,
		CASE WHEN amount < 50000 THEN sign * amount ELSE 0 END)
	ON CONFLICT (date, period_type, team_name, (coalesce(utm_source, '')))
	DO UPDATE SET
		total_sales = s.total_sales + EXCLUDED.total_sales,
		total_revenue = s.total_revenue + EXCLUDED.total_revenue,
		flagman_sales = s.flagman_sales + EXCLUDED.flagman_sales,
		flagman_revenue = s.flagman_revenue + EXCLUDED.flagman_revenue,
		express_sales = s.express_sales + EXCLUDED.express_sales,
		express_revenue = s.express_revenue + EXCLUDED.express_revenue,
		average_order_value = CASE
			WHEN s.total_sales + EXCLUDED.total_sales > 0
			THEN round((s.total_revenue + EXCLUDED.total_revenue)
				/ (s.total_sales + EXCLUDED.total_sales), 2)
			ELSE 0 END;
	DELETE FROM traffic_sales_stats
	WHERE date = d AND period_type = 'daily' AND team_name = team
		AND coalesce(utm_source, '') = coalesce(src, '')
		AND total_sales <= 0;
END $$;

CREATE OR REPLACE FUNCTION all_sales_tracking_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.sale_date IS NOT NULL THEN
		PERFORM traffic_sales_stats_apply(
			(OLD.sale_date AT TIME ZONE tz)::date,
			coalesce(OLD.targetologist, 'Unknown'),
			nullif(OLD.utm_source, ''), OLD.sale_amount, -1);
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.sale_date IS NOT NULL THEN
		PERFORM traffic_sales_stats_apply(
			(NEW.sale_date AT TIME ZONE tz)::date,
			coalesce(NEW.targetologist, 'Unknown'),
			nullif(NEW.utm_source, ''), NEW.sale_amount, 1);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER all_sales_tracking_stats_ins_del
	AFTER INSERT OR DELETE ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION all_sales_tracking_stats();
CREATE OR REPLACE TRIGGER all_sales_tracking_stats_upd
	AFTER UPDATE OF sale_date, targetologist, utm_source, sale_amount
	ON all_sales_tracking FOR EACH ROW
	WHEN (OLD.sale_date IS DISTINCT FROM NEW.sale_date
		OR OLD.targetologist IS DISTINCT FROM NEW.targetologist
		OR nullif(OLD.utm_source, '') IS DISTINCT FROM nullif(NEW.utm_source, '')
		OR OLD.sale_amount IS DISTINCT FROM NEW.sale_amount)
	EXECUTE FUNCTION all_sales_tracking_stats();

CREATE OR REPLACE FUNCTION all_sales_tracking_stats_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM traffic_sales_stats WHERE period_type = 'daily';
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER all_sales_tracking_stats_truncate
	AFTER TRUNCATE ON all_sales_tracking
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_stats_truncate();

-- Recomputes every daily row from the sales (optionally in a new time
-- zone), in the caller's transaction. Safe to run at any time.
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
		GROUP BY 1, 2, 3) g;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- The sales stored before these triggers existed.
SELECT traffic_sales_stats_rebuild();
