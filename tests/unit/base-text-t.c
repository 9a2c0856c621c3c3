#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "tap.h"

struct valid_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int want;
	const char *what;
};

static const struct valid_case valid_cases[] = {
	{ "", 0, 1, "empty" },
	{ "plain ascii", 0, 1, "ascii" },
	{ "Запуск Қазақ", 0, 1, "cyrillic and kazakh" },
	{ "\xe2\x82\xac", 0, 1, "euro sign, 3 bytes" },
	{ "\xf0\x9f\x91\x91", 0, 1, "crown emoji, 4 bytes" },
	{ "\xf4\x8f\xbf\xbf", 0, 1, "U+10FFFF" },
	{ "\xed\x9f\xbf", 0, 1, "U+D7FF, before surrogates" },
	{ "\xee\x80\x80", 0, 1, "U+E000, after surrogates" },
	{ "a\0b", 3, 1, "embedded NUL is valid UTF-8" },
	{ "\xc0\xaf", 0, 0, "overlong 2-byte /" },
	{ "\xc1\xbf", 0, 0, "overlong 2-byte, C1 lead" },
	{ "\xe0\x80\xaf", 0, 0, "overlong 3-byte" },
	{ "\xe0\x9f\xbf", 0, 0, "overlong 3-byte U+07FF" },
	{ "\xf0\x80\x80\xaf", 0, 0, "overlong 4-byte" },
	{ "\xf0\x8f\xbf\xbf", 0, 0, "overlong 4-byte U+FFFF" },
	{ "\xed\xa0\x80", 0, 0, "surrogate U+D800" },
	{ "\xed\xbf\xbf", 0, 0, "surrogate U+DFFF" },
	{ "\xf4\x90\x80\x80", 0, 0, "U+110000" },
	{ "\xf5\x80\x80\x80", 0, 0, "F5 lead" },
	{ "\xff", 0, 0, "FF byte" },
	{ "\x80", 0, 0, "stray continuation" },
	{ "\xd0", 0, 0, "truncated 2-byte" },
	{ "\xe2\x82", 0, 0, "truncated 3-byte" },
	{ "\xf0\x9f\x91", 0, 0, "truncated 4-byte" },
	{ "ab\xd0", 0, 0, "truncated at end" },
	{ "\xd0x", 0, 0, "bad continuation" },
	{ "\xe2\x82\xac", 2, 0, "length cuts the sequence" },
};

struct str_case {
	const char *in;
	const char *want; /* NULL: function returns NULL */
};

static const struct str_case fold_cases[] = {
	{ "", "" },
	{ "   ", "" },
	{ "  Hello World\t\r\n", "hello world" },
	/* \302\240 is NBSP, written in octal so the next letter is safe. */
	{ "\302\240FB_Kenesary\302\240\302\240", "fb_kenesary" },
	{ " \302\240 x \302\240 ", "x" },
	{ "a\302\240B", "a\302\240b" }, /* inner NBSP kept */
	{ "ЗАПУСК", "запуск" },
	{ "Запуск_Весна", "запуск_весна" },
	{ "ЁЖИК ЀЏ", "ёжик ѐџ" },
	{ "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
	    "абвгдежзийклмнопрстуфхцчшщъыьэюя" },
	{ "ӘҒҚҢӨҰҮҺІ", "әғқңөұүһі" },
	{ "әғқңөұүһі", "әғқңөұүһі" },
	{ "ҚАЗАҚСТАН", "қазақстан" },
	{ "ѠѢҊҾӀӁӍӐӾ", "ѡѣҋҿӏӂӎӑӿ" },
	{ "ÀÉÎÕÜÞ×", "àéîõüþ×" },
	{ "ĀĂĄĆČĎĞĲ", "āăąćčďğĳ" },
	{ "ĹĽŁŃŇ", "ĺľłńň" },
	{ "ŊŐŒŘŠŞŤŮŶ", "ŋőœřšşťůŷ" },
	{ "ŸŹŻŽ", "ÿźżž" },
	{ "İ", "i" },
	{ "ıßĸ", "ıßĸ" },
	{ "ΑΒΓ", "ΑΒΓ" }, /* Greek is left alone */
	{ "MiXeD 123 _-+%", "mixed 123 _-+%" },
	{ "ok\xffOK", "ok\xffok" },
	{ "\xd0\x9f\xd0", "\xd0\xbf\xd0" },
	{ "\xed\xa0\x80Z", "\xed\xa0\x80z" },
	{ "\xc0\xc1Q", "\xc0\xc1q" },
};

static const struct str_case escape_cases[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "a & b", "a &amp; b" },
	{ "<b>\"x\"</b>", "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" },
	{ "&amp;", "&amp;amp;" },
	{ "'single'", "'single'" },
	{ "Қ<Ә>", "Қ&lt;Ә&gt;" },
};

