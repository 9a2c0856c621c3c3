-- The funnel report's sums (lib/report/funnel.c): funnel_leads (each
-- lead's answer: its first and last day, rank reached, won, lost, team),
-- funnel_day_leads and funnel_day_gaps (every lead), funnel_team_day_*
-- (per team). A new lead event marks its lead pending (funnel_pending);
-- so does a sale added (when the sales statistics take it), deleted,
-- re-attributed or moved to another lead. funnel_pending_apply(lim)
-- takes a batch of at most lim pending leads and recomputes them, called
-- by the worker in a loop until none is left; the funnel report applies
-- one small batch if it can without waiting, and answers from the
-- applied sums, saying how many leads and sales are still pending. A
-- change of the report time zone rebuilds everything; a change of a
-- pipeline's funnel stages (pipeline_stages: a stage added, removed,
-- archived or moved) marks that pipeline's leads pending, a rename
-- nothing (the report reads the names).
--
-- Races, and why each is safe:
-- - Two applies: each claims its batch with FOR UPDATE SKIP LOCKED and
--   deletes it, so no lead is in two batches and neither waits for the
--   other's claim. A lead marked again while its apply runs (a new
--   event) waits for that apply's commit (the same key of
--   funnel_pending) and is applied again by a later batch, reading the
--   new event.
-- - Two writers of one lead (an apply and a lead event's correction,
--   which recomputes its leads at once): funnel_leads_refresh() locks the
--   leads' rows, in key order, before it reads their events; the second
--   reads the first's.
-- - Two writers of one sum row (two leads of the same day and rank in
--   two batches): funnel_leads_refresh() applies each lead's old and new
--   answer in one pass per table, the tables always in the same order
--   and each table's rows in key order (INSERT ... ORDER BY ... ON
--   CONFLICT DO UPDATE), and removes only the rows it brought to zero:
--   the second waits for the first's commit, and two batches cannot
--   deadlock each other. A lead event's correction inside a larger
--   transaction still can, with another; the apply then retries its
--   batch (deadlock_detected, a few times).

