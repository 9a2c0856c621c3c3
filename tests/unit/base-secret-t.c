/*
 * Unit tests for the webhook secrets (base/secret): which lists start a
 * program and which tokens match, rotation included.
 */
#include <string.h>

#include "base/err.h"
#include "base/secret.h"
#include "tap.h"

#define A "AAAAbbbbCCCCdddd"              /* 16 characters */
#define B "rotated-Secret_2026.x~yz12345" /* the new one */

static const struct {
	const char *list;
	enum err rc;
	int n;
} lists[] = {
	{ "", ERR_OK, 0 },
	{ A, ERR_OK, 1 },
	{ A "," B, ERR_OK, 2 },
	{ "short", ERR_CONFIG, 0 },
	{ "AAAAbbbbCCCCddd", ERR_CONFIG, 0 }, /* 15 */
	{ A ",", ERR_CONFIG, 0 },
	{ "," A, ERR_CONFIG, 0 },
	{ A ",," B, ERR_CONFIG, 0 },
	{ A " ," B, ERR_CONFIG, 0 },
	{ "AAAAbbbbCCCC dddd", ERR_CONFIG, 0 },
	{ "AAAAbbbbCCCC&dddd=", ERR_CONFIG, 0 },
	{ "AAAAbbbbCCCCdddd%41", ERR_CONFIG, 0 },
	{ "AAAAbbbbCCCCddddАБ", ERR_CONFIG, 0 },
};

static const struct {
	const char *list;
	const char *token;
	size_t tlen; /* 0: strlen */
	int match;
} tokens[] = {
	{ A, A, 0, 1 },
	{ A "," B, A, 0, 1 },
	{ A "," B, B, 0, 1 },
	{ B "," A, A, 0, 1 },
	{ A, "AAAAbbbbCCCCdddD", 0, 0 },
	{ A, "aAAAbbbbCCCCdddd", 0, 0 },
	{ A, "AAAAbbbbCCCCddd", 0, 0 },   /* a prefix */
	{ A, "AAAAbbbbCCCCdddde", 0, 0 }, /* longer */
	{ A, A "\0", sizeof(A), 0 },      /* with a NUL */
	{ A "," B, A "," B, 0, 0 },       /* the whole list */
	{ A, "", 0, 0 },
	{ "", "", 0, 0 },
	{ "", A, 0, 0 },
	{ A, NULL, 0, 0 },
};

int
main(void)
{
	char reason[128];
	size_t i, tl;
	enum err rc;
	int n;

	plan_lazy();
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		reason[0] = '\0';
		rc = secret_list_check(lists[i].list, &n, reason,
		    sizeof(reason));
		ok(rc == lists[i].rc && n == lists[i].n, "list %zu: %s, %d", i,
		    err_name(lists[i].rc), lists[i].n);
		if (rc != ERR_OK)
			ok(strstr(reason, "AAAA") == NULL &&
			        strstr(reason, "rotated") == NULL &&
			        strstr(reason, "secret ") != NULL,
			    "list %zu: the reason names no secret: %s", i,
			    reason);
	}
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		tl = tokens[i].tlen;
		if (tl == 0 && tokens[i].token != NULL)
			tl = strlen(tokens[i].token);
		ok(secret_match(tokens[i].list, tokens[i].token, tl) ==
		        tokens[i].match,
		    "token %zu: %s", i,
		    tokens[i].match ? "matches" : "refused");
	}
	return exit_status();
}
