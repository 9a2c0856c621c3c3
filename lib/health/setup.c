/*
 * amoCRM set up for amosync: our webhooks registered once, for their
 * events, and the UTM field ids checked (health/setup.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/secret.h"
#include "health/setup.h"

/* The one event both webhooks are for: a deal changed stage (R6, R9). */
static const char *const events[] = { "status_lead" };

const char *const health_setup_do_names[SETUP__MAX] = {
	"none",     /* SETUP_NOTHING */
	"add",      /* SETUP_ADD */
	"events",   /* SETUP_EVENTS */
	"disabled", /* SETUP_DISABLED */
	"token",    /* SETUP_TOKEN */
};

static const struct {
	enum cfg_key var;
	const char *name;
} utm[SETUP_FIELDS] = {
	{ CFG_AMOCRM_UTM_SOURCE_FIELD, "utm_source" },
	{ CFG_AMOCRM_UTM_MEDIUM_FIELD, "utm_medium" },
	{ CFG_AMOCRM_UTM_CAMPAIGN_FIELD, "utm_campaign" },
	{ CFG_AMOCRM_UTM_CONTENT_FIELD, "utm_content" },
	{ CFG_AMOCRM_UTM_TERM_FIELD, "utm_term" },
	{ CFG_AMOCRM_UTM_REFERRER_FIELD, "utm_referrer" },
	{ CFG_AMOCRM_FBCLID_FIELD, "fbclid" },
};

/* url with the value of its token= parameter as "***", into out. */
static void
mask(const char *url, char *out, size_t n)
{
	const char *t = strstr(url, "token=");
	size_t len;

	if (t == NULL || t == url || (t[-1] != '?' && t[-1] != '&')) {
		snprintf(out, n, "%s", url);
		return;
	}
	len = (size_t)(t - url) + 6;
	snprintf(out, n, "%.*s***%s", (int)len, url,
	    t + 6 + strcspn(t + 6, "&#"));
}

/* Is the destination's token= one the webhooks accept? */
static int
token_ok(const char *dest, const char *secrets)
{
	const char *t = strstr(dest, "?token=");
	size_t n;

	if (*secrets == '\0')
		return 1;
	if (t == NULL && (t = strstr(dest, "&token=")) == NULL)
		return 0;
	t += 7;
	n = strcspn(t, "&#");
	return secret_match(secrets, t, n);
}

