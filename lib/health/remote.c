/*
 * The checks of the services outside: amoCRM (the account, the token's
 * expiry, our webhooks) and Telegram (the bot, each chat a sale or an
 * alert goes to). The team chats are read from traffic_teams with its
 * own SQL: its writer is an HTTP handler (api/traffic_teams.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "health/checks.h"

const struct health_hook health_hooks[HEALTH_HOOKS] = {
	{ "funnel-sale", "/api/amocrm/funnel-sale", "/webhook/amocrm/traffic" },
	{ "sales-webhook", "/api/amocrm/sales-webhook", NULL },
};

static const char SQL_CHATS[] =
    "SELECT name, telegram_chat_id FROM traffic_teams WHERE is_active AND"
    " coalesce(telegram_chat_id, '') <> '' ORDER BY position, name";

/* The path of a URL without its origin and query. */
static void
url_path(const char *url, char *out, size_t n)
{
	const char *p = url, *q;
	size_t len;

	if ((q = strstr(url, "://")) != NULL)
		p = strchr(q + 3, '/');
	if (p == NULL)
		p = "/";
	len = strcspn(p, "?#");
	if (len >= n)
		len = n - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	/* A trailing slash names the same location. */
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
}

/*
 * Writes a webhook's URL as "url" without its query: a webhook secret
 * lives there (R24), and this answer goes to dashboards.
 */
static void
url_write(struct jw *w, const char *url)
{
	size_t n = strcspn(url, "?#");
	struct buf b;

	buf_init(&b);
	buf_add(&b, url, n);
	if (url[n] != '\0')
		buf_adds(&b, "?***");
	jw_str(w, "url", buf_err(&b) == ERR_OK ? buf_str(&b) : NULL);
	buf_free(&b);
}

/* Finds one path in amoCRM's list: NULL when it is not registered. */
static const struct amocrm_webhook *
find_path(const struct amocrm_webhooks *hs, const char *public_url,
    const char *path)
{
	char p[512];
	size_t i, n = strlen(public_url);

	while (n > 0 && public_url[n - 1] == '/')
		n--;
	for (i = 0; i < hs->n; i++) {
		if (hs->v[i].destination == NULL)
			continue;
		if (n > 0 && strncmp(hs->v[i].destination, public_url, n) != 0)
			continue;
		url_path(hs->v[i].destination, p, sizeof(p));
		if (strcmp(p, path) == 0)
			return &hs->v[i];
	}
	return NULL;
}

const struct amocrm_webhook *
health_hook_find(const struct amocrm_webhooks *hs, const char *public_url,
    const struct health_hook *k)
{
	const struct amocrm_webhook *h;

	if ((h = find_path(hs, public_url, k->path)) == NULL && k->alt != NULL)
		h = find_path(hs, public_url, k->alt);
	return h;
}

/* The message and status of an amoCRM failure. */
static enum health_status
amo_failure(struct health_env *e, enum err rc, const struct amocrm_status *st,
    char *msg, size_t n)
{
	switch (rc) {
	case ERR_AUTH:
		snprintf(msg, n,
		    "Токен amoCRM недействителен или истёк (401): выпустите "
		    "новый долгосрочный токен / amoCRM rejected the access "
		    "token (expired or revoked)");
		return HEALTH_OFFLINE;
	case ERR_PERM:
		if (st->http_status == 402)
			snprintf(msg, n,
			    "Подписка amoCRM закончилась (402 Payment "
			    "Required) / the amoCRM subscription has ended");
		else if (st->http_status == 403)
			snprintf(msg, n,
			    "amoCRM запретил доступ (403): IP сервера не в "
			    "белом списке аккаунта или API заблокирован / "
			    "IP not whitelisted or API banned");
		else
			snprintf(msg, n,
			    "amoCRM отказал в доступе (HTTP %ld) / amoCRM "
			    "refused the request",
			    st->http_status);
		return st->http_status == 403 ? HEALTH_OFFLINE : HEALTH_ERROR;
	case ERR_TIMEOUT:
		snprintf(msg, n,
		    "amoCRM не ответил за %ld с / amoCRM did not answer in "
		    "time (timeout)",
		    e->amo.health_timeout);
		return HEALTH_ERROR;
	case ERR_RATE:
		snprintf(msg, n,
		    "amoCRM ограничил частоту запросов (429) / amoCRM rate "
		    "limit hit");
		return HEALTH_ERROR;
	default:
		if (st->http_status >= 500)
			snprintf(msg, n,
			    "Ошибка сервера amoCRM (HTTP %ld) / amoCRM server "
			    "error",
			    st->http_status);
		else if (st->http_status == 0)
			snprintf(msg, n,
			    "amoCRM недоступен: ошибка DNS или соединения / "
			    "amoCRM could not be reached (DNS or connection "
			    "failure)");
		else
			snprintf(msg, n,
			    "amoCRM ответил неожиданно (HTTP %ld) / unexpected "
			    "answer",
			    st->http_status);
		return st->http_status == 0 ? HEALTH_OFFLINE : HEALTH_ERROR;
	}
}

