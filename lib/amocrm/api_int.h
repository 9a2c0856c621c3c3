#ifndef AMOSYNC_AMOCRM_API_INT_H
#define AMOSYNC_AMOCRM_API_INT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Declared in amocrm/api.h, io/http.h and json-c. */
struct amocrm;
struct amocrm_status;
struct amocrm_lead;
struct amocrm_leads;
struct amocrm_contact;
struct amocrm_contacts;
struct http_resp;
struct json_object;

/*
 * What the files of the amoCRM client share (api.c: the client, its
 * calls and errors; leads.c, contacts.c, answers.c): not for use outside
 * lib/amocrm/.
 */

/* Empties st (no status, no reason). */
void amo_status_clear(struct amocrm_status *st);

/* Sets st's reason from fmt; token (may be NULL) never reaches it. */
void amo_status_set(struct amocrm_status *st, const char *token,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The integer member key of o; 0 if absent or not a number. */
long long amo_jint(struct json_object *o, const char *key);

/* Returns a copy of a string or number member; NULL if absent or null. */
char *amo_jstr(struct json_object *o, const char *key, enum err *rc);

/* The array member key of o; NULL if absent or not an array. */
struct json_object *amo_jarr(struct json_object *o, const char *key);

/* Writes the problem+json title and detail of an error body into out. */
void amo_problem(const struct http_resp *r, char *out, size_t outsz);

/* Seconds the server asks us to wait: body retry_after, else the header. */
long amo_retry_after(const struct http_resp *r);

/*
 * GETs url (what names the object, for messages) and classifies the
 * answer. Returns ERR_OK with *root the parsed JSON object (caller puts),
 * or NULL for 204; otherwise the error, with st filled and one warning
 * logged. 429s are retried as a->retries allows.
 */
enum err amo_call(struct amocrm *a, const char *url, const char *body,
    long timeout, const char *what, struct json_object **root,
    struct amocrm_status *st);

/*
 * Reads the pipelines of a GET /api/v4/leads/pipelines answer (root)
 * into out (amocrm_pipelines_list()'s limits). ERR_NOMEM, out empty.
 */
enum err amo_pipelines_from_json(struct amocrm_pipelines *out,
    struct json_object *root);

/* Frees the n strings of v and v. */
void amo_strv_free(char **v, size_t n);

/* Appends the non-null values[k].value of field f to *v (count *n). */
enum err amo_values_add(struct json_object *f, char ***v, size_t *n);

/* Fills l from one lead object of the API. On error l is partly filled. */
enum err amo_lead_from_json(struct amocrm_lead *l, struct json_object *o);

/* Fills c from one contact object. On error c is partly filled. */
enum err amo_contact_from_json(struct amocrm_contact *c, struct json_object *o);

/*
 * Turns a _links.next.href into the URL to fetch. The path and query are
 * kept but the origin is always our base: the bearer token must not go
 * to a host the answer names. Returns ERR_OK or ERR_HTTP (not a leads
 * link), ERR_NOMEM.
 */
enum err amo_next_url(struct amocrm *a, const char *href, const char *prefix,
    struct buf *url);

/*
 * Adds the leads of one page to ls, up to limit in all; a lead already
 * held (pages shift when leads are added meanwhile) is skipped. Returns
 * ERR_OK or ERR_NOMEM; *got is how many leads the page had.
 */
enum err amo_leads_page_add(struct amocrm_leads *ls, struct json_object *root,
    size_t limit, size_t *got);

/* Adds the contacts of one list page to out; a contact held is skipped. */
enum err amo_contacts_page_add(struct amocrm_contacts *out,
    struct json_object *root);

#endif
