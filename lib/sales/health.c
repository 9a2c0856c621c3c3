#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "io/spool.h"
#include "sales/health.h"

const char *const health_alert_keys[HA__MAX] = {
	"amocrm",      /* HA_AMOCRM */
	"webhook",     /* HA_WEBHOOK */
	"token",       /* HA_TOKEN */
	"db_traffic",  /* HA_DB_TRAFFIC */
	"db_landing",  /* HA_DB_LANDING */
	"db_tripwire", /* HA_DB_TRIPWIRE */
	"spool",       /* HA_SPOOL */
	"dead",        /* HA_DEAD */
	"worker",      /* HA_WORKER */
};

static const char *const status_names[] = { "online", "offline", "error" };

/* Our webhook URLs, as paths: amoCRM's list is searched for them. */
static const struct {
	const char *endpoint, *path;
} hooks[] = {
	{ "funnel-sale", "/api/amocrm/funnel-sale" },
	{ "funnel-sale", "/webhook/amocrm/traffic" },
	{ "sales-webhook", "/api/amocrm/sales-webhook" },
};

static const char SQL_OUTBOX[] =
    "SELECT count(*) FILTER (WHERE state IN ('pending', 'running')),"
    " coalesce(extract(epoch FROM now() - min(created_at)"
    "  FILTER (WHERE state = 'pending'))::bigint, 0),"
    " count(*) FILTER (WHERE state = 'dead')"
    " FROM outbox_jobs WHERE state <> 'done'";
enum { OB_PENDING, OB_AGE, OB_DEAD };

static const char SQL_LAST_HOOKS[] =
    "SELECT e.endpoint,"
    " (SELECT received_at FROM webhook_requests r WHERE r.endpoint ="
    "  e.endpoint ORDER BY received_at DESC LIMIT 1),"
    " (SELECT error FROM webhook_requests r WHERE r.endpoint = e.endpoint"
    "  AND r.http_status >= 400 ORDER BY received_at DESC LIMIT 1),"
    " (SELECT received_at FROM webhook_requests r WHERE r.endpoint ="
    "  e.endpoint AND r.http_status >= 400 ORDER BY received_at DESC LIMIT 1)"
    " FROM unnest($1::text[]) AS e(endpoint)";
enum { LH_ENDPOINT, LH_RECEIVED, LH_ERROR, LH_ERROR_AT };

static const char SQL_LAST_SYNC[] =
    "SELECT id, trigger, status, started_at, finished_at, matched, updated,"
    " not_synced, error FROM sync_runs ORDER BY started_at DESC LIMIT 1";
enum {
	LS_ID,
	LS_TRIGGER,
	LS_STATUS,
	LS_STARTED,
	LS_FINISHED,
	LS_MATCHED,
	LS_UPDATED,
	LS_NOT_SYNCED,
	LS_ERROR
};

static const char SQL_WORKERS[] =
    "SELECT max(beat_at), extract(epoch FROM now() - max(beat_at))::bigint,"
    " count(*), count(*) FILTER (WHERE beat_at < now() - $1::int *"
    " interval '1 second'),"
    " string_agg(holder, ', ' ORDER BY holder) FILTER (WHERE beat_at <"
    " now() - $1::int * interval '1 second')"
    " FROM worker_heartbeats";
enum { WK_LAST, WK_AGE, WK_COUNT, WK_STALE, WK_STALE_NAMES };

/* A worker that died a day ago is forgotten (its alert then recovers). */
static const char SQL_BEAT[] =
    "WITH gone AS (DELETE FROM worker_heartbeats"
    "  WHERE beat_at < now() - interval '1 day')"
    " INSERT INTO worker_heartbeats (holder, host, pid) VALUES ($1, $2,"
    " $3::int) ON CONFLICT (holder) DO UPDATE SET beat_at = now()";
static const char SQL_UNBEAT[] =
    "DELETE FROM worker_heartbeats WHERE holder = $1";

static const char SQL_MIGRATIONS[] =
    "SELECT count(*), coalesce(array_to_string(array_agg(version), ','),"
    " '') FROM amosync_migrations";

static const char SQL_CHATS[] =
    "SELECT name, telegram_chat_id FROM traffic_teams WHERE is_active AND"
    " coalesce(telegram_chat_id, '') <> '' ORDER BY position, name";

static const char SQL_REQUESTS[] =
    "SELECT id, received_at, endpoint, outcome, error, body_size,"
    " substring(raw_body FROM 1 FOR $3::int),"
    " http_status"
    " FROM webhook_requests WHERE ($1 = '' OR outcome = $1"
    "  OR ($1 = 'rejected' AND http_status >= 400))"
    " ORDER BY received_at DESC, id DESC LIMIT $2::int";