/* The access token's expiry, from its JWT's exp claim. */
struct token_info {
	long long exp; /* 0: unknown */
	long long days_left;
	char at[32];
};

/* Reads the expiry, flags HA_TOKEN and writes a note for the message. */
static void
token_eval(struct health_env *e, struct health_report *r, struct token_info *t,
    char *note, size_t n)
{
	long long now = (long long)time(NULL);

	memset(t, 0, sizeof(*t));
	note[0] = '\0';
	if ((t->exp = amocrm_token_expiry(e->amo.token)) == 0) {
		check_flag(r, HA_TOKEN, 0, "token expiry unknown");
		return;
	}
	check_iso(t->at, sizeof(t->at), (time_t)t->exp);
	t->days_left = t->exp >= now ? (t->exp - now) / 86400
	                             : -1 - (now - t->exp) / 86400;
	if (t->days_left < HEALTH_TOKEN_WARN_DAYS)
		snprintf(note, n,
		    "; внимание: токен истекает через %lld дн. (%s) / token "
		    "expires in %lld days",
		    t->days_left, t->at, t->days_left);
	check_flag(r, HA_TOKEN, t->days_left < HEALTH_TOKEN_ALERT_DAYS,
	    "Токен amoCRM истекает через %lld дн. (%s): выпустите новый "
	    "долгосрочный токен / the amoCRM token expires in %lld days",
	    t->days_left, t->at, t->days_left);
}

static void
token_write(struct jw *w, const struct token_info *t)
{
	jw_obj(w, "token");
	if (t->exp == 0) {
		jw_null(w, "expires_at");
		jw_null(w, "days_left");
		jw_bool(w, "warning", 0);
	} else {
		jw_str(w, "expires_at", t->at);
		jw_int(w, "days_left", t->days_left);
		jw_bool(w, "warning", t->days_left < HEALTH_TOKEN_WARN_DAYS);
	}
	jw_obj_end(w);
}

