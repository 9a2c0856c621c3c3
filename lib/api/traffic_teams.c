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
#include "report/out.h"

/*
 * /api/traffic/teams: the traffic teams (traffic_teams; this file is its
 * only writer). Every change is audited in its transaction.
 */

#define TS(c) ADMIN_TS(c)

/* clang-format off */
/* The columns of a team answer, in enum tres order. */
#define TEAM_COLS                                                          \
	"t.id::text, t.name, t.company, t.direction, t.fb_ad_account_id,"  \
	" t.color, t.emoji, t.utm_source, t.utm_medium, t.position,"       \
	" t.is_active, t.telegram_chat_id,"                                \
	" (SELECT count(*) FROM attribution_rules r"                       \
	"  WHERE r.team_id = t.id), " TS("t.created_at") ", "              \
	TS("t.updated_at")
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

/* The writable columns of a team, in the order of the SQL above. */
enum tcol {
	TC_NAME,
	TC_COMPANY,
	TC_DIRECTION,
	TC_FB,
	TC_COLOR,
	TC_EMOJI,
	TC_UTM_SOURCE,
	TC_UTM_MEDIUM,
	TC_POSITION,
	TC_ACTIVE,
	TC_CHAT,
	TC__MAX
};

static const char *const team_keys[TC__MAX + 1] = {
	"name",             /* TC_NAME */
	"company",          /* TC_COMPANY */
	"direction",        /* TC_DIRECTION */
	"fb_ad_account_id", /* TC_FB */
	"color",            /* TC_COLOR */
	"emoji",            /* TC_EMOJI */
	"utm_source",       /* TC_UTM_SOURCE */
	"utm_medium",       /* TC_UTM_MEDIUM */
	"position",         /* TC_POSITION */
	"is_active",        /* TC_ACTIVE */
	"telegram_chat_id", /* TC_CHAT */
	NULL,
};

/* A validated team body: which columns it sets, as SQL text values. */
struct team_in {
	int set[TC__MAX];
	const char *val[TC__MAX]; /* NULL is SQL NULL */
	char position[24];
	char chat[32];
	char *utm_default; /* owned */
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
	jw_int(w, "position", admin_num(db_val(res, row, TR_POSITION)));
	jw_bool(w, "is_active", admin_istrue(db_val(res, row, TR_ACTIVE)));
	jw_str(w, "telegram_chat_id", db_val(res, row, TR_CHAT));
	jw_int(w, "rules_count", admin_num(db_val(res, row, TR_RULES)));
	jw_str(w, "created_at", db_val(res, row, TR_CREATED));
	jw_str(w, "updated_at", db_val(res, row, TR_UPDATED));
	jw_obj_end(w);
}

/* Reads an optional free-text column: null and "" store NULL. */
static enum err
team_text(struct route_req *r, struct team_in *t, enum tcol c)
{
	const char *s;
	enum err rc;

	if (jread_has(&r->in, team_keys[c]) == JREAD_ABSENT)
		return ERR_OK;
	if ((rc = jread_str(&r->in, team_keys[c], MAX_TEXT, 0, &s)) != ERR_OK)
		return rc;
	t->set[c] = 1;
	t->val[c] = s != NULL && *s != '\0' ? s : NULL;
	return ERR_OK;
}

static enum err
team_name(struct route_req *r, struct team_in *t, int create)
{
	const char *s;
	char *n = NULL;
	size_t len;
	enum err rc;

	if (jread_has(&r->in, "name") == JREAD_ABSENT)
		return create
		    ? route_fail(r, ERR_VALIDATION, "name", "is required")
		    : ERR_OK;
	if ((rc = admin_notnull(r, "name", "a string")) != ERR_OK ||
	    (rc = jread_str(&r->in, "name", MAX_NAME, 0, &s)) != ERR_OK)
		return rc;
	len = strlen(s);
	if (len == 0)
		return route_fail(r, ERR_VALIDATION, "name",
		    "must not be empty");
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))
		return route_fail(r, ERR_VALIDATION, "name",
		    "must not begin or end with a space");
	if (strcasecmp(s, "unknown") == 0)
		return route_fail(r, ERR_VALIDATION, "name",
		    "is reserved for sales without a team");
	/* The engine compares names folded: there must be something left. */
	if ((rc = attr_norm(s, &n)) != ERR_OK)
		return rc;
	rc = *n == '\0' ? route_fail(r, ERR_VALIDATION, "name",
	                      "must contain a letter or digit")
	                : ERR_OK;
	free(n);
	if (rc != ERR_OK)
		return rc;
	t->set[TC_NAME] = 1;
	t->val[TC_NAME] = s;
	return ERR_OK;
}

