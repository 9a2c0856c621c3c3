#ifndef AMOSYNC_AMOCRM_WEBHOOK_H
#define AMOSYNC_AMOCRM_WEBHOOK_H

#include <stddef.h>

#include "amocrm/field.h"
#include "base/err.h"
#include "base/form.h"

/*
 * The amoCRM webhook model: a webhook body (urlencoded or JSON) turned
 * into a list of lead events. See docs/amocrm.md sections 1-2.
 */

/* Status 142 ("Успешно реализовано") is won, 143 lost, in every pipeline. */
#define AMO_STATUS_WON 142
#define AMO_STATUS_LOST 143

enum amo_action {
	AMO_ADD,
	AMO_UPDATE,
	AMO_STATUS,
	AMO_DELETE,
	AMO_RESTORE,
	AMO_RESPONSIBLE,
	AMO_ACTION__MAX
};

enum amo_utm {
	AMO_UTM_SOURCE,
	AMO_UTM_MEDIUM,
	AMO_UTM_CAMPAIGN,
	AMO_UTM_CONTENT,
	AMO_UTM_TERM,
	AMO_UTM_REFERRER,
	AMO_UTM_FBCLID,
	AMO_UTM__MAX
};

struct amo_lead {
	enum amo_action action;
	long long id;
	char *name;          /* NULL when absent */
	long long status_id; /* 0 when absent */
	long long old_status_id;
	long long pipeline_id;
	long long old_pipeline_id;
	char *price;          /* decimal text, NULL when absent/empty */
	long long created_at; /* unix seconds, 0 when absent */
	long long updated_at;
	long long account_id;
	struct amo_field *fields;
	size_t nfields;
	char *utm[AMO_UTM__MAX]; /* NULL when no value */
};

struct amo_event {
	char *subdomain;        /* account[subdomain], NULL when absent */
	long long account_id;   /* account[id], 0 when absent */
	struct amo_lead *leads; /* in (action, index) order */
	size_t nleads;
};

struct amo_opts {
	struct form_limits limits;
	/* Field ids that hold each UTM tag; 0 = none configured. */
	long long utm_field[AMO_UTM__MAX];
};

/* Names of the UTM tags ("utm_source", ..., "fbclid"). */
extern const char *const amo_utm_names[AMO_UTM__MAX];
/* Names of the actions ("add", "update", "status", ...). */
extern const char *const amo_action_names[AMO_ACTION__MAX];

/* Fills opts with the default limits and the default field ids. */
void amo_opts_default(struct amo_opts *opts);

/* Fills opts from the configuration (AMOSYNC_MAX_*, AMOCRM_*_FIELD). */
struct cfg;
void amo_opts_from_cfg(struct amo_opts *opts, const struct cfg *c);

/*
 * Parses a webhook body. content_type selects JSON ("application/json")
 * or urlencoded (anything else). A body with no lead (contacts, unsorted,
 * tasks only) gives zero leads and ERR_OK. Errors are form_parse()'s,
 * ERR_JSON, ERR_AMO (e.g. a lead without a numeric id), ERR_NOMEM.
 * On error ev is empty. Free with amo_event_free().
 */
enum err amo_parse(struct amo_event *ev, const char *content_type,
    const char *body, size_t len, const struct amo_opts *opts);

/* Builds the event model from an already parsed form. */
enum err amo_from_form(struct amo_event *ev, const struct form *f,
    const struct amo_opts *opts);

void amo_event_free(struct amo_event *ev);

/*
 * Returns a new JSON text (caller frees) describing lead l, with its custom
 * fields, for storing as raw_data JSONB. NULL on allocation failure.
 */
char *amo_lead_json(const struct amo_lead *l, const struct amo_event *ev);

#endif
