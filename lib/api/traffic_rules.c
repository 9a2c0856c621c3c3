#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/admin.h"
#include "api/traffic.h"
#include "attr/engine.h"
#include "base/buf.h"
#include "base/jw.h"
#include "base/log.h"
#include "base/text.h"

/*
 * /api/traffic/teams/{id}/rules and /api/traffic/rules/{id}: the
 * attribution rules of a team (attribution_rules; this file is its only
 * writer). Every change is audited in its transaction.
 */

#define TS(c) ADMIN_TS(c)

/* clang-format off */
/* The columns of a rule answer, in enum rres order. */
#define RULE_COLS                                                          \
	"r.id::text, r.team_id::text, t.name, r.pattern, r.kind,"          \
	" array_to_string(r.fields, ','), r.priority, r.enabled,"          \
	" r.position, " TS("r.created_at") ", " TS("r.updated_at")
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

/* The writable columns of a rule, in the order of SQL_RULE_UPDATE. */
enum rcol { RC_PATTERN, RC_KIND, RC_FIELDS, RC_PRIORITY, RC_ENABLED, RC__MAX };

static const char *const rule_keys[RC__MAX + 1] = {
	"pattern",  /* RC_PATTERN */
	"kind",     /* RC_KIND */
	"fields",   /* RC_FIELDS */
	"priority", /* RC_PRIORITY */
	"enabled",  /* RC_ENABLED */
	NULL,
};

struct rule_in {
	int set[RC__MAX];
	const char *val[RC__MAX];
	char fields[64]; /* a text[] literal of field names */
	char priority[24];
};

void
traffic_rule_json(struct jw *w, const char *key, const PGresult *res, int row)
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
	jw_int(w, "priority", admin_num(db_val(res, row, RR_PRIORITY)));
	jw_bool(w, "enabled", admin_istrue(db_val(res, row, RR_ENABLED)));
	jw_int(w, "position", admin_num(db_val(res, row, RR_POSITION)));
	jw_str(w, "created_at", db_val(res, row, RR_CREATED));
	jw_str(w, "updated_at", db_val(res, row, RR_UPDATED));
	jw_obj_end(w);
}

static enum err
rule_pattern(struct route_req *r, struct rule_in *ri, int create)
{
	const char *s;
	char *n = NULL;
	enum err rc;

	if (jread_has(&r->in, "pattern") == JREAD_ABSENT)
		return create
		    ? route_fail(r, ERR_VALIDATION, "pattern", "is required")
		    : ERR_OK;
	if ((rc = admin_notnull(r, "pattern", "a string")) != ERR_OK ||
	    (rc = jread_str(&r->in, "pattern", MAX_PATTERN, 0, &s)) != ERR_OK)
		return rc;
	if ((rc = attr_norm(s, &n)) != ERR_OK)
		return rc;
	rc = *n == '\0' ? route_fail(r, ERR_VALIDATION, "pattern",
	                      "must not be empty or only spaces")
	                : ERR_OK;
	free(n);
	if (rc == ERR_OK) {
		ri->set[RC_PATTERN] = 1;
		ri->val[RC_PATTERN] = s;
	}
	return rc;
}

static enum err
rule_kind(struct route_req *r, struct rule_in *ri)
{
	enum attr_kind kind;
	const char *s;
	enum err rc;

	if ((rc = admin_notnull(r, "kind",
	         "exact, prefix, token or contains")) != ERR_OK ||
	    (rc = jread_str(&r->in, "kind", 16, 0, &s)) != ERR_OK || s == NULL)
		return rc;
	if (*s == '\0' || attr_kind_parse(s, &kind) != ERR_OK)
		return route_fail(r, ERR_VALIDATION, "kind",
		    "must be exact, prefix, token or contains");
	ri->set[RC_KIND] = 1;
	ri->val[RC_KIND] = attr_kind_name(kind);
	return ERR_OK;
}

