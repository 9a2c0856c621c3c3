#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jw.h"
#include "base/log.h"
#include "base/text.h"
#include "telegram/api.h"

#define DESC_MAX 160
#define TAG_DEPTH 32
#define TAG_NAME 16
/* "…" (U+2026): three bytes, one UTF-16 unit. */
#define ELLIPSIS "\xe2\x80\xa6"

static void __attribute__((format(printf, 3, 4)))
result_set(struct tg_result *res, const char *token, const char *fmt, ...)
{
	va_list ap;

	if (res == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	http_scrub(res->reason, token);
}

enum err
tg_init(struct tg *t, struct http *h, const struct cfg *c,
    struct tg_result *res)
{
	const char *base = cfg_str(c, CFG_TELEGRAM_API_URL);
	const char *tok = cfg_str(c, CFG_TELEGRAM_BOT_TOKEN);
	struct tg_result dummy;
	enum err rc = ERR_CONFIG;
	size_t i, n;

	if (res == NULL)
		res = &dummy;
	memset(t, 0, sizeof(*t));
	memset(res, 0, sizeof(*res));
	t->http = h;
	if (*base == '\0')
		base = "https://api.telegram.org";
	if (*tok == '\0') {
		result_set(res, NULL, "TELEGRAM_BOT_TOKEN is not set");
		goto out;
	}
	/* The token goes into the URL path: allow only what BotFather makes. */
	for (i = 0; tok[i] != '\0'; i++)
		if (!isalnum((unsigned char)tok[i]) && tok[i] != ':' &&
		    tok[i] != '_' && tok[i] != '-')
			break;
	if (tok[i] != '\0') {
		result_set(res, NULL,
		    "TELEGRAM_BOT_TOKEN has characters a bot "
		    "token never has");
		goto out;
	}
	if (strncmp(base, "https://", 8) != 0 &&
	    strncmp(base, "http://", 7) != 0) {
		result_set(res, NULL,
		    "TELEGRAM_API_URL must start with "
		    "https:// or http://");
		goto out;
	}
	rc = ERR_NOMEM;
	if ((t->base = strdup(base)) == NULL ||
	    (t->token = strdup(tok)) == NULL ||
	    (t->chat_id = strdup(cfg_str(c, CFG_TELEGRAM_CHAT_ID))) == NULL) {
		result_set(res, NULL, "out of memory");
		goto out;
	}
	n = strlen(t->base);
	while (n > 0 && t->base[n - 1] == '/')
		t->base[--n] = '\0';
	t->health_timeout = (long)cfg_int(c, CFG_HEALTH_TIMEOUT);
	t->send_timeout = (long)cfg_int(c, CFG_SYNC_TIMEOUT);
	t->rate = (int)cfg_int(c, CFG_TELEGRAM_RATE_LIMIT);
	rc = ERR_OK;
out:
	if (rc == ERR_CONFIG)
		log_warnx("could not set up the Telegram client: %s",
		    res->reason);
	return rc;
}

void
tg_free(struct tg *t)
{
	if (t == NULL)
		return;
	if (t->token != NULL)
		explicit_bzero(t->token, strlen(t->token));
	free(t->token);
	free(t->base);
	free(t->chat_id);
	memset(t, 0, sizeof(*t));
}

/* Length of the valid UTF-8 sequence at s (NUL-terminated), 0 if none. */
static size_t
u8len(const char *s)
{
	unsigned long cp;

	return text_utf8_dec(s, strnlen(s, 4), &cp);
}

/* UTF-16 units of the n bytes at s. */
static size_t
units(const char *s, size_t n)
{
	unsigned long cp;
	size_t i = 0, u = 0, k;

	while (i < n) {
		k = text_utf8_dec(s + i, n - i, &cp);
		if (k == 0)
			k = 1;
		u += k == 4 ? 2 : 1;
		i += k;
	}
	return u;
}

size_t
tg_text_units(const char *s)
{
	return units(s, strlen(s));
}

enum tok { TOK_TEXT, TOK_OPEN, TOK_CLOSE };

/*
 * Returns the kind of the token at s[i] and its end in *end: a whole tag
 * "<...>", an entity "&name;" or "&#123;", or one character (an invalid
 * byte alone). A '<' or '&' that starts no such thing is a character.
 */
static enum tok
token(const char *s, size_t i, size_t *end)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *gt;
	size_t k;

	if (s[i] == '<' && (gt = strchr(s + i, '>')) != NULL) {
		*end = (size_t)(gt - s) + 1;
		if (s[i + 1] == '/')
			return TOK_CLOSE;
		return gt[-1] == '/' ? TOK_TEXT : TOK_OPEN;
	}
	if (s[i] == '&') {
		for (k = i + 1; k < i + 12 && (isalnum(p[k]) || p[k] == '#');
		     k++)
			;
		if (k > i + 1 && s[k] == ';') {
			*end = k + 1;
			return TOK_TEXT;
		}
	}
	k = u8len(s + i);
	*end = i + (k > 0 ? k : 1);
	return TOK_TEXT;
}

