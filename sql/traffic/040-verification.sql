-- Sales verified against amoCRM (issue 12, item 2). The worker's
-- enrichment reads the lead from amoCRM: a lead that exists and is won
-- there is 'verified' (its price, pipeline and UTM tags taken from amoCRM,
-- each change kept in sale_corrections); a lead amoCRM does not have, or
-- does not have as won, is 'unverified': kept, listed by the admin API,
-- left out of the totals and never announced. 'pending' until then.
ALTER TABLE all_sales_tracking
	ADD COLUMN IF NOT EXISTS verification text NOT NULL DEFAULT 'pending';
ALTER TABLE all_sales_tracking
	ADD COLUMN IF NOT EXISTS verified_at timestamptz;
ALTER TABLE all_sales_tracking
	ADD COLUMN IF NOT EXISTS verification_note text;
DO $$ BEGIN
	ALTER TABLE all_sales_tracking ADD CONSTRAINT
		all_sales_tracking_verification_check
		CHECK (verification IN ('pending', 'verified', 'unverified'));
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE INDEX IF NOT EXISTS all_sales_tracking_unverified_idx
	ON all_sales_tracking (sale_date DESC, id DESC)
	WHERE verification = 'unverified';

-- What amoCRM corrected in a stored sale: one row per changed value.
CREATE TABLE IF NOT EXISTS sale_corrections (
	id bigserial PRIMARY KEY,
	lead_id text NOT NULL,
	field text NOT NULL,
	webhook_value text,
	amocrm_value text,
	corrected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sale_corrections_lead_idx
	ON sale_corrections (lead_id, id);
