-- What every database of amosync shares (applied to traffic and landing
-- before their own functions).

-- updated_at kept by the database (the triggers: <db>/functions/common.sql).
CREATE OR REPLACE FUNCTION amosync_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at = now();
	RETURN NEW;
END $$;

-- The raw request of a webhook delivery, as answered (webhook_requests,
-- the same table in both databases; lib/sales/ingest.c calls it); '' is
-- NULL.
CREATE OR REPLACE FUNCTION amosync_record_request(p_endpoint text,
	p_request_id text, p_amocrm_request_id text, p_remote_addr text,
	p_user_agent text, p_content_type text, p_body_size bigint,
	p_raw_body bytea, p_http_status integer, p_outcome text, p_error text,
	p_processed integer, p_saved integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO webhook_requests (endpoint, request_id, amocrm_request_id,
		remote_addr, user_agent, content_type, body_size, raw_body,
		http_status, outcome, error, leads_processed, leads_saved)
	VALUES (p_endpoint, nullif(p_request_id, ''),
		nullif(p_amocrm_request_id, ''), nullif(p_remote_addr, ''),
		nullif(p_user_agent, ''), nullif(p_content_type, ''), p_body_size,
		p_raw_body, p_http_status, p_outcome, p_error, p_processed,
		p_saved)
	-- A request already recorded (a replay after a commit the client
	-- did not see) is not recorded twice: request_id is unique.
	ON CONFLICT DO NOTHING;
END $$;
