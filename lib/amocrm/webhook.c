#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/webhook.h"
#include "base/buf.h"
#include "base/cfg.h"
#include "base/jw.h"
#include "base/money.h"

const char *const amo_utm_names[AMO_UTM__MAX] = {
	"utm_source",   /* AMO_UTM_SOURCE */
	"utm_medium",   /* AMO_UTM_MEDIUM */
	"utm_campaign", /* AMO_UTM_CAMPAIGN */
	"utm_content",  /* AMO_UTM_CONTENT */
	"utm_term",     /* AMO_UTM_TERM */
	"utm_referrer", /* AMO_UTM_REFERRER */
	"fbclid",       /* AMO_UTM_FBCLID */
};

const char *const amo_action_names[AMO_ACTION__MAX] = {
	"add",         /* AMO_ADD */
	"update",      /* AMO_UPDATE */
	"status",      /* AMO_STATUS */
	"delete",      /* AMO_DELETE */
	"restore",     /* AMO_RESTORE */
	"responsible", /* AMO_RESPONSIBLE */
};

/* Field codes of amoCRM's tracking fields, the fallback after the ids. */
static const char *const utm_codes[AMO_UTM__MAX] = {
	"UTM_SOURCE",   /* AMO_UTM_SOURCE */
	"UTM_MEDIUM",   /* AMO_UTM_MEDIUM */
	"UTM_CAMPAIGN", /* AMO_UTM_CAMPAIGN */
	"UTM_CONTENT",  /* AMO_UTM_CONTENT */
	"UTM_TERM",     /* AMO_UTM_TERM */
	"UTM_REFERRER", /* AMO_UTM_REFERRER */
	"FBCLID",       /* AMO_UTM_FBCLID */
};

/*
 * The variables that hold each tag's field id (the seed's 434xxx ids are
 * their defaults; the account also has duplicates under other ids).
 */
static const enum cfg_key utm_keys[AMO_UTM__MAX] = {
	CFG_AMOCRM_UTM_SOURCE_FIELD,   /* AMO_UTM_SOURCE */
	CFG_AMOCRM_UTM_MEDIUM_FIELD,   /* AMO_UTM_MEDIUM */
	CFG_AMOCRM_UTM_CAMPAIGN_FIELD, /* AMO_UTM_CAMPAIGN */
	CFG_AMOCRM_UTM_CONTENT_FIELD,  /* AMO_UTM_CONTENT */
	CFG_AMOCRM_UTM_TERM_FIELD,     /* AMO_UTM_TERM */
	CFG_AMOCRM_UTM_REFERRER_FIELD, /* AMO_UTM_REFERRER */
	CFG_AMOCRM_FBCLID_FIELD,       /* AMO_UTM_FBCLID */
};

/* The keys of leads[ACTION][N][key] that the model keeps. */
enum lead_key {
	KEY_ID,
	KEY_NAME,
	KEY_STATUS,
	KEY_OLD_STATUS,
	KEY_PIPELINE,
	KEY_OLD_PIPELINE,
	KEY_PRICE,
	KEY_DATE_CREATE,
	KEY_CREATED_AT,
	KEY_LAST_MODIFIED,
	KEY_UPDATED_AT,
	KEY_ACCOUNT_ID,
	KEY__MAX
};

static const char *const lead_keys[KEY__MAX] = {
	"id",              /* KEY_ID */
	"name",            /* KEY_NAME */
	"status_id",       /* KEY_STATUS */
	"old_status_id",   /* KEY_OLD_STATUS */
	"pipeline_id",     /* KEY_PIPELINE */
	"old_pipeline_id", /* KEY_OLD_PIPELINE */
	"price",           /* KEY_PRICE */
	"date_create",     /* KEY_DATE_CREATE */
	"created_at",      /* KEY_CREATED_AT */
	"last_modified",   /* KEY_LAST_MODIFIED */
	"updated_at",      /* KEY_UPDATED_AT */
	"account_id",      /* KEY_ACCOUNT_ID */
};