static enum err
team_color(struct route_req *r, struct team_in *t)
{
	const char *s;
	size_t i;
	enum err rc;

	if ((rc = admin_notnull(r, "color", "a colour such as #00FF88")) !=
	        ERR_OK ||
	    (rc = jread_str(&r->in, "color", 7, 0, &s)) != ERR_OK || s == NULL)
		return rc;
	for (i = 1; i < 7 && s[0] == '#' && isxdigit((unsigned char)s[i]); i++)
		;
	if (i != 7 || s[7] != '\0')
		return route_fail(r, ERR_VALIDATION, "color",
		    "must be a colour such as #00FF88");
	t->set[TC_COLOR] = 1;
	t->val[TC_COLOR] = s;
	return ERR_OK;
}

static enum err
team_emoji(struct route_req *r, struct team_in *t)
{
	const char *s;
	enum err rc;

	if ((rc = admin_notnull(r, "emoji", "a string")) != ERR_OK ||
	    (rc = jread_str(&r->in, "emoji", MAX_EMOJI, 0, &s)) != ERR_OK ||
	    s == NULL)
		return rc;
	if (*s == '\0' || strchr(s, ' ') != NULL)
		return route_fail(r, ERR_VALIDATION, "emoji",
		    "must be one emoji or symbol, without spaces");
	t->set[TC_EMOJI] = 1;
	t->val[TC_EMOJI] = s;
	return ERR_OK;
}

/* A Telegram chat: a (negative) number, as JSON number or text, or @name. */
static enum err
team_chat(struct route_req *r, struct team_in *t)
{
	static const char why[] =
	    "must be a chat id such as -1001234567890 or @channel";
	const char *s;
	long long id;
	size_t i;

	if (jread_has(&r->in, "telegram_chat_id") == JREAD_ABSENT)
		return ERR_OK;
	t->set[TC_CHAT] = 1;
	if (jread_has(&r->in, "telegram_chat_id") == JREAD_NULL)
		return ERR_OK;
	id = 0;
	if (jread_int(&r->in, "telegram_chat_id", -999999999999999LL,
	        999999999999999LL, &id) == ERR_OK) {
		if (id == 0)
			return route_fail(r, ERR_VALIDATION, "telegram_chat_id",
			    why);
		snprintf(t->chat, sizeof(t->chat), "%lld", id);
		t->val[TC_CHAT] = t->chat;
		return ERR_OK;
	}
	if (jread_str(&r->in, "telegram_chat_id", 64, 0, &s) != ERR_OK)
		return route_fail(r, ERR_VALIDATION, "telegram_chat_id", why);
	/* Not a number but a string: forget the number's complaint. */
	r->in.field[0] = r->in.reason[0] = '\0';
	if (*s == '\0')
		return ERR_OK;
	if (s[0] == '@') {
		for (i = 1; isalnum((unsigned char)s[i]) || s[i] == '_'; i++)
			;
		if (i < 5 || s[i] != '\0')
			return route_fail(r, ERR_VALIDATION, "telegram_chat_id",
			    why);
	} else {
		i = s[0] == '-' ? 1 : 0;
		if (!isdigit((unsigned char)s[i]))
			return route_fail(r, ERR_VALIDATION, "telegram_chat_id",
			    why);
		for (; isdigit((unsigned char)s[i]); i++)
			;
		if (s[i] != '\0' || i > 20)
			return route_fail(r, ERR_VALIDATION, "telegram_chat_id",
			    why);
	}
	t->val[TC_CHAT] = s;
	return ERR_OK;
}

/*
 * Validates a team body. On create, absent columns get their defaults:
 * colour #00FF88, emoji 📊, utm_source "fb_" + the folded name, active;
 * the position is left to SQL (after the last team). On update only the
 * columns present change, and at least one must be.
 */
