#include <stddef.h>

#include "teams/audit.h"
#include "teams/rule.h"
#include "teams/team.h"

/* clang-format off */
/* The columns of a team answer, in enum tres order. */
#define TEAM_COLS                                                          \
	"t.id::text, t.name, t.company, t.direction, t.fb_ad_account_id,"  \
	" t.color, t.emoji, t.utm_source, t.utm_medium, t.position,"       \
	" t.is_active, t.telegram_chat_id,"                                \
	" (SELECT count(*) FROM attribution_rules r"                       \
	"  WHERE r.team_id = t.id), " TEAMS_TS("t.created_at") ", "        \
	TEAMS_TS("t.updated_at")
/* clang-format on */

enum tres {
	TR_ID,
	TR_NAME,
	TR_COMPANY,
	TR_DIRECTION,
	TR_FB,
	TR_COLOR,
	TR_EMOJI,
	TR_UTM_SOURCE,
	TR_UTM_MEDIUM,
	TR_POSITION,
	TR_ACTIVE,
	TR_CHAT,
	TR_RULES,
	TR_CREATED,
	TR_UPDATED,
	TR_JSON, /* to_jsonb(t), where a query asks for it */
	TR__MAX
};

/* clang-format off */
static const char SQL_TEAMS[] =
    "SELECT " TEAM_COLS " FROM traffic_teams t"
    " ORDER BY t.position, lower(t.name), t.id";
static const char SQL_TEAM[] =
    "SELECT " TEAM_COLS " FROM traffic_teams t WHERE t.id = $1::uuid";
static const char SQL_TEAM_LOCK[] =
    "SELECT " TEAM_COLS ", to_jsonb(t) FROM traffic_teams t"
    " WHERE t.id = $1::uuid FOR UPDATE";
/* Before a delete: the team with the rules that go with it. */
static const char SQL_TEAM_LOCK_ALL[] =
    "SELECT " TEAM_COLS ", to_jsonb(t) || jsonb_build_object('rules',"
    " COALESCE((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.position, r.id)"
    " FROM attribution_rules r WHERE r.team_id = t.id), '[]'::jsonb))"
    " FROM traffic_teams t WHERE t.id = $1::uuid FOR UPDATE";
/* $1..$11: the columns in enum team_col order. */
static const char SQL_TEAM_INSERT[] =
    "INSERT INTO traffic_teams AS t (name, company, direction,"
    " fb_ad_account_id, color, emoji, utm_source, utm_medium, position,"
    " is_active, telegram_chat_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
    " COALESCE($9::integer,"
    "  (SELECT COALESCE(max(position), 0) + 1 FROM traffic_teams)),"
    " COALESCE($10::boolean, true), $11)"
    " RETURNING " TEAM_COLS ", to_jsonb(t)";
/* $2k+2 says whether column k is given, $2k+3 is its value. */
static const char SQL_TEAM_UPDATE[] =
    "UPDATE traffic_teams AS t SET"
    " name = CASE WHEN $2::boolean THEN $3 ELSE t.name END,"
    " company = CASE WHEN $4::boolean THEN $5 ELSE t.company END,"
    " direction = CASE WHEN $6::boolean THEN $7 ELSE t.direction END,"
    " fb_ad_account_id = CASE WHEN $8::boolean THEN $9"
    "  ELSE t.fb_ad_account_id END,"
    " color = CASE WHEN $10::boolean THEN $11 ELSE t.color END,"
    " emoji = CASE WHEN $12::boolean THEN $13 ELSE t.emoji END,"
    " utm_source = CASE WHEN $14::boolean THEN $15 ELSE t.utm_source END,"
    " utm_medium = CASE WHEN $16::boolean THEN $17 ELSE t.utm_medium END,"
    " position = CASE WHEN $18::boolean THEN $19::integer"
    "  ELSE t.position END,"
    " is_active = CASE WHEN $20::boolean THEN $21::boolean"
    "  ELSE t.is_active END,"
    " telegram_chat_id = CASE WHEN $22::boolean THEN $23"
    "  ELSE t.telegram_chat_id END"
    " WHERE t.id = $1::uuid RETURNING " TEAM_COLS ", to_jsonb(t)";
static const char SQL_TEAM_DELETE[] =
    "DELETE FROM traffic_teams WHERE id = $1::uuid";
/* clang-format on */

/* The columns of the teams' CSV export. */
static const struct teams_col team_csv_cols[] = {
	{ "id", TR_ID, 't' },
	{ "name", TR_NAME, 't' },
	{ "emoji", TR_EMOJI, 't' },
	{ "color", TR_COLOR, 't' },
	{ "utm_source", TR_UTM_SOURCE, 't' },
	{ "utm_medium", TR_UTM_MEDIUM, 't' },
	{ "telegram_chat_id", TR_CHAT, 't' },
	{ "is_active", TR_ACTIVE, 'b' },
	{ "rules_count", TR_RULES, 'n' },
	{ "position", TR_POSITION, 'n' },
	{ "company", TR_COMPANY, 't' },
	{ "direction", TR_DIRECTION, 't' },
	{ "created_at", TR_CREATED, 't' },
	{ "updated_at", TR_UPDATED, 't' },
};

