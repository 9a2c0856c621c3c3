/*
 * Fuzz target for the amoCRM API client's answer parsers (amocrm/api.c):
 * the first byte picks what the rest answers (a lead, a contact, a page
 * of leads or contacts, an error body, the pipelines with their stages); the parsed structs keep their
 * promises or the target aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A lead's promises: its strings are strings, its main contact is one of
 * its contacts. */
static void
lead_ok(const struct amocrm_lead *l)
{
	size_t i, j;
	int main_found = l->contact_id == 0;

	if (l->name != NULL)
		(void)strlen(l->name);
	for (i = 0; i < l->nfields; i++)
		for (j = 0; j < l->fields[i].nvalues; j++)
			if (l->fields[i].values[j] == NULL)
				abort();
	for (i = 0; i < l->ncontacts; i++) {
		if (l->contact_ids[i] == 0)
			abort();
		if (l->contact_ids[i] == l->contact_id)
			main_found = 1;
	}
	if (!main_found)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amocrm_parsed p;
	enum amocrm_answer kind;
	enum err rc;
	size_t i, k;

	if (size < 1)
		return 0;
	kind = (enum amocrm_answer)(data[0] % AMOCRM_ANSWER__MAX);
	rc = amocrm_answer_parse(kind, (const char *)data + 1, size - 1, &p);
	if (rc != ERR_OK && rc != ERR_HTTP && rc != ERR_NOMEM)
		abort();
	if (rc == ERR_OK) {
		lead_ok(&p.lead);
		if (p.leads.n > AMOCRM_PAGE_MAX)
			abort();
		for (i = 0; i < p.leads.n; i++) {
			if (p.leads.v[i].id == 0)
				abort();
			for (k = 0; k < i; k++)
				if (p.leads.v[k].id == p.leads.v[i].id)
					abort();
			lead_ok(&p.leads.v[i]);
		}
		for (i = 0; i < p.contacts.n; i++)
			for (k = 0; k < i; k++)
				if (p.contacts.v[k].id == p.contacts.v[i].id)
					abort();
		for (i = 0; i < p.contact.nphones; i++)
			(void)strlen(p.contact.phones[i]);
		for (i = 0; i < p.contact.nemails; i++)
			(void)strlen(p.contact.emails[i]);
		if (strlen(p.problem) >= sizeof(p.problem))
			abort();
		if (p.pipelines.n > AMOCRM_PIPELINES_MAX)
			abort();
		for (i = 0; i < p.pipelines.n; i++) {
			const struct amocrm_pipeline *pl = &p.pipelines.v[i];

			if (pl->id <= 0 || pl->name == NULL ||
			    pl->nstages > AMOCRM_STAGES_MAX)
				abort();
			for (k = 0; k < pl->nstages; k++)
				if (pl->stages[k].id <= 0 ||
				    pl->stages[k].name == NULL)
					abort();
		}
		if (kind == AMOCRM_ANSWER_ERROR &&
		    (p.retry_after == 0 || p.retry_after < -1))
			abort();
	}
	amocrm_parsed_free(&p);
	return 0;
}
