#include <stdlib.h>
#include <string.h>

#include "base/money.h"

static int
space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

enum err
money_parse(const char *s, char **out, const char **reason)
{
	const char *why = "must be an amount such as 5000 or 5000.50";
	size_t n, i, ints = 0, fracs = 0;
	int dot = 0;

	*out = NULL;
	if (s == NULL)
		goto bad;
	while (space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && space(s[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && !dot)
			dot = 1;
		else if (s[i] < '0' || s[i] > '9')
			goto bad;
		else if (dot)
			fracs++;
		else
			ints++;
	}
	if (ints == 0 || (dot && fracs == 0))
		goto bad;
	if (ints > MONEY_INT_DIGITS || fracs > MONEY_FRAC_DIGITS) {
		why = "must have at most 13 digits before the point and 2 "
		      "after it";
		goto bad;
	}
	if ((*out = strndup(s, n)) == NULL)
		return ERR_NOMEM;
	return ERR_OK;
bad:
	if (reason != NULL)
		*reason = why;
	return ERR_VALIDATION;
}

int
money_positive(const char *amount)
{
	return amount != NULL && strspn(amount, "0.") < strlen(amount);
}

int
money_cents(const char *s, long long *cents)
{
	long long v = 0;
	int ints = 0, fracs = 0, dot = 0, up = 0;

	*cents = 0;
	if (s == NULL)
		return 0;
	while (space(*s))
		s++;
	for (; *s != '\0' && !space(*s); s++) {
		if (*s == '.' && !dot) {
			dot = 1;
		} else if (*s < '0' || *s > '9') {
			return 0;
		} else if (!dot) {
			if (++ints > MONEY_INT_DIGITS)
				return 0;
			v = v * 10 + (*s - '0');
		} else if (++fracs <= MONEY_FRAC_DIGITS) {
			v = v * 10 + (*s - '0');
		} else if (fracs == MONEY_FRAC_DIGITS + 1) {
			up = *s >= '5';
		}
	}
	while (space(*s))
		s++;
	if (*s != '\0' || ints == 0 || (dot && fracs == 0))
		return 0;
	for (; fracs < MONEY_FRAC_DIGITS; fracs++)
		v *= 10;
	*cents = v + up;
	return 1;
}

long long
money_whole(long long cents)
{
	return cents >= 0 ? (cents + 50) / 100 : -((-cents + 50) / 100);
}
