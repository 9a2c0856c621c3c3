-- Lanes of the outbox (lib/io/outbox.h): a worker claims the jobs of one
-- lane, by kind, the oldest first, and the announce lane also the newest
-- enrich job. The ready jobs of one kind in id order, for both.
CREATE INDEX IF NOT EXISTS outbox_jobs_kind_ready_idx ON outbox_jobs (kind, id)
	WHERE state IN ('pending', 'running');
