#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/admin.h"
#include "api/report_http.h"
#include "api/traffic.h"
#include "attr/engine.h"
#include "base/buf.h"
#include "base/jw.h"
#include "base/log.h"
#include "base/text.h"
#include "report/unattributed.h"
#include "sales/reattribute.h"
#include "teams/audit.h"

/*
 * /api/traffic/attribution/: what the engine decides for a UTM set
 * (preview), which values two teams' rules claim (conflicts), and the
 * explicit re-attribution of stored sales.
 */

static const char *const utm_keys[ATTR_FIELD__MAX + 1] = {
	"utm_source",   /* ATTR_FIELD_SOURCE */
	"utm_medium",   /* ATTR_FIELD_MEDIUM */
	"utm_campaign", /* ATTR_FIELD_CAMPAIGN */
	"utm_content",  /* ATTR_FIELD_CONTENT */
	"utm_term",     /* ATTR_FIELD_TERM */
	NULL,
};

/* The current rule set, or ERR_DB with a message for the answer. */
static enum err
current_set(struct route_req *r, const struct attr_set **set)
{
	enum err rc;

	if ((rc = rules_get(&tctx(r)->rules, tdb(r), set)) == ERR_DB)
		route_errorf(r, "could not load the attribution rules");
	return rc;
}

static void
rule_brief(struct jw *w, const char *key, const struct attr_rule *ar)
{
	if (ar == NULL) {
		jw_null(w, key);
		return;
	}
	jw_obj(w, key);
	jw_numstr(w, "id", ar->id);
	jw_str(w, "team_id", ar->team->id);
	jw_str(w, "team_name", ar->team->name);
	jw_str(w, "pattern", ar->pattern);
	jw_str(w, "kind", attr_kind_name(ar->kind));
	jw_int(w, "priority", ar->priority);
	jw_obj_end(w);
}

/* Shows what the engine decides for one UTM set, without storing it. */
static enum err
preview(struct route_req *r)
{
	const struct attr_set *set;
	struct attr_result res;
	struct attr_utm utm;
	size_t i;
	enum err rc;

	if ((rc = jread_only(&r->in, utm_keys)) != ERR_OK)
		return rc;
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if ((rc = jread_str(&r->in, utm_keys[i], MAX_UTM, 0,
		         &utm.v[i])) != ERR_OK)
			return rc;
	if ((rc = current_set(r, &set)) != ERR_OK ||
	    (rc = attr_match(set, &utm, &res)) != ERR_OK)
		return rc;
	jw_str(&r->w, "team_id", res.team_id);
	jw_str(&r->w, "team_name", res.team_name);
	jw_str(&r->w, "targetologist",
	    res.team_name != NULL ? res.team_name : "Unknown");
	jw_str(&r->w, "emoji", res.team != NULL ? res.team->emoji : NULL);
	jw_str(&r->w, "confidence", attr_conf_name(res.conf));
	if (res.rule != NULL) {
		jw_obj(&r->w, "rule");
		jw_numstr(&r->w, "id", res.rule->id);
		jw_str(&r->w, "pattern", res.rule->pattern);
		jw_str(&r->w, "kind", attr_kind_name(res.rule->kind));
		jw_int(&r->w, "priority", res.rule->priority);
		jw_obj_end(&r->w);
	} else {
		jw_null(&r->w, "rule");
	}
	jw_str(&r->w, "field",
	    res.field < ATTR_FIELD__MAX ? attr_field_name(res.field) : NULL);
	jw_str(&r->w, "value", res.value);
	return ERR_OK;
}

/* Returns 1 if conflict c belongs in the group of conflict g. */
static int
same_group(const struct attr_conflict *g, const struct attr_conflict *c)
{
	return strcmp(g->value, c->value) == 0 && g->winner == c->winner &&
	    g->win_rule == c->win_rule;
}

/*
 * Writes the group of conflicts that starts at items[i]: the fields it
 * covers, then its teams and rules once each, in engine order. Marks the
 * members of the group in done.
 */
static void
conflict_group(struct jw *w, const struct attr_set *set,
    const struct attr_conflicts *c, size_t i, char *done, char *inrule)
{
	const struct attr_conflict *g = &c->items[i];
	size_t j, k, m;

	jw_obj(w, NULL);
	jw_str(w, "value", g->value);
	jw_str(w, "field", attr_field_name(g->field));
	jw_arr(w, "fields");
	memset(inrule, 0, set->nrules + 1);
	for (j = i; j < c->n && strcmp(c->items[j].value, g->value) == 0; j++) {
		if (!same_group(g, &c->items[j]))
			continue;
		done[j] = 1;
		jw_str(w, NULL, attr_field_name(c->items[j].field));
		for (k = 0; k < c->items[j].nrules; k++)
			for (m = 0; m < set->nrules; m++)
				if (set->rules[m] == c->items[j].rules[k])
					inrule[m] = 1;
	}
	jw_arr_end(w);
	jw_arr(w, "teams");
	for (m = 0; m < set->nrules; m++) {
		if (!inrule[m])
			continue;
		for (k = 0; k < m; k++)
			if (inrule[k] &&
			    set->rules[k]->team == set->rules[m]->team)
				break;
		if (k == m)
			jw_str(w, NULL, set->rules[m]->team->name);
	}
	jw_arr_end(w);
	jw_arr(w, "rules");
	for (m = 0; m < set->nrules; m++)
		if (inrule[m])
			rule_brief(w, NULL, set->rules[m]);
	jw_arr_end(w);
	jw_str(w, "winner", g->winner != NULL ? g->winner->name : NULL);
	jw_str(w, "winner_id", g->winner != NULL ? g->winner->id : NULL);
	rule_brief(w, "winner_rule", g->win_rule);
	jw_obj_end(w);
}

