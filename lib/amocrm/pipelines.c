/*
 * The account's pipelines and their stages as amoCRM lists them
 * (GET /api/v4/leads/pipelines), for the pipeline catalogue
 * (teams/pipeline).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "amocrm/api.h"
#include "amocrm/api_int.h"
#include "base/buf.h"

/* amo_jstr(), but "" for an absent name. */
static char *
name(struct json_object *o, enum err *rc)
{
	char *s = amo_jstr(o, "name", rc);

	if (s == NULL && *rc != ERR_NOMEM && (s = strdup("")) == NULL)
		*rc = ERR_NOMEM;
	return s;
}

/* Reads the stages of pipeline object o into p. ERR_NOMEM. */
static enum err
stages(struct amocrm_pipeline *p, struct json_object *o)
{
	struct json_object *arr, *s;
	struct amocrm_stage *g;
	enum err rc = ERR_OK;
	size_t i, n;

	arr = amo_jarr(http_jget(o, "_embedded"), "statuses");
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n > AMOCRM_STAGES_MAX)
		n = AMOCRM_STAGES_MAX;
	if (n > 0 && (p->stages = calloc(n, sizeof(*p->stages))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(arr, i);
		if (amo_jint(s, "id") <= 0)
			continue;
		g = &p->stages[p->nstages++];
		g->id = amo_jint(s, "id");
		g->sort = amo_jint(s, "sort");
		g->type = (int)amo_jint(s, "type");
		g->is_archive = json_object_get_boolean(
		    http_jget(s, "is_archive"));
		if ((g->name = name(s, &rc)) == NULL)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

enum err
amo_pipelines_from_json(struct amocrm_pipelines *out, struct json_object *root)
{
	struct json_object *arr, *o;
	struct amocrm_pipeline *p;
	enum err rc = ERR_OK;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	arr = amo_jarr(http_jget(root, "_embedded"), "pipelines");
	n = arr != NULL ? json_object_array_length(arr) : 0;
	if (n > AMOCRM_PIPELINES_MAX)
		n = AMOCRM_PIPELINES_MAX;
	if (n > 0 && (out->v = calloc(n, sizeof(*out->v))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		if (amo_jint(o, "id") <= 0)
			continue;
		p = &out->v[out->n++];
		p->id = amo_jint(o, "id");
		p->sort = amo_jint(o, "sort");
		p->is_archive =
		    json_object_get_boolean(http_jget(o, "is_archive"));
		if ((p->name = name(o, &rc)) == NULL ||
		    (rc = stages(p, o)) != ERR_OK) {
			amocrm_pipelines_free(out);
			return ERR_NOMEM;
		}
	}
	return ERR_OK;
}

enum err
amocrm_pipelines_list(struct amocrm *a, struct amocrm_pipelines *out,
    struct amocrm_status *st)
{
	struct json_object *root = NULL;
	struct buf url = { 0 };
	enum err rc = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	buf_printf(&url, "%s/api/v4/leads/pipelines", a->base);
	if (buf_err(&url) != ERR_OK)
		goto out;
	rc = amo_call(a, buf_str(&url), NULL, a->sync_timeout, "the pipelines",
	    &root, st);
	if (rc != ERR_OK || root == NULL)
		goto out;
	rc = amo_pipelines_from_json(out, root);
out:
	if (rc == ERR_NOMEM)
		amo_status_set(st, NULL, "out of memory");
	if (rc != ERR_OK)
		amocrm_pipelines_free(out);
	json_object_put(root);
	buf_free(&url);
	return rc;
}

void
amocrm_pipelines_free(struct amocrm_pipelines *ps)
{
	size_t i, k;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++) {
		for (k = 0; k < ps->v[i].nstages; k++)
			free(ps->v[i].stages[k].name);
		free(ps->v[i].stages);
		free(ps->v[i].name);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}
