#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "base/buf.h"
#include "teams/audit.h"
#include "teams/rule.h"

/* clang-format off */
/* The columns of a rule answer, in enum rres order. */
#define RULE_COLS                                                          \
	"r.id::text, r.team_id::text, t.name, r.pattern, r.kind,"          \
	" array_to_string(r.fields, ','), r.priority, r.enabled,"          \
	" r.position, " TEAMS_TS("r.created_at") ", "                      \
	TEAMS_TS("r.updated_at")
/* clang-format on */

enum rres {
	RR_ID,
	RR_TEAM_ID,
	RR_TEAM_NAME,
	RR_PATTERN,
	RR_KIND,
	RR_FIELDS,
	RR_PRIORITY,
	RR_ENABLED,
	RR_POSITION,
	RR_CREATED,
	RR_UPDATED,
	RR_JSON, /* to_jsonb(r), where a query asks for it */
	RR__MAX
};

/* clang-format off */
static const char SQL_RULES_OF[] =
    "SELECT " RULE_COLS " FROM attribution_rules r"
    " JOIN traffic_teams t ON t.id = r.team_id"
    " WHERE r.team_id = $1::uuid ORDER BY r.position, r.id";
static const char SQL_RULE[] =
    "SELECT " RULE_COLS " FROM attribution_rules r"
    " JOIN traffic_teams t ON t.id = r.team_id WHERE r.id = $1::bigint";
static const char SQL_RULE_LOCK[] =
    "SELECT " RULE_COLS ", to_jsonb(r) FROM attribution_rules r"
    " JOIN traffic_teams t ON t.id = r.team_id WHERE r.id = $1::bigint"
    " FOR UPDATE OF r";
static const char SQL_TEAM_FOUND[] =
    "SELECT 1 FROM traffic_teams WHERE id = $1::uuid";
static const char SQL_TEAM_EXISTS[] =
    "SELECT 1 FROM traffic_teams WHERE id = $1::uuid FOR UPDATE";
static const char SQL_RULE_INSERT[] =
    "WITH r AS (INSERT INTO attribution_rules (team_id, pattern, kind,"
    " fields, priority, enabled, position)"
    " VALUES ($1::uuid, $2, $3, $4::text[], $5::integer, $6::boolean,"
    " (SELECT COALESCE(max(position), 0) + 1 FROM attribution_rules"
    "  WHERE team_id = $1::uuid)) RETURNING *)"
    " SELECT " RULE_COLS ", to_jsonb(r) FROM r"
    " JOIN traffic_teams t ON t.id = r.team_id";
static const char SQL_RULE_UPDATE[] =
    "WITH r AS (UPDATE attribution_rules AS x SET"
    " pattern = CASE WHEN $2::boolean THEN $3 ELSE x.pattern END,"
    " kind = CASE WHEN $4::boolean THEN $5 ELSE x.kind END,"
    " fields = CASE WHEN $6::boolean THEN $7::text[] ELSE x.fields END,"
    " priority = CASE WHEN $8::boolean THEN $9::integer"
    "  ELSE x.priority END,"
    " enabled = CASE WHEN $10::boolean THEN $11::boolean"
    "  ELSE x.enabled END"
    " WHERE x.id = $1::bigint RETURNING *)"
    " SELECT " RULE_COLS ", to_jsonb(r) FROM r"
    " JOIN traffic_teams t ON t.id = r.team_id";
static const char SQL_RULE_DELETE[] =
    "DELETE FROM attribution_rules WHERE id = $1::bigint";
static const char SQL_RULE_IDS[] =
    "SELECT id::text FROM attribution_rules WHERE team_id = $1::uuid"
    " ORDER BY position, id FOR UPDATE";
static const char SQL_RULE_REORDER[] =
    "UPDATE attribution_rules AS r SET position = x.ord"
    " FROM unnest($2::bigint[]) WITH ORDINALITY AS x (id, ord)"
    " WHERE r.id = x.id AND r.team_id = $1::uuid";
/* clang-format on */

