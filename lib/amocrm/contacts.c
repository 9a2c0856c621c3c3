/*
 * The contacts of the amoCRM client: one contact, a list by ids and a
 * search. The client itself is in amocrm/api.c.
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

/* Fills c from one contact object. On error c is partly filled. */
enum err
amo_contact_from_json(struct amocrm_contact *c, struct json_object *o)
{
	struct json_object *cf, *f;
	enum err rc = ERR_OK;
	const char *code;
	size_t i, n;

	c->id = amo_jint(o, "id");
	if ((c->name = amo_jstr(o, "name", &rc)) == NULL && rc != ERR_OK)
		return rc;
	cf = amo_jarr(o, "custom_fields_values");
	n = cf != NULL ? json_object_array_length(cf) : 0;
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(cf, i);
		if ((code = json_object_get_string(
		         http_jget(f, "field_code"))) == NULL)
			continue;
		if (strcmp(code, "PHONE") == 0)
			rc = amo_values_add(f, &c->phones, &c->nphones);
		else if (strcmp(code, "EMAIL") == 0)
			rc = amo_values_add(f, &c->emails, &c->nemails);
		if (rc != ERR_OK)
			return rc;
	}
	return ERR_OK;
}

enum err
amocrm_contact_get(struct amocrm *a, long long id, struct amocrm_contact *c,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 }, what = { 0 };
	enum err rc = ERR_NOMEM;

	memset(c, 0, sizeof(*c));
	buf_printf(&url, "%s/api/v4/contacts/%lld", a->base, id);
	buf_printf(&what, "contact %lld", id);
	if (buf_err(&url) != ERR_OK || buf_err(&what) != ERR_OK)
		goto out;
	rc = amo_call(a, buf_str(&url), NULL, a->sync_timeout, buf_str(&what),
	    &root, st);
	if (rc != ERR_OK)
		goto out;
	if (root == NULL) {
		rc = ERR_NOTFOUND;
		amo_status_set(st, NULL, "amoCRM has no contact %lld (204)",
		    id);
		goto out;
	}
	if ((rc = amo_contact_from_json(c, root)) != ERR_OK)
		goto out;
	if (c->id != id) {
		rc = ERR_HTTP;
		amo_status_set(st, NULL,
		    "amoCRM answered contact %lld with "
		    "contact %lld",
		    id, c->id);
		log_warnx("could not get contact %lld: wrong contact", id);
	}
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_contact_free(c);
	json_object_put(root);
	buf_free(&url);
	buf_free(&what);
	return rc;
}

void
amocrm_contact_free(struct amocrm_contact *c)
{
	if (c == NULL)
		return;
	free(c->name);
	amo_strv_free(c->phones, c->nphones);
	amo_strv_free(c->emails, c->nemails);
	memset(c, 0, sizeof(*c));
}

/* Adds the contacts of one list page to out; a contact held is skipped. */
enum err
amo_contacts_page_add(struct amocrm_contacts *out, struct json_object *root)
{
	struct json_object *arr = amo_jarr(http_jget(root, "_embedded"),
	    "contacts");
	struct amocrm_contact *nv, c;
	size_t i, k, n;
	enum err rc;

	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n == 0)
		return ERR_OK;
	if ((nv = reallocarray(out->v, out->n + n, sizeof(*nv))) == NULL)
		return ERR_NOMEM;
	out->v = nv;
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		rc = amo_contact_from_json(&c,
		    json_object_array_get_idx(arr, i));
		if (rc != ERR_OK) {
			amocrm_contact_free(&c);
			return rc;
		}
		for (k = 0; k < out->n && out->v[k].id != c.id; k++)
			;
		if (c.id == 0 || k < out->n) {
			amocrm_contact_free(&c);
			continue;
		}
		out->v[out->n++] = c;
	}
	return ERR_OK;
}

/*
 * GETs the contacts list at url and every page after it (_links.next)
 * into out. 204 is an empty list. On error out keeps what it had.
 */
static enum err
contacts_walk(struct amocrm *a, struct buf *url, struct amocrm_contacts *out,
    struct amocrm_status *st)
{
	struct json_object *root = NULL, *next;
	const char *href;
	size_t pages = 0;
	enum err rc;

	for (;;) {
		rc = amo_call(a, buf_str(url), NULL, a->sync_timeout,
		    "a contacts page", &root, st);
		if (rc != ERR_OK || root == NULL)
			break;
		if ((rc = amo_contacts_page_add(out, root)) != ERR_OK)
			break;
		next = http_jget(http_jget(http_jget(root, "_links"), "next"),
		    "href");
		if (next == NULL ||
		    (href = json_object_get_string(next)) == NULL)
			break;
		if (++pages >= AMOCRM_CONTACT_PAGES) {
			log_warnx("amoCRM contacts list: stopped after %zu "
			          "pages",
			    pages);
			break;
		}
		if ((rc = amo_next_url(a, href, "/api/v4/contacts?", url)) !=
		    ERR_OK) {
			if (rc == ERR_HTTP)
				amo_status_set(st, NULL,
				    "amoCRM gave an unexpected "
				    "next page link");
			break;
		}
		json_object_put(root);
		root = NULL;
	}
	json_object_put(root);
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	return rc;
}

enum err
amocrm_contacts_list(struct amocrm *a, const long long *ids, size_t n,
    struct amocrm_contacts *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	enum err rc = ERR_OK;
	size_t i, k;

	memset(out, 0, sizeof(*out));
	amo_status_clear(st);
	for (i = 0; i < n && rc == ERR_OK; i += AMOCRM_CONTACT_BATCH) {
		buf_reset(&url);
		buf_printf(&url, "%s/api/v4/contacts?limit=%d", a->base,
		    AMOCRM_PAGE_MAX);
		for (k = i; k < n && k < i + AMOCRM_CONTACT_BATCH; k++)
			buf_printf(&url, "&filter%%5Bid%%5D%%5B%%5D=%lld",
			    ids[k]);
		if ((rc = buf_err(&url)) != ERR_OK) {
			amo_status_set(st, NULL, "out of memory");
			break;
		}
		rc = contacts_walk(a, &url, out, st);
	}
	if (rc != ERR_OK)
		amocrm_contacts_free(out);
	buf_free(&url);
	return rc;
}

enum err
amocrm_contacts_find(struct amocrm *a, const char *query,
    struct amocrm_contacts *out, struct amocrm_status *st)
{
	struct buf url = { 0 };
	enum err rc;

	memset(out, 0, sizeof(*out));
	amo_status_clear(st);
	buf_printf(&url, "%s/api/v4/contacts?limit=50&query=", a->base);
	http_query_escape(&url, query);
	if ((rc = buf_err(&url)) != ERR_OK) {
		amo_status_set(st, NULL, "out of memory");
		goto out;
	}
	rc = contacts_walk(a, &url, out, st);
out:
	if (rc != ERR_OK)
		amocrm_contacts_free(out);
	buf_free(&url);
	return rc;
}

void
amocrm_contacts_free(struct amocrm_contacts *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->n; i++)
		amocrm_contact_free(&cs->v[i]);
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}
