#ifndef AMOSYNC_HEALTH_SETUP_H
#define AMOSYNC_HEALTH_SETUP_H

#include "amocrm/api.h"
#include "base/cfg.h"
#include "base/jw.h"
#include "health/checks.h"

/*
 * amoCRM set up for amosync in one step (amosync-ctl amocrm setup and the
 * Integrations page): each of amosync's webhooks registered once, at
 * AMOSYNC_PUBLIC_URL with the first secret of AMOSYNC_WEBHOOK_SECRETS, for
 * the events it needs; and the UTM field ids of the configuration checked
 * against the account's lead fields. health_setup_plan() only reads
 * amoCRM; health_setup_apply() then posts what the plan says, and running
 * both again changes nothing. No URL with its ?token= is ever logged or
 * written: health_setup_write() and the tool show it as ?token=***.
 */

enum health_setup_do {
	SETUP_NOTHING,  /* registered for its events */
	SETUP_ADD,      /* not registered: POST it */
	SETUP_EVENTS,   /* registered without an event it needs: POST again */
	SETUP_DISABLED, /* amoCRM switched it off: re-enable it there */
	SETUP_TOKEN,    /* registered with a token none of the secrets is */
	SETUP__MAX
};

/* The word of each action, as the API and the tool print it. */
extern const char *const health_setup_do_names[SETUP__MAX];

/* The fields amosync reads the UTM tags from (AMOCRM_UTM_*_FIELD). */
#define SETUP_FIELDS 7

struct health_setup_hook {
	const struct health_hook *hook;
	char url[1024];   /* what is registered after the plan, ?token= */
	char shown[1024]; /* url with its token as *** */
	enum health_setup_do todo;
	int done;                      /* apply posted it */
	char error[AMOCRM_REASON_LEN]; /* why apply could not, or "" */
};

struct health_setup_field {
	enum cfg_key var;
	const char *name; /* utm_source */
	long long id;     /* the configured id; 0: found by name only */
	int exists;       /* the account has a lead field with that id */
	long long found;  /* the id of the field named so, or 0 */
};

struct health_setup {
	struct health_setup_hook hooks[HEALTH_HOOKS];
	struct health_setup_field fields[SETUP_FIELDS];
	int changes;  /* hooks to add or update */
	int problems; /* hooks and fields only a person can fix */
	char why[AMOCRM_REASON_LEN + 64]; /* nothing could be planned: why */
};

/*
 * Reads amoCRM's webhooks and lead fields and plans into s. Returns
 * ERR_OK, ERR_CONFIG (no AMOSYNC_PUBLIC_URL: s->why says so) or the
 * error of the amoCRM call (s->why has its reason).
 */
enum err health_setup_plan(struct amocrm *a, const struct cfg *c,
    struct health_setup *s);

/*
 * Posts the webhooks the plan adds or updates; each hook's done or error
 * says how it went. Returns ERR_OK when every post succeeded.
 */
enum err health_setup_apply(struct amocrm *a, struct health_setup *s);

/* Writes s as members of the object w is in (no secret). */
void health_setup_write(const struct health_setup *s, struct jw *w);

#endif
