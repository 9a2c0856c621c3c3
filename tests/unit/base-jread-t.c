/* Unit tests for the JSON body reader: parsing, limits, typed getters. */
#include <stdlib.h>
#include <string.h>

#include "base/jread.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct parse_case {
	const char *body;
	size_t len; /* 0: strlen(body) */
	enum err want;
	const char *reason; /* substring of r.reason, or NULL */
};

static const struct parse_case parse_cases[] = {
	{ "{}", 0, ERR_OK, NULL }, { " {\"a\":1}\n ", 0, ERR_OK, NULL },
	{ "{\"name\":\"Запуск <b>&'\\\"\"}", 0, ERR_OK, NULL },
	{ "", 0, ERR_JSON, "JSON object" },
	{ "   ", 0, ERR_JSON, "JSON object" },
	{ "[1,2]", 0, ERR_JSON, "JSON object" },
	{ "\"text\"", 0, ERR_JSON, "JSON object" },
	{ "42", 0, ERR_JSON, "JSON object" },
	{ "null", 0, ERR_JSON, "JSON object" },
	{ "{\"a\":1", 0, ERR_JSON, NULL },
	{ "{\"a\":}", 0, ERR_JSON, "malformed" },
	{ "{'a':1}", 0, ERR_JSON, "malformed" },
	{ "{\"a\":1,}", 0, ERR_JSON, "malformed" },
	{ "{\"a\":1} x", 0, ERR_JSON, "after the JSON" },
	{ "{\"a\":1}{}", 0, ERR_JSON, "after the JSON" },
	{ "{\"a\":\"\xff\"}", 0, ERR_UTF8, "UTF-8" },
	{ "{\"a\":\"\xd0\"}", 0, ERR_UTF8, "UTF-8" },
	{ "{\"a\":\"\xc0\xaf\"}", 0, ERR_UTF8, "UTF-8" },
	{ "{\"a\":\"x\"}\0", 10, ERR_JSON, "NUL" },
	{ "{\"a\":\"\\ud800\"}", 0, ERR_UTF8, "surrogate" },
	{ "{\"a\":\"\\udc00x\"}", 0, ERR_UTF8, "surrogate" },
	{ "{\"a\":\"\\ud800\\u0041\"}", 0, ERR_UTF8, "surrogate" },
	{ "{\"a\":NaN}", 0, ERR_JSON, "unexpected" },
	{ "{\"a\":01}", 0, ERR_JSON, NULL },
	{ "{\"a\":1.}", 0, ERR_JSON, "number" },
	{ "{\"a\":\"\\x\"}", 0, ERR_JSON, "escape" },
	{ "{\"a\":\"tab\there\"}", 0, ERR_JSON, "control" },
	{ "{\"a\" 1}", 0, ERR_JSON, "':'" },
	{ "{a:1}", 0, ERR_JSON, "member name" },
	{ "{\"a\":-1.5e+3,\"b\":[true,false,null,{}]}", 0, ERR_OK, NULL },
	{ "{\"a\":[[[[[[[[1]]]]]]]]}", 0, ERR_JSON, NULL }, /* depth 9 > 8 */
	{ "{\"a\":[[[[[[1]]]]]]}", 0, ERR_OK, NULL },       /* depth 7 */
};

