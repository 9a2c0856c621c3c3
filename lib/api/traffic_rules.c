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
#include "sales/reattribute.h"
#include "teams/audit.h"
#include "teams/rule.h"

/*
 * /api/traffic/teams/{id}/rules and /api/traffic/rules/{id}: the
 * attribution rules of a team. This file reads and checks the bodies;
 * teams/rule stores them (the only writer of attribution_rules), each
 * change audited in its transaction.
 */

/* The members of a rule body, in enum rule_col order. */
static const char *const rule_keys[RULE__MAX + 1] = {
	"pattern",  /* RULE_PATTERN */
	"kind",     /* RULE_KIND */
	"fields",   /* RULE_FIELDS */
	"priority", /* RULE_PRIORITY */
	"enabled",  /* RULE_ENABLED */
	NULL,
};

/* A creation also takes these: a dry run, and the days to re-attribute. */
static const char *const create_keys[RULE__MAX + 4] = {
	"pattern",
	"kind",
	"fields",
	"priority",
	"enabled",
	"dry_run",
	"from",
	"to",
	NULL,
};

struct rule_in {
	struct rule_set s;
	char fields[64]; /* a text[] literal of field names */
	char priority[24];
	int dry;               /* create: only show what it would do */
	const char *from, *to; /* create: re-attribute these days; NULL */
};

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
		ri->s.set[RULE_PATTERN] = 1;
		ri->s.val[RULE_PATTERN] = s;
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
	ri->s.set[RULE_KIND] = 1;
	ri->s.val[RULE_KIND] = attr_kind_name(kind);
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
		ri->s.set[RULE_FIELDS] = 1;
		ri->s.val[RULE_FIELDS] = ri->fields;
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
	if ((rc = jread_only(&r->in, create ? create_keys : rule_keys)) !=
	        ERR_OK ||
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
		ri->s.set[RULE_PRIORITY] = 1;
		ri->s.val[RULE_PRIORITY] = ri->priority;
	}
	if ((rc = admin_notnull(r, "enabled", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "enabled", &enabled)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "enabled") == JREAD_SET) {
		ri->s.set[RULE_ENABLED] = 1;
		ri->s.val[RULE_ENABLED] = enabled ? "true" : "false";
	}
	if (create) {
		if (!ri->s.set[RULE_KIND])
			ri->s.val[RULE_KIND] = attr_kind_name(ATTR_KIND_TOKEN);
		if (!ri->s.set[RULE_FIELDS])
			ri->s.val[RULE_FIELDS] =
			    "{source,medium,campaign,content,term}";
		if (!ri->s.set[RULE_PRIORITY])
			ri->s.val[RULE_PRIORITY] = "0";
		if (!ri->s.set[RULE_ENABLED])
			ri->s.val[RULE_ENABLED] = "true";
		return ERR_OK;
	}
	for (i = 0; i < RULE__MAX; i++)
		n += ri->s.set[i];
	if (n == 0)
		return route_fail(r, ERR_VALIDATION, "", "no fields to update");
	return ERR_OK;
}

/* Answers a unique violation on a rule write. */
static enum err
rule_taken(struct route_req *r, enum err rc)
{
	if (rc != ERR_CONFLICT)
		return rc;
	route_errorf(r, "the team already has this rule");
	return route_fail(r, ERR_CONFLICT, "pattern",
	    "the team already has a rule of this kind with this pattern "
	    "(patterns ignore case)");
}

static const char *
actor(const struct route_req *r)
{
	return admin_actor(r, tctx(r)->app);
}

static enum err
rule_list(struct route_req *r)
{
	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	return teams_rule_list(tdb(r), r->arg[0], &r->w);
}

/* Reads a date member of a creation; NULL when absent. */
static enum err
create_date(struct route_req *r, const char *key, const char **out)
{
	enum err rc;

	if ((rc = admin_notnull(r, key, "a date such as 2025-12-01")) !=
	        ERR_OK ||
	    (rc = jread_str(&r->in, key, 10, 0, out)) != ERR_OK)
		return rc;
	if (*out != NULL && !route_valid_date(*out))
		return route_fail(r, ERR_VALIDATION, key,
		    "must be a date such as 2025-12-01");
	return ERR_OK;
}

