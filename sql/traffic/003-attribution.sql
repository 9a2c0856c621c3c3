-- Attribution as data (DESIGN R10-R12): the rules that map UTM values to
-- traffic teams, an audit trail of every change made through the Team
-- Constructor, and a version counter that tells each process when to
-- reload its cached rules (lib/rules.c). The matching semantics are in
-- lib/attr.h and docs/attribution.md.

-- Team names are unique whatever their case ("kenesary" = "Kenesary").
CREATE UNIQUE INDEX IF NOT EXISTS traffic_teams_name_lower_idx
	ON traffic_teams (lower(name));

CREATE TABLE IF NOT EXISTS attribution_rules (
	id bigserial PRIMARY KEY,
	team_id uuid NOT NULL REFERENCES traffic_teams (id) ON DELETE CASCADE,
	pattern text NOT NULL,
	kind text NOT NULL DEFAULT 'token'
		CHECK (kind IN ('exact', 'prefix', 'token', 'contains')),
	-- The UTM fields the rule looks at, by name.
	fields text[] NOT NULL
		DEFAULT ARRAY['source', 'medium', 'campaign', 'content', 'term'],
	-- Higher wins when rules of several teams match the same field.
	priority integer NOT NULL DEFAULT 0,
	enabled boolean NOT NULL DEFAULT true,
	-- Display order within the team; it does not affect matching.
	position integer NOT NULL DEFAULT 0,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT attribution_rules_pattern_nonempty CHECK (btrim(pattern) <> ''),
	CONSTRAINT attribution_rules_fields_valid CHECK (
		cardinality(fields) > 0 AND
		fields <@ ARRAY['source', 'medium', 'campaign', 'content', 'term'])
);
CREATE INDEX IF NOT EXISTS attribution_rules_team_idx
	ON attribution_rules (team_id, position, id);
-- One rule per team, kind and pattern (ignoring case).
CREATE UNIQUE INDEX IF NOT EXISTS attribution_rules_pattern_idx
	ON attribution_rules (team_id, kind, lower(pattern));

-- Who changed what: one row per change, written in the same transaction
-- as the change. entity 'sales' is a re-attribution of stored sales.
CREATE TABLE IF NOT EXISTS attribution_audit (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor text NOT NULL,
	action text NOT NULL
		CHECK (action IN ('create', 'update', 'delete', 'reorder', 'reattribute')),
	entity text NOT NULL CHECK (entity IN ('team', 'rule', 'sales')),
	entity_id text,
	before jsonb,
	after jsonb
);
CREATE INDEX IF NOT EXISTS attribution_audit_at_idx ON attribution_audit (at DESC);
CREATE INDEX IF NOT EXISTS attribution_audit_entity_idx
	ON attribution_audit (entity, entity_id, at DESC);

-- A single row whose version moves with every statement that changes the
-- teams or the rules; processes compare it with the version they cached.
CREATE TABLE IF NOT EXISTS attribution_version (
	id boolean PRIMARY KEY DEFAULT true CHECK (id),
	version bigint NOT NULL DEFAULT 1,
	changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO attribution_version (id) VALUES (true) ON CONFLICT DO NOTHING;

-- The seed's extended pattern lists (original-system.md 2.1), in the
-- seed's order, all token rules on every field. The seed lists pb_agency
-- under Kenesary and Traf4 and the original always picked Kenesary:
-- priority 10 keeps that explicit (the conflict stays listed by
-- GET /api/traffic/attribution/conflicts).
INSERT INTO attribution_rules (team_id, pattern, kind, priority, position)
SELECT t.id, p.pattern, 'token', p.priority, p.position
FROM (VALUES
	('Kenesary', 'tripwire', 0, 1),
	('Kenesary', 'nutcab', 0, 2),
	('Kenesary', 'kenesary', 0, 3),
	('Kenesary', 'nutrients', 0, 4),
	('Kenesary', 'kab3', 0, 5),
	('Kenesary', '1day', 0, 6),
	('Kenesary', 'pb_agency', 10, 7),
	('Kenesary', 'kenji', 0, 8),
	('Kenesary', 'kenes', 0, 9),
	('Arystan', 'arystan', 0, 1),
	('Arystan', 'ar_', 0, 2),
	('Arystan', 'ast_', 0, 3),
	('Arystan', 'rm almaty', 0, 4),
	('Arystan', 'rm_almaty', 0, 5),
	('Muha', 'onai', 0, 1),
	('Muha', 'on ai', 0, 2),
	('Muha', 'запуск', 0, 3),
	('Muha', 'muha', 0, 4),
	('Muha', 'yourmarketolog', 0, 5),
	('Muha', 'maqtakyz', 0, 6),
	('Muha', 'residence', 0, 7),
	('Muha', 'yourteam', 0, 8),
	('Muha', 'tima', 0, 9),
	('Traf4', 'alex', 0, 1),
	('Traf4', 'traf4', 0, 2),
	('Traf4', 'proftest', 0, 3),
	('Traf4', 'pb_agency', 0, 4),
	('Traf4', 'smmmcwin', 0, 5),
	('Traf4', '3-1', 0, 6)
) AS p (team, pattern, priority, position)
JOIN traffic_teams t ON t.name = p.team
ORDER BY t.position, p.position
ON CONFLICT (team_id, kind, lower(pattern)) DO NOTHING;

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 46454e877d5c1398
