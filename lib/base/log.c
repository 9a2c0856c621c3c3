#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

static char prog[64] = "amosync";
static char reqid[80];
static enum log_level minlevel = LOG_INFO;
static enum log_format format = LOG_PLAIN;
static int prefix = -1; /* -1: not decided yet */

static int journal(void);

static const char *const names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *name, const char *level)
{
	size_t i;

	snprintf(prog, sizeof(prog), "%s", name);
	if (prefix == -1)
		prefix = journal();
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

/* Whether stderr is the journal: JOURNAL_STREAM is "dev:inode" of it. */
static int
journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (v == NULL || sscanf(v, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_setup(const char *f, int sys)
{
	if (f != NULL)
		format = strcmp(f, "json") == 0 ? LOG_JSON : LOG_PLAIN;
	prefix = sys || journal();
}

/* Appends s to out[*n..sz) as the inside of a JSON string. */
static void
jsonstr(char *out, int sz, int *n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	for (; *s != '\0' && *n < sz - 7; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[(*n)++] = '\\';
			out[(*n)++] = (char)c;
		} else if (c < 0x20) {
			out[(*n)++] = '\\';
			out[(*n)++] = 'u';
			out[(*n)++] = '0';
			out[(*n)++] = '0';
			out[(*n)++] = hex[c >> 4];
			out[(*n)++] = hex[c & 15];
		} else
			out[(*n)++] = (char)c;
	}
	out[*n] = '\0';
}

/* Appends a formatted piece to out[*n..sz). */
static void __attribute__((format(printf, 4, 5)))
add(char *out, int sz, int *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= sz - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(out + *n, (size_t)(sz - *n), fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + k < sz - 1 ? *n + k : sz - 1;
}

int
log_format_line(char *out, int sz, enum log_format f, long long t, int pid,
    enum log_level lvl, const char *event, const char *msg)
{
	char ts[32];
	struct tm tm;
	time_t now = (time_t)t;
	int n = 0;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out[0] = '\0';
	if (f == LOG_JSON) {
		add(out, sz, &n,
		    "{\"time\":\"%s\",\"level\":\"%s\","
		    "\"program\":\"",
		    ts, names[lvl]);
		jsonstr(out, sz, &n, prog);
		add(out, sz, &n, "\",\"pid\":%d", pid);
		if (reqid[0] != '\0')
			add(out, sz, &n, ",\"request_id\":\"%s\"", reqid);
		if (event != NULL) {
			add(out, sz, &n, ",\"event\":\"");
			jsonstr(out, sz, &n, event);
			add(out, sz, &n, "\"");
		}
		add(out, sz, &n, ",\"msg\":\"");
		jsonstr(out, sz, &n, msg);
		/* Room for the closing characters is always kept. */
		if (n > sz - 3)
			n = sz - 3;
		out[n++] = '"';
		out[n++] = '}';
		out[n] = '\0';
		return n;
	}
	add(out, sz, &n, "%s %s[%d] %s%s%s: %s%s%s", ts, prog, pid, names[lvl],
	    reqid[0] ? " req=" : "", reqid, event ? event : "",
	    event ? ": " : "", msg);
	return n;
}

/* Syslog priorities of the levels: debug, info, warning, err. */
static const int prio[] = { 7, 6, 4, 3 };

/*
 * Writes one line. Control characters in the message are replaced so that
 * a value taken from a request can never start a new line.
 */
static void
vlog(enum log_level lvl, int errnum, const char *event, const char *fmt,
    va_list ap)
{
	char msg[2048], line[4096];
	size_t i, len;

	if (lvl < minlevel)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(errnum));
	}
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20)
			msg[i] = ' ';
	log_format_line(line, (int)sizeof(line), format, (long long)time(NULL),
	    (int)getpid(), lvl, event, msg);
	if (prefix > 0)
		fprintf(stderr, "<%d>%s\n", prio[lvl], line);
	else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

void
log_event(const char *event, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, event, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	vlog(LOG_WARN, e, NULL, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARN, 0, NULL, fmt, ap);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, 0, NULL, fmt, ap);
	va_end(ap);
}
