/*
 * Unit tests for base/log: the plain and JSON line formats (exact
 * text), escaping of what a request could put into a message, and the
 * syslog priority prefix (forced, and found by JOURNAL_STREAM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "tap.h"

/* 2026-11-24T10:00:00Z */
#define T 1795514400LL

static const struct {
	enum log_format f;
	enum log_level lvl;
	const char *event, *msg, *want;
} cases[] = {
	{ LOG_PLAIN, LOG_WARN, NULL, "could not x",
	    "2026-11-24T10:00:00Z t[42] warn: could not x" },
	{ LOG_PLAIN, LOG_INFO, "sweep", "3 listed",
	    "2026-11-24T10:00:00Z t[42] info: sweep: 3 listed" },
	{ LOG_JSON, LOG_ERROR, NULL, "boom",
	    "{\"time\":\"2026-11-24T10:00:00Z\",\"level\":\"error\","
	    "\"program\":\"t\",\"pid\":42,\"msg\":\"boom\"}" },
	{ LOG_JSON, LOG_INFO, "alert", "say \"hi\"\\ \x01",
	    "{\"time\":\"2026-11-24T10:00:00Z\",\"level\":\"info\","
	    "\"program\":\"t\",\"pid\":42,\"event\":\"alert\","
	    "\"msg\":\"say \\\"hi\\\"\\\\ \\u0001\"}" },
	{ LOG_JSON, LOG_DEBUG, NULL, "Сделка ✓",
	    "{\"time\":\"2026-11-24T10:00:00Z\",\"level\":\"debug\","
	    "\"program\":\"t\",\"pid\":42,\"msg\":\"Сделка ✓\"}" },
};

/* Runs fn with stderr sent to a file; returns what it wrote. */
static char *
capture(void (*fn)(void))
{
	static char out[4096];
	char path[] = "/tmp/base-log-t.XXXXXX";
	int fd, saved;
	ssize_t n;

	if ((fd = mkstemp(path)) == -1)
		return NULL;
	unlink(path);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void
warn_json(void)
{
	log_setup("json", 1);
	log_warnx("disk %s", "full");
}

static void
info_plain(void)
{
	log_setup("plain", 0);
	log_info("hello");
}

static void
journal(void)
{
	struct stat st;
	char v[64];

	fstat(2, &st);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	log_setup("plain", 0);
	log_errx("bad");
	unsetenv("JOURNAL_STREAM");
}

int
main(void)
{
	char line[1024], *got;
	size_t i;

	plan_lazy();
	log_init("t", "debug");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_format_line(line, (int)sizeof(line), cases[i].f, T, 42,
		    cases[i].lvl, cases[i].event, cases[i].msg);
		if (!ok(strcmp(line, cases[i].want) == 0, "case %zu", i))
			diag("got  %s\n# want %s", line, cases[i].want);
	}
	/* A long message is cut but stays one valid object. */
	{
		char big[3000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		log_format_line(line, 200, LOG_JSON, T, 1, LOG_INFO, NULL, big);
		ok(strlen(line) < 200 && line[strlen(line) - 1] == '}' &&
		        line[strlen(line) - 2] == '"',
		    "a cut JSON line still ends with \"}");
	}
	got = capture(warn_json);
	ok(got != NULL && strncmp(got, "<4>{\"time\":", 11) == 0 &&
	        strstr(got, "\"msg\":\"disk full\"}\n") != NULL,
	    "forced syslog prefix on a JSON warning: %s", got ? got : "");
	got = capture(info_plain);
	ok(got != NULL && got[0] != '<' && strstr(got, " info: hello\n"),
	    "no prefix when stderr is not the journal: %s", got ? got : "");
	got = capture(journal);
	ok(got != NULL && strncmp(got, "<3>", 3) == 0 &&
	        strstr(got, " error: bad\n") != NULL,
	    "JOURNAL_STREAM naming stderr turns the prefix on: %s",
	    got ? got : "");
	return exit_status();
}
