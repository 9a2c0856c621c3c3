#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "telegram/post.h"

static const char SQL_MOVED[] =
    "SELECT new_chat_id FROM telegram_chat_moves WHERE old_chat_id = $1";

/*
 * Remembers that a chat became a supergroup; moves that led to the old
 * chat now lead to the new one, so current_chat() needs one lookup.
 */
static const char SQL_MOVE[] =
    "WITH m AS (INSERT INTO telegram_chat_moves (old_chat_id, new_chat_id)"
    " VALUES ($1, $2) ON CONFLICT (old_chat_id) DO UPDATE"
    " SET new_chat_id = EXCLUDED.new_chat_id, moved_at = now())"
    " UPDATE telegram_chat_moves SET new_chat_id = $2, moved_at = now()"
    " WHERE new_chat_id = $1";

/* Follows a remembered supergroup move of chat; returns a new string. */
static char *
current_chat(struct db *db, const char *chat)
{
	const char *v[1] = { chat };
	PGresult *res;
	enum err rc;
	char *out;

	res = db_exec(db, SQL_MOVED, 1, v, &rc);
	out = strdup(
	    res != NULL && PQntuples(res) > 0 ? db_val(res, 0, 0) : chat);
	PQclear(res);
	return out;
}

enum err
tg_post(struct tg *t, struct db *db, const char *chat, const char *html,
    struct tg_result *tr)
{
	struct tg_result dummy;
	char *to, moved[32];
	const char *v[2];
	enum err rc;

	if (tr == NULL)
		tr = &dummy;
	if ((to = current_chat(db, chat)) == NULL) {
		memset(tr, 0, sizeof(*tr));
		return ERR_NOMEM;
	}
	rc = tg_send_message(t, to, html, tr);
	if (tr->migrated_to != 0) {
		snprintf(moved, sizeof(moved), "%lld", tr->migrated_to);
		v[0] = to;
		v[1] = moved;
		if (db_run(db, SQL_MOVE, 2, v) != ERR_OK)
			log_warnx("could not remember chat move to %s", moved);
		else
			log_info("chat %s moved to %s", to, moved);
	}
	free(to);
	return rc;
}
