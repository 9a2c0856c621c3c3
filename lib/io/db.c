#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/secret.h"
#include "io/db.h"

enum err
db_init(struct db *db, const char *name, const char *conninfo)
{
	memset(db, 0, sizeof(*db));
	snprintf(db->name, sizeof(db->name), "%s", name);
	db->connect_timeout = 2;
	if (conninfo == NULL || *conninfo == '\0') {
		log_warnx("no connection string for the %s database", name);
		return ERR_CONFIG;
	}
	if ((db->conninfo = strdup(conninfo)) == NULL)
		return ERR_NOMEM;
	return ERR_OK;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	memset(db, 0, sizeof(*db));
}

void
db_close(struct db *db)
{
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = NULL;
	db->intx = 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * libpq's message on one line, without its final newline, and without
 * the password: libpq echoes pieces of a malformed connection string.
 */
static void
reason(struct db *db, char *out, size_t len)
{
	char all[2048];
	size_t n, i;

	/* Masked whole, before a cut could leave half a password. */
	snprintf(all, sizeof(all), "%s", PQerrorMessage(db->conn));
	secret_redact(all, sizeof(all), db->conninfo);
	snprintf(out, len, "%s", all);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '\n')
			out[i] = ' ';
	n = strlen(out);
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

static PGconn *
open_conn(struct db *db)
{
	char timeout[16];
	const char *keys[] = { "connect_timeout", "application_name", "dbname",
		NULL };
	const char *vals[] = { timeout, "amosync", db->conninfo, NULL };

	snprintf(timeout, sizeof(timeout), "%d", db->connect_timeout);
	return PQconnectdbParams(keys, vals, 1);
}

enum err
db_try(struct db *db, char *why, size_t len)
{
	db_close(db);
	*why = '\0';
	if (db->conninfo == NULL) {
		snprintf(why, len, "not set");
		return ERR_CONFIG;
	}
	if ((db->conn = open_conn(db)) == NULL)
		return ERR_NOMEM;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		reason(db, why, len);
		db_close(db);
		return ERR_DB;
	}
	db->failures = 0;
	return ERR_OK;
}

/* Notes a failed attempt: the next one waits 250 ms, 500 ms, ... */
static void
failed(struct db *db)
{
	long long delay = 250;
	char msg[512];
	int i;

	reason(db, msg, sizeof(msg));
	for (i = 1; i < db->failures && delay < DB_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > DB_BACKOFF_MAX_MS)
		delay = DB_BACKOFF_MAX_MS;
	db->next_try = now_ms() + delay;
	if (db->failures++ == 0)
		log_errx("could not connect to the %s database: %s (retrying "
		         "with backoff up to %d s; further failures are logged "
		         "at debug level)",
		    db->name, msg, DB_BACKOFF_MAX_MS / 1000);
	else
		log_debug("could not connect to the %s database (attempt %d): "
		          "%s",
		    db->name, db->failures, msg);
}

/*
 * The connection string is a secret (it may hold a password): only
 * libpq's message is logged, with the password masked (reason()).
 */
enum err
db_connect(struct db *db)
{
	if (db->conninfo == NULL)
		return ERR_CONFIG;
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return ERR_OK;
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->intx = 0;
	if (db->failures > 0 && now_ms() < db->next_try)
		return ERR_DB;
	if ((db->conn = open_conn(db)) == NULL)
		return ERR_NOMEM;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		failed(db);
		PQfinish(db->conn);
		db->conn = NULL;
		return ERR_DB;
	}
	if (db->failures > 0)
		log_info("connected to the %s database again after %d failed "
		         "attempts",
		    db->name, db->failures);
	db->failures = 0;
	return ERR_OK;
}

/* Maps a failed result to an error code. */
static enum err
classify(const PGresult *res)
{
	const char *st;

	if (res == NULL)
		return ERR_DB;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (st == NULL)
		return ERR_DB;
	if (strcmp(st, "23505") == 0)
		return ERR_CONFLICT;
	/* statement_timeout, lock_timeout: the database is there but slow. */
	if (strcmp(st, "57014") == 0 || strcmp(st, "55P03") == 0)
		return ERR_TIMEOUT;
	if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0)
		return ERR_VALIDATION;
	return ERR_DB;
}

