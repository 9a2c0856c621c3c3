#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The token reader never crashes and never returns a negative time. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (amocrm_token_expiry(s) < 0)
		abort();
	free(s);
	return 0;
}
