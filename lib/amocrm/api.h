#ifndef AMOSYNC_AMOCRM_API_H
#define AMOSYNC_AMOCRM_API_H

#include <stddef.h>

#include "amocrm/field.h"
#include "base/cfg.h"
#include "base/err.h"
#include "io/http.h"

/*
 * amoCRM API v4 client (docs/amocrm.md section 4), over
 * struct http. Requests carry "Authorization: Bearer <token>" and go
 * through the host-wide limiter "amocrm" (AMOCRM_RATE_LIMIT per second
 * for all processes of the host). Results are plain structs; JSON never
 * leaves amocrm.c.
 *
 * Every call takes an optional struct amocrm_status (may be NULL): on
 * failure it says why, in words fit for a log line, a database column or
 * a dashboard, never containing the token. Every call returns one of:
 *   ERR_OK        200 (parsed), or 204 for a list: no (more) rows
 *   ERR_NOTFOUND  the lead or contact does not exist (204 or 404)
 *   ERR_RATE      429, after the in-call retries (see retries below);
 *                 wait st->retry_after seconds (body retry_after, else
 *                 the Retry-After header, else 1, 2, 4... s)
 *   ERR_AUTH      401: the long-lived token expired or was revoked
 *   ERR_PERM      402 subscription ended; 403 IP whitelist or API ban;
 *                 other 4xx: do not retry, tell a person
 *   ERR_HTTP      5xx, connection failure, malformed answer: retry later
 *   ERR_TIMEOUT   no answer in time: retry later
 *   ERR_CONFIG    the host-wide rate limit file cannot be used
 *   ERR_NOMEM
 * Failures other than ERR_NOTFOUND are logged once, here.
 */

#define AMOCRM_PAGE_MAX 250
#define AMOCRM_REASON_LEN 320
/* Contact ids per GET /api/v4/contacts?filter[id][]=... request. */
#define AMOCRM_CONTACT_BATCH 100
/* Pages a contacts list may walk: a safety net only. */
#define AMOCRM_CONTACT_PAGES 40

struct amocrm {
	struct http *http;   /* borrowed, outlives this client */
	char *base;          /* "https://x.amocrm.ru", no trailing '/' */
	char *token;         /* access token; a secret */
	char *auth;          /* "Authorization: Bearer <token>" */
	int rate;            /* requests per second, host-wide */
	long health_timeout; /* seconds, amocrm_account_check() */
	long sync_timeout;   /* seconds, every other call */
	int page_size;       /* leads per list page, 1..250 */
	/*
	 * 429 policy inside a call: retry up to retries times (0 = never;
	 * the caller reschedules on ERR_RATE), waiting the server's
	 * retry_after, or 1, 2, 4... seconds when it gives none. A 429 asking
	 * for more than retry_max_wait seconds is returned at once.
	 */
	int retries;
	long retry_max_wait;
	/*
	 * Called after every HTTP attempt (answered or not), when set: a
	 * long run renews its lease here (landing/sync). NULL by default.
	 */
	void (*tick)(void *arg);
	void *tick_arg;
};

struct amocrm_status {
	long http_status; /* last HTTP status, 0 when none came back */
	long retry_after; /* seconds to wait, set with ERR_RATE */
	char reason[AMOCRM_REASON_LEN]; /* "" on success */
};

struct amocrm_lead {
	long long id;
	char *name; /* NULL when absent */
	long long price;
	long long pipeline_id;
	long long status_id;
	long long created_at; /* unix seconds */
	long long updated_at;
	struct amo_field *fields; /* custom_fields_values; null -> none */
	size_t nfields;
	long long contact_id;   /* main contact (is_main, else first), 0 */
	long long *contact_ids; /* all linked contacts, in API order */
	size_t ncontacts;
};

struct amocrm_leads {
	struct amocrm_lead *v;
	size_t n;
	size_t pages; /* pages fetched, for logs and tests */
};

struct amocrm_contact {
	long long id;
	char *name;    /* NULL when absent */
	char **phones; /* PHONE multitext values, as typed */
	size_t nphones;
	char **emails; /* EMAIL multitext values */
	size_t nemails;
};

struct amocrm_contacts {
	struct amocrm_contact *v;
	size_t n;
};

struct amocrm_account {
	long long id;
	char *name;
	char *subdomain;
};

/*
 * Sets up a client from the configuration: base URL AMOCRM_BASE_URL, else
 * https://<AMOCRM_DOMAIN>.amocrm.ru; token AMOCRM_ACCESS_TOKEN; rate
 * AMOCRM_RATE_LIMIT (default 7); timeouts AMOSYNC_HEALTH_TIMEOUT (20) and
 * AMOSYNC_SYNC_TIMEOUT (30). h is borrowed. Returns ERR_OK, ERR_CONFIG
 * (no token, no domain, bad URL; st->reason says which) or ERR_NOMEM.
 * Free with amocrm_free() in every case.
 */
enum err amocrm_init(struct amocrm *a, struct http *h, const struct cfg *c,
    struct amocrm_status *st);
void amocrm_free(struct amocrm *a);

