-- The funnel of one team (GET /api/traffic/funnel?targetologist=) from
-- sums, as the funnel of every team is (009): 046 read each of the team's
-- leads of the period from funnel_leads and their team from the sales,
-- 161 ms for 30 days and 394 ms for a year at 1,000,000 sales (issue 10:
-- every report under 100 ms).
--
-- A lead's team is the team of its sale (all_sales_tracking.lead_id is
-- unique; 'Unknown': a sale without one; NULL: no sale), the rule of the
-- report's TEAM_OF. funnel_leads.team holds it as read when the lead's
-- answer was last added, and funnel_team_day_leads and
-- funnel_team_day_gaps sum the answers per team as funnel_day_* do for
-- all leads. A sale that is added, deleted, re-attributed or moved to
-- another lead marks its lead pending (funnel_pending, 011), as a new
-- event does (a new sale when the sales statistics take it, off the
-- webhook's path); the report applies what is pending before it reads,
-- so the team sums equal the sales of that moment.
ALTER TABLE funnel_leads ADD COLUMN IF NOT EXISTS team text;
-- The leads of a sale (the triggers below).
CREATE INDEX IF NOT EXISTS funnel_leads_lead_idx ON funnel_leads (lead_id);
-- 046's index served the per-lead read the sums replace.
DROP INDEX IF EXISTS funnel_leads_first_day_idx;

CREATE TABLE IF NOT EXISTS funnel_team_day_leads (
	pipeline_id bigint NOT NULL,
	team text NOT NULL,
	first_day date NOT NULL,
	last_day date NOT NULL,
	rk integer NOT NULL,
	won boolean NOT NULL,
	lost boolean NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (pipeline_id, team, first_day, last_day, rk, won, lost)
);
CREATE TABLE IF NOT EXISTS funnel_team_day_gaps (
	pipeline_id bigint NOT NULL,
	team text NOT NULL,
	first_day date NOT NULL,
	last_day date NOT NULL,
	rk integer NOT NULL,
	gap double precision NOT NULL,
	n bigint NOT NULL,
	PRIMARY KEY (pipeline_id, team, first_day, last_day, rk, gap)
);
CREATE INDEX IF NOT EXISTS funnel_team_day_leads_zero_idx
	ON funnel_team_day_leads (pipeline_id) WHERE n = 0;
CREATE INDEX IF NOT EXISTS funnel_team_day_gaps_zero_idx
	ON funnel_team_day_gaps (pipeline_id) WHERE n = 0;

-- 009's funnel_leads_apply(), which keeps the sums of every lead, is
-- kept as funnel_all_apply(); funnel_leads_apply() (called by
-- funnel_leads_refresh()) now keeps the team sums too: it adds (sign 1)
-- or takes away (sign -1) the answers of the leads (p[i], l[i]) as
-- funnel_leads holds them. Adding first reads each lead's team from its
-- sale: the team is part of the answer, and taking it away later takes it
-- from the same team.
ALTER FUNCTION funnel_leads_apply(bigint[], bigint[], integer)
	RENAME TO funnel_all_apply;
CREATE FUNCTION funnel_leads_apply(p bigint[], l bigint[], sign integer)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF sign > 0 THEN
		UPDATE funnel_leads f SET team = t.team
		FROM unnest(p, l) AS k(p, l) LEFT JOIN LATERAL (
			SELECT coalesce(s.targetologist, 'Unknown') AS team
			FROM all_sales_tracking s WHERE s.lead_id = k.l::text) t ON true
		WHERE f.pipeline_id = k.p AND f.lead_id = k.l
			AND f.team IS DISTINCT FROM t.team;
	END IF;
	PERFORM funnel_all_apply(p, l, sign);
	INSERT INTO funnel_team_day_leads AS d (pipeline_id, team, first_day,
		last_day, rk, won, lost, n)
	SELECT f.pipeline_id, f.team, f.first_day, f.last_day, f.rk, f.won,
		f.lost, sign * count(*)
	FROM funnel_leads f JOIN unnest(p, l) AS k(p, l)
		ON f.pipeline_id = k.p AND f.lead_id = k.l
	WHERE f.first_at IS NOT NULL AND f.team IS NOT NULL
	GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
	ON CONFLICT (pipeline_id, team, first_day, last_day, rk, won, lost)
	DO UPDATE SET n = d.n + EXCLUDED.n;
	INSERT INTO funnel_team_day_gaps AS d (pipeline_id, team, first_day,
		last_day, rk, gap, n)
	SELECT f.pipeline_id, f.team, f.first_day, f.last_day, g.rk, g.gap,
		sign * count(*)
	FROM funnel_leads f JOIN unnest(p, l) AS k(p, l)
		ON f.pipeline_id = k.p AND f.lead_id = k.l,
		unnest(f.gap_rk, f.gap_s) AS g(rk, gap)
	WHERE f.first_at IS NOT NULL AND f.team IS NOT NULL
	GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
	ON CONFLICT (pipeline_id, team, first_day, last_day, rk, gap)
	DO UPDATE SET n = d.n + EXCLUDED.n;
	IF sign < 0 THEN
		DELETE FROM funnel_team_day_leads WHERE n = 0;
		DELETE FROM funnel_team_day_gaps WHERE n = 0;
	END IF;
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
CREATE OR REPLACE TRIGGER sales_stats_pending_funnel
	AFTER DELETE ON sales_stats_pending REFERENCING OLD TABLE AS done
	FOR EACH STATEMENT EXECUTE FUNCTION sales_stats_pending_funnel();

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
CREATE OR REPLACE TRIGGER all_sales_tracking_funnel_del
	AFTER DELETE ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION all_sales_tracking_funnel();
CREATE OR REPLACE TRIGGER all_sales_tracking_funnel_upd
	AFTER UPDATE OF lead_id, targetologist ON all_sales_tracking
	FOR EACH ROW
	WHEN (OLD.lead_id IS DISTINCT FROM NEW.lead_id
		OR OLD.targetologist IS DISTINCT FROM NEW.targetologist)
	EXECUTE FUNCTION all_sales_tracking_funnel();

CREATE OR REPLACE FUNCTION all_sales_tracking_funnel_truncate()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO funnel_pending (pipeline_id, lead_id)
	SELECT pipeline_id, lead_id FROM funnel_leads WHERE team IS NOT NULL
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER all_sales_tracking_funnel_truncate
	AFTER TRUNCATE ON all_sales_tracking
	FOR EACH STATEMENT EXECUTE FUNCTION all_sales_tracking_funnel_truncate();

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
CREATE OR REPLACE TRIGGER lead_events_funnel_team_truncate
	AFTER TRUNCATE ON lead_events
	FOR EACH STATEMENT EXECUTE FUNCTION lead_events_funnel_team_truncate();

-- 009's rebuild, kept as funnel_all_rebuild(), after the team sums are
-- emptied: it recomputes every lead through funnel_leads_apply().
ALTER FUNCTION funnel_leads_rebuild() RENAME TO funnel_all_rebuild;
CREATE FUNCTION funnel_leads_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	LOCK TABLE lead_events IN SHARE MODE;
	DELETE FROM funnel_team_day_leads;
	DELETE FROM funnel_team_day_gaps;
	RETURN funnel_all_rebuild();
END $$;

-- The teams of the leads stored before this migration.
SELECT funnel_leads_rebuild();