enum {
	RQ_ID,
	RQ_AT,
	RQ_ENDPOINT,
	RQ_OUTCOME,
	RQ_ERROR,
	RQ_SIZE,
	RQ_BODY,
	RQ_STATUS
};

/* The most body bytes a listed request shows. */
#define REQUEST_BODY_MAX 16384

static const char SQL_GAUGE_OUTBOX[] =
    "SELECT kind, state, count(*) FROM outbox_jobs GROUP BY kind, state"
    " ORDER BY kind, state";
static const char SQL_GAUGE_SWEEP[] =
    "SELECT runs, failures, recovered, coalesce(extract(epoch FROM"
    " last_ok_at)::bigint, 0) FROM sweep_state WHERE name = 'amocrm'";
static const char SQL_GAUGE_SYNC[] =
    "SELECT trigger, status, count(*) FROM sync_runs GROUP BY trigger,"
    " status ORDER BY 1, 2";

void
health_report_init(struct health_report *r)
{
	memset(r, 0, sizeof(*r));
	r->healthy = 1;
}

enum err
health_env_init(struct health_env *e, struct app *app)
{
	struct amocrm_status ast;
	struct tg_result tr;
	const char *url;
	enum err rc;

	memset(e, 0, sizeof(*e));
	e->app = app;
	if ((rc = http_init(&e->http, cfg_str(&app->cfg, CFG_RUN_DIR))) !=
	    ERR_OK)
		return rc;
	if (*cfg_str(&app->cfg, CFG_AMOCRM_ACCESS_TOKEN) == '\0')
		snprintf(e->amo_reason, sizeof(e->amo_reason),
		    "AMOCRM_ACCESS_TOKEN is not set");
	else if ((rc = amocrm_init(&e->amo, &e->http, &app->cfg, &ast)) ==
	    ERR_OK)
		e->has_amo = 1;
	else if (rc == ERR_NOMEM)
		goto fail;
	else
		snprintf(e->amo_reason, sizeof(e->amo_reason), "%s",
		    ast.reason);
	if (*cfg_str(&app->cfg, CFG_TELEGRAM_BOT_TOKEN) == '\0')
		snprintf(e->tg_reason, sizeof(e->tg_reason),
		    "TELEGRAM_BOT_TOKEN is not set");
	else if ((rc = tg_init(&e->tg, &e->http, &app->cfg, &tr)) == ERR_OK)
		e->has_tg = 1;
	else if (rc == ERR_NOMEM)
		goto fail;
	else
		snprintf(e->tg_reason, sizeof(e->tg_reason), "%s", tr.reason);
	url = cfg_str(&app->cfg, CFG_TRIPWIRE_DATABASE_URL);
	if (*url != '\0') {
		if ((rc = db_init(&e->tripwire, "tripwire", url)) != ERR_OK)
			goto fail;
		e->has_tripwire = 1;
	}
	return ERR_OK;
fail:
	health_env_free(e);
	return rc;
}

void
health_env_free(struct health_env *e)
{
	if (e == NULL)
		return;
	if (e->has_amo)
		amocrm_free(&e->amo);
	if (e->has_tg)
		tg_free(&e->tg);
	if (e->has_tripwire)
		db_free(&e->tripwire);
	http_free(&e->http);
	memset(e, 0, sizeof(*e));
}

