-- The outbox's one writer of new jobs (lib/io/outbox.c, outbox_enqueue(),
-- and amosync_track_sale() for a new sale's "enrich" job both call it):
-- a job unless one with the same dedup key exists (dedup key NULL: no
-- dedup). Returns the new job's id, or NULL for a duplicate. Claims,
-- retries and dead letters are lib/io/outbox.c's. PL/pgSQL, not SQL: a
-- SQL function with an INSERT is planned again at each call, a PL/pgSQL
-- one keeps its plan for the connection (the webhook path calls it for
-- every new sale).
CREATE OR REPLACE FUNCTION outbox_enqueue(p_kind text, p_payload jsonb,
	p_key text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	job bigint;
BEGIN
	INSERT INTO outbox_jobs (kind, payload, dedup_key)
	VALUES (p_kind, p_payload, p_key)
	ON CONFLICT (dedup_key) DO NOTHING RETURNING id INTO job;
	RETURN job;
END $$;