-- Applies to the four sums tables the leads' answers as they were (was,
-- taken away) and as they are (now, added): one upsert per table, rows
-- in key order, and only the rows brought to zero removed (the ctid of a
-- row this transaction just wrote and still holds).
CREATE OR REPLACE FUNCTION funnel_sums_apply(was funnel_leads[],
	now_ funnel_leads[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	z tid[];
BEGIN
	WITH x AS (SELECT o.*, -1 AS sign FROM unnest(was) o
		WHERE o.first_at IS NOT NULL
		UNION ALL SELECT n.*, 1 FROM unnest(now_) n
		WHERE n.first_at IS NOT NULL),
	u AS (INSERT INTO funnel_day_leads AS d (pipeline_id, first_day,
			last_day, rk, won, lost, n)
		SELECT pipeline_id, first_day, last_day, rk, won, lost, sum(sign)
		FROM x GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(sign) <> 0
		ORDER BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (pipeline_id, first_day, last_day, rk, won, lost)
		DO UPDATE SET n = d.n + EXCLUDED.n RETURNING d.ctid, d.n)
	SELECT array_agg(ctid) FILTER (WHERE n = 0) INTO z FROM u;
	DELETE FROM funnel_day_leads WHERE ctid = ANY (z) AND n = 0;

	WITH x AS (SELECT o.*, -1 AS sign FROM unnest(was) o
		WHERE o.first_at IS NOT NULL
		UNION ALL SELECT n.*, 1 FROM unnest(now_) n
		WHERE n.first_at IS NOT NULL),
	u AS (INSERT INTO funnel_day_gaps AS d (pipeline_id, first_day,
			last_day, rk, gap, n)
		SELECT x.pipeline_id, x.first_day, x.last_day, g.rk, g.gap,
			sum(x.sign)
		FROM x, unnest(x.gap_rk, x.gap_s) AS g(rk, gap)
		GROUP BY 1, 2, 3, 4, 5 HAVING sum(x.sign) <> 0
		ORDER BY 1, 2, 3, 4, 5
		ON CONFLICT (pipeline_id, first_day, last_day, rk, gap)
		DO UPDATE SET n = d.n + EXCLUDED.n RETURNING d.ctid, d.n)
	SELECT array_agg(ctid) FILTER (WHERE n = 0) INTO z FROM u;
	DELETE FROM funnel_day_gaps WHERE ctid = ANY (z) AND n = 0;

	WITH x AS (SELECT o.*, -1 AS sign FROM unnest(was) o
		WHERE o.first_at IS NOT NULL AND o.team IS NOT NULL
		UNION ALL SELECT n.*, 1 FROM unnest(now_) n
		WHERE n.first_at IS NOT NULL AND n.team IS NOT NULL),
	u AS (INSERT INTO funnel_team_day_leads AS d (pipeline_id, team,
			first_day, last_day, rk, won, lost, n)
		SELECT pipeline_id, team, first_day, last_day, rk, won, lost,
			sum(sign)
		FROM x GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(sign) <> 0
		ORDER BY 1, 2, 3, 4, 5, 6, 7
		ON CONFLICT (pipeline_id, team, first_day, last_day, rk, won, lost)
		DO UPDATE SET n = d.n + EXCLUDED.n RETURNING d.ctid, d.n)
	SELECT array_agg(ctid) FILTER (WHERE n = 0) INTO z FROM u;
	DELETE FROM funnel_team_day_leads WHERE ctid = ANY (z) AND n = 0;

	WITH x AS (SELECT o.*, -1 AS sign FROM unnest(was) o
		WHERE o.first_at IS NOT NULL AND o.team IS NOT NULL
		UNION ALL SELECT n.*, 1 FROM unnest(now_) n
		WHERE n.first_at IS NOT NULL AND n.team IS NOT NULL),
	u AS (INSERT INTO funnel_team_day_gaps AS d (pipeline_id, team,
			first_day, last_day, rk, gap, n)
		SELECT x.pipeline_id, x.team, x.first_day, x.last_day, g.rk,
			g.gap, sum(x.sign)
		FROM x, unnest(x.gap_rk, x.gap_s) AS g(rk, gap)
		GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(x.sign) <> 0
		ORDER BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (pipeline_id, team, first_day, last_day, rk, gap)
		DO UPDATE SET n = d.n + EXCLUDED.n RETURNING d.ctid, d.n)
	SELECT array_agg(ctid) FILTER (WHERE n = 0) INTO z FROM u;
	DELETE FROM funnel_team_day_gaps WHERE ctid = ANY (z) AND n = 0;
END $$;

-- Recomputes the leads (p[i], l[i]) from all their events: the same
-- rules as the report's SQL (lib/report/funnel.c), over every event; a
-- lead's team from its sale. Then moves the sums from the leads' old
-- answers to their new ones (funnel_sums_apply()). Linear in the leads.
CREATE OR REPLACE FUNCTION funnel_leads_refresh(p bigint[], l bigint[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
	was funnel_leads[];
	now_ funnel_leads[];
BEGIN
	-- One row per lead, locked: two writers of a lead take turns, the
	-- second reading the first's events.
	INSERT INTO funnel_leads (pipeline_id, lead_id)
	SELECT DISTINCT k.p, k.l FROM unnest(p, l) AS k(p, l) ORDER BY 1, 2
	ON CONFLICT DO NOTHING;
	PERFORM 1 FROM funnel_leads f JOIN unnest(p, l) AS k(p, l)
		ON f.pipeline_id = k.p AND f.lead_id = k.l
	ORDER BY f.pipeline_id, f.lead_id FOR UPDATE OF f;
	SELECT array_agg(f) INTO was FROM funnel_leads f
	WHERE (f.pipeline_id, f.lead_id) IN (SELECT k.p, k.l
		FROM unnest(p, l) AS k(p, l));
	UPDATE funnel_leads f SET first_at = NULL FROM unnest(p, l) AS k(p, l)
	WHERE f.pipeline_id = k.p AND f.lead_id = k.l;
	WITH k AS (SELECT DISTINCT k.p, k.l FROM unnest(p, l) AS k(p, l)),
	st AS (SELECT pipeline_id, status_id,
		row_number() OVER (PARTITION BY pipeline_id
			ORDER BY sort, status_id) AS rk
		FROM pipeline_stages WHERE status_id <> 143 AND NOT is_archive),
	ev AS MATERIALIZED (SELECT e.pipeline_id, e.lead_id, e.status_id,
		e.event_at, s1.rk, s2.rk AS ork
		FROM k JOIN lead_events e ON e.lead_id = k.l AND e.pipeline_id = k.p
		LEFT JOIN st s1 ON s1.pipeline_id = e.pipeline_id
			AND s1.status_id = e.status_id
		LEFT JOIN st s2 ON s2.pipeline_id = e.pipeline_id
			AND s2.status_id = e.old_status_id),
	entered AS (SELECT pipeline_id, lead_id, rk, min(event_at) AS t
		FROM ev WHERE rk IS NOT NULL GROUP BY 1, 2, 3),
	steps AS (SELECT pipeline_id, lead_id, rk, t - lag(t) OVER w AS gap,
		lag(rk) OVER w AS prk FROM entered
		WINDOW w AS (PARTITION BY pipeline_id, lead_id ORDER BY rk)),
	-- Each lead's answer and its gaps in one grouping of the events
	-- and the steps: a join of the two groupings was planned as a
	-- nested loop over both (their sizes unknown), quadratic in the
	-- leads (issue 21: 2,000 leads took 17 s).
	lead AS (SELECT pipeline_id, lead_id, min(event_at) AS first_at,
		max(event_at) AS last_at, max(r)::integer AS rk,
		bool_or(status_id = 142) AS won, bool_or(status_id = 143) AS lost,
		array_agg(grk ORDER BY grk) FILTER (WHERE grk IS NOT NULL) AS grk,
		array_agg(gs ORDER BY grk) FILTER (WHERE grk IS NOT NULL) AS gs
		FROM (SELECT pipeline_id, lead_id, event_at, status_id,
				greatest(coalesce(rk, 0), coalesce(ork, 0)) AS r,
				NULL::integer AS grk, NULL::double precision AS gs
			FROM ev
			UNION ALL SELECT pipeline_id, lead_id, NULL, NULL, NULL,
				rk::integer, extract(epoch FROM gap)::double precision
			FROM steps WHERE prk = rk - 1 AND gap >= interval '0') u
		GROUP BY 1, 2)
	UPDATE funnel_leads f SET first_at = lead.first_at,
		last_at = lead.last_at,
		first_day = (lead.first_at AT TIME ZONE tz)::date,
		last_day = (lead.last_at AT TIME ZONE tz)::date,
		rk = lead.rk, won = lead.won, lost = lead.lost,
		gap_rk = coalesce(lead.grk, '{}'), gap_s = coalesce(lead.gs, '{}')
	FROM lead
	WHERE f.pipeline_id = lead.pipeline_id AND f.lead_id = lead.lead_id;
	-- A lead without events any more (deleted) leaves no row.
	DELETE FROM funnel_leads f USING unnest(p, l) AS k(p, l)
	WHERE f.pipeline_id = k.p AND f.lead_id = k.l AND f.first_at IS NULL;
	UPDATE funnel_leads f SET team = t.team
	FROM unnest(p, l) AS k(p, l) LEFT JOIN LATERAL (
		SELECT coalesce(s.targetologist, 'Unknown') AS team
		FROM all_sales_tracking s WHERE s.lead_id = k.l::text) t ON true
	WHERE f.pipeline_id = k.p AND f.lead_id = k.l
		AND f.team IS DISTINCT FROM t.team;
	SELECT array_agg(f) INTO now_ FROM funnel_leads f
	WHERE (f.pipeline_id, f.lead_id) IN (SELECT k.p, k.l
		FROM unnest(p, l) AS k(p, l));
	PERFORM funnel_sums_apply(was, now_);
END $$;

CREATE OR REPLACE FUNCTION lead_events_funnel_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM funnel_day_leads;
	DELETE FROM funnel_day_gaps;
	DELETE FROM funnel_leads;
	RETURN NULL;
END $$;

-- Recomputes everything, in the caller's transaction, 10,000 leads at a
-- time (funnel_leads_refresh() holds a batch's rows in memory). Safe at
-- any time.
CREATE OR REPLACE FUNCTION funnel_all_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
	p bigint[];
	l bigint[];
BEGIN
	LOCK TABLE lead_events IN SHARE MODE;
	DELETE FROM funnel_day_leads;
	DELETE FROM funnel_day_gaps;
	DELETE FROM funnel_leads;
	FOR p, l IN SELECT array_agg(k.pipeline_id ORDER BY k.pipeline_id, k.lead_id),
			array_agg(k.lead_id ORDER BY k.pipeline_id, k.lead_id)
		FROM (SELECT pipeline_id, lead_id,
				(row_number() OVER (ORDER BY pipeline_id, lead_id) - 1)
					/ 10000 AS chunk
			FROM (SELECT DISTINCT pipeline_id, lead_id FROM lead_events) d) k
		GROUP BY k.chunk ORDER BY k.chunk
	LOOP
		PERFORM funnel_leads_refresh(p, l);
	END LOOP;
	SELECT count(*) INTO n FROM funnel_leads;
	RETURN n;
END $$;

CREATE OR REPLACE FUNCTION funnel_leads_rebuild_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM funnel_leads_rebuild();
	RETURN NULL;
END $$;

-- One batch of funnel_pending_apply(), below.
CREATE OR REPLACE FUNCTION funnel_pending_batch(lim integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	p bigint[];
	l bigint[];
BEGIN
	WITH d AS (DELETE FROM funnel_pending WHERE (pipeline_id, lead_id) IN (
			SELECT pipeline_id, lead_id FROM funnel_pending
			ORDER BY pipeline_id, lead_id LIMIT lim
			FOR UPDATE SKIP LOCKED)
		RETURNING pipeline_id, lead_id)
	SELECT array_agg(pipeline_id ORDER BY pipeline_id, lead_id),
	       array_agg(lead_id ORDER BY pipeline_id, lead_id)
	INTO p, l FROM d;
	IF p IS NULL THEN
		RETURN 0;
	END IF;
	PERFORM funnel_leads_refresh(p, l);
	RETURN array_length(p, 1);
END $$;

-- Applies a batch of at most lim pending leads (NULL: all), each once
-- even when several callers run at once (each claims its own batch);
-- returns how many it took (0: none was left unclaimed).
CREATE OR REPLACE FUNCTION funnel_pending_apply(lim integer DEFAULT 2000)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	tries integer := 0;
BEGIN
	LOOP
		BEGIN
			RETURN funnel_pending_batch(lim);
		EXCEPTION WHEN deadlock_detected THEN
			-- The batch was rolled back, its claim included
			-- (the races above); take one again.
			tries := tries + 1;
			IF tries >= 5 THEN
				RAISE;
			END IF;
		END;
	END LOOP;
END $$;

CREATE OR REPLACE FUNCTION lead_events_funnel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO funnel_pending (pipeline_id, lead_id)
		SELECT DISTINCT pipeline_id, lead_id FROM new_events
		ON CONFLICT DO NOTHING;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM funnel_leads_refresh(array_agg(k.pipeline_id), array_agg(k.lead_id))
		FROM (SELECT DISTINCT pipeline_id, lead_id FROM old_events) k;
	ELSE
		PERFORM funnel_leads_refresh(array_agg(k.pipeline_id), array_agg(k.lead_id))
		FROM (SELECT pipeline_id, lead_id FROM old_events
			UNION SELECT pipeline_id, lead_id FROM new_events) k;
	END IF;
	RETURN NULL;
END $$;

-- A change of pipeline_stages: the pipelines whose funnel stages (not
-- 143, not archived) were added, removed or put in another order get
-- every lead of theirs marked pending (the worker applies them batch by batch, the
-- report says how many wait); a stage renamed changes no rank.
CREATE OR REPLACE FUNCTION pipeline_stages_funnel() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT pipeline_id) INTO p FROM new_stages
		WHERE status_id <> 143 AND NOT is_archive;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(DISTINCT pipeline_id) INTO p FROM old_stages
		WHERE status_id <> 143 AND NOT is_archive;
	ELSE
		-- The ranks are the order of the funnel's stages: a pipeline
		-- counts when that order differs from the one before the
		-- statement (its rows but the updated ones, and their old
		-- versions), not for any new sort value.
		SELECT array_agg(c.p) INTO p
		FROM (SELECT DISTINCT pipeline_id AS p FROM new_stages) c
		WHERE (SELECT array_agg(s.status_id ORDER BY s.sort, s.status_id)
			FROM pipeline_stages s WHERE s.pipeline_id = c.p
			AND s.status_id <> 143 AND NOT s.is_archive)
		IS DISTINCT FROM (SELECT array_agg(x.status_id
				ORDER BY x.sort, x.status_id)
			FROM (SELECT s.status_id, s.sort, s.is_archive
				FROM pipeline_stages s WHERE s.pipeline_id = c.p
				AND NOT EXISTS (SELECT 1 FROM new_stages n
					WHERE n.pipeline_id = s.pipeline_id
					AND n.status_id = s.status_id)
				UNION ALL SELECT o.status_id, o.sort, o.is_archive
				FROM old_stages o WHERE o.pipeline_id = c.p) x
			WHERE x.status_id <> 143 AND NOT x.is_archive);
	END IF;
	IF p IS NOT NULL THEN
		INSERT INTO funnel_pending (pipeline_id, lead_id)
		SELECT pipeline_id, lead_id FROM funnel_leads
		WHERE pipeline_id = ANY (p) ORDER BY 1, 2
		ON CONFLICT DO NOTHING;
	END IF;
	RETURN NULL;
END $$;

-- Marks pending the leads of the sales with these lead ids (a lead id
-- that is not a lead's number has no lead).
CREATE OR REPLACE FUNCTION funnel_mark_sale_leads(ids text[]) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO funnel_pending (pipeline_id, lead_id)
	SELECT f.pipeline_id, f.lead_id FROM funnel_leads f
	JOIN (SELECT DISTINCT CASE WHEN i ~ '^[1-9][0-9]{0,17}$'
		THEN i::bigint END AS l FROM unnest(ids) AS i) k ON f.lead_id = k.l
	ORDER BY 1, 2
	ON CONFLICT DO NOTHING
$$;

-- A new sale marks its lead when the sales statistics take it
-- (sales_stats_pending_apply() deletes it from sales_stats_pending, 043),
-- out of the webhook's transaction; the funnel report applies the
-- pending sales before the pending leads (lib/report/funnel.c).
CREATE OR REPLACE FUNCTION sales_stats_pending_funnel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM funnel_mark_sale_leads(array_agg(s.lead_id))
	FROM done JOIN all_sales_tracking s ON s.id = done.sale_id;
	RETURN NULL;
END $$;

-- A deleted sale, or one whose team or lead changed.
CREATE OR REPLACE FUNCTION all_sales_tracking_funnel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM funnel_mark_sale_leads(ARRAY[OLD.lead_id]);
	ELSE
		PERFORM funnel_mark_sale_leads(ARRAY[OLD.lead_id, NEW.lead_id]);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION all_sales_tracking_funnel_truncate()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO funnel_pending (pipeline_id, lead_id)
	SELECT pipeline_id, lead_id FROM funnel_leads WHERE team IS NOT NULL
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

-- Emptying lead_events empties the team sums too (009's trigger, the
-- rest).
CREATE OR REPLACE FUNCTION lead_events_funnel_team_truncate()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM funnel_team_day_leads;
	DELETE FROM funnel_team_day_gaps;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION funnel_leads_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE lead_events IN SHARE MODE;
	DELETE FROM funnel_team_day_leads;
	DELETE FROM funnel_team_day_gaps;
	RETURN funnel_all_rebuild();
END $$;

CREATE OR REPLACE TRIGGER lead_events_funnel
	AFTER INSERT ON lead_events REFERENCING NEW TABLE AS new_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel();

CREATE OR REPLACE TRIGGER lead_events_funnel_del
	AFTER DELETE ON lead_events REFERENCING OLD TABLE AS old_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel();

CREATE OR REPLACE TRIGGER lead_events_funnel_upd
	AFTER UPDATE ON lead_events
	REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel();

CREATE OR REPLACE TRIGGER lead_events_funnel_truncate
	AFTER TRUNCATE ON lead_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel_truncate();

CREATE OR REPLACE TRIGGER pipeline_stages_funnel_ins
	AFTER INSERT ON pipeline_stages REFERENCING NEW TABLE AS new_stages
	FOR EACH STATEMENT EXECUTE FUNCTION pipeline_stages_funnel();

CREATE OR REPLACE TRIGGER pipeline_stages_funnel_upd
	AFTER UPDATE ON pipeline_stages
	REFERENCING OLD TABLE AS old_stages NEW TABLE AS new_stages
	FOR EACH STATEMENT EXECUTE FUNCTION pipeline_stages_funnel();

CREATE OR REPLACE TRIGGER pipeline_stages_funnel_del
	AFTER DELETE ON pipeline_stages REFERENCING OLD TABLE AS old_stages
	FOR EACH STATEMENT EXECUTE FUNCTION pipeline_stages_funnel();

CREATE OR REPLACE TRIGGER pipeline_stages_funnel_truncate
	AFTER TRUNCATE ON pipeline_stages
	FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_rebuild_trigger();

CREATE OR REPLACE TRIGGER report_settings_funnel_leads
	AFTER UPDATE OF timezone ON report_settings
	FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_rebuild_trigger();

CREATE OR REPLACE TRIGGER sales_stats_pending_funnel
	AFTER DELETE ON sales_stats_pending REFERENCING OLD TABLE AS done
	FOR EACH STATEMENT EXECUTE FUNCTION sales_stats_pending_funnel();

CREATE OR REPLACE TRIGGER all_sales_tracking_funnel_del
	AFTER DELETE ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION all_sales_tracking_funnel();

CREATE OR REPLACE TRIGGER all_sales_tracking_funnel_upd
	AFTER UPDATE OF lead_id, targetologist ON all_sales_tracking
	FOR EACH ROW
	WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id
		OR OLD.targetologist IS DISTINCT FROM NEW.targetologist)
	EXECUTE FUNCTION all_sales_tracking_funnel();

CREATE OR REPLACE TRIGGER all_sales_tracking_funnel_truncate
	AFTER TRUNCATE ON all_sales_tracking
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_funnel_truncate();

CREATE OR REPLACE TRIGGER lead_events_funnel_team_truncate
	AFTER TRUNCATE ON lead_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel_team_truncate();
