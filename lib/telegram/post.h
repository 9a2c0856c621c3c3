#ifndef AMOSYNC_TELEGRAM_POST_H
#define AMOSYNC_TELEGRAM_POST_H

#include "base/err.h"
#include "io/db.h"
#include "telegram/api.h"

/*
 * The one way a message goes out to Telegram, for the sales of the
 * worker (sales/jobs) and the alerts of the ops chat (health/alerts):
 * to chat, or to the supergroup chat became. This module writes
 * telegram_chat_moves (traffic DB, db): when Telegram answers that a
 * group became a supergroup, the move is remembered here, and moves that
 * led to the old chat now lead to the new one, so one lookup finds the
 * current chat.
 */

/*
 * Sends html (Telegram HTML, already escaped) to the current id of chat
 * with tg_send_message(): its errors, tr (may be NULL) filled; ERR_NOMEM. A move that
 * Telegram reports (tr->migrated_to) is remembered for the next message;
 * failing to remember it is only logged.
 */
enum err tg_post(struct tg *t, struct db *db, const char *chat,
    const char *html, struct tg_result *tr);

#endif
