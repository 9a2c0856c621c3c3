#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

static char prog[64] = "amosync";
static char reqid[80];
static enum log_level minlevel = LOG_INFO;

static const char *const names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *name, const char *level)
{
	size_t i;

	snprintf(prog, sizeof(prog), "%s", name);
	if (level == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(level, names[i]) == 0)
			minlevel = (enum log_level)i;
}

void
log_reqid(const char *id)
{
	size_t i, j = 0;

	/* Keep only characters that cannot forge a log line. */
	for (i = 0; id != NULL && id[i] != '\0' && j + 1 < sizeof(reqid); i++)
		if (id[i] > 0x20 && id[i] < 0x7f)
			reqid[j++] = id[i];
	reqid[j] = '\0';
}

/*
 * Writes one line. Control characters in the message are replaced so that
 * a value taken from a request can never start a new line.
 */
static void
vlog(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	char msg[2048], ts[32];
	struct tm tm;
	time_t now;
	size_t i;

	if (lvl < minlevel)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20)
			msg[i] = ' ';
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (errnum != 0)
		fprintf(stderr, "%s %s[%d] %s%s%s: %s: %s\n", ts, prog,
		    (int)getpid(), names[lvl], reqid[0] ? " req=" : "", reqid,
		    msg, strerror(errnum));
	else
		fprintf(stderr, "%s %s[%d] %s%s%s: %s\n", ts, prog,
		    (int)getpid(), names[lvl], reqid[0] ? " req=" : "", reqid,
		    msg);
	fflush(stderr);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vlog(LOG_WARN, e, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, 0, fmt, ap);
	va_end(ap);
}