/* Writes an ISO 8601 UTC time. */
static void
iso(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Opens a check's object: service, status, message; details follows. */
static void
open_check(struct jw *w, const char *key, const char *service,
    enum health_status st, const char *message)
{
	jw_obj(w, key);
	jw_str(w, "service", service);
	jw_str(w, "status", status_names[st]);
	jw_str(w, "message", message);
}

static enum health_status
close_check(struct jw *w, enum health_status st, struct health_report *r)
{
	char now[32];

	iso(now, sizeof(now), time(NULL));
	jw_str(w, "lastChecked", now);
	jw_obj_end(w);
	if (r != NULL && st != HEALTH_ONLINE)
		r->healthy = 0;
	return st;
}

static void flag(struct health_report *r, enum health_alert a, int failing,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
flag(struct health_report *r, enum health_alert a, int failing, const char *fmt,
    ...)
{
	va_list ap;

	if (r == NULL)
		return;
	r->checked[a] = 1;
	r->failing[a] = failing;
	va_start(ap, fmt);
	vsnprintf(r->msg[a], sizeof(r->msg[a]), fmt, ap);
	va_end(ap);
}

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

/* Finds our hook i in amoCRM's list: NULL when it is not registered. */
static const struct amocrm_webhook *
find_hook(const struct amocrm_webhooks *hs, const char *public_url,
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
		flag(r, HA_TOKEN, 0, "token expiry unknown");
		return;
	}
	iso(t->at, sizeof(t->at), (time_t)t->exp);
	t->days_left = t->exp >= now ? (t->exp - now) / 86400
	                             : -1 - (now - t->exp) / 86400;
	if (t->days_left < HEALTH_TOKEN_WARN_DAYS)
		snprintf(note, n,
		    "; внимание: токен истекает через %lld дн. (%s) / token "
		    "expires in %lld days",
		    t->days_left, t->at, t->days_left);
	flag(r, HA_TOKEN, t->days_left < HEALTH_TOKEN_ALERT_DAYS,
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
		open_check(w, key, "amoCRM API", HEALTH_ERROR, msg);
		jw_obj(w, "details");
		jw_str(w, "reason", e->amo_reason);
		jw_obj_end(w);
		flag(r, HA_AMOCRM, 1, "%s", msg);
		return close_check(w, HEALTH_ERROR, r);
	}
	token_eval(e, r, &ti, note, sizeof(note));
	rc = amocrm_account_check(&e->amo, &acct, &st);
	if (rc != ERR_OK) {
		s = amo_failure(e, rc, &st, msg, sizeof(msg));
		flag(r, HA_AMOCRM, 1, "%s", msg);
		strncat(msg, note, sizeof(msg) - strlen(msg) - 1);
		open_check(w, key, "amoCRM API", s, msg);
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
		return close_check(w, s, r);
	}
	flag(r, HA_AMOCRM, 0, "amoCRM доступен / amoCRM is reachable");
	wrc = amocrm_webhooks_list(&e->amo, &hs, &wst);
	for (i = 0; wrc == ERR_OK && i < sizeof(hooks) / sizeof(hooks[0]);
	     i++) {
		if ((h = find_hook(&hs, pub, hooks[i].path)) == NULL)
			continue;
		nreg++;
		if (h->disabled && disabled[0] == '\0')
			snprintf(disabled, sizeof(disabled), "%s",
			    hooks[i].path);
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
		flag(r, HA_WEBHOOK, 1, "%s", msg);
	} else if (nreg == 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Ни один вебхук amosync не зарегистрирован в amoCRM / no "
		    "amosync webhook is registered in amoCRM");
		flag(r, HA_WEBHOOK, 0, "no webhook registered");
	} else {
		snprintf(msg, sizeof(msg),
		    "amoCRM доступен, аккаунт %s / amoCRM is reachable",
		    acct.subdomain ? acct.subdomain : "?");
		flag(r, HA_WEBHOOK, 0, "webhooks enabled");
	}
	strncat(msg, note, sizeof(msg) - strlen(msg) - 1);
	open_check(w, key, "amoCRM API", s, msg);
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
		for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
			h = find_hook(&hs, pub, hooks[i].path);
			jw_obj(w, NULL);
			jw_str(w, "endpoint", hooks[i].endpoint);
			url_write(w,
			    h != NULL ? h->destination : hooks[i].path);
			jw_bool(w, "registered", h != NULL);
			jw_bool(w, "disabled", h != NULL && h->disabled);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
	amocrm_webhooks_free(&hs);
	amocrm_account_free(&acct);
	return close_check(w, s, r);
}

/* Milliseconds since t0. */
static long long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Counts the migration files of dir/<db> not in the applied list. */
static long
pending(const char *db, const char *applied)
{
	char path[4096], key[300];
	struct dirent *d;
	DIR *dp;
	long n = 0;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", AMOSYNC_SQLDIR, db);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL) {
		len = strlen(d->d_name);
		if (d->d_name[0] < '0' || d->d_name[0] > '9' || len < 5 ||
		    strcmp(d->d_name + len - 4, ".sql") != 0)
			continue;
		/* applied is "v1,v2,...": look for ",name," in ",list,". */
		snprintf(key, sizeof(key), ",%s,", d->d_name);
		{
			struct buf b = { 0 };

			buf_printf(&b, ",%s,", applied);
			if (buf_err(&b) == ERR_OK &&
			    strstr(buf_str(&b), key) == NULL)
				n++;
			buf_free(&b);
		}
	}
	closedir(dp);
	return n;
}