/*
 * Base names amoCRM sends (sections 2 and 2.4 of the reference). A body
 * with none of them is not a webhook, even if it parses.
 */
static const char *const entities[] = {
	"account",
	"leads",
	"contacts",
	"companies", /* [I]: companies usually come as contacts */
	"unsorted",
	"task",
	"tasks", /* [I]: the doc example says "task" */
	"message",
	"talk",
	"customers",
	"catalogs",
};

/*
 * A sort key for one form pair: (action, N) for lead keys, (i, j) for
 * custom field keys. The pair index keeps body order among equals.
 */
struct ref {
	long long a;
	long long b;
	size_t pair;
};

/* A custom field key that is not a value ([values][j][enum]). */
#define J_IGNORE (-2)
/* A custom field's own key ([id], [name], [code]). */
#define J_OWN (-1)

void
amo_opts_default(struct amo_opts *opts)
{
	int t;

	memset(opts, 0, sizeof(*opts));
	opts->limits = form_default_limits;
	/* The defaults of the configuration table, which is their one home. */
	for (t = 0; t < AMO_UTM__MAX; t++)
		opts->utm_field[t] = strtoll(cfg_vars[utm_keys[t]].def, NULL,
		    10);
}

void
amo_opts_from_cfg(struct amo_opts *opts, const struct cfg *c)
{
	int t;

	memset(opts, 0, sizeof(*opts));
	opts->limits.max_body = (size_t)cfg_int(c, CFG_WEBHOOK_MAX_BODY);
	opts->limits.max_pairs = (size_t)cfg_int(c, CFG_MAX_PAIRS);
	opts->limits.max_depth = (size_t)cfg_int(c, CFG_MAX_DEPTH);
	opts->limits.max_key = (size_t)cfg_int(c, CFG_MAX_KEY);
	opts->limits.max_value = (size_t)cfg_int(c, CFG_MAX_VALUE);
	for (t = 0; t < AMO_UTM__MAX; t++)
		opts->utm_field[t] = cfg_int(c, utm_keys[t]);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Is s, with n bytes left, ASCII whitespace or NBSP? *w is its width. */
static int
is_space(const char *s, size_t n, size_t *w)
{
	if (n >= 1 && (*s == ' ' || (*s >= '\t' && *s <= '\r'))) {
		*w = 1;
		return 1;
	}
	if (n >= 2 && s[0] == '\xc2' && s[1] == '\xa0') {
		*w = 2;
		return 1;
	}
	return 0;
}

/* Returns s without surrounding ASCII whitespace and NBSP; *n its length. */
static const char *
trim(const char *s, size_t *n)
{
	size_t len = strlen(s), w;

	while (is_space(s, len, &w)) {
		s += w;
		len -= w;
	}
	while (len > 0) {
		if (is_space(s + len - 1, 1, &w))
			len--;
		else if (len >= 2 && is_space(s + len - 2, 2, &w) && w == 2)
			len -= 2;
		else
			break;
	}
	*n = len;
	return s;
}

/* Parses a decimal integer of digits only into *v; 0 if not one. */
static int
num_parse(const char *s, long long *v)
{
	long long n = 0;
	int d;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		d = *s - '0';
		if (n > (LLONG_MAX - d) / 10)
			return 0;
		n = n * 10 + d;
	}
	*v = n;
	return 1;
}

/* Reads an optional integer: absent or empty leaves *v at 0. */
static enum err
num_opt(const char *s, long long *v)
{
	if (s == NULL || *s == '\0')
		return ERR_OK;
	return num_parse(s, v) ? ERR_OK : ERR_AMO;
}

/* Returns a copy of price if it is digits[.digits] after trimming. */
static enum err
price_copy(const char *s, char **out)
{
	enum err rc;

	/* A price that is not an amount is no price: the list price counts. */
	if ((rc = money_parse(s, out, NULL)) == ERR_VALIDATION)
		return ERR_OK;
	return rc;
}

