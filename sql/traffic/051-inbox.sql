-- The durable inbox (docs/architecture.md, "The inbox"): a delivery is
-- kept in webhook_requests in one INSERT before it is answered, and the
-- webhook program's processor applies it after. A row to process has a
-- state; rows of refused or rejected requests, and those stored before
-- the inbox, have none.
--   queued  kept, waiting for a processor (or retrying: next_at)
--   done    applied: outcome and counts say what it came to
--   dead    could not be applied after its attempts: error says why
ALTER TABLE webhook_requests
	ADD COLUMN IF NOT EXISTS state text,
	ADD COLUMN IF NOT EXISTS body_hash bytea,
	ADD COLUMN IF NOT EXISTS lead_ids bigint[],
	ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0,
	ADD COLUMN IF NOT EXISTS next_at timestamptz,
	ADD COLUMN IF NOT EXISTS processed_at timestamptz,
	ADD COLUMN IF NOT EXISTS leads_duplicate integer NOT NULL DEFAULT 0;

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_constraint
	    WHERE conname = 'webhook_requests_state_check') THEN
		ALTER TABLE webhook_requests ADD CONSTRAINT
		    webhook_requests_state_check
		    CHECK (state IN ('queued', 'done', 'dead'));
	END IF;
END $$;

-- A retry of a delivery still waiting is not kept twice.
CREATE UNIQUE INDEX IF NOT EXISTS webhook_requests_queued_body
	ON webhook_requests (endpoint, body_hash) WHERE state = 'queued';
-- The processors' claim, oldest first.
CREATE INDEX IF NOT EXISTS webhook_requests_queued_idx
	ON webhook_requests (endpoint, id) WHERE state = 'queued';
-- Per-lead order: a delivery waits for an earlier one of its leads. No
-- pending list (fastupdate): every claim looks up its rows' leads, and a
-- backlog's entries must be in the tree, not in a list scanned each time.
CREATE INDEX IF NOT EXISTS webhook_requests_queued_leads
	ON webhook_requests USING gin (lead_ids) WITH (fastupdate = off)
	WHERE state = 'queued';
-- Deliveries set aside, for the gauges and the dashboards.
CREATE INDEX IF NOT EXISTS webhook_requests_dead_idx
	ON webhook_requests (processed_at) WHERE state = 'dead';