/* One database's entry; returns 1 when it answers. */
static int
one_db(struct db *db, const char *name, int migrations, struct jw *w,
    struct health_report *r, enum health_alert a)
{
	struct timespec t0;
	PGresult *res = NULL;
	long long ms;
	enum err rc;
	int ok;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = db_ping(db);
	ms = ms_since(&t0);
	jw_obj(w, NULL);
	jw_str(w, "name", name);
	jw_str(w, "status", ok ? "ok" : "error");
	jw_int(w, "latency_ms", ms);
	if (ok && migrations &&
	    (res = db_exec(db, SQL_MIGRATIONS, 0, NULL, &rc)) != NULL) {
		long p = pending(name, db_val(res, 0, 1));

		jw_obj(w, "migrations");
		jw_numstr(w, "applied", db_val(res, 0, 0));
		if (p >= 0)
			jw_int(w, "pending", p);
		else
			jw_null(w, "pending");
		jw_obj_end(w);
		PQclear(res);
	} else {
		jw_null(w, "migrations");
	}
	jw_str(w, "message",
	    ok ? "Подключение работает / reachable"
	       : "База данных недоступна / unreachable");
	jw_obj_end(w);
	flag(r, a, !ok,
	    "База данных %s недоступна: вебхуки уходят в спул / the %s "
	    "database is unreachable",
	    name, name);
	return ok;
}

enum health_status
health_databases(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	struct app *app = e->app;
	struct buf b = { 0 };
	enum health_status s;
	int n = 0, good = 0;

	/* The entries first, into a side buffer: the message counts them. */
	struct jw dw;

	jw_init(&dw, &b);
	jw_arr(&dw, NULL);
	if (app->has_traffic) {
		n++;
		good += one_db(&app->traffic, "traffic", 1, &dw, r,
		    HA_DB_TRAFFIC);
	}
	if (app->has_landing) {
		n++;
		good += one_db(&app->landing, "landing", 1, &dw, r,
		    HA_DB_LANDING);
	}
	if (e->has_tripwire) {
		n++;
		good += one_db(&e->tripwire, "tripwire", 0, &dw, r,
		    HA_DB_TRIPWIRE);
	}
	jw_arr_end(&dw);
	s = n > 0 && good == n ? HEALTH_ONLINE : HEALTH_ERROR;
	{
		char msg[200];

		snprintf(msg, sizeof(msg),
		    "%d/%d подключений работают / %d of %d databases "
		    "reachable",
		    good, n, good, n);
		open_check(w, key, "PostgreSQL", s, msg);
	}
	jw_obj(w, "details");
	jw_raw(w, "databases", buf_err(&b) == ERR_OK ? buf_str(&b) : "[]");
	jw_obj_end(w);
	buf_free(&b);
	return close_check(w, s, r);
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
		open_check(w, key, "Telegram Bot API", HEALTH_ERROR, msg);
		jw_obj(w, "details");
		jw_null(w, "bot");
		jw_arr(w, "chats");
		jw_arr_end(w);
		jw_obj_end(w);
		return close_check(w, HEALTH_ERROR, r);
	}
	if ((rc = tg_get_me(&e->tg, &bot, &tr)) != ERR_OK) {
		snprintf(msg, sizeof(msg), "%s / %s",
		    rc == ERR_AUTH ? "Токен бота Telegram недействителен"
		        : rc == ERR_TIMEOUT ? "Telegram не ответил вовремя"
		                            : "Telegram недоступен",
		    tr.reason);
		open_check(w, key, "Telegram Bot API",
		    rc == ERR_AUTH ? HEALTH_OFFLINE : HEALTH_ERROR, msg);
		jw_obj(w, "details");
		jw_null(w, "bot");
		jw_arr(w, "chats");
		jw_arr_end(w);
		jw_obj_end(w);
		return close_check(w,
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
	open_check(w, key, "Telegram Bot API", s, msg);
	jw_obj(w, "details");
	jw_str(w, "bot", bot);
	jw_raw(w, "chats", buf_err(&b) == ERR_OK ? buf_str(&b) : "[]");
	jw_obj_end(w);
	free(bot);
	buf_free(&b);
	return close_check(w, s, r);
}

enum health_status
health_spool(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	const char *dir = cfg_str(&e->app->cfg, CFG_SPOOL_DIR);
	long files, age, bad, max;
	enum health_status s = HEALTH_ONLINE;
	char msg[300];

	max = (long)cfg_int(&e->app->cfg, CFG_SPOOL_MAX_AGE);
	if (spool_stat(dir, &files, &age, &bad) != ERR_OK) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Каталог спула не читается / the spool directory cannot be "
		    "read: %s",
		    dir);
		flag(r, HA_SPOOL, 1, "%s", msg);
	} else if (files > 0 && age > max) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "В спуле %ld вебхуков, старейший ждёт %ld с: база данных "
		    "недоступна или воркер не работает / %ld webhooks waiting, "
		    "the oldest for %ld s",
		    files, age, files, age);
		flag(r, HA_SPOOL, 1, "%s", msg);
	} else {
		snprintf(msg, sizeof(msg),
		    "В спуле %ld вебхуков / %ld webhooks waiting for the "
		    "database",
		    files, files);
		flag(r, HA_SPOOL, 0, "%s", msg);
	}
	open_check(w, key, "Spool", s, msg);
	jw_obj(w, "details");
	jw_int(w, "files", files);
	jw_int(w, "oldest_age_s", age);
	jw_int(w, "bad", bad);
	jw_obj_end(w);
	return close_check(w, s, r);
}

