/* Unit tests for the JSON writer: escaping, nesting, numbers. */
#include <stdlib.h>
#include <string.h>

#include "base/jw.h"
#include "tap.h"

struct esc_case {
	const char *in;
	size_t len;
	const char *want;
};

static const struct esc_case esc_cases[] = {
	{ "plain", 5, "plain" },
	{ "a\"b\\c", 5, "a\\\"b\\\\c" },
	{ "line\nnext\ttab\r", 14, "line\\nnext\\ttab\\r" },
	{ "\x01\x1f", 2, "\\u0001\\u001f" },
	{ "<script>&", 9, "\\u003cscript\\u003e\\u0026" },
	{ "\xd0\x97\xd0\xb0\xd0\xbf", 6, "\xd0\x97\xd0\xb0\xd0\xbf" },
	{ "\xe2\x82\xb8", 3, "\xe2\x82\xb8" },         /* tenge sign */
	{ "\xf0\x9f\x8e\x89", 4, "\xf0\x9f\x8e\x89" }, /* emoji */
	{ "bad\xff", 4, "bad\xef\xbf\xbd" },           /* invalid */
	{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong */
	{ "\xed\xa0\x80", 3,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
	{ "\xd0", 1, "\xef\xbf\xbd" },                /* truncated */
	{ "a\0b", 3, "a\\u0000b" },
};

static void
escapes(void)
{
	size_t i;

	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		struct buf b;

		buf_init(&b);
		jw_escape(&b, esc_cases[i].in, esc_cases[i].len);
		is_str(buf_str(&b), esc_cases[i].want, "escape case");
		buf_free(&b);
	}
}

static void
document(void)
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", 1);
	jw_int(&w, "n", -42);
	jw_num(&w, "x", 2.5);
	jw_num(&w, "whole", 5000);
	jw_numstr(&w, "price", "490000.50");
	jw_numstr(&w, "bad", "12abc");
	jw_numstr(&w, "lead0", "007");
	jw_str(&w, "none", NULL);
	jw_arr(&w, "list");
	jw_int(&w, NULL, 1);
	jw_obj(&w, NULL);
	jw_str(&w, "k", "v");
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_raw(&w, "raw", "{\"a\":1}");
	jw_obj_end(&w);
	ok(buf_err(&b) == ERR_OK, "document built");
	is_str(buf_str(&b),
	    "{\"success\":true,\"n\":-42,\"x\":2.5,\"whole\":5000,"
	    "\"price\":490000.50,\"bad\":null,\"lead0\":null,\"none\":null,"
	    "\"list\":[1,{\"k\":\"v\"}],\"raw\":{\"a\":1}}",
	    "document text");
	buf_free(&b);
}

static void
take(void)
{
	struct buf b;
	char *s;

	buf_init(&b);
	buf_printf(&b, "%s-%d", "x", 7);
	s = buf_take(&b);
	is_str(s, "x-7", "buf_take returns the contents");
	ok(b.data == NULL && b.len == 0, "buf_take resets the buffer");
	free(s);
}

int
main(void)
{
	plan_lazy();
	escapes();
	document();
	take();
	return exit_status();
}
