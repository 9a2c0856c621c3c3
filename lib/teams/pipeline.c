#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "teams/audit.h"
#include "teams/pipeline.h"

/* The columns of SQL_SYNC. */
enum sync_col {
	SY_PIPELINES_NEW,
	SY_PIPELINES_CHANGED,
	SY_STAGES_NEW,
	SY_STAGES_CHANGED,
	SY_STAGES_ARCHIVED,
	SY__MAX
};

static const char SQL_SYNC[] =
    "SELECT pipelines_new, pipelines_changed, stages_new, stages_changed,"
    " stages_archived FROM pipeline_catalogue_sync($1::jsonb)";

/* $1 trigger, $2 error (NULL: the sync succeeded). */
static const char SQL_OUTCOME[] =
    "INSERT INTO pipeline_syncs AS s (name, last_run_at, last_ok_at,"
    " last_error, last_trigger, runs, failures)"
    " VALUES ('amocrm', now(), CASE WHEN $2::text IS NULL THEN now() END,"
    "  $2, $1, 1, CASE WHEN $2::text IS NULL THEN 0 ELSE 1 END)"
    " ON CONFLICT (name) DO UPDATE SET last_run_at = now(),"
    " last_ok_at = CASE WHEN $2::text IS NULL THEN now()"
    "  ELSE s.last_ok_at END,"
    " last_error = $2, last_trigger = $1, runs = s.runs + 1,"
    " failures = s.failures + CASE WHEN $2::text IS NULL THEN 0 ELSE 1 END";

static const char SQL_DUE_INIT[] =
    "INSERT INTO pipeline_syncs (name, next_at) VALUES ('amocrm', now())"
    " ON CONFLICT (name) DO NOTHING";
/* The row lock serialises the workers; one that waited finds next_at
 * moved on and claims nothing. */
static const char SQL_DUE[] =
    "UPDATE pipeline_syncs SET next_at = now() +"
    " make_interval(secs => $1::int), claimed_by = $2"
    " WHERE name = 'amocrm' AND next_at <= now() RETURNING name";

/* clang-format off */
/* A pipeline p as the API answers it, with its stages. */
#define PIPELINE_JSON(p) \
    "jsonb_build_object('id', " p ".pipeline_id, 'name', " p ".name," \
    " 'product_name', " p ".product_name," \
    " 'list_price', " p ".default_amount," \
    " 'landing_table', " p ".landing_table, 'active', " p ".active," \
    " 'is_archive', " p ".is_archive, 'sort', " p ".sort," \
    " 'synced_at', " TEAMS_TS(p ".synced_at") "," \
    " 'updated_at', " TEAMS_TS(p ".updated_at") "," \
    " 'stages', coalesce((SELECT jsonb_agg(jsonb_build_object(" \
    "  'id', s.status_id, 'name', s.name, 'sort', s.sort, 'type', s.type," \
    "  'is_archive', s.is_archive)" \
    "  ORDER BY s.is_archive, s.sort, s.status_id) FROM pipeline_stages s" \
    "  WHERE s.pipeline_id = " p ".pipeline_id), '[]'::jsonb))"

static const char SQL_LIST[] =
    "SELECT coalesce((SELECT jsonb_agg(" PIPELINE_JSON("p")
    "  ORDER BY p.is_archive, p.sort NULLS LAST, p.pipeline_id)"
    "  FROM pipelines p), '[]'::jsonb)::text,"
    " coalesce((SELECT jsonb_build_object("
    "  'last_run_at', " TEAMS_TS("s.last_run_at") ","
    "  'last_ok_at', " TEAMS_TS("s.last_ok_at") ","
    "  'last_error', s.last_error, 'last_trigger', s.last_trigger,"
    "  'runs', s.runs, 'failures', s.failures)"
    "  FROM pipeline_syncs s WHERE s.name = 'amocrm'), '{}'::jsonb)::text";

