-- The landing side of the funnel-sale webhook (lib/sales/landing.c and
-- lib/sales/ingest.c call them): a funnel sale into its pipeline's table,
-- and the raw request. PL/pgSQL, so the server keeps the plans of their
-- statements per connection (works through a transaction-mode pooler).

-- A won deal into its pipeline's table (table names cannot be
-- parameters: each table has its INSERT, guarded by the looked-up
-- target). A row that exists without a team takes the team known now
-- (stored while the traffic database was down, its deal comes back on
-- replay). o_target NULL: the pipeline has no table (not a funnel sale);
-- o_new true: inserted, false: an existing row got its team, NULL: the
-- deal was there already.
CREATE OR REPLACE FUNCTION amosync_landing_store(p_deal bigint,
	p_pipeline bigint, p_status bigint, p_price text, p_source text,
	p_medium text, p_campaign text, p_content text, p_term text,
	p_team text, p_at bigint, p_tz text, p_raw jsonb,
	OUT o_target text, OUT o_new boolean)
LANGUAGE plpgsql AS $$
BEGIN
	WITH p AS (SELECT pl.target_table FROM pipelines pl
		WHERE pl.pipeline_id = p_pipeline AND pl.active),
	e AS (INSERT INTO express_course_sales (deal_id, pipeline_id,
		status_id, amount, utm_source, utm_medium, utm_campaign,
		utm_content, utm_term, targetologist, sale_date, raw_data)
	SELECT p_deal, p_pipeline, p_status,
		pipeline_amount(p_price, p_pipeline), p_source, p_medium,
		p_campaign,
		p_content, p_term, p_team, to_timestamp(p_at) AT TIME ZONE p_tz,
		p_raw
	FROM p WHERE p.target_table = 'express_course_sales'
	ON CONFLICT (deal_id) DO UPDATE SET targetologist = EXCLUDED.targetologist
	WHERE express_course_sales.targetologist IS NULL
		AND EXCLUDED.targetologist IS NOT NULL
	RETURNING xmax = 0 AS is_new),
	m AS (INSERT INTO main_product_sales (deal_id, pipeline_id,
		status_id, amount, utm_source, utm_medium, utm_campaign,
		utm_content, utm_term, targetologist, sale_date, raw_data)
	SELECT p_deal, p_pipeline, p_status,
		pipeline_amount(p_price, p_pipeline), p_source, p_medium,
		p_campaign,
		p_content, p_term, p_team, to_timestamp(p_at) AT TIME ZONE p_tz,
		p_raw
	FROM p WHERE p.target_table = 'main_product_sales'
	ON CONFLICT (deal_id) DO UPDATE SET targetologist = EXCLUDED.targetologist
	WHERE main_product_sales.targetologist IS NULL
		AND EXCLUDED.targetologist IS NOT NULL
	RETURNING xmax = 0 AS is_new)
	SELECT (SELECT p.target_table FROM p),
		coalesce((SELECT e.is_new FROM e), (SELECT m.is_new FROM m))
	INTO o_target, o_new;
END $$;

-- The raw request, as answered (webhook_requests); '' is NULL.
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
		p_saved);
END $$;