/* Reads the field names into a mask, stored in engine-neutral order. */
static enum err
rule_fields(struct route_req *r, struct rule_in *ri)
{
	enum attr_field f;
	unsigned mask = 0;
	const char *s;
	struct buf b;
	size_t i, n;
	enum err rc;

	if ((rc = admin_notnull(r, "fields", "an array of field names")) !=
	        ERR_OK ||
	    (rc = jread_arr(&r->in, "fields", 16, &n)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "fields") != JREAD_SET)
		return ERR_OK;
	if (n == 0)
		return route_fail(r, ERR_VALIDATION, "fields",
		    "must name at least one of source, medium, campaign, "
		    "content, term");
	for (i = 0; i < n; i++) {
		if ((rc = jread_elem_str(&r->in, "fields", i, 16, &s)) !=
		    ERR_OK)
			return rc;
		if (attr_field_parse(s, &f) != ERR_OK)
			return route_fail(r, ERR_VALIDATION, "fields",
			    "names must be source, medium, campaign, content "
			    "or term");
		mask |= ATTR_FIELD_BIT(f);
	}
	buf_init(&b);
	buf_addc(&b, '{');
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if (mask & ATTR_FIELD_BIT(i))
			buf_printf(&b, "%s%s", b.len > 1 ? "," : "",
			    attr_field_name((enum attr_field)i));
	buf_addc(&b, '}');
	if ((rc = buf_err(&b)) == ERR_OK) {
		snprintf(ri->fields, sizeof(ri->fields), "%s", buf_str(&b));
		ri->set[RC_FIELDS] = 1;
		ri->val[RC_FIELDS] = ri->fields;
	}
	buf_free(&b);
	return rc;
}

/*
 * Validates a rule body. On create the defaults are kind token, every
 * field, priority 0, enabled; on update only the members present change.
 * The position is set by reorder only.
 */
static enum err
rule_read(struct route_req *r, struct rule_in *ri, int create)
{
	long long prio = 0;
	int enabled = 1, i, n = 0;
	enum err rc;

	memset(ri, 0, sizeof(*ri));
	if ((rc = jread_only(&r->in, rule_keys)) != ERR_OK ||
	    (rc = rule_pattern(r, ri, create)) != ERR_OK ||
	    (rc = rule_kind(r, ri)) != ERR_OK ||
	    (rc = rule_fields(r, ri)) != ERR_OK)
		return rc;
	if ((rc = admin_notnull(r, "priority", "a whole number")) != ERR_OK ||
	    (rc = jread_int(&r->in, "priority", -MAX_PRIORITY, MAX_PRIORITY,
	         &prio)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "priority") == JREAD_SET) {
		snprintf(ri->priority, sizeof(ri->priority), "%lld", prio);
		ri->set[RC_PRIORITY] = 1;
		ri->val[RC_PRIORITY] = ri->priority;
	}
	if ((rc = admin_notnull(r, "enabled", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "enabled", &enabled)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "enabled") == JREAD_SET) {
		ri->set[RC_ENABLED] = 1;
		ri->val[RC_ENABLED] = enabled ? "true" : "false";
	}
	if (create) {
		if (!ri->set[RC_KIND])
			ri->val[RC_KIND] = attr_kind_name(ATTR_KIND_TOKEN);
		if (!ri->set[RC_FIELDS])
			ri->val[RC_FIELDS] =
			    "{source,medium,campaign,content,term}";
		if (!ri->set[RC_PRIORITY])
			ri->val[RC_PRIORITY] = "0";
		if (!ri->set[RC_ENABLED])
			ri->val[RC_ENABLED] = "true";
		return ERR_OK;
	}
	for (i = 0; i < RC__MAX; i++)
		n += ri->set[i];
	if (n == 0)
		return route_fail(r, ERR_VALIDATION, "", "no fields to update");
	return ERR_OK;
}

/* Answers a unique violation on a rule write. */
static enum err
rule_taken(struct route_req *r)
{
	route_errorf(r, "the team already has this rule");
	return route_fail(r, ERR_CONFLICT, "pattern",
	    "the team already has a rule of this kind with this pattern "
	    "(patterns ignore case)");
}

enum err
traffic_rules_of(struct route_req *r, const char *id)
{
	const char *v[1] = { id };
	PGresult *res;
	enum err rc;
	int i;

	if ((res = db_exec(tdb(r), SQL_RULES_OF, 1, v, &rc)) == NULL)
		return rc;
	jw_arr(&r->w, "rules");
	for (i = 0; i < PQntuples(res); i++)
		traffic_rule_json(&r->w, NULL, res, i);
	jw_arr_end(&r->w);
	PQclear(res);
	return ERR_OK;
}