static void
team_json(struct jw *w, const char *key, const PGresult *res, int row)
{
	jw_obj(w, key);
	jw_str(w, "id", db_val(res, row, TR_ID));
	jw_str(w, "name", db_val(res, row, TR_NAME));
	jw_str(w, "company", db_val(res, row, TR_COMPANY));
	jw_str(w, "direction", db_val(res, row, TR_DIRECTION));
	jw_str(w, "fb_ad_account_id", db_val(res, row, TR_FB));
	jw_str(w, "color", db_val(res, row, TR_COLOR));
	jw_str(w, "emoji", db_val(res, row, TR_EMOJI));
	jw_str(w, "utm_source", db_val(res, row, TR_UTM_SOURCE));
	jw_str(w, "utm_medium", db_val(res, row, TR_UTM_MEDIUM));
	jw_int(w, "position", teams_num(db_val(res, row, TR_POSITION)));
	jw_bool(w, "is_active", teams_istrue(db_val(res, row, TR_ACTIVE)));
	jw_str(w, "telegram_chat_id", db_val(res, row, TR_CHAT));
	jw_int(w, "rules_count", teams_num(db_val(res, row, TR_RULES)));
	jw_str(w, "created_at", db_val(res, row, TR_CREATED));
	jw_str(w, "updated_at", db_val(res, row, TR_UPDATED));
	jw_obj_end(w);
}

enum err
teams_list(struct db *db, struct jw *w, struct buf *csv)
{
	PGresult *res;
	enum err rc;
	int i;

	if ((res = db_exec(db, SQL_TEAMS, 0, NULL, &rc)) == NULL)
		return rc;
	if (csv != NULL) {
		rc = teams_csv(csv, res, team_csv_cols,
		    sizeof(team_csv_cols) / sizeof(team_csv_cols[0]));
		PQclear(res);
		return rc;
	}
	jw_arr(w, "teams");
	for (i = 0; i < PQntuples(res); i++)
		team_json(w, NULL, res, i);
	jw_arr_end(w);
	PQclear(res);
	return ERR_OK;
}

enum err
teams_get(struct db *db, const char *id, struct jw *w)
{
	const char *v[1] = { id };
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_TEAM, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	team_json(w, "team", res, 0);
	PQclear(res);
	return teams_rules_of(db, id, w);
}

/* Runs change c and writes its row as "team". */
static enum err
change(struct db *db, const char *actor, const struct teams_change *c,
    struct jw *w)
{
	PGresult *res;
	enum err rc;

	if ((rc = teams_change(db, actor, c, &res)) == ERR_OK) {
		team_json(w, "team", res, 0);
		PQclear(res);
	}
	return rc;
}

enum err
teams_create(struct db *db, const char *actor, const struct team_set *t,
    struct jw *w)
{
	struct teams_change c = { .action = "create",
		.entity = "team",
		.before_col = -1,
		.write = { SQL_TEAM_INSERT, TEAM__MAX, t->val },
		.id_col = TR_ID,
		.after_col = TR_JSON };

	return change(db, actor, &c, w);
}

enum err
teams_update(struct db *db, const char *actor, const char *id,
    const struct team_set *t, struct jw *w)
{
	const char *v[1 + 2 * TEAM__MAX];
	struct teams_change c = { .action = "update",
		.entity = "team",
		.id = id,
		.lock = { SQL_TEAM_LOCK, 1, v },
		.before_col = TR_JSON,
		.write = { SQL_TEAM_UPDATE, 1 + 2 * TEAM__MAX, v },
		.id_col = TR_ID,
		.after_col = TR_JSON };
	int i;

	v[0] = id;
	for (i = 0; i < TEAM__MAX; i++) {
		v[1 + 2 * i] = t->set[i] ? "true" : "false";
		v[2 + 2 * i] = t->val[i];
	}
	return change(db, actor, &c, w);
}

enum err
teams_delete(struct db *db, const char *actor, const char *id, struct jw *w)
{
	const char *v[1] = { id };
	struct teams_change c = { .action = "delete",
		.entity = "team",
		.id = id,
		.lock = { SQL_TEAM_LOCK_ALL, 1, v },
		.before_col = TR_JSON,
		.write = { SQL_TEAM_DELETE, 1, v },
		.id_col = TR_ID,
		.after_col = -1 };

	return change(db, actor, &c, w);
}
