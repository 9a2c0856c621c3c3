/*
 * The checks of what runs here and in the databases (spool, outbox,
 * webhooks, landing sync, workers) and the clients they share with the
 * checks of the services outside (health/remote.c). Some checks read
 * tables other modules write, with SQL of their own, because the writer
 * has no such read or cannot be called from here: outbox_jobs (io/outbox
 * has no counts), webhook_requests (sales/ingest, a sibling on this
 * floor), sync_runs (landing/sync, a sibling), amosync_migrations
 * (tools/migrate, a program). They only read and count.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "health/beat.h"
#include "health/checks.h"
#include "io/spool.h"

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

static const char SQL_MIGRATIONS[] =
    "SELECT count(*), coalesce(array_to_string(array_agg(version), ','),"
    " '') FROM amosync_migrations";

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
	if (*cfg_str(&app->cfg, CFG_FB_ACCESS_TOKEN) != '\0') {
		struct fb_status fst;

		if ((rc = fb_init(&e->fb, &e->http, &app->cfg, &fst)) == ERR_OK)
			e->has_fb = 1;
		else if (rc == ERR_NOMEM)
			goto fail;
		else
			snprintf(e->fb_reason, sizeof(e->fb_reason), "%s",
			    fst.reason);
	}
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
	if (e->has_fb)
		fb_free(&e->fb);
	http_free(&e->http);
	memset(e, 0, sizeof(*e));
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
	check_flag(r, a, !ok,
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
		check_open(w, key, "PostgreSQL", s, msg);
	}
	jw_obj(w, "details");
	jw_raw(w, "databases", buf_err(&b) == ERR_OK ? buf_str(&b) : "[]");
	jw_obj_end(w);
	buf_free(&b);
	return check_close(w, s, r);
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
		check_flag(r, HA_SPOOL, 1, "%s", msg);
	} else if (files > 0 && age > max) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "В спуле %ld вебхуков, старейший ждёт %ld с: база данных "
		    "недоступна или воркер не работает / %ld webhooks waiting, "
		    "the oldest for %ld s",
		    files, age, files, age);
		check_flag(r, HA_SPOOL, 1, "%s", msg);
	} else {
		snprintf(msg, sizeof(msg),
		    "В спуле %ld вебхуков / %ld webhooks waiting for the "
		    "database",
		    files, files);
		check_flag(r, HA_SPOOL, 0, "%s", msg);
	}
	check_open(w, key, "Spool", s, msg);
	jw_obj(w, "details");
	jw_int(w, "files", files);
	jw_int(w, "oldest_age_s", age);
	jw_int(w, "bad", bad);
	jw_obj_end(w);
	return check_close(w, s, r);
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
		check_open(w, key, "Outbox", HEALTH_ERROR, msg);
		jw_null(w, "details");
		return check_close(w, HEALTH_ERROR, r);
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
	check_flag(r, HA_DEAD, dead > 0, "%s", msg);
	check_open(w, key, "Outbox", s, msg);
	jw_obj(w, "details");
	jw_numstr(w, "pending", db_val(res, 0, OB_PENDING));
	jw_numstr(w, "oldest_pending_age_s", db_val(res, 0, OB_AGE));
	jw_numstr(w, "dead", db_val(res, 0, OB_DEAD));
	jw_obj_end(w);
	PQclear(res);
	return check_close(w, s, r);
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

	check_open(w, key, "Webhooks", HEALTH_ONLINE,
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
	return check_close(w, HEALTH_ONLINE, r);
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
		check_open(w, key, "Landing sync",
		    e->app->has_landing ? HEALTH_ERROR : HEALTH_ONLINE,
		    e->app->has_landing ? "Синхронизация не прочитана / sync "
		                          "runs could not be read"
		                        : "Лендинг не настроен / no landing "
		                          "database");
		jw_obj(w, "details");
		jw_null(w, "last_run");
		jw_obj_end(w);
		return check_close(w,
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
	check_open(w, key, "Landing sync", s, msg);
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
	return check_close(w, s, r);
}

enum health_status
health_worker(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	enum health_status s = HEALTH_ONLINE;
	PGresult *res = NULL;
	char msg[400];
	long long age, count, stale, max;
	enum err rc = ERR_CONFIG;

	max = cfg_int(&e->app->cfg, CFG_HEARTBEAT_MAX_AGE);
	if (e->app->has_traffic)
		res = health_beats(&e->app->traffic, max, &rc);
	if (res == NULL) {
		check_open(w, key, "Worker", HEALTH_ERROR,
		    "Пульс воркеров не прочитан / worker heartbeats could not "
		    "be read");
		jw_null(w, "details");
		return check_close(w, HEALTH_ERROR, r);
	}
	count = strtoll(db_val(res, 0, HB_COUNT), NULL, 10);
	stale = strtoll(db_val(res, 0, HB_STALE), NULL, 10);
	age = db_val(res, 0, HB_AGE) ? strtoll(db_val(res, 0, HB_AGE), NULL, 10)
	                             : -1;
	if (count == 0) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Ни один воркер не запущен: продажи не объявляются / no "
		    "worker is running");
	} else if (age > max) {
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg),
		    "Нет пульса воркеров %lld с: продажи не объявляются / no "
		    "worker heartbeat for %lld s",
		    age, age);
	} else if (stale > 0) {
		snprintf(msg, sizeof(msg),
		    "Воркер перестал отвечать: %s / a worker stopped beating",
		    db_val(res, 0, HB_STALE_NAMES));
	} else {
		snprintf(msg, sizeof(msg),
		    "Воркеров: %lld, пульс %lld с назад / %lld workers", count,
		    age, count);
	}
	/* Alert on any worker that stopped beating, even with others up. */
	check_flag(r, HA_WORKER, s != HEALTH_ONLINE || stale > 0, "%s", msg);
	check_open(w, key, "Worker", s, msg);
	jw_obj(w, "details");
	jw_str(w, "last_heartbeat_at", db_val(res, 0, HB_LAST));
	if (age >= 0)
		jw_int(w, "age_s", age);
	else
		jw_null(w, "age_s");
	jw_int(w, "workers", count);
	jw_int(w, "stale", stale);
	jw_obj_end(w);
	PQclear(res);
	return check_close(w, s, r);
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
	health_facebook(e, w, "facebook", r);
	check_iso(now, sizeof(now), time(NULL));
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
