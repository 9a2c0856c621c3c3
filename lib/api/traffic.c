#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/app.h"
#include "attr/engine.h"
#include "base/buf.h"
#include "base/jread.h"
#include "base/jw.h"
#include "base/log.h"
#include "attr/rules.h"
#include "api/traffic.h"
#include "base/text.h"
#include "io/web.h"

#define API_PREFIX "/api/traffic/"

/* Limits of the fields an admin types. */
#define MAX_NAME 100 /* characters */
#define MAX_TEXT 200
#define MAX_EMOJI 16
#define MAX_PATTERN 200
#define MAX_UTM 2000
#define MAX_RULES 10000 /* ids in one reorder */
#define MAX_POSITION 1000000
#define MAX_PRIORITY 1000
#define AUDIT_LIMIT 500

/* One request: what the handlers share. */
struct api {
	struct app *app;
	struct web_req *req;
	struct db *db;  /* traffic */
	const char *id; /* the {id} of the route, or NULL */
	char idbuf[64];
	struct jread in; /* the body; also holds field/reason of errors */
	struct buf out;  /* the answer, on success */
	struct jw w;
	int status;      /* on success: 200, or 201 for a creation */
	int errstatus;   /* overrides err_http() for an error, if set */
	char error[256]; /* message of an error answer, "" for err_str() */
};

typedef enum err (*api_fn)(struct api *a);

/* Sets a's error message. */
static void __attribute__((format(printf, 2, 3)))
api_errorf(struct api *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
}

/* Records field and reason for the answer; returns rc. */
static enum err
fail(struct api *a, enum err rc, const char *field, const char *reason)
{
	jread_fail(&a->in, field, reason);
	return rc;
}

/* Who is changing things: nginx's authenticated user, else the config. */
static const char *
actor(const struct api *a)
{
	const char *s;

	if (a->req->user != NULL && *a->req->user != '\0')
		return a->req->user;
	s = cfg_str(&a->app->cfg, CFG_ADMIN_USER);
	return *s != '\0' ? s : "anonymous";
}

static long long
num(const char *s)
{
	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

static int
istrue(const char *s)
{
	return s != NULL && (*s == 't' || *s == '1');
}

/* A canonical textual uuid; anything else can only be an unknown id. */
static int
is_uuid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* A rule id: a positive bigint without leading zeros. */
static int
is_ruleid(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 18 || s[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* clang-format off */
static const char SQL_AUDIT[] =
    "INSERT INTO attribution_audit (actor, action, entity, entity_id,"
    " before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)";
/* clang-format on */

/* Writes one audit row, in the transaction of the change it records. */
static enum err
audit(struct api *a, const char *action, const char *entity, const char *id,
    const char *before, const char *after)
{
	const char *v[6] = { actor(a), action, entity, id, before, after };
	enum err rc;

	if ((rc = db_run(a->db, SQL_AUDIT, 6, v)) == ERR_OK)
		log_info("%s %s %s by %s", action, entity, id ? id : "-", v[0]);
	return rc;
}

/* Commits db if rc is ERR_OK, else rolls back; returns the outcome. */
static enum err
finish(struct db *db, enum err rc)
{
	if (rc == ERR_OK)
		rc = db_commit(db);
	db_rollback(db);
	return rc;
}

/* --- teams ------------------------------------------------------------ */

/* clang-format off */
#define TS(c) "to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

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
	jw_int(w, "position", num(db_val(res, row, TR_POSITION)));
	jw_bool(w, "is_active", istrue(db_val(res, row, TR_ACTIVE)));
	jw_str(w, "telegram_chat_id", db_val(res, row, TR_CHAT));
	jw_int(w, "rules_count", num(db_val(res, row, TR_RULES)));
	jw_str(w, "created_at", db_val(res, row, TR_CREATED));
	jw_str(w, "updated_at", db_val(res, row, TR_UPDATED));
	jw_obj_end(w);
}

/* Reads an optional free-text column: null and "" store NULL. */
static enum err
team_text(struct api *a, struct team_in *t, enum tcol c)
{
	const char *s;
	enum err rc;

	if (jread_has(&a->in, team_keys[c]) == JREAD_ABSENT)
		return ERR_OK;
	if ((rc = jread_str(&a->in, team_keys[c], MAX_TEXT, 0, &s)) != ERR_OK)
		return rc;
	t->set[c] = 1;
	t->val[c] = s != NULL && *s != '\0' ? s : NULL;
	return ERR_OK;
}

/* Reads a column that is either absent or a value, never null. */
static enum err
notnull(struct api *a, const char *key, const char *what)
{
	char why[96];

	if (jread_has(&a->in, key) != JREAD_NULL)
		return ERR_OK;
	snprintf(why, sizeof(why), "must be %s, not null", what);
	return fail(a, ERR_VALIDATION, key, why);
}

static enum err
team_name(struct api *a, struct team_in *t, int create)
{
	const char *s;
	char *n = NULL;
	size_t len;
	enum err rc;

	if (jread_has(&a->in, "name") == JREAD_ABSENT)
		return create ? fail(a, ERR_VALIDATION, "name", "is required")
		              : ERR_OK;
	if ((rc = notnull(a, "name", "a string")) != ERR_OK ||
	    (rc = jread_str(&a->in, "name", MAX_NAME, 0, &s)) != ERR_OK)
		return rc;
	len = strlen(s);
	if (len == 0)
		return fail(a, ERR_VALIDATION, "name", "must not be empty");
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))
		return fail(a, ERR_VALIDATION, "name",
		    "must not begin or end with a space");
	if (strcasecmp(s, "unknown") == 0)
		return fail(a, ERR_VALIDATION, "name",
		    "is reserved for sales without a team");
	/* The engine compares names folded: there must be something left. */
	if ((rc = attr_norm(s, &n)) != ERR_OK)
		return rc;
	rc = *n == '\0'
	    ? fail(a, ERR_VALIDATION, "name", "must contain a letter or digit")
	    : ERR_OK;
	free(n);
	if (rc != ERR_OK)
		return rc;
	t->set[TC_NAME] = 1;
	t->val[TC_NAME] = s;
	return ERR_OK;
}

static enum err
team_color(struct api *a, struct team_in *t)
{
	const char *s;
	size_t i;
	enum err rc;

	if ((rc = notnull(a, "color", "a colour such as #00FF88")) != ERR_OK ||
	    (rc = jread_str(&a->in, "color", 7, 0, &s)) != ERR_OK || s == NULL)
		return rc;
	for (i = 1; i < 7 && s[0] == '#' && isxdigit((unsigned char)s[i]); i++)
		;
	if (i != 7 || s[7] != '\0')
		return fail(a, ERR_VALIDATION, "color",
		    "must be a colour such as #00FF88");
	t->set[TC_COLOR] = 1;
	t->val[TC_COLOR] = s;
	return ERR_OK;
}

static enum err
team_emoji(struct api *a, struct team_in *t)
{
	const char *s;
	enum err rc;

	if ((rc = notnull(a, "emoji", "a string")) != ERR_OK ||
	    (rc = jread_str(&a->in, "emoji", MAX_EMOJI, 0, &s)) != ERR_OK ||
	    s == NULL)
		return rc;
	if (*s == '\0' || strchr(s, ' ') != NULL)
		return fail(a, ERR_VALIDATION, "emoji",
		    "must be one emoji or symbol, without spaces");
	t->set[TC_EMOJI] = 1;
	t->val[TC_EMOJI] = s;
	return ERR_OK;
}