/* Milliseconds left until end; 0 when it has passed. */
static int
left(const struct timespec *end)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/*
 * Waits, in non-blocking mode, until what was sent is flushed and a
 * result can be read without blocking. Returns 0 (ready, or the
 * connection failed: PQgetResult says how), or -1 when end passed first.
 */
static int
await(struct db *db, const struct timespec *end)
{
	struct pollfd p;
	int f, ms, r;

	for (;;) {
		if ((f = PQflush(db->conn)) == -1)
			return 0;
		if (f == 0 && !PQisBusy(db->conn))
			return 0;
		if ((ms = left(end)) == 0)
			return -1;
		p.fd = PQsocket(db->conn);
		p.events = POLLIN | (f == 1 ? POLLOUT : 0);
		p.revents = 0;
		if ((r = poll(&p, 1, ms)) == -1 && errno != EINTR)
			return 0;
		if (r > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) &&
		    PQconsumeInput(db->conn) == 0)
			return 0;
	}
}

/* The time a round trip may take now, milliseconds; 0: no limit. */
static int
budget(const struct db *db)
{
	int ms;

	if (!db->timed)
		return db->max_wait_ms;
	if (db->timed == DB_WAIT_EACH && db->intx)
		return db->each_ms;
	/* Past the deadline: one last look, no wait. */
	return (ms = left(&db->until)) > 0 ? ms : 1;
}

/* Sets end to ms milliseconds from now. */
static void
deadline(struct timespec *end, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, end);
	end->tv_sec += ms / 1000;
	end->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end->tv_nsec >= 1000000000L) {
		end->tv_sec++;
		end->tv_nsec -= 1000000000L;
	}
}

/* Gives up on a connection that did not answer in time. */
static void
drop(struct db *db)
{
	log_warnx("%s database: no answer in time; dropping the connection",
	    db->name);
	PQfinish(db->conn);
	db->conn = NULL;
	db->intx = 0;
}

/*
 * PQexec/PQexecParams within budget(): the statement is sent and its
 * results read without blocking. Like PQexec, returns the last result,
 * or the first that failed. *late is set when the time ran out (the
 * connection is then dropped and NULL returned).
 */
static PGresult *
timed(struct db *db, const char *sql, int n, const char *const *params,
    int *late)
{
	struct timespec end;
	PGresult *res = NULL, *r;
	ExecStatusType st;
	int sent;

	*late = 0;
	deadline(&end, budget(db));
	if (PQsetnonblocking(db->conn, 1) != 0)
		return NULL;
	sent = n < 0
	    ? PQsendQuery(db->conn, sql)
	    : PQsendQueryParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (sent != 1)
		goto out;
	for (;;) {
		if (await(db, &end) != 0) {
			PQclear(res);
			drop(db);
			*late = 1;
			return NULL;
		}
		if ((r = PQgetResult(db->conn)) == NULL)
			break;
		st = res != NULL ? PQresultStatus(res) : PGRES_COMMAND_OK;
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			PQclear(res);
			res = r;
		} else {
			PQclear(r);
		}
	}
out:
	(void)PQsetnonblocking(db->conn, 0);
	return res;
}

static enum err send_begin(struct db *db);
static enum err pipeline(struct db *db, const struct db_stmt *s, size_t n,
    PGresult **res, int first_ms);

/*
 * Runs one statement as BEGIN, db->tx_sql, the statement, COMMIT, in one
 * round trip; a lost connection is retried once, as run() does.
 */
static PGresult *
run_local(struct db *db, const char *sql, int n, const char *const *params,
    enum err *rc)
{
	struct db_stmt all[4] = {
		{ "BEGIN", 0, NULL },
		{ db->tx_sql, 0, NULL },
		{ sql, n, params },
		{ "COMMIT", 0, NULL },
	};
	PGresult *r[4], *res;
	int attempt, i;

