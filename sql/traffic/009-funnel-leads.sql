-- The funnel (lib/report/funnel.c) without scanning a period's events
-- (issue 10: every report under 100 ms). Kept by a statement trigger on
-- lead_events (an insert-only table), in the transaction of the events;
-- these functions are the only writer of the three tables below.
--
-- A lead's answer depends only on which of its events fall in the
-- period. For a lead whose every event of the pipeline lies in the days
-- [start, end] it is its answer over all its events, summed here per
-- (first day, last day): funnel_day_leads (its furthest rank, won,
-- lost) and funnel_day_gaps (its seconds from entering rank k-1 to
-- entering rank k). The few leads with events on both sides of start or
-- of end are read from their events (funnel_leads finds them).
--
-- Ranks are those of funnel_stages (row_number by position) and days
-- those of report_settings.timezone: a change to either recomputes
-- everything (triggers below, funnel_leads_rebuild()).

-- Per pipeline and lead: the span of its events and its answer over all
-- of them (NULL first_at: a row being written). gap_s[i]: seconds from
-- entering rank gap_rk[i] - 1 to entering rank gap_rk[i].
CREATE TABLE IF NOT EXISTS funnel_leads (
	pipeline_id bigint NOT NULL,
	lead_id bigint NOT NULL,
	first_at timestamptz,
	last_at timestamptz,
	first_day date,
	last_day date,
	rk integer,
	won boolean,
	lost boolean,
	gap_rk integer[],
	gap_s double precision[],
	PRIMARY KEY (pipeline_id, lead_id)
);
-- The leads whose days cross a given day (a period's bounds).
CREATE INDEX IF NOT EXISTS funnel_leads_days_idx
	ON funnel_leads USING gist (daterange(first_day, last_day, '[]'));

CREATE TABLE IF NOT EXISTS funnel_day_leads (
	pipeline_id bigint NOT NULL,
	first_day date NOT NULL,
	last_day date NOT NULL,
	rk integer NOT NULL,
	won boolean NOT NULL,
	lost boolean NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (pipeline_id, first_day, last_day, rk, won, lost)
);
CREATE TABLE IF NOT EXISTS funnel_day_gaps (
	pipeline_id bigint NOT NULL,
	first_day date NOT NULL,
	last_day date NOT NULL,
	rk integer NOT NULL,
	gap double precision NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (pipeline_id, first_day, last_day, rk, gap)
);

-- Adds (sign 1) or takes away (sign -1) the answers of the leads (p[i],
-- l[i]) as funnel_leads holds them.
CREATE OR REPLACE FUNCTION funnel_leads_apply(p bigint[], l bigint[],
	sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO funnel_day_leads AS d (pipeline_id, first_day, last_day,
		rk, won, lost, n)
	SELECT f.pipeline_id, f.first_day, f.last_day, f.rk, f.won, f.lost,
		sign * count(*)
	FROM funnel_leads f JOIN unnest(p, l) AS k(p, l)
		ON f.pipeline_id = k.p AND f.lead_id = k.l
	WHERE f.first_at IS NOT NULL
	GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
	ON CONFLICT (pipeline_id, first_day, last_day, rk, won, lost)
	DO UPDATE SET n = d.n + EXCLUDED.n;
	INSERT INTO funnel_day_gaps AS d (pipeline_id, first_day, last_day,
		rk, gap, n)
	SELECT f.pipeline_id, f.first_day, f.last_day, g.rk, g.gap,
		sign * count(*)
	FROM funnel_leads f JOIN unnest(p, l) AS k(p, l)
		ON f.pipeline_id = k.p AND f.lead_id = k.l,
		unnest(f.gap_rk, f.gap_s) AS g(rk, gap)
	WHERE f.first_at IS NOT NULL
	GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
	ON CONFLICT (pipeline_id, first_day, last_day, rk, gap)
	DO UPDATE SET n = d.n + EXCLUDED.n;
	IF sign < 0 THEN
		DELETE FROM funnel_day_leads WHERE n = 0;
		DELETE FROM funnel_day_gaps WHERE n = 0;
	END IF;
END $$;
CREATE INDEX IF NOT EXISTS funnel_day_leads_zero_idx
	ON funnel_day_leads (pipeline_id) WHERE n = 0;
CREATE INDEX IF NOT EXISTS funnel_day_gaps_zero_idx
	ON funnel_day_gaps (pipeline_id) WHERE n = 0;

-- Recomputes the leads (p[i], l[i]) from all their events: the same
-- rules as the report's SQL (lib/report/funnel.c), over every event.
CREATE OR REPLACE FUNCTION funnel_leads_refresh(p bigint[], l bigint[])
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	tz text := (SELECT timezone FROM report_settings);
BEGIN
	-- One row per lead, locked: two writers of a lead take turns, the
	-- second reading the first's events.
	INSERT INTO funnel_leads (pipeline_id, lead_id)
	SELECT DISTINCT k.p, k.l FROM unnest(p, l) AS k(p, l) ORDER BY 1, 2
	ON CONFLICT DO NOTHING;
	PERFORM 1 FROM funnel_leads f JOIN unnest(p, l) AS k(p, l)
		ON f.pipeline_id = k.p AND f.lead_id = k.l
	ORDER BY f.pipeline_id, f.lead_id FOR UPDATE OF f;
	PERFORM funnel_leads_apply(p, l, -1);
	UPDATE funnel_leads f SET first_at = NULL FROM unnest(p, l) AS k(p, l)
	WHERE f.pipeline_id = k.p AND f.lead_id = k.l;
	WITH k AS (SELECT DISTINCT k.p, k.l FROM unnest(p, l) AS k(p, l)),
	st AS (SELECT pipeline_id, status_id,
		row_number() OVER (PARTITION BY pipeline_id ORDER BY position) AS rk
		FROM funnel_stages),
	ev AS MATERIALIZED (SELECT e.pipeline_id, e.lead_id, e.status_id,
		e.event_at, s1.rk, s2.rk AS ork
		FROM k JOIN lead_events e ON e.lead_id = k.l AND e.pipeline_id = k.p
		LEFT JOIN st s1 ON s1.pipeline_id = e.pipeline_id
			AND s1.status_id = e.status_id
		LEFT JOIN st s2 ON s2.pipeline_id = e.pipeline_id
			AND s2.status_id = e.old_status_id),
	lead AS (SELECT pipeline_id, lead_id, min(event_at) AS first_at,
		max(event_at) AS last_at,
		max(greatest(coalesce(rk, 0), coalesce(ork, 0)))::integer AS rk,
		bool_or(status_id = 142) AS won, bool_or(status_id = 143) AS lost
		FROM ev GROUP BY 1, 2),
	entered AS (SELECT pipeline_id, lead_id, rk, min(event_at) AS t
		FROM ev WHERE rk IS NOT NULL GROUP BY 1, 2, 3),
	steps AS (SELECT pipeline_id, lead_id, rk, t - lag(t) OVER w AS gap,
		lag(rk) OVER w AS prk FROM entered
		WINDOW w AS (PARTITION BY pipeline_id, lead_id ORDER BY rk)),
	gaps AS (SELECT pipeline_id, lead_id, array_agg(rk::integer ORDER BY rk) AS rk,
		array_agg(extract(epoch FROM gap)::double precision ORDER BY rk) AS s
		FROM steps WHERE prk = rk - 1 AND gap >= interval '0'
		GROUP BY 1, 2)
	UPDATE funnel_leads f SET first_at = lead.first_at,
		last_at = lead.last_at,
		first_day = (lead.first_at AT TIME ZONE tz)::date,
		last_day = (lead.last_at AT TIME ZONE tz)::date,
		rk = lead.rk, won = lead.won, lost = lead.lost,
		gap_rk = coalesce(gaps.rk, '{}'), gap_s = coalesce(gaps.s, '{}')
	FROM lead LEFT JOIN gaps ON gaps.pipeline_id = lead.pipeline_id
		AND gaps.lead_id = lead.lead_id
	WHERE f.pipeline_id = lead.pipeline_id AND f.lead_id = lead.lead_id;
	-- A lead without events any more (deleted) leaves no row.
	DELETE FROM funnel_leads f USING unnest(p, l) AS k(p, l)
	WHERE f.pipeline_id = k.p AND f.lead_id = k.l AND f.first_at IS NULL;
	PERFORM funnel_leads_apply(p, l, 1);
END $$;

-- lead_events is insert-only, but a correction (an UPDATE, a DELETE by
-- hand) is followed too: the leads of the old and the new rows.
CREATE OR REPLACE FUNCTION lead_events_funnel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM funnel_leads_refresh(array_agg(k.pipeline_id), array_agg(k.lead_id))
		FROM (SELECT DISTINCT pipeline_id, lead_id FROM new_events) k;
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

CREATE OR REPLACE FUNCTION lead_events_funnel_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM funnel_day_leads;
	DELETE FROM funnel_day_gaps;
	DELETE FROM funnel_leads;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER lead_events_funnel_truncate
	AFTER TRUNCATE ON lead_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel_truncate();

-- Recomputes everything, in the caller's transaction. Safe at any time.
CREATE OR REPLACE FUNCTION funnel_leads_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	LOCK TABLE lead_events IN SHARE MODE;
	DELETE FROM funnel_day_leads;
	DELETE FROM funnel_day_gaps;
	DELETE FROM funnel_leads;
	PERFORM funnel_leads_refresh(array_agg(k.pipeline_id), array_agg(k.lead_id))
	FROM (SELECT DISTINCT pipeline_id, lead_id FROM lead_events) k;
	SELECT count(*) INTO n FROM funnel_leads;
	RETURN n;
END $$;

CREATE OR REPLACE FUNCTION funnel_leads_rebuild_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM funnel_leads_rebuild();
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER funnel_stages_funnel_leads
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON funnel_stages
	FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_rebuild_trigger();
CREATE OR REPLACE TRIGGER report_settings_funnel_leads
	AFTER UPDATE OF timezone ON report_settings
	FOR EACH STATEMENT EXECUTE FUNCTION funnel_leads_rebuild_trigger();

-- The events stored before this trigger existed.
SELECT funnel_leads_rebuild();
