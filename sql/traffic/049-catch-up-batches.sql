-- The catch-ups work in bounded batches (issue 21): 65,000 pending sales
-- made one funnel_pending_apply() run for more than 12 minutes, and every
-- funnel report waited on it. sales_stats_pending_apply(lim) and
-- funnel_pending_apply(lim) (sql/traffic/functions/sales_stats.sql,
-- funnel.sql) now take a batch size; the versions without one go, so that
-- a call without arguments is not ambiguous. funnel_leads_refresh() now
-- applies a lead's old and new answers to the sums in one pass, so
-- funnel_leads_apply() and funnel_all_apply() have no caller left.
DROP FUNCTION IF EXISTS sales_stats_pending_apply();
DROP FUNCTION IF EXISTS funnel_pending_apply();
DROP FUNCTION IF EXISTS funnel_leads_apply(bigint[], bigint[], integer);
DROP FUNCTION IF EXISTS funnel_all_apply(bigint[], bigint[], integer);
