/*
 * Unit tests for the router's query parameters: every JSON API reads
 * them through these, so garbage is a 400 naming the parameter, never a
 * silent default (atoi).
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "io/route.h"
#include "tap.h"

static struct web_req req;
static struct route_req r;

static void
setq(const char *q)
{
	size_t i;

	for (i = 0; i < r.nquery; i++)
		free(r.query[i]);
	jread_free(&r.in);
	memset(&r, 0, sizeof(r));
	memset(&req, 0, sizeof(req));
	req.query = q;
	r.req = &req;
}

static const struct {
	const char *query;
	enum err rc;
	long long want; /* default 100 */
} ints[] = {
	{ "", ERR_OK, 100 },
	{ "limit=", ERR_OK, 100 },
	{ "limit=5", ERR_OK, 5 },
	{ "other=7&limit=1000", ERR_OK, 1000 },
	{ "limit=0", ERR_VALIDATION, 100 },
	{ "limit=1001", ERR_VALIDATION, 100 },
	{ "limit=abc", ERR_VALIDATION, 100 },
	{ "limit=12abc", ERR_VALIDATION, 100 },
	{ "limit=%2B5", ERR_VALIDATION, 100 },
	{ "limit=%205", ERR_VALIDATION, 100 },
	{ "limit=99999999999999999999", ERR_VALIDATION, 100 },
	{ "limit=0x10", ERR_VALIDATION, 100 },
};

static const struct {
	const char *query;
	enum err rc;
	const char *want;
} enums[] = {
	{ "state=dead", ERR_OK, "dead" },
	{ "state=", ERR_OK, NULL },
	{ "", ERR_OK, NULL },
	{ "state=Dead", ERR_VALIDATION, NULL },
	{ "state=dead%00", ERR_VALIDATION, NULL },
	{ "state=bogus", ERR_VALIDATION, NULL },
};

static const struct {
	const char *query;
	enum err rc;
} dates[] = {
	{ "start=2025-12-01", ERR_OK },
	{ "start=2024-02-29", ERR_OK },
	{ "start=2025-02-29", ERR_VALIDATION },
	{ "start=2025-13-01", ERR_VALIDATION },
	{ "start=2025-1-01", ERR_VALIDATION },
	{ "start=yesterday", ERR_VALIDATION },
	{ "start=2025-12-01%27%3B", ERR_VALIDATION },
};

/* The cross-site refusal: NULL = passes, else the start of the reason. */
static const struct {
	const char *ctype, *xrw, *site, *origin, *host;
	const char *why;
} sites[] = {
	{ "application/json", NULL, NULL, NULL, "adm.kz", NULL },
	{ "application/json; charset=utf-8", NULL, "same-origin",
	    "https://adm.kz", "adm.kz", NULL },
	{ NULL, "XMLHttpRequest", "same-origin", "http://127.0.0.1:8080",
	    "127.0.0.1:8080", NULL },
	{ "text/csv", "amosync", "none", NULL, "adm.kz", NULL },
	{ "", "amosync", NULL, "https://ADM.kz", "adm.kz", NULL },
	/* What a plain HTML form or a no-cors fetch of another site sends. */
	{ "application/x-www-form-urlencoded", NULL, NULL, NULL, "adm.kz",
	    "a change needs" },
	{ "text/plain", NULL, "cross-site", "https://evil.example", "adm.kz",
	    "a change needs" },
	{ NULL, NULL, NULL, NULL, NULL, "a change needs" },
	{ "", "", NULL, NULL, "adm.kz", "a change needs" },
	{ "application/jsonx", NULL, NULL, NULL, "adm.kz", "a change needs" },
	/* A custom header or JSON, but the browser says another site. */
	{ "application/json", NULL, "cross-site", NULL, "adm.kz",
	    "cross-site request refused (Sec-Fetch-Site)" },
	{ "application/json", NULL, "same-site", "https://adm.kz", "adm.kz",
	    "cross-site request refused (Sec-Fetch-Site)" },
	{ NULL, "x", NULL, "https://evil.example", "adm.kz",
	    "cross-site request refused (Origin)" },
	{ NULL, "x", NULL, "https://adm.kz.evil.example", "adm.kz",
	    "cross-site request refused (Origin)" },
	{ NULL, "x", NULL, "https://adm.kz:444", "adm.kz",
	    "cross-site request refused (Origin)" },
	{ "application/json", NULL, NULL, "null", "adm.kz",
	    "cross-site request refused (Origin)" },
	{ "application/json", NULL, NULL, "https://adm.kz", NULL,
	    "cross-site request refused (Origin)" },
};

/*
 * The same rule with the User-Agent: a client that is no browser (no
 * Origin, no Sec-Fetch-Site, not a browser's User-Agent) passes as it is;
 * a browser still needs JSON or X-Requested-With and its own origin.
 */
