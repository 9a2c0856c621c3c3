/*
 * The leads of the amoCRM client: one lead, the lists of a pipeline
 * (paged) and POST /api/v4/leads/complex. The client itself, its errors
 * and the JSON helpers are in amocrm/api.c.
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

/* Pages a list may walk beyond what its limit needs: a safety net only. */
#define EXTRA_PAGES 2

/* Fills l from one lead object of the API. On error l is partly filled. */
enum err
amo_lead_from_json(struct amocrm_lead *l, struct json_object *o)
{
	struct json_object *cf, *cs, *f, *ct;
	enum err rc = ERR_OK;
	size_t i, n;

	l->id = amo_jint(o, "id");
	l->name = amo_jstr(o, "name", &rc);
	l->price = amo_jint(o, "price");
	l->pipeline_id = amo_jint(o, "pipeline_id");
	l->status_id = amo_jint(o, "status_id");
	l->created_at = amo_jint(o, "created_at");
	l->updated_at = amo_jint(o, "updated_at");
	if (rc != ERR_OK)
		return rc;
	/* custom_fields_values is null, not [], when the lead has none. */
	if ((cf = amo_jarr(o, "custom_fields_values")) != NULL &&
	    (n = json_object_array_length(cf)) > 0) {
		if ((l->fields = calloc(n, sizeof(*l->fields))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < n; i++) {
			struct amo_field *fl = &l->fields[l->nfields++];

			f = json_object_array_get_idx(cf, i);
			fl->id = amo_jint(f, "field_id");
			fl->code = amo_jstr(f, "field_code", &rc);
			fl->name = amo_jstr(f, "field_name", &rc);
			if (rc != ERR_OK ||
			    (rc = amo_values_add(f, &fl->values,
			         &fl->nvalues)) != ERR_OK)
				return rc;
		}
	}
	if ((cs = amo_jarr(http_jget(o, "_embedded"), "contacts")) != NULL &&
	    (n = json_object_array_length(cs)) > 0) {
		if ((l->contact_ids = calloc(n, sizeof(long long))) == NULL)
			return ERR_NOMEM;
		for (i = 0; i < n; i++) {
			ct = json_object_array_get_idx(cs, i);
			if (amo_jint(ct, "id") == 0)
				continue;
			l->contact_ids[l->ncontacts++] = amo_jint(ct, "id");
			if (json_object_get_boolean(http_jget(ct, "is_main")) &&
			    l->contact_id == 0)
				l->contact_id = amo_jint(ct, "id");
		}
		if (l->contact_id == 0 && l->ncontacts > 0)
			l->contact_id = l->contact_ids[0];
	}
	return ERR_OK;
}

enum err
amocrm_lead_get(struct amocrm *a, long long id, struct amocrm_lead *l,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 }, what = { 0 };
	enum err rc = ERR_NOMEM;

	memset(l, 0, sizeof(*l));
	buf_printf(&url, "%s/api/v4/leads/%lld?with=contacts", a->base, id);
	buf_printf(&what, "lead %lld", id);
	if (buf_err(&url) != ERR_OK || buf_err(&what) != ERR_OK)
		goto out;
	rc = amo_call(a, buf_str(&url), NULL, a->sync_timeout, buf_str(&what),
	    &root, st);
	if (rc != ERR_OK)
		goto out;
	if (root == NULL) {
		rc = ERR_NOTFOUND;
		amo_status_set(st, NULL, "amoCRM has no lead %lld (204)", id);
		goto out;
	}
	if ((rc = amo_lead_from_json(l, root)) != ERR_OK)
		goto out;
	if (l->id != id) {
		rc = ERR_HTTP;
		amo_status_set(st, NULL,
		    "amoCRM answered lead %lld with lead %lld", id, l->id);
		log_warnx("could not get lead %lld: %s", id,
		    st != NULL ? st->reason : "wrong lead");
	}
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_lead_free(l);
	json_object_put(root);
	buf_free(&url);
	buf_free(&what);
	return rc;
}

void
amocrm_lead_free(struct amocrm_lead *l)
{
	if (l == NULL)
		return;
	free(l->name);
	amo_fields_free(l->fields, l->nfields);
	free(l->contact_ids);
	memset(l, 0, sizeof(*l));
}

static int
have_lead(const struct amocrm_leads *ls, long long id)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i].id == id)
			return 1;
	return 0;
}

/*
 * Adds the leads of one page to ls, up to limit in all; a lead already
 * held (pages shift when leads are added meanwhile) is skipped. Returns
 * ERR_OK or ERR_NOMEM; *got is how many leads the page had.
 */
