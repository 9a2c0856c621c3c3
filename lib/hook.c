#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "hook.h"
#include "jw.h"
#include "log.h"
#include "spool.h"
#include "web.h"

/* Per transaction, so it is safe behind a transaction-mode pooler. */
static const char SQL_TIMEOUT[] = "SET LOCAL statement_timeout = 1500";

static const char SQL_RECORD[] =
    "INSERT INTO webhook_requests (endpoint, request_id, amocrm_request_id,"
    " remote_addr, user_agent, content_type, body_size, raw_body,"
    " http_status, outcome, error, leads_processed, leads_saved)"
    " VALUES ($1, NULLIF($2, ''), NULLIF($3, ''), NULLIF($4, ''),"
    " NULLIF($5, ''), NULLIF($6, ''), $7::bigint, $8::bytea, $9::int, $10,"
    " $11, $12::int, $13::int)";

/* Returns the body as a bytea hex literal ("\x..."), caller frees. */
static char *
hexbody(const char *body, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *out, *p;
	size_t i;

	if (body == NULL)
		return NULL;
	if ((out = malloc(3 + 2 * n)) == NULL)
		return NULL;
	p = out;
	*p++ = '\\';
	*p++ = 'x';
	for (i = 0; i < n; i++) {
		*p++ = hex[(unsigned char)body[i] >> 4];
		*p++ = hex[(unsigned char)body[i] & 15];
	}
	*p = '\0';
	return out;
}

/* Inserts the webhook_requests row; in the caller's transaction if any. */
static enum err
record(struct db *db, const struct hook_meta *m, int status,
    const char *outcome, const char *error, const struct hook_result *r)
{
	char size[32], st[16], proc[16], saved[16];
	char *hex = NULL;
	const char *v[13];
	enum err rc;

	if (m->body != NULL && (hex = hexbody(m->body, m->bodysz)) == NULL)
		return ERR_NOMEM;
	snprintf(size, sizeof(size), "%zu", m->bodysz);
	snprintf(st, sizeof(st), "%d", status);
	snprintf(proc, sizeof(proc), "%d", r != NULL ? r->processed : 0);
	snprintf(saved, sizeof(saved), "%d", r != NULL ? r->saved : 0);
	v[0] = m->endpoint;
	v[1] = m->reqid ? m->reqid : "";
	v[2] = m->amo_reqid ? m->amo_reqid : "";
	v[3] = m->remote ? m->remote : "";
	v[4] = m->user_agent ? m->user_agent : "";
	v[5] = m->ctype ? m->ctype : "";
	v[6] = size;
	v[7] = hex;
	v[8] = st;
	v[9] = outcome;
	v[10] = error;
	v[11] = proc;
	v[12] = saved;
	rc = db_run(db, SQL_RECORD, 13, v);
	free(hex);
	return rc;
}

enum err
hook_record(struct db *db, const struct hook_meta *m, int status,
    const char *outcome, const char *error)
{
	return record(db, m, status, outcome, error, NULL);
}

static const char *
outcome(const struct hook_result *r)
{
	if (r->saved > 0)
		return "saved";
	if (r->duplicates > 0)
		return "duplicate";
	if (r->processed == 0)
		return "no_leads";
	return "ignored";
}

/*
 * Runs one step in one transaction; the first step also records the
 * request. A connection lost mid-way is retried once on a fresh
 * connection; the unique keys make the retry harmless.
 */
static enum err
step(struct app *app, const struct hook_step *st, int first,
    const struct amo_event *ev, const struct hook_meta *m,
    struct hook_result *res)
{
	struct hook_result mine;
	enum err rc = ERR_DB;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		mine = *res;
		mine.processed = (int)ev->nleads;
		mine.saved = mine.duplicates = mine.ignored = 0;
		if ((rc = db_begin(st->db)) != ERR_OK)
			continue;
		/* amoCRM waits 2 s: better spool than hang on a slow DB. */
		if ((rc = db_run(st->db, SQL_TIMEOUT, 0, NULL)) != ERR_OK) {
			db_rollback(st->db);
			continue;
		}
		if ((rc = st->store(app, st->db, ev, m, &mine)) == ERR_OK &&
		    (!first ||
		        (rc = record(st->db, m, 200, outcome(&mine), NULL,
		             &mine)) == ERR_OK) &&
		    (rc = db_commit(st->db)) == ERR_OK) {
			if (first) {
				*res = mine;
			} else {
				memcpy(res->sale_id, mine.sale_id,
				    sizeof(res->sale_id));
				memcpy(res->targetologist, mine.targetologist,
				    sizeof(res->targetologist));
			}
			return ERR_OK;
		}
		db_rollback(st->db);
		if (rc != ERR_DB)
			break;
	}
	return rc;
}

enum err
hook_process(struct app *app, const struct hook_def *def,
    const struct hook_meta *m, struct hook_result *res, char *errbuf,
    size_t errlen)
{
	struct amo_event ev;
	enum err rc, rrc;
	size_t i;
	int flat = 0;

	memset(res, 0, sizeof(*res));
	if (errlen > 0)
		errbuf[0] = '\0';
	if (def->parse != NULL)
		rc = def->parse(app, m, &ev, &flat);
	else
		rc = amo_parse(&ev, m->ctype, m->body != NULL ? m->body : "",
		    m->bodysz, &app->amo);
	if (rc != ERR_OK) {
		snprintf(errbuf, errlen, "malformed webhook body: %s",
		    err_str(rc));
		log_warnx("%s: rejected %zu-byte body: %s", m->endpoint,
		    m->bodysz, err_name(rc));
		rrc = hook_record(def->steps[0].db, m, err_http(rc), "rejected",
		    errbuf);
		return rrc == ERR_DB ? ERR_DB : rc;
	}
	res->flat = flat;
	for (i = 0, rc = ERR_OK; i < def->nsteps && rc == ERR_OK; i++)
		rc = step(app, &def->steps[i], i == 0, &ev, m, res);
	if (rc != ERR_OK) {
		snprintf(errbuf, errlen, "could not store the webhook: %s",
		    err_str(rc));
		if (rc != ERR_DB)
			(void)hook_record(def->steps[0].db, m, 500, "error",
			    errbuf);
	}
	amo_event_free(&ev);
	return rc;
}

