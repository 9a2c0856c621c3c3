-- Landing leads in step with amoCRM (R13, R14): the normalised forms of
-- phones and e-mails that matching compares, with expression indexes so
-- a sync matches against every landing lead without reading them all;
-- the record of every sync run, whose lease keeps two from running at
-- once; the schedule slot the workers share.

-- The digits of a phone, one form per KZ/RU number: 8XXXXXXXXXX and a
-- bare XXXXXXXXXX become 7XXXXXXXXXX; fewer than 10 digits is no phone.
-- The same rules as text_phone_norm() in lib/base/text.c.
CREATE OR REPLACE FUNCTION amosync_phone_norm(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	d text := regexp_replace(coalesce(p, ''), '[^0-9]', '', 'g');
BEGIN
	IF length(d) < 10 THEN
		RETURN NULL;
	ELSIF length(d) = 11 AND left(d, 1) = '8' THEN
		RETURN '7' || substr(d, 2);
	ELSIF length(d) = 10 THEN
		RETURN '7' || d;
	END IF;
	RETURN d;
END $$;

-- An e-mail without surrounding spaces (ASCII and no-break), ASCII
-- letters lower-cased; NULL unless one '@' has text on both sides. The
-- same rules as text_email_norm() in lib/base/text.c.
CREATE OR REPLACE FUNCTION amosync_email_norm(e text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	t text := translate(regexp_replace(coalesce(e, ''),
		'^[ \t\n\v\f\r\u00a0]+|[ \t\n\v\f\r\u00a0]+$', '', 'g'),
		'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
BEGIN
	IF t ~ '^[^@]+@[^@]+$' THEN
		RETURN t;
	END IF;
	RETURN NULL;
END $$;

CREATE INDEX IF NOT EXISTS landing_leads_email_norm_idx
	ON landing_leads (amosync_email_norm(email));
CREATE INDEX IF NOT EXISTS landing_leads_phone_norm_idx
	ON landing_leads (amosync_phone_norm(phone));
-- Keyset pagination of the leads API, newest first.
CREATE INDEX IF NOT EXISTS landing_leads_created_id_idx
	ON landing_leads (created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS landing_leads_utm_source_idx
	ON landing_leads (utm_source);

-- One row per sync run. A running run holds a lease (lease_until) that
-- its process renews while it works; a run whose lease ran out (its
-- process died) is marked abandoned by the next one that starts. The
-- partial unique index is the "never two at once" of R14: across
-- processes and hosts, without session locks.
CREATE TABLE IF NOT EXISTS sync_runs (
	id bigserial PRIMARY KEY,
	kind text NOT NULL DEFAULT 'amocrm_pull',
	trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
	status text NOT NULL DEFAULT 'running'
		CHECK (status IN ('running', 'done', 'failed', 'abandoned')),
	holder text,
	requested_by text,
	requested_limit integer,
	started_at timestamptz NOT NULL DEFAULT now(),
	heartbeat_at timestamptz NOT NULL DEFAULT now(),
	lease_until timestamptz NOT NULL,
	finished_at timestamptz,
	total_amocrm_leads integer,
	total_amocrm_contacts integer,
	total_landing_leads integer,
	matched integer,
	updated integer,
	matched_by_email integer,
	matched_by_phone integer,
	already_synced integer,
	ambiguous integer,
	not_synced integer,
	db_ms integer,
	amocrm_status integer,
	error text
);
CREATE UNIQUE INDEX IF NOT EXISTS sync_runs_one_running
	ON sync_runs (kind) WHERE finished_at IS NULL;
CREATE INDEX IF NOT EXISTS sync_runs_started_idx
	ON sync_runs (started_at DESC);

-- The next scheduled run of each kind: the worker that moves next_at
-- forward runs it, so several workers on several hosts run it once per
-- interval.
CREATE TABLE IF NOT EXISTS sync_schedule (
	kind text PRIMARY KEY,
	next_at timestamptz NOT NULL,
	claimed_by text,
	claimed_at timestamptz
);
