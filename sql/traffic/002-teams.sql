-- The four traffic teams of the seed, with the emoji and colours the
-- original dashboards use. position is the display and tie-break order.
INSERT INTO traffic_teams (name, company, direction, color, emoji, utm_source, utm_medium, position)
VALUES
	('Kenesary', 'Nutcab', 'nutcab_tripwire', '#3b82f6', '👑', 'fb_kenesary', 'cpc', 1),
	('Arystan', 'Arystan', 'arystan', '#8b5cf6', '🦁', 'fb_arystan', 'cpc', 2),
	('Muha', 'OnAI', 'onai_zapusk', '#eab308', '🚀', 'fb_muha', 'cpc', 3),
	('Traf4', 'ProfTest', 'proftest', '#ef4444', '⚡', 'fb_traf4', 'cpc', 4)
ON CONFLICT (name) DO NOTHING;