/*
 * GET /api/v4/account: the health check (token valid, API reachable).
 * acct may be NULL; otherwise it is filled on success and freed by the
 * caller with amocrm_account_free(). Uses health_timeout.
 */
enum err amocrm_account_check(struct amocrm *a, struct amocrm_account *acct,
    struct amocrm_status *st);
void amocrm_account_free(struct amocrm_account *acct);

/*
 * GET /api/v4/leads/{id}?with=contacts into l (caller frees with
 * amocrm_lead_free()). A missing lead (204 or 404) is ERR_NOTFOUND.
 */
enum err amocrm_lead_get(struct amocrm *a, long long id, struct amocrm_lead *l,
    struct amocrm_status *st);
void amocrm_lead_free(struct amocrm_lead *l);

/*
 * GET /api/v4/contacts/{id} into c (caller frees with
 * amocrm_contact_free()). A missing contact is ERR_NOTFOUND.
 */
enum err amocrm_contact_get(struct amocrm *a, long long id,
    struct amocrm_contact *c, struct amocrm_status *st);
void amocrm_contact_free(struct amocrm_contact *c);

/*
 * The newest leads of a pipeline (pipeline_id 0 = all pipelines), newest
 * first, with their contact ids: GET /api/v4/leads?with=contacts&
 * order[created_at]=desc, page_size per page, following _links.next.href
 * until it is absent, a page is empty (204) or limit leads are held.
 * An empty pipeline is ERR_OK with no leads. On error out is empty.
 * The caller frees out with amocrm_leads_free().
 */
enum err amocrm_leads_list(struct amocrm *a, long long pipeline_id,
    size_t limit, struct amocrm_leads *out, struct amocrm_status *st);
void amocrm_leads_free(struct amocrm_leads *ls);

/*
 * The contacts with these ids (GET /api/v4/contacts?filter[id][]=...,
 * AMOCRM_CONTACT_BATCH ids a request, every page followed), with their
 * PHONE and EMAIL values. Ids amoCRM does not know are simply absent;
 * each contact is held once. On error out is empty. The caller frees out
 * with amocrm_contacts_free().
 */
enum err amocrm_contacts_list(struct amocrm *a, const long long *ids, size_t n,
    struct amocrm_contacts *out, struct amocrm_status *st);

/*
 * The contacts amoCRM finds for a full-text query (a phone's digits, an
 * e-mail): GET /api/v4/contacts?query=... None is ERR_OK with out empty.
 */
enum err amocrm_contacts_find(struct amocrm *a, const char *query,
    struct amocrm_contacts *out, struct amocrm_status *st);
void amocrm_contacts_free(struct amocrm_contacts *cs);

/*
 * The leads of a pipeline (0 = all) that changed at or after from (unix
 * seconds): GET /api/v4/leads?filter[updated_at][from]=...&
 * order[updated_at]=asc&with=contacts, every page followed, at most
 * limit. For the reconciliation sweep. Errors as amocrm_leads_list().
 */
enum err amocrm_leads_since(struct amocrm *a, long long pipeline_id,
    long long from, size_t limit, struct amocrm_leads *out,
    struct amocrm_status *st);

/* Webhooks held from GET /api/v4/webhooks (amoCRM allows 100). */
#define AMOCRM_WEBHOOKS_MAX 100

struct amocrm_webhook {
	long long id;
	char *destination; /* the URL amoCRM posts to; NULL when absent */
	int disabled;      /* amoCRM switched it off after failures */
	char **settings;   /* the events it is sent for ("status_lead") */
	size_t nsettings;
};

struct amocrm_webhooks {
	struct amocrm_webhook *v;
	size_t n;
};

/*
 * GET /api/v4/webhooks (needs an admin's token): the account's webhooks
 * with their disabled flag. Uses health_timeout. 204 is no webhooks.
 * Free out with amocrm_webhooks_free().
 */
enum err amocrm_webhooks_list(struct amocrm *a, struct amocrm_webhooks *out,
    struct amocrm_status *st);
void amocrm_webhooks_free(struct amocrm_webhooks *hs);

/*
 * POST /api/v4/webhooks {"destination", "settings"} (needs an admin's
 * token): subscribes destination to the n events of settings. amoCRM
 * keeps one webhook per destination: posting one it has replaces its
 * events, so a second call adds nothing. The destination may hold a
 * secret (?token=): it reaches neither a log nor st. Errors as
 * amocrm_webhooks_list(); amoCRM's 400 (a bad URL or event, the 100
 * webhooks of an account) is ERR_PERM with its detail in st.
 */
enum err amocrm_webhook_add(struct amocrm *a, const char *destination,
    const char *const *settings, size_t n, struct amocrm_status *st);

/* The leads' custom fields held (20 pages of 50). */
#define AMOCRM_FIELDS_MAX 1000

struct amocrm_field {
	long long id;
	char *name; /* as shown in amoCRM ("utm_source"); NULL if none */
	char *code; /* UTM_SOURCE for the tracking fields; NULL if none */
};

struct amocrm_fields {
	struct amocrm_field *v;
	size_t n;
};

