#ifndef AMOSYNC_LANDING_LEADS_INT_H
#define AMOSYNC_LANDING_LEADS_INT_H

#include "base/jw.h"
#include "io/db.h"

/*
 * What the files of the writer of landing_leads share (leads.c: the
 * lists, a lead, the stats; leads_match.c: the sync's matching;
 * leads_queue.c: the push queue): not for use outside lib/landing/.
 */

/* Timestamps as ISO 8601 UTC with microseconds (exact, for cursors). */
#define TS(c)                                                                  \
	"to_char(" c " AT TIME ZONE 'UTC', "                                   \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* The columns of a lead as every answer shows it; see enum lead_col
 * (leads.c). */
/* clang-format off */
#define LEAD_COLS \
	"l.id::text, l.name, l.email, l.phone, l.source, " \
	TS("l.created_at") ", l.amocrm_lead_id, l.amocrm_contact_id," \
	" l.amocrm_synced, l.amocrm_sync_status, l.amocrm_sync_last_error," \
	" l.email_sent, " TS("l.email_sent_at") ", l.email_error," \
	" l.email_opened_at IS NOT NULL, l.email_clicked, l.sms_sent, " \
	TS("l.sms_sent_at") ", l.sms_error, l.sms_clicked, l.utm_source," \
	" l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term, " \
	TS("l.updated_at") ", l.name"
/* clang-format on */

/* Whether a boolean column's text is true ("t"). */
int leads_istrue(const char *s);

/* Writes array key of every row of res. */
void leads_write(struct jw *w, const char *key, const PGresult *res);

/* The bigint column col of row, 0 when NULL. */
long long leads_num(const PGresult *res, int row, int col);

#endif