/* The open elements at some point of the text, innermost last. */
struct tags {
	char name[TAG_DEPTH][TAG_NAME];
	int n;
	size_t closers; /* units of "</name>" for all of them */
};

/* Updates tags with the tag s[i..end). */
static void
tags_step(struct tags *t, const char *s, size_t i, size_t end, enum tok k)
{
	char name[TAG_NAME];
	size_t j = i + (k == TOK_CLOSE ? 2 : 1), n = 0;
	int d;

	while (j < end && n < TAG_NAME - 1 &&
	    (isalnum((unsigned char)s[j]) || s[j] == '-'))
		name[n++] = (char)tolower((unsigned char)s[j++]);
	name[n] = '\0';
	if (n == 0)
		return;
	if (k == TOK_OPEN) {
		/* Deeper than any real message: its closer is lost. */
		if (t->n == TAG_DEPTH)
			return;
		memcpy(t->name[t->n++], name, n + 1);
		t->closers += n + 3;
		return;
	}
	for (d = t->n - 1; d >= 0; d--)
		if (strcmp(t->name[d], name) == 0)
			break;
	while (d >= 0 && t->n > d) {
		t->n--;
		t->closers -= strlen(t->name[t->n]) + 3;
	}
}

char *
tg_text_fit(const char *html, size_t max)
{
	struct tags t = { 0 };
	struct buf b = { 0 };
	size_t i = 0, end, u = 0, cut = 0, cut_u = 0, nl = 0, nl_u = 0;
	size_t ell = units(ELLIPSIS, strlen(ELLIPSIS));
	enum tok k;
	int d;

	if (tg_text_units(html) <= max)
		return strdup(html);
	/* Find the last point where prefix + "…" + closers still fit. */
	while (html[i] != '\0') {
		if (u + ell + t.closers <= max) {
			cut = i, cut_u = u;
			if (i > 0 && html[i - 1] == '\n')
				nl = i, nl_u = u;
		}
		if (u > max)
			break;
		k = token(html, i, &end);
		u += units(html + i, end - i);
		if (k != TOK_TEXT)
			tags_step(&t, html, i, end, k);
		i = end;
	}
	if (nl > 0 && nl_u >= cut_u / 2)
		cut = nl;
	/* Walk again to the cut to know which elements are open there. */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < cut; i = end) {
		k = token(html, i, &end);
		if (k != TOK_TEXT)
			tags_step(&t, html, i, end, k);
	}
	buf_add(&b, html, cut);
	buf_adds(&b, ELLIPSIS);
	for (d = t.n - 1; d >= 0; d--)
		buf_printf(&b, "</%s>", t.name[d]);
	return buf_take(&b);
}

/* Is chat a valid chat_id: a (negative) integer or "@username"? */
static int
chat_kind(const char *chat)
{
	size_t i = chat[0] == '-' ? 1 : 0;

	if (chat[0] == '@') {
		for (i = 1; chat[i] != '\0'; i++)
			if (!isalnum((unsigned char)chat[i]) && chat[i] != '_')
				return 0;
		return i > 1 ? 2 : 0;
	}
	if (chat[i] == '\0' || strlen(chat + i) > 18)
		return 0;
	for (; chat[i] != '\0'; i++)
		if (!isdigit((unsigned char)chat[i]))
			return 0;
	return 1;
}

/*
 * Reads Telegram's envelope in the answer r. Returns ERR_OK with *result
 * the envelope's result (borrowed from *root, which the caller puts), or
 * an error with res filled; *migrate is set to a 400's
 * migrate_to_chat_id, else 0. token is hidden from every reason.
 */
static enum err
answer(const char *token, const struct http_resp *r, struct json_object **root,
    struct json_object **result, long long *migrate, struct tg_result *res)
{
	struct json_object *params;
	const char *desc;
	char d[DESC_MAX + 1] = "";
	enum err rc;
	long code;