enum health_status
health_outbox(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	enum health_status s = HEALTH_ONLINE;
	PGresult *res = NULL;
	char msg[300];
	long long dead = 0;
	enum err rc = ERR_CONFIG;

	if (e->app->has_traffic)
		res = db_exec(&e->app->traffic, SQL_OUTBOX, 0, NULL, &rc);
	if (res == NULL) {
		snprintf(msg, sizeof(msg),
		    "Очередь не прочитана / the outbox could not be read: %s",
		    err_str(rc));
		open_check(w, key, "Outbox", HEALTH_ERROR, msg);
		jw_null(w, "details");
		return close_check(w, HEALTH_ERROR, r);
	}
	dead = strtoll(db_val(res, 0, OB_DEAD), NULL, 10);
	if (dead > 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "%lld заданий в мёртвых письмах: смотрите "
		    "/api/admin/outbox?state=dead и повторите / %lld dead "
		    "letters",
		    dead, dead);
	} else {
		snprintf(msg, sizeof(msg),
		    "В очереди %s заданий / %s jobs pending",
		    db_val(res, 0, OB_PENDING), db_val(res, 0, OB_PENDING));
	}
	flag(r, HA_DEAD, dead > 0, "%s", msg);
	open_check(w, key, "Outbox", s, msg);
	jw_obj(w, "details");
	jw_numstr(w, "pending", db_val(res, 0, OB_PENDING));
	jw_numstr(w, "oldest_pending_age_s", db_val(res, 0, OB_AGE));
	jw_numstr(w, "dead", db_val(res, 0, OB_DEAD));
	jw_obj_end(w);
	PQclear(res);
	return close_check(w, s, r);
}

/* Adds one database's last webhooks to the array writer. */
static int
last_hooks(struct db *db, const char *list, struct jw *w)
{
	const char *v[1] = { list };
	PGresult *res;
	enum err rc;
	int i;

	if ((res = db_exec(db, SQL_LAST_HOOKS, 1, v, &rc)) == NULL)
		return 0;
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(w, NULL);
		jw_str(w, "endpoint", db_val(res, i, LH_ENDPOINT));
		jw_str(w, "database", db->name);
		jw_str(w, "last_received_at", db_val(res, i, LH_RECEIVED));
		jw_str(w, "last_error", db_val(res, i, LH_ERROR));
		jw_str(w, "last_error_at", db_val(res, i, LH_ERROR_AT));
		jw_obj_end(w);
	}
	PQclear(res);
	return 1;
}

enum health_status
health_webhooks(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	int ok = 1;

	open_check(w, key, "Webhooks", HEALTH_ONLINE,
	    "Последние вебхуки по адресам / the last webhook of each "
	    "endpoint");
	jw_obj(w, "details");
	jw_arr(w, "endpoints");
	if (e->app->has_landing)
		ok &= last_hooks(&e->app->landing, "{funnel-sale,sweep}", w);
	if (e->app->has_traffic)
		ok &= last_hooks(&e->app->traffic, "{sales-webhook,sweep}", w);
	jw_arr_end(w);
	jw_obj_end(w);
	(void)ok;
	return close_check(w, HEALTH_ONLINE, r);
}

