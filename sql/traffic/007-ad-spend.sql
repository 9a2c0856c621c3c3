-- Ad spend per team and day (R16), entered or imported through
-- POST /api/traffic/ad-spend (lib/report/ad_spend.c, its only writer),
-- for ROI (lib/report/roi.c). One row per team, day and campaign ('' is
-- the team's spend of the day without a campaign): an upload of the same
-- row replaces it. amount_kzt is fixed at upload: the amount in KZT, or
-- the USD amount at the row's rate (its own, or AMOSYNC_USD_KZT_RATE).
CREATE TABLE IF NOT EXISTS ad_spend (
	id bigserial PRIMARY KEY,
	team_id uuid NOT NULL REFERENCES traffic_teams (id) ON DELETE CASCADE,
	spend_date date NOT NULL,
	campaign text NOT NULL DEFAULT '',
	amount numeric(15,2) NOT NULL CHECK (amount >= 0),
	currency text NOT NULL CHECK (currency IN ('KZT', 'USD')),
	usd_to_kzt_rate numeric(12,4) CHECK (usd_to_kzt_rate > 0),
	amount_kzt numeric(17,2) NOT NULL CHECK (amount_kzt >= 0),
	uploaded_by text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (team_id, spend_date, campaign),
	CONSTRAINT ad_spend_usd_rate CHECK (currency = 'KZT' OR usd_to_kzt_rate IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS ad_spend_date_idx ON ad_spend (spend_date, team_id);

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 28a57ff1c3401bad
