-- The pipeline catalogue's sync (lib/teams/pipeline.c calls it): amoCRM's
-- answer to GET /api/v4/leads/pipelines, as the JSON array
-- [{id, name, sort, is_archive, statuses: [{id, name, sort, type,
-- is_archive}]}], into pipelines and pipeline_stages in one statement.
-- amoCRM's columns follow amoCRM; the admin's (product_name,
-- default_amount, landing_table, active) are left alone, and a new
-- pipeline's product is its name, with no list price. A stage amoCRM no
-- longer lists in a listed pipeline is archived, never deleted (its
-- name stays for the lead events), and so is a pipeline no longer
-- listed. Rows are only written when something differs, so a sync that
-- finds nothing new writes nothing (and the funnel's trigger on
-- pipeline_stages sees no change). Returns what it changed.
CREATE OR REPLACE FUNCTION pipeline_catalogue_sync(p jsonb,
	OUT pipelines_new integer, OUT pipelines_changed integer,
	OUT stages_new integer, OUT stages_changed integer,
	OUT stages_archived integer)
LANGUAGE plpgsql AS $$
BEGIN
	WITH src AS (SELECT (x->>'id')::bigint AS id, x->>'name' AS name,
			(x->>'sort')::integer AS sort,
			coalesce((x->>'is_archive')::boolean, false) AS arch
		FROM jsonb_array_elements(p) x),
	up AS (INSERT INTO pipelines AS pl (pipeline_id, name, product_name,
			default_amount, sort, is_archive, synced_at)
		SELECT id, name, name, 0, sort, arch, now() FROM src
		ORDER BY id
		ON CONFLICT (pipeline_id) DO UPDATE SET name = EXCLUDED.name,
			sort = EXCLUDED.sort, is_archive = EXCLUDED.is_archive,
			synced_at = now()
		WHERE (pl.name, pl.sort, pl.is_archive) IS DISTINCT FROM
			(EXCLUDED.name, EXCLUDED.sort, EXCLUDED.is_archive)
		RETURNING xmax = 0 AS is_new)
	SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new)
	INTO pipelines_new, pipelines_changed FROM up;

	UPDATE pipelines SET is_archive = true
	WHERE NOT is_archive AND synced_at IS NOT NULL
		AND pipeline_id NOT IN (SELECT (x->>'id')::bigint
			FROM jsonb_array_elements(p) x);

	WITH src AS (SELECT (x->>'id')::bigint AS pid,
			(s->>'id')::bigint AS sid, s->>'name' AS name,
			(s->>'sort')::integer AS sort,
			coalesce((s->>'type')::smallint, 0) AS type,
			coalesce((s->>'is_archive')::boolean, false) AS arch
		FROM jsonb_array_elements(p) x,
			jsonb_array_elements(x->'statuses') s),
	up AS (INSERT INTO pipeline_stages AS st (pipeline_id, status_id, name,
			sort, type, is_archive, synced_at)
		SELECT pid, sid, name, sort, type, arch, now() FROM src
		ORDER BY pid, sid
		ON CONFLICT (pipeline_id, status_id) DO UPDATE
		SET name = EXCLUDED.name, sort = EXCLUDED.sort,
			type = EXCLUDED.type, is_archive = EXCLUDED.is_archive,
			synced_at = now()
		WHERE (st.name, st.sort, st.type, st.is_archive) IS DISTINCT FROM
			(EXCLUDED.name, EXCLUDED.sort, EXCLUDED.type,
			EXCLUDED.is_archive)
		RETURNING xmax = 0 AS is_new)
	SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new)
	INTO stages_new, stages_changed FROM up;

	WITH gone AS (UPDATE pipeline_stages st SET is_archive = true,
			synced_at = now()
		WHERE NOT st.is_archive
			AND st.pipeline_id IN (SELECT (x->>'id')::bigint
				FROM jsonb_array_elements(p) x)
			AND (st.pipeline_id, st.status_id) NOT IN (
				SELECT (x->>'id')::bigint, (s->>'id')::bigint
				FROM jsonb_array_elements(p) x,
					jsonb_array_elements(x->'statuses') s)
		RETURNING 1)
	SELECT count(*) INTO stages_archived FROM gone;
END $$;
