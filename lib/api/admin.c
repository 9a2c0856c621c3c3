#include <stdio.h>
#include <stdlib.h>

#include "api/admin.h"
#include "base/log.h"

static const char SQL_AUDIT[] =
    "INSERT INTO attribution_audit (actor, action, entity, entity_id,"
    " before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)";

const char *
admin_actor(const struct route_req *r, const struct app *app)
{
	const char *s;

	if (r->req->user != NULL && *r->req->user != '\0')
		return r->req->user;
	s = cfg_str(&app->cfg, CFG_ADMIN_USER);
	return *s != '\0' ? s : "anonymous";
}

enum err
admin_audit(const struct route_req *r, struct app *app, const char *action,
    const char *entity, const char *id, const char *before, const char *after)
{
	const char *v[6] = { admin_actor(r, app), action, entity, id, before,
		after };
	enum err rc;

	if ((rc = db_run(&app->traffic, SQL_AUDIT, 6, v)) == ERR_OK)
		log_info("%s %s %s by %s", action, entity, id ? id : "-", v[0]);
	return rc;
}

enum err
admin_finish(struct db *db, enum err rc)
{
	if (rc == ERR_OK)
		rc = db_commit(db);
	db_rollback(db);
	return rc;
}

enum err
admin_change(struct route_req *r, struct app *app, const struct admin_change *c,
    PGresult **row)
{
	struct db *db = &app->traffic;
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
	    NULL) {
		if (rc == ERR_CONFLICT && c->conflict != NULL)
			rc = c->conflict(r);
		goto out;
	}
	if (PQntuples(res) == 0) {
		/* A delete: the answer is the row as it was. */
		PQclear(res);
		res = before;
		before = NULL;
		rc = admin_audit(r, app, c->action, c->entity, id,
		    c->before_col >= 0 ? db_val(res, 0, c->before_col) : NULL,
		    NULL);
	} else {
		if (id == NULL)
			id = db_val(res, 0, c->id_col);
		rc = admin_audit(r, app, c->action, c->entity, id,
		    before != NULL && c->before_col >= 0
		        ? db_val(before, 0, c->before_col)
		        : NULL,
		    c->after_col >= 0 ? db_val(res, 0, c->after_col) : NULL);
	}
	if ((rc = admin_finish(db, rc)) == ERR_OK) {
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
admin_notnull(struct route_req *r, const char *key, const char *what)
{
	char why[96];

	if (jread_has(&r->in, key) != JREAD_NULL)
		return ERR_OK;
	snprintf(why, sizeof(why), "must be %s, not null", what);
	return route_fail(r, ERR_VALIDATION, key, why);
}

long long
admin_num(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

int
admin_istrue(const char *s)
{
	return s != NULL && (*s == 't' || *s == '1');
}