	for (attempt = 0; attempt < 2; attempt++) {
		*rc = pipeline(db, all, 4, r, 0);
		res = r[2];
		for (i = 0; i < 4; i++)
			if (i != 2)
				PQclear(r[i]);
		if (*rc == ERR_OK)
			return res;
		PQclear(res);
		/* The error left the transaction open (the COMMIT skipped). */
		if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK) {
			if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
				PQclear(PQexec(db->conn, "ROLLBACK"));
			break;
		}
		if (*rc != ERR_DB || db->conn == NULL)
			break;
		log_warnx("%s connection lost, reconnecting: %s", db->name,
		    PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
	}
	return NULL;
}

/*
 * Runs sql with PQexecParams, or with PQexec (the simple protocol, which
 * takes several statements in one round trip, no parameters) when n is
 * -1. A lost connection outside a transaction is retried once.
 */
static PGresult *
run(struct db *db, const char *sql, int n, const char *const *params,
    enum err *rc)
{
	PGresult *res = NULL;
	ExecStatusType st;
	int attempt, late;

	/* The pending BEGIN and SET go in the same round trip. */
	if (db->begin_ms > 0 && n >= 0) {
		struct db_stmt one = { sql, n, params };

		*rc = db_pipeline(db, &one, 1, &res);
		return res;
	}
	if (db->begin_ms > 0 && (*rc = send_begin(db)) != ERR_OK)
		return NULL;
	if (db->tx_sql != NULL && !db->intx && n >= 0)
		return run_local(db, sql, n, params, rc);
	for (attempt = 0; attempt < 2; attempt++) {
		if ((*rc = db_connect(db)) != ERR_OK)
			return NULL;
		if (budget(db) > 0) {
			res = timed(db, sql, n, params, &late);
			if (late) {
				*rc = ERR_TIMEOUT;
				return NULL;
			}
		} else {
			res = n < 0 ? PQexec(db->conn, sql)
			            : PQexecParams(db->conn, sql, n, NULL,
			                  params, NULL, NULL, 0);
		}
		st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			*rc = ERR_OK;
			return res;
		}
		*rc = classify(res);
		if (PQstatus(db->conn) == CONNECTION_OK || db->intx) {
			if (*rc == ERR_DB)
				log_warnx("%s query failed: %s", db->name,
				    PQerrorMessage(db->conn));
			if (PQstatus(db->conn) != CONNECTION_OK)
				db->intx = 0;
			break;
		}
		/* The connection broke outside a transaction: retry once. */
		log_warnx("%s connection lost, reconnecting: %s", db->name,
		    PQerrorMessage(db->conn));
		PQclear(res);
		res = NULL;
		PQfinish(db->conn);
		db->conn = NULL;
		*rc = ERR_DB;
	}
	PQclear(res);
	return NULL;
}

PGresult *
db_exec(struct db *db, const char *sql, int n, const char *const *params,
    enum err *rc)
{
	return run(db, sql, n < 0 ? 0 : n, params, rc);
}

enum err
db_run(struct db *db, const char *sql, int n, const char *const *params)
{
	PGresult *res;
	enum err rc;

	res = db_exec(db, sql, n, params, &rc);
	PQclear(res);
	return rc;
}

