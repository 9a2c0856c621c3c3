#ifndef AMOSYNC_LANDING_LEADS_H
#define AMOSYNC_LANDING_LEADS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/jw.h"
#include "io/db.h"

/*
 * landing_leads (landing database): this module is its one writer and
 * the reader of the leads API. Phones and e-mails are compared in their
 * normalised forms, amosync_phone_norm()/amosync_email_norm() in SQL
 * (sql/landing/003-sync.sql), the same rules as text_phone_norm() and
 * text_email_norm(), each backed by an expression index.
 */

/*
 * What a pull sync knows of amoCRM, as rows of (lead, contact, the
 * lead's created_at, "email" or "phone", normalised value), appended
 * with landing_keys_add(). Newest leads win a tie: see landing_match().
 */
struct landing_keys {
	struct buf lead; /* PostgreSQL array literals, built as we go */
	struct buf contact;
	struct buf created;
	struct buf kind;
	struct buf key;
	size_t n;
};

void landing_keys_init(struct landing_keys *k);
void landing_keys_free(struct landing_keys *k);
/* Adds one row; key is already normalised. */
void landing_keys_add(struct landing_keys *k, long long lead_id,
    long long contact_id, long long created_at, const char *kind,
    const char *key);

/* What landing_match() did. */
struct landing_match {
	long long matched;   /* landing leads that match an amoCRM lead */
	long long updated;   /* of them, rows whose amoCRM ids changed */
	long long by_email;  /* matched through an e-mail */
	long long by_phone;  /* only through a phone */
	long long already;   /* matched, and already pointing at that lead */
	long long ambiguous; /* matched more than one amoCRM lead */
	struct buf ids;      /* matched landing ids, a uuid[] literal */
};

void landing_match_free(struct landing_match *m);

/*
 * Matches every landing lead against the keys in one statement of the
 * current transaction (or on its own): a landing lead whose normalised
 * e-mail or phone equals a key takes that amoCRM lead; when it matches
 * several, the newest (created_at, then id) wins, an e-mail before a
 * phone. Sets amocrm_lead_id, amocrm_contact_id, amocrm_synced where
 * they change. ambiguous, when not NULL, receives the first list_max
 * ambiguous matches as JSON array elements {landing_lead_id,
 * amocrm_lead_id, candidates}. The caller frees m.
 */
enum err landing_match(struct db *db, const struct landing_keys *k,
    int list_max, struct landing_match *m, struct jw *ambiguous);

/*
 * Writes the members of a sync answer's "data" that come from the
 * database into w (an open object): total_landing_leads, email_sent,
 * email_failed, sms_sent, sms_failed, synced (the matched leads of m,
 * newest first, at most list_max) and not_synced (leads not synced,
 * newest first, at most list_max) with their totals synced_total and
 * not_synced_total. *not_synced and *total receive the two counts.
 */
enum err landing_sync_summary(struct db *db, const struct landing_match *m,
    int list_max, struct jw *w, long long *total, long long *not_synced);

/* The filters and page of GET /api/landing/leads; NULL: no filter. */
struct landing_filter {
	const char *utm_source, *utm_medium, *utm_campaign, *source;
	const char *synced;       /* "yes", "no" */
	const char *email_status; /* sent opened clicked error none */
	const char *sms_status;   /* sent clicked error none */
	const char *from, *to;    /* YYYY-MM-DD, in tz, inclusive */
	const char *tz;           /* AMOSYNC_TIMEZONE */
	const char *q;            /* free text: name, e-mail, phone */
	const char *sort;         /* created_at -created_at name -name */
	const char *after;        /* keyset cursor of the previous page */
	long long limit;
	struct buf *csv; /* if set: the page as CSV here, w unused */
};

/*
 * Writes "total" (leads that pass the filters), "leads":[...] (one page)
 * and "next_after" (the cursor of the next page, null at the end) into w;
 * or, when f->csv is set, the page as CSV (a header row, then one row per
 * lead, the columns of csv_cols in leads.c) into f->csv.
 * A malformed cursor is ERR_VALIDATION.
 */
enum err landing_leads_list(struct db *db, const struct landing_filter *f,
    struct jw *w);

/* Writes member "lead":{...} of one lead; ERR_NOTFOUND if none. */
enum err landing_lead_get(struct db *db, const char *id, struct jw *w);

/*
 * Writes the Landing Admin's counters for leads created from..to (NULL:
 * no bound) in tz: "totals" {...} and "by_source", "by_utm_source"
 * arrays of {value, leads, ...}.
 */
enum err landing_leads_stats(struct db *db, const char *from, const char *to,
    const char *tz, struct jw *w);

/*
 * The push's states, in amocrm_sync_status: a lead is "queued" by a
 * request, "pushing" while a worker creates it in amoCRM, then "synced"
 * (with its ids) or "failed" (amocrm_sync_last_error says why; it may be
 * queued again). A lead with an amocrm_lead_id, queued or pushing is
 * never queued again: two requests, however close, queue it once.
 */

/*
 * Queues lead id (NULL: every lead) for the push. *total is the leads
 * looked at, *queued those newly queued, *skipped the others (already in
 * amoCRM, queued or pushing). For one lead, lead (may be NULL) receives
 * members "lead":{id,name,phone,email}, "amocrm_lead_id" and
 * "amocrm_sync_status" as they are now; ERR_NOTFOUND if there is none.
 */
enum err landing_leads_queue(struct db *db, const char *id, long long *total,
    long long *queued, long long *skipped, struct jw *lead);

/* Takes a queued lead out of the queue again: "failed" with error. */
enum err landing_leads_unqueue(struct db *db, const char *id,
    const char *error);

/* Leads that landing_leads_queue(db, NULL, ...) would queue now. */
enum err landing_leads_queueable(struct db *db, long long *n);

/* A lead a worker claimed for the push; strings owned by the batch. */
struct landing_push_lead {
	const char *id, *name, *phone, *email, *source;
	const char *utm[5]; /* source, medium, campaign, content, term */
	long long price;    /* the Express price for source expresscourse */
};

struct landing_push_batch {
	PGresult *res; /* owns the strings */
	struct landing_push_lead v[50];
	size_t n;
};

/*
 * Claims at most max (<= 50) queued leads, oldest first, as "pushing"
 * (SKIP LOCKED: concurrent workers take different leads). Free b with
 * landing_push_batch_free().
 */
enum err landing_leads_claim(struct db *db, long long pipeline_id, int max,
    struct landing_push_batch *b);
void landing_push_batch_free(struct landing_push_batch *b);

/* Stores the amoCRM ids of pushed leads: "synced". */
enum err landing_leads_pushed(struct db *db, const struct landing_push_batch *b,
    const long long *lead_ids, const long long *contact_ids);

/*
 * Records a failed push of the batch: back to "queued" (retry) or
 * "failed" (permanent), with error.
 */
enum err landing_leads_push_failed(struct db *db,
    const struct landing_push_batch *b, int permanent, const char *error);

/* Returns 1 if s is a UUID in its canonical text form. */
int landing_is_uuid(const char *s);

#endif