static enum err
team_read(struct route_req *r, struct team_in *t, int create)
{
	long long pos = 0;
	int active = 1, i, n = 0;
	enum err rc;

	memset(t, 0, sizeof(*t));
	if ((rc = jread_only(&r->in, team_keys)) != ERR_OK ||
	    (rc = team_name(r, t, create)) != ERR_OK ||
	    (rc = team_text(r, t, TC_COMPANY)) != ERR_OK ||
	    (rc = team_text(r, t, TC_DIRECTION)) != ERR_OK ||
	    (rc = team_text(r, t, TC_FB)) != ERR_OK ||
	    (rc = team_text(r, t, TC_UTM_MEDIUM)) != ERR_OK ||
	    (rc = team_text(r, t, TC_UTM_SOURCE)) != ERR_OK ||
	    (rc = team_color(r, t)) != ERR_OK ||
	    (rc = team_emoji(r, t)) != ERR_OK ||
	    (rc = team_chat(r, t)) != ERR_OK)
		return rc;
	if ((rc = admin_notnull(r, "position", "a whole number")) != ERR_OK ||
	    (rc = jread_int(&r->in, "position", 0, MAX_POSITION, &pos)) !=
	        ERR_OK)
		return rc;
	if (jread_has(&r->in, "position") == JREAD_SET) {
		snprintf(t->position, sizeof(t->position), "%lld", pos);
		t->set[TC_POSITION] = 1;
		t->val[TC_POSITION] = t->position;
	}
	if ((rc = admin_notnull(r, "is_active", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "is_active", &active)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "is_active") == JREAD_SET) {
		t->set[TC_ACTIVE] = 1;
		t->val[TC_ACTIVE] = active ? "true" : "false";
	}
	if (create) {
		if (!t->set[TC_COLOR])
			t->val[TC_COLOR] = "#00FF88";
		if (!t->set[TC_EMOJI])
			t->val[TC_EMOJI] = "\xf0\x9f\x93\x8a"; /* 📊 */
		if (!t->set[TC_UTM_SOURCE]) {
			struct buf b;
			char *f;

			if ((f = text_fold(t->val[TC_NAME])) == NULL)
				return ERR_NOMEM;
			buf_init(&b);
			buf_adds(&b, "fb_");
			buf_adds(&b, f);
			free(f);
			if ((t->utm_default = buf_take(&b)) == NULL)
				return ERR_NOMEM;
			t->val[TC_UTM_SOURCE] = t->utm_default;
		}
		return ERR_OK;
	}
	for (i = 0; i < TC__MAX; i++)
		n += t->set[i];
	if (n == 0)
		return route_fail(r, ERR_VALIDATION, "", "no fields to update");
	return ERR_OK;
}

static void
team_in_free(struct team_in *t)
{
	free(t->utm_default);
	t->utm_default = NULL;
}

/* Answers a unique violation on a team write: the name is taken. */
static enum err
name_taken(struct route_req *r)
{
	route_errorf(r, "a team with this name already exists");
	return route_fail(r, ERR_CONFLICT, "name",
	    "a team with this name already exists (names ignore case)");
}

/* The columns of the teams' CSV export (?format=csv). */
static const struct report_col team_csv_cols[] = {
	{ "id", TR_ID, REPORT_TEXT },
	{ "name", TR_NAME, REPORT_TEXT },
	{ "emoji", TR_EMOJI, REPORT_TEXT },
	{ "color", TR_COLOR, REPORT_TEXT },
	{ "utm_source", TR_UTM_SOURCE, REPORT_TEXT },
	{ "utm_medium", TR_UTM_MEDIUM, REPORT_TEXT },
	{ "telegram_chat_id", TR_CHAT, REPORT_TEXT },
	{ "is_active", TR_ACTIVE, REPORT_BOOL },
	{ "rules_count", TR_RULES, REPORT_NUM },
	{ "position", TR_POSITION, REPORT_NUM },
	{ "company", TR_COMPANY, REPORT_TEXT },
	{ "direction", TR_DIRECTION, REPORT_TEXT },
	{ "created_at", TR_CREATED, REPORT_TEXT },
	{ "updated_at", TR_UPDATED, REPORT_TEXT },
};

