#ifndef AMOSYNC_TEAMS_AUDIT_H
#define AMOSYNC_TEAMS_AUDIT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The audit trail of the Team Constructor and the pipeline catalogue:
 * attribution_audit in the traffic database (this is its only writer), and the one skeleton of an
 * audited change: begin, lock the row before, write, audit before and
 * after, commit. A change and its audit row commit together or not at
 * all. The actor is a plain name (an admin, a tool), so a change can be
 * made from anywhere above this floor.
 */

/*
 * Writes one audit row in the current transaction of db (before and
 * after are JSON texts or NULL; id NULL: none).
 */
enum err teams_audit(struct db *db, const char *actor, const char *action,
    const char *entity, const char *id, const char *before, const char *after);

/* Commits db if rc is ERR_OK, else rolls back; returns the outcome. */
enum err teams_finish(struct db *db, enum err rc);

/* A statement and its text parameters. */
struct teams_sql {
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
 * A unique violation of write is ERR_CONFLICT.
 */
struct teams_change {
	const char *action; /* "create", "update", "delete", "reorder" */
	const char *entity; /* "team", "rule" */
	const char *id;     /* the entity's id; NULL: id_col of the row */
	struct teams_sql lock;
	int before_col;
	struct teams_sql write;
	int id_col;
	int after_col; /* -1: the audit's after is NULL */
};

/*
 * Runs the change in one transaction on db and commits it with its audit
 * row, by actor. *row is the answer's row (caller PQclear()s it, NULL on
 * error). Rolls back on every error.
 */
enum err teams_change(struct db *db, const char *actor,
    const struct teams_change *c, PGresult **row);

/* The audit rows a list asks for. */
struct teams_audit_q {
	const char *entity; /* "team", "rule", "sales", "pipeline"; NULL: all */
	const char *id;     /* entity_id; NULL: all */
	long long limit;
};

/*
 * Writes the audit rows of q, newest first: into w as array "audit" of
 * {id, at, actor, action, entity, entity_id, before, after}, or, when csv
 * is not NULL, as a CSV document into csv (w unused) with before and
 * after as JSON text.
 */
enum err teams_audit_list(struct db *db, const struct teams_audit_q *q,
    struct jw *w, struct buf *csv);

/* A database integer or boolean as text (NULL: 0, false). */
long long teams_num(const char *s);
int teams_istrue(const char *s);

/* Timestamps as ISO 8601 UTC in SQL: TEAMS_TS("t.created_at"). */
#define TEAMS_TS(c)                                                            \
	"to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A column of the teams' own CSV exports: header, result column, kind. */
struct teams_col {
	const char *name;
	int col;
	char kind; /* 't' text, 'n' number, 'b' boolean (t/f: true/false) */
};

/*
 * Writes the rows of res as a CSV document into b (base/csv: header row,
 * UTF-8 with BOM). ERR_NOMEM if it could not be built.
 */
enum err teams_csv(struct buf *b, const PGresult *res,
    const struct teams_col *cols, size_t ncols);

#endif
