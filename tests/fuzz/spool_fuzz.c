/*
 * Fuzz target for the spool file parser (spool_parse): whatever is
 * in a spool directory must be rejected or parsed into pointers that stay
 * inside the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() unless s is a NUL-terminated string inside [buf, buf+len]. */
static void
inside(const char *s, const char *buf, size_t len)
{
	if (s < buf || s > buf + len ||
	    memchr(s, '\0', (size_t)(buf + len - s) + 1) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_meta m;
	char *buf;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&m, 0, sizeof(m));
	if (spool_parse(buf, size, &m) == ERR_OK) {
		inside(m.reqid, buf, size);
		inside(m.amo_reqid, buf, size);
		inside(m.remote, buf, size);
		inside(m.user_agent, buf, size);
		inside(m.ctype, buf, size);
		if (m.body < buf || m.body + m.bodysz != buf + size)
			abort();
	}
	free(buf);
	return 0;
}