/* GET /api/traffic/teams[?format=csv] */
static enum err
team_list(struct route_req *r)
{
	PGresult *res;
	enum err rc;
	int i, csv;

	if ((rc = report_format(r, &csv)) != ERR_OK)
		return rc;
	if ((res = db_exec(tdb(r), SQL_TEAMS, 0, NULL, &rc)) == NULL)
		return rc;
	if (csv) {
		rc = report_csv(r, res, -1, REPORT_COLS(team_csv_cols));
		PQclear(res);
		return rc;
	}
	jw_arr(&r->w, "teams");
	for (i = 0; i < PQntuples(res); i++)
		team_json(&r->w, NULL, res, i);
	jw_arr_end(&r->w);
	PQclear(res);
	return ERR_OK;
}

static enum err
team_create(struct route_req *r)
{
	struct admin_change c = { .action = "create",
		.entity = "team",
		.before_col = -1,
		.id_col = TR_ID,
		.after_col = TR_JSON,
		.conflict = name_taken };
	struct team_in t;
	PGresult *res;
	enum err rc;

	if ((rc = team_read(r, &t, 1)) == ERR_OK) {
		c.write = (struct admin_sql){ SQL_TEAM_INSERT, TC__MAX, t.val };
		if ((rc = admin_change(r, tctx(r)->app, &c, &res)) == ERR_OK) {
			team_json(&r->w, "team", res, 0);
			r->status = 201;
			PQclear(res);
		}
	}
	team_in_free(&t);
	return rc;
}

static enum err
team_update(struct route_req *r)
{
	const char *v[1 + 2 * TC__MAX];
	struct admin_change c = { .action = "update",
		.entity = "team",
		.id = r->arg[0],
		.lock = { SQL_TEAM_LOCK, 1, v },
		.before_col = TR_JSON,
		.id_col = TR_ID,
		.after_col = TR_JSON,
		.conflict = name_taken };
	struct team_in t;
	PGresult *res;
	enum err rc;
	int i;

	memset(&t, 0, sizeof(t));
	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = team_read(r, &t, 0)) != ERR_OK)
		goto out;
	v[0] = r->arg[0];
	for (i = 0; i < TC__MAX; i++) {
		v[1 + 2 * i] = t.set[i] ? "true" : "false";
		v[2 + 2 * i] = t.val[i];
	}
	c.write = (struct admin_sql){ SQL_TEAM_UPDATE, 1 + 2 * TC__MAX, v };
	if ((rc = admin_change(r, tctx(r)->app, &c, &res)) == ERR_OK) {
		team_json(&r->w, "team", res, 0);
		PQclear(res);
	}
out:
	team_in_free(&t);
	return rc;
}

/*
 * Deletes a team and, by the foreign key, its rules; the audit row keeps
 * both. Stored sales keep the team's name as their targetologist.
 */
static enum err
team_delete(struct route_req *r)
{
	const char *v[1] = { r->arg[0] };
	struct admin_change c = { .action = "delete",
		.entity = "team",
		.id = r->arg[0],
		.lock = { SQL_TEAM_LOCK_ALL, 1, v },
		.before_col = TR_JSON,
		.write = { SQL_TEAM_DELETE, 1, v },
		.id_col = TR_ID,
		.after_col = -1 };
	PGresult *res;
	enum err rc;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = admin_change(r, tctx(r)->app, &c, &res)) == ERR_OK) {
		team_json(&r->w, "team", res, 0);
		PQclear(res);
	}
	return rc;
}

static enum err
team_get(struct route_req *r)
{
	const char *v[1] = { r->arg[0] };
	PGresult *res;
	enum err rc;

	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((res = db_exec(tdb(r), SQL_TEAM, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	team_json(&r->w, "team", res, 0);
	PQclear(res);
	return traffic_rules_of(r, r->arg[0]);
}

static const struct route routes[] = {
	{ WEB_GET, "/api/traffic/teams", team_list, 0, NULL },
	{ WEB_POST, "/api/traffic/teams", team_create, ROUTE_BODY, NULL },
	{ WEB_GET, "/api/traffic/teams/{id}", team_get, 0, "team" },
	{ WEB_PUT, "/api/traffic/teams/{id}", team_update, ROUTE_BODY, "team" },
	{ WEB_PATCH, "/api/traffic/teams/{id}", team_update, ROUTE_BODY,
	    "team" },
	{ WEB_DELETE, "/api/traffic/teams/{id}", team_delete, 0, "team" },
};

const struct route_table traffic_teams_routes = ROUTE_TABLE(routes);
