-- utm_sales_stats (per day and month, source, medium, campaign and team)
-- and utm_day_campaign_stats (per day, source and campaign), the UTM
-- reports' sums (lib/report/utm.c). New sales arrive through
-- sales_stats_pending_apply() (sales_stats.sql); a change to an applied
-- sale recounts its groups (all_sales_tracking_utm_recount); the day
-- table follows every change to utm_sales_stats' day rows, whoever makes
-- it (statement triggers with transition tables).

-- Serializes the writers of one group of a month (and of its days): an
-- increment and a recount of the same group take turns, so neither loses
-- the other's sale.
CREATE OR REPLACE FUNCTION utm_sales_stats_lock(m date, src text, med text,
	cmp text, tm text) RETURNS void
LANGUAGE sql AS $$
	SELECT pg_advisory_xact_lock(1010,
		hashtext(format('%s|%L|%L|%L|%L', m, src, med, cmp, tm)))
$$;

CREATE OR REPLACE FUNCTION all_sales_tracking_utm_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM utm_sales_stats;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION utm_sales_stats_rebuild_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM utm_sales_stats_rebuild();
	RETURN NULL;
END $$;

-- Recounts the groups of the given sales, counting applied sales only.
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

CREATE OR REPLACE FUNCTION utm_sales_stats_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
	total bigint;
BEGIN
	LOCK TABLE all_sales_tracking IN SHARE MODE;
	-- traffic_sales_stats takes its share of the pending sales first,
	-- all of them (sales_stats.sql: a rebuild).
	LOCK TABLE sales_stats_pending IN EXCLUSIVE MODE;
	PERFORM sales_stats_pending_apply(NULL);
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

-- Adds the statement's new day rows and takes away its old ones (the
-- transition tables new_rows and old_rows), a group at a time.
CREATE OR REPLACE FUNCTION utm_sales_stats_days() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	plus text := 'SELECT d, utm_source, utm_campaign, n, revenue'
		' FROM new_rows WHERE period = ''day''';
	minus text := 'SELECT d, utm_source, utm_campaign, -n, -revenue'
		' FROM old_rows WHERE period = ''day''';
BEGIN
	EXECUTE format('INSERT INTO utm_day_campaign_stats AS s (d, utm_source,'
		' utm_campaign, n, revenue) SELECT d, src, cmp, sum(n), sum(r)'
		' FROM (%s) x (d, src, cmp, n, r) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3'
		' ON CONFLICT (d, utm_source, utm_campaign) DO UPDATE'
		' SET n = s.n + EXCLUDED.n, revenue = s.revenue + EXCLUDED.revenue',
		CASE TG_OP WHEN 'INSERT' THEN plus WHEN 'DELETE' THEN minus
			ELSE plus || ' UNION ALL ' || minus END);
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM utm_day_campaign_stats WHERE n = 0;
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION utm_sales_stats_days_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM utm_day_campaign_stats;
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER all_sales_tracking_utm_del
	AFTER DELETE ON all_sales_tracking REFERENCING OLD TABLE AS old_sales
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_utm_recount();

CREATE OR REPLACE TRIGGER all_sales_tracking_utm_upd
	AFTER UPDATE ON all_sales_tracking
	REFERENCING OLD TABLE AS old_sales NEW TABLE AS new_sales
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_utm_recount();

CREATE OR REPLACE TRIGGER all_sales_tracking_utm_truncate
	AFTER TRUNCATE ON all_sales_tracking
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_utm_truncate();

CREATE OR REPLACE TRIGGER report_settings_utm_sales_stats
	AFTER UPDATE OF timezone ON report_settings
	FOR EACH STATEMENT EXECUTE FUNCTION utm_sales_stats_rebuild_trigger();

CREATE OR REPLACE TRIGGER utm_sales_stats_days_ins
	AFTER INSERT ON utm_sales_stats REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION utm_sales_stats_days();

CREATE OR REPLACE TRIGGER utm_sales_stats_days_del
	AFTER DELETE ON utm_sales_stats REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION utm_sales_stats_days();

CREATE OR REPLACE TRIGGER utm_sales_stats_days_upd
	AFTER UPDATE ON utm_sales_stats
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION utm_sales_stats_days();

CREATE OR REPLACE TRIGGER utm_sales_stats_days_truncate
	AFTER TRUNCATE ON utm_sales_stats
	FOR EACH STATEMENT EXECUTE FUNCTION utm_sales_stats_days_truncate();