/* Reads dry_run, from and to of a creation (both dates or neither). */
static enum err
create_extra(struct route_req *r, struct rule_in *ri)
{
	enum err rc;

	if ((rc = admin_notnull(r, "dry_run", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "dry_run", &ri->dry)) != ERR_OK ||
	    (rc = create_date(r, "from", &ri->from)) != ERR_OK ||
	    (rc = create_date(r, "to", &ri->to)) != ERR_OK)
		return rc;
	if ((ri->from == NULL) != (ri->to == NULL))
		return route_fail(r, ERR_VALIDATION,
		    ri->from == NULL ? "from" : "to",
		    "from and to go together: the days to re-attribute");
	if (ri->from != NULL && strcmp(ri->from, ri->to) > 0)
		return route_fail(r, ERR_VALIDATION, "to",
		    "must not be before from");
	return ERR_OK;
}

/*
 * Re-attributes the days of ri with set as member "reattribution"
 * (sales/reattribute; audited unless ri->dry).
 */
static enum err
reattribute_days(struct route_req *r, const struct attr_set *set,
    const struct rule_in *ri)
{
	struct app *app = tctx(r)->app;
	struct reattribute_q q;
	enum err rc;

	memset(&q, 0, sizeof(q));
	q.from = ri->from;
	q.to = ri->to;
	q.dry = ri->dry;
	q.tz = cfg_str(&app->cfg, CFG_TIMEZONE);
	q.rules_version = tctx(r)->rules.version;
	jw_obj(&r->w, "reattribution");
	rc = sales_reattribute(tdb(r), app->has_landing ? &app->landing : NULL,
	    set, &q, actor(r), teams_audit, &r->w);
	jw_obj_end(&r->w);
	return rc;
}

/*
 * The dry run of a creation: the rule as it would be ("id" null) and,
 * with from and to, what re-attributing those days with the current
 * rules and this one would change. Nothing is stored. A rule of an
 * inactive team takes no part, as it would not once created.
 */
static enum err
rule_dry_run(struct route_req *r, const struct rule_in *ri)
{
	const struct attr_set *cur;
	struct attr_set set;
	enum attr_kind kind;
	unsigned fields;
	char list[64];
	size_t i, n;
	enum err rc;

	if ((rc = teams_team_exists(tdb(r), r->arg[0])) != ERR_OK)
		return rc;
	if ((rc = rules_get(&tctx(r)->rules, tdb(r), &cur)) != ERR_OK) {
		route_errorf(r, "could not load the attribution rules");
		return rc;
	}
	/* The fields as a list ("{source,term}" -> "source,term"). */
	n = strlen(ri->s.val[RULE_FIELDS]);
	snprintf(list, sizeof(list), "%.*s", (int)(n > 2 ? n - 2 : 0),
	    ri->s.val[RULE_FIELDS] + 1);
	if (attr_kind_parse(ri->s.val[RULE_KIND], &kind) != ERR_OK ||
	    attr_fields_parse(list, &fields) != ERR_OK)
		return ERR_VALIDATION;
	if ((rc = attr_set_copy(&set, cur)) != ERR_OK)
		return rc;
	rc = attr_set_add_rule(&set, "0", r->arg[0], ri->s.val[RULE_PATTERN],
	    kind, fields, (int)strtol(ri->s.val[RULE_PRIORITY], NULL, 10),
	    strcmp(ri->s.val[RULE_ENABLED], "true") == 0);
	if (rc != ERR_OK && rc != ERR_NOTFOUND)
		goto out;
	jw_bool(&r->w, "dry_run", 1);
	jw_obj(&r->w, "rule");
	jw_null(&r->w, "id");
	jw_str(&r->w, "team_id", r->arg[0]);
	jw_str(&r->w, "pattern", ri->s.val[RULE_PATTERN]);
	jw_str(&r->w, "kind", attr_kind_name(kind));
	jw_arr(&r->w, "fields");
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if (fields & ATTR_FIELD_BIT(i))
			jw_str(&r->w, NULL,
			    attr_field_name((enum attr_field)i));
	jw_arr_end(&r->w);
	jw_numstr(&r->w, "priority", ri->s.val[RULE_PRIORITY]);
	jw_bool(&r->w, "enabled", strcmp(ri->s.val[RULE_ENABLED], "true") == 0);
	jw_bool(&r->w, "active", rc == ERR_OK);
	jw_obj_end(&r->w);
	rc = ri->from != NULL ? reattribute_days(r, &set, ri) : ERR_OK;
out:
	attr_set_free(&set);
	return rc;
}