enum health_status
health_amocrm(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	const char *pub = cfg_str(&e->app->cfg, CFG_PUBLIC_URL);
	const struct amocrm_webhook *h;
	struct amocrm_webhooks hs = { 0 };
	struct amocrm_account acct;
	struct amocrm_status st, wst;
	struct token_info ti;
	enum health_status s = HEALTH_ONLINE;
	char msg[900], note[200], disabled[200] = "";
	enum err rc, wrc;
	size_t i, nreg = 0;

	if (!e->has_amo) {
		snprintf(msg, sizeof(msg),
		    "Токен amoCRM не настроен / amoCRM is not configured: %s",
		    e->amo_reason);
		check_open(w, key, "amoCRM API", HEALTH_ERROR, msg);
		jw_obj(w, "details");
		jw_str(w, "reason", e->amo_reason);
		jw_obj_end(w);
		check_flag(r, HA_AMOCRM, 1, "%s", msg);
		return check_close(w, HEALTH_ERROR, r);
	}
	token_eval(e, r, &ti, note, sizeof(note));
	rc = amocrm_account_check(&e->amo, &acct, &st);
	if (rc != ERR_OK) {
		s = amo_failure(e, rc, &st, msg, sizeof(msg));
		check_flag(r, HA_AMOCRM, 1, "%s", msg);
		strncat(msg, note, sizeof(msg) - strlen(msg) - 1);
		check_open(w, key, "amoCRM API", s, msg);
		jw_obj(w, "details");
		jw_null(w, "account_name");
		jw_null(w, "account_id");
		jw_null(w, "subdomain");
		if (st.http_status > 0)
			jw_int(w, "http_status", st.http_status);
		else
			jw_null(w, "http_status");
		jw_str(w, "reason", st.reason);
		token_write(w, &ti);
		jw_null(w, "webhooks");
		jw_obj_end(w);
		return check_close(w, s, r);
	}
	check_flag(r, HA_AMOCRM, 0, "amoCRM доступен / amoCRM is reachable");
	wrc = amocrm_webhooks_list(&e->amo, &hs, &wst);
	for (i = 0; wrc == ERR_OK && i < HEALTH_HOOKS; i++) {
		if ((h = health_hook_find(&hs, pub, &health_hooks[i])) == NULL)
			continue;
		nreg++;
		if (h->disabled && disabled[0] == '\0')
			snprintf(disabled, sizeof(disabled), "%s",
			    health_hooks[i].path);
	}
	if (wrc != ERR_OK) {
		snprintf(msg, sizeof(msg),
		    "amoCRM доступен, аккаунт %s; список вебхуков не получен "
		    "/ webhooks could not be listed: %s",
		    acct.subdomain ? acct.subdomain : "?", wst.reason);
		/* Unknown is neither failing nor recovered: not flagged. */
	} else if (disabled[0] != '\0') {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "amoCRM отключил вебхук %s (больше 100 ошибок за 2 часа): "
		    "включите его в настройках amoCRM / amoCRM disabled the "
		    "webhook; re-enable it in the account's settings",
		    disabled);
		check_flag(r, HA_WEBHOOK, 1, "%s", msg);
	} else if (nreg == 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Ни один вебхук amosync не зарегистрирован в amoCRM: "
		    "amosync-ctl amocrm setup или кнопка «Настроить amoCRM» "
		    "/ no amosync webhook is registered in amoCRM");
		check_flag(r, HA_WEBHOOK, 0, "no webhook registered");
	} else {
		snprintf(msg, sizeof(msg),
		    "amoCRM доступен, аккаунт %s / amoCRM is reachable",
		    acct.subdomain ? acct.subdomain : "?");
		check_flag(r, HA_WEBHOOK, 0, "webhooks enabled");
	}
	strncat(msg, note, sizeof(msg) - strlen(msg) - 1);
	check_open(w, key, "amoCRM API", s, msg);
	jw_obj(w, "details");
	jw_str(w, "account_name", acct.name);
	jw_int(w, "account_id", acct.id);
	jw_str(w, "subdomain", acct.subdomain);
	token_write(w, &ti);
	if (wrc != ERR_OK) {
		jw_null(w, "webhooks");
		jw_str(w, "webhooks_error", wst.reason);
	} else {
		jw_arr(w, "webhooks");
		/* Each of our webhooks once, under the URL it has. */
		for (i = 0; i < HEALTH_HOOKS; i++) {
			h = health_hook_find(&hs, pub, &health_hooks[i]);
			jw_obj(w, NULL);
			jw_str(w, "endpoint", health_hooks[i].endpoint);
			url_write(w,
			    h != NULL ? h->destination : health_hooks[i].path);
			jw_bool(w, "registered", h != NULL);
			jw_bool(w, "disabled", h != NULL && h->disabled);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	amocrm_webhooks_free(&hs);
	amocrm_account_free(&acct);
	return check_close(w, s, r);
}

enum health_status
health_telegram(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	const char *alert = cfg_str(&e->app->cfg, CFG_TELEGRAM_ALERT_CHAT_ID);
	struct tg_result tr;
	struct buf b = { 0 };
	struct jw cw;
	PGresult *res = NULL;
	enum health_status s = HEALTH_ONLINE;
	char *bot = NULL, msg[400];
	enum err rc;
	int i, bad = 0, n = 0;

	if (!e->has_tg) {
		snprintf(msg, sizeof(msg),
		    "Telegram не настроен / Telegram is not configured: %s",
		    e->tg_reason);
		check_open(w, key, "Telegram Bot API", HEALTH_ERROR, msg);
		jw_obj(w, "details");
		jw_null(w, "bot");
		jw_arr(w, "chats");
		jw_arr_end(w);
		jw_obj_end(w);
		return check_close(w, HEALTH_ERROR, r);
	}
	if ((rc = tg_get_me(&e->tg, &bot, &tr)) != ERR_OK) {
		snprintf(msg, sizeof(msg), "%s / %s",
		    rc == ERR_AUTH ? "Токен бота Telegram недействителен"
		        : rc == ERR_TIMEOUT ? "Telegram не ответил вовремя"
		                            : "Telegram недоступен",
		    tr.reason);
		check_open(w, key, "Telegram Bot API",
		    rc == ERR_AUTH ? HEALTH_OFFLINE : HEALTH_ERROR, msg);
		jw_obj(w, "details");
		jw_null(w, "bot");
		jw_arr(w, "chats");
		jw_arr_end(w);
		jw_obj_end(w);
		return check_close(w,
		    rc == ERR_AUTH ? HEALTH_OFFLINE : HEALTH_ERROR, r);
	}
	jw_init(&cw, &b);
	jw_arr(&cw, NULL);
	/* The chats sales go to: the default, each team's, the alert one. */
	{
		const char *fixed[2][2] = {
			{ cfg_str(&e->app->cfg, CFG_TELEGRAM_CHAT_ID), NULL },
			{ alert, "alerts" },
		};

		for (i = 0; i < 2; i++) {
			if (*fixed[i][0] == '\0')
				continue;
			rc = tg_get_chat(&e->tg, fixed[i][0], &tr);
			n++;
			bad += rc != ERR_OK;
			jw_obj(&cw, NULL);
			jw_str(&cw, "chat_id", fixed[i][0]);
			jw_str(&cw, "team", fixed[i][1]);
			jw_bool(&cw, "ok", rc == ERR_OK);
			jw_str(&cw, "message", rc == ERR_OK ? "OK" : tr.reason);
			jw_obj_end(&cw);
		}
	}
	if (e->app->has_traffic &&
	    (res = db_exec(&e->app->traffic, SQL_CHATS, 0, NULL, &rc)) !=
	        NULL) {
		for (i = 0; i < PQntuples(res); i++) {
			rc = tg_get_chat(&e->tg, db_val(res, i, 1), &tr);
			n++;
			bad += rc != ERR_OK;
			jw_obj(&cw, NULL);
			jw_str(&cw, "chat_id", db_val(res, i, 1));
			jw_str(&cw, "team", db_val(res, i, 0));
			jw_bool(&cw, "ok", rc == ERR_OK);
			jw_str(&cw, "message", rc == ERR_OK ? "OK" : tr.reason);
			jw_obj_end(&cw);
		}
		PQclear(res);
	}
	jw_arr_end(&cw);
	if (bad > 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Бот @%s не может писать в %d из %d чатов / the bot cannot "
		    "post to %d of %d chats",
		    bot ? bot : "?", bad, n, bad, n);
	} else {
		snprintf(msg, sizeof(msg),
		    "Бот @%s работает, чатов: %d / the bot is up",
		    bot ? bot : "?", n);
	}
	check_open(w, key, "Telegram Bot API", s, msg);
	jw_obj(w, "details");
	jw_str(w, "bot", bot);
	jw_raw(w, "chats", buf_err(&b) == ERR_OK ? buf_str(&b) : "[]");
	jw_obj_end(w);
	free(bot);
	buf_free(&b);
	return check_close(w, s, r);
}