/* Copies s (NULL stays NULL); returns ERR_NOMEM if the copy failed. */
static enum err
str_copy(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return ERR_OK;
	if ((*out = strdup(s)) == NULL)
		return ERR_NOMEM;
	return ERR_OK;
}

static int
ref_cmp(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	if (a->pair != b->pair)
		return a->pair < b->pair ? -1 : 1;
	return 0;
}

static int
is_entity(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
		if (strcmp(s, entities[i]) == 0)
			return 1;
	return 0;
}

static int
action_find(const char *s)
{
	int a;

	for (a = 0; a < AMO_ACTION__MAX; a++)
		if (strcmp(s, amo_action_names[a]) == 0)
			return a;
	return -1;
}

static int
lead_key_find(const char *s)
{
	int k;

	for (k = 0; k < KEY__MAX; k++)
		if (strcmp(s, lead_keys[k]) == 0)
			return k;
	return -1;
}

static void
lead_free(struct amo_lead *l)
{
	int t;

	amo_fields_free(l->fields, l->nfields);
	for (t = 0; t < AMO_UTM__MAX; t++)
		free(l->utm[t]);
	free(l->name);
	free(l->price);
	memset(l, 0, sizeof(*l));
}

void
amo_event_free(struct amo_event *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < ev->nleads; i++)
		lead_free(&ev->leads[i]);
	free(ev->leads);
	free(ev->subdomain);
	memset(ev, 0, sizeof(*ev));
}

/*
 * Fills fd from the n keys of one custom field, sorted by ref_cmp: the
 * field's own keys (j = J_OWN) come before its values in j order. A value
 * index given twice keeps the later one, as PHP would.
 */
static enum err
field_build(struct amo_field *fd, const struct form *f, const struct ref *r,
    size_t n)
{
	const char *own[3] = { NULL, NULL, NULL }; /* id, name, code */
	const struct form_pair *p;
	size_t i, nv = 0;
	enum err rc;

	for (i = 0; i < n; i++)
		if (r[i].b >= 0 && (i + 1 == n || r[i + 1].b != r[i].b))
			nv++;
	if (nv > 0) {
		if ((fd->values = calloc(nv, sizeof(*fd->values))) == NULL)
			return ERR_NOMEM;
		fd->nvalues = nv;
	}
	for (i = 0, nv = 0; i < n; i++) {
		p = &f->pairs[r[i].pair];
		if (r[i].b == J_OWN && p->nseg == 6) {
			if (strcmp(p->seg[5], "id") == 0)
				own[0] = p->value;
			else if (strcmp(p->seg[5], "name") == 0)
				own[1] = p->value;
			else if (strcmp(p->seg[5], "code") == 0)
				own[2] = p->value;
		} else if (r[i].b >= 0 &&
		    (i + 1 == n || r[i + 1].b != r[i].b)) {
			if ((fd->values[nv++] = strdup(p->value)) == NULL)
				return ERR_NOMEM;
		}
	}
	if ((rc = num_opt(own[0], &fd->id)) != ERR_OK)
		return rc;
	if ((rc = str_copy(own[1], &fd->name)) != ERR_OK)
		return rc;
	return str_copy(own[2], &fd->code);
}

/* Returns the first value of fd that is not blank, trimmed, or NULL. */
static const char *
field_value(const struct amo_field *fd, size_t *n)
{
	const char *v;
	size_t j;

	for (j = 0; j < fd->nvalues; j++) {
		v = trim(fd->values[j], n);
		if (*n > 0)
			return v;
	}
	return NULL;
}

/* Is name the tag's name, ignoring case and spacing ("UTM Source")? */
static int
name_match(const char *name, const char *tag)
{
	const char *s;
	size_t n, i;

	if (name == NULL)
		return 0;
	s = trim(name, &n);
	if (n != strlen(tag))
		return 0;
	for (i = 0; i < n; i++) {
		if (tag[i] == '_' && s[i] == ' ')
			continue;
		if (lower((unsigned char)s[i]) != tag[i])
			return 0;
	}
	return 1;
}

