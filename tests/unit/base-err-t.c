#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "tap.h"

/*
 * The error table (base/err.c) has its rows indexed by enum err: each
 * code keeps its name, text and HTTP status, and no code is left out.
 */
struct tcase {
	enum err rc;
	const char *name;
	const char *text;
	int http;
};

static const struct tcase cases[] = {
	{ ERR_OK, "ERR_OK", "success", 200 },
	{ ERR_NOMEM, "ERR_NOMEM", "out of memory", 500 },
	{ ERR_TOOBIG, "ERR_TOOBIG", "body too large", 413 },
	{ ERR_FORM_NUL, "ERR_FORM_NUL", "NUL byte in form data", 400 },
	{ ERR_METHOD, "ERR_METHOD", "method not allowed", 405 },
	{ ERR_NOTFOUND, "ERR_NOTFOUND", "not found", 404 },
	{ ERR_CONFLICT, "ERR_CONFLICT", "already exists", 409 },
	{ ERR_AUTH, "ERR_AUTH", "not authorised", 401 },
	{ ERR_DB, "ERR_DB", "database error", 503 },
	{ ERR_HTTP, "ERR_HTTP", "remote service error", 502 },
	{ ERR_RATE, "ERR_RATE", "rate limited", 429 },
	{ ERR_TIMEOUT, "ERR_TIMEOUT", "timed out", 504 },
	{ ERR__MAX, "ERR_UNKNOWN", "unknown error", 500 },
};

int
main(void)
{
	size_t i;
	int rc, whole = 1;

	plan_lazy();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		is_str(err_name(c->rc), c->name, "name");
		is_str(err_str(c->rc), c->text, "text");
		ok(err_http(c->rc) == c->http, "%s: HTTP %d", c->name,
		    err_http(c->rc));
	}
	for (rc = 0; rc < ERR__MAX; rc++)
		if (err_name((enum err)rc) == NULL ||
		    strncmp(err_name((enum err)rc), "ERR_", 4) != 0 ||
		    err_str((enum err)rc) == NULL ||
		    err_http((enum err)rc) < 200 ||
		    err_http((enum err)rc) > 599) {
			diag("code %d has no row", rc);
			whole = 0;
		}
	ok(whole, "every enum err has its row");
	return exit_status();
}