/*
 * Adds a rule (201). With dry_run, only shows what it would do
 * (rule_dry_run(), 200). With from and to, then re-attributes the sales
 * of those days with the rules including the new one, audited too: the
 * rule is kept if that fails, and the answer says to run it again.
 */
static enum err
rule_create(struct route_req *r)
{
	const struct attr_set *set;
	struct rule_in ri;
	enum err rc;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = rule_read(r, &ri, 1)) != ERR_OK ||
	    (rc = create_extra(r, &ri)) != ERR_OK)
		return rc;
	if (ri.dry)
		return rule_dry_run(r, &ri);
	rc = teams_rule_create(tdb(r), actor(r), r->arg[0], &ri.s, &r->w);
	if (rc != ERR_OK)
		return rule_taken(r, rc);
	r->status = 201;
	if (ri.from == NULL)
		return ERR_OK;
	if ((rc = rules_get(&tctx(r)->rules, tdb(r), &set)) != ERR_OK ||
	    (rc = reattribute_days(r, set, &ri)) != ERR_OK)
		route_errorf(r,
		    "the rule was created, but the sales of %s..%s could "
		    "not be re-attributed: run the re-attribution again",
		    ri.from, ri.to);
	return rc;
}

static enum err
rule_get(struct route_req *r)
{
	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	return teams_rule_get(tdb(r), r->arg[0], &r->w);
}

static enum err
rule_update(struct route_req *r)
{
	struct rule_in ri;
	enum err rc;

	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = rule_read(r, &ri, 0)) != ERR_OK)
		return rc;
	return rule_taken(r,
	    teams_rule_update(tdb(r), actor(r), r->arg[0], &ri.s, &r->w));
}

static enum err
rule_delete(struct route_req *r)
{
	if (!traffic_is_ruleid(r->arg[0]))
		return ERR_NOTFOUND;
	return teams_rule_delete(tdb(r), actor(r), r->arg[0], &r->w);
}

/*
 * Reads the body's "ids" into *ids (the caller frees it): *ntotal ids
 * given, *nids of them read; when one could not be, the error that says
 * why is returned in *bad_id and *nids stops before it.
 */
static enum err
reorder_read(struct route_req *r, long long **ids, size_t *nids, size_t *ntotal,
    enum err *bad_id)
{
	size_t i, n;
	enum err rc;

	*ids = NULL;
	*nids = *ntotal = 0;
	*bad_id = ERR_OK;
	if ((rc = jread_only(&r->in, (const char *const[]){ "ids", NULL })) !=
	        ERR_OK ||
	    (rc = jread_arr(&r->in, "ids", MAX_RULES, &n)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "ids") != JREAD_SET)
		return route_fail(r, ERR_VALIDATION, "ids",
		    "is required: the ids of the team's rules in the new "
		    "order");
	if ((*ids = calloc(n + 1, sizeof(**ids))) == NULL)
		return ERR_NOMEM;
	*ntotal = n;
	for (i = 0; i < n; i++) {
		if ((*bad_id = jread_elem_int(&r->in, "ids", i, 1,
		         INT64_MAX - 1, &(*ids)[i])) != ERR_OK)
			break;
		(*nids)++;
	}
	return ERR_OK;
}

/* Sets the positions of a team's rules to the order of the body's ids. */
static enum err
rule_reorder(struct route_req *r)
{
	struct rule_bad bad;
	size_t nids, ntotal;
	long long *ids;
	enum err rc, bad_id;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = reorder_read(r, &ids, &nids, &ntotal, &bad_id)) != ERR_OK) {
		/* No such team comes first, as it did inside the lock. */
		if (teams_team_exists(tdb(r), r->arg[0]) == ERR_NOTFOUND)
			rc = ERR_NOTFOUND;
		return rc;
	}
	rc = teams_rule_reorder(tdb(r), actor(r), r->arg[0], ids, nids, ntotal,
	    &r->w, &bad);
	free(ids);
	if (rc == ERR_VALIDATION)
		return bad.field[0] == '\0'
		    ? bad_id
		    : route_fail(r, ERR_VALIDATION, bad.field, bad.reason);
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
