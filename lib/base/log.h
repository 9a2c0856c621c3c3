#ifndef AMOSYNC_BASE_LOG_H
#define AMOSYNC_BASE_LOG_H

/*
 * One line per event on stderr, in one of two formats. Plain (default):
 *   2026-11-24T10:00:00Z funnel-sale[123] warn req=abc: message
 * JSON (AMOSYNC_LOG_FORMAT=json), one object a line:
 *   {"time":"2026-11-24T10:00:00Z","level":"warn","program":"funnel-sale",
 *    "pid":123,"request_id":"abc","event":"spool","msg":"message"}
 * Either can carry a syslog priority prefix (<3> error, <4> warn, <6> info,
 * <7> debug) so journald keeps the level (journalctl -p warning): on when
 * stderr is the journal (JOURNAL_STREAM names it) or AMOSYNC_LOG_SYSLOG=1.
 * This file is the one place that formats a line.
 *
 * The request id is the one nginx passes (REQUEST_ID); set it per request
 * with log_reqid() and clear it with log_reqid(NULL). Never log secrets or
 * whole bodies.
 */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

enum log_format { LOG_PLAIN, LOG_JSON };

void log_init(const char *prog, const char *level);
/*
 * Sets the line format ("plain" or "json"; NULL keeps it) and the syslog
 * prefix: syslog 1 forces it, 0 leaves it to JOURNAL_STREAM.
 */
void log_setup(const char *format, int syslog);
void log_reqid(const char *id);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * An info line with an event name (a short word such as "alert" or
 * "sweep"): the "event" member in JSON, "event: " before the message in
 * plain.
 */
void log_event(const char *event, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Formats one line as the logger would (no prefix decision, no newline)
 * into out: for tests. Returns the length written.
 */
int log_format_line(char *out, int outsz, enum log_format f, long long t,
    int pid, enum log_level lvl, const char *event, const char *msg);

#endif
