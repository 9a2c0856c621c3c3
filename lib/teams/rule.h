#ifndef AMOSYNC_TEAMS_RULE_H
#define AMOSYNC_TEAMS_RULE_H

#include <stddef.h>

#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The attribution rules of a team (attribution_rules; this module is its
 * only writer). Every change is audited in its transaction (teams/audit)
 * by actor, a plain name. Rules are answered as JSON objects {id,
 * team_id, team_name, pattern, normalized, kind, fields, priority,
 * enabled, position, created_at, updated_at} written into the caller's
 * JSON writer. Ids are checked by the caller (team: a canonical uuid,
 * rule: a positive bigint).
 */

/* The writable columns of a rule (the position is set by reorder only). */
enum rule_col {
	RULE_PATTERN,
	RULE_KIND,
	RULE_FIELDS, /* a text[] literal of field names */
	RULE_PRIORITY,
	RULE_ENABLED,
	RULE__MAX
};

/* A validated change of a rule: which columns it sets, as SQL text. */
struct rule_set {
	int set[RULE__MAX];
	const char *val[RULE__MAX];
};

/* Why a reorder was refused: the member at fault and why. */
struct rule_bad {
	char field[16]; /* "": the id at nids was not read (the caller's) */
	char reason[160];
};

/* Writes the rules of team id in their order as array "rules". */
enum err teams_rules_of(struct db *db, const char *team, struct jw *w);

/* Writes "team_id" and "rules" of team; ERR_NOTFOUND: no such team. */
enum err teams_rule_list(struct db *db, const char *team, struct jw *w);

/* Checks that team exists: ERR_OK or ERR_NOTFOUND. */
enum err teams_team_exists(struct db *db, const char *team);

/* Writes rule id as "rule"; ERR_NOTFOUND. */
enum err teams_rule_get(struct db *db, const char *id, struct jw *w);

/*
 * Adds a rule (r->val, every column) after the team's last one and
 * writes it as "rule". ERR_NOTFOUND: no such team; ERR_CONFLICT: the
 * team has a rule of this kind with this pattern (patterns ignore case).
 */
enum err teams_rule_create(struct db *db, const char *actor, const char *team,
    const struct rule_set *r, struct jw *w);

/* Changes the columns r sets; ERR_NOTFOUND, ERR_CONFLICT as above. */
enum err teams_rule_update(struct db *db, const char *actor, const char *id,
    const struct rule_set *r, struct jw *w);

/* Deletes a rule and writes it as "rule" as it was. */
enum err teams_rule_delete(struct db *db, const char *actor, const char *id,
    struct jw *w);

/*
 * Sets the positions of the team's rules to the order of ids, which must
 * name each of them exactly once: ntotal ids were given, the first nids
 * of them read (nids < ntotal: the next one could not be read, which is
 * reported after the count, as ERR_VALIDATION with an empty bad->field).
 * Otherwise ERR_VALIDATION with *bad, ERR_NOTFOUND: no such team. Writes
 * "team_id" and the rules in their new order as "rules".
 */
enum err teams_rule_reorder(struct db *db, const char *actor, const char *team,
    const long long *ids, size_t nids, size_t ntotal, struct jw *w,
    struct rule_bad *bad);

#endif
