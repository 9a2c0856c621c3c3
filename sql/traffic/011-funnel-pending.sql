-- The funnel's tables (009-funnel-leads.sql) are brought up to date after
-- the webhook's transaction, not inside it: recomputing a lead's answer
-- cost about 1 ms per lead event in every webhook, a quarter of the
-- webhook path's throughput. A new lead event now only marks its lead
-- (funnel_pending, insert-only, no shared row to wait for); the report
-- applies what is pending before it reads (funnel_pending_apply(), in
-- lib/report/funnel.c), and the worker does it every few seconds so the
-- report seldom finds much. The answers stay exact: a report never reads
-- funnel_day_* with a lead left out. A correction (UPDATE, DELETE) is
-- still applied at once. funnel_pending_apply() is the only reader and
-- the trigger below the only writer of funnel_pending.
CREATE TABLE IF NOT EXISTS funnel_pending (
	pipeline_id bigint NOT NULL,
	lead_id bigint NOT NULL,
	PRIMARY KEY (pipeline_id, lead_id)
);

-- Applies the pending leads, each once even when two callers race (the
-- DELETE takes them); returns how many.
CREATE OR REPLACE FUNCTION funnel_pending_apply() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	p bigint[];
	l bigint[];
BEGIN
	WITH d AS (DELETE FROM funnel_pending RETURNING pipeline_id, lead_id)
	SELECT array_agg(pipeline_id ORDER BY pipeline_id, lead_id),
	       array_agg(lead_id ORDER BY pipeline_id, lead_id)
	INTO p, l FROM d;
	IF p IS NULL THEN
		RETURN 0;
	END IF;
	PERFORM funnel_leads_refresh(p, l);
	RETURN array_length(p, 1);
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

-- Leads marked before this migration's trigger existed are already
-- applied by 009's backfill; nothing else to do.