enum health_status
health_landing_sync(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	enum health_status s = HEALTH_ONLINE;
	PGresult *res = NULL;
	char msg[300];
	enum err rc = ERR_CONFIG;

	if (e->app->has_landing)
		res = db_exec(&e->app->landing, SQL_LAST_SYNC, 0, NULL, &rc);
	if (res == NULL) {
		open_check(w, key, "Landing sync",
		    e->app->has_landing ? HEALTH_ERROR : HEALTH_ONLINE,
		    e->app->has_landing ? "Синхронизация не прочитана / sync "
		                          "runs could not be read"
		                        : "Лендинг не настроен / no landing "
		                          "database");
		jw_obj(w, "details");
		jw_null(w, "last_run");
		jw_obj_end(w);
		return close_check(w,
		    e->app->has_landing ? HEALTH_ERROR : HEALTH_ONLINE, r);
	}
	if (PQntuples(res) == 0)
		snprintf(msg, sizeof(msg),
		    "Синхронизаций ещё не было / no sync has run yet");
	else if (strcmp(db_val(res, 0, LS_STATUS), "failed") == 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Последняя синхронизация не удалась / the last sync "
		    "failed: %s",
		    db_val(res, 0, LS_ERROR) ? db_val(res, 0, LS_ERROR) : "");
	} else
		snprintf(msg, sizeof(msg),
		    "Последняя синхронизация: %s / last sync: %s",
		    db_val(res, 0, LS_STATUS), db_val(res, 0, LS_STATUS));
	open_check(w, key, "Landing sync", s, msg);
	jw_obj(w, "details");
	if (PQntuples(res) == 0)
		jw_null(w, "last_run");
	else {
		jw_obj(w, "last_run");
		jw_numstr(w, "id", db_val(res, 0, LS_ID));
		jw_str(w, "trigger", db_val(res, 0, LS_TRIGGER));
		jw_str(w, "status", db_val(res, 0, LS_STATUS));
		jw_str(w, "started_at", db_val(res, 0, LS_STARTED));
		jw_str(w, "finished_at", db_val(res, 0, LS_FINISHED));
		jw_numstr(w, "matched", db_val(res, 0, LS_MATCHED));
		jw_numstr(w, "updated", db_val(res, 0, LS_UPDATED));
		jw_numstr(w, "not_synced", db_val(res, 0, LS_NOT_SYNCED));
		jw_str(w, "error", db_val(res, 0, LS_ERROR));
		jw_obj_end(w);
	}
	jw_obj_end(w);
	PQclear(res);
	return close_check(w, s, r);
}

enum health_status
health_worker(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	enum health_status s = HEALTH_ONLINE;
	PGresult *res = NULL;
	char msg[400], max[16];
	const char *v[1] = { max };
	long long age, count, stale;
	enum err rc = ERR_CONFIG;

	snprintf(max, sizeof(max), "%lld",
	    cfg_int(&e->app->cfg, CFG_HEARTBEAT_MAX_AGE));
	if (e->app->has_traffic)
		res = db_exec(&e->app->traffic, SQL_WORKERS, 1, v, &rc);
	if (res == NULL) {
		open_check(w, key, "Worker", HEALTH_ERROR,
		    "Пульс воркеров не прочитан / worker heartbeats could not "
		    "be read");
		jw_null(w, "details");
		return close_check(w, HEALTH_ERROR, r);
	}
	count = strtoll(db_val(res, 0, WK_COUNT), NULL, 10);
	stale = strtoll(db_val(res, 0, WK_STALE), NULL, 10);
	age = db_val(res, 0, WK_AGE) ? strtoll(db_val(res, 0, WK_AGE), NULL, 10)
	                             : -1;
	if (count == 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Ни один воркер не запущен: продажи не объявляются / no "
		    "worker is running");
	} else if (age > atoll(max)) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Нет пульса воркеров %lld с: продажи не объявляются / no "
		    "worker heartbeat for %lld s",
		    age, age);
	} else if (stale > 0) {
		snprintf(msg, sizeof(msg),
		    "Воркер перестал отвечать: %s / a worker stopped beating",
		    db_val(res, 0, WK_STALE_NAMES));
	} else {
		snprintf(msg, sizeof(msg),
		    "Воркеров: %lld, пульс %lld с назад / %lld workers", count,
		    age, count);
	}
	/* Alert on any worker that stopped beating, even with others up. */
	flag(r, HA_WORKER, s != HEALTH_ONLINE || stale > 0, "%s", msg);
	open_check(w, key, "Worker", s, msg);
	jw_obj(w, "details");
	jw_str(w, "last_heartbeat_at", db_val(res, 0, WK_LAST));
	if (age >= 0)
		jw_int(w, "age_s", age);
	else
		jw_null(w, "age_s");
	jw_int(w, "workers", count);
	jw_int(w, "stale", stale);
	jw_obj_end(w);
	PQclear(res);
	return close_check(w, s, r);
}

