-- updated_at kept by the database, for every table of the landing database
-- that has one (the function: sql/common/functions/common.sql).

CREATE OR REPLACE TRIGGER landing_leads_updated_at BEFORE UPDATE ON landing_leads
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER pipelines_updated_at BEFORE UPDATE ON pipelines
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER express_course_sales_updated_at BEFORE UPDATE ON express_course_sales
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();

CREATE OR REPLACE TRIGGER main_product_sales_updated_at BEFORE UPDATE ON main_product_sales
	FOR EACH ROW EXECUTE FUNCTION amosync_set_updated_at();