static const struct str_case phone_cases[] = {
	{ "+7 (747) 555-00-11", "77475550011" },
	{ "8 747 555 00 11", "77475550011" }, { "87475550011", "77475550011" },
	{ "7475550011", "77475550011" }, { "77475550011", "77475550011" },
	{ "+7 747 555 0011", "77475550011" },
	/* A bare 10-digit national number of KZ/RU gets the country code. */
	{ "9161234567", "79161234567" }, { "(916) 123-45-67", "79161234567" },
	{ "8121234567", "78121234567" }, /* St Petersburg, not a trunk 8 */
	{ "+380 44 123 4567", "380441234567" },
	{ "89161234567", "79161234567" }, { "+7 916 123-45-67", "79161234567" },
	{ "8 (747) 555-00-11", "77475550011" },
	{ "\302\2408\302\240747\302\2405550011 ", "77475550011" },
	{ "+7-747-555-00-11", "77475550011" },
	{ "7 747 555 00 11", "77475550011" },
	{ "8 747 555 00 1", "78747555001" },  /* 10 digits: national */
	{ "+1 212 555 0123", "12125550123" }, /* 11 digits, not 8: kept */
	{ "8 800 555 35 35 доб. 12", "8800555353512" }, /* 13: kept */
	{ "+7 (747) 555-00-11, 8 701 555 00 22", "7747555001187015550022" },
	{ "555-00-11", NULL }, { "123456789", NULL }, { "", NULL },
	{ "no digits", NULL }, { "tel: 8-747-555-00-11 ext", "77475550011" },
	{ "０１２３４５６７８９", NULL }, /* fullwidth digits are not digits */
};

static const struct str_case email_cases[] = {
	{ "User@Example.COM", "user@example.com" },
	{ "  a.b+c@mail.kz \t", "a.b+c@mail.kz" },
	{ "\xc2\xa0x@y\xc2\xa0", "x@y" },
	{ "ИМЯ@Mail.ru", "ИМЯ@mail.ru" }, /* only ASCII is lower-cased */
	{ "no-at.example.com", NULL }, { "two@@example.com", NULL },
	{ "a@b@c", NULL }, { "@example.com", NULL }, { "user@", NULL },
	{ "   @   ", NULL }, { "", NULL }, { "   ", NULL }, { "@", NULL },
	{ " Aigerim.S@Example.KZ ", "aigerim.s@example.kz" },
	{ "\tDANIYAR@MAIL.RU\r\n", "daniyar@mail.ru" },
	{ "a b@c", "a b@c" }, /* inner space kept: not ours to repair */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Writes name("in") into label, with control bytes shown as '?' for TAP. */
static void
mklabel(char *label, size_t sz, const char *name, const char *in)
{
	char *p;

	snprintf(label, sz, "%s(\"%s\")", name, in);
	for (p = label; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
}

/* Runs fn over a table of string cases; fn returns a string to free. */
static void
run_str(const char *name, char *(*fn)(const char *), const struct str_case *c,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *got = fn(c[i].in);
		char label[160];

		mklabel(label, sizeof(label), name, c[i].in);
		is_str(got, c[i].want, label);
		free(got);
	}
}

int
main(void)
{
	size_t i;

	plan_lazy();
	for (i = 0; i < NELEM(valid_cases); i++) {
		const struct valid_case *c = &valid_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);

		ok(text_utf8_valid(c->in, len) == c->want, "utf8_valid: %s",
		    c->what);
	}
	run_str("fold", text_fold, fold_cases, NELEM(fold_cases));
	run_str("phone_norm", text_phone_norm, phone_cases, NELEM(phone_cases));
	run_str("email_norm", text_email_norm, email_cases, NELEM(email_cases));
	for (i = 0; i < NELEM(escape_cases); i++) {
		struct buf b;
		char label[160], want[160];

		/* Appends, so what was in the buffer stays. */
		buf_init(&b);
		buf_adds(&b, "[");
		text_html_escape(&b, escape_cases[i].in);
		buf_adds(&b, "]");
		mklabel(label, sizeof(label), "html_escape",
		    escape_cases[i].in);
		snprintf(want, sizeof(want), "[%s]", escape_cases[i].want);
		is_str(buf_str(&b), want, label);
		buf_free(&b);
	}

	/* NULL inputs. */
	ok(text_fold(NULL) == NULL, "fold(NULL) is NULL");
	ok(text_phone_norm(NULL) == NULL, "phone_norm(NULL) is NULL");
	ok(text_email_norm(NULL) == NULL, "email_norm(NULL) is NULL");
	{
		struct buf b;

		buf_init(&b);
		text_html_escape(&b, NULL);
		is_str(buf_str(&b), "", "html_escape(NULL) adds nothing");
		buf_free(&b);
	}
	/* Folding is idempotent. */
	for (i = 0; i < NELEM(fold_cases); i++) {
		char *a = text_fold(fold_cases[i].in);
		char *b = a ? text_fold(a) : NULL;

		is_str(b, a, "fold is idempotent");
		free(a);
		free(b);
	}
	return exit_status();
}