static int
code_match(const char *code, const char *want)
{
	size_t i;

	if (code == NULL)
		return 0;
	for (i = 0; code[i] != '\0' && want[i] != '\0'; i++)
		if (lower((unsigned char)code[i]) != lower(want[i]))
			return 0;
	return code[i] == want[i];
}

/*
 * Sets l->utm from the lead's custom fields. The configured field id
 * wins; a field found by code or name is used only when that one is
 * absent or blank, because the account holds duplicate UTM fields.
 */
static enum err
lead_utm(struct amo_lead *l, const struct amo_opts *opts)
{
	const struct amo_field *fd;
	const char *v;
	size_t i, n;
	int t;

	for (t = 0; t < AMO_UTM__MAX; t++) {
		v = NULL;
		for (i = 0; v == NULL && i < l->nfields; i++) {
			fd = &l->fields[i];
			if (opts->utm_field[t] != 0 &&
			    fd->id == opts->utm_field[t])
				v = field_value(fd, &n);
		}
		for (i = 0; v == NULL && i < l->nfields; i++) {
			fd = &l->fields[i];
			if (code_match(fd->code, utm_codes[t]) ||
			    name_match(fd->name, amo_utm_names[t]))
				v = field_value(fd, &n);
		}
		if (v != NULL && (l->utm[t] = strndup(v, n)) == NULL)
			return ERR_NOMEM;
	}
	return ERR_OK;
}

/*
 * Fills l from the n keys of one lead (leads[ACTION][N]...), sorted by
 * body order. Scalars keep the last value given; custom fields are
 * grouped by their position i. Returns ERR_AMO for a missing or
 * non-numeric id, a non-integer numeric field or a non-numeric index.
 */
static enum err
lead_build(struct amo_lead *l, int action, const struct form *f,
    const struct ref *r, size_t n, const struct amo_opts *opts)
{
	const char *val[KEY__MAX];
	const struct form_pair *p;
	struct ref *cr = NULL;
	size_t i, k, ncr = 0, nf;
	long long fi, fj, v;
	int key;
	enum err rc = ERR_NOMEM;

	memset(val, 0, sizeof(val));
	l->action = (enum amo_action)action;
	if ((cr = calloc(n, sizeof(*cr))) == NULL)
		goto out;
	rc = ERR_AMO;
	for (i = 0; i < n; i++) {
		p = &f->pairs[r[i].pair];
		if (p->nseg == 3) {
			/* "For delete it holds just the id." */
			if (action == AMO_DELETE)
				val[KEY_ID] = p->value;
			continue;
		}
		if (p->nseg == 4) {
			if ((key = lead_key_find(p->seg[3])) >= 0)
				val[key] = p->value;
			continue;
		}
		if (p->nseg < 6 || strcmp(p->seg[3], "custom_fields") != 0)
			continue;
		if (!num_parse(p->seg[4], &fi))
			goto out;
		fj = J_OWN;
		if (p->nseg >= 7 && strcmp(p->seg[5], "values") == 0) {
			if (!num_parse(p->seg[6], &fj))
				goto out;
			if (p->nseg > 8 ||
			    (p->nseg == 8 && strcmp(p->seg[7], "value") != 0))
				fj = J_IGNORE;
		}
		cr[ncr].a = fi;
		cr[ncr].b = fj;
		cr[ncr].pair = r[i].pair;
		ncr++;
	}

	if (val[KEY_ID] == NULL || !num_parse(val[KEY_ID], &v) || v == 0)
		goto out;
	l->id = v;
	if (num_opt(val[KEY_STATUS], &l->status_id) != ERR_OK ||
	    num_opt(val[KEY_OLD_STATUS], &l->old_status_id) != ERR_OK ||
	    num_opt(val[KEY_PIPELINE], &l->pipeline_id) != ERR_OK ||
	    num_opt(val[KEY_OLD_PIPELINE], &l->old_pipeline_id) != ERR_OK ||
	    num_opt(val[KEY_ACCOUNT_ID], &l->account_id) != ERR_OK ||
	    num_opt(val[KEY_DATE_CREATE], &l->created_at) != ERR_OK ||
	    num_opt(val[KEY_CREATED_AT], &l->created_at) != ERR_OK ||
	    num_opt(val[KEY_LAST_MODIFIED], &l->updated_at) != ERR_OK ||
	    num_opt(val[KEY_UPDATED_AT], &l->updated_at) != ERR_OK)
		goto out;
	if ((rc = str_copy(val[KEY_NAME], &l->name)) != ERR_OK ||
	    (rc = price_copy(val[KEY_PRICE], &l->price)) != ERR_OK)
		goto out;

	qsort(cr, ncr, sizeof(*cr), ref_cmp);
	for (i = 0, nf = 0; i < ncr; i++)
		if (i + 1 == ncr || cr[i + 1].a != cr[i].a)
			nf++;
	if (nf > 0) {
		rc = ERR_NOMEM;
		if ((l->fields = calloc(nf, sizeof(*l->fields))) == NULL)
			goto out;
		l->nfields = nf;
	}
	for (i = 0, nf = 0; i < ncr; i = k) {
		for (k = i + 1; k < ncr && cr[k].a == cr[i].a; k++)
			;
		rc = field_build(&l->fields[nf++], f, cr + i, k - i);
		if (rc != ERR_OK)
			goto out;
	}
	rc = lead_utm(l, opts);
out:
	free(cr);
	return rc;
}

