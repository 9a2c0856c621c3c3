#ifndef AMOSYNC_IO_METRICS_H
#define AMOSYNC_IO_METRICS_H

#include "base/buf.h"
#include "base/err.h"

/*
 * Per-host counters for Prometheus, kept in shared memory: the file
 * <AMOSYNC_RUN_DIR>/metrics.shm, mmap'd by every process of the host
 * (pool workers inherit the mapping of their master). A count is one
 * atomic add, no system call and no database round trip, so the webhook
 * path pays nothing measurable. Each series is a line's name and labels,
 * e.g. amosync_http_requests_total{program="funnel-sale",status="200"};
 * a series is created on first use. The file lives as long as the run
 * directory (a tmpfs: until reboot); every host has its own, and
 * Prometheus scrapes each host (sum() across instances).
 *
 * Without metrics_open(), or when the file cannot be used, every call
 * does nothing.
 */

#define METRICS_SLOTS 2048
#define METRICS_KEY 176

/* Opens (creating if need be) the host's counters. Logs and returns
 * ERR_IO when it cannot; the process then runs without metrics. */
enum err metrics_open(const char *rundir);
void metrics_close(void);

/*
 * Adds n to the series key ("name{labels}" or "name"); scale is what a
 * unit of the counter is worth when shown (1, or 1e-6 for microseconds
 * shown as seconds). Label values must already be escaped.
 */
void metrics_add(const char *key, unsigned long long n, double scale);

/* One HTTP request a program answered: count, status, duration. */
void metrics_request(const char *program, int status, long long usec);

/* One webhook outcome (saved, duplicate, ignored, rejected, spooled...). */
void metrics_webhook(const char *endpoint, const char *outcome);

/* One call to an outside API ("amocrm", "telegram"): its HTTP status, or
 * 0 when none came back (timeout, connection refused). */
void metrics_call(const char *api, long status);

/* A family's TYPE and HELP for metrics_render(). */
struct metrics_family {
	const char *name; /* "amosync_http_requests_total" */
	const char *type; /* "counter", "gauge", "histogram" */
	const char *help;
};

/*
 * Appends every series in the Prometheus text format (0.0.4), sorted,
 * each family introduced by its # HELP and # TYPE from fams (by name;
 * for a histogram its _bucket, _sum and _count series).
 */
void metrics_render(struct buf *b, const struct metrics_family *fams,
    size_t nfams);

/* Returns the value of the series key, 0 when absent (tests). */
unsigned long long metrics_get(const char *key);

#endif
