#ifndef AMOSYNC_TEAMS_TEAM_H
#define AMOSYNC_TEAMS_TEAM_H

#include "base/buf.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The traffic teams (traffic_teams; this module is its only writer).
 * Every change is audited in its transaction (teams/audit) by actor, a
 * plain name. Teams are answered as JSON objects {id, name, company,
 * direction, fb_ad_account_id, color, emoji, utm_source, utm_medium,
 * position, is_active, telegram_chat_id, rules_count, created_at,
 * updated_at} written into the caller's JSON writer. Ids are checked by
 * the caller (a canonical uuid).
 */

/* The writable columns of a team. */
enum team_col {
	TEAM_NAME,
	TEAM_COMPANY,
	TEAM_DIRECTION,
	TEAM_FB,
	TEAM_COLOR,
	TEAM_EMOJI,
	TEAM_UTM_SOURCE,
	TEAM_UTM_MEDIUM,
	TEAM_POSITION,
	TEAM_ACTIVE,
	TEAM_CHAT,
	TEAM__MAX
};

/*
 * A validated change of a team: which columns it sets, as SQL text
 * values (NULL is SQL NULL; a NULL position or is_active on create is
 * the default: after the last team, active).
 */
struct team_set {
	int set[TEAM__MAX];
	const char *val[TEAM__MAX];
};

/*
 * Writes every team, by position then name: into w as array "teams", or,
 * when csv is not NULL, as a CSV document into csv.
 */
enum err teams_list(struct db *db, struct jw *w, struct buf *csv);

/* Writes team id as "team" and its rules as "rules"; ERR_NOTFOUND. */
enum err teams_get(struct db *db, const char *id, struct jw *w);

/*
 * Creates a team from t->val (every column) and writes it as "team".
 * ERR_CONFLICT: the name is taken (names ignore case).
 */
enum err teams_create(struct db *db, const char *actor,
    const struct team_set *t, struct jw *w);

/* Changes the columns t sets; ERR_NOTFOUND, ERR_CONFLICT as above. */
enum err teams_update(struct db *db, const char *actor, const char *id,
    const struct team_set *t, struct jw *w);

/*
 * Deletes a team and, by the foreign key, its rules (the audit row keeps
 * both) and writes it as "team" as it was. Stored sales keep the team's
 * name as their targetologist.
 */
enum err teams_delete(struct db *db, const char *actor, const char *id,
    struct jw *w);

#endif
