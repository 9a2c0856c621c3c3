#ifndef AMOSYNC_REPORT_LEAD_EVENTS_H
#define AMOSYNC_REPORT_LEAD_EVENTS_H

#include "base/jw.h"
#include "io/db.h"

/*
 * GET /api/traffic/leads/{lead_id}/events: a lead's stage changes
 * (lead_events, oldest first) with the names of both stages, the new and
 * the previous (the previous in the old pipeline, else the same one),
 * where the pipeline catalogue (pipeline_stages) knows them: the
 * timeline of a sale's details.
 */

/*
 * Writes "lead_id" and at most limit events of lead_id (a positive
 * bigint, checked by the caller) as array "events" of {event_at, action,
 * pipeline_id, status_id, stage, old_pipeline_id, old_status_id,
 * old_stage} into w.
 */
enum err lead_events(struct db *db, const char *lead_id, int limit,
    struct jw *w);

#endif
