#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
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

/*
 * The connection string is a secret (it may hold a password), so only the
 * server's own message is logged, and libpq never echoes passwords.
 */
enum err
db_connect(struct db *db)
{
	char timeout[16];
	const char *keys[] = { "connect_timeout", "application_name", "dbname",
		NULL };
	const char *vals[] = { timeout, "amosync", db->conninfo, NULL };

	if (db->conninfo == NULL)
		return ERR_CONFIG;
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return ERR_OK;
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->intx = 0;
	snprintf(timeout, sizeof(timeout), "%d", db->connect_timeout);
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL)
		return ERR_NOMEM;
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warnx("could not connect to the %s database: %s", db->name,
		    PQerrorMessage(db->conn));
		PQfinish(db->conn);
		db->conn = NULL;
		return ERR_DB;
	}
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
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if ((*rc = db_connect(db)) != ERR_OK)
			return NULL;
		res = n < 0 ? PQexec(db->conn, sql)
		            : PQexecParams(db->conn, sql, n, NULL, params, NULL,
		                  NULL, 0);
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
	if (rc == ERR_OK || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		db->intx = 0;
	return rc;
}

enum err
db_pipeline(struct db *db, const struct db_stmt *s, size_t n, PGresult **res)
{
	ExecStatusType st;
	PGresult *r;
	enum err rc = ERR_OK, first = ERR_OK;
	size_t i;

	for (i = 0; i < n; i++)
		res[i] = NULL;
	if ((rc = db_connect(db)) != ERR_OK)
		return rc;
	if (PQenterPipelineMode(db->conn) != 1) {
		log_warnx("%s: could not enter pipeline mode: %s", db->name,
		    PQerrorMessage(db->conn));
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
		while ((r = PQgetResult(db->conn)) != NULL)
			PQclear(r);
	}
	while ((r = PQgetResult(db->conn)) != NULL &&
	    PQresultStatus(r) != PGRES_PIPELINE_SYNC)
		PQclear(r);
	PQclear(r);
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
}

enum err
db_begin_timeout(struct db *db, int ms)
{
	char sql[96];
	PGresult *res;
	enum err rc;

	/* One round trip; SET LOCAL ends with the transaction (poolers). */
	snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL statement_timeout = %d",
	    ms);
	res = run(db, sql, -1, NULL, &rc);
	PQclear(res);
	/* BEGIN may have run without the SET: end it either way. */
	db->intx = 1;
	if (rc != ERR_OK)
		db_rollback(db);
	return rc;
}

enum err
db_commit(struct db *db)
{
	enum err rc;

	rc = db_run(db, "COMMIT", 0, NULL);
	db->intx = 0;
	return rc;
}

void
db_rollback(struct db *db)
{
	PGresult *res;

	if (!db->intx || db->conn == NULL)
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
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = classify(res);
		log_warnx("%s script failed: %s", db->name,
		    PQerrorMessage(db->conn));
		if (rc == ERR_OK)
			rc = ERR_DB;
	}
	PQclear(res);
	return rc;
}
