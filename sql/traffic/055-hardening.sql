-- Issue 22: one webhook_requests row per request id, sums that cannot
-- overflow, sales over the maximum flagged, a catch-up that sets aside.

-- One webhook_requests row per HTTP request: request_id is nginx's
-- $request_id, and a crash at commit time (or a spooled delivery replayed
-- after its first insert did commit) kept some requests twice. The
-- earliest row of each request stays; the writers (amosync_record_request,
-- amosync_inbox_put: sql/common/functions/) insert ON CONFLICT DO NOTHING
-- on this index. Safe to run twice.
DELETE FROM webhook_requests w
USING webhook_requests o
WHERE w.request_id IS NOT NULL
  AND o.request_id = w.request_id
  AND o.id < w.id;

CREATE UNIQUE INDEX IF NOT EXISTS webhook_requests_request_id_key
	ON webhook_requests (request_id) WHERE request_id IS NOT NULL;

-- Sums that cannot overflow: one sale may be as large as money_parse()
-- accepts (13 whole digits), so a day's total gets 18 whole digits (a
-- hundred thousand such sales in one day, team and source), and the
-- ratios over it as many, each keeping its scale (a wider precision is
-- no rewrite of the table).
ALTER TABLE traffic_sales_stats
	ALTER COLUMN total_revenue TYPE numeric(20,2),
	ALTER COLUMN average_order_value TYPE numeric(20,2),
	ALTER COLUMN flagman_revenue TYPE numeric(20,2),
	ALTER COLUMN express_revenue TYPE numeric(20,2),
	ALTER COLUMN conversion_rate TYPE numeric(20,2),
	ALTER COLUMN fb_spend TYPE numeric(20,2),
	ALTER COLUMN fb_ctr TYPE numeric(22,4),
	ALTER COLUMN fb_cpc TYPE numeric(22,4),
	ALTER COLUMN fb_cpm TYPE numeric(22,4),
	ALTER COLUMN roi TYPE numeric(22,2),
	ALTER COLUMN roas TYPE numeric(22,4),
	ALTER COLUMN cpa TYPE numeric(20,2);
-- Ad spend in tenge: dollars (13 digits) times a rate.
ALTER TABLE ad_spend ALTER COLUMN amount_kzt TYPE numeric(22,2);
ALTER TABLE fb_import_runs ALTER COLUMN spend_kzt TYPE numeric(22,2);

-- A sale over AMOSYNC_MAX_SALE_AMOUNT (lib/sales/track.c sets the flag
-- when the sale is stored and when amoCRM verifies it): kept, counted,
-- and shown flagged, so a 13-digit price is seen and corrected.
ALTER TABLE all_sales_tracking
	ADD COLUMN IF NOT EXISTS amount_over_max boolean NOT NULL DEFAULT false;

-- Sales the statistics catch-up could not add (sales_stats_pending_apply,
-- functions/sales_stats.sql): set aside with the error, one row each, so
-- one bad sale never stops the others.
CREATE TABLE IF NOT EXISTS sales_stats_failed (
	sale_id uuid PRIMARY KEY REFERENCES all_sales_tracking (id)
		ON DELETE CASCADE,
	error text NOT NULL,
	failed_at timestamptz NOT NULL DEFAULT now()
);
