#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every parsed form must satisfy; abort() so that NDEBUG can't hide it. */
static void
check(const struct form *f)
{
	const struct form_pair *p;
	size_t i, j, klen;

	for (i = 0; i < f->npairs; i++) {
		p = &f->pairs[i];
		if (p->nseg == 0 || p->seg[0][0] == '\0' ||
		    strlen(p->value) != p->vlen)
			abort();
		for (j = 0, klen = 0; j < p->nseg; j++)
			klen += strlen(p->seg[j]) + (j > 0 ? 2 : 0);
		if (klen != strlen(p->key) || form_get(f, p->key) == NULL)
			abort();
	}
}

static void
parse(const uint8_t *data, size_t size, const struct form_limits *lim)
{
	struct form f;

	if (form_parse(&f, (const char *)data, size, lim) == ERR_OK)
		check(&f);
	else if (f.npairs != 0 || f.pairs != NULL)
		abort();
	form_free(&f);
}

/*
 * Parses the input with the default limits and with small ones, so that
 * every limit is reached, and decodes it as a whole.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct form_limits small = { 512, 8, 4, 24, 24 };
	char *s;
	size_t n;

	parse(data, size, NULL);
	parse(data, size, &small);
	if (form_decode((const char *)data, size, 1, &s, &n) == ERR_OK) {
		if (strlen(s) != n)
			abort();
		free(s);
	} else if (s != NULL)
		abort();
	return 0;
}
