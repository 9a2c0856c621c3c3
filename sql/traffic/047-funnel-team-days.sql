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

-- The teams of the leads stored before this migration.
INSERT INTO amosync_rebuilds (call) VALUES ('funnel_leads_rebuild()')
	ON CONFLICT DO NOTHING;

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was a4ae6d5d51c9cdfd
-- amosync-migrate: was fdd6c3f7e07665da
