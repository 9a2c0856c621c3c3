/*
 * Unit tests for io/metrics: counts from several processes sharing the
 * host's file add up exactly, a request lands in its status and in the
 * right histogram buckets, and the text output has HELP and TYPE once
 * per family.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/metrics.h"
#include "tap.h"

#define PROCS 4
#define EACH 5000

static const struct metrics_family fams[] = {
	{ "amosync_http_requests_total", "counter", "requests" },
	{ "amosync_http_request_duration_seconds", "histogram", "time" },
	{ "t_total", "counter", "test" },
};

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

int
main(void)
{
	char dir[] = "/tmp/io-metrics-t.XXXXXX", path[64];
	struct buf b;
	pid_t pids[PROCS];
	int i, j, st, good = 1;

	plan_lazy();
	if (mkdtemp(dir) == NULL)
		return 1;
	ok(metrics_open(dir) == ERR_OK, "the counters open");
	for (i = 0; i < PROCS; i++) {
		if ((pids[i] = fork()) == 0) {
			/* A fresh mapping in each, as after an exec. */
			metrics_close();
			if (metrics_open(dir) != ERR_OK)
				_exit(1);
			for (j = 0; j < EACH; j++) {
				metrics_add("t_total{k=\"a\"}", 1, 1);
				/* Series created concurrently, once each. */
				snprintf(path, sizeof(path),
				    "t_total{k=\"s%d\"}", j % 50);
				metrics_add(path, 1, 1);
			}
			metrics_request("p", 200, 30000);
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++)
		good &= waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0;
	ok(good, "the processes finished");
	ok(metrics_get("t_total{k=\"a\"}") == PROCS * EACH,
	    "%d processes x %d adds = %llu", PROCS, EACH,
	    metrics_get("t_total{k=\"a\"}"));
	for (i = 0, good = 1; i < 50; i++) {
		snprintf(path, sizeof(path), "t_total{k=\"s%d\"}", i);
		good &= metrics_get(path) == PROCS * EACH / 50;
	}
	ok(good, "50 series created by racing processes, each counted once");
	ok(metrics_get("amosync_http_requests_total{program=\"p\","
	               "status=\"200\"}") == PROCS,
	    "requests by program and status");
	ok(metrics_get("amosync_http_request_duration_seconds_bucket{"
	               "program=\"p\",le=\"0.025\"}") == 0 &&
	        metrics_get("amosync_http_request_duration_seconds_bucket{"
	                    "program=\"p\",le=\"0.05\"}") == PROCS &&
	        metrics_get("amosync_http_request_duration_seconds_bucket{"
	                    "program=\"p\",le=\"+Inf\"}") == PROCS,
	    "a 30 ms request is in le=0.05 and above, not le=0.025");
	buf_init(&b);
	metrics_render(&b, fams, sizeof(fams) / sizeof(fams[0]));
	ok(buf_err(&b) == ERR_OK, "rendered");
	ok(count(buf_str(&b), "# TYPE t_total counter\n") == 1 &&
	        count(buf_str(&b),
	            "# TYPE amosync_http_request_duration_seconds "
	            "histogram\n") == 1,
	    "TYPE once per family");
	ok(strstr(buf_str(&b),
	       "amosync_http_request_duration_seconds_sum{program=\"p\"} "
	       "0.120000\n") != NULL,
	    "the sum is shown in seconds");
	ok(strstr(buf_str(&b), "t_total{k=\"a\"} 20000\n") != NULL,
	    "a counter line");
	buf_free(&b);
	metrics_close();
	snprintf(path, sizeof(path), "%s/metrics.shm", dir);
	unlink(path);
	rmdir(dir);
	return exit_status();
}
