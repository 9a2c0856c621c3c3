#ifndef AMOSYNC_SALES_TRACK_H
#define AMOSYNC_SALES_TRACK_H

#include "sales/ctx.h"
#include "sales/ingest.h"

/*
 * Sales tracking in the traffic database (R6, R9): every lead event is
 * appended to lead_events once; a lead that reaches 142 in any pipeline
 * becomes one all_sales_tracking row (unique lead_id) with its product,
 * amount, UTM tags and targetologist, and, only when that row is new, an
 * "enrich" job in the outbox, all in the caller's transaction.
 */
enum err track_store(struct sales_ctx *s, struct db *db,
    const struct amo_event *ev, const struct spool_meta *m,
    struct hook_result *res);

/* What amoCRM's API told about a sale's lead (all borrowed; NULL: none). */
struct track_enrichment {
	long long lead_id;
	const char *contact_name;
	const char *phone;
	const char *email;
	const char *lead_name;
	const char *utm[ATTR_FIELD__MAX]; /* in enum attr_field order */
	const char *price;                /* decimal text */
};

/*
 * Stores the enrichment of a tracked sale in the caller's transaction:
 * contact details always; UTM tags and the price only where the webhook
 * had none (the Digital Pipeline's compact form carries neither). A sale
 * without a team is attributed now, from the filled tags. team gets the
 * sale's team ("" when none). No such sale: ERR_OK, team "".
 */
enum err track_enrich(struct sales_ctx *s, struct db *db,
    const struct track_enrichment *e, char *team, size_t teamlen);

/*
 * The sales of [from, to] (days of time zone tz), locked until the
 * caller's transaction ends, as rows of enum sale_row (caller PQclear()s
 * *res; NULL on error).
 */
enum err track_sales_in(struct db *db, const char *from, const char *to,
    const char *tz, PGresult **res);

/* Sets the teams of changes, [{"id": uuid, "t": team, "c": confidence}]. */
enum err track_set_teams(struct db *db, const char *changes);

#endif
