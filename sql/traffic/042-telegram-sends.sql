-- Every message the worker sends to a Telegram chat (issue 12 items 3, 4;
-- issue 13 item 5). A row is the chat's slot, taken before the send under
-- the chat's transaction-level advisory lock, so that all workers of all
-- hosts keep TELEGRAM_CHAT_RATE_LIMIT messages a minute per chat; once
-- Telegram accepts the message its id is recorded in the same transaction
-- that marks the job(s) done. A row without message_id whose job was done
-- by another attempt marks a message that may have been sent twice.
CREATE TABLE IF NOT EXISTS telegram_sends (
	id bigserial PRIMARY KEY,
	chat_id text NOT NULL,
	job_id bigint,
	claimed_by text,
	sales integer NOT NULL DEFAULT 1,
	reserved_at timestamptz NOT NULL DEFAULT now(),
	message_id bigint,
	sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS telegram_sends_chat_idx
	ON telegram_sends (chat_id, reserved_at DESC);
CREATE INDEX IF NOT EXISTS telegram_sends_job_idx ON telegram_sends (job_id);

-- The pending announcements of one chat are found by their lead.
CREATE INDEX IF NOT EXISTS outbox_jobs_announce_idx
	ON outbox_jobs (((payload->>'lead_id')))
	WHERE kind = 'announce' AND state = 'pending';
