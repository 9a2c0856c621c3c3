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

/* The most pieces of a connection string masked, and their longest. */
#define REDACT_MAX 16
#define REDACT_LEN 512

struct redact {
	char s[REDACT_MAX][REDACT_LEN];
	int n;
};

/* Adds the n bytes at p as a string to mask; at least min bytes long. */
static void
add(struct redact *r, const char *p, size_t n, size_t min)
{
	if (n < min || n == 0 || r->n == REDACT_MAX)
		return;
	if (n >= REDACT_LEN)
		n = REDACT_LEN - 1;
	memcpy(r->s[r->n], p, n);
	r->s[r->n][n] = '\0';
	r->n++;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Adds p[0..n) as written, percent-decoded and in its pieces. */
static void
add_password(struct redact *r, const char *p, size_t n)
{
	char dec[REDACT_LEN];
	size_t i, k = 0, start = 0;
	int hi, lo;

	add(r, p, n, 1);
	for (i = 0; i < n && k + 1 < sizeof(dec); i++) {
		if (p[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)p[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)p[i + 2])) >= 0) {
			dec[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			dec[k++] = p[i];
	}
	if (k != n || memcmp(dec, p, n) != 0)
		add(r, dec, k, 1);
	/* libpq cuts a malformed URL at these and echoes a piece. */
	for (i = 0; i <= n; i++)
		if (i == n || strchr("/?#[]@:%&=", p[i]) != NULL) {
			if (i - start < n)
				add(r, p + start, i - start, 4);
			start = i + 1;
		}
}

/* Every password= value of s (URL query or key=value words). */
static void
add_words(struct redact *r, const char *s)
{
	const char *p = s, *v;
	size_t n;

	while ((p = strstr(p, "password")) != NULL) {
		p += strlen("password");
		v = p;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\'') {
			v++;
			for (n = 0; v[n] != '\0' && v[n] != '\''; n++)
				if (v[n] == '\\' && v[n + 1] != '\0')
					n++;
		} else
			n = strcspn(v, " \t&#");
		add_password(r, v, n);
		p = v + n;
	}
}

/* Replaces every copy of what in msg by "***". */
static void
mask(char *msg, size_t len, const char *what)
{
	char out[2048];
	size_t wl = strlen(what), k = 0;
	const char *p = msg, *hit;

	if (wl == 0)
		return;
	if (len > sizeof(out))
		len = sizeof(out);
	while ((hit = strstr(p, what)) != NULL) {
		while (p < hit && k + 1 < len)
			out[k++] = *p++;
		if (p < hit || k + 4 > len) {
			/* No room for the mask: the message ends here. */
			p = "";
			break;
		}
		memcpy(out + k, "***", 3);
		k += 3;
		p = hit + wl;
	}
	while (*p != '\0' && k + 1 < len)
		out[k++] = *p++;
	out[k] = '\0';
	memcpy(msg, out, k + 1);
}

void
secret_redact(char *msg, size_t len, const char *conninfo)
{
	struct redact r;
	const char *a, *at, *colon, *end;
	size_t i, j, best;
	int order[REDACT_MAX], t;

	if (conninfo == NULL || msg == NULL || len == 0)
		return;
	r.n = 0;
	if ((a = strstr(conninfo, "://")) != NULL) {
		a += 3;
		/* The user part ends at the last @: libpq's own reading. */
		at = NULL;
		for (end = a; *end != '\0'; end++)
			if (*end == '@')
				at = end;
		if (at != NULL) {
			add(&r, a, (size_t)(at - a), 1);
			if ((colon = memchr(a, ':', (size_t)(at - a))) != NULL)
				add_password(&r, colon + 1,
				    (size_t)(at - colon - 1));
		}
	}
	add_words(&r, conninfo);
	/* Longest first, so a piece never leaves part of a longer one. */
	for (i = 0; i < (size_t)r.n; i++)
		order[i] = (int)i;
	for (i = 0; i < (size_t)r.n; i++) {
		best = i;
		for (j = i + 1; j < (size_t)r.n; j++)
			if (strlen(r.s[order[j]]) > strlen(r.s[order[best]]))
				best = j;
		t = order[i];
		order[i] = order[best];
		order[best] = t;
	}
	for (i = 0; i < (size_t)r.n; i++)
		mask(msg, len, r.s[order[i]]);
}
