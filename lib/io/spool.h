#ifndef AMOSYNC_IO_SPOOL_H
#define AMOSYNC_IO_SPOOL_H

#include <stddef.h>

#include "base/err.h"
#include "sales/ingest.h"

/*
 * The spool: webhook requests that could not reach the database wait in a
 * directory, one file each, until they are replayed (DESIGN.md,
 * durability model step 2). A file is a short text header (request id,
 * amoCRM request id, remote address, user agent, content type) and the
 * raw body.
 */

/*
 * Writes m to dir as a temporary file, fsync()s it and renames it into
 * place, so a crash leaves either nothing or a whole file. ERR_CONFIG when
 * dir is empty, ERR_IO or ERR_NOMEM otherwise.
 */
enum err spool_write(const char *dir, const struct hook_meta *m);

/*
 * Parses a spool file's bytes (data[len] must be a NUL the caller added,
 * as struct buf does). The header lines are cut in place; m's strings and
 * body point into data. Returns ERR_OK or ERR_INPUT.
 */
enum err spool_parse(char *data, size_t len, struct hook_meta *m);

/*
 * Reads and parses the spool file at path. *data (caller frees) owns
 * everything m points into. ERR_IO, ERR_NOMEM or ERR_INPUT on failure.
 */
enum err spool_read(const char *path, struct hook_meta *m, char **data);

#endif