static enum err
rule_list(struct route_req *r)
{
	const char *v[1] = { r->arg[0] };
	PGresult *res;
	enum err rc;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((res = db_exec(tdb(r), SQL_TEAM_FOUND, 1, v, &rc)) == NULL)
		return rc;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	if (rc != ERR_OK)
		return rc;
	jw_str(&r->w, "team_id", r->arg[0]);
	return traffic_rules_of(r, r->arg[0]);
}

static enum err
rule_create(struct route_req *r)
{
	const char *v[1 + RC__MAX];
	/* Locks the team, so positions are handed out one at a time. */
	struct admin_change c = { .action = "create",
		.entity = "rule",
		.lock = { SQL_TEAM_EXISTS, 1, v },
		.before_col = -1,
		.write = { SQL_RULE_INSERT, 1 + RC__MAX, v },
		.id_col = RR_ID,
		.after_col = RR_JSON,
		.conflict = rule_taken };
	struct rule_in ri;
	PGresult *res;
	enum err rc;
	int i;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = rule_read(r, &ri, 1)) != ERR_OK)
		return rc;
	v[0] = r->arg[0];
	for (i = 0; i < RC__MAX; i++)
		v[1 + i] = ri.val[i];
	if ((rc = admin_change(r, tctx(r)->app, &c, &res)) == ERR_OK) {
		traffic_rule_json(&r->w, "rule", res, 0);
		r->status = 201;
		PQclear(res);
	}
	return rc;
}

static enum err
rule_get(struct route_req *r)
{
	const char *v[1] = { r->arg[0] };
	PGresult *res;
	enum err rc;

	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((res = db_exec(tdb(r), SQL_RULE, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 1)
		traffic_rule_json(&r->w, "rule", res, 0);
	else
		rc = ERR_NOTFOUND;
	PQclear(res);
	return rc;
}

static enum err
rule_update(struct route_req *r)
{
	const char *v[1 + 2 * RC__MAX];
	struct admin_change c = { .action = "update",
		.entity = "rule",
		.id = r->arg[0],
		.lock = { SQL_RULE_LOCK, 1, v },
		.before_col = RR_JSON,
		.write = { SQL_RULE_UPDATE, 1 + 2 * RC__MAX, v },
		.id_col = RR_ID,
		.after_col = RR_JSON,
		.conflict = rule_taken };
	struct rule_in ri;
	PGresult *res;
	enum err rc;
	int i;

	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = rule_read(r, &ri, 0)) != ERR_OK)
		return rc;
	v[0] = r->arg[0];
	for (i = 0; i < RC__MAX; i++) {
		v[1 + 2 * i] = ri.set[i] ? "true" : "false";
		v[2 + 2 * i] = ri.val[i];
	}
	if ((rc = admin_change(r, tctx(r)->app, &c, &res)) == ERR_OK) {
		traffic_rule_json(&r->w, "rule", res, 0);
		PQclear(res);
	}
	return rc;
}

static enum err
rule_delete(struct route_req *r)
{
	const char *v[1] = { r->arg[0] };
	struct admin_change c = { .action = "delete",
		.entity = "rule",
		.id = r->arg[0],
		.lock = { SQL_RULE_LOCK, 1, v },
		.before_col = RR_JSON,
		.write = { SQL_RULE_DELETE, 1, v },
		.id_col = RR_ID,
		.after_col = -1 };
	PGresult *res;
	enum err rc;

	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = admin_change(r, tctx(r)->app, &c, &res)) == ERR_OK) {
		traffic_rule_json(&r->w, "rule", res, 0);
		PQclear(res);
	}
	return rc;
}

/* Returns the index of id among the n rows of res (column 0), or -1. */
static int
row_of(const PGresult *res, const char *id)
{
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(db_val(res, i, 0), id) == 0)
			return i;
	return -1;
}

/*
 * Checks that ids (the body's "ids") name each rule of the team (rows of
 * cur) exactly once, and builds the bigint[] literal and the audit JSON.
 */
static enum err
reorder_read(struct route_req *r, const PGresult *cur, struct buf *arr,
    struct buf *before, struct buf *after)
{
	char why[160], id[32];
	long long x;
	size_t i, n;
	int k, *seen;
	struct jw wb, wa;
	enum err rc;

