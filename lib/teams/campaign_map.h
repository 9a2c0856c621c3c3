#ifndef AMOSYNC_TEAMS_CAMPAIGN_MAP_H
#define AMOSYNC_TEAMS_CAMPAIGN_MAP_H

#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * The campaign mapping (campaign_map; this module is its only writer):
 * which ad campaign an utm_campaign means when it is neither the
 * campaign's name nor its id, for the campaign report (report/roi.c).
 * Every change is audited in its transaction (teams/audit, entity
 * "campaign_map") by actor. A mapping is answered as {id, utm_campaign,
 * campaign, created_by, created_at}.
 */

#define CAMPAIGN_MAP_MAX 200 /* characters of either side */

/* Writes "mappings":[...] (by utm_campaign) into w. */
enum err teams_campaign_map_list(struct db *db, struct jw *w);

/*
 * Maps utm (trimmed, any case) to campaign; one that maps it already is
 * ERR_CONFLICT. Writes "mapping" into w.
 */
enum err teams_campaign_map_create(struct db *db, const char *actor,
    const char *utm, const char *campaign, struct jw *w);

/* Removes mapping id (a positive bigint): ERR_NOTFOUND when none. */
enum err teams_campaign_map_delete(struct db *db, const char *actor,
    const char *id, struct jw *w);

#endif