static int
has_events(const struct amocrm_webhook *h)
{
	size_t i, k;
	int found;

	for (k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
		for (i = 0, found = 0; i < h->nsettings && !found; i++)
			found = strcmp(h->settings[i], events[k]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

/* Plans one hook against amoCRM's list. */
static void
plan_hook(struct health_setup *s, struct health_setup_hook *sh,
    const struct amocrm_webhooks *hs, const char *pub, const char *secrets)
{
	const struct amocrm_webhook *h;
	size_t plen = strlen(pub), slen = strcspn(secrets, ",");

	while (plen > 0 && pub[plen - 1] == '/')
		plen--;
	h = health_hook_find(hs, pub, sh->hook);
	if (h == NULL) {
		sh->todo = SETUP_ADD;
		snprintf(sh->url, sizeof(sh->url), "%.*s%s%s%.*s", (int)plen,
		    pub, sh->hook->path, slen > 0 ? "?token=" : "", (int)slen,
		    secrets);
		s->changes++;
	} else {
		snprintf(sh->url, sizeof(sh->url), "%s", h->destination);
		if (h->disabled) {
			sh->todo = SETUP_DISABLED;
			s->problems++;
		} else if (!token_ok(h->destination, secrets)) {
			sh->todo = SETUP_TOKEN;
			s->problems++;
		} else if (!has_events(h)) {
			sh->todo = SETUP_EVENTS;
			s->changes++;
		}
	}
	mask(sh->url, sh->shown, sizeof(sh->shown));
}

/* Checks one configured field id against the account's fields. */
static void
plan_field(struct health_setup *s, struct health_setup_field *f,
    const struct amocrm_fields *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		if (fs->v[i].id == f->id)
			f->exists = 1;
		if (f->found == 0 &&
		    ((fs->v[i].name != NULL &&
		         strcasecmp(fs->v[i].name, f->name) == 0) ||
		        (fs->v[i].code != NULL &&
		            strcasecmp(fs->v[i].code, f->name) == 0)))
			f->found = fs->v[i].id;
	}
	/* 0 reads the field by its name: it must exist by that name. */
	if (f->id == 0 ? f->found == 0 : !f->exists)
		s->problems++;
}

enum err
health_setup_plan(struct amocrm *a, const struct cfg *c, struct health_setup *s)
{
	const char *pub = cfg_str(c, CFG_PUBLIC_URL);
	const char *secrets = cfg_str(c, CFG_WEBHOOK_SECRETS);
	struct amocrm_webhooks hs = { 0 };
	struct amocrm_fields fs = { 0 };
	struct amocrm_status st;
	enum err rc;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < HEALTH_HOOKS; i++)
		s->hooks[i].hook = &health_hooks[i];
	for (i = 0; i < SETUP_FIELDS; i++) {
		s->fields[i].var = utm[i].var;
		s->fields[i].name = utm[i].name;
		s->fields[i].id = cfg_int(c, utm[i].var);
	}
	if (strncmp(pub, "https://", 8) != 0 &&
	    strncmp(pub, "http://", 7) != 0) {
		snprintf(s->why, sizeof(s->why),
		    "AMOSYNC_PUBLIC_URL is not set: the https://host amoCRM "
		    "posts the webhooks to");
		return ERR_CONFIG;
	}
	if ((rc = amocrm_webhooks_list(a, &hs, &st)) != ERR_OK) {
		snprintf(s->why, sizeof(s->why),
		    "could not list amoCRM's webhooks: %s", st.reason);
		goto out;
	}
	if ((rc = amocrm_lead_fields_list(a, &fs, &st)) != ERR_OK) {
		snprintf(s->why, sizeof(s->why),
		    "could not list amoCRM's lead fields: %s", st.reason);
		goto out;
	}
	for (i = 0; i < HEALTH_HOOKS; i++)
		plan_hook(s, &s->hooks[i], &hs, pub, secrets);
	for (i = 0; i < SETUP_FIELDS; i++)
		plan_field(s, &s->fields[i], &fs);
out:
	amocrm_webhooks_free(&hs);
	amocrm_fields_free(&fs);
	return rc;
}

enum err
health_setup_apply(struct amocrm *a, struct health_setup *s)
{
	struct amocrm_status st;
	enum err rc = ERR_OK, r;
	size_t i;

	for (i = 0; i < HEALTH_HOOKS; i++) {
		struct health_setup_hook *h = &s->hooks[i];

		if (h->todo != SETUP_ADD && h->todo != SETUP_EVENTS)
			continue;
		r = amocrm_webhook_add(a, h->url, events,
		    sizeof(events) / sizeof(events[0]), &st);
		if (r == ERR_OK) {
			h->done = 1;
			log_info("amoCRM: %s webhook %s for status_lead",
			    h->todo == SETUP_ADD ? "registered" : "updated",
			    h->shown);
		} else {
			snprintf(h->error, sizeof(h->error), "%s", st.reason);
			rc = r;
		}
	}
	return rc;
}

void
health_setup_write(const struct health_setup *s, struct jw *w)
{
	size_t i, k;

	jw_str(w, "problem", s->why[0] != '\0' ? s->why : NULL);
	jw_int(w, "changes", s->changes);
	jw_int(w, "problems", s->problems);
	jw_arr(w, "webhooks");
	for (i = 0; s->why[0] == '\0' && i < HEALTH_HOOKS; i++) {
		const struct health_setup_hook *h = &s->hooks[i];

		jw_obj(w, NULL);
		jw_str(w, "endpoint", h->hook->endpoint);
		jw_str(w, "url", h->shown);
		jw_arr(w, "events");
		for (k = 0; k < sizeof(events) / sizeof(events[0]); k++)
			jw_str(w, NULL, events[k]);
		jw_arr_end(w);
		jw_str(w, "action", health_setup_do_names[h->todo]);
		jw_bool(w, "done", h->done);
		jw_str(w, "error", h->error[0] != '\0' ? h->error : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_arr(w, "fields");
	for (i = 0; s->why[0] == '\0' && i < SETUP_FIELDS; i++) {
		const struct health_setup_field *f = &s->fields[i];

		jw_obj(w, NULL);
		jw_str(w, "variable", cfg_vars[f->var].name);
		jw_str(w, "name", f->name);
		jw_int(w, "id", f->id);
		jw_bool(w, "exists", f->id == 0 ? f->found != 0 : f->exists);
		if (f->found != 0)
			jw_int(w, "found", f->found);
		else
			jw_null(w, "found");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}