enum err
amo_leads_page_add(struct amocrm_leads *ls, struct json_object *root,
    size_t limit, size_t *got)
{
	struct json_object *arr = amo_jarr(http_jget(root, "_embedded"),
	    "leads");
	struct amocrm_lead *nv, l;
	size_t i, n;
	enum err rc;

	n = arr != NULL ? json_object_array_length(arr) : 0;
	*got = n;
	if (n == 0)
		return ERR_OK;
	if ((nv = reallocarray(ls->v, ls->n + n, sizeof(*nv))) == NULL)
		return ERR_NOMEM;
	ls->v = nv;
	for (i = 0; i < n && ls->n < limit; i++) {
		memset(&l, 0, sizeof(l));
		rc = amo_lead_from_json(&l, json_object_array_get_idx(arr, i));
		if (rc != ERR_OK) {
			amocrm_lead_free(&l);
			return rc;
		}
		if (l.id == 0 || have_lead(ls, l.id)) {
			amocrm_lead_free(&l);
			continue;
		}
		ls->v[ls->n++] = l;
	}
	return ERR_OK;
}

/*
 * Walks the pages of a leads list from url (page 1) into out, following
 * _links.next, until limit leads, no next link, an empty page or
 * maxpages. out is empty on error.
 */
static enum err
leads_walk(struct amocrm *a, struct buf *url, size_t limit, size_t maxpages,
    long long pipeline_id, struct amocrm_leads *out, struct amocrm_status *st)
{
	struct json_object *root = NULL, *next;
	struct buf what = { 0 };
	const char *href;
	size_t got;
	enum err rc = ERR_NOMEM;

	while (out->n < limit) {
		if (out->pages >= maxpages) {
			log_warnx("amoCRM leads list of pipeline %lld: stopped "
			          "after %zu pages",
			    pipeline_id, out->pages);
			break;
		}
		buf_reset(&what);
		buf_printf(&what, "leads page %zu", out->pages + 1);
		if (buf_err(&what) != ERR_OK) {
			rc = ERR_NOMEM;
			goto out;
		}
		rc = amo_call(a, buf_str(url), NULL, a->sync_timeout,
		    buf_str(&what), &root, st);
		if (rc != ERR_OK)
			goto out;
		/* 204: no (more) leads. */
		if (root == NULL)
			break;
		out->pages++;
		if ((rc = amo_leads_page_add(out, root, limit, &got)) != ERR_OK)
			goto out;
		next = http_jget(http_jget(http_jget(root, "_links"), "next"),
		    "href");
		if (got == 0 || next == NULL ||
		    (href = json_object_get_string(next)) == NULL)
			break;
		if ((rc = amo_next_url(a, href, "/api/v4/leads?", url)) !=
		    ERR_OK) {
			if (rc == ERR_HTTP) {
				amo_status_set(st, NULL,
				    "amoCRM gave an unexpected "
				    "next page link");
				log_warnx("could not list leads: %s",
				    st != NULL ? st->reason : "bad next link");
			}
			goto out;
		}
		json_object_put(root);
		root = NULL;
	}
	rc = ERR_OK;
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_leads_free(out);
	json_object_put(root);
	buf_free(&what);
	return rc;
}

enum err
amocrm_leads_list(struct amocrm *a, long long pipeline_id, size_t limit,
    struct amocrm_leads *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	size_t per, maxpages;
	enum err rc = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	amo_status_clear(st);
	if (limit == 0)
		return ERR_OK;
	per = a->page_size > 0 && a->page_size <= AMOCRM_PAGE_MAX
	    ? (size_t)a->page_size
	    : AMOCRM_PAGE_MAX;
	if (per > limit)
		per = limit;
	maxpages = (limit + per - 1) / per + EXTRA_PAGES;
	buf_printf(&url,
	    "%s/api/v4/leads?with=contacts&limit=%zu&page=1&"
	    "order%%5Bcreated_at%%5D=desc",
	    a->base, per);
	if (pipeline_id != 0)
		buf_printf(&url, "&filter%%5Bpipeline_id%%5D=%lld",
		    pipeline_id);
	if (buf_err(&url) != ERR_OK)
		amo_status_set(st, NULL, "out of memory");
	else
		rc = leads_walk(a, &url, limit, maxpages, pipeline_id, out, st);
	buf_free(&url);
	return rc;
}

enum err
amocrm_leads_since(struct amocrm *a, long long pipeline_id, long long from,
    size_t limit, struct amocrm_leads *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	size_t per;
	enum err rc = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	amo_status_clear(st);
	if (limit == 0)
		return ERR_OK;
	per = a->page_size > 0 && a->page_size <= AMOCRM_PAGE_MAX
	    ? (size_t)a->page_size
	    : AMOCRM_PAGE_MAX;
	buf_printf(&url,
	    "%s/api/v4/leads?with=contacts&limit=%zu&page=1&"
	    "order%%5Bupdated_at%%5D=asc&filter%%5Bupdated_at%%5D%%5Bfrom%%5D="
	    "%lld",
	    a->base, per, from);
	if (pipeline_id != 0)
		buf_printf(&url, "&filter%%5Bpipeline_id%%5D=%lld",
		    pipeline_id);
	if (buf_err(&url) != ERR_OK)
		amo_status_set(st, NULL, "out of memory");
	else
		rc = leads_walk(a, &url, limit,
		    (limit + per - 1) / per + EXTRA_PAGES, pipeline_id, out,
		    st);
	buf_free(&url);
	return rc;
}