	if ((rc = jread_only(&r->in, (const char *const[]){ "ids", NULL })) !=
	        ERR_OK ||
	    (rc = jread_arr(&r->in, "ids", MAX_RULES, &n)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "ids") != JREAD_SET)
		return route_fail(r, ERR_VALIDATION, "ids",
		    "is required: the ids of the team's rules in the new "
		    "order");
	if (n != (size_t)PQntuples(cur)) {
		snprintf(why, sizeof(why),
		    "must list each of the team's %d "
		    "rules exactly once (got %zu ids)",
		    PQntuples(cur), n);
		return route_fail(r, ERR_VALIDATION, "ids", why);
	}
	if ((seen = calloc(n + 1, sizeof(*seen))) == NULL)
		return ERR_NOMEM;
	jw_init(&wb, before);
	jw_init(&wa, after);
	jw_obj(&wb, NULL);
	jw_arr(&wb, "ids");
	jw_obj(&wa, NULL);
	jw_arr(&wa, "ids");
	buf_addc(arr, '{');
	for (i = 0; i < n; i++) {
		if ((rc = jread_elem_int(&r->in, "ids", i, 1, INT64_MAX - 1,
		         &x)) != ERR_OK)
			goto out;
		snprintf(id, sizeof(id), "%lld", x);
		if ((k = row_of(cur, id)) < 0 || seen[k]) {
			snprintf(why, sizeof(why), "%s is %s", id,
			    k < 0 ? "not a rule of this team" : "listed twice");
			rc = route_fail(r, ERR_VALIDATION, "ids", why);
			goto out;
		}
		seen[k] = 1;
		buf_printf(arr, "%s%s", i > 0 ? "," : "", id);
		jw_int(&wa, NULL, x);
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

/* Sets the positions of a team's rules to the order of the body's ids. */
static enum err
rule_reorder(struct route_req *r)
{
	struct buf arr, before, after;
	PGresult *cur = NULL, *res = NULL;
	const char *v[2];
	enum err rc;
	int i;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	buf_init(&arr);
	buf_init(&before);
	buf_init(&after);
	v[0] = r->arg[0];
	if ((rc = db_begin(tdb(r))) != ERR_OK)
		goto out;
	if ((res = db_exec(tdb(r), SQL_TEAM_EXISTS, 1, v, &rc)) == NULL)
		goto out;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	res = NULL;
	if (rc != ERR_OK)
		goto out;
	if ((cur = db_exec(tdb(r), SQL_RULE_IDS, 1, v, &rc)) == NULL)
		goto out;
	if ((rc = reorder_read(r, cur, &arr, &before, &after)) != ERR_OK)
		goto out;
	v[1] = buf_str(&arr);
	if ((rc = db_run(tdb(r), SQL_RULE_REORDER, 2, v)) != ERR_OK ||
	    (rc = admin_audit(r, tctx(r)->app, "reorder", "team", r->arg[0],
	         buf_str(&before), buf_str(&after))) != ERR_OK)
		goto out;
	if ((res = db_exec(tdb(r), SQL_RULES_OF, 1, v, &rc)) == NULL)
		goto out;
	if ((rc = admin_finish(tdb(r), ERR_OK)) != ERR_OK)
		goto out;
	jw_str(&r->w, "team_id", r->arg[0]);
	jw_arr(&r->w, "rules");
	for (i = 0; i < PQntuples(res); i++)
		traffic_rule_json(&r->w, NULL, res, i);
	jw_arr_end(&r->w);
out:
	db_rollback(tdb(r));
	PQclear(cur);
	PQclear(res);
	buf_free(&arr);
	buf_free(&before);
	buf_free(&after);
	return rc;
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/teams/{id}/rules", rule_list, 0, "team" },
	{ WEB_POST, "/api/traffic/teams/{id}/rules", rule_create, ROUTE_BODY,
	    "team" },
	{ WEB_POST, "/api/traffic/teams/{id}/rules/reorder", rule_reorder,
	    ROUTE_BODY, "team" },
	{ WEB_GET, "/api/traffic/rules/{id}", rule_get, 0, "rule" },
	{ WEB_PUT, "/api/traffic/rules/{id}", rule_update, ROUTE_BODY, "rule" },
	{ WEB_PATCH, "/api/traffic/rules/{id}", rule_update, ROUTE_BODY,
	    "rule" },
	{ WEB_DELETE, "/api/traffic/rules/{id}", rule_delete, 0, "rule" },
};

const struct route_table traffic_rules_routes = ROUTE_TABLE(routes);