static const char SQL_LOCK[] =
    "SELECT to_jsonb(p) FROM pipelines p WHERE p.pipeline_id = $1::bigint"
    " FOR UPDATE";
/* $2k+2 says whether column k is given, $2k+3 is its value. */
static const char SQL_UPDATE[] =
    "UPDATE pipelines AS p SET"
    " product_name = CASE WHEN $2::boolean THEN $3 ELSE p.product_name END,"
    " default_amount = CASE WHEN $4::boolean THEN $5::numeric"
    "  ELSE p.default_amount END,"
    " active = CASE WHEN $6::boolean THEN $7::boolean ELSE p.active END"
    " WHERE p.pipeline_id = $1::bigint"
    " RETURNING p.pipeline_id::text, to_jsonb(p)::text, "
    PIPELINE_JSON("p") "::text";
/* clang-format on */

/* The columns of SQL_UPDATE's answer. */
enum upd_col { UP_ID, UP_JSON, UP_ANSWER, UP__MAX };

/* The landing database's columns of the catalogue, as JSON. */
static const char SQL_COPY_READ[] =
    "SELECT coalesce(jsonb_agg(jsonb_build_object('pipeline_id',"
    " pipeline_id, 'name', name, 'product_name', product_name,"
    " 'default_amount', default_amount, 'target_table', landing_table,"
    " 'active', active) ORDER BY pipeline_id), '[]'::jsonb)::text"
    " FROM pipelines";
/* In the landing database: the copy, written only where it differs. */
static const char SQL_COPY_WRITE[] =
    "WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x("
    "  pipeline_id bigint, name text, product_name text,"
    "  default_amount numeric, target_table text, active boolean)),"
    " up AS (INSERT INTO pipelines AS p (pipeline_id, name, product_name,"
    "  default_amount, target_table, active)"
    "  SELECT pipeline_id, name, product_name, default_amount,"
    "  target_table, active FROM x ORDER BY pipeline_id"
    "  ON CONFLICT (pipeline_id) DO UPDATE SET name = EXCLUDED.name,"
    "  product_name = EXCLUDED.product_name,"
    "  default_amount = EXCLUDED.default_amount,"
    "  target_table = EXCLUDED.target_table, active = EXCLUDED.active"
    "  WHERE (p.name, p.product_name, p.default_amount, p.target_table,"
    "  p.active) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.product_name,"
    "  EXCLUDED.default_amount, EXCLUDED.target_table, EXCLUDED.active)"
    "  RETURNING 1),"
    " off AS (UPDATE pipelines p SET active = false WHERE p.active"
    "  AND p.pipeline_id NOT IN (SELECT pipeline_id FROM x) RETURNING 1)"
    " SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM off)";

