-- Retention (AMOSYNC_RETENTION_DAYS): the worker deletes done outbox
-- jobs by age, oldest first; this index finds them without a scan.
CREATE INDEX IF NOT EXISTS outbox_jobs_done_idx ON outbox_jobs (done_at)
	WHERE state = 'done';
