-- traffic_sales_stats, the daily sums per team and source, always equal
-- to a GROUP BY of the verified sales (R15).
--
-- A new sale only marks itself (all_sales_tracking_pending: a statement
-- trigger into sales_stats_pending, no shared row in the webhook's
-- transaction); sales_stats_pending_apply(lim) adds a batch of at most
-- lim marked sales to traffic_sales_stats and utm_sales_stats
-- (utm_stats.sql), called by the worker in a loop until none is left
-- (tools/worker.c). A report never waits for it: it adds the pending
-- sales of its period to the applied sums in the same statement (one
-- snapshot: a sale is either still marked or already added, never both,
-- never neither; lib/report/out.h REPORT_PENDING_SALES). A correction,
-- re-attribution or deletion of an applied sale is applied at once, by
-- the row triggers below, in its own transaction. Unverified sales are
-- left out ("verification <> 'unverified'" in each function).
--
-- Races, and why each is safe:
-- - Two applies: each claims its batch with FOR UPDATE SKIP LOCKED and
--   deletes it, so the batches are disjoint and no sale is added twice;
--   neither waits for the other's claim. Both then write the same tables
--   in the same order (funnel_pending through the delete's trigger,
--   traffic_sales_stats, the UTM groups' locks, utm_sales_stats,
--   utm_day_campaign_stats through its trigger), each table's rows in key
--   order (INSERT ... ORDER BY ... ON CONFLICT DO UPDATE): one waits at
--   most for the other's commit on a shared day row, and they cannot
--   deadlock each other.
-- - An apply and a correction of one of its sales: the apply takes its
--   sales FOR SHARE after claiming them and reads them after that. A
--   correction that came first is read as corrected (its trigger saw the
--   sale still marked and left it to the apply); one that comes later
--   waits for the apply's commit and then finds the sale applied, so it
--   takes the old figures away and adds the new ones itself.
-- - An apply and a UTM recount (a correction of another sale of the same
--   group): they share the group's lock (utm_sales_stats_lock(), taken in
--   key order); the recount counts the sales no longer marked, in a
--   snapshot taken after the lock, so it counts the apply's sales exactly
--   when the apply has committed.
-- - An apply and a correction of another sale of the same day: the
--   correction's row trigger takes one day row away and adds to another,
--   not in key order, so the two can deadlock; the apply then retries
--   its batch (deadlock_detected, a few times) and the correction's
--   transaction goes through.
-- - A rebuild: it locks the sales (SHARE) and sales_stats_pending
--   (EXCLUSIVE), so it waits for the running applies and no new one
--   starts, then applies every marked sale itself before it recounts.
--
-- The triggers of all_sales_tracking, in every family: updated_at
-- (common.sql); pending, stats_del, stats_upd, stats_truncate (here);
-- utm_del, utm_upd, utm_truncate (utm_stats.sql); funnel_del,
-- funnel_upd, funnel_truncate (funnel.sql). docs/sql.md has the table.

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

-- Marks the sales of an INSERT statement.
CREATE OR REPLACE FUNCTION all_sales_tracking_pending() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO sales_stats_pending (sale_id)
	SELECT id FROM new_sales ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

-- A change to an applied sale (UPDATE, DELETE); a sale not yet applied
-- is left to the apply.
CREATE OR REPLACE FUNCTION all_sales_tracking_stats() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
BEGIN
	IF TG_OP = 'INSERT' OR EXISTS (SELECT 1 FROM sales_stats_pending
			WHERE sale_id = OLD.id) THEN
		RETURN NULL;
	END IF;
	-- A sale set aside (sales_stats_pending_aside) is in no sum: a
	-- change marks it again for the catch-up to try.
	IF EXISTS (SELECT 1 FROM sales_stats_failed WHERE sale_id = OLD.id) THEN
		IF TG_OP = 'UPDATE' THEN
			DELETE FROM sales_stats_failed WHERE sale_id = OLD.id;
			INSERT INTO sales_stats_pending (sale_id) VALUES (NEW.id)
			ON CONFLICT DO NOTHING;
		END IF;
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

-- One batch of sales_stats_pending_apply(), below: claims and unmarks at
-- most lim sales and adds them.
CREATE OR REPLACE FUNCTION sales_stats_pending_batch(lim integer)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	ids uuid[];
BEGIN
	WITH d AS (DELETE FROM sales_stats_pending WHERE sale_id IN (
			SELECT sale_id FROM sales_stats_pending ORDER BY sale_id
			LIMIT lim FOR UPDATE SKIP LOCKED)
		RETURNING sale_id)
	SELECT array_agg(sale_id ORDER BY sale_id) INTO ids FROM d;
	IF ids IS NULL THEN
		RETURN 0;
	END IF;
	RETURN sales_stats_pending_add(ids);
