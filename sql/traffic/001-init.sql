-- Traffic database: every sale with its attribution, the traffic teams,
-- and the per-team statistics. Names are the seed's (see
-- shared/reference/original-system.md section 4.1).

CREATE TABLE IF NOT EXISTS traffic_teams (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL UNIQUE,
	company text,
	direction text,
	fb_ad_account_id text,
	color text NOT NULL DEFAULT '#00FF88',
	emoji text NOT NULL DEFAULT '📊',
	utm_source text,
	utm_medium text,
	position integer NOT NULL DEFAULT 100,
	is_active boolean NOT NULL DEFAULT true,
	telegram_chat_id text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT traffic_teams_name_nonempty CHECK (btrim(name) <> '')
);

CREATE TABLE IF NOT EXISTS all_sales_tracking (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	lead_id text NOT NULL UNIQUE,
	lead_name text,
	contact_name text,
	contact_phone text,
	contact_email text,
	sale_amount numeric NOT NULL,
	product_name text,
	currency text DEFAULT 'KZT',
	utm_source text,
	utm_medium text,
	utm_campaign text,
	utm_content text,
	utm_term text,
	utm_id text,
	referrer text,
	landing_page text,
	device_type text,
	browser text,
	os text,
	country text,
	city text,
	pipeline_id text,
	status_id text,
	responsible_user_id text,
	responsible_user_name text,
	targetologist text,
	attribution_confidence text,
	sale_date timestamptz DEFAULT now(),
	usd_to_kzt_rate numeric(10,4),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	webhook_received_at timestamptz DEFAULT now(),
	raw_webhook_data jsonb
);
CREATE INDEX IF NOT EXISTS all_sales_tracking_utm_source_idx ON all_sales_tracking (utm_source);
CREATE INDEX IF NOT EXISTS all_sales_tracking_utm_campaign_idx ON all_sales_tracking (utm_campaign);
CREATE INDEX IF NOT EXISTS all_sales_tracking_targetologist_idx ON all_sales_tracking (targetologist);
CREATE INDEX IF NOT EXISTS all_sales_tracking_sale_date_idx ON all_sales_tracking (sale_date DESC);

CREATE TABLE IF NOT EXISTS traffic_sales_stats (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	date date NOT NULL,
	period_type text NOT NULL DEFAULT 'daily'
		CHECK (period_type IN ('daily', 'weekly', 'monthly')),
	team_name text NOT NULL,
	team_id uuid REFERENCES traffic_teams (id) ON DELETE SET NULL,
	utm_source text,
	utm_medium text DEFAULT 'cpc',
	total_sales integer NOT NULL DEFAULT 0,
	total_revenue numeric(15,2) NOT NULL DEFAULT 0,
	average_order_value numeric(15,2) NOT NULL DEFAULT 0,
	flagman_sales integer NOT NULL DEFAULT 0,
	flagman_revenue numeric(15,2) NOT NULL DEFAULT 0,
	express_sales integer NOT NULL DEFAULT 0,
	express_revenue numeric(15,2) NOT NULL DEFAULT 0,
	leads_count integer NOT NULL DEFAULT 0,
	conversion_rate numeric(7,2) NOT NULL DEFAULT 0,
	fb_spend numeric(15,2) NOT NULL DEFAULT 0,
	fb_impressions bigint NOT NULL DEFAULT 0,
	fb_clicks bigint NOT NULL DEFAULT 0,
	fb_ctr numeric(9,4) NOT NULL DEFAULT 0,
	fb_cpc numeric(15,4) NOT NULL DEFAULT 0,
	fb_cpm numeric(15,4) NOT NULL DEFAULT 0,
	roi numeric(15,2) NOT NULL DEFAULT 0,
	roas numeric(15,4) NOT NULL DEFAULT 0,
	cpa numeric(15,2) NOT NULL DEFAULT 0,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (date, period_type, team_name)
);
CREATE INDEX IF NOT EXISTS traffic_sales_stats_date_idx ON traffic_sales_stats (date DESC, team_name);

-- Every request a webhook endpoint of this database received.
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

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was de990c1f81e2e5e4
-- amosync-migrate: was 28349be9932834b3
