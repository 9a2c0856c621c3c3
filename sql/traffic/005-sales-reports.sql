-- Indexes of the sales reports (lib/report/sales_history.c,
-- lib/report/sales_stats.c): the newest-first keyset of sales-history,
-- with and without a targetologist ("Unknown" is no team).
CREATE INDEX IF NOT EXISTS all_sales_tracking_history_idx
	ON all_sales_tracking (sale_date DESC, id DESC);
CREATE INDEX IF NOT EXISTS all_sales_tracking_team_history_idx
	ON all_sales_tracking ((coalesce(targetologist, 'Unknown')), sale_date DESC, id DESC);