static void
rule_json(struct jw *w, const char *key, const PGresult *res, int row)
{
	const char *f = db_val(res, row, RR_FIELDS), *comma;
	char *norm = NULL;

	jw_obj(w, key);
	jw_numstr(w, "id", db_val(res, row, RR_ID));
	jw_str(w, "team_id", db_val(res, row, RR_TEAM_ID));
	jw_str(w, "team_name", db_val(res, row, RR_TEAM_NAME));
	jw_str(w, "pattern", db_val(res, row, RR_PATTERN));
	/* What the engine compares; shows what "on+ai" or "%D0%97" become. */
	if (attr_norm(db_val(res, row, RR_PATTERN), &norm) == ERR_OK)
		jw_str(w, "normalized", norm);
	free(norm);
	jw_str(w, "kind", db_val(res, row, RR_KIND));
	jw_arr(w, "fields");
	while (f != NULL && *f != '\0') {
		comma = strchr(f, ',');
		jw_strn(w, NULL, f, comma ? (size_t)(comma - f) : strlen(f));
		f = comma ? comma + 1 : NULL;
	}
	jw_arr_end(w);
	jw_int(w, "priority", teams_num(db_val(res, row, RR_PRIORITY)));
	jw_bool(w, "enabled", teams_istrue(db_val(res, row, RR_ENABLED)));
	jw_int(w, "position", teams_num(db_val(res, row, RR_POSITION)));
	jw_str(w, "created_at", db_val(res, row, RR_CREATED));
	jw_str(w, "updated_at", db_val(res, row, RR_UPDATED));
	jw_obj_end(w);
}

static void
rules_json(struct jw *w, const PGresult *res)
{
	int i;

	jw_arr(w, "rules");
	for (i = 0; i < PQntuples(res); i++)
		rule_json(w, NULL, res, i);
	jw_arr_end(w);
}

enum err
teams_rules_of(struct db *db, const char *team, struct jw *w)
{
	const char *v[1] = { team };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_RULES_OF, 1, v, &rc)) == NULL)
		return rc;
	rules_json(w, res);
	PQclear(res);
	return ERR_OK;
}

enum err
teams_team_exists(struct db *db, const char *team)
{
	const char *v[1] = { team };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_TEAM_FOUND, 1, v, &rc)) == NULL)
		return rc;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	return rc;
}

enum err
teams_rule_list(struct db *db, const char *team, struct jw *w)
{
	enum err rc;

	if ((rc = teams_team_exists(db, team)) != ERR_OK)
		return rc;
	jw_str(w, "team_id", team);
	return teams_rules_of(db, team, w);
}

enum err
teams_rule_get(struct db *db, const char *id, struct jw *w)
{
	const char *v[1] = { id };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_RULE, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 1)
		rule_json(w, "rule", res, 0);
	else
		rc = ERR_NOTFOUND;
	PQclear(res);
	return rc;
}

/* Runs change c and writes its row as "rule". */
static enum err
change(struct db *db, const char *actor, const struct teams_change *c,
    struct jw *w)
{
	PGresult *res;
	enum err rc;

	if ((rc = teams_change(db, actor, c, &res)) == ERR_OK) {
		rule_json(w, "rule", res, 0);
		PQclear(res);
	}
	return rc;
}

enum err
teams_rule_create(struct db *db, const char *actor, const char *team,
    const struct rule_set *r, struct jw *w)
{
	const char *v[1 + RULE__MAX];
	/* Locks the team, so positions are handed out one at a time. */
	struct teams_change c = { .action = "create",
		.entity = "rule",
		.lock = { SQL_TEAM_EXISTS, 1, v },
		.before_col = -1,
		.write = { SQL_RULE_INSERT, 1 + RULE__MAX, v },
		.id_col = RR_ID,
		.after_col = RR_JSON };
	int i;

	v[0] = team;
	for (i = 0; i < RULE__MAX; i++)
		v[1 + i] = r->val[i];
	return change(db, actor, &c, w);
}

enum err
teams_rule_update(struct db *db, const char *actor, const char *id,
    const struct rule_set *r, struct jw *w)
{
	const char *v[1 + 2 * RULE__MAX];
	struct teams_change c = { .action = "update",
		.entity = "rule",
		.id = id,
		.lock = { SQL_RULE_LOCK, 1, v },
		.before_col = RR_JSON,
		.write = { SQL_RULE_UPDATE, 1 + 2 * RULE__MAX, v },
		.id_col = RR_ID,
		.after_col = RR_JSON };
	int i;

	v[0] = id;
	for (i = 0; i < RULE__MAX; i++) {
		v[1 + 2 * i] = r->set[i] ? "true" : "false";
		v[2 + 2 * i] = r->val[i];
	}
	return change(db, actor, &c, w);
}

enum err
teams_rule_delete(struct db *db, const char *actor, const char *id,
    struct jw *w)
{
	const char *v[1] = { id };
	struct teams_change c = { .action = "delete",
		.entity = "rule",
		.id = id,
		.lock = { SQL_RULE_LOCK, 1, v },
		.before_col = RR_JSON,
		.write = { SQL_RULE_DELETE, 1, v },
		.id_col = RR_ID,
		.after_col = -1 };

