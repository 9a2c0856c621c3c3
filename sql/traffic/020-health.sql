-- Health, alerts and the reconciliation sweep (issue 11). Several workers
-- on several hosts share these rows, so each alert is sent once and each
-- sweep runs once per interval, without session locks.

-- One row per running worker, renewed every few seconds; a worker that
-- stops cleanly deletes its row, so a row that grows old is a worker that
-- died. Written by lib/sales/health.c.
CREATE TABLE IF NOT EXISTS worker_heartbeats (
	holder text PRIMARY KEY,
	host text NOT NULL,
	pid integer NOT NULL,
	started_at timestamptz NOT NULL DEFAULT now(),
	beat_at timestamptz NOT NULL DEFAULT now()
);

-- The state of each alerting check: failing since when, when the last
-- alert or reminder went out. The transitions are conditional updates
-- (failing false -> true, true -> false), so among workers that see the
-- same change only one wins the row and sends the message. Written by
-- lib/sales/alerts.c.
CREATE TABLE IF NOT EXISTS alert_state (
	key text PRIMARY KEY,
	failing boolean NOT NULL DEFAULT false,
	message text,
	since timestamptz,
	last_sent_at timestamptz,
	recovered_at timestamptz,
	alerts_sent bigint NOT NULL DEFAULT 0,
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- When the next health check for alerts is due; the worker that moves
-- next_at forward runs it. Written by lib/sales/alerts.c.
CREATE TABLE IF NOT EXISTS alert_schedule (
	name text PRIMARY KEY,
	next_at timestamptz NOT NULL DEFAULT now(),
	claimed_by text,
	claimed_at timestamptz
);

-- The reconciliation sweep: when the next one is due, who runs it (a
-- lease, so a sweep whose worker died is taken over), and how far the
-- last good one reached (swept_to, unix seconds of amoCRM's updated_at);
-- the next window starts AMOSYNC_SWEEP_OVERLAP seconds before it.
-- Written by lib/sales/sweep.c.
CREATE TABLE IF NOT EXISTS sweep_state (
	name text PRIMARY KEY,
	next_at timestamptz NOT NULL DEFAULT now(),
	claimed_by text,
	lease_until timestamptz,
	swept_to bigint,
	last_run_at timestamptz,
	last_ok_at timestamptz,
	last_error text,
	last_seen integer NOT NULL DEFAULT 0,
	last_recovered integer NOT NULL DEFAULT 0,
	runs bigint NOT NULL DEFAULT 0,
	failures bigint NOT NULL DEFAULT 0,
	recovered bigint NOT NULL DEFAULT 0
);
