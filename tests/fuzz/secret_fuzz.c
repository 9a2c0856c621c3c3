/*
 * Fuzz target for the webhook secrets (base/secret): the input is split
 * at its first newline into a secret list and a token. A list the check
 * accepts must match each of its own secrets and never the whole list of
 * two or more; a token that matches must be one of the list's items.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl;
	char *list, *p, *end, reason[128];
	size_t ll, tl;
	int n, k;

	nl = memchr(data, '\n', size);
	ll = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	if (memchr(data, '\0', ll) != NULL)
		return 0;
	if ((list = malloc(ll + 1)) == NULL)
		return 0;
	memcpy(list, data, ll);
	list[ll] = '\0';
	tl = nl != NULL ? size - ll - 1 : 0;
	if (secret_match(list, nl != NULL ? nl + 1 : NULL, tl)) {
		/* The token is one whole item of the list. */
		for (p = list, k = 0;; p = end + 1) {
			end = strchr(p, ',');
			if ((end != NULL ? (size_t)(end - p) : strlen(p)) ==
			        tl &&
			    memcmp(p, nl + 1, tl) == 0)
				k = 1;
			if (end == NULL)
				break;
		}
		if (!k)
			abort();
	}
	if (secret_list_check(list, &n, reason, sizeof(reason)) == ERR_OK) {
		for (p = list, k = 0; n > 0; p = end + 1) {
			end = strchr(p, ',');
			if (!secret_match(list, p,
			        end != NULL ? (size_t)(end - p) : strlen(p)))
				abort();
			k++;
			if (end == NULL)
				break;
		}
		if (k != n || (n > 1 && secret_match(list, list, ll)))
			abort();
	}
	free(list);
	return 0;
}