/* A Telegram chat: a (negative) number, as JSON number or text, or @name. */
static enum err
team_chat(struct api *a, struct team_in *t)
{
	static const char why[] =
	    "must be a chat id such as -1001234567890 or @channel";
	const char *s;
	long long id;
	size_t i;

	if (jread_has(&a->in, "telegram_chat_id") == JREAD_ABSENT)
		return ERR_OK;
	t->set[TC_CHAT] = 1;
	if (jread_has(&a->in, "telegram_chat_id") == JREAD_NULL)
		return ERR_OK;
	id = 0;
	if (jread_int(&a->in, "telegram_chat_id", -999999999999999LL,
	        999999999999999LL, &id) == ERR_OK) {
		if (id == 0)
			return fail(a, ERR_VALIDATION, "telegram_chat_id", why);
		snprintf(t->chat, sizeof(t->chat), "%lld", id);
		t->val[TC_CHAT] = t->chat;
		return ERR_OK;
	}
	if (jread_str(&a->in, "telegram_chat_id", 64, 0, &s) != ERR_OK)
		return fail(a, ERR_VALIDATION, "telegram_chat_id", why);
	/* Not a number but a string: forget the number's complaint. */
	a->in.field[0] = a->in.reason[0] = '\0';
	if (*s == '\0')
		return ERR_OK;
	if (s[0] == '@') {
		for (i = 1; isalnum((unsigned char)s[i]) || s[i] == '_'; i++)
			;
		if (i < 5 || s[i] != '\0')
			return fail(a, ERR_VALIDATION, "telegram_chat_id", why);
	} else {
		i = s[0] == '-' ? 1 : 0;
		if (!isdigit((unsigned char)s[i]))
			return fail(a, ERR_VALIDATION, "telegram_chat_id", why);
		for (; isdigit((unsigned char)s[i]); i++)
			;
		if (s[i] != '\0' || i > 20)
			return fail(a, ERR_VALIDATION, "telegram_chat_id", why);
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
team_read(struct api *a, struct team_in *t, int create)
{
	long long pos = 0;
	int active = 1, i, n = 0;
	enum err rc;

	memset(t, 0, sizeof(*t));
	if ((rc = jread_only(&a->in, team_keys)) != ERR_OK ||
	    (rc = team_name(a, t, create)) != ERR_OK ||
	    (rc = team_text(a, t, TC_COMPANY)) != ERR_OK ||
	    (rc = team_text(a, t, TC_DIRECTION)) != ERR_OK ||
	    (rc = team_text(a, t, TC_FB)) != ERR_OK ||
	    (rc = team_text(a, t, TC_UTM_MEDIUM)) != ERR_OK ||
	    (rc = team_text(a, t, TC_UTM_SOURCE)) != ERR_OK ||
	    (rc = team_color(a, t)) != ERR_OK ||
	    (rc = team_emoji(a, t)) != ERR_OK ||
	    (rc = team_chat(a, t)) != ERR_OK)
		return rc;
	if ((rc = notnull(a, "position", "a whole number")) != ERR_OK ||
	    (rc = jread_int(&a->in, "position", 0, MAX_POSITION, &pos)) !=
	        ERR_OK)
		return rc;
	if (jread_has(&a->in, "position") == JREAD_SET) {
		snprintf(t->position, sizeof(t->position), "%lld", pos);
		t->set[TC_POSITION] = 1;
		t->val[TC_POSITION] = t->position;
	}
	if ((rc = notnull(a, "is_active", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&a->in, "is_active", &active)) != ERR_OK)
		return rc;
	if (jread_has(&a->in, "is_active") == JREAD_SET) {
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
		return fail(a, ERR_VALIDATION, "", "no fields to update");
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
name_taken(struct api *a)
{
	api_errorf(a, "a team with this name already exists");
	return fail(a, ERR_CONFLICT, "name",
	    "a team with this name already exists (names ignore case)");
}

static enum err
team_list(struct api *a)
{
	PGresult *res;
	enum err rc;
	int i;

	if ((res = db_exec(a->db, SQL_TEAMS, 0, NULL, &rc)) == NULL)
		return rc;
	jw_arr(&a->w, "teams");
	for (i = 0; i < PQntuples(res); i++)
		team_json(&a->w, NULL, res, i);
	jw_arr_end(&a->w);
	PQclear(res);
	return ERR_OK;
}

static enum err
team_create(struct api *a)
{
	struct team_in t;
	PGresult *res = NULL;
	enum err rc;

	if ((rc = team_read(a, &t, 1)) != ERR_OK)
		goto out;
	if ((rc = db_begin(a->db)) != ERR_OK)
		goto out;
	if ((res = db_exec(a->db, SQL_TEAM_INSERT, TC__MAX, t.val, &rc)) ==
	    NULL) {
		if (rc == ERR_CONFLICT)
			rc = name_taken(a);
		goto out;
	}
	rc = audit(a, "create", "team", db_val(res, 0, TR_ID), NULL,
	    db_val(res, 0, TR_JSON));
	if ((rc = finish(a->db, rc)) != ERR_OK)
		goto out;
	team_json(&a->w, "team", res, 0);
	a->status = 201;
out:
	db_rollback(a->db);
	PQclear(res);
	team_in_free(&t);
	return rc;
}

/* Sets res to the locked row of team a->id; ERR_NOTFOUND if none. */
static enum err
team_lock(struct api *a, const char *sql, PGresult **res)
{
	const char *v[1] = { a->id };
	enum err rc;

	if (!is_uuid(a->id))
		return ERR_NOTFOUND;
	if ((*res = db_exec(a->db, sql, 1, v, &rc)) == NULL)
		return rc;
	return PQntuples(*res) == 1 ? ERR_OK : ERR_NOTFOUND;
}

static enum err
team_update(struct api *a)
{
	const char *v[1 + 2 * TC__MAX];
	struct team_in t;
	PGresult *before = NULL, *res = NULL;
	enum err rc;
	int i;

	memset(&t, 0, sizeof(t));
	if (!is_uuid(a->id))
		return ERR_NOTFOUND;
	if ((rc = team_read(a, &t, 0)) != ERR_OK)
		goto out;
	v[0] = a->id;
	for (i = 0; i < TC__MAX; i++) {
		v[1 + 2 * i] = t.set[i] ? "true" : "false";
		v[2 + 2 * i] = t.val[i];
	}
	if ((rc = db_begin(a->db)) != ERR_OK ||
	    (rc = team_lock(a, SQL_TEAM_LOCK, &before)) != ERR_OK)
		goto out;
	if ((res = db_exec(a->db, SQL_TEAM_UPDATE, 1 + 2 * TC__MAX, v, &rc)) ==
	    NULL) {
		if (rc == ERR_CONFLICT)
			rc = name_taken(a);
		goto out;
	}
	rc = audit(a, "update", "team", a->id, db_val(before, 0, TR_JSON),
	    db_val(res, 0, TR_JSON));
	if ((rc = finish(a->db, rc)) != ERR_OK)
		goto out;
	team_json(&a->w, "team", res, 0);
out:
	db_rollback(a->db);
	PQclear(before);
	PQclear(res);
	team_in_free(&t);
	return rc;
}

/*
 * Deletes a team and, by the foreign key, its rules; the audit row keeps
 * both. Stored sales keep the team's name as their targetologist.
 */
static enum err
team_delete(struct api *a)
{
	const char *v[1] = { a->id };
	PGresult *before = NULL;
	enum err rc;

	if ((rc = db_begin(a->db)) != ERR_OK ||
	    (rc = team_lock(a, SQL_TEAM_LOCK_ALL, &before)) != ERR_OK ||
	    (rc = db_run(a->db, SQL_TEAM_DELETE, 1, v)) != ERR_OK)
		goto out;
	rc = audit(a, "delete", "team", a->id, db_val(before, 0, TR_JSON),
	    NULL);
	if ((rc = finish(a->db, rc)) != ERR_OK)
		goto out;
	team_json(&a->w, "team", before, 0);
out:
	db_rollback(a->db);
	PQclear(before);
	return rc;
}

/* --- rules ------------------------------------------------------------ */

/* clang-format off */
/* The columns of a rule answer, in enum rres order. */
#define RULE_COLS                                                          \
	"r.id::text, r.team_id::text, t.name, r.pattern, r.kind,"          \
	" array_to_string(r.fields, ','), r.priority, r.enabled,"          \
	" r.position, " TS("r.created_at") ", " TS("r.updated_at")
/* clang-format on */

enum rres {
	RR_ID,
	RR_TEAM_ID,
	RR_TEAM_NAME,
	RR_PATTERN,
	RR_KIND,
	RR_FIELDS,
	RR_PRIORITY,
	RR_ENABLED,
	RR_POSITION,
	RR_CREATED,
	RR_UPDATED,
	RR_JSON, /* to_jsonb(r), where a query asks for it */
	RR__MAX
};

/* clang-format off */
static const char SQL_RULES_OF[] =
    "SELECT " RULE_COLS " FROM attribution_rules r"
    " JOIN traffic_teams t ON t.id = r.team_id"
    " WHERE r.team_id = $1::uuid ORDER BY r.position, r.id";
static const char SQL_RULE[] =
    "SELECT " RULE_COLS " FROM attribution_rules r"
    " JOIN traffic_teams t ON t.id = r.team_id WHERE r.id = $1::bigint";
static const char SQL_RULE_LOCK[] =
    "SELECT " RULE_COLS ", to_jsonb(r) FROM attribution_rules r"
    " JOIN traffic_teams t ON t.id = r.team_id WHERE r.id = $1::bigint"
    " FOR UPDATE OF r";
static const char SQL_TEAM_EXISTS[] =
    "SELECT 1 FROM traffic_teams WHERE id = $1::uuid FOR UPDATE";
static const char SQL_RULE_INSERT[] =
    "WITH r AS (INSERT INTO attribution_rules (team_id, pattern, kind,"
    " fields, priority, enabled, position)"
    " VALUES ($1::uuid, $2, $3, $4::text[], $5::integer, $6::boolean,"
    " (SELECT COALESCE(max(position), 0) + 1 FROM attribution_rules"
    "  WHERE team_id = $1::uuid)) RETURNING *)"
    " SELECT " RULE_COLS ", to_jsonb(r) FROM r"
    " JOIN traffic_teams t ON t.id = r.team_id";
static const char SQL_RULE_UPDATE[] =
    "WITH r AS (UPDATE attribution_rules AS x SET"
    " pattern = CASE WHEN $2::boolean THEN $3 ELSE x.pattern END,"
    " kind = CASE WHEN $4::boolean THEN $5 ELSE x.kind END,"
    " fields = CASE WHEN $6::boolean THEN $7::text[] ELSE x.fields END,"
    " priority = CASE WHEN $8::boolean THEN $9::integer"
    "  ELSE x.priority END,"
    " enabled = CASE WHEN $10::boolean THEN $11::boolean"
    "  ELSE x.enabled END"
    " WHERE x.id = $1::bigint RETURNING *)"
    " SELECT " RULE_COLS ", to_jsonb(r) FROM r"
    " JOIN traffic_teams t ON t.id = r.team_id";
static const char SQL_RULE_DELETE[] =
    "DELETE FROM attribution_rules WHERE id = $1::bigint";
static const char SQL_RULE_IDS[] =
    "SELECT id::text FROM attribution_rules WHERE team_id = $1::uuid"
    " ORDER BY position, id FOR UPDATE";
static const char SQL_RULE_REORDER[] =
    "UPDATE attribution_rules AS r SET position = x.ord"
    " FROM unnest($2::bigint[]) WITH ORDINALITY AS x (id, ord)"
    " WHERE r.id = x.id AND r.team_id = $1::uuid";
/* clang-format on */

/* The writable columns of a rule, in the order of SQL_RULE_UPDATE. */
enum rcol { RC_PATTERN, RC_KIND, RC_FIELDS, RC_PRIORITY, RC_ENABLED, RC__MAX };

static const char *const rule_keys[RC__MAX + 1] = {
	"pattern",  /* RC_PATTERN */
	"kind",     /* RC_KIND */
	"fields",   /* RC_FIELDS */
	"priority", /* RC_PRIORITY */
	"enabled",  /* RC_ENABLED */
	NULL,
};

struct rule_in {
	int set[RC__MAX];
	const char *val[RC__MAX];
	char fields[64]; /* a text[] literal of field names */
	char priority[24];
};

static void
rule_json(struct jw *w, const char *key, const PGresult *res, int row)
{
	const char *f = db_val(res, row, RR_FIELDS), *comma;
	char *norm = NULL;

	jw_obj(w, key);
	jw_numstr(w, "id", db_val(res, row, RR_ID));
	jw_str(w, "team_id", db_val(res, row, RR_TEAM_ID));
	jw_str(w, "team_name", db_val(res, row, RR_TEAM_NAME));
	jw_str(w, "pattern", db_val(res, row, RR_PATTERN));
	/* What the engine compares; shows what "on+ai" or "%D0%97" become. */
	if (attr_norm(db_val(res, row, RR_PATTERN), &norm) == ERR_OK)
		jw_str(w, "normalized", norm);
	free(norm);
	jw_str(w, "kind", db_val(res, row, RR_KIND));
	jw_arr(w, "fields");
	while (f != NULL && *f != '\0') {
		comma = strchr(f, ',');
		jw_strn(w, NULL, f, comma ? (size_t)(comma - f) : strlen(f));
		f = comma ? comma + 1 : NULL;
	}
	jw_arr_end(w);
	jw_int(w, "priority", num(db_val(res, row, RR_PRIORITY)));
	jw_bool(w, "enabled", istrue(db_val(res, row, RR_ENABLED)));
	jw_int(w, "position", num(db_val(res, row, RR_POSITION)));
	jw_str(w, "created_at", db_val(res, row, RR_CREATED));
	jw_str(w, "updated_at", db_val(res, row, RR_UPDATED));
	jw_obj_end(w);
}

static enum err
team_get(struct api *a)
{
	const char *v[1] = { a->id };
	PGresult *res, *rules;
	enum err rc;
	int i;

	if (!is_uuid(a->id))
		return ERR_NOTFOUND;
	if ((res = db_exec(a->db, SQL_TEAM, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	if ((rules = db_exec(a->db, SQL_RULES_OF, 1, v, &rc)) == NULL) {
		PQclear(res);
		return rc;
	}
	team_json(&a->w, "team", res, 0);
	jw_arr(&a->w, "rules");
	for (i = 0; i < PQntuples(rules); i++)
		rule_json(&a->w, NULL, rules, i);
	jw_arr_end(&a->w);
	PQclear(rules);
	PQclear(res);
	return ERR_OK;
}

static enum err
rule_pattern(struct api *a, struct rule_in *r, int create)
{
	const char *s;
	char *n = NULL;
	enum err rc;

	if (jread_has(&a->in, "pattern") == JREAD_ABSENT)
		return create
		    ? fail(a, ERR_VALIDATION, "pattern", "is required")
		    : ERR_OK;
	if ((rc = notnull(a, "pattern", "a string")) != ERR_OK ||
	    (rc = jread_str(&a->in, "pattern", MAX_PATTERN, 0, &s)) != ERR_OK)
		return rc;
	if ((rc = attr_norm(s, &n)) != ERR_OK)
		return rc;
	rc = *n == '\0' ? fail(a, ERR_VALIDATION, "pattern",
	                      "must not be empty or only spaces")
	                : ERR_OK;
	free(n);
	if (rc == ERR_OK) {
		r->set[RC_PATTERN] = 1;
		r->val[RC_PATTERN] = s;
	}
	return rc;
}

static enum err
rule_kind(struct api *a, struct rule_in *r)
{
	enum attr_kind kind;
	const char *s;
	enum err rc;

	if ((rc = notnull(a, "kind", "exact, prefix, token or contains")) !=
	        ERR_OK ||
	    (rc = jread_str(&a->in, "kind", 16, 0, &s)) != ERR_OK || s == NULL)
		return rc;
	if (*s == '\0' || attr_kind_parse(s, &kind) != ERR_OK)
		return fail(a, ERR_VALIDATION, "kind",
		    "must be exact, prefix, token or contains");
	r->set[RC_KIND] = 1;
	r->val[RC_KIND] = attr_kind_name(kind);
	return ERR_OK;
}

/* Reads the field names into a mask, stored in engine-neutral order. */
static enum err
rule_fields(struct api *a, struct rule_in *r)
{
	enum attr_field f;
	unsigned mask = 0;
	const char *s;
	struct buf b;
	size_t i, n;
	enum err rc;

	if ((rc = notnull(a, "fields", "an array of field names")) != ERR_OK ||
	    (rc = jread_arr(&a->in, "fields", 16, &n)) != ERR_OK)
		return rc;
	if (jread_has(&a->in, "fields") != JREAD_SET)
		return ERR_OK;
	if (n == 0)
		return fail(a, ERR_VALIDATION, "fields",
		    "must name at least one of source, medium, campaign, "
		    "content, term");
	for (i = 0; i < n; i++) {
		if ((rc = jread_elem_str(&a->in, "fields", i, 16, &s)) !=
		    ERR_OK)
			return rc;
		if (attr_field_parse(s, &f) != ERR_OK)
			return fail(a, ERR_VALIDATION, "fields",
			    "names must be source, medium, campaign, content "
			    "or term");
		mask |= ATTR_FIELD_BIT(f);
	}
	buf_init(&b);
	buf_addc(&b, '{');
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if (mask & ATTR_FIELD_BIT(i))
			buf_printf(&b, "%s%s", b.len > 1 ? "," : "",
			    attr_field_name((enum attr_field)i));
	buf_addc(&b, '}');
	if ((rc = buf_err(&b)) == ERR_OK) {
		snprintf(r->fields, sizeof(r->fields), "%s", buf_str(&b));
		r->set[RC_FIELDS] = 1;
		r->val[RC_FIELDS] = r->fields;
	}
	buf_free(&b);
	return rc;
}

/*
 * Validates a rule body. On create the defaults are kind token, every
 * field, priority 0, enabled; on update only the members present change.
 * The position is set by reorder only.
 */
static enum err
rule_read(struct api *a, struct rule_in *r, int create)
{
	long long prio = 0;
	int enabled = 1, i, n = 0;
	enum err rc;

	memset(r, 0, sizeof(*r));
	if ((rc = jread_only(&a->in, rule_keys)) != ERR_OK ||
	    (rc = rule_pattern(a, r, create)) != ERR_OK ||
	    (rc = rule_kind(a, r)) != ERR_OK ||
	    (rc = rule_fields(a, r)) != ERR_OK)
		return rc;
	if ((rc = notnull(a, "priority", "a whole number")) != ERR_OK ||
	    (rc = jread_int(&a->in, "priority", -MAX_PRIORITY, MAX_PRIORITY,
	         &prio)) != ERR_OK)
		return rc;
	if (jread_has(&a->in, "priority") == JREAD_SET) {
		snprintf(r->priority, sizeof(r->priority), "%lld", prio);
		r->set[RC_PRIORITY] = 1;
		r->val[RC_PRIORITY] = r->priority;
	}
	if ((rc = notnull(a, "enabled", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&a->in, "enabled", &enabled)) != ERR_OK)
		return rc;
	if (jread_has(&a->in, "enabled") == JREAD_SET) {
		r->set[RC_ENABLED] = 1;
		r->val[RC_ENABLED] = enabled ? "true" : "false";
	}
	if (create) {
		if (!r->set[RC_KIND])
			r->val[RC_KIND] = attr_kind_name(ATTR_KIND_TOKEN);
		if (!r->set[RC_FIELDS])
			r->val[RC_FIELDS] =
			    "{source,medium,campaign,content,term}";
		if (!r->set[RC_PRIORITY])
			r->val[RC_PRIORITY] = "0";
		if (!r->set[RC_ENABLED])
			r->val[RC_ENABLED] = "true";
		return ERR_OK;
	}
	for (i = 0; i < RC__MAX; i++)
		n += r->set[i];
	if (n == 0)
		return fail(a, ERR_VALIDATION, "", "no fields to update");
	return ERR_OK;
}

/* Answers a unique violation on a rule write. */
static enum err
rule_taken(struct api *a)
{
	api_errorf(a, "the team already has this rule");
	return fail(a, ERR_CONFLICT, "pattern",
	    "the team already has a rule of this kind with this pattern "
	    "(patterns ignore case)");
}

static enum err
rule_list(struct api *a)
{
	const char *v[1] = { a->id };
	PGresult *res;
	enum err rc;
	int i;

	if (!is_uuid(a->id))
		return ERR_NOTFOUND;
	if ((res = db_exec(a->db, SQL_TEAM, 1, v, &rc)) == NULL)
		return rc;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	if (rc != ERR_OK)
		return rc;
	if ((res = db_exec(a->db, SQL_RULES_OF, 1, v, &rc)) == NULL)
		return rc;
	jw_str(&a->w, "team_id", a->id);
	jw_arr(&a->w, "rules");
	for (i = 0; i < PQntuples(res); i++)
		rule_json(&a->w, NULL, res, i);
	jw_arr_end(&a->w);
	PQclear(res);
	return ERR_OK;
}

static enum err
rule_create(struct api *a)
{
	const char *v[1 + RC__MAX];
	struct rule_in r;
	PGresult *res = NULL;
	enum err rc;
	int i;

	if (!is_uuid(a->id))
		return ERR_NOTFOUND;
	if ((rc = rule_read(a, &r, 1)) != ERR_OK)
		return rc;
	v[0] = a->id;
	for (i = 0; i < RC__MAX; i++)
		v[1 + i] = r.val[i];
	if ((rc = db_begin(a->db)) != ERR_OK)
		goto out;
	/* Locks the team, so positions are handed out one at a time. */
	if ((res = db_exec(a->db, SQL_TEAM_EXISTS, 1, v, &rc)) == NULL)
		goto out;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	res = NULL;
	if (rc != ERR_OK)
		goto out;
	if ((res = db_exec(a->db, SQL_RULE_INSERT, 1 + RC__MAX, v, &rc)) ==
	    NULL) {
		if (rc == ERR_CONFLICT)
			rc = rule_taken(a);
		goto out;
	}
	rc = audit(a, "create", "rule", db_val(res, 0, RR_ID), NULL,
	    db_val(res, 0, RR_JSON));
	if ((rc = finish(a->db, rc)) != ERR_OK)
		goto out;
	rule_json(&a->w, "rule", res, 0);
	a->status = 201;
out:
	db_rollback(a->db);
	PQclear(res);
	return rc;
}

static enum err
rule_get(struct api *a)
{
	const char *v[1] = { a->id };
	PGresult *res;
	enum err rc;

	if (!is_ruleid(a->id))
		return ERR_NOTFOUND;
	if ((res = db_exec(a->db, SQL_RULE, 1, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 1)
		rule_json(&a->w, "rule", res, 0);
	else
		rc = ERR_NOTFOUND;
	PQclear(res);
	return rc;
}

/* Sets *res to the locked rule a->id; ERR_NOTFOUND if there is none. */
static enum err
rule_lock(struct api *a, PGresult **res)
{
	const char *v[1] = { a->id };
	enum err rc;

	if (!is_ruleid(a->id))
		return ERR_NOTFOUND;
	if ((*res = db_exec(a->db, SQL_RULE_LOCK, 1, v, &rc)) == NULL)
		return rc;
	return PQntuples(*res) == 1 ? ERR_OK : ERR_NOTFOUND;
}

static enum err
rule_update(struct api *a)
{
	const char *v[1 + 2 * RC__MAX];
	struct rule_in r;
	PGresult *before = NULL, *res = NULL;
	enum err rc;
	int i;

	if (!is_ruleid(a->id))
		return ERR_NOTFOUND;
	if ((rc = rule_read(a, &r, 0)) != ERR_OK)
		return rc;
	v[0] = a->id;
	for (i = 0; i < RC__MAX; i++) {
		v[1 + 2 * i] = r.set[i] ? "true" : "false";
		v[2 + 2 * i] = r.val[i];
	}
	if ((rc = db_begin(a->db)) != ERR_OK ||
	    (rc = rule_lock(a, &before)) != ERR_OK)
		goto out;
	if ((res = db_exec(a->db, SQL_RULE_UPDATE, 1 + 2 * RC__MAX, v, &rc)) ==
	    NULL) {
		if (rc == ERR_CONFLICT)
			rc = rule_taken(a);
		goto out;
	}
	rc = audit(a, "update", "rule", a->id, db_val(before, 0, RR_JSON),
	    db_val(res, 0, RR_JSON));
	if ((rc = finish(a->db, rc)) != ERR_OK)
		goto out;
	rule_json(&a->w, "rule", res, 0);
out:
	db_rollback(a->db);
	PQclear(before);
	PQclear(res);
	return rc;
}

static enum err
rule_delete(struct api *a)
{
	const char *v[1] = { a->id };
	PGresult *before = NULL;
	enum err rc;

	if ((rc = db_begin(a->db)) != ERR_OK ||
	    (rc = rule_lock(a, &before)) != ERR_OK ||
	    (rc = db_run(a->db, SQL_RULE_DELETE, 1, v)) != ERR_OK)
		goto out;
	rc = audit(a, "delete", "rule", a->id, db_val(before, 0, RR_JSON),
	    NULL);
	if ((rc = finish(a->db, rc)) != ERR_OK)
		goto out;
	rule_json(&a->w, "rule", before, 0);
out:
	db_rollback(a->db);
	PQclear(before);
	return rc;
}

/* Returns the index of id among the n rows of res (column 0), or -1. */
static int
row_of(const PGresult *res, const char *id)
{
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(db_val(res, i, 0), id) == 0)
			return i;
	return -1;
}

/*
 * Checks that ids (the body's "ids") name each rule of the team (rows of
 * cur) exactly once, and builds the bigint[] literal and the audit JSON.
 */
static enum err
reorder_read(struct api *a, const PGresult *cur, struct buf *arr,
    struct buf *before, struct buf *after)
{
	char why[160], id[32];
	long long x;
	size_t i, n;
	int k, *seen;
	struct jw wb, wa;
	enum err rc;

	if ((rc = jread_only(&a->in, (const char *const[]){ "ids", NULL })) !=
	        ERR_OK ||
	    (rc = jread_arr(&a->in, "ids", MAX_RULES, &n)) != ERR_OK)
		return rc;
	if (jread_has(&a->in, "ids") != JREAD_SET)
		return fail(a, ERR_VALIDATION, "ids",
		    "is required: the ids of the team's rules in the new "
		    "order");
	if (n != (size_t)PQntuples(cur)) {
		snprintf(why, sizeof(why),
		    "must list each of the team's %d "
		    "rules exactly once (got %zu ids)",
		    PQntuples(cur), n);
		return fail(a, ERR_VALIDATION, "ids", why);
	}
	if ((seen = calloc(n + 1, sizeof(*seen))) == NULL)
		return ERR_NOMEM;
	jw_init(&wb, before);
	jw_init(&wa, after);
	jw_obj(&wb, NULL);
	jw_arr(&wb, "ids");
	jw_obj(&wa, NULL);
	jw_arr(&wa, "ids");
	buf_addc(arr, '{');
	for (i = 0; i < n; i++) {
		if ((rc = jread_elem_int(&a->in, "ids", i, 1, INT64_MAX - 1,
		         &x)) != ERR_OK)
			goto out;
		snprintf(id, sizeof(id), "%lld", x);
		if ((k = row_of(cur, id)) < 0 || seen[k]) {
			snprintf(why, sizeof(why), "%s is %s", id,
			    k < 0 ? "not a rule of this team" : "listed twice");
			rc = fail(a, ERR_VALIDATION, "ids", why);
			goto out;
		}
		seen[k] = 1;
		buf_printf(arr, "%s%s", i > 0 ? "," : "", id);
		jw_int(&wa, NULL, x);
	}
	buf_addc(arr, '}');
	for (k = 0; k < PQntuples(cur); k++)
		jw_numstr(&wb, NULL, db_val(cur, k, 0));
	jw_arr_end(&wb);
	jw_obj_end(&wb);
	jw_arr_end(&wa);
	jw_obj_end(&wa);
	rc = ERR_OK;
	if (buf_err(arr) != ERR_OK || buf_err(before) != ERR_OK ||
	    buf_err(after) != ERR_OK)
		rc = ERR_NOMEM;
out:
	free(seen);
	return rc;
}

/* Sets the positions of a team's rules to the order of the body's ids. */
static enum err
rule_reorder(struct api *a)
{
	struct buf arr, before, after;
	PGresult *cur = NULL, *res = NULL;
	const char *v[2];
	enum err rc;
	int i;

	if (!is_uuid(a->id))
		return ERR_NOTFOUND;
	buf_init(&arr);
	buf_init(&before);
	buf_init(&after);
	v[0] = a->id;
	if ((rc = db_begin(a->db)) != ERR_OK)
		goto out;
	if ((res = db_exec(a->db, SQL_TEAM_EXISTS, 1, v, &rc)) == NULL)
		goto out;
	rc = PQntuples(res) == 1 ? ERR_OK : ERR_NOTFOUND;
	PQclear(res);
	res = NULL;
	if (rc != ERR_OK)
		goto out;
	if ((cur = db_exec(a->db, SQL_RULE_IDS, 1, v, &rc)) == NULL)
		goto out;
	if ((rc = reorder_read(a, cur, &arr, &before, &after)) != ERR_OK)
		goto out;
	v[1] = buf_str(&arr);
	if ((rc = db_run(a->db, SQL_RULE_REORDER, 2, v)) != ERR_OK ||
	    (rc = audit(a, "reorder", "team", a->id, buf_str(&before),
	         buf_str(&after))) != ERR_OK)
		goto out;
	if ((res = db_exec(a->db, SQL_RULES_OF, 1, v, &rc)) == NULL)
		goto out;
	if ((rc = finish(a->db, ERR_OK)) != ERR_OK)
		goto out;
	jw_str(&a->w, "team_id", a->id);
	jw_arr(&a->w, "rules");
	for (i = 0; i < PQntuples(res); i++)
		rule_json(&a->w, NULL, res, i);
	jw_arr_end(&a->w);
out:
	db_rollback(a->db);
	PQclear(cur);
	PQclear(res);
	buf_free(&arr);
	buf_free(&before);
	buf_free(&after);
	return rc;
}

/* --- attribution ------------------------------------------------------ */

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
current_set(struct api *a, const struct attr_set **set)
{
	enum err rc;

	if ((rc = rules_get(&a->app->rules, a->db, set)) == ERR_DB)
		api_errorf(a, "could not load the attribution rules");
	return rc;
}

static void
rule_brief(struct jw *w, const char *key, const struct attr_rule *r)
{
	if (r == NULL) {
		jw_null(w, key);
		return;
	}
	jw_obj(w, key);
	jw_numstr(w, "id", r->id);
	jw_str(w, "team_id", r->team->id);
	jw_str(w, "team_name", r->team->name);
	jw_str(w, "pattern", r->pattern);
	jw_str(w, "kind", attr_kind_name(r->kind));
	jw_int(w, "priority", r->priority);
	jw_obj_end(w);
}

/* Shows what the engine decides for one UTM set, without storing it. */
static enum err
preview(struct api *a)
{
	const struct attr_set *set;
	struct attr_result res;
	struct attr_utm utm;
	size_t i;
	enum err rc;

	if ((rc = jread_only(&a->in, utm_keys)) != ERR_OK)
		return rc;
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if ((rc = jread_str(&a->in, utm_keys[i], MAX_UTM, 0,
		         &utm.v[i])) != ERR_OK)
			return rc;
	if ((rc = current_set(a, &set)) != ERR_OK ||
	    (rc = attr_match(set, &utm, &res)) != ERR_OK)
		return rc;
	jw_str(&a->w, "team_id", res.team_id);
	jw_str(&a->w, "team_name", res.team_name);
	jw_str(&a->w, "targetologist",
	    res.team_name != NULL ? res.team_name : "Unknown");
	jw_str(&a->w, "emoji", res.team != NULL ? res.team->emoji : NULL);
	jw_str(&a->w, "confidence", attr_conf_name(res.conf));
	if (res.rule != NULL) {
		jw_obj(&a->w, "rule");
		jw_numstr(&a->w, "id", res.rule->id);
		jw_str(&a->w, "pattern", res.rule->pattern);
		jw_str(&a->w, "kind", attr_kind_name(res.rule->kind));
		jw_int(&a->w, "priority", res.rule->priority);
		jw_obj_end(&a->w);
	} else {
		jw_null(&a->w, "rule");
	}
	jw_str(&a->w, "field",
	    res.field < ATTR_FIELD__MAX ? attr_field_name(res.field) : NULL);
	jw_str(&a->w, "value", res.value);
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
conflicts(struct api *a)
{
	const struct attr_set *set;
	struct attr_conflicts c;
	char *done = NULL, *inrule = NULL;
	size_t i, n = 0;
	enum err rc;

	if ((rc = current_set(a, &set)) != ERR_OK)
		return rc;
	if ((rc = attr_conflicts_find(set, &c)) != ERR_OK)
		return rc;
	rc = ERR_NOMEM;
	if ((done = calloc(c.n + 1, 1)) == NULL ||
	    (inrule = calloc(set->nrules + 1, 1)) == NULL)
		goto out;
	jw_arr(&a->w, "conflicts");
	for (i = 0; i < c.n; i++)
		if (!done[i]) {
			conflict_group(&a->w, set, &c, i, done, inrule);
			n++;
		}
	jw_arr_end(&a->w);
	jw_int(&a->w, "count", (long long)n);
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
 * The sales of a date range, locked until the commit. all_sales_tracking
 * keeps timestamptz, so its days are the configured time zone's ($3); the
 * landing tables keep local time already.
 */
/* clang-format off */
#define RA_SELECT                                                          \
	"SELECT id::text, utm_source, utm_medium, utm_campaign,"           \
	" utm_content, utm_term, targetologist FROM "
#define RA_RANGE_TZ                                                        \
	" WHERE sale_date >= ($1::date::timestamp AT TIME ZONE $3)"        \
	" AND sale_date < (($2::date + 1)::timestamp AT TIME ZONE $3)"     \
	" ORDER BY id FOR UPDATE"
#define RA_RANGE_LOCAL                                                     \
	" WHERE sale_date >= $1::date AND sale_date < $2::date + 1"        \
	" ORDER BY id FOR UPDATE"

static const char *const sql_ra_select[ST__MAX] = {
	RA_SELECT "all_sales_tracking" RA_RANGE_TZ,      /* ST_TRACKING */
	RA_SELECT "express_course_sales" RA_RANGE_LOCAL, /* ST_EXPRESS */
	RA_SELECT "main_product_sales" RA_RANGE_LOCAL,   /* ST_MAIN */
};

static const int ra_nparams[ST__MAX] = { 3, 2, 2 };

/* One statement per table: $1 is [{"id", "t": team, "c": confidence}]. */
static const char *const sql_ra_update[ST__MAX] = {
	"UPDATE all_sales_tracking AS s SET targetologist = x.t,"
	" attribution_confidence = x.c"
	" FROM json_to_recordset($1::json) AS x (id uuid, t text, c text)"
	" WHERE s.id = x.id", /* ST_TRACKING */
	"UPDATE express_course_sales AS s SET targetologist = x.t"
	" FROM json_to_recordset($1::json) AS x (id uuid, t text)"
	" WHERE s.id = x.id", /* ST_EXPRESS */
	"UPDATE main_product_sales AS s SET targetologist = x.t"
	" FROM json_to_recordset($1::json) AS x (id uuid, t text)"
	" WHERE s.id = x.id", /* ST_MAIN */
};
/* clang-format on */

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
	struct attr_result r;
	struct attr_utm utm;
	PGresult *res;
	struct buf b;
	struct jw w;
	int i, j, n;
	enum err rc;

	if ((res = db_exec(db, sql_ra_select[t], ra_nparams[t], v, &rc)) ==
	    NULL)
		return rc;
	buf_init(&b);
	jw_init(&w, &b);
	jw_arr(&w, NULL);
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		const char *old = db_val(res, i, 1 + ATTR_FIELD__MAX);

		for (j = 0; j < ATTR_FIELD__MAX; j++)
			utm.v[j] = db_val(res, i, 1 + j);
		if ((rc = attr_match(ra->set, &utm, &r)) != ERR_OK)
			goto out;
		if (r.team_name == NULL ? no_team(old)
		                        : same_str(old, r.team_name))
			continue;
		ra->changed[t]++;
		if ((rc = ra_tally(ra, no_team(old) ? NULL : old,
		         r.team_name)) != ERR_OK)
			goto out;
		jw_obj(&w, NULL);
		jw_str(&w, "id", db_val(res, i, 0));
		jw_str(&w, "t", r.team_name);
		jw_str(&w, "c", attr_conf_name(r.conf));
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	ra->examined[t] = n;
	ra->done[t] = 1;
	if ((rc = buf_err(&b)) == ERR_OK && !dry && ra->changed[t] > 0) {
		const char *u[1] = { buf_str(&b) };

		rc = db_run(db, sql_ra_update[t], 1, u);
	}
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

/* Returns 1 for a real calendar date written YYYY-MM-DD. */
static int
valid_date(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int i, y, m, d, leap;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

static enum err
ra_date(struct api *a, const char *key, const char **out)
{
	enum err rc;

	if ((rc = jread_str(&a->in, key, 10, 0, out)) != ERR_OK)
		return rc;
	if (*out == NULL)
		return fail(a, ERR_VALIDATION, key,
		    "is required: a date such as 2025-12-01");
	if (!valid_date(*out))
		return fail(a, ERR_VALIDATION, key,
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
reattribute(struct api *a)
{
	static const char *const keys[] = { "from", "to", "dry_run", NULL };
	struct db *landing = a->app->has_landing ? &a->app->landing : NULL;
	const char *from, *to, *v[3];
	struct buf before, after;
	struct ra ra;
	struct jw w;
	int dry = 0;
	enum err rc;

	memset(&ra, 0, sizeof(ra));
	buf_init(&before);
	buf_init(&after);
	if ((rc = jread_only(&a->in, keys)) != ERR_OK ||
	    (rc = ra_date(a, "from", &from)) != ERR_OK ||
	    (rc = ra_date(a, "to", &to)) != ERR_OK ||
	    (rc = notnull(a, "dry_run", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&a->in, "dry_run", &dry)) != ERR_OK)
		goto out;
	if (strcmp(from, to) > 0) {
		rc = fail(a, ERR_VALIDATION, "to", "must not be before from");
		goto out;
	}
	if ((rc = current_set(a, &ra.set)) != ERR_OK)
		goto out;
	v[0] = from;
	v[1] = to;
	v[2] = cfg_str(&a->app->cfg, CFG_TIMEZONE);
	if ((rc = db_begin(a->db)) != ERR_OK ||
	    (rc = ra_table(&ra, ST_TRACKING, a->db, v, dry)) != ERR_OK)
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
	jw_int(&w, "rules_version", a->app->rules.version);
	jw_obj_end(&w);
	if ((rc = buf_err(&before)) != ERR_OK ||
	    (rc = buf_err(&after)) != ERR_OK)
		goto out;
	if (!dry) {
		if ((rc = audit(a, "reattribute", "sales", NULL,
		         buf_str(&before), buf_str(&after))) != ERR_OK)
			goto out;
		if (landing != NULL && (rc = db_commit(landing)) != ERR_OK)
			goto out;
		if ((rc = db_commit(a->db)) != ERR_OK) {
			log_warnx(
			    "re-attribution %s..%s: the landing sales "
			    "changed but the traffic ones did not; run it "
			    "again",
			    from, to);
			goto out;
		}
	}
	ra_write(&a->w, &ra, from, to, dry);
out:
	db_rollback(a->db);
	if (landing != NULL)
		db_rollback(landing);
	ra_free(&ra);
	buf_free(&before);
	buf_free(&after);
	return rc;
}

/* --- audit trail -------------------------------------------------------- */

/* clang-format off */
static const char SQL_AUDIT_LIST[] =
    "SELECT id, " TS("at") ", actor, action, entity, entity_id,"
    " before::text, after::text FROM attribution_audit"
    " WHERE ($1::text IS NULL OR entity = $1)"
    " AND ($2::text IS NULL OR entity_id = $2)"
    " ORDER BY id DESC LIMIT $3::integer";
/* clang-format on */

/* GET /api/traffic/audit?entity=&entity_id=&limit=: newest first. */
static enum err
audit_list(struct api *a)
{
	char *entity = web_query(a->req, "entity");
	char *id = web_query(a->req, "entity_id");
	char *limit = web_query(a->req, "limit");
	const char *v[3];
	char lim[16];
	PGresult *res = NULL;
	long long n = 50;
	enum err rc = ERR_VALIDATION;
	int i;

	if (entity != NULL && *entity != '\0' && strcmp(entity, "team") != 0 &&
	    strcmp(entity, "rule") != 0 && strcmp(entity, "sales") != 0) {
		fail(a, rc, "entity", "must be team, rule or sales");
		goto out;
	}
	if (limit != NULL && *limit != '\0') {
		char *end;

		n = strtoll(limit, &end, 10);
		if (*end != '\0' || n < 1 || n > AUDIT_LIMIT) {
			fail(a, rc, "limit", "must be between 1 and 500");
			goto out;
		}
	}
	snprintf(lim, sizeof(lim), "%lld", n);
	v[0] = entity != NULL && *entity != '\0' ? entity : NULL;
	v[1] = id != NULL && *id != '\0' ? id : NULL;
	v[2] = lim;
	if ((res = db_exec(a->db, SQL_AUDIT_LIST, 3, v, &rc)) == NULL)
		goto out;
	jw_arr(&a->w, "audit");
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(&a->w, NULL);
		jw_numstr(&a->w, "id", db_val(res, i, 0));
		jw_str(&a->w, "at", db_val(res, i, 1));
		jw_str(&a->w, "actor", db_val(res, i, 2));
		jw_str(&a->w, "action", db_val(res, i, 3));
		jw_str(&a->w, "entity", db_val(res, i, 4));
		jw_str(&a->w, "entity_id", db_val(res, i, 5));
		jw_raw(&a->w, "before", db_val(res, i, 6));
		jw_raw(&a->w, "after", db_val(res, i, 7));
		jw_obj_end(&a->w);
	}
	jw_arr_end(&a->w);
out:
	PQclear(res);
	free(entity);
	free(id);
	free(limit);
	return rc;
}

/* --- routing ------------------------------------------------------------ */

struct route {
	enum web_method method;
	const char *path; /* after API_PREFIX; "*" is the {id} */
	api_fn fn;
	int body;         /* takes a JSON body */
	const char *what; /* for "no such ..." */
};

static const struct route routes[] = {
	{ WEB_GET, "teams", team_list, 0, NULL },
	{ WEB_POST, "teams", team_create, 1, NULL },
	{ WEB_GET, "teams/*", team_get, 0, "team" },
	{ WEB_PUT, "teams/*", team_update, 1, "team" },
	{ WEB_PATCH, "teams/*", team_update, 1, "team" },
	{ WEB_DELETE, "teams/*", team_delete, 0, "team" },
	{ WEB_GET, "teams/*/rules", rule_list, 0, "team" },
	{ WEB_POST, "teams/*/rules", rule_create, 1, "team" },
	{ WEB_POST, "teams/*/rules/reorder", rule_reorder, 1, "team" },
	{ WEB_GET, "rules/*", rule_get, 0, "rule" },
	{ WEB_PUT, "rules/*", rule_update, 1, "rule" },
	{ WEB_PATCH, "rules/*", rule_update, 1, "rule" },
	{ WEB_DELETE, "rules/*", rule_delete, 0, "rule" },
	{ WEB_POST, "attribution/preview", preview, 1, NULL },
	{ WEB_GET, "attribution/conflicts", conflicts, 0, NULL },
	{ WEB_POST, "attribution/reattribute", reattribute, 1, NULL },
	{ WEB_GET, "audit", audit_list, 0, NULL },
};

/*
 * Matches path against pat segment by segment; "*" matches one non-empty
 * segment, copied into a->idbuf ("" when too long to be an id).
 */
static int
match(struct api *a, const char *path, const char *pat)
{
	size_t n, m;

	a->idbuf[0] = '\0';
	for (;;) {
		n = strcspn(path, "/");
		m = strcspn(pat, "/");
		if (m == 1 && *pat == '*') {
			if (n == 0)
				return 0;
			if (n < sizeof(a->idbuf)) {
				memcpy(a->idbuf, path, n);
				a->idbuf[n] = '\0';
			}
		} else if (n != m || strncmp(path, pat, n) != 0) {
			return 0;
		}
		path += n;
		pat += m;
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
		path++;
		pat++;
	}
}

static int
json_ctype(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Checks and parses the JSON body of a request that takes one. */
static enum err
body(struct api *a)
{
	struct jread_limits lim;
	enum err rc;

	if (a->req->too_big) {
		api_errorf(a, "body of %zu bytes is over the %zu-byte limit",
		    a->req->content_length, a->app->amo.limits.max_body);
		return ERR_TOOBIG;
	}
	if (!json_ctype(a->req->ctype)) {
		a->errstatus = 415;
		api_errorf(a, "Content-Type must be application/json");
		return ERR_INPUT;
	}
	jread_limits_default(&lim);
	lim.max_body = a->app->amo.limits.max_body;
	if ((rc = jread_parse(&a->in, a->req->body, a->req->bodysz, &lim)) !=
	    ERR_OK)
		api_errorf(a, "%s", a->in.reason);
	return rc;
}

static enum err
dispatch(struct api *a)
{
	const struct route *found = NULL, *any = NULL;
	enum web_method m = a->req->method;
	size_t i, n, plen = sizeof(API_PREFIX) - 1;
	char path[512];
	enum err rc;

	if (m == WEB_HEAD)
		m = WEB_GET;
	if (strncmp(a->req->path, API_PREFIX, plen) != 0 ||
	    (n = strlen(a->req->path + plen)) >= sizeof(path)) {
		api_errorf(a, "no such API route");
		return ERR_NOTFOUND;
	}
	memcpy(path, a->req->path + plen, n + 1);
	if (n > 0 && path[n - 1] == '/')
		path[n - 1] = '\0';
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(a, path, routes[i].path))
			continue;
		any = &routes[i];
		web_allow(a->req, routes[i].method);
		if (routes[i].method == m) {
			found = &routes[i];
			break;
		}
	}
	if (found == NULL) {
		if (any == NULL) {
			api_errorf(a, "no such API route");
			return ERR_NOTFOUND;
		}
		api_errorf(a, "method %s is not allowed here",
		    a->req->method_name);
		return ERR_METHOD;
	}
	a->id = a->idbuf;
	if (found->body && (rc = body(a)) != ERR_OK)
		return rc;
	jw_obj(&a->w, NULL);
	jw_bool(&a->w, "success", 1);
	rc = found->fn(a);
	if (rc == ERR_NOTFOUND && a->error[0] == '\0')
		api_errorf(a, "no such %s", found->what ? found->what : "item");
	return rc;
}

/* Answers an error: {success:false, error[, field, reason]}. */
static int
reply_error(struct api *a, enum err rc)
{
	int status = a->errstatus ? a->errstatus : err_http(rc);
	int detail = rc == ERR_VALIDATION || rc == ERR_UTF8 || rc == ERR_JSON ||
	    rc == ERR_CONFLICT;
	char msg[512];
	struct buf b;
	struct jw w;

	if (a->error[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", a->error);
	else if (detail && a->in.reason[0] != '\0' && a->in.field[0] != '\0')
		snprintf(msg, sizeof(msg), "%s: %s", a->in.field, a->in.reason);
	else if (detail && a->in.reason[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", a->in.reason);
	else
		snprintf(msg, sizeof(msg), "%s",
		    rc == ERR_DB ? "database unavailable; please retry"
		                 : err_str(rc));
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", 0);
	jw_str(&w, "error", msg);
	if (detail) {
		jw_str(&w, "field", a->in.field[0] ? a->in.field : NULL);
		jw_str(&w, "reason", a->in.reason[0] ? a->in.reason : msg);
	}
	jw_obj_end(&w);
	return web_send(a->req, status, &b);
}

int
teamapi_serve(struct app *app, struct web_req *req)
{
	struct api a;
	enum err rc;
	int ret;

	memset(&a, 0, sizeof(a));
	a.app = app;
	a.req = req;
	a.db = &app->traffic;
	a.status = 200;
	buf_init(&a.out);
	jw_init(&a.w, &a.out);
	rc = dispatch(&a);
	if (rc == ERR_OK) {
		jw_obj_end(&a.w);
		ret = web_send(req, a.status, &a.out);
	} else {
		ret = reply_error(&a, rc);
	}
	/* No transaction outlives its request, whatever happened. */
	db_rollback(&app->traffic);
	if (app->has_landing)
		db_rollback(&app->landing);
	jread_free(&a.in);
	buf_free(&a.out);
	return ret;
}
