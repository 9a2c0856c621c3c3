/*
 * Unit tests for the Facebook client's pure parts (fb/api): which error
 * codes mean what, the usage headers, ad account ids.
 */
#include <string.h>

#include "base/err.h"
#include "fb/api.h"
#include "tap.h"

static const struct {
	int code;
	long http;
	enum err rc;
} codes[] = {
	{ 190, 400, ERR_AUTH },   /* invalid or expired token */
	{ 102, 400, ERR_AUTH },   /* session */
	{ 200, 403, ERR_PERM },   /* no ads_read */
	{ 294, 400, ERR_PERM },   /* ads management permission */
	{ 10, 400, ERR_PERM },    /* application permission */
	{ 100, 400, ERR_PERM },   /* a bad parameter */
	{ 2635, 400, ERR_PERM },  /* the version is no longer served */
	{ 4, 400, ERR_RATE },     /* application limit */
	{ 17, 400, ERR_RATE },    /* user limit */
	{ 32, 400, ERR_RATE },    /* page limit */
	{ 613, 400, ERR_RATE },   /* api rate limit */
	{ 80000, 400, ERR_RATE }, /* business use case limits */
	{ 80004, 400, ERR_RATE },
	{ 80014, 400, ERR_RATE },
	{ 80015, 400, ERR_PERM },
	{ 1, 500, ERR_HTTP }, /* unknown error */
	{ 2, 503, ERR_HTTP }, /* service temporarily unavailable */
	{ 0, 502, ERR_HTTP }, /* a proxy's answer */
	{ 0, 0, ERR_HTTP },   /* no answer */
	{ 0, 429, ERR_RATE },
	{ 0, 404, ERR_PERM },
};

static const struct {
	const char *header;
	int usage;
	long regain;
} usages[] = {
	{ "{\"call_count\":28,\"total_cputime\":25,\"total_time\":25}", 28, 0 },
	{ "{\"acc_id_util_pct\":9.67,\"reset_time_duration\":0}", 10, 0 },
	{ "{\"acc_id_util_pct\":96,\"reset_time_duration\":120}", 96, 120 },
	{ "{\"1200\":[{\"type\":\"ads_insights\",\"call_count\":95,"
	  "\"total_cputime\":20,\"total_time\":30,"
	  "\"estimated_time_to_regain_access\":3}]}",
	    95, 180 },
	{ "{\"1\":[{\"call_count\":5}],\"2\":[{\"total_time\":91}]}", 91, 0 },
	{ "", -1, 0 },
	{ "not json", -1, 0 },
	{ "{\"other\":99}", -1, 0 },
	{ "[1,2]", -1, 0 },
};

static const struct {
	const char *in;
	int ok;
	const char *out;
} accounts[] = {
	{ "act_123456", 1, "123456" }, { "123456", 1, "123456" },
	{ "act_", 0, NULL }, { "", 0, NULL }, { "act_12a", 0, NULL },
	{ "act_1 ", 0, NULL }, { "../me", 0, NULL },
	{ "123456789012345678901", 0, NULL }, /* 21 digits */
};

int
main(void)
{
	char out[32];
	size_t i;
	long regain;
	int u;

	plan_lazy();
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		ok(fb_code_err(codes[i].code, codes[i].http) == codes[i].rc,
		    "code %d, HTTP %ld: %s", codes[i].code, codes[i].http,
		    err_name(codes[i].rc));
	for (i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		u = fb_usage(usages[i].header, &regain);
		ok(u == usages[i].usage && regain == usages[i].regain,
		    "usage %zu: %d%%, regain %ld s (got %d, %ld)", i,
		    usages[i].usage, usages[i].regain, u, regain);
	}
	for (i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
		out[0] = '\0';
		ok(fb_account_ok(accounts[i].in, out, sizeof(out)) ==
		            accounts[i].ok &&
		        (!accounts[i].ok || strcmp(out, accounts[i].out) == 0),
		    "account \"%s\": %s", accounts[i].in,
		    accounts[i].ok ? "ok" : "refused");
	}
	return exit_status();
}
