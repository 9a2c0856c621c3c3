-- Issue 24: the seeded rules of the original's real maps, and (at the
-- end) what the admin chat was told about the sales without a team.
--
-- The sources the original's reports really matched (issue 24;
-- docs/attribution.md "The seeded rules"), as rules: 003 seeded the extended
-- pattern lists (original-system.md 2.1); these are the exact utm_source
-- maps of the funnel report (2.7) and the traffic-stats fallback (2.5).
-- 2.7 compared utm_source for equality, ignoring case: exact rules on the
-- source. 2.5 looked for tf4 anywhere: a token rule on every field.
--
-- Added to an existing database without touching what an admin changed:
-- a pattern that any rule already has (whatever its team, kind or state,
-- an admin's decision) is left alone, and a team that was renamed or
-- deleted gets nothing. Rules already seeded are never updated here.
-- Covered already, so no rule: 2.5/2.6 kenji, arystan, muha, alex,
-- proftest, traf4 (003's token rules); the source fb_<team> of 2.8 (the
-- teams' utm_source, 002, and the engine's fb_<name> step); Muha's
-- medium yourmarketolog of 2.5-2.7 (003's token rule on every field).
-- pb_agency as Traf4 (2.5, 2.6) disagrees with 2.1 (Kenesary): 003's
-- decision holds (Kenesary, priority 10), listed as a conflict.
INSERT INTO attribution_rules (team_id, pattern, kind, fields, position)
SELECT t.id, p.pattern, p.kind, p.fields,
	coalesce((SELECT max(r.position) FROM attribution_rules r
	    WHERE r.team_id = t.id), 0) + p.n
FROM (VALUES
	('Kenesary', 'kenjifb', 'exact', ARRAY['source'], 1),
	('Arystan', 'fbarystan', 'exact', ARRAY['source'], 1),
	('Traf4', 'alex_FB', 'exact', ARRAY['source'], 1),
	('Traf4', 'alex_inst', 'exact', ARRAY['source'], 2),
	('Traf4', 'alexinst', 'exact', ARRAY['source'], 3),
	('Traf4', 'tf4', 'token',
	    ARRAY['source', 'medium', 'campaign', 'content', 'term'], 4)
) AS p (team, pattern, kind, fields, n)
JOIN traffic_teams t ON t.name = p.team
WHERE NOT EXISTS (SELECT 1 FROM attribution_rules r
    WHERE lower(r.pattern) = lower(p.pattern))
ORDER BY t.position, p.n
ON CONFLICT (team_id, kind, lower(pattern)) DO NOTHING;

-- The admin chat hears once a day of each new UTM value of the sales
-- without a team (lib/health/alerts.c, its writer): the day (business
-- time zone), the value's field ('none': no tag at all), the value, and
-- the sales and revenue it had when the message went out.
CREATE TABLE IF NOT EXISTS attribution_alerts (
	day date NOT NULL,
	field text NOT NULL,
	value text NOT NULL,
	sales bigint NOT NULL,
	revenue numeric NOT NULL,
	sent_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (day, field, value)
);
-- The day's sales, for the alert tick.
CREATE INDEX IF NOT EXISTS all_sales_tracking_created_idx
	ON all_sales_tracking (created_at);