/* amoCRM's answer as the JSON pipeline_catalogue_sync() reads. */
static enum err
answer_json(struct buf *b, const struct amocrm_pipelines *ps)
{
	const struct amocrm_pipeline *p;
	const struct amocrm_stage *s;
	struct jw w;
	size_t i, k;

	jw_init(&w, b);
	jw_arr(&w, NULL);
	for (i = 0; i < ps->n; i++) {
		p = &ps->v[i];
		jw_obj(&w, NULL);
		jw_int(&w, "id", p->id);
		jw_str(&w, "name", p->name);
		jw_int(&w, "sort", p->sort);
		jw_bool(&w, "is_archive", p->is_archive);
		jw_arr(&w, "statuses");
		for (k = 0; k < p->nstages; k++) {
			s = &p->stages[k];
			jw_obj(&w, NULL);
			jw_int(&w, "id", s->id);
			jw_str(&w, "name", s->name);
			jw_int(&w, "sort", s->sort);
			jw_int(&w, "type", s->type);
			jw_bool(&w, "is_archive", s->is_archive);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	return buf_err(b);
}

/* Applies amoCRM's answer in one transaction with its audit row. */
static enum err
apply(struct db *db, const char *json, const char *actor,
    struct pipeline_sync_result *res)
{
	const char *v[1] = { json };
	struct buf after = { 0 };
	struct jw w;
	PGresult *r = NULL;
	enum err rc;

	if ((rc = db_begin(db)) != ERR_OK)
		goto out;
	if ((r = db_exec(db, SQL_SYNC, 1, v, &rc)) == NULL)
		goto out;
	res->pipelines_new = (int)strtol(db_val(r, 0, SY_PIPELINES_NEW), NULL,
	    10);
	res->pipelines_changed = (int)strtol(db_val(r, 0, SY_PIPELINES_CHANGED),
	    NULL, 10);
	res->stages_new = (int)strtol(db_val(r, 0, SY_STAGES_NEW), NULL, 10);
	res->stages_changed = (int)strtol(db_val(r, 0, SY_STAGES_CHANGED), NULL,
	    10);
	res->stages_archived = (int)strtol(db_val(r, 0, SY_STAGES_ARCHIVED),
	    NULL, 10);
	if (res->pipelines_new + res->pipelines_changed + res->stages_new +
	        res->stages_changed + res->stages_archived >
	    0) {
		jw_init(&w, &after);
		jw_obj(&w, NULL);
		jw_int(&w, "pipelines_new", res->pipelines_new);
		jw_int(&w, "pipelines_changed", res->pipelines_changed);
		jw_int(&w, "stages_new", res->stages_new);
		jw_int(&w, "stages_changed", res->stages_changed);
		jw_int(&w, "stages_archived", res->stages_archived);
		jw_obj_end(&w);
		if ((rc = buf_err(&after)) != ERR_OK ||
		    (rc = teams_audit(db, actor, "sync", "pipeline", NULL, NULL,
		         buf_str(&after))) != ERR_OK)
			goto out;
	}
	rc = teams_finish(db, ERR_OK);
out:
	db_rollback(db);
	PQclear(r);
	buf_free(&after);
	return rc;
}

/* Records the outcome of a sync (err NULL: it succeeded). */
static void
outcome(struct db *db, const char *trigger, const char *err)
{
	const char *v[2] = { trigger, err };

	if (db_run(db, SQL_OUTCOME, 2, v) != ERR_OK)
		log_warnx("could not record the outcome of the pipelines sync");
}

enum err
pipelines_sync(struct db *traffic, struct db *landing, struct amocrm *a,
    const char *trigger, const char *actor, struct pipeline_sync_result *res)
{
	struct amocrm_pipelines ps = { 0 };
	struct amocrm_status st;
	struct buf json = { 0 };
	enum err rc;

	memset(res, 0, sizeof(*res));
	res->copied = -1;
	memset(&st, 0, sizeof(st));
	rc = amocrm_pipelines_list(a, &ps, &st);
	res->amocrm_status = st.http_status;
	if (rc != ERR_OK) {
		snprintf(res->error, sizeof(res->error),
		    "could not read the pipelines from amoCRM: %s", st.reason);
		outcome(traffic, trigger, res->error);
		goto out;
	}
	res->listed = (int)ps.n;
	if (ps.n == 0) {
		/* amoCRM always has a pipeline: an empty answer is wrong. */
		rc = ERR_HTTP;
		snprintf(res->error, sizeof(res->error),
		    "amoCRM listed no pipelines; the catalogue is left as it "
		    "was");
		outcome(traffic, trigger, res->error);
		goto out;
	}
	if ((rc = answer_json(&json, &ps)) != ERR_OK ||
	    (rc = apply(traffic, buf_str(&json), actor, res)) != ERR_OK) {
		snprintf(res->error, sizeof(res->error),
		    "could not store the pipelines: %s", err_name(rc));
		outcome(traffic, trigger, res->error);
		goto out;
	}
	outcome(traffic, trigger, NULL);
	log_info("pipelines synced (%s): %d listed, %d new, %d changed; "
	         "stages %d new, %d changed, %d archived",
	    trigger, res->listed, res->pipelines_new, res->pipelines_changed,
	    res->stages_new, res->stages_changed, res->stages_archived);
	if (landing != NULL &&
	    pipelines_copy(traffic, landing, &res->copied) != ERR_OK)
		res->copied = -1;
out:
	amocrm_pipelines_free(&ps);
	buf_free(&json);
	return rc;
}

void
pipelines_sync_json(struct jw *w, const char *key,
    const struct pipeline_sync_result *res)
{
	jw_obj(w, key);
	jw_int(w, "listed", res->listed);
	jw_int(w, "pipelines_new", res->pipelines_new);
	jw_int(w, "pipelines_changed", res->pipelines_changed);
	jw_int(w, "stages_new", res->stages_new);
	jw_int(w, "stages_changed", res->stages_changed);
	jw_int(w, "stages_archived", res->stages_archived);
	if (res->copied >= 0)
		jw_int(w, "landing_copied", res->copied);
	else
		jw_null(w, "landing_copied");
	jw_obj_end(w);
}

enum err
pipelines_due(struct db *db, const char *holder, int interval, int *due)
{
	char secs[16];
	const char *v[2] = { secs, holder };
	PGresult *res;
	enum err rc;

	*due = 0;
	snprintf(secs, sizeof(secs), "%d", interval);
	if ((rc = db_run(db, SQL_DUE_INIT, 0, NULL)) != ERR_OK)
		return rc;
	if ((res = db_exec(db, SQL_DUE, 2, v, &rc)) == NULL)
		return rc;
	*due = PQntuples(res) == 1;
	PQclear(res);
	return ERR_OK;
}

enum err
pipelines_list(struct db *db, struct jw *w)
{
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_LIST, 0, NULL, &rc)) == NULL)
		return rc;
	jw_raw(w, "pipelines", db_val(res, 0, 0));
	jw_raw(w, "sync", db_val(res, 0, 1));
	PQclear(res);
	return ERR_OK;
}