/* amoCRM's limits: pipelines per account, stages per pipeline. */
#define AMOCRM_PIPELINES_MAX 50
#define AMOCRM_STAGES_MAX 100

struct amocrm_stage {
	long long id;
	char *name; /* "" when absent */
	long long sort;
	int type; /* 1: the unsorted stage, 0: any other */
	int is_archive;
};

struct amocrm_pipeline {
	long long id;
	char *name; /* "" when absent */
	long long sort;
	int is_archive;
	struct amocrm_stage *stages;
	size_t nstages;
};

struct amocrm_pipelines {
	struct amocrm_pipeline *v;
	size_t n;
};

/*
 * GET /api/v4/leads/custom_fields, every page: the custom fields of the
 * account's leads (204: none). Uses health_timeout. Free out with
 * amocrm_fields_free().
 */
enum err amocrm_lead_fields_list(struct amocrm *a, struct amocrm_fields *out,
    struct amocrm_status *st);
void amocrm_fields_free(struct amocrm_fields *fs);

/*
 * GET /api/v4/leads/pipelines: every pipeline of the account with its
 * stages (_embedded.statuses), at most AMOCRM_PIPELINES_MAX of
 * AMOCRM_STAGES_MAX stages each; an entry without an id is skipped.
 * Uses sync_timeout. 204 is no pipelines. Free out with
 * amocrm_pipelines_free() in every case.
 */
enum err amocrm_pipelines_list(struct amocrm *a, struct amocrm_pipelines *out,
    struct amocrm_status *st);
void amocrm_pipelines_free(struct amocrm_pipelines *ps);

/* The longest JWT payload amocrm_token_expiry() decodes, bytes. */
#define AMOCRM_JWT_MAX 4096

/*
 * The expiry (unix seconds) of a long-lived token, read from the "exp"
 * claim of its JWT payload without verifying the signature (no secret
 * needed); 0 when the token is not a JWT or has no exp. Never logs.
 */
long long amocrm_token_expiry(const char *token);

/* Leads per POST /api/v4/leads/complex (amoCRM's limit). */
#define AMOCRM_COMPLEX_MAX 50

/* A lead to create with its contact; all strings borrowed. */
struct amocrm_new_lead {
	const char *request_id; /* echoed in the answer: our id */
	const char *name;
	long long pipeline_id;
	long long status_id;             /* 0: the pipeline's first stage */
	long long price;                 /* 0: none */
	const long long *field_ids;      /* custom fields by id (UTM) */
	const char *const *field_values; /* NULL values are left out */
	size_t nfields;
	long long contact_id; /* link this contact; 0: create one */
	const char *contact_name;
	const char *phone; /* PHONE (MOB) of a new contact, or NULL */
	const char *email; /* EMAIL (WORK) of a new contact, or NULL */
};

struct amocrm_created {
	long long id;         /* the new lead */
	long long contact_id; /* its contact, linked or created */
};

/*
 * POST /api/v4/leads/complex: creates n (at most AMOCRM_COMPLEX_MAX)
 * leads with their contacts in one request; out[i] (n entries, caller's)
 * receives lead i's ids, matched by request_id. An answer that lacks a
 * lead is ERR_HTTP. Not idempotent: the caller makes sure a lead is sent
 * once.
 */
enum err amocrm_leads_complex(struct amocrm *a, const struct amocrm_new_lead *v,
    size_t n, struct amocrm_created *out, struct amocrm_status *st);

/*
 * Returns the first value of the lead's custom field with this id, else
 * of the first field whose code or name equals name case-insensitively
 * (name may be NULL); NULL when none. Borrowed from l.
 */
const char *amocrm_lead_field(const struct amocrm_lead *l, long long id,
    const char *name);

/*
 * The answer parsers of the calls above, on a body alone (no HTTP): for
 * the fuzz target (tests/fuzz/amoapi_fuzz.c) and tests. kind names what
 * the body answers: a lead (GET /leads/{id}), a contact, a page of leads
 * or of contacts (_embedded...), an error (problem+json title and
 * detail into problem, retry_after from the body, -1 when none), or the
 * pipelines with their stages.
 * Returns ERR_OK, ERR_HTTP (not a JSON object) or ERR_NOMEM; free out with
 * amocrm_parsed_free() in every case.
 */
enum amocrm_answer {
	AMOCRM_ANSWER_LEAD,
	AMOCRM_ANSWER_CONTACT,
	AMOCRM_ANSWER_LEADS,
	AMOCRM_ANSWER_CONTACTS,
	AMOCRM_ANSWER_ERROR,
	AMOCRM_ANSWER_PIPELINES,
	AMOCRM_ANSWER__MAX
};

struct amocrm_parsed {
	struct amocrm_lead lead;
	struct amocrm_contact contact;
	struct amocrm_leads leads;
	struct amocrm_contacts contacts;
	struct amocrm_pipelines pipelines;
	char problem[AMOCRM_REASON_LEN];
	long retry_after;
};

enum err amocrm_answer_parse(enum amocrm_answer kind, const char *body,
    size_t n, struct amocrm_parsed *out);
void amocrm_parsed_free(struct amocrm_parsed *p);

#endif
