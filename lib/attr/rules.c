#include <stdlib.h>
#include <string.h>

#include "attr/rules.h"
#include "base/log.h"

/* clang-format off */
static const char SQL_VERSION[] =
    "SELECT version::text FROM attribution_version";

/*
 * Everything in one statement, so the version, the teams and the rules
 * come from one snapshot. Rows: ('v', version), ('t', id, name,
 * utm_source, emoji, position), ('r', id, team_id, pattern, kind, fields,
 * priority).
 */
static const char SQL_LOAD[] =
    "SELECT 'v', version::text, NULL, NULL, NULL, NULL, NULL"
    " FROM attribution_version"
    " UNION ALL"
    " SELECT 't', id::text, name, utm_source, emoji, position::text, NULL"
    " FROM traffic_teams WHERE is_active"
    " UNION ALL"
    " SELECT 'r', r.id::text, r.team_id::text, r.pattern, r.kind,"
    " array_to_string(r.fields, ','), r.priority::text"
    " FROM attribution_rules r JOIN traffic_teams t ON t.id = r.team_id"
    " WHERE r.enabled AND t.is_active";
/* clang-format on */

/* The columns of SQL_LOAD, by the kind of row. */
enum load_col {
	LC_KIND,        /* 'v', 't' or 'r' */
	LC_VERSION = 1, /* 'v' */
	LC_TEAM_ID = 1,
	LC_TEAM_NAME,
	LC_TEAM_SOURCE,
	LC_TEAM_EMOJI,
	LC_TEAM_POSITION, /* 't' */
	LC_RULE_ID = 1,
	LC_RULE_TEAM,
	LC_RULE_PATTERN,
	LC_RULE_KIND,
	LC_RULE_FIELDS,
	LC_RULE_PRIORITY, /* 'r' */
};

void
rules_init(struct rules_cache *c)
{
	memset(c, 0, sizeof(*c));
	attr_set_init(&c->set);
	c->version = -1;
}

void
rules_free(struct rules_cache *c)
{
	if (c == NULL)
		return;
	attr_set_free(&c->set);
	c->version = -1;
}

/* Parses a decimal integer column; 0 when NULL or malformed. */
static long long
num(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/*
 * Builds a new set from the rows of SQL_LOAD: all teams first (the engine
 * needs a rule's team to exist), then the rules. A row the engine refuses
 * (a pattern that normalises to nothing) is logged and skipped, so one bad
 * rule cannot stop attribution altogether.
 */
static enum err
build(const PGresult *res, struct attr_set *set, long long *version)
{
	int i, n = PQntuples(res), pass;
	enum attr_kind kind;
	unsigned fields;
	enum err rc = ERR_OK;

	attr_set_init(set);
	*version = -1;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			const char *t = db_val(res, i, LC_KIND);

			if (t == NULL)
				continue;
			if (pass == 0 && *t == 'v') {
				*version = num(db_val(res, i, LC_VERSION));
				continue;
			}
			if (pass == 0 && *t == 't') {
				rc = attr_set_add_team(set,
				    db_val(res, i, LC_TEAM_ID),
				    db_val(res, i, LC_TEAM_NAME),
				    db_val(res, i, LC_TEAM_SOURCE),
				    db_val(res, i, LC_TEAM_EMOJI),
				    (int)num(db_val(res, i, LC_TEAM_POSITION)));
			} else if (pass == 1 && *t == 'r') {
				if (attr_kind_parse(
				        db_val(res, i, LC_RULE_KIND), &kind) !=
				        ERR_OK ||
				    attr_fields_parse(
				        db_val(res, i, LC_RULE_FIELDS),
				        &fields) != ERR_OK)
					rc = ERR_VALIDATION;
				else
					rc = attr_set_add_rule(set,
					    db_val(res, i, LC_RULE_ID),
					    db_val(res, i, LC_RULE_TEAM),
					    db_val(res, i, LC_RULE_PATTERN),
					    kind, fields,
					    (int)num(db_val(res, i,
					        LC_RULE_PRIORITY)),
					    1);
			} else {
				continue;
			}
			if (rc == ERR_NOMEM) {
				attr_set_free(set);
				return rc;
			}
			if (rc != ERR_OK)
				log_warnx("ignoring attribution %s %s: %s",
				    *t == 't' ? "team" : "rule",
				    db_val(res, i, LC_TEAM_ID), err_str(rc));
		}
	if (*version < 0) {
		log_warnx("attribution_version has no row");
		attr_set_free(set);
		return ERR_DB;
	}
	return ERR_OK;
}

/* Replaces the cached set with a fresh one from the database. */
static enum err
load(struct rules_cache *c, struct db *db)
{
	struct attr_set set;
	long long version;
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_LOAD, 0, NULL, &rc)) == NULL)
		return rc;
	rc = build(res, &set, &version);
	PQclear(res);
	if (rc != ERR_OK)
		return rc;
	attr_set_free(&c->set);
	c->set = set;
	c->version = version;
	log_debug("loaded attribution rules version %lld: %zu teams, %zu "
	          "rules",
	    version, set.nteams, set.nrules);
	return ERR_OK;
}

enum err
rules_get(struct rules_cache *c, struct db *db, const struct attr_set **set)
{
	PGresult *res;
	enum err rc;

	*set = NULL;
	if (c->retry_at != 0 && time(NULL) < c->retry_at)
		return ERR_DB;
	if ((res = db_exec(db, SQL_VERSION, 0, NULL, &rc)) != NULL) {
		if (PQntuples(res) == 1 && c->version >= 0 &&
		    num(db_val(res, 0, 0)) == c->version)
			rc = ERR_OK;
		else
			rc = load(c, db);
		PQclear(res);
	}
	if (rc != ERR_OK) {
		/* A stale set must not be used: drop it. */
		attr_set_free(&c->set);
		c->version = -1;
		/* Only an unreachable server costs a connect timeout. */
		if (rc == ERR_DB &&
		    (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK))
			c->retry_at = time(NULL) + RULES_RETRY_SECONDS;
		return rc;
	}
	c->retry_at = 0;
	*set = &c->set;
	return ERR_OK;
}

const struct attr_set *
rules_cached(const struct rules_cache *c)
{
	return c->version >= 0 ? &c->set : NULL;
}

enum err
rules_match(struct rules_cache *c, struct db *db, const struct attr_utm *utm,
    struct attr_result *res)
{
	const struct attr_set *set;
	enum err rc;

	memset(res, 0, sizeof(*res));
	res->conf = ATTR_CONF_LOW;
	res->field = ATTR_FIELD__MAX;
	if ((rc = rules_get(c, db, &set)) != ERR_OK)
		return rc;
	return attr_match(set, utm, res);
}
