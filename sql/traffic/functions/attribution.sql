-- The attribution rules' version: any change to a team or a rule bumps
-- attribution_version, so every process's cached rules (lib/attr/rules.c)
-- see that they are stale, and amosync_track_sale() refuses a sale judged
-- with older rules.

CREATE OR REPLACE FUNCTION attribution_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE attribution_version SET version = version + 1, changed_at = now();
	RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER traffic_teams_version
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON traffic_teams
	FOR EACH STATEMENT EXECUTE FUNCTION attribution_version_bump();

CREATE OR REPLACE TRIGGER attribution_rules_version
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attribution_rules
	FOR EACH STATEMENT EXECUTE FUNCTION attribution_version_bump();
