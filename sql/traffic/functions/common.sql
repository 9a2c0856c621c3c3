-- updated_at kept by the database, for every table of the traffic database
-- that has one (the function: sql/common/functions/common.sql).

CREATE OR REPLACE TRIGGER traffic_teams_updated_at BEFORE UPDATE ON traffic_teams
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER all_sales_tracking_updated_at BEFORE UPDATE ON all_sales_tracking
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER traffic_sales_stats_updated_at BEFORE UPDATE ON traffic_sales_stats
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER attribution_rules_updated_at BEFORE UPDATE ON attribution_rules
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER pipelines_updated_at BEFORE UPDATE ON pipelines
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER outbox_jobs_updated_at BEFORE UPDATE ON outbox_jobs
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER ad_spend_updated_at BEFORE UPDATE ON ad_spend
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();