enum err
pipelines_update(struct db *db, struct db *landing, const char *actor,
    const char *id, const struct pipeline_set *s, struct jw *w)
{
	const char *v[1 + 2 * PIPELINE__MAX];
	struct teams_change c = { .action = "update",
		.entity = "pipeline",
		.id = id,
		.lock = { SQL_LOCK, 1, v },
		.before_col = 0,
		.write = { SQL_UPDATE, 1 + 2 * PIPELINE__MAX, v },
		.id_col = UP_ID,
		.after_col = UP_JSON };
	PGresult *res;
	enum err rc;
	long n;
	int i;

	v[0] = id;
	for (i = 0; i < PIPELINE__MAX; i++) {
		v[1 + 2 * i] = s->set[i] ? "true" : "false";
		v[2 + 2 * i] = s->val[i];
	}
	if ((rc = teams_change(db, actor, &c, &res)) != ERR_OK)
		return rc;
	jw_raw(w, "pipeline", db_val(res, 0, UP_ANSWER));
	PQclear(res);
	/* The landing copy follows; a failure is caught up by the next. */
	if (landing != NULL && pipelines_copy(db, landing, &n) != ERR_OK)
		log_warnx("pipeline %s changed; the landing copy follows at "
		          "the next sync",
		    id);
	return ERR_OK;
}

enum err
pipelines_copy(struct db *traffic, struct db *landing, long *n)
{
	const char *v[1];
	PGresult *src, *res;
	enum err rc;

	*n = 0;
	if ((src = db_exec(traffic, SQL_COPY_READ, 0, NULL, &rc)) == NULL)
		return rc;
	v[0] = db_val(src, 0, 0);
	res = db_exec(landing, SQL_COPY_WRITE, 1, v, &rc);
	PQclear(src);
	if (res == NULL) {
		log_warnx(
		    "could not copy the pipelines to the landing database");
		return rc;
	}
	*n = strtol(db_val(res, 0, 0), NULL, 10);
	PQclear(res);
	return ERR_OK;
}