int
health_all(struct health_env *e, struct jw *w, struct health_report *r)
{
	struct health_report mine;
	char now[32];

	if (r == NULL) {
		health_report_init(&mine);
		r = &mine;
	}
	health_amocrm(e, w, "amocrm", r);
	health_databases(e, w, "databases", r);
	health_telegram(e, w, "telegram", r);
	health_spool(e, w, "spool", r);
	health_outbox(e, w, "outbox", r);
	health_webhooks(e, w, "webhooks", r);
	health_landing_sync(e, w, "landing_sync", r);
	health_worker(e, w, "worker", r);
	iso(now, sizeof(now), time(NULL));
	jw_obj(w, "overall");
	jw_str(w, "status", r->healthy ? "online" : "error");
	jw_str(w, "lastChecked", now);
	jw_obj_end(w);
	return r->healthy;
}

int
health_cheap(struct app *app, struct jw *w)
{
	int ok = 1, t;

	jw_obj(w, "databases");
	if (app->has_traffic) {
		t = db_ping(&app->traffic);
		ok &= t;
		jw_str(w, "traffic", t ? "ok" : "error");
	}
	if (app->has_landing) {
		t = db_ping(&app->landing);
		ok &= t;
		jw_str(w, "landing", t ? "ok" : "error");
	}
	jw_obj_end(w);
	jw_str(w, "status", ok ? "online" : "error");
	return ok;
}

void
health_gauges(struct app *app, struct buf *b)
{
	const char *dir = cfg_str(&app->cfg, CFG_SPOOL_DIR);
	PGresult *res;
	long files, age, bad;
	enum err rc;
	int i;

	if (spool_stat(dir, &files, &age, &bad) == ERR_OK)
		buf_printf(b,
		    "# HELP amosync_spool_files webhooks waiting in this "
		    "host's spool\n# TYPE amosync_spool_files gauge\n"
		    "amosync_spool_files %ld\n"
		    "# HELP amosync_spool_oldest_age_seconds age of the "
		    "oldest spooled webhook\n"
		    "# TYPE amosync_spool_oldest_age_seconds gauge\n"
		    "amosync_spool_oldest_age_seconds %ld\n"
		    "# HELP amosync_spool_bad_files spool files that can "
		    "never be replayed\n# TYPE amosync_spool_bad_files gauge\n"
		    "amosync_spool_bad_files %ld\n",
		    files, age, bad);
	if (!app->has_traffic)
		return;
	if ((res = db_exec(&app->traffic, SQL_GAUGE_OUTBOX, 0, NULL, &rc)) !=
	    NULL) {
		long long dead = 0;

		buf_adds(b,
		    "# HELP amosync_outbox_jobs outbox jobs by kind "
		    "and state\n# TYPE amosync_outbox_jobs gauge\n");
		for (i = 0; i < PQntuples(res); i++) {
			buf_printf(b,
			    "amosync_outbox_jobs{kind=\"%s\",state=\"%s\"} "
			    "%s\n",
			    db_val(res, i, 0), db_val(res, i, 1),
			    db_val(res, i, 2));
			if (strcmp(db_val(res, i, 1), "dead") == 0)
				dead += strtoll(db_val(res, i, 2), NULL, 10);
		}
		buf_printf(b,
		    "# HELP amosync_outbox_dead_letters jobs parked after "
		    "their last attempt\n"
		    "# TYPE amosync_outbox_dead_letters gauge\n"
		    "amosync_outbox_dead_letters %lld\n",
		    dead);
		PQclear(res);
	}
	if ((res = db_exec(&app->traffic, SQL_GAUGE_SWEEP, 0, NULL, &rc)) !=
	    NULL) {
		if (PQntuples(res) == 1)
			buf_printf(b,
			    "# HELP amosync_sweep_runs_total reconciliation "
			    "sweeps run\n# TYPE amosync_sweep_runs_total "
			    "counter\namosync_sweep_runs_total %s\n"
			    "# HELP amosync_sweep_failures_total sweeps that "
			    "failed\n# TYPE amosync_sweep_failures_total "
			    "counter\namosync_sweep_failures_total %s\n"
			    "# HELP amosync_sweep_recovered_total won leads "
			    "the sweep stored because no webhook had\n"
			    "# TYPE amosync_sweep_recovered_total counter\n"
			    "amosync_sweep_recovered_total %s\n"
			    "# HELP "
			    "amosync_sweep_last_success_timestamp_seconds"
			    " end of the last good sweep\n"
			    "# TYPE "
			    "amosync_sweep_last_success_timestamp_seconds"
			    " gauge\n"
			    "amosync_sweep_last_success_timestamp_seconds %s\n",
			    db_val(res, 0, 0), db_val(res, 0, 1),
			    db_val(res, 0, 2), db_val(res, 0, 3));
		PQclear(res);
	}
	if ((res = db_exec(&app->traffic, SQL_WORKERS, 1,
	         (const char *[]){ "120" }, &rc)) != NULL) {
		if (db_val(res, 0, WK_AGE) != NULL)
			buf_printf(b,
			    "# HELP amosync_worker_heartbeat_age_seconds "
			    "seconds since the newest worker heartbeat\n"
			    "# TYPE amosync_worker_heartbeat_age_seconds "
			    "gauge\namosync_worker_heartbeat_age_seconds %s\n",
			    db_val(res, 0, WK_AGE));
		buf_printf(b,
		    "# HELP amosync_workers workers with a heartbeat row\n"
		    "# TYPE amosync_workers gauge\namosync_workers %s\n",
		    db_val(res, 0, WK_COUNT));
		PQclear(res);
	}
	if (app->has_landing &&
	    (res = db_exec(&app->landing, SQL_GAUGE_SYNC, 0, NULL, &rc)) !=
	        NULL) {
		buf_adds(b,
		    "# HELP amosync_sync_runs_total landing syncs by "
		    "trigger and status\n"
		    "# TYPE amosync_sync_runs_total counter\n");
		for (i = 0; i < PQntuples(res); i++)
			buf_printf(b,
			    "amosync_sync_runs_total{trigger=\"%s\","
			    "status=\"%s\"} %s\n",
			    db_val(res, i, 0), db_val(res, i, 1),
			    db_val(res, i, 2));
		PQclear(res);
	}
}