	*result = NULL;
	*migrate = 0;
	res->http_status = r->status;
	*root = http_json(r);
	if (*root != NULL && json_object_get_boolean(http_jget(*root, "ok")) &&
	    r->status == 200) {
		*result = http_jget(*root, "result");
		return ERR_OK;
	}
	code = (long)json_object_get_int64(http_jget(*root, "error_code"));
	if (code == 0)
		code = r->status;
	res->error_code = code;
	if ((desc = json_object_get_string(http_jget(*root, "description"))) !=
	    NULL) {
		size_t n;

		snprintf(d, sizeof(d), "%s", desc);
		for (n = 0; d[n] != '\0'; n++)
			if ((unsigned char)d[n] < 0x20)
				d[n] = ' ';
	}
	params = http_jget(*root, "parameters");
	if (code == 429) {
		res->retry_after = (long)json_object_get_int64(
		    http_jget(params, "retry_after"));
		if (res->retry_after <= 0)
			res->retry_after = r->retry_after > 0 ? r->retry_after
			                                      : 1;
		rc = ERR_RATE;
		result_set(res, token,
		    "Telegram flood control: retry after "
		    "%ld s (%s)",
		    res->retry_after, d[0] ? d : "429");
	} else if (code == 401 || code == 404) {
		rc = ERR_AUTH;
		result_set(res, token,
		    "Telegram rejected the bot token "
		    "(%ld %s)",
		    code, d[0] ? d : "no description");
	} else if (code == 403) {
		rc = ERR_PERM;
		result_set(res, token,
		    "Telegram refused the message: the "
		    "bot was kicked from the chat or blocked (%s)",
		    d[0] ? d : "403 Forbidden");
	} else if (code >= 400 && code < 500) {
		*migrate = (long long)json_object_get_int64(
		    http_jget(params, "migrate_to_chat_id"));
		rc = ERR_PERM;
		result_set(res, token, "Telegram refused the request (%ld %s)",
		    code, d[0] ? d : "no description");
	} else {
		rc = ERR_HTTP;
		if (*root == NULL)
			result_set(res, token,
			    "Telegram gave an unexpected "
			    "answer (HTTP %ld, not JSON)",
			    r->status);
		else
			result_set(res, token,
			    "Telegram server error (HTTP "
			    "%ld %s)",
			    r->status, d[0] ? d : "no description");
	}
	return rc;
}

/*
 * Calls method with the JSON body (NULL: a GET) and reads the envelope
 * (answer()).
 */
static enum err
call(struct tg *t, const char *method, const char *body, long timeout,
    struct json_object **root, struct json_object **result, long long *migrate,
    struct tg_result *res)
{
	struct http_opts o = { 0 };
	struct http_resp r;
	struct buf url = { 0 };
	enum err rc = ERR_NOMEM;

	*root = *result = NULL;
	*migrate = 0;
	http_resp_init(&r);
	buf_printf(&url, "%s/bot%s/%s", t->base, t->token, method);
	if (buf_err(&url) != ERR_OK) {
		result_set(res, NULL, "out of memory");
		goto out;
	}
	o.timeout = timeout;
	o.secret = t->token;
	o.metric = "telegram";
	if (body != NULL && t->rate > 0) {
		o.rate_key = "telegram";
		o.rate = t->rate;
	}
	if (body != NULL)
		rc = http_post_json(t->http, &o, buf_str(&url), body,
		    strlen(body), &r);
	else
		rc = http_get(t->http, &o, buf_str(&url), &r);
	if (rc != ERR_OK) {
		result_set(res, t->token, "%s: %s",
		    rc == ERR_TIMEOUT ? "Telegram did not answer in time"
		                      : "Telegram could not be reached",
		    r.err);
		goto out;
	}
	rc = answer(t->token, &r, root, result, migrate, res);
out:
	http_resp_free(&r);
	/* The URL holds the token. */
	if (url.data != NULL)
		explicit_bzero(url.data, url.len);
	buf_free(&url);
	return rc;
}

enum err
tg_answer_parse(long status, long retry_after, const char *body, size_t n,
    struct tg_result *res)
{
	struct json_object *root = NULL, *result;
	struct http_resp r;
	long long migrate;
	enum err rc;

	memset(res, 0, sizeof(*res));
	http_resp_init(&r);
	r.status = status;
	r.retry_after = retry_after;
	buf_add(&r.body, body, n);
	if ((rc = buf_err(&r.body)) == ERR_OK) {
		rc = answer(NULL, &r, &root, &result, &migrate, res);
		res->migrated_to = migrate;
		if (rc == ERR_OK)
			res->message_id = (long long)json_object_get_int64(
			    http_jget(result, "message_id"));
	}
	json_object_put(root);
	http_resp_free(&r);
	return rc;
}

/* Builds the sendMessage body into b. */
static void
send_body(struct buf *b, const char *chat, const char *text)
{
	struct jw w;

	jw_init(&w, b);
	jw_obj(&w, NULL);
	if (chat_kind(chat) == 1)
		jw_raw(&w, "chat_id", chat);
	else
		jw_str(&w, "chat_id", chat);
	jw_str(&w, "text", text);
	jw_str(&w, "parse_mode", "HTML");
	jw_obj(&w, "link_preview_options");
	jw_bool(&w, "is_disabled", 1);
	jw_obj_end(&w);
	jw_obj_end(&w);
}

