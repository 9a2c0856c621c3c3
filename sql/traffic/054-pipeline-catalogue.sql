-- One pipeline catalogue (issue 23): amoCRM's pipelines and their stages,
-- synced from GET /api/v4/leads/pipelines (lib/teams/pipeline.c, the one
-- writer of pipelines, pipeline_stages and pipeline_syncs), with the
-- product name, list price and landing table an admin sets per pipeline
-- ("Воронки и продукты"). The traffic database owns it; the landing
-- database's pipelines table is a copy of the few columns its webhook
-- function reads, written by the same module (docs/sql.md).

-- amoCRM's own columns of a pipeline, and where its won deals go in the
-- landing database (the copy's target_table, seeded from 002 there).
ALTER TABLE pipelines ADD COLUMN IF NOT EXISTS sort integer;
ALTER TABLE pipelines ADD COLUMN IF NOT EXISTS is_archive boolean
	NOT NULL DEFAULT false;
ALTER TABLE pipelines ADD COLUMN IF NOT EXISTS landing_table text;
ALTER TABLE pipelines ADD COLUMN IF NOT EXISTS synced_at timestamptz;
DO $$
BEGIN
	ALTER TABLE pipelines ADD CONSTRAINT pipelines_landing_table_check
		CHECK (landing_table IN ('express_course_sales',
			'main_product_sales'));
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
UPDATE pipelines SET landing_table = 'express_course_sales'
WHERE pipeline_id = 10350882 AND landing_table IS NULL;
UPDATE pipelines SET landing_table = 'main_product_sales'
WHERE pipeline_id = 10418746 AND landing_table IS NULL;

-- Every stage of every pipeline as amoCRM has it, 142 and 143 included
-- (type 1: the unsorted stage). A stage amoCRM no longer lists is kept,
-- archived, so old lead events keep its name. The funnel's stages are
-- those not archived but 143, in amoCRM's sort order.
CREATE TABLE IF NOT EXISTS pipeline_stages (
	pipeline_id bigint NOT NULL,
	status_id bigint NOT NULL,
	name text NOT NULL,
	sort integer NOT NULL,
	type smallint NOT NULL DEFAULT 0,
	is_archive boolean NOT NULL DEFAULT false,
	synced_at timestamptz,
	PRIMARY KEY (pipeline_id, status_id)
);

-- The stages of funnel_stages (006-funnel.sql, seeded and edited by SQL)
-- move here in their order, then funnel_stages goes (its trigger with
-- it; pipeline_stages has its own, sql/traffic/functions/funnel.sql).
-- The ranks stay those funnel_leads was computed with. 143, the lost
-- stage, is no rank: named for the lead events until the first sync.
DO $$
BEGIN
	IF to_regclass('funnel_stages') IS NOT NULL THEN
		INSERT INTO pipeline_stages (pipeline_id, status_id, name, sort)
		SELECT pipeline_id, status_id, name,
			CASE WHEN status_id = 142 THEN 10000 ELSE 10 * position END
		FROM funnel_stages
		ON CONFLICT (pipeline_id, status_id) DO NOTHING;
		DROP TABLE funnel_stages;
	END IF;
END $$;
INSERT INTO pipeline_stages (pipeline_id, status_id, name, sort)
SELECT pipeline_id, 143, 'Закрыто и не реализовано', 11000 FROM pipelines
ON CONFLICT (pipeline_id, status_id) DO NOTHING;

-- The sync's schedule and outcome (one row): one worker per
-- AMOSYNC_PIPELINES_SYNC_INTERVAL claims it; an admin's sync runs at once.
CREATE TABLE IF NOT EXISTS pipeline_syncs (
	name text PRIMARY KEY,
	next_at timestamptz NOT NULL DEFAULT now(),
	claimed_by text,
	last_run_at timestamptz,
	last_ok_at timestamptz,
	last_error text,
	last_trigger text,
	runs bigint NOT NULL DEFAULT 0,
	failures bigint NOT NULL DEFAULT 0
);

-- The catalogue's changes are audited with the Team Constructor's: an
-- admin's change of a pipeline, and a sync that changed something.
ALTER TABLE attribution_audit DROP CONSTRAINT IF EXISTS
	attribution_audit_action_check;
ALTER TABLE attribution_audit ADD CONSTRAINT attribution_audit_action_check
	CHECK (action IN ('create', 'update', 'delete', 'reorder',
		'reattribute', 'sync'));
-- One check of the entities (053 named its own attribution_audit_entity).
ALTER TABLE attribution_audit DROP CONSTRAINT IF EXISTS
	attribution_audit_entity_check;
ALTER TABLE attribution_audit DROP CONSTRAINT IF EXISTS
	attribution_audit_entity;
ALTER TABLE attribution_audit ADD CONSTRAINT attribution_audit_entity_check
	CHECK (entity IN ('team', 'rule', 'sales', 'pipeline', 'campaign_map'));
