-- Funnel conversion (R16, lib/report/funnel.c): the stages of each
-- pipeline in their order, as data. Seeded with the Express Course's
-- stages from the seed; 142 (won) closes the funnel, 143 (lost) is
-- reported apart. Edit rows to change a funnel, not code.
CREATE TABLE IF NOT EXISTS funnel_stages (
	pipeline_id bigint NOT NULL,
	status_id bigint NOT NULL,
	name text NOT NULL,
	position integer NOT NULL,
	PRIMARY KEY (pipeline_id, status_id),
	UNIQUE (pipeline_id, position),
	CONSTRAINT funnel_stages_not_lost CHECK (status_id <> 143)
);
INSERT INTO funnel_stages (pipeline_id, status_id, name, position)
VALUES
	(10350882, 81854574, 'Неразобранное', 1),
	(10350882, 81856842, 'Заявка с профтеста', 2),
	(10350882, 82174958, 'Нажал «каспи оплата»', 3),
	(10350882, 81854578, 'Нажал «продамус»', 4),
	(10350882, 81854582, 'Нажал «Чат с менеджером»', 5),
	(10350882, 82174962, 'Прошёл 1-й урок', 6),
	(10350882, 81854586, 'Прошёл 2-й урок', 7),
	(10350882, 81854614, 'Прошёл 3-й урок', 8),
	(10350882, 81854618, 'Посмотрел вебинар', 9),
	(10350882, 142, 'Успешно реализовано', 10)
ON CONFLICT (pipeline_id, status_id) DO NOTHING;

-- The funnel reads a pipeline's events of a period, lead by lead.
CREATE INDEX IF NOT EXISTS lead_events_funnel_idx
	ON lead_events (pipeline_id, event_at)
	INCLUDE (lead_id, status_id, old_status_id);
