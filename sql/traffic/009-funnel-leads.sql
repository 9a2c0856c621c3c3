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

CREATE INDEX IF NOT EXISTS funnel_day_leads_zero_idx
	ON funnel_day_leads (pipeline_id) WHERE n = 0;
CREATE INDEX IF NOT EXISTS funnel_day_gaps_zero_idx
	ON funnel_day_gaps (pipeline_id) WHERE n = 0;

-- The events stored before this trigger existed.
INSERT INTO amosync_rebuilds (call) VALUES ('funnel_leads_rebuild()')
	ON CONFLICT DO NOTHING;

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was c2e4dc8c506f4ef8
