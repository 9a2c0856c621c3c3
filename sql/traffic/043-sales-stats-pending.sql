-- The sales statistics (traffic_sales_stats, 008; utm_sales_stats, 010)
-- are brought up to date after the webhook's transaction, not inside it,
-- as the funnel's are (011). Adding a sale to them in its own transaction
-- made every concurrent sale of the same day, team and source wait for
-- one row (and one advisory lock) until the previous sale's COMMIT: a
-- bulk stage change in amoCRM was stored one sale at a time, and a third
-- of the webhook path's database time was that wait (issue 8).
--
-- A new sale now only marks itself (sales_stats_pending, insert-only, no
-- shared row); sales_stats_pending_apply() adds the marked sales to both
-- tables, a group at a time. Every report that reads them calls it first
-- (lib/report/stats.c, stats_catch_up()), and the worker every few seconds,
-- so the figures a report shows still equal a GROUP BY of the sales. A
-- correction, a re-attribution or a deletion of an applied sale is still
-- applied at once, in its own transaction (008, 010); of a sale not yet
-- applied it changes nothing: the apply reads the sale as it is then.
--
-- Races, each settled by a lock:
-- * two applies: pg_advisory_xact_lock(1012) makes them take turns;
-- * an apply and a change to one of its sales: the apply takes the
--   sales FOR SHARE before it reads them, so it reads the change's result
--   (the change's trigger saw the sale pending and left it), or the change
--   waits for the apply and its trigger sees the sale applied;
-- * an apply and a recount of a UTM group: both take the group's advisory
--   lock (utm_sales_stats_lock); a recount counts applied sales only.
--
-- Unverified sales (040-verification.sql) are left out of both tables, as
-- if they had no sale date: each function below has the condition
-- "verification <> 'unverified'", and the update trigger also fires when
-- a sale's verification changes. A sale that becomes unverified leaves the
-- sums, one verified again joins them; a sale still pending is left to
-- the apply, which reads its verification then.
CREATE TABLE IF NOT EXISTS sales_stats_pending (
	sale_id uuid PRIMARY KEY
);

-- Marks the sales of an INSERT statement.
CREATE OR REPLACE FUNCTION all_sales_tracking_pending() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO sales_stats_pending (sale_id)
	SELECT id FROM new_sales ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS all_sales_tracking_utm_ins ON all_sales_tracking;
DROP TRIGGER IF EXISTS all_sales_tracking_stats_ins_del ON all_sales_tracking;
CREATE OR REPLACE TRIGGER all_sales_tracking_pending
	AFTER INSERT ON all_sales_tracking REFERENCING NEW TABLE AS new_sales
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_pending();
CREATE OR REPLACE TRIGGER all_sales_tracking_stats_del
	AFTER DELETE ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION all_sales_tracking_stats();

-- 008's row trigger, for UPDATE and DELETE only now: a sale not yet
-- applied is left to the apply.
CREATE OR REPLACE FUNCTION all_sales_tracking_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
BEGIN
	IF TG_OP = 'INSERT' OR EXISTS (SELECT 1 FROM sales_stats_pending
			WHERE sale_id = OLD.id) THEN
		RETURN NULL;
	END IF;
	IF OLD.sale_date IS NOT NULL
		AND OLD.verification <> 'unverified' THEN -- 040:
		PERFORM traffic_sales_stats_apply(
			(OLD.sale_date AT TIME ZONE tz)::date,
			coalesce(OLD.targetologist, 'Unknown'),
			nullif(OLD.utm_source, ''), OLD.sale_amount, -1);
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.sale_date IS NOT NULL
		AND NEW.verification <> 'unverified' THEN -- 040:
		PERFORM traffic_sales_stats_apply(
			(NEW.sale_date AT TIME ZONE tz)::date,
			coalesce(NEW.targetologist, 'Unknown'),
			nullif(NEW.utm_source, ''), NEW.sale_amount, 1);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER all_sales_tracking_stats_upd
	AFTER UPDATE OF sale_date, targetologist, utm_source, sale_amount,
		verification -- 040:
	ON all_sales_tracking FOR EACH ROW
	WHEN (OLD.sale_date IS DISTINCT FROM NEW.sale_date
		OR OLD.targetologist IS DISTINCT FROM NEW.targetologist
		OR nullif(OLD.utm_source, '') IS DISTINCT FROM nullif(NEW.utm_source, '')
		OR OLD.sale_amount IS DISTINCT FROM NEW.sale_amount
		OR (OLD.verification = 'unverified') <>
		(NEW.verification = 'unverified')) -- 040:
	EXECUTE FUNCTION all_sales_tracking_stats();

-- 010's recount, counting applied sales only.
CREATE OR REPLACE FUNCTION utm_sales_stats_recount(t timestamptz[],
	src text[], med text[], cmp text[], tm text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
BEGIN
	PERFORM utm_sales_stats_lock(k.m, k.s, k.md, k.c, k.tt)
	FROM (SELECT DISTINCT date_trunc('month', u.t AT TIME ZONE tz)::date AS m,
			u.s, u.md, u.c, u.tt
		FROM unnest(t, src, med, cmp, tm) AS u(t, s, md, c, tt)
		ORDER BY 1, 2, 3, 4, 5) k;
	WITH k AS (SELECT DISTINCT (u.t AT TIME ZONE tz)::date AS d, u.s, u.md,
			u.c, u.tt
		FROM unnest(t, src, med, cmp, tm) AS u(t, s, md, c, tt)),
	g AS (SELECT k.d, k.s, k.md, k.c, k.tt, count(a.id) AS n,
			sum(a.sale_amount) AS r, min(a.sale_date) AS f,
			max(a.sale_date) AS l
		FROM k LEFT JOIN all_sales_tracking a
			ON a.sale_date >= k.d::timestamp AT TIME ZONE tz
			AND a.sale_date < (k.d + 1)::timestamp AT TIME ZONE tz
			AND a.utm_source IS NOT DISTINCT FROM k.s
			AND a.utm_medium IS NOT DISTINCT FROM k.md
			AND a.utm_campaign IS NOT DISTINCT FROM k.c
			AND coalesce(a.targetologist, 'Unknown') = k.tt
			AND NOT EXISTS (SELECT 1 FROM sales_stats_pending p
				WHERE p.sale_id = a.id)
			AND a.verification <> 'unverified' -- 040:
		GROUP BY 1, 2, 3, 4, 5),
	gone AS (DELETE FROM utm_sales_stats x USING g
		WHERE g.n = 0 AND x.period = 'day' AND x.d = g.d
			AND x.utm_source IS NOT DISTINCT FROM g.s
			AND x.utm_medium IS NOT DISTINCT FROM g.md
			AND x.utm_campaign IS NOT DISTINCT FROM g.c
			AND x.team = g.tt)
	INSERT INTO utm_sales_stats AS x (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT 'day', d, s, md, c, tt, n, r, f, l FROM g WHERE n > 0
	ORDER BY 2, 3, 4, 5, 6
	ON CONFLICT (period, d, utm_source, utm_medium, utm_campaign, team)
	DO UPDATE SET n = EXCLUDED.n, revenue = EXCLUDED.revenue,
		first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at;
	WITH k AS (SELECT DISTINCT date_trunc('month', u.t AT TIME ZONE tz)::date
			AS d, u.s, u.md, u.c, u.tt
		FROM unnest(t, src, med, cmp, tm) AS u(t, s, md, c, tt)),
	g AS (SELECT k.d, k.s, k.md, k.c, k.tt, coalesce(sum(y.n), 0) AS n,
			sum(y.revenue) AS r, min(y.first_at) AS f, max(y.last_at) AS l
		FROM k LEFT JOIN utm_sales_stats y
			ON y.period = 'day' AND y.d >= k.d
			AND y.d < (k.d + interval '1 month')::date
			AND y.utm_source IS NOT DISTINCT FROM k.s
			AND y.utm_medium IS NOT DISTINCT FROM k.md
			AND y.utm_campaign IS NOT DISTINCT FROM k.c
			AND y.team = k.tt
		GROUP BY 1, 2, 3, 4, 5),
	gone AS (DELETE FROM utm_sales_stats x USING g
		WHERE g.n = 0 AND x.period = 'month' AND x.d = g.d
			AND x.utm_source IS NOT DISTINCT FROM g.s
			AND x.utm_medium IS NOT DISTINCT FROM g.md
			AND x.utm_campaign IS NOT DISTINCT FROM g.c
			AND x.team = g.tt)
	INSERT INTO utm_sales_stats AS x (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT 'month', d, s, md, c, tt, n, r, f, l FROM g WHERE n > 0
	ORDER BY 2, 3, 4, 5, 6
	ON CONFLICT (period, d, utm_source, utm_medium, utm_campaign, team)
	DO UPDATE SET n = EXCLUDED.n, revenue = EXCLUDED.revenue,
		first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at;
END $$;

CREATE OR REPLACE FUNCTION all_sales_tracking_utm_recount() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM utm_sales_stats_recount(array_agg(o.sale_date),
			array_agg(o.utm_source), array_agg(o.utm_medium),
			array_agg(o.utm_campaign),
			array_agg(coalesce(o.targetologist, 'Unknown')))
		FROM old_sales o WHERE o.sale_date IS NOT NULL
		HAVING count(*) > 0;
	ELSE
		PERFORM utm_sales_stats_recount(array_agg(k.sale_date),
			array_agg(k.utm_source), array_agg(k.utm_medium),
			array_agg(k.utm_campaign),
			array_agg(coalesce(k.targetologist, 'Unknown')))
		FROM (SELECT x.* FROM old_sales o JOIN new_sales n ON n.id = o.id,
			LATERAL (VALUES (o.sale_date, o.utm_source, o.utm_medium,
				o.utm_campaign, o.targetologist), (n.sale_date,
				n.utm_source, n.utm_medium, n.utm_campaign,
				n.targetologist)) AS x(sale_date, utm_source, utm_medium,
				utm_campaign, targetologist)
			WHERE (o.sale_date, o.sale_amount, o.utm_source, o.utm_medium,
				o.utm_campaign, o.targetologist,
				o.verification = 'unverified') IS DISTINCT FROM -- 040:
				(n.sale_date, n.sale_amount, n.utm_source, n.utm_medium,
				n.utm_campaign, n.targetologist,
				n.verification = 'unverified')) k
		WHERE k.sale_date IS NOT NULL
		HAVING count(*) > 0;
	END IF;
	RETURN NULL;
END $$;

-- Adds the pending sales to both tables and unmarks them; returns how
-- many were marked. Safe to call at any time, from any number of
-- sessions.
CREATE OR REPLACE FUNCTION sales_stats_pending_apply() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
	ids uuid[];
BEGIN
	IF NOT EXISTS (SELECT 1 FROM sales_stats_pending) THEN
		RETURN 0;
	END IF;
	PERFORM pg_advisory_xact_lock(1012);
	WITH d AS (DELETE FROM sales_stats_pending RETURNING sale_id)
	SELECT array_agg(sale_id ORDER BY sale_id) INTO ids FROM d;
	IF ids IS NULL THEN
		RETURN 0;
	END IF;
	-- The sales as they are once no change to them is in flight; the
	-- lock keeps them so until COMMIT.
	PERFORM 1 FROM all_sales_tracking WHERE id = ANY (ids) ORDER BY id
		FOR SHARE;

	INSERT INTO traffic_sales_stats AS s (date, period_type, team_name,
		team_id, utm_source, utm_medium, total_sales, total_revenue,
		average_order_value, flagman_sales, flagman_revenue,
		express_sales, express_revenue)
	SELECT g.d, 'daily', g.team,
		(SELECT id FROM traffic_teams WHERE name = g.team), g.src, NULL,
		g.n, g.r, round(g.r / g.n, 2), g.fn, g.fr, g.n - g.fn, g.r - g.fr
	FROM (SELECT (sale_date AT TIME ZONE tz)::date AS d,
			coalesce(targetologist, 'Unknown') AS team,
			nullif(utm_source, '') AS src, count(*) AS n,
			sum(sale_amount) AS r,
			count(*) FILTER (WHERE sale_amount >= 50000) AS fn,
			coalesce(sum(sale_amount) FILTER (WHERE sale_amount >= 50000), 0) AS fr
		FROM all_sales_tracking
		WHERE id = ANY (ids) AND sale_date IS NOT NULL
			AND verification <> 'unverified' -- 040:
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3) g
	ON CONFLICT (date, period_type, team_name, (coalesce(utm_source, '')))
	DO UPDATE SET
		total_sales = s.total_sales + EXCLUDED.total_sales,
		total_revenue = s.total_revenue + EXCLUDED.total_revenue,
		flagman_sales = s.flagman_sales + EXCLUDED.flagman_sales,
		flagman_revenue = s.flagman_revenue + EXCLUDED.flagman_revenue,
		express_sales = s.express_sales + EXCLUDED.express_sales,
		express_revenue = s.express_revenue + EXCLUDED.express_revenue,
		average_order_value = round((s.total_revenue + EXCLUDED.total_revenue)
			/ (s.total_sales + EXCLUDED.total_sales), 2);

	PERFORM utm_sales_stats_lock(k.m, k.src, k.med, k.cmp, k.team)
	FROM (SELECT DISTINCT date_trunc('month', sale_date AT TIME ZONE tz)::date
			AS m, utm_source AS src, utm_medium AS med,
			utm_campaign AS cmp, coalesce(targetologist, 'Unknown') AS team
		FROM all_sales_tracking
		WHERE id = ANY (ids) AND sale_date IS NOT NULL
			AND verification <> 'unverified' -- 040:
		ORDER BY 1, 2, 3, 4, 5) k;
	INSERT INTO utm_sales_stats AS s (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT p.period, CASE p.period
			WHEN 'day' THEN (x.sale_date AT TIME ZONE tz)::date
			ELSE date_trunc('month', x.sale_date AT TIME ZONE tz)::date END,
		x.utm_source, x.utm_medium, x.utm_campaign,
		coalesce(x.targetologist, 'Unknown'), count(*), sum(x.sale_amount),
		min(x.sale_date), max(x.sale_date)
	FROM all_sales_tracking x, (VALUES ('day'), ('month')) AS p(period)
	WHERE x.id = ANY (ids) AND x.sale_date IS NOT NULL
		AND x.verification <> 'unverified' -- 040:
	GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
	ON CONFLICT (period, d, utm_source, utm_medium, utm_campaign, team)
	DO UPDATE SET n = s.n + EXCLUDED.n, revenue = s.revenue + EXCLUDED.revenue,
		first_at = least(s.first_at, EXCLUDED.first_at),
		last_at = greatest(s.last_at, EXCLUDED.last_at);
	RETURN array_length(ids, 1);
END $$;

-- TRUNCATE of the sales: nothing left to apply either.
CREATE OR REPLACE FUNCTION all_sales_tracking_stats_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM traffic_sales_stats WHERE period_type = 'daily';
	DELETE FROM sales_stats_pending;
	RETURN NULL;
END $$;

-- The rebuilds (008, 010) count every sale, so they unmark them all
-- first, under the lock that keeps new sales out.
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
		GROUP BY 1, 2, 3) g;
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
	GROUP BY 1, 2, 3, 4, 5, 6;
	INSERT INTO utm_sales_stats (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT 'month', date_trunc('month', d)::date, utm_source, utm_medium,
		utm_campaign, team, sum(n), sum(revenue), min(first_at),
		max(last_at)
	FROM utm_sales_stats WHERE period = 'day'
	GROUP BY 1, 2, 3, 4, 5, 6;
	SELECT count(*) INTO total FROM utm_sales_stats;
	RETURN total;
END $$;

-- 010's insert trigger's functions, unused now.
DROP FUNCTION IF EXISTS all_sales_tracking_utm();
DROP FUNCTION IF EXISTS utm_sales_stats_add(timestamptz, text, text, text,
	text, numeric);
