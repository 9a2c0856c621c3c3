#ifndef AMOSYNC_BASE_LOG_H
#define AMOSYNC_BASE_LOG_H

/*
 * One line per event on stderr:
 *   2026-11-24T10:00:00Z funnel-sale[123] warn req=abc: message
 * The request id is the one nginx passes (REQUEST_ID); set it per request
 * with log_reqid() and clear it with log_reqid(NULL). Never log secrets or
 * whole bodies.
 */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *prog, const char *level);
void log_reqid(const char *id);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
