/*
 * Unit tests for amocrm_token_expiry(): the exp claim of a JWT's payload,
 * without the signature, and 0 for everything that is not one.
 */
#include <string.h>

#include "amocrm/api.h"
#include "tap.h"

static const struct {
	const char *token;
	long long want;
} cases[] = {
	/* {"exp":1795514400} */
	{ "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3OTU1MTQ0MDB9.c2ln", 1795514400 },
	/* the same with padding and standard base64 characters */
	{ "h.eyJleHAiOjE3OTU1MTQ0MDB9.s", 1795514400 },
	/* {"sub":"1","exp":1700000000,"x":"a?b"}: '_' and '-' of base64url */
	{ "h.eyJzdWIiOiIxIiwiZXhwIjoxNzAwMDAwMDAwLCJ4IjoiYT9iIn0.s",
	    1700000000 },
	{ "h.eyJ4IjoiYT9_In0.s", 0 }, /* {"x":"a?~"}: no exp */
	{ "h.eyJleHAiOiIxIn0.s", 0 }, /* {"exp":"1"}: not a number */
	{ "h.eyJleHAiOi0xfQ.s", 0 },  /* {"exp":-1} */
	{ "h.WzFd.s", 0 },            /* [1]: not an object */
	{ "h.!!!.s", 0 },             /* not base64 */
	{ "amocrm-test-token", 0 },   /* not a JWT */
	{ "a.b", 0 },                 /* one dot */
	{ "", 0 },
	{ NULL, 0 },
};

int
main(void)
{
	char big[AMOCRM_JWT_MAX * 2];
	size_t i;

	plan_lazy();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(amocrm_token_expiry(cases[i].token) == cases[i].want,
		    "%s -> %lld", cases[i].token ? cases[i].token : "(null)",
		    cases[i].want);
	memset(big, 'A', sizeof(big) - 1);
	big[0] = 'h';
	big[1] = '.';
	big[sizeof(big) - 3] = '.';
	big[sizeof(big) - 2] = 's';
	big[sizeof(big) - 1] = '\0';
	ok(amocrm_token_expiry(big) == 0, "a payload over the limit is 0");
	return exit_status();
}
