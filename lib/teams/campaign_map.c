#include <stdio.h>

#include "teams/audit.h"
#include "teams/campaign_map.h"

#define MAP_COLS                                                               \
	"m.id, m.utm_campaign, m.campaign, m.created_by, "                     \
	"to_char(m.created_at AT TIME ZONE 'UTC',"                             \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The columns of MAP_COLS, then the row as JSON for the audit. */
enum map_col { MC_ID, MC_UTM, MC_CAMPAIGN, MC_BY, MC_AT, MC_JSON, MC__MAX };

static const char SQL_LIST[] = "SELECT " MAP_COLS " FROM campaign_map m"
                               " ORDER BY lower(m.utm_campaign), m.id";
static const char SQL_INSERT[] =
    "INSERT INTO campaign_map AS m (utm_campaign, campaign, created_by)"
    " VALUES (btrim($1), btrim($2), $3) RETURNING " MAP_COLS ", to_jsonb(m)";
static const char SQL_LOCK[] = "SELECT " MAP_COLS ", to_jsonb(m)"
                               " FROM campaign_map m WHERE m.id = $1::bigint"
                               " FOR UPDATE";
static const char SQL_DELETE[] =
    "DELETE FROM campaign_map WHERE id = $1::bigint";

/* Writes row i of res as object key of w (NULL: an array element). */
static void
one(struct jw *w, const char *key, const PGresult *res, int i)
{
	jw_obj(w, key);
	jw_numstr(w, "id", db_val(res, i, MC_ID));
	jw_str(w, "utm_campaign", db_val(res, i, MC_UTM));
	jw_str(w, "campaign", db_val(res, i, MC_CAMPAIGN));
	jw_str(w, "created_by", db_val(res, i, MC_BY));
	jw_str(w, "created_at", db_val(res, i, MC_AT));
	jw_obj_end(w);
}

enum err
teams_campaign_map_list(struct db *db, struct jw *w)
{
	PGresult *res;
	enum err rc;
	int i;

	if ((res = db_exec(db, SQL_LIST, 0, NULL, &rc)) == NULL)
		return rc;
	jw_arr(w, "mappings");
	for (i = 0; i < PQntuples(res); i++)
		one(w, NULL, res, i);
	jw_arr_end(w);
	PQclear(res);
	return ERR_OK;
}

enum err
teams_campaign_map_create(struct db *db, const char *actor, const char *utm,
    const char *campaign, struct jw *w)
{
	const char *v[3] = { utm, campaign, actor };
	struct teams_change c = { .action = "create",
		.entity = "campaign_map",
		.before_col = -1,
		.write = { SQL_INSERT, 3, v },
		.id_col = MC_ID,
		.after_col = MC_JSON };
	PGresult *res;
	enum err rc;

	if ((rc = teams_change(db, actor, &c, &res)) == ERR_OK) {
		one(w, "mapping", res, 0);
		PQclear(res);
	}
	return rc;
}

enum err
teams_campaign_map_delete(struct db *db, const char *actor, const char *id,
    struct jw *w)
{
	const char *v[1] = { id };
	struct teams_change c = { .action = "delete",
		.entity = "campaign_map",
		.id = id,
		.lock = { SQL_LOCK, 1, v },
		.before_col = MC_JSON,
		.write = { SQL_DELETE, 1, v },
		.id_col = MC_ID,
		.after_col = -1 };
	PGresult *res;
	enum err rc;

	if ((rc = teams_change(db, actor, &c, &res)) == ERR_OK) {
		one(w, "mapping", res, 0);
		PQclear(res);
	}
	return rc;
}
