#ifndef AMOSYNC_ATTR_RULES_H
#define AMOSYNC_ATTR_RULES_H

#include <time.h>

#include "attr/engine.h"
#include "base/err.h"
#include "io/db.h"

/*
 * The attribution rules of the traffic database (traffic_teams and
 * attribution_rules, docs/requirements.md R10-R12) as a struct attr_set, cached per
 * process. Every use costs one cheap query for attribution_version, which
 * statement triggers bump on each change of teams or rules; the set is
 * reloaded, in one statement (one snapshot), only when it moved. Only
 * PQexecParams through db.h and no session state, so it is safe behind a
 * transaction-mode pooler. Run inside a transaction on db, a failed query
 * aborts that transaction, as any failed statement does.
 */
struct rules_cache {
	struct attr_set set;
	long long version; /* of set; -1 when nothing is loaded */
	time_t retry_at;   /* database unreachable: fail fast until then */
};

/*
 * How long a cache fails fast after the database could not be reached, so
 * a webhook with many leads does not wait for a connect timeout per lead.
 */
#define RULES_RETRY_SECONDS 5

void rules_init(struct rules_cache *c);
void rules_free(struct rules_cache *c);

/*
 * Makes the cache current and sets *set to it: active teams and the
 * enabled rules of active teams. The set is borrowed and valid until the
 * next call on c. Errors: ERR_DB (nothing usable is returned, not even
 * an older set: a rule change must never be silently ignored), ERR_NOMEM.
 */
enum err rules_get(struct rules_cache *c, struct db *db,
    const struct attr_set **set);

/*
 * The cached set as it stands, without asking the database whether it is
 * current; NULL when nothing is loaded. For a caller that reads
 * attribution_version in a statement it runs anyway (one round trip
 * less) and calls rules_get() when the version moved.
 */
const struct attr_set *rules_cached(const struct rules_cache *c);

/*
 * Attributes one UTM set with the current rules. res borrows from the
 * cache and from utm; it is valid until the next call on c. On error res
 * says low with no team (team_name NULL: "Unknown").
 */
enum err rules_match(struct rules_cache *c, struct db *db,
    const struct attr_utm *utm, struct attr_result *res);

#endif
