#ifndef AMOSYNC_SALES_REATTRIBUTE_H
#define AMOSYNC_SALES_REATTRIBUTE_H

#include "attr/engine.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The explicit re-attribution of stored sales (POST
 * /api/traffic/attribution/reattribute): the engine runs again over the
 * sales of a range of days in both databases (all_sales_tracking through
 * sales/track, express_course_sales and main_product_sales through
 * sales/landing) and the targetologists that changed are stored.
 */
struct reattribute_q {
	const char *from, *to;   /* days, from <= to */
	const char *tz;          /* AMOSYNC_TIMEZONE */
	int dry;                 /* 1: only count */
	long long rules_version; /* of set, for the audit row */
};

/*
 * Re-attributes the sales of q with the rules of set: each database
 * changes in one transaction; the audit row (action "reattribute",
 * entity "sales", by actor) is written in the traffic one, which commits
 * last; audit writes it (teams_audit() of teams/audit has its shape: a
 * floor below api/ may not include that sibling, so the caller hands it
 * in). If that final commit fails after the landing one succeeded,
 * running the same request again finishes the job: the result only
 * depends on the rules. landing NULL: those tables are skipped. A dry run
 * stores and audits nothing. Writes the summary into w: from, to,
 * dry_run, examined, changed, changes [{from, to, count, revenue}],
 * revenue, reassigned, reassigned_sales [{lead_id, from, to, amount}]
 * (at most 100), by_table, skipped. Revenue and the reassigned sales (a
 * team before, another or none after) are those of all_sales_tracking:
 * the landing tables hold copies of the same deals.
 */
enum err sales_reattribute(struct db *traffic, struct db *landing,
    const struct attr_set *set, const struct reattribute_q *q,
    const char *actor,
    enum err (*audit)(struct db *db, const char *actor, const char *action,
        const char *entity, const char *id, const char *before,
        const char *after),
    struct jw *w);

#endif