	return change(db, actor, &c, w);
}

/* Returns the index of id among the rows of res (column 0), or -1. */
static int
row_of(const PGresult *res, const char *id)
{
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(db_val(res, i, 0), id) == 0)
			return i;
	return -1;
}

static enum err
refuse(struct rule_bad *bad, const char *field, const char *reason)
{
	snprintf(bad->field, sizeof(bad->field), "%s", field);
	snprintf(bad->reason, sizeof(bad->reason), "%s", reason);
	return ERR_VALIDATION;
}

/*
 * Checks that ids name each rule of the team (rows of cur) exactly once,
 * and builds the bigint[] literal and the audit JSON.
 */
static enum err
reorder_check(const PGresult *cur, const long long *ids, size_t nids,
    size_t ntotal, struct buf *arr, struct buf *before, struct buf *after,
    struct rule_bad *bad)
{
	char why[160], id[32];
	size_t i;
	int k, *seen;
	struct jw wb, wa;
	enum err rc;

	if (ntotal != (size_t)PQntuples(cur)) {
		snprintf(why, sizeof(why),
		    "must list each of the team's %d "
		    "rules exactly once (got %zu ids)",
		    PQntuples(cur), ntotal);
		return refuse(bad, "ids", why);
	}
	if ((seen = calloc(ntotal + 1, sizeof(*seen))) == NULL)
		return ERR_NOMEM;
	jw_init(&wb, before);
	jw_init(&wa, after);
	jw_obj(&wb, NULL);
	jw_arr(&wb, "ids");
	jw_obj(&wa, NULL);
	jw_arr(&wa, "ids");
	buf_addc(arr, '{');
	for (i = 0; i < ntotal; i++) {
		if (i >= nids) {
			rc = refuse(bad, "", "");
			goto out;
		}
		snprintf(id, sizeof(id), "%lld", ids[i]);
		if ((k = row_of(cur, id)) < 0 || seen[k]) {
			snprintf(why, sizeof(why), "%s is %s", id,
			    k < 0 ? "not a rule of this team" : "listed twice");
			rc = refuse(bad, "ids", why);
			goto out;
		}
		seen[k] = 1;
		buf_printf(arr, "%s%s", i > 0 ? "," : "", id);
		jw_int(&wa, NULL, ids[i]);
	}
	buf_addc(arr, '}');
	for (k = 0; k < PQntuples(cur); k++)
		jw_numstr(&wb, NULL, db_val(cur, k, 0));
	jw_arr_end(&wb);
	jw_obj_end(&wb);
	jw_arr_end(&wa);
	jw_obj_end(&wa);
	rc = ERR_OK;
	if (buf_err(arr) != ERR_OK || buf_err(before) != ERR_OK ||
	    buf_err(after) != ERR_OK)
		rc = ERR_NOMEM;
out:
	free(seen);
	return rc;
}

enum err
teams_rule_reorder(struct db *db, const char *actor, const char *team,
    const long long *ids, size_t nids, size_t ntotal, struct jw *w,
    struct rule_bad *bad)
{
	struct buf arr, before, after;
	PGresult *cur = NULL, *res = NULL;
	const char *v[2];
	enum err rc;

	memset(bad, 0, sizeof(*bad));
	buf_init(&arr);
	buf_init(&before);
	buf_init(&after);
	v[0] = team;
	if ((rc = db_begin(db)) != ERR_OK)
		goto out;
	if ((res = db_exec(db, SQL_TEAM_EXISTS, 1, v, &rc)) == NULL)
		goto out;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	res = NULL;
	if (rc != ERR_OK)
		goto out;
	if ((cur = db_exec(db, SQL_RULE_IDS, 1, v, &rc)) == NULL)
		goto out;
	if ((rc = reorder_check(cur, ids, nids, ntotal, &arr, &before, &after,
	         bad)) != ERR_OK)
		goto out;
	v[1] = buf_str(&arr);
	if ((rc = db_run(db, SQL_RULE_REORDER, 2, v)) != ERR_OK ||
	    (rc = teams_audit(db, actor, "reorder", "team", team,
	         buf_str(&before), buf_str(&after))) != ERR_OK)
		goto out;
	if ((res = db_exec(db, SQL_RULES_OF, 1, v, &rc)) == NULL)
		goto out;
	if ((rc = teams_finish(db, ERR_OK)) != ERR_OK)
		goto out;
	jw_str(w, "team_id", team);
	rules_json(w, res);
out:
	db_rollback(db);
	PQclear(cur);
	PQclear(res);
	buf_free(&arr);
	buf_free(&before);
	buf_free(&after);
	return rc;
}
