#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/form.h"
#include "base/money.h"
#include "sales/flat.h"

/* Copies form value key (NULL when absent or blank) into *out. */
static enum err
take(const struct form *f, const char *key, char **out)
{
	const char *v = form_get(f, key);

	*out = NULL;
	if (v == NULL || v[strspn(v, " \t")] == '\0')
		return ERR_OK;
	return (*out = strdup(v)) != NULL ? ERR_OK : ERR_NOMEM;
}

/* Adds a synthetic custom field carrying value under code. */
static enum err
addfield(struct amo_lead *l, const char *code, const struct form *f,
    const char *key)
{
	struct amo_field *fd;
	char *v;
	enum err rc;

	if ((rc = take(f, key, &v)) != ERR_OK || v == NULL)
		return rc;
	fd = &l->fields[l->nfields];
	memset(fd, 0, sizeof(*fd));
	if ((fd->code = strdup(code)) == NULL ||
	    (fd->values = calloc(1, sizeof(char *))) == NULL) {
		free(fd->code);
		free(v);
		return ERR_NOMEM;
	}
	fd->values[0] = v;
	fd->nvalues = 1;
	l->nfields++;
	return ERR_OK;
}

/* Parses a decimal integer field; absent is 0, garbage is ERR_VALIDATION. */
static enum err
integer(const struct form *f, const char *key, long long *out)
{
	const char *v = form_get(f, key);
	char *end;

	*out = 0;
	if (v == NULL || *v == '\0')
		return ERR_OK;
	*out = strtoll(v, &end, 10);
	return *end == '\0' && *out >= 0 ? ERR_OK : ERR_VALIDATION;
}

static enum err flat(const struct form *, struct amo_event *);

enum err
flat_event(const struct form *f, struct amo_event *ev)
{
	enum err rc;

	if ((rc = flat(f, ev)) != ERR_OK)
		amo_event_free(ev);
	return rc;
}

/* Builds one status-142 lead event from the flat JSON fields. */
static enum err
flat(const struct form *f, struct amo_event *ev)
{
	static const char *const fields[][2] = {
		{ "CONTACT_NAME", "contact_name" },
		{ "PHONE", "contact_phone" },
		{ "EMAIL", "contact_email" },
		{ "PRODUCT_NAME", "product_name" },
	};
	struct amo_lead *l;
	char *amount;
	enum err rc;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	if ((ev->leads = calloc(1, sizeof(*ev->leads))) == NULL)
		return ERR_NOMEM;
	ev->nleads = 1;
	l = &ev->leads[0];
	l->action = AMO_STATUS;
	if ((l->fields = calloc(4, sizeof(*l->fields))) == NULL)
		return ERR_NOMEM;
	if ((rc = integer(f, "lead_id", &l->id)) != ERR_OK || l->id <= 0 ||
	    (rc = integer(f, "pipeline_id", &l->pipeline_id)) != ERR_OK ||
	    (rc = integer(f, "status_id", &l->status_id)) != ERR_OK)
		return ERR_VALIDATION;
	if (l->status_id == 0)
		l->status_id = AMO_STATUS_WON;
	if ((rc = money_parse(form_get(f, "sale_amount"), &amount, NULL)) !=
	    ERR_OK)
		return rc;
	if (!money_positive(amount)) {
		free(amount);
		return ERR_VALIDATION;
	}
	l->price = amount;
	if ((rc = take(f, "lead_name", &l->name)) != ERR_OK)
		return rc;
	for (i = 0; i < AMO_UTM__MAX; i++)
		if ((rc = take(f, amo_utm_names[i], &l->utm[i])) != ERR_OK)
			return rc;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if ((rc = addfield(l, fields[i][0], f, fields[i][1])) != ERR_OK)
			return rc;
	return ERR_OK;
}

enum err
flat_parse(struct sales_ctx *s, const struct spool_meta *m,
    struct amo_event *ev, int *isflat)
{
	struct form f;
	enum err rc;

	*isflat = 0;
	memset(ev, 0, sizeof(*ev));
	if (m->ctype == NULL ||
	    strncasecmp(m->ctype, "application/json", 16) != 0)
		return amo_parse(ev, m->ctype, m->body ? m->body : "",
		    m->bodysz, &s->amo);
	rc = form_parse_json(&f, m->body ? m->body : "", m->bodysz,
	    &s->amo.limits);
	if (rc != ERR_OK)
		return rc;
	if (form_get(&f, "lead_id") == NULL) {
		rc = amo_from_form(ev, &f, &s->amo);
	} else {
		*isflat = 1;
		rc = flat_event(&f, ev);
	}
	form_free(&f);
	return rc;
}
