/*
 * Our webhooks as amoCRM lists them, and amocrm_answer_parse(): the
 * answers of every call read without HTTP, for the fuzz targets.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "amocrm/api.h"
#include "amocrm/api_int.h"
#include "base/jw.h"
#include "base/log.h"

enum err
amocrm_webhooks_list(struct amocrm *a, struct amocrm_webhooks *out,
    struct amocrm_status *st)
{
	struct json_object *root = NULL, *arr, *o;
	struct amocrm_webhook *h;
	struct buf url = { 0 };
	enum err rc = ERR_NOMEM;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	buf_printf(&url, "%s/api/v4/webhooks", a->base);
	if (buf_err(&url) != ERR_OK)
		goto out;
	rc = amo_call(a, buf_str(&url), NULL, a->health_timeout, "the webhooks",
	    &root, st);
	if (rc != ERR_OK || root == NULL)
		goto out;
	arr = amo_jarr(http_jget(root, "_embedded"), "webhooks");
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n > AMOCRM_WEBHOOKS_MAX)
		n = AMOCRM_WEBHOOKS_MAX;
	if (n > 0 && (out->v = calloc(n, sizeof(*out->v))) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		h = &out->v[out->n++];
		h->id = amo_jint(o, "id");
		h->destination = amo_jstr(o, "destination", &rc);
		h->disabled = json_object_get_boolean(http_jget(o, "disabled"));
		if (rc == ERR_NOMEM)
			goto out;
	}
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_webhooks_free(out);
	json_object_put(root);
	buf_free(&url);
	return rc;
}

/* Parses body as the JSON object of an answer; NULL if it is none. */
static struct json_object *
answer_json(const char *body, size_t n)
{
	struct http_resp r;
	struct json_object *o;

	http_resp_init(&r);
	buf_add(&r.body, body, n);
	o = buf_err(&r.body) == ERR_OK ? http_json(&r) : NULL;
	http_resp_free(&r);
	return o;
}

enum err
amocrm_answer_parse(enum amocrm_answer kind, const char *body, size_t n,
    struct amocrm_parsed *out)
{
	struct http_resp r;
	struct json_object *o;
	size_t got;
	enum err rc = ERR_OK;

	memset(out, 0, sizeof(*out));
	if (kind == AMOCRM_ANSWER_ERROR) {
		http_resp_init(&r);
		buf_add(&r.body, body, n);
		if ((rc = buf_err(&r.body)) == ERR_OK) {
			amo_problem(&r, out->problem, sizeof(out->problem));
			out->retry_after = amo_retry_after(&r);
		}
		http_resp_free(&r);
		return rc;
	}
	if ((o = answer_json(body, n)) == NULL)
		return ERR_HTTP;
	switch (kind) {
	case AMOCRM_ANSWER_LEAD:
		rc = amo_lead_from_json(&out->lead, o);
		break;
	case AMOCRM_ANSWER_CONTACT:
		rc = amo_contact_from_json(&out->contact, o);
		break;
	case AMOCRM_ANSWER_LEADS:
		rc = amo_leads_page_add(&out->leads, o, AMOCRM_PAGE_MAX, &got);
		break;
	case AMOCRM_ANSWER_CONTACTS:
		rc = amo_contacts_page_add(&out->contacts, o);
		break;
	case AMOCRM_ANSWER_PIPELINES:
		rc = amo_pipelines_from_json(&out->pipelines, o);
		break;
	default:
		rc = ERR_INPUT;
		break;
	}
	json_object_put(o);
	if (rc != ERR_OK)
		amocrm_parsed_free(out);
	return rc;
}

void
amocrm_webhooks_free(struct amocrm_webhooks *hs)
{
	size_t i;

	if (hs == NULL)
		return;
	for (i = 0; i < hs->n; i++)
		free(hs->v[i].destination);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

void
amocrm_parsed_free(struct amocrm_parsed *p)
{
	if (p == NULL)
		return;
	amocrm_lead_free(&p->lead);
	amocrm_contact_free(&p->contact);
	amocrm_leads_free(&p->leads);
	amocrm_contacts_free(&p->contacts);
	amocrm_pipelines_free(&p->pipelines);
	memset(p, 0, sizeof(*p));
}