enum err
db_run_count(struct db *db, const char *sql, int n, const char *const *params,
    long *rows)
{
	PGresult *res;
	enum err rc;

	*rows = 0;
	res = db_exec(db, sql, n, params, &rc);
	if (rc == ERR_OK)
		*rows = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

enum err
db_begin(struct db *db)
{
	enum err rc;

	if ((rc = db_run(db, "BEGIN", 0, NULL)) == ERR_OK)
		db->intx = 1;
	return rc;
}

enum err
db_pipeline_commit(struct db *db, const struct db_stmt *s, size_t n,
    PGresult **res)
{
	struct db_stmt all[DB_PIPELINE_MAX + 1];
	PGresult *r[DB_PIPELINE_MAX + 1];
	enum err rc;
	size_t i;

	if (n > DB_PIPELINE_MAX)
		return ERR_INPUT;
	memcpy(all, s, n * sizeof(*s));
	all[n] = (struct db_stmt){ "COMMIT", 0, NULL };
	rc = db_pipeline(db, all, n + 1, r);
	PQclear(r[n]);
	for (i = 0; i < n; i++)
		res[i] = r[i];
	/* Committed, or rolled back by the server after an error. */
	if (rc == ERR_OK || db->conn == NULL ||
	    PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
		db->intx = 0;
		db->timed = 0;
	}
	return rc;
}

/* How much longer than the server's statement_timeout the client waits. */
#define WAIT_MARGIN_MS 300
/* How long a BEGIN may wait for a pooler's server connection. */
#define BEGIN_WAIT_MS 500

/*
 * Sends the n statements in pipeline mode and reads their results; the
 * first result must come within first_ms when that is > 0 (a BEGIN that
 * a pooler holds for want of a server connection).
 */
static enum err
pipeline(struct db *db, const struct db_stmt *s, size_t n, PGresult **res,
    int first_ms)
{
	struct timespec end = { 0, 0 }, first_end, *wait;
	ExecStatusType st;
	PGresult *r;
	enum err rc = ERR_OK, first = ERR_OK;
	size_t i;
	int ms;

	for (i = 0; i < n; i++)
		res[i] = NULL;
	if ((rc = db_connect(db)) != ERR_OK)
		return rc;
	if ((ms = budget(db)) > 0) {
		deadline(&end, ms);
		if (PQsetnonblocking(db->conn, 1) != 0)
			return ERR_DB;
	}
	first_end = end;
	if (ms > 0 && first_ms > 0 && first_ms < ms)
		deadline(&first_end, first_ms);
	if (PQenterPipelineMode(db->conn) != 1) {
		log_warnx("%s: could not enter pipeline mode: %s", db->name,
		    PQerrorMessage(db->conn));
		if (ms > 0)
			(void)PQsetnonblocking(db->conn, 0);
		return ERR_DB;
	}
	for (i = 0; i < n; i++)
		if (PQsendQueryParams(db->conn, s[i].sql, s[i].n, NULL, s[i].v,
		        NULL, NULL, 0) != 1)
			break;
	if (i < n || PQpipelineSync(db->conn) != 1) {
		log_warnx("%s: could not send: %s", db->name,
		    PQerrorMessage(db->conn));
		first = ERR_DB;
		n = i;
		(void)PQpipelineSync(db->conn);
	}
	/* Each statement: its result, then NULL; then the sync's result. */
	for (i = 0; i < n; i++) {
		wait = i == 0 ? &first_end : &end;
		if (ms > 0 && await(db, wait) != 0)
			goto late;
		if ((r = PQgetResult(db->conn)) == NULL) {
			first = ERR_DB;
			break;
		}
		st = PQresultStatus(r);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			res[i] = r;
		} else {
			if (st != PGRES_PIPELINE_ABORTED && first == ERR_OK) {
				first = classify(r);
				if (first == ERR_DB)
					log_warnx("%s query failed: %s",
					    db->name, PQresultErrorMessage(r));
			}
			PQclear(r);
		}
		for (;;) {
			if (ms > 0 && await(db, &end) != 0)
				goto late;
			if ((r = PQgetResult(db->conn)) == NULL)
				break;
			PQclear(r);
		}
	}
	for (;;) {
		if (ms > 0 && await(db, &end) != 0)
			goto late;
		if ((r = PQgetResult(db->conn)) == NULL ||
		    PQresultStatus(r) == PGRES_PIPELINE_SYNC)
			break;
		PQclear(r);
	}
	PQclear(r);
	if (ms > 0)
		(void)PQsetnonblocking(db->conn, 0);
	if (PQexitPipelineMode(db->conn) != 1 ||
	    PQstatus(db->conn) != CONNECTION_OK) {
		if (first == ERR_OK)
			first = ERR_DB;
		log_warnx("%s: pipeline ended badly: %s", db->name,
		    PQerrorMessage(db->conn));
	}
	if (first != ERR_OK)
		for (i = 0; i < n; i++) {
			PQclear(res[i]);
			res[i] = NULL;
		}
	return first;
late:
	for (i = 0; i < n; i++) {
		PQclear(res[i]);
		res[i] = NULL;
	}
	drop(db);
	return ERR_TIMEOUT;
}

