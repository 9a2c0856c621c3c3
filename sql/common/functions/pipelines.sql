-- The pipeline catalogue's rules, the same in every database that has a
-- `pipelines` table (applied by amosync-migrate to traffic and landing).

-- A sale's amount (R4, R6): the lead's price when it has one, else
-- list_price, its pipeline's (pipelines.default_amount, which the caller
-- has joined already); NULL when it has neither. The one place of this
-- rule: the webhook functions (traffic and landing webhook.sql) and the
-- verification of a sale (lib/sales/track.c) call it. One expression, no
-- sub-SELECT, IMMUTABLE: the planner inlines it into each caller's
-- statement (a function with a sub-SELECT is not inlined, and was
-- measured 10-15 % slower on the landing step, make bench-pg).
CREATE OR REPLACE FUNCTION pipeline_amount(price text, list_price numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN price::numeric > 0 THEN price::numeric
	ELSE list_price END
$$;
