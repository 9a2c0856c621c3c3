/*
 * Unit tests for the webhook secrets (base/secret): which lists start a
 * program and which tokens match, rotation included.
 */
#include <stdio.h>
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

/* libpq's messages for malformed strings, and the password in each. */
static const struct {
	const char *conninfo;
	const char *msg;
	const char *want;
} redacts[] = {
	{ "postgresql://u:SECRETPW@[::1/db",
	    "end of string reached when looking for matching \"]\" in IPv6 "
	    "host address in URI: \"postgresql://u:SECRETPW@[::1/db\"",
	    "end of string reached when looking for matching \"]\" in IPv6 "
	    "host address in URI: \"postgresql://***@[::1/db\"" },
	{ "postgresql://u:SECRET%zzPW@host/db",
	    "invalid percent-encoded token: \"SECRET%zzPW\"",
	    "invalid percent-encoded token: \"***\"" },
	{ "postgresql://u:SECRET%41PW@h/db", "password SECRETAPW refused",
	    "password *** refused" },
	{ "postgresql://u:SECR/ETPW@host/db",
	    "invalid integer value \"SECR\" for connection option \"port\"",
	    "invalid integer value \"***\" for connection option \"port\"" },
	{ "postgresql:///db?host=/s&password=SECRETPW&x=1",
	    "invalid URI query parameter: \"x\" in password=SECRETPW&x=1",
	    "invalid URI query parameter: \"x\" in password=***&x=1" },
	{ "host=x password = 'SECRET PW' port=abc", "got 'SECRET PW'",
	    "got '***'" },
	{ "host=x password=SECRETPW port=abc",
	    "invalid integer value \"abc\" for connection option \"port\"",
	    "invalid integer value \"abc\" for connection option \"port\"" },
	{ "postgresql:///traffic?host=/tmp/x&user=amosync",
	    "connection to server failed: /tmp/x",
	    "connection to server failed: /tmp/x" },
	{ "postgresql://u:PW@h/db", "PWPWPW", "*********" },
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
	for (i = 0; i < sizeof(redacts) / sizeof(redacts[0]); i++) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", redacts[i].msg);
		secret_redact(msg, sizeof(msg), redacts[i].conninfo);
		is_str(msg, redacts[i].want, "redact: the password is masked");
	}
	{
		/* No room for the mask: the message ends before the secret. */
		char msg[11] = "abcdefPWPW";

		secret_redact(msg, sizeof(msg), "postgresql://u:PW@h/d");
		is_str(msg, "abcdef***", "redact: no room for the mask");
	}
	return exit_status();
}
