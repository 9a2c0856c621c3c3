#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keys the getters try on every document that parses. */
static const char *const keys[] = { "name", "pattern", "fields", "ids",
	"priority", "enabled", "a", "", NULL };

/*
 * Reads every key with every getter; abort() on a broken promise: an
 * error names a reason, a string is NUL-free and within its limit.
 */
static void
read_all(struct jread *r)
{
	const char *s;
	long long x;
	size_t i, j, n;
	int b;

	for (i = 0; keys[i] != NULL; i++) {
		(void)jread_has(r, keys[i]);
		s = NULL;
		if (jread_str(r, keys[i], 8, 0, &s) == ERR_OK) {
			if (s != NULL && jread_chars(s, strlen(s)) > 8)
				abort();
		} else if (r->reason[0] == '\0') {
			abort();
		}
		(void)jread_int(r, keys[i], -5, 5, &x);
		(void)jread_bool(r, keys[i], &b);
		if (jread_arr(r, keys[i], 4, &n) != ERR_OK)
			continue;
		if (n > 4)
			abort();
		for (j = 0; j <= n; j++) {
			(void)jread_elem_str(r, keys[i], j, 8, &s);
			(void)jread_elem_int(r, keys[i], j, 0, 9, &x);
		}
	}
	(void)jread_only(r, keys);
}

/* Parses with the default limits and with small ones. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jread_limits lim;
	struct jread r;
	int pass;

	jread_limits_default(&lim);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			lim.max_body = 64;
			lim.max_depth = 2;
		}
		if (jread_parse(&r, (const char *)data, size, &lim) == ERR_OK)
			read_all(&r);
		else if (r.root != NULL || r.reason[0] == '\0')
			abort();
		jread_free(&r);
	}
	return 0;
}