END $$;

-- Adds the sales ids (claimed and unmarked by the caller) to both tables;
-- returns how many.
CREATE OR REPLACE FUNCTION sales_stats_pending_add(ids uuid[])
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
BEGIN
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
		GROUP BY 1, 2, 3) g
	ORDER BY g.d, g.team, coalesce(g.src, '')
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

-- Adds a batch of at most lim pending sales (NULL: all) to both tables
-- and unmarks them; returns how many it took (0: none was left that
-- another apply had not claimed). Linear in the batch; any number of
-- sessions may run it at once, each on its own batch (the races above).
CREATE OR REPLACE FUNCTION sales_stats_pending_apply(lim integer DEFAULT 2000)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tries integer := 0;
BEGIN
	LOOP
		BEGIN
			RETURN sales_stats_pending_batch(lim);
		EXCEPTION WHEN deadlock_detected THEN
			-- With a correction (the races above): the batch
			-- was rolled back, its claim included; take one
			-- again.
			tries := tries + 1;
			IF tries >= 5 THEN
				RAISE;
			END IF;
		WHEN data_exception OR integrity_constraint_violation THEN
			-- One sale breaks the batch (rolled back whole):
			-- the batch again, sale by sale, that one set aside.
			-- Only a sale's own data does: a lock timeout (the
			-- funnel report's 100 ms), a cancel or a lost
			-- connection is no sale's fault and goes up.
			RETURN sales_stats_pending_aside(lim);
		END;
	END LOOP;
END $$;

-- A batch of at most lim pending sales, one at a time: a sale that
-- cannot be added is unmarked and set aside in sales_stats_failed with
-- its error (and a warning in PostgreSQL's log), and the others go on.
-- A later change to a sale set aside marks it again (the row trigger);
-- traffic_sales_stats_rebuild() counts every sale anyway.
CREATE OR REPLACE FUNCTION sales_stats_pending_aside(lim integer)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	sid uuid;
	n bigint := 0;
BEGIN
	FOR sid IN SELECT sale_id FROM sales_stats_pending ORDER BY sale_id
			LIMIT lim FOR UPDATE SKIP LOCKED LOOP
		BEGIN
			DELETE FROM sales_stats_pending WHERE sale_id = sid;
			PERFORM sales_stats_pending_add(ARRAY[sid]);
		EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
			DELETE FROM sales_stats_pending WHERE sale_id = sid;
			INSERT INTO sales_stats_failed (sale_id, error)
			VALUES (sid, SQLERRM)
			ON CONFLICT (sale_id) DO UPDATE SET
				error = EXCLUDED.error, failed_at = now();
			RAISE WARNING 'sale % set aside by the statistics catch-up: %',
				sid, SQLERRM;
		END;
		n := n + 1;
	END LOOP;
	RETURN n;
END $$;

-- TRUNCATE of the sales: nothing left to apply either.
CREATE OR REPLACE FUNCTION all_sales_tracking_stats_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM traffic_sales_stats WHERE period_type = 'daily';
	DELETE FROM sales_stats_pending;
	RETURN NULL;
END $$;

-- The statistics rebuilds of 043 (run by operators after a time zone
-- change, and on an existing database) write their rows in the order the
-- reports read them: day by day (and month by month), by source within a
-- day. A report over a period then reads a few adjacent pages instead of
-- rows scattered over the whole table: at 1,000,000 sales, the UTM
-- overview of 365 days read 13,049 pages of utm_sales_stats before and
-- 1,164 after (issue 10). Rows added later by sales_stats_pending_apply()
-- arrive day by day anyway.
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
	-- The UTM table takes its share of the pending sales first, all of
	-- them: the running applies finish first, no new one starts.
	LOCK TABLE sales_stats_pending IN EXCLUSIVE MODE;
	PERFORM sales_stats_pending_apply(NULL);
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

CREATE OR REPLACE TRIGGER all_sales_tracking_stats_truncate
	AFTER TRUNCATE ON all_sales_tracking
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_stats_truncate();

CREATE OR REPLACE TRIGGER all_sales_tracking_pending
	AFTER INSERT ON all_sales_tracking REFERENCING NEW TABLE AS new_sales
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_pending();

CREATE OR REPLACE TRIGGER all_sales_tracking_stats_del
	AFTER DELETE ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION all_sales_tracking_stats();

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