/* The statement that sets the pending transaction's timeout. */
static void
begin_set(const struct db *db, char *sql, size_t len)
{
	snprintf(sql, len, "SET LOCAL statement_timeout = %d", db->begin_ms);
}

enum err
db_pipeline(struct db *db, const struct db_stmt *s, size_t n, PGresult **res)
{
	struct db_stmt all[DB_PIPELINE_MAX + 3];
	PGresult *r[DB_PIPELINE_MAX + 3];
	char set[64];
	enum err rc;
	size_t i;

	if (db->begin_ms <= 0)
		return pipeline(db, s, n, res, 0);
	/* The pending BEGIN and SET LOCAL lead the first round trip. */
	if (n > DB_PIPELINE_MAX + 1)
		return ERR_INPUT;
	begin_set(db, set, sizeof(set));
	all[0] = (struct db_stmt){ "BEGIN", 0, NULL };
	all[1] = (struct db_stmt){ set, 0, NULL };
	memcpy(all + 2, s, n * sizeof(*s));
	db->begin_ms = 0;
	rc = pipeline(db, all, n + 2, r, BEGIN_WAIT_MS);
	/* A fresh connection starts outside: BEGIN may have run, end it. */
	db->intx = db->conn != NULL;
	PQclear(r[0]);
	PQclear(r[1]);
	for (i = 0; i < n; i++)
		res[i] = r[i + 2];
	return rc;
}

/* Sends a pending BEGIN and SET on their own (a simple-protocol query). */
static enum err
send_begin(struct db *db)
{
	char sql[96], set[64];
	struct timespec until = db->until;
	PGresult *res;
	enum err rc;

	begin_set(db, set, sizeof(set));
	snprintf(sql, sizeof(sql), "BEGIN; %s", set);
	db->begin_ms = 0;
	if (left(&until) > BEGIN_WAIT_MS)
		deadline(&db->until, BEGIN_WAIT_MS);
	res = run(db, sql, -1, NULL, &rc);
	PQclear(res);
	db->until = until;
	db->intx = db->conn != NULL;
	return rc;
}

enum err
db_begin_timeout(struct db *db, int ms, enum db_wait wait)
{
	/*
	 * A BEGIN is answered at once by a healthy server; a pooler that
	 * holds it has no server for us. The whole transaction then has the
	 * server's statement timeout and a margin: the server's timeout
	 * fires first, ours when nothing answers.
	 */
	deadline(&db->until, ms + WAIT_MARGIN_MS);
	db->timed = (int)wait;
	db->each_ms = ms + WAIT_MARGIN_MS;
	db->begin_ms = ms > 0 ? ms : 1;
	db->intx = 1;
	return ERR_OK;
}

enum err
db_commit(struct db *db)
{
	enum err rc = ERR_OK;

	/* Nothing was sent: nothing to commit. */
	if (db->begin_ms > 0)
		db->begin_ms = 0;
	else
		rc = db_run(db, "COMMIT", 0, NULL);
	db->intx = 0;
	db->timed = 0;
	return rc;
}

void
db_rollback(struct db *db)
{
	PGresult *res;

	db->timed = 0;
	db->begin_ms = 0;
	if (db->conn == NULL)
		db->intx = 0;
	if (!db->intx)
		return;
	db->intx = 0;
	res = PQexec(db->conn, "ROLLBACK");
	PQclear(res);
}

const char *
db_val(const PGresult *res, int row, int col)
{
	if (row >= PQntuples(res) || col >= PQnfields(res) ||
	    PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

int
db_connected(const struct db *db)
{
	return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

int
db_ping(struct db *db)
{
	return db_run(db, "SELECT 1", 0, NULL) == ERR_OK;
}

enum err
db_script(struct db *db, const char *sql)
{
	PGresult *res;
	enum err rc;

	if ((rc = db_connect(db)) != ERR_OK)
		return rc;
	res = PQexec(db->conn, sql);
	/* A script of comments only is an empty query, not an error. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_EMPTY_QUERY) {
		rc = classify(res);
		log_warnx("%s script failed: %s", db->name,
		    PQerrorMessage(db->conn));
		if (rc == ERR_OK)
			rc = ERR_DB;
	}
	PQclear(res);
	return rc;
}
