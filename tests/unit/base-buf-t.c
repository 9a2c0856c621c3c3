#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "tap.h"

/*
 * The limit of struct buf: each case appends its pieces in order to a
 * buffer made with buf_init_max(max) and checks the error and contents.
 * An append past the limit adds nothing, fails the buffer with
 * ERR_TOOBIG and keeps what was there; later appends add nothing either.
 */
struct tcase {
	size_t max; /* 0: no limit */
	const char *pieces[4];
	enum err rc;
	const char *want;
};

static const struct tcase cases[] = {
	{ 0, { "abc", "def", NULL }, ERR_OK, "abcdef" },
	{ 6, { "abc", "def", NULL }, ERR_OK, "abcdef" },
	{ 5, { "abc", "def", NULL }, ERR_TOOBIG, "abc" },
	{ 5, { "abcdef", NULL }, ERR_TOOBIG, "" },
	{ 3, { "abc", "", NULL }, ERR_OK, "abc" },
	{ 3, { "abc", "d", NULL }, ERR_TOOBIG, "abc" },
	{ 3, { "ab", "cd", "e", NULL }, ERR_TOOBIG, "ab" },
	{ 1, { "", "", "x", NULL }, ERR_OK, "x" },
	{ 1, { NULL }, ERR_OK, "" },
	{ 4, { "\xd0\x90", "\xd0\x91", "\xd0\x92", NULL }, ERR_TOOBIG,
	    "\xd0\x90\xd0\x91" },
};

static void
run_cases(void)
{
	struct buf b;
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		buf_init_max(&b, c->max);
		for (k = 0; c->pieces[k] != NULL; k++)
			buf_adds(&b, c->pieces[k]);
		ok(buf_err(&b) == c->rc, "case %zu: %s (want %s)", i,
		    err_name(buf_err(&b)), err_name(c->rc));
		is_str(buf_str(&b), c->want, "case contents");
		ok(b.len == strlen(c->want), "case %zu: len %zu", i, b.len);
		buf_free(&b);
	}
}

/* printf counts against the limit as any append does. */
static void
run_printf(void)
{
	struct buf b;

	buf_init_max(&b, 7);
	buf_printf(&b, "%d-%s", 12, "ab");
	ok(buf_err(&b) == ERR_OK, "printf within the limit");
	buf_printf(&b, "%s", "xyz");
	ok(buf_err(&b) == ERR_TOOBIG, "printf past the limit: ERR_TOOBIG");
	is_str(buf_str(&b), "12-ab", "printf keeps what was there");
	buf_free(&b);
}

/* buf_reset clears the failure and keeps the limit. */
static void
run_reset(void)
{
	struct buf b;

	buf_init_max(&b, 4);
	buf_adds(&b, "hello");
	ok(buf_err(&b) == ERR_TOOBIG, "over the limit");
	buf_reset(&b);
	ok(buf_err(&b) == ERR_OK, "reset clears the failure");
	buf_adds(&b, "hell");
	ok(buf_err(&b) == ERR_OK && b.len == 4, "reset keeps max: 4 fit");
	buf_addc(&b, 'o');
	ok(buf_err(&b) == ERR_TOOBIG, "reset keeps max: the 5th fails");
	buf_free(&b);
}

/* buf_take of a buffer that passed its limit gives NULL and frees it. */
static void
run_take(void)
{
	struct buf b;
	char *p;

	buf_init_max(&b, 2);
	buf_adds(&b, "ok");
	p = buf_take(&b);
	is_str(p, "ok", "take within the limit");
	free(p);
	buf_init_max(&b, 2);
	buf_adds(&b, "too");
	ok(buf_take(&b) == NULL && b.data == NULL, "take of a failed buffer");
}

/* "{ 0 }" and buf_init() set no limit; a plain failure is ERR_NOMEM. */
static void
run_unlimited(void)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < 100000; i++)
		buf_adds(&b, "0123456789");
	ok(buf_err(&b) == ERR_OK && b.len == 1000000,
	    "no limit: a million bytes");
	b.failed = 1;
	ok(buf_err(&b) == ERR_NOMEM, "a failure that is not the limit");
	buf_free(&b);
}

int
main(void)
{
	plan_lazy();
	run_cases();
	run_printf();
	run_reset();
	run_take();
	run_unlimited();
	return exit_status();
}