static void
parsing(void)
{
	struct jread_limits lim;
	struct jread r;
	size_t i;

	jread_limits_default(&lim);
	lim.max_depth = 8;
	for (i = 0; i < NELEM(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		size_t len = c->len ? c->len : strlen(c->body);
		enum err rc = jread_parse(&r, c->body, len, &lim);

		if (!ok(rc == c->want, "parse case %zu: %s", i,
		        err_name(c->want)))
			diag("  got %s (%s)", err_name(rc), r.reason);
		if (c->reason != NULL &&
		    !ok(strstr(r.reason, c->reason) != NULL,
		        "parse case %zu: reason mentions '%s'", i, c->reason))
			diag("  reason '%s'", r.reason);
		jread_free(&r);
	}
	lim.max_body = 8;
	ok(jread_parse(&r, "{\"a\":123}", 9, &lim) == ERR_TOOBIG,
	    "body over the limit: ERR_TOOBIG");
	jread_free(&r);
	ok(jread_parse(&r, NULL, 0, &lim) == ERR_JSON, "no body: ERR_JSON");
	jread_free(&r);
	jread_free(NULL);
}

/* The document the getter cases read. */
static const char doc[] =
    "{\"s\":\"Kenesary\",\"cyr\":\"Запуск\",\"empty\":\"\",\"nul\":null,"
    "\"n\":42,\"neg\":-7,\"big\":99999999999999999999,\"frac\":1.5,"
    "\"numstr\":\"12\",\"t\":true,\"f\":false,\"zero\":\"a\\u0000b\","
    "\"ctl\":\"a\\u0001b\",\"nl\":\"a\\nb\","
    "\"pair\":\"\\ud83d\\udcca\",\"arr\":[\"source\",\"term\"],"
    "\"ids\":[3,1,2],\"mixed\":[1,\"x\",null],\"obj\":{\"k\":1},"
    "\"long\":\"abcdefghijabcdefghijabcdefghijabcdefghijk\",\"meta\":\"x'); "
    "DROP TABLE t; --<script>&\"}";

enum kind { STR, STRML, INT, BOOL, HAS };

struct get_case {
	enum kind kind;
	const char *key;
	enum err want;
	const char *str;   /* STR: expected string (NULL: not given) */
	long long num;     /* INT: expected; BOOL: 0/1; HAS: enum value */
	const char *field; /* expected r.field on error */
};

static const struct get_case get_cases[] = {
	{ STR, "s", ERR_OK, "Kenesary", 0, NULL },
	{ STR, "cyr", ERR_OK, "Запуск", 0, NULL },
	{ STR, "empty", ERR_OK, "", 0, NULL },
	{ STR, "nul", ERR_OK, NULL, 0, NULL },
	{ STR, "absent", ERR_OK, NULL, 0, NULL },
	{ STR, "meta", ERR_OK, "x'); DROP TABLE t; --<script>&", 0, NULL },
	{ STR, "pair", ERR_OK, "\xf0\x9f\x93\x8a", 0, NULL },
	{ STR, "n", ERR_VALIDATION, NULL, 0, "n" },
	{ STR, "t", ERR_VALIDATION, NULL, 0, "t" },
	{ STR, "arr", ERR_VALIDATION, NULL, 0, "arr" },
	{ STR, "obj", ERR_VALIDATION, NULL, 0, "obj" },
	{ STR, "zero", ERR_VALIDATION, NULL, 0, "zero" },
	{ STR, "ctl", ERR_VALIDATION, NULL, 0, "ctl" },
	{ STR, "nl", ERR_VALIDATION, NULL, 0, "nl" },
	{ STRML, "nl", ERR_OK, "a\nb", 0, NULL },
	{ STR, "long", ERR_VALIDATION, NULL, 0, "long" }, /* 41 > 40 */
	{ INT, "n", ERR_OK, NULL, 42, NULL },
	{ INT, "neg", ERR_OK, NULL, -7, NULL },
	{ INT, "absent", ERR_OK, NULL, 1234, NULL }, /* untouched */
	{ INT, "nul", ERR_OK, NULL, 1234, NULL },
	{ INT, "big", ERR_VALIDATION, NULL, 0, "big" },
	{ INT, "frac", ERR_VALIDATION, NULL, 0, "frac" },
	{ INT, "numstr", ERR_VALIDATION, NULL, 0, "numstr" },
	{ INT, "t", ERR_VALIDATION, NULL, 0, "t" },
	{ BOOL, "t", ERR_OK, NULL, 1, NULL },
	{ BOOL, "f", ERR_OK, NULL, 0, NULL },
	{ BOOL, "absent", ERR_OK, NULL, 7, NULL }, /* untouched */
	{ BOOL, "n", ERR_VALIDATION, NULL, 0, "n" },
	{ BOOL, "s", ERR_VALIDATION, NULL, 0, "s" },
	{ HAS, "s", ERR_OK, NULL, JREAD_SET, NULL },
	{ HAS, "nul", ERR_OK, NULL, JREAD_NULL, NULL },
	{ HAS, "absent", ERR_OK, NULL, JREAD_ABSENT, NULL },
	{ HAS, "empty", ERR_OK, NULL, JREAD_SET, NULL },
};

static void
getters(struct jread *r)
{
	size_t i;

	for (i = 0; i < NELEM(get_cases); i++) {
		const struct get_case *c = &get_cases[i];
		const char *s = NULL;
		long long n = 1234;
		int b = 7;
		enum err rc = ERR_OK;

		r->field[0] = '\0';
		switch (c->kind) {
		case STR:
		case STRML:
			rc = jread_str(r, c->key, 40, c->kind == STRML, &s);
			break;
		case INT:
			rc = jread_int(r, c->key, -100, 100, &n);
			break;
		case BOOL:
			rc = jread_bool(r, c->key, &b);
			break;
		case HAS:
			n = jread_has(r, c->key);
			break;
		}
		if (!ok(rc == c->want, "get case %zu (%s): %s", i, c->key,
		        err_name(c->want)))
			diag("  got %s (%s)", err_name(rc), r->reason);
		if (rc != ERR_OK) {
			is_str(r->field, c->field, "  error names the field");
			ok(r->reason[0] != '\0', "  error has a reason");
			continue;
		}
		if (c->kind == STR || c->kind == STRML)
			is_str(s, c->str, "  string value");
		else if (c->kind == INT || c->kind == HAS)
			ok(n == c->num, "  value %lld", c->num);
		else
			ok(b == c->num, "  value %lld", c->num);
	}
}

static void
arrays(struct jread *r)
{
	const char *s;
	long long x = 0;
	size_t n;

	ok(jread_arr(r, "arr", 5, &n) == ERR_OK && n == 2, "array length");
	ok(jread_elem_str(r, "arr", 1, 16, &s) == ERR_OK &&
	        strcmp(s, "term") == 0,
	    "string element");
	ok(jread_elem_str(r, "arr", 2, 16, &s) == ERR_VALIDATION,
	    "element past the end");
	is_str(r->field, "arr[2]", "element error names arr[2]");
	ok(jread_arr(r, "ids", 2, &n) == ERR_VALIDATION,
	    "array over its limit");
	ok(jread_arr(r, "ids", 10, &n) == ERR_OK && n == 3, "ids length");
	ok(jread_elem_int(r, "ids", 0, 1, 10, &x) == ERR_OK && x == 3,
	    "integer element");
	ok(jread_elem_int(r, "mixed", 1, 1, 10, &x) == ERR_VALIDATION,
	    "string where an integer is wanted");
	is_str(r->field, "mixed[1]", "element error names mixed[1]");
	ok(jread_elem_int(r, "mixed", 2, 1, 10, &x) == ERR_VALIDATION,
	    "null element");
	ok(jread_elem_int(r, "ids", 0, 5, 10, &x) == ERR_VALIDATION,
	    "integer element out of range");
	ok(jread_arr(r, "s", 10, &n) == ERR_VALIDATION, "not an array");
	ok(jread_arr(r, "absent", 10, &n) == ERR_OK && n == 0,
	    "absent array: length 0");
	ok(jread_arr(r, "nul", 10, &n) == ERR_OK && n == 0,
	    "null array: length 0");
}

/* Arrays of objects: each element read by its own reader. */
static void
objects(void)
{
	static const char rows_doc[] = "{\"rows\":[{\"team\":\"Muha\",\"n\":2},"
	                               "3,null]}";
	struct jread_limits lim;
	struct jread r, sub;
	const char *s;
	long long x = 0;
	size_t n;

	jread_limits_default(&lim);
	ok(jread_parse(&r, rows_doc, sizeof(rows_doc) - 1, &lim) == ERR_OK,
	    "parse rows");
	ok(jread_arr(&r, "rows", 10, &n) == ERR_OK && n == 3, "three rows");
	ok(jread_elem_obj(&r, "rows", 0, &sub) == ERR_OK, "object element");
	ok(jread_str(&sub, "team", 16, 0, &s) == ERR_OK &&
	        strcmp(s, "Muha") == 0 &&
	        jread_int(&sub, "n", 0, 9, &x) == ERR_OK && x == 2,
	    "members of the element");
	jread_free(&sub);
	ok(jread_elem_obj(&r, "rows", 1, &sub) == ERR_VALIDATION &&
	        sub.root == NULL,
	    "a number is not an object");
	is_str(r.field, "rows[1]", "element error names rows[1]");
	ok(jread_elem_obj(&r, "rows", 2, &sub) == ERR_VALIDATION,
	    "null element");
	jread_free(&r);
	ok(jread_str(&sub, "team", 16, 0, &s) == ERR_OK && s == NULL,
	    "a failed element reads as empty");
}

static void
only(void)
{
	static const char *const allowed[] = { "name", "color", NULL };
	struct jread_limits lim;
	struct jread r;

	jread_limits_default(&lim);
	ok(jread_parse(&r, "{\"name\":\"a\",\"color\":\"#fff\"}", 27, &lim) ==
	        ERR_OK,
	    "parse known keys");
	ok(jread_only(&r, allowed) == ERR_OK, "known keys pass");
	jread_free(&r);
	ok(jread_parse(&r, "{\"name\":\"a\",\"colour\":\"#fff\"}", 28, &lim) ==
	        ERR_OK,
	    "parse a misspelt key");
	ok(jread_only(&r, allowed) == ERR_VALIDATION, "misspelt key fails");
	is_str(r.field, "colour", "the error names the misspelt key");
	jread_free(&r);
	ok(jread_fail(&r, "color", "must be #RRGGBB") == ERR_VALIDATION,
	    "jread_fail returns ERR_VALIDATION");
	is_str(r.reason, "must be #RRGGBB", "jread_fail keeps the reason");
	ok(jread_chars("Запуск", strlen("Запуск")) == 6, "chars: Cyrillic");
	ok(jread_chars("\xf0\x9f\x93\x8a", 4) == 1, "chars: emoji");
}

int
main(void)
{
	struct jread_limits lim;
	struct jread r;

	plan_lazy();
	parsing();
	jread_limits_default(&lim);
	if (ok(jread_parse(&r, doc, strlen(doc), &lim) == ERR_OK,
	        "parse the getter document")) {
		getters(&r);
		arrays(&r);
	} else {
		diag("  %s", r.reason);
	}
	jread_free(&r);
	only();
	objects();
	return exit_status();
}
