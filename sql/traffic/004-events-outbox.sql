-- Lead events (R9), the pipelines catalogue in the traffic database, the
-- durable outbox the worker drains, and remembered Telegram chat moves.

-- A copy of the landing database's pipelines: product names and list
-- prices for sales of every funnel (R4, R6). Edit rows, not code.
CREATE TABLE IF NOT EXISTS pipelines (
	pipeline_id bigint PRIMARY KEY,
	name text NOT NULL,
	product_name text NOT NULL,
	default_amount numeric(15,2) NOT NULL DEFAULT 0 CHECK (default_amount >= 0),
	active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO pipelines (pipeline_id, name, product_name, default_amount)
VALUES
	(10350882, 'Express Course', 'Express Course', 5000),
	(10418746, 'Flagship Course', 'Flagship Course', 490000),
	(9965766, 'Тестирование КЦ2', 'Тестирование КЦ2', 0),
	(9777626, 'КЦ', 'КЦ', 0),
	(9430994, 'ОП', 'ОП', 0),
	(9820886, 'Однодневник', 'Однодневник', 0)
ON CONFLICT (pipeline_id) DO NOTHING;

-- Every stage change amoCRM told us about, once (R9). An event is the
-- lead's move to (pipeline, status) from (old pipeline, old status) at the
-- lead's updated_at; a retry of the same delivery is the same event.
CREATE TABLE IF NOT EXISTS lead_events (
	id bigserial PRIMARY KEY,
	lead_id bigint NOT NULL,
	action text NOT NULL,
	pipeline_id bigint NOT NULL DEFAULT 0,
	old_pipeline_id bigint NOT NULL DEFAULT 0,
	status_id bigint NOT NULL DEFAULT 0,
	old_status_id bigint NOT NULL DEFAULT 0,
	lead_updated_at bigint NOT NULL DEFAULT 0,
	event_at timestamptz NOT NULL,
	received_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (lead_id, pipeline_id, status_id, old_pipeline_id, old_status_id, lead_updated_at)
);
CREATE INDEX IF NOT EXISTS lead_events_pipeline_idx ON lead_events (pipeline_id, status_id, event_at);

-- The outbox: work the request path must not do itself (amoCRM lookups,
-- Telegram). Claimed with FOR UPDATE SKIP LOCKED by any number of workers;
-- a claim is a lease that expires, so a killed worker loses nothing.
CREATE TABLE IF NOT EXISTS outbox_jobs (
	id bigserial PRIMARY KEY,
	kind text NOT NULL,
	payload jsonb NOT NULL DEFAULT '{}'::jsonb,
	dedup_key text UNIQUE,
	state text NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'running', 'done', 'dead')),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	claimed_by text,
	claimed_until timestamptz,
	last_error text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	done_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_jobs_ready_idx ON outbox_jobs (next_attempt_at, id)
	WHERE state IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS outbox_jobs_state_idx ON outbox_jobs (state, id);

-- A group that became a supergroup gets a new chat id; remember it.
CREATE TABLE IF NOT EXISTS telegram_chat_moves (
	old_chat_id text PRIMARY KEY,
	new_chat_id text NOT NULL,
	moved_at timestamptz NOT NULL DEFAULT now()
);

-- Its functions and triggers moved to sql/traffic/functions/ (the SQL floors,
-- issue 20); a database that applied an earlier version keeps it:
-- amosync-migrate: was 664891b19a7d1703
