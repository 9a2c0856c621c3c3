-- Ad spend imported from Facebook Ads (issue 25): the worker reads each
-- team's ad accounts (traffic_teams.fb_ad_account_id, one or more ids
-- separated by commas) through the Marketing API and stores one row per
-- account, campaign and day in ad_spend with source 'facebook'
-- (lib/report/ad_spend.c, its only writer). A manual row (source
-- 'manual', uploaded by an admin) is never overwritten: the reports count
-- a team's Facebook row of a day and campaign name only while no manual
-- row of that team, day and campaign exists. For an imported row,
-- usd_to_kzt_rate is the rate of its currency to KZT it was converted at.
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'manual';
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS account_id text;
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS campaign_id text;
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS impressions bigint;
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS clicks bigint;
ALTER TABLE ad_spend ADD COLUMN IF NOT EXISTS import_run_id bigint;
ALTER TABLE ad_spend DROP CONSTRAINT IF EXISTS ad_spend_source;
ALTER TABLE ad_spend ADD CONSTRAINT ad_spend_source CHECK (
	source IN ('manual', 'facebook')
	AND (source = 'facebook') = (account_id IS NOT NULL)
	AND (source = 'facebook') = (campaign_id IS NOT NULL));
-- Facebook accounts bill in any currency; an upload still takes KZT or USD.
ALTER TABLE ad_spend DROP CONSTRAINT IF EXISTS ad_spend_currency_check;
ALTER TABLE ad_spend DROP CONSTRAINT IF EXISTS ad_spend_currency;
ALTER TABLE ad_spend ADD CONSTRAINT ad_spend_currency CHECK (currency ~ '^[A-Z]{3}$');
-- One manual row per team, day and campaign; one imported row per
-- account, campaign and day.
ALTER TABLE ad_spend DROP CONSTRAINT IF EXISTS ad_spend_team_id_spend_date_campaign_key;
CREATE UNIQUE INDEX IF NOT EXISTS ad_spend_manual_key
	ON ad_spend (team_id, spend_date, campaign) WHERE source = 'manual';
CREATE UNIQUE INDEX IF NOT EXISTS ad_spend_facebook_key
	ON ad_spend (account_id, campaign_id, spend_date) WHERE source = 'facebook';

-- Every import of one ad account over a range of days: the worker's
-- scheduled ones (hourly: yesterday and today; revise: the last days,
-- which Facebook revises) and the backfills an admin asks for. A running
-- run holds its account's lock (the partial unique index: one import per
-- account at a time on all hosts) under a lease it renews page by page;
-- a run whose lease ran out is abandoned. Written by
-- lib/report/fb_import.c.
CREATE TABLE IF NOT EXISTS fb_import_runs (
	id bigserial PRIMARY KEY,
	account_id text NOT NULL,
	team_id uuid REFERENCES traffic_teams (id) ON DELETE SET NULL,
	trigger text NOT NULL CHECK (trigger IN ('hourly', 'revise', 'backfill')),
	date_from date NOT NULL,
	date_to date NOT NULL,
	status text NOT NULL DEFAULT 'running' CHECK (status IN ('running',
		'ok', 'failed', 'rate_limited', 'paused', 'abandoned')),
	holder text,
	requested_by text,
	job_id bigint,
	started_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	lease_until timestamptz NOT NULL,
	pages integer NOT NULL DEFAULT 0,
	rows_read integer NOT NULL DEFAULT 0,
	rows_stored integer NOT NULL DEFAULT 0,
	rows_removed integer NOT NULL DEFAULT 0,
	rows_manual integer NOT NULL DEFAULT 0,
	spend_kzt numeric(17,2) NOT NULL DEFAULT 0,
	usage_pct integer,
	fb_code integer,
	http_status integer,
	error text
);
CREATE UNIQUE INDEX IF NOT EXISTS fb_import_runs_running
	ON fb_import_runs (account_id) WHERE finished_at IS NULL;
CREATE INDEX IF NOT EXISTS fb_import_runs_started_idx
	ON fb_import_runs (started_at DESC);

-- When the next scheduled import of each kind ('hourly', 'revise') is
-- due; the worker that moves next_at forward enqueues it. Written by
-- lib/report/fb_import.c.
CREATE TABLE IF NOT EXISTS fb_import_schedule (
	kind text PRIMARY KEY,
	next_at timestamptz NOT NULL DEFAULT now(),
	claimed_by text,
	claimed_at timestamptz
);

-- The campaign reports (lib/report/roi.c) read a period's imported rows.
CREATE INDEX IF NOT EXISTS ad_spend_source_date_idx ON ad_spend (spend_date, source);

-- The campaigns a sale's or lead's utm_campaign means when it is neither
-- the campaign's name nor its id (a typo, an old name, a shared tag):
-- edited on the ROI page (lib/teams/campaign_map.c, its writer, audited
-- in attribution_audit as entity 'campaign_map'). utm_campaign is
-- compared trimmed and in lower case; campaign is the ad campaign's name.
CREATE TABLE IF NOT EXISTS campaign_map (
	id bigserial PRIMARY KEY,
	utm_campaign text NOT NULL CHECK (btrim(utm_campaign) <> ''),
	campaign text NOT NULL CHECK (btrim(campaign) <> ''),
	created_by text,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_map_utm_key
	ON campaign_map (lower(btrim(utm_campaign)));
ALTER TABLE attribution_audit DROP CONSTRAINT IF EXISTS attribution_audit_entity_check;
ALTER TABLE attribution_audit DROP CONSTRAINT IF EXISTS attribution_audit_entity;
ALTER TABLE attribution_audit ADD CONSTRAINT attribution_audit_entity
	CHECK (entity IN ('team', 'rule', 'sales', 'campaign_map'));

-- KZT per unit of a currency on a day, for the spend imported from
-- Facebook: a row's rate is that of its day, else the latest earlier one,
-- else AMOSYNC_USD_KZT_RATE / AMOSYNC_FB_RATES. Written by
-- lib/report/ad_spend.c (POST /api/traffic/currency-rates).
CREATE TABLE IF NOT EXISTS currency_rates (
	currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'KZT'),
	rate_date date NOT NULL,
	kzt numeric(14,4) NOT NULL CHECK (kzt > 0),
	uploaded_by text,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (currency, rate_date)
);
