#ifndef AMOSYNC_IO_SPOOL_H
#define AMOSYNC_IO_SPOOL_H

#include <stddef.h>

#include "base/err.h"

/*
 * The spool: webhook requests that could not reach the database wait in a
 * directory, one file each, until they are replayed (docs/architecture.md,
 * durability model step 2). A file is a short text header (request id,
 * amoCRM request id, remote address, user agent, content type) and the
 * raw body.
 */

/* A request as it is spooled and replayed. */
struct spool_meta {
	const char *endpoint;  /* "funnel-sale", "sales-webhook" */
	const char *reqid;     /* nginx request id */
	const char *amo_reqid; /* X-Amocrm-Requestid */
	const char *remote;
	const char *user_agent;
	const char *ctype;
	const char *body;
	size_t bodysz;
};

/* Where the files that can never be replayed are moved: <dir>/bad/. */
#define SPOOL_BAD "bad"

/*
 * Writes m to dir as a temporary file, fsync()s it and renames it into
 * place, so a crash leaves either nothing or a whole file. ERR_CONFIG when
 * dir is empty, ERR_IO or ERR_NOMEM otherwise.
 */
enum err spool_write(const char *dir, const struct spool_meta *m);

/*
 * Parses a spool file's bytes (data[len] must be a NUL the caller added,
 * as struct buf does). The header lines are cut in place; m's strings and
 * body point into data. Returns ERR_OK or ERR_INPUT.
 */
enum err spool_parse(char *data, size_t len, struct spool_meta *m);

/*
 * Reads and parses the spool file at path. *data (caller frees) owns
 * everything m points into. ERR_IO, ERR_NOMEM or ERR_INPUT on failure.
 */
enum err spool_read(const char *path, struct spool_meta *m, char **data);

/*
 * What replaying one request came to, as spool_replay()'s callback says:
 *   ERR_OK   its data is committed (stored, or recorded as rejected):
 *            the file is removed;
 *   ERR_DB   it could not be stored now: the file is put back and the
 *            replay stops, to try again later;
 *   other    it can never be processed: the file is moved to bad/.
 */
typedef enum err (*spool_fn)(void *arg, const struct spool_meta *m);

struct spool_stats {
	int done;  /* removed after the callback said ERR_OK */
	int bad;   /* moved to bad/ */
	int later; /* put back */
};

/*
 * Replays endpoint's files in dir, oldest first. Each file is claimed by
 * renaming it to ".claim-<pid>-<name>", so an endpoint and a worker
 * replaying one directory never take the same file; files claimed by a
 * process that no longer runs are put back first. A file that is not a
 * spool file (malformed) is moved to bad/ and logged; one that cannot be
 * read now is put back. Nothing is removed before the callback said its
 * data is committed. st may be NULL. Returns st->done.
 */
int spool_replay(const char *dir, const char *endpoint, spool_fn fn, void *arg,
    struct spool_stats *st);

/*
 * Counts the requests waiting in dir (files to replay and files being
 * replayed, not bad/) and the age in seconds of the oldest, 0 when none;
 * *bad counts bad/ (may be NULL). An empty dir setting is 0 files.
 * ERR_IO when dir cannot be read.
 */
enum err spool_stat(const char *dir, long *files, long *oldest_age, long *bad);

#endif