/*
 * Lists the values that rules of two or more teams claim, with the team
 * the engine picks. The engine's entries (one per value and field) are
 * grouped by value and winner; "fields" lists where the clash happens.
 */
static enum err
conflicts(struct route_req *r)
{
	const struct attr_set *set;
	struct attr_conflicts c;
	char *done = NULL, *inrule = NULL;
	size_t i, n = 0;
	enum err rc;

	if ((rc = current_set(r, &set)) != ERR_OK)
		return rc;
	if ((rc = attr_conflicts_find(set, &c)) != ERR_OK)
		return rc;
	rc = ERR_NOMEM;
	if ((done = calloc(c.n + 1, 1)) == NULL ||
	    (inrule = calloc(set->nrules + 1, 1)) == NULL)
		goto out;
	jw_arr(&r->w, "conflicts");
	for (i = 0; i < c.n; i++)
		if (!done[i]) {
			conflict_group(&r->w, set, &c, i, done, inrule);
			n++;
		}
	jw_arr_end(&r->w);
	jw_int(&r->w, "count", (long long)n);
	rc = ERR_OK;
out:
	free(done);
	free(inrule);
	attr_conflicts_free(&c);
	return rc;
}

/* --- re-attribution ----------------------------------------------------- */

static enum err
ra_date(struct route_req *r, const char *key, const char **out)
{
	enum err rc;

	if ((rc = jread_str(&r->in, key, 10, 0, out)) != ERR_OK)
		return rc;
	if (*out == NULL)
		return route_fail(r, ERR_VALIDATION, key,
		    "is required: a date such as 2025-12-01");
	if (!route_valid_date(*out))
		return route_fail(r, ERR_VALIDATION, key,
		    "must be a date such as 2025-12-01");
	return ERR_OK;
}

/*
 * Re-runs the engine over the stored sales of [from, to] in both
 * databases and stores the targetologists that changed, audited
 * (sales/reattribute). dry_run only counts.
 */
static enum err
reattribute(struct route_req *r)
{
	static const char *const keys[] = { "from", "to", "dry_run", NULL };
	struct app *app = tctx(r)->app;
	struct reattribute_q q;
	const struct attr_set *set;
	enum err rc;

	memset(&q, 0, sizeof(q));
	if ((rc = jread_only(&r->in, keys)) != ERR_OK ||
	    (rc = ra_date(r, "from", &q.from)) != ERR_OK ||
	    (rc = ra_date(r, "to", &q.to)) != ERR_OK ||
	    (rc = admin_notnull(r, "dry_run", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "dry_run", &q.dry)) != ERR_OK)
		return rc;
	if (strcmp(q.from, q.to) > 0)
		return route_fail(r, ERR_VALIDATION, "to",
		    "must not be before from");
	if ((rc = current_set(r, &set)) != ERR_OK)
		return rc;
	q.tz = cfg_str(&app->cfg, CFG_TIMEZONE);
	q.rules_version = tctx(r)->rules.version;
	return sales_reattribute(tdb(r),
	    app->has_landing ? &app->landing : NULL, set, &q,
	    admin_actor(r, app), teams_audit, &r->w);
}

/* --- the sales without a team ------------------------------------------ */

#define UNATTRIBUTED_LIMIT 100
#define UNATTRIBUTED_MAX 1000

/*
 * GET /api/traffic/attribution/unattributed?start=&end=&limit=&format=:
 * the worklist of UTM values of the sales without a team, with the rules
 * that almost match each (report/unattributed).
 */
static enum err
unattributed_get(struct route_req *r)
{
	const struct attr_set *set;
	const char *start, *end;
	struct report_out out;
	struct buf b;
	long long limit = UNATTRIBUTED_LIMIT;
	int csv;
	enum err rc;

	if ((rc = report_http_format(r, &csv)) != ERR_OK ||
	    (rc = report_http_range(r, &start, &end)) != ERR_OK ||
	    (rc = route_query_int(r, "limit", 1, UNATTRIBUTED_MAX, &limit)) !=
	        ERR_OK ||
	    (rc = current_set(r, &set)) != ERR_OK)
		return rc;
	report_http_begin(r, csv, &out, &b);
	if (!csv) {
		jw_str(&r->w, "start", start);
		jw_str(&r->w, "end", end);
	}
	rc = unattributed(tdb(r), set, start, end,
	    cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE), (int)limit, &out);
	return report_http_end(r, &out, rc);
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/attribution/unattributed", unattributed_get, 0,
	    NULL },
	{ WEB_POST, "/api/traffic/attribution/preview", preview, ROUTE_BODY,
	    NULL },
	{ WEB_GET, "/api/traffic/attribution/conflicts", conflicts, 0, NULL },
	{ WEB_POST, "/api/traffic/attribution/reattribute", reattribute, 1,
	    NULL },
};

const struct route_table traffic_attribution_routes = ROUTE_TABLE(routes);
