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

/* Copies the event names of a webhook's settings array into h. */
static enum err
settings_add(struct json_object *arr, struct amocrm_webhook *h)
{
	size_t i, n = arr != NULL ? json_object_array_length(arr) : 0;
	const char *e;

	if (n > 64)
		n = 64;
	if (n > 0 && (h->settings = calloc(n, sizeof(*h->settings))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		e = json_object_get_string(json_object_array_get_idx(arr, i));
		if (e == NULL)
			continue;
		if ((h->settings[h->nsettings] = strdup(e)) == NULL)
			return ERR_NOMEM;
		h->nsettings++;
	}
	return ERR_OK;
}

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
		if ((rc = settings_add(amo_jarr(o, "settings"), h)) != ERR_OK)
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
	for (i = 0; i < hs->n; i++) {
		free(hs->v[i].destination);
		amo_strv_free(hs->v[i].settings, hs->v[i].nsettings);
	}
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

enum err
amocrm_webhook_add(struct amocrm *a, const char *destination,
    const char *const *settings, size_t n, struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 }, body;
	struct jw w;
	enum err rc = ERR_NOMEM;
	size_t i;

	buf_init(&body);
	jw_init(&w, &body);
	jw_obj(&w, NULL);
	jw_str(&w, "destination", destination);
	jw_arr(&w, "settings");
	for (i = 0; i < n; i++)
		jw_str(&w, NULL, settings[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	buf_printf(&url, "%s/api/v4/webhooks", a->base);
	if (buf_err(&url) != ERR_OK || buf_err(&body) != ERR_OK) {
		amo_status_set(st, NULL, "out of memory");
		goto out;
	}
	rc = amo_call(a, buf_str(&url), buf_str(&body), a->health_timeout,
	    "a webhook", &root, st);
	if (rc == ERR_OK && (root == NULL || amo_jint(root, "id") == 0)) {
		rc = ERR_HTTP;
		amo_status_set(st, a->token,
		    "amoCRM answered the webhook without its id");
	}
out:
	json_object_put(root);
	buf_free(&url);
	buf_free(&body);
	return rc;
}

/* Adds the custom fields of one page (_embedded.custom_fields) to fs. */
static enum err
fields_add(struct json_object *root, struct amocrm_fields *fs)
{
	struct json_object *arr, *o;
	struct amocrm_field *f, *v;
	enum err rc = ERR_OK;
	size_t i, n;

	arr = amo_jarr(http_jget(root, "_embedded"), "custom_fields");
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n > AMOCRM_FIELDS_MAX - fs->n)
		n = AMOCRM_FIELDS_MAX - fs->n;
	if (n == 0)
		return ERR_OK;
	if ((v = realloc(fs->v, (fs->n + n) * sizeof(*v))) == NULL)
		return ERR_NOMEM;
	fs->v = v;
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		f = &fs->v[fs->n++];
		f->id = amo_jint(o, "id");
		f->name = amo_jstr(o, "name", &rc);
		f->code = amo_jstr(o, "code", &rc);
		if (rc == ERR_NOMEM)
			return rc;
	}
	return ERR_OK;
}

enum err
amocrm_lead_fields_list(struct amocrm *a, struct amocrm_fields *out,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 };
	enum err rc = ERR_OK;
	int page;

	memset(out, 0, sizeof(*out));
	for (page = 1; out->n < AMOCRM_FIELDS_MAX; page++) {
		buf_reset(&url);
		buf_printf(&url,
		    "%s/api/v4/leads/custom_fields?page=%d&limit=50", a->base,
		    page);
		if (buf_err(&url) != ERR_OK) {
			rc = ERR_NOMEM;
			break;
		}
		rc = amo_call(a, buf_str(&url), NULL, a->health_timeout,
		    "the leads' custom fields", &root, st);
		if (rc != ERR_OK || root == NULL)
			break;
		if ((rc = fields_add(root, out)) != ERR_OK)
			break;
		/* The last page has no next link. */
		if (http_jget(http_jget(root, "_links"), "next") == NULL)
			break;
		json_object_put(root);
		root = NULL;
	}
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_fields_free(out);
	json_object_put(root);
	buf_free(&url);
	return rc;
}

void
amocrm_fields_free(struct amocrm_fields *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].code);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
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
