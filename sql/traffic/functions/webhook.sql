-- The webhook path's statements (lib/sales/track.c, lib/sales/ingest.c),
-- as PL/pgSQL: the server keeps the plans of their statements for the
-- life of its connection, whichever client borrows it (a transaction-mode
-- pooler), so a delivery has only the small call parsed and planned.

-- One lead event (any status); a repeated delivery adds nothing.
CREATE OR REPLACE FUNCTION amosync_lead_event(p_lead bigint, p_action text,
	p_pipeline bigint, p_old_pipeline bigint, p_status bigint,
	p_old_status bigint, p_updated bigint, p_at bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id,
		status_id, old_status_id, lead_updated_at, event_at)
	VALUES (p_lead, p_action, p_pipeline, p_old_pipeline, p_status,
		p_old_status, p_updated, to_timestamp(p_at))
	ON CONFLICT DO NOTHING;
END $$;

-- A won lead's sale, and its "enrich" job when the row is new. The team
-- was chosen with the caller's cached rules of version p_version: when
-- the rules moved since, nothing is inserted and the version seen is
-- returned, so the caller reloads them and tries again. The amount is
-- pipeline_amount() (sql/common/functions/pipelines.sql); the
-- product is the pipeline's unless the caller named one. sale_id NULL
-- and version = p_version: the sale was there already.
CREATE OR REPLACE FUNCTION amosync_track_sale(p_lead text, p_name text,
	p_price text, p_product text, p_source text, p_medium text,
	p_campaign text, p_content text, p_term text, p_team text,
	p_confidence text, p_pipeline text, p_status text, p_at bigint,
	p_raw jsonb, p_contact text, p_phone text, p_email text,
	p_version bigint, p_payload jsonb, p_key text,
	OUT o_sale_id uuid, OUT o_version bigint, OUT o_job_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	WITH v AS (SELECT a.version FROM attribution_version a),
	s AS (INSERT INTO all_sales_tracking (lead_id, lead_name, sale_amount,
		product_name, utm_source, utm_medium, utm_campaign, utm_content,
		utm_term, targetologist, attribution_confidence, pipeline_id,
		status_id, sale_date, raw_webhook_data, contact_name,
		contact_phone, contact_email)
	SELECT p_lead, p_name,
		coalesce(pipeline_amount(p_price, p.default_amount), 0),
		coalesce(p_product, p.product_name, 'Pipeline ' || p_pipeline),
		p_source, p_medium, p_campaign, p_content, p_term, p_team,
		p_confidence, p_pipeline, p_status, to_timestamp(p_at), p_raw,
		p_contact, p_phone, p_email
	FROM (SELECT 1) one LEFT JOIN pipelines p
		ON p.pipeline_id = nullif(p_pipeline, '')::bigint
	WHERE (SELECT v.version FROM v) = p_version
	ON CONFLICT (lead_id) DO NOTHING RETURNING id)
	SELECT (SELECT s.id FROM s), (SELECT v.version FROM v)
	INTO o_sale_id, o_version;
	IF o_sale_id IS NOT NULL THEN
		o_job_id := outbox_enqueue('enrich', p_payload, p_key);
	END IF;
END $$;
