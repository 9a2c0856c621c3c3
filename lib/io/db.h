#ifndef AMOSYNC_IO_DB_H
#define AMOSYNC_IO_DB_H

#include <time.h>

#include <libpq-fe.h>

#include "base/err.h"

/*
 * PostgreSQL access. One struct db per database per process, connected
 * lazily and reconnected after a failure. Only unnamed statements
 * (PQexecParams) and no session state, so it works through a
 * transaction-mode pooler (Supabase, PgBouncer).
 */
struct db {
	char name[16];  /* "traffic", "landing": for log lines */
	char *conninfo; /* libpq URI or key=value string; secret */
	PGconn *conn;
	int intx; /* inside BEGIN ... COMMIT */
	int connect_timeout;
	int failures;       /* connection attempts failed in a row */
	long long next_try; /* monotonic ms before which none is made */
	/*
	 * Inside a db_begin_timeout() transaction (timed set): the moment by
	 * which its every round trip must have been answered; past it the
	 * statement is given up (ERR_TIMEOUT) and the connection dropped. A
	 * pooler in front of a database that is down, or out of server
	 * connections, accepts a statement and holds it; the server's
	 * statement_timeout has not started, so the client keeps the time.
	 */
	struct timespec until;
	int timed;   /* 0, or the enum db_wait of the transaction */
	int each_ms; /* DB_WAIT_EACH: each round trip's limit */
	/*
	 * > 0: a db_begin_timeout() transaction whose BEGIN and SET LOCAL
	 * statement_timeout = begin_ms have not been sent yet; they go with
	 * its first round trip.
	 */
	int begin_ms;
	/*
	 * > 0: the same limit for every other round trip (the webhook
	 * programs set it: an attribution lookup must not outlast amoCRM's
	 * 2 s either). 0: wait as long as the server takes.
	 */
	int max_wait_ms;
	/*
	 * NULL, or a SET LOCAL that every statement run outside a
	 * transaction gets: it is sent as BEGIN, this, the statement and
	 * COMMIT, in one round trip (a pooler's next client never inherits
	 * it). The report programs turn JIT off this way.
	 */
	const char *tx_sql;
};

/* Copies conninfo; does not connect. Empty conninfo gives ERR_CONFIG. */
enum err db_init(struct db *db, const char *name, const char *conninfo);
void db_free(struct db *db);

/*
 * Connects, or reconnects a broken connection. A failure is logged once,
 * loudly, with libpq's reason; while the database stays unreachable the
 * next attempts wait with a growing delay (up to DB_BACKOFF_MAX_MS; in
 * between db_connect() fails at once, ERR_DB) and are logged at debug
 * level. The first success after failures is logged too.
 */
enum err db_connect(struct db *db);

#define DB_BACKOFF_MAX_MS 4000

/*
 * Connects once, logging nothing, waiting for no backoff: ERR_OK, or
 * ERR_DB and libpq's reason in why[0..len) (--check).
 */
enum err db_try(struct db *db, char *why, size_t len);

/* Closes the connection, if any (before a fork: a child opens its own). */
void db_close(struct db *db);

/*
 * Runs sql with n text parameters (a NULL entry is SQL NULL). Returns the
 * result (caller PQclear()s it) and ERR_OK in *rc, or NULL and the error:
 * ERR_CONFLICT for a unique violation, ERR_VALIDATION for bad data
 * (classes 22 and 23), ERR_TIMEOUT for a statement or lock timeout,
 * ERR_DB otherwise. Outside a transaction a lost
 * connection is re-established and the statement retried once.
 */
PGresult *db_exec(struct db *db, const char *sql, int n,
    const char *const *params, enum err *rc);

/* Runs a statement whose result is not needed. */
enum err db_run(struct db *db, const char *sql, int n,
    const char *const *params);

/* db_run(), and the rows it inserted, updated or deleted in *rows. */
enum err db_run_count(struct db *db, const char *sql, int n,
    const char *const *params, long *rows);

/* One statement of db_pipeline(): its text and text parameters. */
struct db_stmt {
	const char *sql;
	int n;
	const char *const *v;
};

/*
 * Sends the n statements together and waits once (libpq pipeline mode:
 * one round trip), inside the current transaction; "COMMIT" may be the
 * last. res[i] gets each result (the caller PQclear()s them; NULL from
 * the first error on: the server skips the rest). Returns ERR_OK or the
 * first error, classified as db_exec() does. Unnamed statements only, so
 * it works through a transaction-mode pooler too.
 */
enum err db_pipeline(struct db *db, const struct db_stmt *s, size_t n,
    PGresult **res);

/* The most statements db_pipeline_commit() takes. */
#define DB_PIPELINE_MAX 8

/*
 * db_pipeline() of the n statements and COMMIT, ending the transaction:
 * the work and the commit in one round trip. res has n entries.
 */
enum err db_pipeline_commit(struct db *db, const struct db_stmt *s, size_t n,
    PGresult **res);

enum err db_begin(struct db *db);

/* How long the client waits in a db_begin_timeout() transaction. */
enum db_wait {
	DB_WAIT_TOTAL = 1, /* the whole transaction, BEGIN to COMMIT: ms and a
	                      margin (a request someone waits for) */
	DB_WAIT_EACH,      /* each round trip: ms and a margin (a replay of
	                      thousands of statements) */
};

/*
 * Begins a transaction whose statements each time out after ms
 * milliseconds (SET LOCAL: it ends with the transaction, so a pooler's
 * next client never inherits it). Nothing is sent now: BEGIN and the SET
 * go with the transaction's first statements, in their round trip, and
 * a transaction that sent nothing commits without a round trip. The
 * client also keeps the time (how: wait), since a pooler may hold a
 * statement the server never started: an answer that does not come in
 * time is ERR_TIMEOUT and the connection is dropped. The BEGIN's answer
 * may take at most half a second (a pooler's server connection).
 * Returns ERR_OK; errors show with the first statement.
 */
enum err db_begin_timeout(struct db *db, int ms, enum db_wait wait);
enum err db_commit(struct db *db);
/* Rolls back if inside a transaction; never fails. */
void db_rollback(struct db *db);

/* Returns the value at (row, col), or NULL for SQL NULL; borrowed. */
const char *db_val(const PGresult *res, int row, int col);

/*
 * Runs a script of several statements (simple query protocol, no
 * parameters). For migrations only; the request path uses db_exec().
 */
enum err db_script(struct db *db, const char *sql);

/*
 * Returns 1 if the connection is open and was not lost, without a round
 * trip: after an error, says whether it was the statement's or the
 * connection's.
 */
int db_connected(const struct db *db);

/* Returns 1 if the connection is up, after a cheap round trip. */
int db_ping(struct db *db);

#endif
