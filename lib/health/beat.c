#include <stdio.h>

#include "base/log.h"
#include "health/beat.h"

static const char SQL_WORKERS[] =
    "SELECT max(beat_at), extract(epoch FROM now() - max(beat_at))::bigint,"
    " count(*), count(*) FILTER (WHERE beat_at < now() - $1::int *"
    " interval '1 second'),"
    " string_agg(holder, ', ' ORDER BY holder) FILTER (WHERE beat_at <"
    " now() - $1::int * interval '1 second')"
    " FROM worker_heartbeats";

/* A worker that died a day ago is forgotten (its alert then recovers). */
static const char SQL_BEAT[] =
    "WITH gone AS (DELETE FROM worker_heartbeats"
    "  WHERE beat_at < now() - interval '1 day')"
    " INSERT INTO worker_heartbeats (holder, host, pid) VALUES ($1, $2,"
    " $3::int) ON CONFLICT (holder) DO UPDATE SET beat_at = now()";
static const char SQL_UNBEAT[] =
    "DELETE FROM worker_heartbeats WHERE holder = $1";

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

PGresult *
health_beats(struct db *db, long long max_age, enum err *rc)
{
	char max[24];
	const char *v[1] = { max };

	snprintf(max, sizeof(max), "%lld", max_age);
	return db_exec(db, SQL_WORKERS, 1, v, rc);
}
