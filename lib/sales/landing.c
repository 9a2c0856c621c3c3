#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "sales/landing.h"

const char *const landing_tables[LANDING__MAX] = {
	"express_course_sales", /* LANDING_EXPRESS */
	"main_product_sales",   /* LANDING_MAIN */
};

/*
 * One call, one round trip: amosync_landing_store()
 * (sql/landing/041-webhook-functions.sql, whose plans the server keeps)
 * looks the pipeline's target table up and inserts the sale into it. A
 * row that exists without a team takes the team known now: stored while
 * the traffic database was down, its deal comes back on replay. Columns:
 * enum store_col.
 */
static const char SQL_STORE[] =
    "SELECT * FROM amosync_landing_store($1, $2, $3, $4, $5, $6, $7, $8, $9,"
    " $10, $11, $12, $13)";

/* The columns of SQL_STORE. */
enum store_col {
	SC_TARGET, /* the pipeline's target table; NULL: not a funnel sale */
	SC_NEW,    /* t: inserted, f: existing row got its team, NULL: dup */
	SC__MAX
};

/*
 * Returns the team a lead's UTM tags attribute it to (R10), or NULL for
 * none ("Unknown"). The process's cached rules decide without a round
 * trip; the traffic step of the same request checks their version in its
 * insert and reloads them when they moved, and the sale's enrichment
 * gives this row the traffic database's team. Without a cached set the
 * rules are read first. NULL too when the traffic database cannot be
 * read: a sale is never lost over its attribution, which an explicit
 * re-attribution can fill in later. Borrowed from the cache until the
 * next attribution.
 */
static const char *
targetologist(struct sales_ctx *s, const struct amo_lead *l)
{
	struct attr_result ar;
	enum err rc;

	if (!s->app->has_traffic)
		return NULL;
	if ((rc = sales_attribute_cached(s, &s->app->traffic, l, &ar)) !=
	    ERR_OK) {
		log_warnx("could not attribute deal %lld, storing no "
		          "targetologist: %s",
		    l->id, err_str(rc));
		return NULL;
	}
	return ar.team_name;
}

/*
 * Stores one won lead in its pipeline's table. *t is the table, or -1
 * when the pipeline has none; *isnew says whether the row is new.
 */
static enum err
store(struct sales_ctx *s, struct db *db, const struct amo_lead *l,
    const struct amo_event *ev, int *t, int *isnew)
{
	char id[32], pipe[32], status[32], when[32];
	const char *v[13], *target, *new;
	char *raw;
	PGresult *res;
	enum err rc;
	int i;

	*t = -1;
	*isnew = 0;
	if ((raw = amo_lead_json(l, ev)) == NULL)
		return ERR_NOMEM;
	snprintf(id, sizeof(id), "%lld", l->id);
	snprintf(pipe, sizeof(pipe), "%lld", l->pipeline_id);
	snprintf(status, sizeof(status), "%lld", l->status_id);
	snprintf(when, sizeof(when), "%lld",
	    l->updated_at > 0 ? l->updated_at : (long long)time(NULL));
	v[0] = id;
	v[1] = pipe;
	v[2] = status;
	v[3] = l->price;
	v[4] = l->utm[AMO_UTM_SOURCE];
	v[5] = l->utm[AMO_UTM_MEDIUM];
	v[6] = l->utm[AMO_UTM_CAMPAIGN];
	v[7] = l->utm[AMO_UTM_CONTENT];
	v[8] = l->utm[AMO_UTM_TERM];
	v[9] = targetologist(s, l);
	v[10] = when;
	v[11] = cfg_str(&s->app->cfg, CFG_TIMEZONE);
	v[12] = raw;
	if ((res = db_exec(db, SQL_STORE, 13, v, &rc)) == NULL) {
		log_warnx("could not store deal %s: %s", id, err_str(rc));
		free(raw);
		return rc;
	}
	target = db_val(res, 0, SC_TARGET);
	new = db_val(res, 0, SC_NEW);
	for (i = 0; target != NULL && i < LANDING__MAX; i++)
		if (strcmp(target, landing_tables[i]) == 0)
			*t = i;
	if (*t >= 0 && new != NULL && strcmp(new, "t") == 0)
		*isnew = 1;
	else if (*t >= 0 && new != NULL)
		log_info("deal %s in %s now has its team %s", id,
		    landing_tables[*t], v[9]);
	PQclear(res);
	free(raw);
	return ERR_OK;
}

enum err
landing_store_funnel(struct sales_ctx *s, struct db *db,
    const struct amo_event *ev, const struct spool_meta *m,
    struct hook_result *res)
{
	enum err rc;
	size_t i;
	int t, isnew;

	(void)m;
	for (i = 0; i < ev->nleads; i++) {
		const struct amo_lead *l = &ev->leads[i];

		if (l->status_id != AMO_STATUS_WON) {
			res->ignored++;
			continue;
		}
		if ((rc = store(s, db, l, ev, &t, &isnew)) != ERR_OK)
			return rc;
		if (t < 0) {
			res->ignored++;
		} else if (isnew) {
			res->saved++;
			log_info("stored deal %lld in %s", l->id,
			    landing_tables[t]);
		} else {
			res->duplicates++;
		}
	}
	return ERR_OK;
}

