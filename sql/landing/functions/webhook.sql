-- The landing side of the funnel-sale webhook (lib/sales/landing.c and
-- lib/sales/ingest.c call them): a funnel sale into its pipeline's table,
-- and the raw request (amosync_record_request(),
-- sql/common/functions/common.sql). PL/pgSQL, so the server keeps the plans of their
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
	WITH p AS (SELECT pl.target_table, pl.default_amount FROM pipelines pl
		WHERE pl.pipeline_id = p_pipeline AND pl.active),
	e AS (INSERT INTO express_course_sales (deal_id, pipeline_id,
		status_id, amount, utm_source, utm_medium, utm_campaign,
		utm_content, utm_term, targetologist, sale_date, raw_data)
	SELECT p_deal, p_pipeline, p_status,
		pipeline_amount(p_price, p.default_amount), p_source, p_medium,
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
		pipeline_amount(p_price, p.default_amount), p_source, p_medium,
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
