#include <stdio.h>
#include <stdlib.h>

#include "base/csv.h"
#include "base/log.h"
#include "teams/audit.h"

static const char SQL_AUDIT[] =
    "INSERT INTO attribution_audit (actor, action, entity, entity_id,"
    " before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)";

/* The columns of SQL_AUDIT_LIST. */
enum audit_col {
	AL_ID,
	AL_AT,
	AL_ACTOR,
	AL_ACTION,
	AL_ENTITY,
	AL_ENTITY_ID,
	AL_BEFORE,
	AL_AFTER,
	AL__MAX
};

/* clang-format off */
static const char SQL_AUDIT_LIST[] =
    "SELECT id, " TEAMS_TS("at") ", actor, action, entity, entity_id,"
    " before::text, after::text FROM attribution_audit"
    " WHERE ($1::text IS NULL OR entity = $1)"
    " AND ($2::text IS NULL OR entity_id = $2)"
    " ORDER BY id DESC LIMIT $3::integer";
/* clang-format on */

/* The columns of the audit log's CSV export. */
static const struct teams_col audit_csv_cols[] = {
	{ "id", AL_ID, 'n' },
	{ "at", AL_AT, 't' },
	{ "actor", AL_ACTOR, 't' },
	{ "action", AL_ACTION, 't' },
	{ "entity", AL_ENTITY, 't' },
	{ "entity_id", AL_ENTITY_ID, 't' },
	{ "before", AL_BEFORE, 't' },
	{ "after", AL_AFTER, 't' },
};

enum err
teams_audit(struct db *db, const char *actor, const char *action,
    const char *entity, const char *id, const char *before, const char *after)
{
	const char *v[6] = { actor, action, entity, id, before, after };
	enum err rc;

	if ((rc = db_run(db, SQL_AUDIT, 6, v)) == ERR_OK)
		log_info("%s %s %s by %s", action, entity, id ? id : "-",
		    actor);
	return rc;
}

enum err
teams_finish(struct db *db, enum err rc)
{
	if (rc == ERR_OK)
		rc = db_commit(db);
	db_rollback(db);
	return rc;
}

enum err
teams_change(struct db *db, const char *actor, const struct teams_change *c,
    PGresult **row)
{
	PGresult *before = NULL, *res = NULL;
	const char *id = c->id;
	enum err rc;

	*row = NULL;
	if ((rc = db_begin(db)) != ERR_OK)
		goto out;
	if (c->lock.sql != NULL) {
		if ((before = db_exec(db, c->lock.sql, c->lock.n, c->lock.v,
		         &rc)) == NULL)
			goto out;
		if (PQntuples(before) != 1) {
			rc = ERR_NOTFOUND;
			goto out;
		}
	}
	if ((res = db_exec(db, c->write.sql, c->write.n, c->write.v, &rc)) ==
	    NULL)
		goto out;
	if (PQntuples(res) == 0) {
		/* A delete: the answer is the row as it was. */
		PQclear(res);
		res = before;
		before = NULL;
		rc = teams_audit(db, actor, c->action, c->entity, id,
		    c->before_col >= 0 ? db_val(res, 0, c->before_col) : NULL,
		    NULL);
	} else {
		if (id == NULL)
			id = db_val(res, 0, c->id_col);
		rc = teams_audit(db, actor, c->action, c->entity, id,
		    before != NULL && c->before_col >= 0
		        ? db_val(before, 0, c->before_col)
		        : NULL,
		    c->after_col >= 0 ? db_val(res, 0, c->after_col) : NULL);
	}
	if ((rc = teams_finish(db, rc)) == ERR_OK) {
		*row = res;
		res = NULL;
	}
out:
	db_rollback(db);
	PQclear(before);
	PQclear(res);
	return rc;
}

enum err
teams_audit_list(struct db *db, const struct teams_audit_q *q, struct jw *w,
    struct buf *csv)
{
	const char *v[3] = { q->entity, q->id, NULL };
	char lim[24];
	PGresult *res;
	enum err rc;
	int i;

	snprintf(lim, sizeof(lim), "%lld", q->limit);
	v[2] = lim;
	if ((res = db_exec(db, SQL_AUDIT_LIST, 3, v, &rc)) == NULL)
		return rc;
	if (csv != NULL) {
		rc = teams_csv(csv, res, audit_csv_cols,
		    sizeof(audit_csv_cols) / sizeof(audit_csv_cols[0]));
		PQclear(res);
		return rc;
	}
	jw_arr(w, "audit");
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(w, NULL);
		jw_numstr(w, "id", db_val(res, i, AL_ID));
		jw_str(w, "at", db_val(res, i, AL_AT));
		jw_str(w, "actor", db_val(res, i, AL_ACTOR));
		jw_str(w, "action", db_val(res, i, AL_ACTION));
		jw_str(w, "entity", db_val(res, i, AL_ENTITY));
		jw_str(w, "entity_id", db_val(res, i, AL_ENTITY_ID));
		jw_raw(w, "before", db_val(res, i, AL_BEFORE));
		jw_raw(w, "after", db_val(res, i, AL_AFTER));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	PQclear(res);
	return ERR_OK;
}

enum err
teams_csv(struct buf *b, const PGresult *res, const struct teams_col *cols,
    size_t ncols)
{
	size_t i;
	int row;

	csv_begin(b);
	for (i = 0; i < ncols; i++)
		csv_field(b, i == 0, cols[i].name, CSV_TEXT);
	csv_end_row(b);
	for (row = 0; row < PQntuples(res); row++) {
		for (i = 0; i < ncols; i++) {
			const char *v = db_val(res, row, cols[i].col);

			if (cols[i].kind == 'b' && v != NULL)
				v = v[0] == 't' ? "true" : "false";
			csv_field(b, i == 0, v,
			    cols[i].kind == 't' ? CSV_TEXT : CSV_NUM);
		}
		csv_end_row(b);
	}
	return buf_err(b);
}

long long
teams_num(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

int
teams_istrue(const char *s)
{
	return s != NULL && (*s == 't' || *s == '1');
}