void
amocrm_leads_free(struct amocrm_leads *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		amocrm_lead_free(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

const char *
amocrm_lead_field(const struct amocrm_lead *l, long long id, const char *name)
{
	return amo_field_value(l->fields, l->nfields, id, name);
}

/* Appends one custom field {field_id, values:[{value}]} or by code. */
static void
field_write(struct jw *w, long long id, const char *code, const char *value,
    const char *enum_code)
{
	jw_obj(w, NULL);
	if (code != NULL)
		jw_str(w, "field_code", code);
	else
		jw_int(w, "field_id", id);
	jw_arr(w, "values");
	jw_obj(w, NULL);
	jw_str(w, "value", value);
	if (enum_code != NULL)
		jw_str(w, "enum_code", enum_code);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_obj_end(w);
}

/* The JSON body of POST /api/v4/leads/complex. */
static void
complex_body(struct jw *w, const struct amocrm_new_lead *v, size_t n)
{
	const struct amocrm_new_lead *l;
	size_t i, k;

	jw_arr(w, NULL);
	for (i = 0; i < n; i++) {
		l = &v[i];
		jw_obj(w, NULL);
		jw_str(w, "name", l->name);
		jw_int(w, "pipeline_id", l->pipeline_id);
		if (l->status_id != 0)
			jw_int(w, "status_id", l->status_id);
		if (l->price > 0)
			jw_int(w, "price", l->price);
		jw_str(w, "request_id", l->request_id);
		jw_arr(w, "custom_fields_values");
		for (k = 0; k < l->nfields; k++)
			if (l->field_values[k] != NULL && l->field_ids[k] != 0)
				field_write(w, l->field_ids[k], NULL,
				    l->field_values[k], NULL);
		jw_arr_end(w);
		jw_obj(w, "_embedded");
		jw_arr(w, "contacts");
		jw_obj(w, NULL);
		if (l->contact_id != 0) {
			jw_int(w, "id", l->contact_id);
		} else {
			jw_str(w, "name", l->contact_name);
			jw_arr(w, "custom_fields_values");
			if (l->phone != NULL)
				field_write(w, 0, "PHONE", l->phone, "MOB");
			if (l->email != NULL)
				field_write(w, 0, "EMAIL", l->email, "WORK");
			jw_arr_end(w);
		}
		jw_obj_end(w);
		jw_arr_end(w);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

enum err
amocrm_leads_complex(struct amocrm *a, const struct amocrm_new_lead *v,
    size_t n, struct amocrm_created *out, struct amocrm_status *st)
{
	struct json_object *root = NULL, *e, *rid;
	struct buf url = { 0 }, body = { 0 };
	const char *s;
	struct jw w;
	enum err rc = ERR_NOMEM;
	size_t i, k, len;

	memset(out, 0, n * sizeof(*out));
	amo_status_clear(st);
	if (n == 0)
		return ERR_OK;
	if (n > AMOCRM_COMPLEX_MAX) {
		amo_status_set(st, NULL, "at most %d leads per complex request",
		    AMOCRM_COMPLEX_MAX);
		return ERR_INPUT;
	}
	buf_printf(&url, "%s/api/v4/leads/complex", a->base);
	jw_init(&w, &body);
	complex_body(&w, v, n);
	if (buf_err(&url) != ERR_OK || buf_err(&body) != ERR_OK)
		goto out;
	rc = amo_call(a, buf_str(&url), buf_str(&body), a->sync_timeout,
	    "a complex lead creation", &root, st);
	if (rc != ERR_OK)
		goto out;
	len = json_object_is_type(root, json_type_array)
	    ? json_object_array_length(root)
	    : 0;
	/* Each answer names its request_id; match on it, else on order. */
	for (k = 0; k < len; k++) {
		e = json_object_array_get_idx(root, k);
		rid = http_jget(e, "request_id");
		if (json_object_is_type(rid, json_type_array))
			rid = json_object_array_get_idx(rid, 0);
		s = rid != NULL ? json_object_get_string(rid) : NULL;
		for (i = 0; i < n; i++)
			if (s != NULL ? strcmp(s, v[i].request_id) == 0
			              : i == k)
				break;
		if (i == n || out[i].id != 0)
			continue;
		out[i].id = amo_jint(e, "id");
		out[i].contact_id = amo_jint(e, "contact_id");
	}
	for (i = 0; i < n; i++)
		if (out[i].id == 0) {
			rc = ERR_HTTP;
			amo_status_set(st, NULL,
			    "amoCRM's answer to leads/complex "
			    "lacks lead %zu of %zu",
			    i + 1, n);
			log_warnx("could not create leads: %s",
			    st != NULL ? st->reason : "short answer");
			break;
		}
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	json_object_put(root);
	buf_free(&url);
	buf_free(&body);
	return rc;
}