enum err
tg_send_message(struct tg *t, const char *chat_id, const char *html,
    struct tg_result *res)
{
	struct json_object *root = NULL, *result;
	struct buf body = { 0 };
	struct tg_result dummy;
	char chat[32], *text = NULL;
	long long migrate;
	enum err rc = ERR_CONFIG;
	int attempt;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (chat_id == NULL)
		chat_id = t->chat_id;
	if (chat_id == NULL || *chat_id == '\0') {
		result_set(res, NULL, "no Telegram chat id (TELEGRAM_CHAT_ID)");
		goto out;
	}
	if (!chat_kind(chat_id) || strlen(chat_id) >= sizeof(chat)) {
		result_set(res, NULL,
		    "Telegram chat id must be an integer or "
		    "@channel");
		goto out;
	}
	snprintf(chat, sizeof(chat), "%s", chat_id);
	if (html == NULL || *html == '\0') {
		rc = ERR_INPUT;
		result_set(res, NULL, "empty Telegram message");
		goto out;
	}
	if ((text = tg_text_fit(html, TG_TEXT_MAX)) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	if (strcmp(text, html) != 0) {
		res->truncated = 1;
		log_info("Telegram message of %zu units cut to %zu",
		    tg_text_units(html), tg_text_units(text));
	}
	for (attempt = 0; attempt < 2; attempt++) {
		buf_reset(&body);
		send_body(&body, chat, text);
		if (buf_err(&body) != ERR_OK) {
			rc = ERR_NOMEM;
			goto out;
		}
		json_object_put(root);
		rc = call(t, "sendMessage", buf_str(&body), t->send_timeout,
		    &root, &result, &migrate, res);
		if (rc == ERR_OK) {
			res->message_id = (long long)json_object_get_int64(
			    http_jget(result, "message_id"));
			res->reason[0] = '\0';
			goto out;
		}
		/* The group became a supergroup: once more, at its new id. */
		if (migrate == 0 || attempt > 0)
			break;
		res->migrated_to = migrate;
		log_info("Telegram chat %s moved to %lld; resending there",
		    chat, migrate);
		snprintf(chat, sizeof(chat), "%lld", migrate);
	}
	log_warnx("could not send Telegram message to %s: %s", chat,
	    res->reason);
out:
	if (rc == ERR_NOMEM)
		result_set(res, NULL, "out of memory");
	json_object_put(root);
	buf_free(&body);
	free(text);
	return rc;
}

enum err
tg_get_me(struct tg *t, char **username, struct tg_result *res)
{
	struct json_object *root = NULL, *result;
	const char *u;
	struct tg_result dummy;
	long long migrate;
	enum err rc;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (username != NULL)
		*username = NULL;
	rc = call(t, "getMe", NULL, t->health_timeout, &root, &result, &migrate,
	    res);
	if (rc != ERR_OK) {
		log_warnx("could not check the Telegram bot: %s", res->reason);
		goto out;
	}
	if (!json_object_is_type(result, json_type_object)) {
		rc = ERR_HTTP;
		result_set(res, NULL, "Telegram getMe returned no user");
		goto out;
	}
	if (username != NULL &&
	    (u = json_object_get_string(http_jget(result, "username"))) !=
	        NULL &&
	    (*username = strdup(u)) == NULL) {
		rc = ERR_NOMEM;
		result_set(res, NULL, "out of memory");
	}
out:
	json_object_put(root);
	return rc;
}

enum err
tg_get_chat(struct tg *t, const char *chat_id, struct tg_result *res)
{
	struct json_object *root = NULL, *result;
	struct tg_result dummy;
	struct buf m = { 0 };
	long long migrate;
	enum err rc;

	if (res == NULL)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (chat_id == NULL || *chat_id == '\0') {
		result_set(res, NULL, "no chat id");
		return ERR_CONFIG;
	}
	buf_adds(&m, "getChat?chat_id=");
	http_query_escape(&m, chat_id);
	if (buf_err(&m) != ERR_OK) {
		result_set(res, NULL, "out of memory");
		return ERR_NOMEM;
	}
	rc = call(t, buf_str(&m), NULL, t->health_timeout, &root, &result,
	    &migrate, res);
	if (rc == ERR_OK && !json_object_is_type(result, json_type_object)) {
		rc = ERR_HTTP;
		result_set(res, NULL, "Telegram getChat returned no chat");
	}
	if (rc != ERR_OK)
		log_warnx("could not check Telegram chat %s: %s", chat_id,
		    res->reason);
	json_object_put(root);
	buf_free(&m);
	return rc;
}