static const struct {
	const char *ctype, *site, *origin, *ua;
	const char *why;
} agents[] = {
	/* curl -X POST -u admin:... URL: no body, no content type. */
	{ "", NULL, NULL, "curl/7.88.1", NULL },
	{ NULL, NULL, NULL, "curl/7.88.1", NULL },
	{ "application/x-www-form-urlencoded", NULL, NULL,
	    "python-requests/2.31", NULL },
	/* A browser's form post, with or without the headers it sends. */
	{ "application/x-www-form-urlencoded", NULL, NULL,
	    "Mozilla/5.0 (X11; Linux x86_64)", "a change needs" },
	{ "application/x-www-form-urlencoded", "cross-site",
	    "https://evil.example", "Mozilla/5.0", "a change needs" },
	/* A script that claims another site's Origin is judged by it. */
	{ "application/json", NULL, "https://evil.example", "curl/7.88.1",
	    "cross-site request refused (Origin)" },
	{ "application/json", "cross-site", NULL, "curl/7.88.1",
	    "cross-site request refused (Sec-Fetch-Site)" },
	/* No User-Agent at all: judged as a browser. */
	{ "", NULL, NULL, "", "a change needs" },
	{ "", NULL, NULL, NULL, "a change needs" },
};

int
main(void)
{
	static const char *const states[] = { "pending", "running", "done",
		"dead", NULL };
	const char *s;
	long long n;
	size_t i;
	enum err rc;

	plan_lazy();
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		const char *why = route_cross_site(sites[i].ctype, sites[i].xrw,
		    sites[i].site, sites[i].origin, sites[i].host, NULL);

		ok(sites[i].why == NULL ? why == NULL
		                        : why != NULL &&
		            strncmp(why, sites[i].why, strlen(sites[i].why)) ==
		                0,
		    "cross-site %zu (%s, %s, %s): %s", i,
		    sites[i].ctype ? sites[i].ctype : "-",
		    sites[i].site ? sites[i].site : "-",
		    sites[i].origin ? sites[i].origin : "-",
		    sites[i].why ? sites[i].why : "passes");
	}
	for (i = 0; i < sizeof(agents) / sizeof(agents[0]); i++) {
		const char *why = route_cross_site(agents[i].ctype, NULL,
		    agents[i].site, agents[i].origin, "adm.kz", agents[i].ua);

		ok(agents[i].why == NULL ? why == NULL
		                         : why != NULL &&
		            strncmp(why, agents[i].why,
		                strlen(agents[i].why)) == 0,
		    "cross-site agent %zu (%s, %s): %s", i,
		    agents[i].ua ? agents[i].ua : "-",
		    agents[i].origin ? agents[i].origin : "-",
		    agents[i].why ? agents[i].why : "passes");
	}
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		setq(ints[i].query);
		n = 100;
		rc = route_query_int(&r, "limit", 1, 1000, &n);
		ok(rc == ints[i].rc && n == ints[i].want,
		    "int \"%s\": %s, %lld", ints[i].query, err_name(ints[i].rc),
		    ints[i].want);
		if (rc != ERR_OK) {
			is_str(r.in.field, "limit", "the error names limit");
			is_str(r.in.reason,
			    "must be a whole number from 1 to 1000",
			    "and the range");
		}
	}
	for (i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		setq(enums[i].query);
		rc = route_query_enum(&r, "state", states, &s);
		ok(rc == enums[i].rc, "enum \"%s\": %s", enums[i].query,
		    err_name(enums[i].rc));
		if (enums[i].want != NULL)
			is_str(s, enums[i].want, "value");
		else
			ok(s == NULL, "no value");
	}
	setq("state=x");
	route_query_enum(&r, "state", states, &s);
	is_str(r.in.reason, "must be pending, running, done or dead",
	    "enum reason lists the choices");
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		setq(dates[i].query);
		rc = route_query_date(&r, "start", &s);
		ok(rc == dates[i].rc, "date \"%s\": %s", dates[i].query,
		    err_name(dates[i].rc));
	}
	setq("q=%D0%97%D0%B0%D0%BF%D1%83%D1%81%D0%BA");
	ok(route_query_str(&r, "q", 6, &s) == ERR_OK, "UTF-8 text");
	is_str(s, "Запуск", "decoded");
	setq("q=%FF%FE");
	ok(route_query_str(&r, "q", 6, &s) == ERR_VALIDATION,
	    "invalid UTF-8 refused");
	setq("q=%D0%97%D0%B0%D0%BF%D1%83%D1%81%D0%BA");
	ok(route_query_str(&r, "q", 5, &s) == ERR_VALIDATION,
	    "over the limit in characters refused");
	setq("");
	return exit_status();
}
