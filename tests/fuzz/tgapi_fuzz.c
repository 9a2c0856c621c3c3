/*
 * Fuzz target for the Telegram client's answer reader (telegram/api.c,
 * tg_answer_parse): the first two bytes pick the HTTP status and the
 * Retry-After header, the rest is the body. The outcome is one of the
 * documented errors, with a reason fit for a log line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telegram/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 200, 400, 401, 403, 404, 429, 500, 502,
	204, 302 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tg_result res;
	enum err rc;
	size_t i;

	if (size < 2)
		return 0;
	rc = tg_answer_parse(statuses[data[0] % 10], (long)data[1] - 1,
	    (const char *)data + 2, size - 2, &res);
	switch (rc) {
	case ERR_OK:
		if (res.reason[0] != '\0')
			abort();
		break;
	case ERR_RATE:
		if (res.retry_after <= 0)
			abort();
		/* FALLTHROUGH */
	case ERR_PERM:
	case ERR_AUTH:
	case ERR_HTTP:
		if (res.reason[0] == '\0')
			abort();
		break;
	default:
		if (rc != ERR_NOMEM)
			abort();
	}
	if (strlen(res.reason) >= sizeof(res.reason))
		abort();
	for (i = 0; res.reason[i] != '\0'; i++)
		if ((unsigned char)res.reason[i] < 0x20)
			abort(); /* a reason is one log line */
	return 0;
}
