#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/app.h"
#include "base/buf.h"
#include "sales/ingest.h"
#include "base/log.h"
#include "io/spool.h"

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

/*
 * Takes a spool file for this process by renaming it to
 * ".claim-<pid>-<name>", so an endpoint and a worker replaying the same
 * directory never process one file twice at once. Returns 0 if another
 * process was first.
 */
static int
claim(const char *dir, const char *name, char *path, size_t len)
{
	char from[4096];

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(path, len, "%s/.claim-%d-%s", dir, (int)getpid(), name);
	return rename(from, path) == 0;
}

/* Gives a claimed file back under its own name. */
static void
unclaim(const char *dir, const char *name, const char *path)
{
	char to[4096];

	snprintf(to, sizeof(to), "%s/%s", dir, name);
	if (rename(path, to) == -1)
		log_warn("could not put back %s", path);
}

/*
 * Puts back files claimed by processes that no longer run (killed while
 * replaying), so that they are replayed again.
 */
static void
orphans(const char *dir, struct dirent **list, int n)
{
	char path[4096];
	const char *name;
	char *end;
	long pid;
	int i;

	for (i = 0; i < n; i++) {
		if (strncmp(list[i]->d_name, ".claim-", 7) != 0)
			continue;
		pid = strtol(list[i]->d_name + 7, &end, 10);
		if (*end != '-' || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		name = end + 1;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		unclaim(dir, name, path);
	}
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
	orphans(dir, list, n);
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (strncmp(name, def->endpoint, plen) != 0 ||
		    name[plen] != '-' || strstr(name, ".req") == NULL ||
		    !claim(dir, name, path, sizeof(path)))
			continue;
		memset(&m, 0, sizeof(m));
		m.endpoint = def->endpoint;
		rc = spool_read(path, &m, &data);
		if (rc == ERR_OK) {
			rc = hook_process(app, def, &m, &res, err, sizeof(err));
			free(data);
		}
		if (rc == ERR_DB) {
			unclaim(dir, name, path);
			break;
		}
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
