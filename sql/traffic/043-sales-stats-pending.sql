-- The sales statistics (traffic_sales_stats, 008; utm_sales_stats, 010)
-- are brought up to date after the webhook's transaction, not inside it,
-- as the funnel's are (011). Adding a sale to them in its own transaction
-- made every concurrent sale of the same day, team and source wait for
-- one row (and one advisory lock) until the previous sale's COMMIT: a
-- bulk stage change in amoCRM was stored one sale at a time, and a third
-- of the webhook path's database time was that wait (issue 8).
--
-- A new sale now only marks itself (sales_stats_pending, insert-only, no
-- shared row); sales_stats_pending_apply() adds the marked sales to both
-- tables, a group at a time. Every report that reads them calls it first
-- (lib/report/stats.c, stats_catch_up()), and the worker every few seconds,
-- so the figures a report shows still equal a GROUP BY of the sales. A
-- correction, a re-attribution or a deletion of an applied sale is still
-- applied at once, in its own transaction (008, 010); of a sale not yet
-- applied it changes nothing: the apply reads the sale as it is then.
--
-- Races, each settled by a lock:
-- * two applies: pg_advisory_xact_lock(1012) makes them take turns;
-- * an apply and a change to one of its sales: the apply takes the
--   sales FOR SHARE before it reads them, so it reads the change's result
--   (the change's trigger saw the sale pending and left it), or the change
--   waits for the apply and its trigger sees the sale applied;
-- * an apply and a recount of a UTM group: both take the group's advisory
--   lock (utm_sales_stats_lock); a recount counts applied sales only.
--
-- Unverified sales (040-verification.sql) are left out of both tables, as
-- if they had no sale date: each function below has the condition
-- "verification <> 'unverified'", and the update trigger also fires when
-- a sale's verification changes. A sale that becomes unverified leaves the
-- sums, one verified again joins them; a sale still pending is left to
-- the apply, which reads its verification then.
CREATE TABLE IF NOT EXISTS sales_stats_pending (
	sale_id uuid PRIMARY KEY
);

DROP TRIGGER IF EXISTS all_sales_tracking_utm_ins ON all_sales_tracking;
DROP TRIGGER IF EXISTS all_sales_tracking_stats_ins_del ON all_sales_tracking;

-- 010's insert trigger's functions, unused now.
DROP FUNCTION IF EXISTS all_sales_tracking_utm();
DROP FUNCTION IF EXISTS utm_sales_stats_add(timestamptz, text, text, text,
	text, numeric);

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 79b87ddad3362cc9