/* clang-format off */
#define SQL_RETARGET(table)                                                    \
	"UPDATE " table " SET targetologist = $2 WHERE deal_id = $1::bigint"   \
	" AND targetologist IS DISTINCT FROM $2 RETURNING 1"

static const char SQL_RETARGET[] =
    "WITH e AS (" SQL_RETARGET("express_course_sales") "),"
    " m AS (" SQL_RETARGET("main_product_sales") ")"
    " SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM m)";
/* clang-format on */

enum err
landing_retarget(struct sales_ctx *s, struct db *db, const struct amo_event *ev,
    const struct spool_meta *m, struct hook_result *res)
{
	const char *v[2];
	char id[32];
	PGresult *r;
	enum err rc;
	size_t i;

	(void)m;
	(void)res;
	for (i = 0; i < ev->nleads; i++) {
		const struct amo_lead *l = &ev->leads[i];

		if (l->status_id != AMO_STATUS_WON)
			continue;
		snprintf(id, sizeof(id), "%lld", l->id);
		v[0] = id;
		v[1] = targetologist(s, l);
		if ((r = db_exec(db, SQL_RETARGET, 2, v, &rc)) == NULL)
			return rc;
		if (strcmp(db_val(r, 0, 0), "0") != 0)
			log_info("deal %s in the landing sales has the new "
			         "rules' team now",
			    id);
		PQclear(r);
	}
	return ERR_OK;
}

/*
 * $2 'verified': amoCRM's amount (when > 0), UTM tags and team; else only
 * the verification.
 */
#define SQL_CORRECT(table)                                                     \
	"UPDATE " table " SET verification = $2,"                              \
	" amount = CASE WHEN $2 = 'verified' AND $3::numeric > 0"              \
	"  THEN $3::numeric ELSE amount END,"                                  \
	" utm_source = CASE WHEN $2 = 'verified' THEN $4 ELSE utm_source END," \
	" utm_medium = CASE WHEN $2 = 'verified' THEN $5 ELSE utm_medium END," \
	" utm_campaign = CASE WHEN $2 = 'verified' THEN $6"                    \
	"  ELSE utm_campaign END,"                                             \
	" utm_content = CASE WHEN $2 = 'verified' THEN $7"                     \
	"  ELSE utm_content END,"                                              \
	" utm_term = CASE WHEN $2 = 'verified' THEN $8 ELSE utm_term END,"     \
	" targetologist = CASE WHEN $2 = 'verified' THEN $9"                   \
	"  ELSE targetologist END"                                             \
	" WHERE deal_id = $1::bigint RETURNING 1"

static const char SQL_CORRECT[] = "WITH e AS (" SQL_CORRECT(
    "express_course_sales") "),"
                            " m AS (" SQL_CORRECT(
                                "main_product_sales") ")"
                                                      " SELECT (SELECT "
                                                      "count(*) FROM e) + "
                                                      "(SELECT count(*) FROM "
                                                      "m)";

enum err
landing_correct(struct db *db, long long deal_id, const char *verification,
    const char *amount, const char *const utm[5], const char *team)
{
	char id[32];
	const char *v[9] = { id, verification, amount, utm[0], utm[1], utm[2],
		utm[3], utm[4], team != NULL && *team != '\0' ? team : NULL };
	PGresult *res;
	enum err rc;

	snprintf(id, sizeof(id), "%lld", deal_id);
	if ((res = db_exec(db, SQL_CORRECT, 9, v, &rc)) == NULL)
		return rc;
	if (strcmp(db_val(res, 0, 0), "0") != 0)
		log_info("deal %s in the landing sales is %s now", id,
		    verification);
	PQclear(res);
	return ERR_OK;
}

/* The landing tables keep local time already: their days need no zone. */
#define SQL_SALES_IN(table)                                                    \
	"SELECT id::text, utm_source, utm_medium, utm_campaign, utm_content,"  \
	" utm_term, targetologist, deal_id::text, amount::text FROM " table    \
	" WHERE sale_date >= $1::date AND sale_date < $2::date + 1"            \
	" ORDER BY id FOR UPDATE"

static const char *const sql_sales_in[LANDING__MAX] = {
	SQL_SALES_IN("express_course_sales"), /* LANDING_EXPRESS */
	SQL_SALES_IN("main_product_sales"),   /* LANDING_MAIN */
};

#define SQL_SET_TEAMS(table)                                                   \
	"UPDATE " table " AS s SET targetologist = x.t"                        \
	" FROM json_to_recordset($1::json) AS x (id uuid, t text)"             \
	" WHERE s.id = x.id"

static const char *const sql_set_teams[LANDING__MAX] = {
	SQL_SET_TEAMS("express_course_sales"), /* LANDING_EXPRESS */
	SQL_SET_TEAMS("main_product_sales"),   /* LANDING_MAIN */
};

enum err
landing_sales_in(struct db *db, enum landing_table t, const char *from,
    const char *to, PGresult **res)
{
	const char *v[2] = { from, to };
	enum err rc;

	*res = db_exec(db, sql_sales_in[t], 2, v, &rc);
	return rc;
}

enum err
landing_set_teams(struct db *db, enum landing_table t, const char *changes)
{
	const char *v[1] = { changes };

	return db_run(db, sql_set_teams[t], 1, v);
}
