-- The pipeline catalogue's rules, the same in every database that has a
-- `pipelines` table (applied by amosync-migrate to traffic and landing).

-- A sale's amount (R4, R6): the lead's price when it has one, else the
-- list price of its pipeline; NULL when it has neither. The one place of
-- this rule: the webhook functions (traffic and landing webhook.sql), the
-- verification of a sale (lib/sales/track.c) and the list price of a
-- pushed landing lead (lib/landing) call it. A SQL function of one
-- expression: the planner inlines it into each caller's statement.
CREATE OR REPLACE FUNCTION pipeline_amount(price text, pipeline bigint)
RETURNS numeric
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN price::numeric > 0 THEN price::numeric
	ELSE (SELECT p.default_amount FROM pipelines p
		WHERE p.pipeline_id = pipeline) END
$$;