int
hook_replay(struct app *app, const struct hook_def *def)
{
	const char *dir = cfg_str(&app->cfg, CFG_SPOOL_DIR);
	struct dirent **list = NULL;
	struct hook_result res;
	struct hook_meta m;
	char path[4096], err[256], *data;
	size_t plen = strlen(def->endpoint);
	int i, n, done = 0;
	enum err rc;

	if (*dir == '\0' || (n = scandir(dir, &list, NULL, alphasort)) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (strncmp(name, def->endpoint, plen) != 0 ||
		    name[plen] != '-' || strstr(name, ".req") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		memset(&m, 0, sizeof(m));
		m.endpoint = def->endpoint;
		rc = spool_read(path, &m, &data);
		if (rc == ERR_OK) {
			rc = hook_process(app, def, &m, &res, err, sizeof(err));
			free(data);
		}
		if (rc == ERR_DB)
			break;
		if (unlink(path) == -1)
			log_warn("could not remove %s", path);
		else
			done++;
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (done > 0)
		log_info("replayed %d spooled %s requests", done,
		    def->endpoint);
	return done;
}

/* Milliseconds since start. */
static long long
since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

static int
reply(struct web_req *req, int status, int success, const char *message,
    const char *error, const struct hook_result *r,
    const struct timespec *start)
{
	char dur[32];
	struct buf b;
	struct jw w;
	int rc;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", success);
	if (message != NULL)
		jw_str(&w, "message", message);
	if (error != NULL)
		jw_str(&w, "error", error);
	jw_int(&w, "leads_processed", r->processed);
	jw_int(&w, "leads_saved", r->saved);
	if (r->duplicates > 0)
		jw_int(&w, "duplicates", r->duplicates);
	if (req->reqid[0] != '\0')
		jw_str(&w, "webhookId", req->reqid);
	if (r->flat) {
		/* The original sales-webhook's fields, for flat JSON posts. */
		jw_str(&w, "sale_id", r->sale_id[0] ? r->sale_id : NULL);
		jw_str(&w, "targetologist",
		    r->targetologist[0] ? r->targetologist : "Unknown");
		jw_obj(&w, "saved_to");
		jw_bool(&w, "all_sales_tracking", r->saved > 0);
		jw_obj_end(&w);
		if (r->duplicates > 0)
			jw_bool(&w, "duplicate", 1);
	}
	snprintf(dur, sizeof(dur), "%lldms", since(start));
	jw_str(&w, "duration", dur);
	jw_obj_end(&w);
	if (buf_err(&b) != ERR_OK)
		rc = web_error(req, 500, "out of memory");
	else
		rc = web_json(req, status, buf_str(&b));
	buf_free(&b);
	return rc;
}

static time_t next_replay;

void
hook_after(struct app *app)
{
	const struct hook_def *def = app->after_arg;

	if (def == NULL || time(NULL) < next_replay)
		return;
	next_replay = time(NULL) + 60;
	hook_replay(app, def);
}

int
hook_serve(struct app *app, struct web_req *req, const struct hook_def *def)
{
	struct hook_result res;
	struct hook_meta m;
	struct timespec start;
	char err[256];
	enum err rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&res, 0, sizeof(res));
	memset(&m, 0, sizeof(m));
	m.endpoint = def->endpoint;
	m.reqid = req->reqid;
	m.amo_reqid = web_param(req, "HTTP_X_AMOCRM_REQUESTID");
	m.remote = req->remote;
	m.user_agent = req->user_agent;
	m.ctype = req->ctype;
	m.body = req->body;
	m.bodysz = req->bodysz;

	if (req->method == WEB_HEAD)
		return web_json(req, 200, NULL);
	if (req->method != WEB_POST)
		return web_error(req, 405, "use POST");
	if (req->too_big) {
		snprintf(err, sizeof(err),
		    "body of %zu bytes is over the "
		    "%zu-byte limit",
		    req->content_length, app->amo.limits.max_body);
		m.bodysz = req->content_length;
		if (hook_record(def->steps[0].db, &m, 413, "too_large", err) ==
		    ERR_DB)
			log_warnx("could not record an oversized request");
		return reply(req, 413, 0, NULL, err, &res, &start);
	}
	rc = hook_process(app, def, &m, &res, err, sizeof(err));
	if (rc == ERR_DB) {
		/* R8: accepted even when PostgreSQL is down. */
		if (spool_write(cfg_str(&app->cfg, CFG_SPOOL_DIR), &m) !=
		    ERR_OK)
			return reply(req, 503, 0, NULL,
			    "database unavailable; please retry", &res, &start);
		next_replay = time(NULL) + 5;
		return reply(req, 200, 1, "Accepted; stored for replay", NULL,
		    &res, &start);
	}
	if (rc != ERR_OK)
		return reply(req, err_http(rc), 0, NULL, err, &res, &start);
	return reply(req, 200, 1, def->message, NULL, &res, &start);
}
