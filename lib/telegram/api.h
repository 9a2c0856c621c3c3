#ifndef AMOSYNC_TELEGRAM_API_H
#define AMOSYNC_TELEGRAM_API_H

#include <stddef.h>

#include "base/cfg.h"
#include "base/err.h"
#include "io/http.h"

/*
 * Telegram Bot API client (docs/amocrm.md section 5), over
 * struct http. The token lives in the URL path; it never reaches a log
 * line or a reason (logged URLs show "/bot" followed by "***").
 * Build message text with text_html_escape() from text.h.
 */

#define TG_TEXT_MAX 4096 /* UTF-16 code units Telegram accepts */
#define TG_REASON_LEN 256

struct tg {
	struct http *http;   /* borrowed, outlives this client */
	char *base;          /* "https://api.telegram.org", no '/' */
	char *token;         /* bot token; a secret */
	char *chat_id;       /* default chat, TELEGRAM_CHAT_ID; may be "" */
	long health_timeout; /* seconds, tg_get_me() */
	long send_timeout;   /* seconds, tg_send_message() */
	/*
	 * sendMessage requests per second for the whole host (limiter key
	 * "telegram", TELEGRAM_RATE_LIMIT); 0 = no limit. The limit per
	 * chat is the caller's (sales/jobs.c keeps it in the database).
	 */
	int rate;
};

struct tg_result {
	long long message_id;       /* of the sent message, 0 when none */
	long long migrated_to;      /* the chat's new id when it became a
	                         * supergroup (the send was retried there);
	                         * the caller should remember it; else 0 */
	long retry_after;           /* seconds, set with ERR_RATE */
	long http_status;           /* last HTTP status, 0 when none */
	long error_code;            /* Telegram's error_code, 0 when none */
	int truncated;              /* the text was cut to fit TG_TEXT_MAX */
	char reason[TG_REASON_LEN]; /* "" on success; never the token */
};

/*
 * Sets up a client: base TELEGRAM_API_URL, token TELEGRAM_BOT_TOKEN,
 * default chat TELEGRAM_CHAT_ID, timeouts AMOSYNC_HEALTH_TIMEOUT (getMe)
 * and AMOSYNC_SYNC_TIMEOUT (sends). h is borrowed. Returns ERR_OK,
 * ERR_CONFIG (no token, bad URL; res->reason says which, res may be
 * NULL) or ERR_NOMEM. Free with tg_free() in every case.
 */
enum err tg_init(struct tg *t, struct http *h, const struct cfg *c,
    struct tg_result *res);
void tg_free(struct tg *t);

/*
 * Sends html (Telegram HTML, already escaped) to chat_id (an integer such
 * as "-1001234567890" or "@channel"; NULL = the default chat) with
 * parse_mode HTML and link previews off. Text over TG_TEXT_MAX is cut
 * with tg_text_fit(). res may be NULL. Returns:
 *   ERR_OK       sent; res->message_id set
 *   ERR_RATE     429; wait res->retry_after seconds before any retry
 *   ERR_PERM     403 (bot kicked or blocked), 400 (chat not found, bad
 *                HTML, ...): retrying will not help
 *   ERR_AUTH     401/404: the bot token is wrong
 *   ERR_HTTP     5xx, network error, malformed answer: retry later
 *   ERR_TIMEOUT  no answer in time: retry later (it may have been sent)
 *   ERR_CONFIG   no chat id, bad chat id, rate limit file unusable
 *   ERR_INPUT    empty text
 *   ERR_NOMEM
 * A 400 carrying migrate_to_chat_id is retried once, at once, with the
 * new id, which is reported in res->migrated_to whatever the outcome.
 */
enum err tg_send_message(struct tg *t, const char *chat_id, const char *html,
    struct tg_result *res);

/*
 * getMe, the health check. On success *username (if not NULL) is a new
 * string, the bot's username, for the caller to free. Errors as above.
 */
enum err tg_get_me(struct tg *t, char **username, struct tg_result *res);

/*
 * getChat: whether the bot can see chat_id (it is a member of the group
 * or channel, so it can post there). Errors as tg_send_message(): a chat
 * the bot left or never joined is ERR_PERM with res->reason.
 */
enum err tg_get_chat(struct tg *t, const char *chat_id, struct tg_result *res);

/* Returns the length of s in UTF-16 code units (invalid bytes count 1). */
size_t tg_text_units(const char *s);

/*
 * Returns a new string (caller frees; NULL on OOM): html itself when it
 * is at most max UTF-16 units, else a prefix of it cut on a line break if
 * one is in the second half, else between characters, never inside a
 * UTF-8 sequence, an entity (&amp;) or a tag, followed by "…" and the
 * closing tags of the elements left open, at most max units in all. Tags
 * and entities are counted as written, which overestimates what Telegram
 * counts, so the result is always accepted.
 */
char *tg_text_fit(const char *html, size_t max);

/*
 * Reads a sendMessage answer (HTTP status, Retry-After seconds or -1, the
 * body) as tg_send_message() does, without HTTP: for the fuzz target
 * (tests/fuzz/tgapi_fuzz.c) and tests. res gets message_id, retry_after,
 * error_code, migrated_to and the reason; the return values are those
 * of tg_send_message().
 */
enum err tg_answer_parse(long status, long retry_after, const char *body,
    size_t n, struct tg_result *res);

#endif
