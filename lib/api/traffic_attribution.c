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
#include "sales/landing.h"
#include "sales/track.h"

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

/* The tables of stored sales, each in its database. */
enum stable { ST_TRACKING, ST_EXPRESS, ST_MAIN, ST__MAX };

static const char *const stable_names[ST__MAX] = {
	"all_sales_tracking",   /* ST_TRACKING, traffic DB */
	"express_course_sales", /* ST_EXPRESS, landing DB */
	"main_product_sales",   /* ST_MAIN, landing DB */
};

/*
 * The sales of [from, to] in table t, locked until the commit, as rows of
 * enum sale_row; their writers (sales/track, sales/landing) own the SQL.
 */
static enum err
sales_in(enum stable t, struct db *db, const char *const *v, PGresult **res)
{
	if (t == ST_TRACKING)
		return track_sales_in(db, v[0], v[1], v[2], res);
	return landing_sales_in(db,
	    t == ST_EXPRESS ? LANDING_EXPRESS : LANDING_MAIN, v[0], v[1], res);
}

/* Stores changes ([{"id", "t": team, "c": confidence}]) in table t. */
static enum err
set_teams(enum stable t, struct db *db, const char *changes)
{
	if (t == ST_TRACKING)
		return track_set_teams(db, changes);
	return landing_set_teams(db,
	    t == ST_EXPRESS ? LANDING_EXPRESS : LANDING_MAIN, changes);
}

struct ra_change {
	char *from; /* NULL: no team */
	char *to;
	long long count;
};

struct ra {
	const struct attr_set *set;
	int done[ST__MAX];
	long long examined[ST__MAX];
	long long changed[ST__MAX];
	struct ra_change *ch;
	size_t nch;
	size_t cap;
};

static void
ra_free(struct ra *ra)
{
	size_t i;

	for (i = 0; i < ra->nch; i++) {
		free(ra->ch[i].from);
		free(ra->ch[i].to);
	}
	free(ra->ch);
	memset(ra, 0, sizeof(*ra));
}

