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

-- Serializes the writers of one group of a month (and of its days): an
-- increment and a recount of the same group take turns, so neither loses
-- the other's sale.
CREATE OR REPLACE FUNCTION utm_sales_stats_lock(m date, src text, med text,
	cmp text, tm text) RETURNS void
LANGUAGE sql AS $$
	SELECT pg_advisory_xact_lock(1010,
		hashtext(format('%s|%L|%L|%L|%L', m, src, med, cmp, tm)))
$$;

-- A new sale made at time t: one more in its day's and its month's row.
CREATE OR REPLACE FUNCTION utm_sales_stats_add(t timestamptz, src text,
	med text, cmp text, tm text, amount numeric) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
	dd date := (t AT TIME ZONE tz)::date;
	p text;
BEGIN
	PERFORM utm_sales_stats_lock(date_trunc('month', dd)::date, src, med,
		cmp, tm);
	FOREACH p IN ARRAY ARRAY['day', 'month'] LOOP
		INSERT INTO utm_sales_stats AS s (period, d, utm_source,
			utm_medium, utm_campaign, team, n, revenue, first_at, last_at)
		VALUES (p, CASE p WHEN 'day' THEN dd
				ELSE date_trunc('month', dd)::date END,
			src, med, cmp, tm, 1, amount, t, t)
		ON CONFLICT (period, d, utm_source, utm_medium, utm_campaign, team)
		DO UPDATE SET n = s.n + 1, revenue = s.revenue + EXCLUDED.revenue,
			first_at = least(s.first_at, EXCLUDED.first_at),
			last_at = greatest(s.last_at, EXCLUDED.last_at);
	END LOOP;
END $$;

-- Recounts the groups of the sales (t[i], src[i], med[i], cmp[i], tm[i])
-- from the sales as they are now: their days from the sales, then their
-- months from the days. A correction or a deletion takes a sale away,
-- and a sum of what is left is the one exact way to keep the first and
-- last sale and the revenue's scale (5000.00 + 5000 - 5000.00 is 5000).
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

CREATE OR REPLACE FUNCTION all_sales_tracking_utm() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.sale_date IS NOT NULL THEN
		PERFORM utm_sales_stats_add(NEW.sale_date, NEW.utm_source,
			NEW.utm_medium, NEW.utm_campaign,
			coalesce(NEW.targetologist, 'Unknown'), NEW.sale_amount);
	END IF;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER all_sales_tracking_utm_ins
	AFTER INSERT ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION all_sales_tracking_utm();

-- An UPDATE or DELETE recounts the groups its sales left and joined
-- (an UPDATE: only of the sales whose day, amount, UTM or team changed).
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
				o.utm_campaign, o.targetologist) IS DISTINCT FROM
				(n.sale_date, n.sale_amount, n.utm_source, n.utm_medium,
				n.utm_campaign, n.targetologist)) k
		WHERE k.sale_date IS NOT NULL
		HAVING count(*) > 0;
	END IF;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER all_sales_tracking_utm_del
	AFTER DELETE ON all_sales_tracking REFERENCING OLD TABLE AS old_sales
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_utm_recount();
CREATE OR REPLACE TRIGGER all_sales_tracking_utm_upd
	AFTER UPDATE ON all_sales_tracking
	REFERENCING OLD TABLE AS old_sales NEW TABLE AS new_sales
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_utm_recount();

CREATE OR REPLACE FUNCTION all_sales_tracking_utm_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM utm_sales_stats;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER all_sales_tracking_utm_truncate
	AFTER TRUNCATE ON all_sales_tracking
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_utm_truncate();

-- Recomputes every row from the sales, in the caller's transaction.
-- Safe to run at any time.
CREATE OR REPLACE FUNCTION utm_sales_stats_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
	total bigint;
BEGIN
	LOCK TABLE all_sales_tracking IN SHARE MODE;
	DELETE FROM utm_sales_stats;
	INSERT INTO utm_sales_stats (period, d, utm_source, utm_medium,
		utm_campaign, team, n, revenue, first_at, last_at)
	SELECT 'day', (sale_date AT TIME ZONE tz)::date, utm_source,
		utm_medium, utm_campaign, coalesce(targetologist, 'Unknown'),
		count(*), sum(sale_amount), min(sale_date), max(sale_date)
	FROM all_sales_tracking WHERE sale_date IS NOT NULL
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

CREATE OR REPLACE FUNCTION utm_sales_stats_rebuild_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM utm_sales_stats_rebuild();
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER report_settings_utm_sales_stats
	AFTER UPDATE OF timezone ON report_settings
	FOR EACH STATEMENT EXECUTE FUNCTION utm_sales_stats_rebuild_trigger();

-- The sales stored before these triggers existed.
SELECT utm_sales_stats_rebuild();
