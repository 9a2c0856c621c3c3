#include <stdio.h>
#include <string.h>

#include "base/secret.h"

/* A character a secret may hold: unreserved in a URL (RFC 3986). */
static int
urlsafe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

enum err
secret_list_check(const char *list, int *n, char *reason, size_t len)
{
	const char *p = list, *end;
	size_t i, sl;
	int k = 0;

	*n = 0;
	if (*list == '\0')
		return ERR_OK;
	for (;;) {
		end = strchr(p, ',');
		sl = end != NULL ? (size_t)(end - p) : strlen(p);
		k++;
		if (sl < SECRET_MIN || sl > SECRET_MAX) {
			snprintf(reason, len,
			    "secret %d must be %d..%d characters", k,
			    SECRET_MIN, SECRET_MAX);
			return ERR_CONFIG;
		}
		for (i = 0; i < sl; i++)
			if (!urlsafe((unsigned char)p[i])) {
				snprintf(reason, len,
				    "secret %d may hold only letters, digits "
				    "and - . _ ~",
				    k);
				return ERR_CONFIG;
			}
		if (end == NULL)
			break;
		p = end + 1;
	}
	*n = k;
	return ERR_OK;
}

/*
 * Compares a secret of sl bytes with the token: every byte of the secret
 * is looked at, the token's bytes past its end as zeros, so the time
 * depends on sl only.
 */
static int
same(const char *s, size_t sl, const char *token, size_t tlen)
{
	volatile unsigned char diff = 0;
	size_t i;

	diff |= (unsigned char)(sl != tlen);
	for (i = 0; i < sl; i++)
		diff |= (unsigned char)((unsigned char)s[i] ^
		    (unsigned char)(i < tlen ? token[i] : 0));
	return diff == 0;
}

int
secret_match(const char *list, const char *token, size_t tlen)
{
	const char *p = list, *end;
	size_t sl;
	int found = 0;

	if (token == NULL || tlen == 0 || tlen > SECRET_MAX || *list == '\0')
		return 0;
	for (;;) {
		end = strchr(p, ',');
		sl = end != NULL ? (size_t)(end - p) : strlen(p);
		/* No early exit: every secret is compared. */
		found |= sl > 0 && same(p, sl, token, tlen);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return found;
}