/* Stored values that mean "no team". */
static int
no_team(const char *s)
{
	return s == NULL || *s == '\0' || strcasecmp(s, "Unknown") == 0;
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Counts one change from -> to. */
static enum err
ra_tally(struct ra *ra, const char *from, const char *to)
{
	struct ra_change *c;
	size_t i;

	for (i = 0; i < ra->nch; i++)
		if (same_str(ra->ch[i].from, from) &&
		    same_str(ra->ch[i].to, to)) {
			ra->ch[i].count++;
			return ERR_OK;
		}
	if (ra->nch == ra->cap) {
		size_t ncap = ra->cap ? ra->cap * 2 : 8;

		if ((c = realloc(ra->ch, ncap * sizeof(*c))) == NULL)
			return ERR_NOMEM;
		ra->ch = c;
		ra->cap = ncap;
	}
	c = &ra->ch[ra->nch];
	memset(c, 0, sizeof(*c));
	if ((from != NULL && (c->from = strdup(from)) == NULL) ||
	    (to != NULL && (c->to = strdup(to)) == NULL)) {
		free(c->from);
		return ERR_NOMEM;
	}
	c->count = 1;
	ra->nch++;
	return ERR_OK;
}

/*
 * Runs the engine over the sales of one table in the range (v: from, to,
 * time zone) and, unless dry, stores the targetologists that differ in
 * one statement. "Unknown", "" and NULL all mean no team, so they are
 * not a difference when the engine finds none.
 */
static enum err
ra_table(struct ra *ra, enum stable t, struct db *db, const char *const *v,
    int dry)
{
	struct attr_result ar;
	struct attr_utm utm;
	PGresult *res;
	struct buf b;
	struct jw w;
	int i, j, n;
	enum err rc;

	if ((rc = sales_in(t, db, v, &res)) != ERR_OK)
		return rc;
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr(&w, NULL);
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		const char *old = db_val(res, i, SALE_ROW_TEAM);

		for (j = 0; j < ATTR_FIELD__MAX; j++)
			utm.v[j] = db_val(res, i, SALE_ROW_UTM + j);
		if ((rc = attr_match(ra->set, &utm, &ar)) != ERR_OK)
			goto out;
		if (ar.team_name == NULL ? no_team(old)
		                         : same_str(old, ar.team_name))
			continue;
		ra->changed[t]++;
		if ((rc = ra_tally(ra, no_team(old) ? NULL : old,
		         ar.team_name)) != ERR_OK)
			goto out;
		jw_obj(&w, NULL);
		jw_str(&w, "id", db_val(res, i, SALE_ROW_ID));
		jw_str(&w, "t", ar.team_name);
		jw_str(&w, "c", attr_conf_name(ar.conf));
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	ra->examined[t] = n;
	ra->done[t] = 1;
	if ((rc = buf_err(&b)) == ERR_OK && !dry && ra->changed[t] > 0)
		rc = set_teams(t, db, buf_str(&b));
out:
	PQclear(res);
	buf_free(&b);
	return rc;
}

/* Orders changes by count (most first), then by names. */
static int
change_cmp(const void *x, const void *y)
{
	const struct ra_change *a = x, *b = y;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if ((c = strcmp(a->from ? a->from : "", b->from ? b->from : "")) != 0)
		return c;
	return strcmp(a->to ? a->to : "", b->to ? b->to : "");
}

/* Writes the summary members (the answer's, and the audit's "after"). */
static void
ra_write(struct jw *w, struct ra *ra, const char *from, const char *to, int dry)
{
	long long examined = 0, changed = 0;
	size_t i;

	for (i = 0; i < ST__MAX; i++) {
		examined += ra->examined[i];
		changed += ra->changed[i];
	}
	if (ra->nch > 1)
		qsort(ra->ch, ra->nch, sizeof(*ra->ch), change_cmp);
	jw_str(w, "from", from);
	jw_str(w, "to", to);
	jw_bool(w, "dry_run", dry);
	jw_int(w, "examined", examined);
	jw_int(w, "changed", changed);
	jw_arr(w, "changes");
	for (i = 0; i < ra->nch; i++) {
		jw_obj(w, NULL);
		jw_str(w, "from", ra->ch[i].from);
		jw_str(w, "to", ra->ch[i].to);
		jw_int(w, "count", ra->ch[i].count);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj(w, "by_table");
	for (i = 0; i < ST__MAX; i++) {
		if (!ra->done[i])
			continue;
		jw_obj(w, stable_names[i]);
		jw_int(w, "examined", ra->examined[i]);
		jw_int(w, "changed", ra->changed[i]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_arr(w, "skipped");
	for (i = 0; i < ST__MAX; i++)
		if (!ra->done[i])
			jw_str(w, NULL, stable_names[i]);
	jw_arr_end(w);
}

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
 * databases and stores the targetologists that changed. Each database
 * changes in one transaction; the audit row is written in the traffic
 * one, which commits last. If that final commit fails after the landing
 * one succeeded, running the same request again finishes the job: the
 * result only depends on the rules. dry_run only counts.
 */
static enum err
reattribute(struct route_req *r)
{
	static const char *const keys[] = { "from", "to", "dry_run", NULL };
	struct db *landing = tctx(r)->app->has_landing ? &tctx(r)->app->landing
	                                               : NULL;
	const char *from, *to, *v[3];
	struct buf before, after;
	struct ra ra;
	struct jw w;
	int dry = 0;
	enum err rc;

	memset(&ra, 0, sizeof(ra));
	buf_init(&before);
	buf_init(&after);
	if ((rc = jread_only(&r->in, keys)) != ERR_OK ||
	    (rc = ra_date(r, "from", &from)) != ERR_OK ||
	    (rc = ra_date(r, "to", &to)) != ERR_OK ||
	    (rc = admin_notnull(r, "dry_run", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "dry_run", &dry)) != ERR_OK)
		goto out;
	if (strcmp(from, to) > 0) {
		rc = route_fail(r, ERR_VALIDATION, "to",
		    "must not be before from");
		goto out;
	}
	if ((rc = current_set(r, &ra.set)) != ERR_OK)
		goto out;
	v[0] = from;
	v[1] = to;
	v[2] = cfg_str(&tctx(r)->app->cfg, CFG_TIMEZONE);
	if ((rc = db_begin(tdb(r))) != ERR_OK ||
	    (rc = ra_table(&ra, ST_TRACKING, tdb(r), v, dry)) != ERR_OK)
		goto out;
	if (landing != NULL &&
	    ((rc = db_begin(landing)) != ERR_OK ||
	        (rc = ra_table(&ra, ST_EXPRESS, landing, v, dry)) != ERR_OK ||
	        (rc = ra_table(&ra, ST_MAIN, landing, v, dry)) != ERR_OK))
		goto out;
	jw_init(&w, &after);
	jw_obj(&w, NULL);
	ra_write(&w, &ra, from, to, dry);
	jw_obj_end(&w);
	jw_init(&w, &before);
	jw_obj(&w, NULL);
	jw_str(&w, "from", from);
	jw_str(&w, "to", to);
	jw_int(&w, "rules_version", tctx(r)->rules.version);
	jw_obj_end(&w);
	if ((rc = buf_err(&before)) != ERR_OK ||
	    (rc = buf_err(&after)) != ERR_OK)
		goto out;
	if (!dry) {
		if ((rc = admin_audit(r, tctx(r)->app, "reattribute", "sales",
		         NULL, buf_str(&before), buf_str(&after))) != ERR_OK)
			goto out;
		if (landing != NULL && (rc = db_commit(landing)) != ERR_OK)
			goto out;
		if ((rc = db_commit(tdb(r))) != ERR_OK) {
			log_warnx(
			    "re-attribution %s..%s: the landing sales "
			    "changed but the traffic ones did not; run it "
			    "again",
			    from, to);
			goto out;
		}
	}
	ra_write(&r->w, &ra, from, to, dry);
out:
	db_rollback(tdb(r));
	if (landing != NULL)
		db_rollback(landing);
	ra_free(&ra);
	buf_free(&before);
	buf_free(&after);
	return rc;
}

static const struct route routes[] = {
	{ WEB_POST, "/api/traffic/attribution/preview", preview, ROUTE_BODY,
	    NULL },
	{ WEB_GET, "/api/traffic/attribution/conflicts", conflicts, 0, NULL },
	{ WEB_POST, "/api/traffic/attribution/reattribute", reattribute, 1,
	    NULL },
};

const struct route_table traffic_attribution_routes = ROUTE_TABLE(routes);