enum err
health_beat(struct db *db, const char *holder, const char *host, int pid)
{
	char p[16];
	const char *v[3] = { holder, host, p };

	snprintf(p, sizeof(p), "%d", pid);
	return db_run(db, SQL_BEAT, 3, v);
}

void
health_unbeat(struct db *db, const char *holder)
{
	const char *v[1] = { holder };

	if (db_run(db, SQL_UNBEAT, 1, v) != ERR_OK)
		log_warnx("could not remove the heartbeat of %s", holder);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Writes a bytea value (PostgreSQL's hex output, "\x...") as the text
 * member "body": bytes that are not UTF-8 become U+FFFD (jw), so a body
 * a client mangled is still shown.
 */
static void
body(struct jw *w, const char *hex)
{
	struct buf b;
	size_t i;
	int hi, lo;

	if (hex == NULL || strncmp(hex, "\\x", 2) != 0) {
		jw_null(w, "body");
		return;
	}
	buf_init(&b);
	for (i = 2; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2) {
		if ((hi = hexval(hex[i])) < 0 || (lo = hexval(hex[i + 1])) < 0)
			break;
		buf_addc(&b, (char)(hi << 4 | lo));
	}
	if (buf_err(&b) == ERR_OK)
		jw_strn(w, "body", b.len > 0 ? buf_str(&b) : "", b.len);
	else
		jw_null(w, "body");
	buf_free(&b);
}

/* Adds one database's requests to w; ERR_OK or the query's error. */
static enum err
requests(struct db *db, const char *outcome, int limit, struct jw *w)
{
	char lim[16], max[16];
	const char *v[3] = { outcome != NULL ? outcome : "", lim, max };
	PGresult *res;
	enum err rc;
	int i;

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(max, sizeof(max), "%d", REQUEST_BODY_MAX);
	if ((res = db_exec(db, SQL_REQUESTS, 3, v, &rc)) == NULL)
		return rc;
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(w, NULL);
		jw_numstr(w, "id", db_val(res, i, RQ_ID));
		jw_str(w, "database", db->name);
		jw_str(w, "received_at", db_val(res, i, RQ_AT));
		jw_str(w, "endpoint", db_val(res, i, RQ_ENDPOINT));
		jw_str(w, "outcome", db_val(res, i, RQ_OUTCOME));
		jw_numstr(w, "http_status", db_val(res, i, RQ_STATUS));
		jw_str(w, "error", db_val(res, i, RQ_ERROR));
		jw_numstr(w, "body_size", db_val(res, i, RQ_SIZE));
		body(w, db_val(res, i, RQ_BODY));
		jw_obj_end(w);
	}
	PQclear(res);
	return ERR_OK;
}

enum err
health_requests(struct app *app, const char *outcome, int limit, struct jw *w)
{
	enum err rc = ERR_OK;

	jw_arr(w, "requests");
	if (app->has_landing)
		rc = requests(&app->landing, outcome, limit, w);
	if (rc == ERR_OK && app->has_traffic)
		rc = requests(&app->traffic, outcome, limit, w);
	jw_arr_end(w);
	return rc;
}