/*
 * Builds ev from the pairs of f. Lead keys are sorted by (action, N, body
 * position), so leads come out in (action, N) order whatever the order of
 * the body, and each lead's keys are read in body order. On error ev is
 * empty.
 */
enum err
amo_from_form(struct amo_event *ev, const struct form *f,
    const struct amo_opts *opts)
{
	struct amo_opts def;
	const struct form_pair *p;
	const char *sub = NULL, *accid = NULL;
	struct ref *r = NULL;
	size_t i, k, nr = 0, nl;
	long long n;
	int shaped = 0, act;
	enum err rc = ERR_AMO;

	memset(ev, 0, sizeof(*ev));
	if (opts == NULL) {
		amo_opts_default(&def);
		opts = &def;
	}
	/* An empty body is a truncated delivery, not "no leads". */
	if (f->npairs == 0)
		goto out;
	rc = ERR_NOMEM;
	if ((r = calloc(f->npairs, sizeof(*r))) == NULL)
		goto out;
	rc = ERR_AMO;
	for (i = 0; i < f->npairs; i++) {
		p = &f->pairs[i];
		if (!is_entity(p->seg[0]))
			continue;
		shaped = 1;
		if (p->nseg == 2 && strcmp(p->seg[0], "account") == 0) {
			if (strcmp(p->seg[1], "subdomain") == 0)
				sub = p->value;
			else if (strcmp(p->seg[1], "id") == 0)
				accid = p->value;
			continue;
		}
		if (p->nseg < 3 || strcmp(p->seg[0], "leads") != 0 ||
		    (act = action_find(p->seg[1])) < 0)
			continue;
		if (!num_parse(p->seg[2], &n))
			goto out;
		r[nr].a = act;
		r[nr].b = n;
		r[nr].pair = i;
		nr++;
	}
	if (!shaped)
		goto out;
	if (num_opt(accid, &ev->account_id) != ERR_OK)
		goto out;
	if ((rc = str_copy(sub, &ev->subdomain)) != ERR_OK)
		goto out;

	qsort(r, nr, sizeof(*r), ref_cmp);
	for (i = 0, nl = 0; i < nr; i++)
		if (i + 1 == nr || r[i + 1].a != r[i].a || r[i + 1].b != r[i].b)
			nl++;
	if (nl > 0) {
		rc = ERR_NOMEM;
		if ((ev->leads = calloc(nl, sizeof(*ev->leads))) == NULL)
			goto out;
		ev->nleads = nl;
	}
	for (i = 0, nl = 0; i < nr; i = k) {
		k = i + 1;
		while (k < nr && r[k].a == r[i].a && r[k].b == r[i].b)
			k++;
		rc = lead_build(&ev->leads[nl++], (int)r[i].a, f, r + i, k - i,
		    opts);
		if (rc != ERR_OK)
			goto out;
	}
	rc = ERR_OK;
out:
	free(r);
	if (rc != ERR_OK)
		amo_event_free(ev);
	return rc;
}

