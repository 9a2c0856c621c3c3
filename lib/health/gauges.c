/*
 * The gauges of GET /metrics. The heartbeats come from their writer
 * (health/beat); the other tables are read with SQL of their own, because
 * the writer has no such read or cannot be called from here: outbox_jobs
 * (io/outbox has no count by kind and state), sweep_state (sales/sweep, a
 * sibling on this floor), sync_runs (landing/sync, a sibling), the inbox
 * (sales/inbox, a sibling).
 */
#include <stdlib.h>
#include <string.h>

#include "health/beat.h"
#include "health/gauges.h"
#include "io/spool.h"

static const char SQL_GAUGE_OUTBOX[] =
    "SELECT kind, state, count(*) FROM outbox_jobs GROUP BY kind, state"
    " ORDER BY kind, state";
static const char SQL_GAUGE_SWEEP[] =
    "SELECT runs, failures, recovered, coalesce(extract(epoch FROM"
    " last_ok_at)::bigint, 0) FROM sweep_state WHERE name = 'amocrm'";
static const char SQL_GAUGE_INBOX[] =
    "SELECT count(*) FILTER (WHERE state = 'queued'),"
    " coalesce(extract(epoch FROM now() - min(received_at)"
    "  FILTER (WHERE state = 'queued'))::bigint, 0),"
    " count(*) FILTER (WHERE state = 'dead')"
    " FROM webhook_requests WHERE state = 'queued' OR state = 'dead'";
static const char SQL_GAUGE_SYNC[] =
    "SELECT trigger, status, count(*) FROM sync_runs GROUP BY trigger,"
    " status ORDER BY 1, 2";

/* The inbox of db, with db's name as the label. */
static void
inbox(struct db *db, struct buf *b)
{
	PGresult *res;
	enum err rc;

	if ((res = db_exec(db, SQL_GAUGE_INBOX, 0, NULL, &rc)) == NULL)
		return;
	buf_printf(b,
	    "amosync_inbox_queued{database=\"%s\"} %s\n"
	    "amosync_inbox_oldest_age_seconds{database=\"%s\"} %s\n"
	    "amosync_inbox_dead{database=\"%s\"} %s\n",
	    db->name, db_val(res, 0, 0), db->name, db_val(res, 0, 1), db->name,
	    db_val(res, 0, 2));
	PQclear(res);
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
	buf_adds(b,
	    "# HELP amosync_inbox_queued webhook deliveries kept and not yet "
	    "applied\n# TYPE amosync_inbox_queued gauge\n"
	    "# HELP amosync_inbox_oldest_age_seconds age of the oldest "
	    "queued delivery\n"
	    "# TYPE amosync_inbox_oldest_age_seconds gauge\n"
	    "# HELP amosync_inbox_dead deliveries set aside after their "
	    "last attempt\n# TYPE amosync_inbox_dead gauge\n");
	if (app->has_landing)
		inbox(&app->landing, b);
	if (app->has_traffic)
		inbox(&app->traffic, b);
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
	if ((res = health_beats(&app->traffic, 120, &rc)) != NULL) {
		if (db_val(res, 0, HB_AGE) != NULL)
			buf_printf(b,
			    "# HELP amosync_worker_heartbeat_age_seconds "
			    "seconds since the newest worker heartbeat\n"
			    "# TYPE amosync_worker_heartbeat_age_seconds "
			    "gauge\namosync_worker_heartbeat_age_seconds %s\n",
			    db_val(res, 0, HB_AGE));
		buf_printf(b,
		    "# HELP amosync_workers workers with a heartbeat row\n"
		    "# TYPE amosync_workers gauge\namosync_workers %s\n",
		    db_val(res, 0, HB_COUNT));
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
