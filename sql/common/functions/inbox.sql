-- The durable inbox (webhook_requests rows with a state; the numbered
-- migrations traffic 051 and landing 042 add the columns). The webhook
-- programs keep a delivery with amosync_inbox_put() before they answer;
-- their processors (lib/sales/inbox.c) claim queued rows with SKIP
-- LOCKED, apply them and end them with amosync_inbox_finish().

-- Keeps one delivery, queued, in one statement. A retry of a delivery
-- that is still queued (same endpoint, same bytes) is not kept again:
-- duplicate is true and id is the queued one's (NULL when that one was
-- applied meanwhile).
CREATE OR REPLACE FUNCTION amosync_inbox_put(p_endpoint text,
	p_request_id text, p_amocrm_request_id text, p_remote_addr text,
	p_user_agent text, p_content_type text, p_body_size bigint,
	p_raw_body bytea, p_processed integer, p_lead_ids bigint[],
	OUT id bigint, OUT duplicate boolean)
LANGUAGE plpgsql AS $$
DECLARE
	h bytea := sha256(p_raw_body);
BEGIN
	INSERT INTO webhook_requests AS w (endpoint, request_id,
		amocrm_request_id, remote_addr, user_agent, content_type,
		body_size, raw_body, http_status, outcome, leads_processed,
		state, body_hash, lead_ids)
	VALUES (p_endpoint, nullif(p_request_id, ''),
		nullif(p_amocrm_request_id, ''), nullif(p_remote_addr, ''),
		nullif(p_user_agent, ''), nullif(p_content_type, ''), p_body_size,
		p_raw_body, 200, 'queued', p_processed, 'queued', h, p_lead_ids)
	-- Neither a retry of a queued delivery (endpoint, body_hash) nor a
	-- request kept already (request_id, unique) is kept twice.
	ON CONFLICT DO NOTHING
	RETURNING w.id INTO id;
	duplicate := id IS NULL;
	IF duplicate THEN
		SELECT w.id INTO id FROM webhook_requests w
		WHERE w.endpoint = p_endpoint AND w.body_hash = h
		  AND w.state = 'queued';
	END IF;
END $$;

-- Ends the claimed rows of a batch, one JSON object each:
--   {"id", "ok", "outcome", "saved", "duplicates", "error", "keep"}
-- ok: applied (state done, with its outcome and counts; an "ignored" or
-- "no_leads" delivery keeps only its first keep bytes). Not ok: tried
-- again after 2^attempts seconds (at most an hour), dead after
-- p_attempts attempts, its error kept.
CREATE OR REPLACE FUNCTION amosync_inbox_finish(p_rows json,
	p_attempts integer) RETURNS void
LANGUAGE sql AS $$
	UPDATE webhook_requests AS w SET
		state = CASE WHEN x.ok THEN 'done'
			WHEN w.attempts + 1 >= p_attempts THEN 'dead'
			ELSE 'queued' END,
		outcome = CASE WHEN x.ok THEN x.outcome
			WHEN w.attempts + 1 >= p_attempts THEN 'failed'
			ELSE w.outcome END,
		leads_saved = CASE WHEN x.ok THEN x.saved ELSE 0 END,
		leads_duplicate = CASE WHEN x.ok THEN x.duplicates ELSE 0 END,
		error = x.error,
		attempts = w.attempts + 1,
		next_at = CASE WHEN x.ok THEN NULL
			ELSE now() + make_interval(secs =>
				least(3600, power(2, least(w.attempts + 1, 12))))
			END,
		processed_at = CASE WHEN x.ok OR w.attempts + 1 >= p_attempts
			THEN now() END,
		raw_body = CASE WHEN x.ok AND x.outcome IN ('ignored', 'no_leads')
			AND x.keep IS NOT NULL
			THEN substring(w.raw_body FROM 1 FOR x.keep)
			ELSE w.raw_body END
	FROM json_to_recordset(p_rows) AS x (id bigint, ok boolean,
		outcome text, saved integer, duplicates integer, error text,
		keep integer)
	WHERE w.id = x.id AND w.state = 'queued';
$$;