/* Is ct "application/json", with or without parameters? */
static int
is_json(const char *ct)
{
	const char *want = "application/json";
	size_t i;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (i = 0; want[i] != '\0'; i++)
		if (lower((unsigned char)ct[i]) != want[i])
			return 0;
	return ct[i] == '\0' || ct[i] == ';' || ct[i] == ' ' || ct[i] == '\t';
}

/*
 * Parses a webhook body into ev: JSON when content_type says so, else
 * urlencoded. opts NULL means amo_opts_default(). An empty body is
 * ERR_AMO: amoCRM never sends one, a cut-off delivery does.
 */
enum err
amo_parse(struct amo_event *ev, const char *content_type, const char *body,
    size_t len, const struct amo_opts *opts)
{
	struct amo_opts def;
	struct form f;
	enum err rc;

	memset(ev, 0, sizeof(*ev));
	memset(&f, 0, sizeof(f));
	if (opts == NULL) {
		amo_opts_default(&def);
		opts = &def;
	}
	if (len == 0)
		return ERR_AMO;
	if (is_json(content_type))
		rc = form_parse_json(&f, body, len, &opts->limits);
	else
		rc = form_parse(&f, body, len, &opts->limits);
	if (rc == ERR_OK)
		rc = amo_from_form(ev, &f, opts);
	form_free(&f);
	return rc;
}

/* Writes v, or null for 0, which the model uses for "absent". */
static void
jw_id(struct jw *w, const char *key, long long v)
{
	if (v == 0)
		jw_null(w, key);
	else
		jw_int(w, key, v);
}

/*
 * Returns lead l as a JSON object (caller frees), for raw_data. Ids and
 * times that are absent are null; ev gives the account and may be NULL.
 */
char *
amo_lead_json(const struct amo_lead *l, const struct amo_event *ev)
{
	const struct amo_field *fd;
	const char *action = NULL;
	long long accid = l->account_id;
	struct buf b;
	struct jw w;
	size_t i, j;
	int t;

	if ((unsigned)l->action < AMO_ACTION__MAX)
		action = amo_action_names[l->action];
	if (ev != NULL && ev->account_id != 0)
		accid = ev->account_id;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_str(&w, "action", action);
	jw_int(&w, "id", l->id);
	jw_str(&w, "name", l->name);
	jw_id(&w, "status_id", l->status_id);
	jw_id(&w, "old_status_id", l->old_status_id);
	jw_id(&w, "pipeline_id", l->pipeline_id);
	jw_id(&w, "old_pipeline_id", l->old_pipeline_id);
	jw_numstr(&w, "price", l->price);
	jw_id(&w, "created_at", l->created_at);
	jw_id(&w, "updated_at", l->updated_at);
	jw_obj(&w, "account");
	jw_id(&w, "id", accid);
	jw_str(&w, "subdomain", ev != NULL ? ev->subdomain : NULL);
	jw_obj_end(&w);
	jw_obj(&w, "utm");
	for (t = 0; t < AMO_UTM__MAX; t++)
		jw_str(&w, amo_utm_names[t], l->utm[t]);
	jw_obj_end(&w);
	jw_arr(&w, "custom_fields");
	for (i = 0; i < l->nfields; i++) {
		fd = &l->fields[i];
		jw_obj(&w, NULL);
		jw_id(&w, "id", fd->id);
		jw_str(&w, "name", fd->name);
		jw_str(&w, "code", fd->code);
		jw_arr(&w, "values");
		for (j = 0; j < fd->nvalues; j++)
			jw_str(&w, NULL, fd->values[j]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	return buf_take(&b);
}
