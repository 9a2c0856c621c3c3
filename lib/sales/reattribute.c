#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"
#include "sales/ctx.h"
#include "sales/landing.h"
#include "sales/reattribute.h"
#include "sales/track.h"

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
	long long cents; /* revenue of the all_sales_tracking ones */
};

/* A sale of all_sales_tracking that had a team and would get another. */
struct ra_moved {
	char *lead;
	char *from;
	char *to; /* NULL: no team */
	long long cents;
};

/* At most this many moved sales are listed (all are counted). */
#define RA_MOVED_MAX 100

struct ra {
	const struct attr_set *set;
	int done[ST__MAX];
	long long examined[ST__MAX];
	long long changed[ST__MAX];
	struct ra_change *ch;
	size_t nch;
	size_t cap;
	long long cents; /* revenue of the changed all_sales_tracking ones */
	struct ra_moved moved[RA_MOVED_MAX];
	size_t nmoved;
	long long reassigned; /* sales of all_sales_tracking with a team */
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
	for (i = 0; i < ra->nmoved; i++) {
		free(ra->moved[i].lead);
		free(ra->moved[i].from);
		free(ra->moved[i].to);
	}
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

/*
 * An amount as the database writes numeric ("5000", "1234.5", "-3.25")
 * in cents; 0 for NULL. Rounds past two decimals down.
 */
static long long
cents(const char *s)
{
	long long v = 0;
	int neg = 0, frac = -1;

	if (s == NULL)
		return 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || frac == 2)
			break;
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < 2; frac++)
		v *= 10;
	return neg ? -v : v;
}

/* Writes cents as a JSON number with two decimals. */
static void
jw_cents(struct jw *w, const char *key, long long c)
{
	char s[32];
	unsigned long long a = c < 0 ? 0ull - (unsigned long long)c
	                             : (unsigned long long)c;

	snprintf(s, sizeof(s), "%s%llu.%02llu", c < 0 ? "-" : "", a / 100,
	    a % 100);
	jw_numstr(w, key, s);
}

/* Lists one sale of all_sales_tracking that moves from a team. */
static enum err
ra_move(struct ra *ra, const char *lead, const char *from, const char *to,
    long long c)
{
	struct ra_moved *m;

	ra->reassigned++;
	if (ra->nmoved == RA_MOVED_MAX)
		return ERR_OK;
	m = &ra->moved[ra->nmoved];
	memset(m, 0, sizeof(*m));
	m->cents = c;
	if ((m->lead = strdup(lead != NULL ? lead : "")) == NULL ||
	    (m->from = strdup(from)) == NULL ||
	    (to != NULL && (m->to = strdup(to)) == NULL)) {
		free(m->lead);
		free(m->from);
		return ERR_NOMEM;
	}
	ra->nmoved++;
	return ERR_OK;
}

/* Counts one change from -> to (c cents of all_sales_tracking). */
static enum err
ra_tally(struct ra *ra, const char *from, const char *to, long long c)
{
	struct ra_change *ch;
	size_t i;

	ra->cents += c;
	for (i = 0; i < ra->nch; i++)
		if (same_str(ra->ch[i].from, from) &&
		    same_str(ra->ch[i].to, to)) {
			ra->ch[i].count++;
			ra->ch[i].cents += c;
			return ERR_OK;
		}
	if (ra->nch == ra->cap) {
		size_t ncap = ra->cap ? ra->cap * 2 : 8;

		if ((ch = realloc(ra->ch, ncap * sizeof(*ch))) == NULL)
			return ERR_NOMEM;
		ra->ch = ch;
		ra->cap = ncap;
	}
	ch = &ra->ch[ra->nch];
	memset(ch, 0, sizeof(*ch));
	if ((from != NULL && (ch->from = strdup(from)) == NULL) ||
	    (to != NULL && (ch->to = strdup(to)) == NULL)) {
		free(ch->from);
		return ERR_NOMEM;
	}
	ch->count = 1;
	ch->cents = c;
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
	long long c;
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
		c = t == ST_TRACKING ? cents(db_val(res, i, SALE_ROW_AMOUNT))
		                     : 0;
		if ((rc = ra_tally(ra, no_team(old) ? NULL : old, ar.team_name,
		         c)) != ERR_OK)
			goto out;
		if (t == ST_TRACKING && !no_team(old) &&
		    (rc = ra_move(ra, db_val(res, i, SALE_ROW_DEAL), old,
		         ar.team_name, c)) != ERR_OK)
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
		jw_cents(w, "revenue", ra->ch[i].cents);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_cents(w, "revenue", ra->cents);
	jw_int(w, "reassigned", ra->reassigned);
	jw_arr(w, "reassigned_sales");
	for (i = 0; i < ra->nmoved; i++) {
		jw_obj(w, NULL);
		jw_str(w, "lead_id", ra->moved[i].lead);
		jw_str(w, "from", ra->moved[i].from);
		jw_str(w, "to", ra->moved[i].to);
		jw_cents(w, "amount", ra->moved[i].cents);
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

enum err
sales_reattribute(struct db *traffic, struct db *landing,
    const struct attr_set *set, const struct reattribute_q *q,
    const char *actor,
    enum err (*audit)(struct db *db, const char *actor, const char *action,
        const char *entity, const char *id, const char *before,
        const char *after),
    struct jw *out)
{
	const char *v[3] = { q->from, q->to, q->tz };
	struct buf before, after;
	struct ra ra;
	struct jw w;
	enum err rc;

	memset(&ra, 0, sizeof(ra));
	ra.set = set;
	buf_init(&before);
	buf_init(&after);
	if ((rc = db_begin(traffic)) != ERR_OK ||
	    (rc = ra_table(&ra, ST_TRACKING, traffic, v, q->dry)) != ERR_OK)
		goto out;
	if (landing != NULL &&
	    ((rc = db_begin(landing)) != ERR_OK ||
	        (rc = ra_table(&ra, ST_EXPRESS, landing, v, q->dry)) !=
	            ERR_OK ||
	        (rc = ra_table(&ra, ST_MAIN, landing, v, q->dry)) != ERR_OK))
		goto out;
	jw_init(&w, &after);
	jw_obj(&w, NULL);
	ra_write(&w, &ra, q->from, q->to, q->dry);
	jw_obj_end(&w);
	jw_init(&w, &before);
	jw_obj(&w, NULL);
	jw_str(&w, "from", q->from);
	jw_str(&w, "to", q->to);
	jw_int(&w, "rules_version", q->rules_version);
	jw_obj_end(&w);
	if ((rc = buf_err(&before)) != ERR_OK ||
	    (rc = buf_err(&after)) != ERR_OK)
		goto out;
	if (!q->dry) {
		if ((rc = audit(traffic, actor, "reattribute", "sales", NULL,
		         buf_str(&before), buf_str(&after))) != ERR_OK)
			goto out;
		if (landing != NULL && (rc = db_commit(landing)) != ERR_OK)
			goto out;
		if ((rc = db_commit(traffic)) != ERR_OK) {
			log_warnx(
			    "re-attribution %s..%s: the landing sales "
			    "changed but the traffic ones did not; run it "
			    "again",
			    q->from, q->to);
			goto out;
		}
	}
	ra_write(out, &ra, q->from, q->to, q->dry);
out:
	db_rollback(traffic);
	if (landing != NULL)
		db_rollback(landing);
	ra_free(&ra);
	buf_free(&before);
	buf_free(&after);
	return rc;
}
