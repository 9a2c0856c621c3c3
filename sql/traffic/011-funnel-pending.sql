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

-- Leads marked before this migration's trigger existed are already
-- applied by 009's backfill; nothing else to do.

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 03f49ae7e561d9a4
