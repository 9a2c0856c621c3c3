#ifndef AMOSYNC_TAP_H
#define AMOSYNC_TAP_H

/*
 * A minimal TAP producer for unit tests (header-only). Use plan(n) or
 * plan_lazy() + done_testing(); ok(cond, fmt, ...) reports one point.
 * exit_status() is non-zero when any point failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed, tap_planned;

static inline void
plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

static inline void
plan_lazy(void)
{
	tap_planned = -1;
}

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ok() for two strings, NULL-safe, with a diagnostic on mismatch. */
static inline int
is_str(const char *got, const char *want, const char *name)
{
	int same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!ok(same, "%s", name))
		diag("  got '%s', want '%s'", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

static inline int
exit_status(void)
{
	if (tap_planned == -1)
		printf("1..%d\n", tap_n);
	else if (tap_planned != tap_n)
		return 1;
	return tap_failed != 0;
}

#endif
