-- Landing database: landing-page leads, Express and Flagship sales, the
-- pipelines they belong to, and every webhook request received.
-- Table and column names are the seed's: existing dashboards read them.

CREATE TABLE IF NOT EXISTS landing_leads (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email text,
	name text NOT NULL,
	phone text,
	source text DEFAULT 'twland',
	utm_source text,
	utm_campaign text,
	utm_medium text,
	utm_content text,
	utm_term text,
	amocrm_lead_id text,
	amocrm_contact_id text,
	amocrm_synced boolean NOT NULL DEFAULT false,
	amocrm_sync_status text,
	amocrm_sync_attempts integer NOT NULL DEFAULT 0,
	amocrm_sync_last_error text,
	email_sent boolean NOT NULL DEFAULT false,
	email_sent_at timestamptz,
	email_opened_at timestamptz,
	email_clicked boolean NOT NULL DEFAULT false,
	email_clicked_at timestamptz,
	email_error text,
	sms_sent boolean NOT NULL DEFAULT false,
	sms_sent_at timestamptz,
	sms_clicked boolean NOT NULL DEFAULT false,
	sms_clicked_at timestamptz,
	sms_error text,
	sms_message_id text,
	click_count integer NOT NULL DEFAULT 0,
	metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT landing_leads_contact CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS landing_leads_email_idx ON landing_leads (lower(email));
CREATE INDEX IF NOT EXISTS landing_leads_phone_idx ON landing_leads (phone);
CREATE INDEX IF NOT EXISTS landing_leads_created_idx ON landing_leads (created_at DESC);
CREATE INDEX IF NOT EXISTS landing_leads_synced_idx ON landing_leads (amocrm_synced);
CREATE INDEX IF NOT EXISTS landing_leads_source_idx ON landing_leads (source);

-- R4: pipelines, their product, list price and the table their sales go
-- to. Editable without a rebuild.
CREATE TABLE IF NOT EXISTS pipelines (
	pipeline_id bigint PRIMARY KEY,
	name text NOT NULL,
	product_name text NOT NULL,
	default_amount numeric(15,2) NOT NULL DEFAULT 0 CHECK (default_amount >= 0),
	target_table text CHECK (target_table IN
		('express_course_sales', 'main_product_sales')),
	active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS express_course_sales (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	deal_id bigint NOT NULL UNIQUE,
	pipeline_id bigint,
	status_id bigint,
	amount numeric(15,2) DEFAULT 5000.00,
	currency varchar(3) DEFAULT 'KZT',
	utm_source text,
	utm_campaign text,
	utm_medium text,
	utm_content text,
	utm_term text,
	phone text,
	email text,
	customer_name text,
	customer_id bigint,
	targetologist text,
	original_utm_source text,
	original_utm_campaign text,
	original_utm_medium text,
	original_utm_content text,
	original_utm_term text,
	attribution_source text,
	related_deal_id bigint,
	sale_date timestamp,
	webhook_received_at timestamptz DEFAULT now(),
	raw_data jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS express_course_sales_utm_idx ON express_course_sales (utm_source);
CREATE INDEX IF NOT EXISTS express_course_sales_date_idx ON express_course_sales (sale_date DESC);

CREATE TABLE IF NOT EXISTS main_product_sales (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	deal_id bigint NOT NULL UNIQUE,
	pipeline_id bigint,
	status_id bigint,
	amount numeric(15,2) DEFAULT 490000.00,
	currency varchar(3) DEFAULT 'KZT',
	utm_source text,
	utm_campaign text,
	utm_medium text,
	utm_content text,
	utm_term text,
	phone text,
	email text,
	customer_name text,
	customer_id bigint,
	targetologist text,
	sale_date timestamp,
	webhook_received_at timestamptz DEFAULT now(),
	raw_data jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS main_product_sales_utm_idx ON main_product_sales (utm_source);
CREATE INDEX IF NOT EXISTS main_product_sales_date_idx ON main_product_sales (sale_date DESC);

-- Every request a webhook endpoint received, with its raw body (bytea:
-- the body may not be valid UTF-8) and what became of it.
CREATE TABLE IF NOT EXISTS webhook_requests (
	id bigserial PRIMARY KEY,
	received_at timestamptz NOT NULL DEFAULT now(),
	endpoint text NOT NULL,
	request_id text,
	amocrm_request_id text,
	remote_addr text,
	user_agent text,
	content_type text,
	body_size bigint NOT NULL DEFAULT 0,
	raw_body bytea,
	http_status integer NOT NULL,
	outcome text NOT NULL,
	error text,
	leads_processed integer NOT NULL DEFAULT 0,
	leads_saved integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS webhook_requests_received_idx ON webhook_requests (received_at DESC);
CREATE INDEX IF NOT EXISTS webhook_requests_outcome_idx ON webhook_requests (outcome);

-- Its functions and triggers moved to sql/landing/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was ff7567dd6267f427
