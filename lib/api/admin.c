#include <stdio.h>

#include "api/admin.h"

const char *
admin_actor(const struct route_req *r, const struct app *app)
{
	const char *s;

	if (r->req->user != NULL && *r->req->user != '\0')
		return r->req->user;
	s = cfg_str(&app->cfg, CFG_ADMIN_USER);
	return *s != '\0' ? s : "anonymous";
}

enum err
admin_notnull(struct route_req *r, const char *key, const char *what)
{
	char why[96];

	if (jread_has(&r->in, key) != JREAD_NULL)
		return ERR_OK;
	snprintf(why, sizeof(why), "must be %s, not null", what);
	return route_fail(r, ERR_VALIDATION, key, why);
}
