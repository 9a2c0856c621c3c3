#ifndef AMOSYNC_API_ADMIN_H
#define AMOSYNC_API_ADMIN_H

#include "io/app.h"
#include "io/db.h"
#include "io/route.h"

/*
 * What every admin JSON API shares on top of io/route: who the actor is,
 * the audit trail (attribution_audit in the traffic database; this is
 * its only writer) and the one skeleton of a change: begin, lock the row
 * before, write, audit before and after, commit. A change and its audit
 * row commit together or not at all.
 */

/* Who is changing things: nginx's REMOTE_USER, else AMOSYNC_ADMIN_USER,
 * else "anonymous". Borrowed. */
const char *admin_actor(const struct route_req *r, const struct app *app);

/*
 * Writes one audit row in the current transaction of app->traffic
 * (before and after are JSON texts or NULL).
 */
enum err admin_audit(const struct route_req *r, struct app *app,
    const char *action, const char *entity, const char *id, const char *before,
    const char *after);

/* Commits db if rc is ERR_OK, else rolls back; returns the outcome. */
enum err admin_finish(struct db *db, enum err rc);

/* A statement and its text parameters. */
struct admin_sql {
	const char *sql; /* NULL: no statement */
	int n;
	const char *const *v;
};

/*
 * One audited change in the traffic database:
 *   lock   optional; must return one row (none: ERR_NOTFOUND): the row as
 *          it was (its JSON in column before_col, or -1 for none);
 *   write  the INSERT/UPDATE/DELETE; when it returns a row, that row is
 *          the answer (its id in id_col, its JSON in after_col);
 *          otherwise the locked row is (a delete).
 * A unique violation of write calls conflict(r), which says what is
 * taken and returns ERR_CONFLICT.
 */
struct admin_change {
	const char *action; /* "create", "update", "delete", "reorder" */
	const char *entity; /* "team", "rule" */
	const char *id;     /* the entity's id; NULL: id_col of the row */
	struct admin_sql lock;
	int before_col;
	struct admin_sql write;
	int id_col;
	int after_col; /* -1: the audit's after is NULL */
	enum err (*conflict)(struct route_req *r);
};

/*
 * Runs the change in one transaction on app->traffic and commits it with
 * its audit row. *row is the answer's row (caller PQclear()s it, NULL on
 * error). Rolls back on every error.
 */
enum err admin_change(struct route_req *r, struct app *app,
    const struct admin_change *c, PGresult **row);

/* Reads a member that is either absent or a value, never null. */
enum err admin_notnull(struct route_req *r, const char *key, const char *what);

/* A database integer or boolean as text (NULL: 0, false). */
long long admin_num(const char *s);
int admin_istrue(const char *s);

/* Timestamps as ISO 8601 UTC in SQL: TS("t.created_at"). */
#define ADMIN_TS(c)                                                            \
	"to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#endif
