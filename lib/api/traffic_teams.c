#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/admin.h"
#include "api/report_http.h"
#include "api/traffic.h"
#include "attr/engine.h"
#include "base/buf.h"
#include "base/jw.h"
#include "base/log.h"
#include "base/text.h"
#include "teams/team.h"

/*
 * /api/traffic/teams: the traffic teams. This file reads and checks the
 * bodies; teams/team stores them (the only writer of traffic_teams),
 * each change audited in its transaction.
 */

static const char *const team_keys[TEAM__MAX + 1] = {
	"name",             /* TEAM_NAME */
	"company",          /* TEAM_COMPANY */
	"direction",        /* TEAM_DIRECTION */
	"fb_ad_account_id", /* TEAM_FB */
	"color",            /* TEAM_COLOR */
	"emoji",            /* TEAM_EMOJI */
	"utm_source",       /* TEAM_UTM_SOURCE */
	"utm_medium",       /* TEAM_UTM_MEDIUM */
	"position",         /* TEAM_POSITION */
	"is_active",        /* TEAM_ACTIVE */
	"telegram_chat_id", /* TEAM_CHAT */
	NULL,
};

/* A validated team body and the text it owns. */
struct team_in {
	struct team_set s;
	char position[24];
	char chat[32];
	char *utm_default; /* owned */
};

/* Reads an optional free-text column: null and "" store NULL. */
static enum err
team_text(struct route_req *r, struct team_in *t, enum team_col c)
{
	const char *s;
	enum err rc;

	if (jread_has(&r->in, team_keys[c]) == JREAD_ABSENT)
		return ERR_OK;
	if ((rc = jread_str(&r->in, team_keys[c], MAX_TEXT, 0, &s)) != ERR_OK)
		return rc;
	t->s.set[c] = 1;
	t->s.val[c] = s != NULL && *s != '\0' ? s : NULL;
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
	t->s.set[TEAM_NAME] = 1;
	t->s.val[TEAM_NAME] = s;
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
	t->s.set[TEAM_COLOR] = 1;
	t->s.val[TEAM_COLOR] = s;
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
	t->s.set[TEAM_EMOJI] = 1;
	t->s.val[TEAM_EMOJI] = s;
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
	t->s.set[TEAM_CHAT] = 1;
	if (jread_has(&r->in, "telegram_chat_id") == JREAD_NULL)
		return ERR_OK;
	id = 0;
	if (jread_int(&r->in, "telegram_chat_id", -999999999999999LL,
	        999999999999999LL, &id) == ERR_OK) {
		if (id == 0)
			return route_fail(r, ERR_VALIDATION, "telegram_chat_id",
			    why);
		snprintf(t->chat, sizeof(t->chat), "%lld", id);
		t->s.val[TEAM_CHAT] = t->chat;
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
	t->s.val[TEAM_CHAT] = s;
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
	    (rc = team_text(r, t, TEAM_COMPANY)) != ERR_OK ||
	    (rc = team_text(r, t, TEAM_DIRECTION)) != ERR_OK ||
	    (rc = team_text(r, t, TEAM_FB)) != ERR_OK ||
	    (rc = team_text(r, t, TEAM_UTM_MEDIUM)) != ERR_OK ||
	    (rc = team_text(r, t, TEAM_UTM_SOURCE)) != ERR_OK ||
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
		t->s.set[TEAM_POSITION] = 1;
		t->s.val[TEAM_POSITION] = t->position;
	}
	if ((rc = admin_notnull(r, "is_active", "true or false")) != ERR_OK ||
	    (rc = jread_bool(&r->in, "is_active", &active)) != ERR_OK)
		return rc;
	if (jread_has(&r->in, "is_active") == JREAD_SET) {
		t->s.set[TEAM_ACTIVE] = 1;
		t->s.val[TEAM_ACTIVE] = active ? "true" : "false";
	}
	if (create) {
		if (!t->s.set[TEAM_COLOR])
			t->s.val[TEAM_COLOR] = "#00FF88";
		if (!t->s.set[TEAM_EMOJI])
			t->s.val[TEAM_EMOJI] = "\xf0\x9f\x93\x8a"; /* 📊 */
		if (!t->s.set[TEAM_UTM_SOURCE]) {
			struct buf b;
			char *f;

			if ((f = text_fold(t->s.val[TEAM_NAME])) == NULL)
				return ERR_NOMEM;
			buf_init(&b);
			buf_adds(&b, "fb_");
			buf_adds(&b, f);
			free(f);
			if ((t->utm_default = buf_take(&b)) == NULL)
				return ERR_NOMEM;
			t->s.val[TEAM_UTM_SOURCE] = t->utm_default;
		}
		return ERR_OK;
	}
	for (i = 0; i < TEAM__MAX; i++)
		n += t->s.set[i];
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
name_taken(struct route_req *r, enum err rc)
{
	if (rc != ERR_CONFLICT)
		return rc;
	route_errorf(r, "a team with this name already exists");
	return route_fail(r, ERR_CONFLICT, "name",
	    "a team with this name already exists (names ignore case)");
}

static const char *
actor(const struct route_req *r)
{
	return admin_actor(r, tctx(r)->app);
}

/* GET /api/traffic/teams[?format=csv] */
static enum err
team_list(struct route_req *r)
{
	struct buf csv;
	enum err rc;
	int is_csv;

	if ((rc = report_http_format(r, &is_csv)) != ERR_OK)
		return rc;
	if (!is_csv)
		return teams_list(tdb(r), &r->w, NULL);
	buf_init(&csv);
	if ((rc = teams_list(tdb(r), NULL, &csv)) == ERR_OK)
		report_http_csv(r, &csv);
	buf_free(&csv);
	return rc;
}

static enum err
team_create(struct route_req *r)
{
	struct team_in t;
	enum err rc;

	if ((rc = team_read(r, &t, 1)) == ERR_OK) {
		rc = name_taken(r, teams_create(tdb(r), actor(r), &t.s, &r->w));
		if (rc == ERR_OK)
			r->status = 201;
	}
	team_in_free(&t);
	return rc;
}

static enum err
team_update(struct route_req *r)
{
	struct team_in t;
	enum err rc;

	memset(&t, 0, sizeof(t));
	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	if ((rc = team_read(r, &t, 0)) == ERR_OK)
		rc = name_taken(r,
		    teams_update(tdb(r), actor(r), r->arg[0], &t.s, &r->w));
	team_in_free(&t);
	return rc;
}

static enum err
team_delete(struct route_req *r)
{
	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	return teams_delete(tdb(r), actor(r), r->arg[0], &r->w);
}

static enum err
team_get(struct route_req *r)
{
	if (!traffic_is_uuid(r->arg[0]))
		return ERR_NOTFOUND;
	return teams_get(tdb(r), r->arg[0], &r->w);
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
