-- The push of landing leads into amoCRM (landing/push): a worker claims
-- the oldest queued leads; this index keeps that claim cheap however
-- many leads there are.
CREATE INDEX IF NOT EXISTS landing_leads_push_queue_idx
	ON landing_leads (created_at, id) WHERE amocrm_sync_status = 'queued';
