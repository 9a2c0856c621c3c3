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
	/*
	 * Why the sale cannot be verified ("lead 5 is not in amoCRM", "lead
	 * 5 is in status 143 of pipeline 7, not won"), NULL when amoCRM has
	 * it won: then the values below are amoCRM's.
	 */
	const char *why;
	const char *contact_name;
	const char *phone;
	const char *email;
	const char *lead_name;
	const char *utm[ATTR_FIELD__MAX]; /* in enum attr_field order */
	const char *price;                /* decimal text */
	const char *pipeline;             /* decimal text */
};

/* What track_enrich() did. */
struct track_verdict {
	int found;             /* the sale is stored */
	int corrected;         /* values amoCRM changed (sale_corrections) */
	int team_changed;      /* the team is another one now */
	char verification[16]; /* "verified", "unverified", "" not found */
	char amount[32];       /* the amount stored when verified, else "" */
	char team[80];         /* the sale's team now, "" when none */
};

/*
 * Verifies a tracked sale against amoCRM, in the caller's transaction.
 * With e->why the sale becomes 'unverified' (kept, out of the totals,
 * never announced). Otherwise it becomes 'verified': amoCRM's price
 * (when > 0, else its pipeline's list price), pipeline and UTM tags replace what the webhook said, each
 * changed value is recorded in sale_corrections, the contact details are
 * stored, and the sale is attributed again when its tags changed or it
 * had no team. No such sale: ERR_OK with out->found 0.
 */
enum err track_enrich(struct sales_ctx *s, struct db *db,
    const struct track_enrichment *e, struct track_verdict *out);

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
