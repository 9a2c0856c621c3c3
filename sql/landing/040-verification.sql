-- The landing copy of a sale's verification against amoCRM (the traffic
-- database's all_sales_tracking.verification, 040-verification.sql
-- there): 'verified' rows carry amoCRM's amount and UTM tags.
ALTER TABLE express_course_sales
	ADD COLUMN IF NOT EXISTS verification text NOT NULL DEFAULT 'pending';
ALTER TABLE main_product_sales
	ADD COLUMN IF NOT EXISTS verification text NOT NULL DEFAULT 'pending';
