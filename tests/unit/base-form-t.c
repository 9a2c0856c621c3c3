#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/form.h"
#include "tap.h"

/* A body literal and its length, so that bodies may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1

/* body 64, pairs 4, depth 3, key 8, value 8 */
static const struct form_limits small = { 64, 4, 3, 8, 8 };
/* depth 3, the rest generous */
static const struct form_limits depth3 = { 1024, 100, 3, 100, 100 };
/* body 16, the rest generous */
static const struct form_limits body16 = { 16, 100, 12, 100, 100 };

struct tcase {
	const char *body;
	size_t len;
	const struct form_limits *lim; /* NULL: form_default_limits */
	enum err rc;
	const char *want; /* dump of the pairs, checked when rc is ERR_OK */
};

static const struct tcase cases[] = {
	/* Decoding. */
	{ B("a=b"), NULL, ERR_OK, "a=b" },
	{ B("a=b+c"), NULL, ERR_OK, "a=b c" },
	{ B("a=b%2Bc"), NULL, ERR_OK, "a=b+c" },
	{ B("a=x%26y%3Dz"), NULL, ERR_OK, "a=x&y=z" },
	{ B("a%26b=1"), NULL, ERR_OK, "a&b=1" },
	{ B("a%3Db=c"), NULL, ERR_OK, "a=b=c" },
	{ B("a=%25"), NULL, ERR_OK, "a=%" },
	{ B("a=%2525"), NULL, ERR_OK, "a=%25" },
	{ B("a=%41%62"), NULL, ERR_OK, "a=Ab" },
	{ B("a=%d0%90%D0%b1"), NULL, ERR_OK, "a=Аб" },
	{ B("name=%D0%90%D0%B9%D0%B3%D0%B5%D1%80%D0%B8%D0%BC"), NULL, ERR_OK,
	    "name=Айгерим" },
	{ B("a=5%C2%A0000"), NULL, ERR_OK, "a=5\u00a0000" },
	{ B("a=%E2%80%94"), NULL, ERR_OK, "a=—" },
	{ B("a=%F0%9F%8E%89"), NULL, ERR_OK, "a=🎉" },
	{ B("a=1%0A2"), NULL, ERR_OK, "a=1\n2" },
	{ B("a=%2C%3A%2F%2A"), NULL, ERR_OK, "a=,:/*" },
	{ B("%7E=~"), NULL, ERR_OK, "~=~" },
	{ B("a=Жё"), NULL, ERR_OK, "a=Жё" },
	{ B("a+b=c+d"), NULL, ERR_OK, "a b=c d" },
	/* Splitting. */
	{ B(""), NULL, ERR_OK, "" },
	{ B("&&&"), NULL, ERR_OK, "" },
	{ B("a"), NULL, ERR_OK, "a=" },
	{ B("a="), NULL, ERR_OK, "a=" },
	{ B("a==b"), NULL, ERR_OK, "a==b" },
	{ B("a=1&&b=2"), NULL, ERR_OK, "a=1&b=2" },
	{ B("&a=1&"), NULL, ERR_OK, "a=1" },
	{ B("a=1&a=2"), NULL, ERR_OK, "a=1&a=2" },
	{ B("a=1&b&c="), NULL, ERR_OK, "a=1&b=&c=" },
	/* Bracket keys. */
	{ B("a[b][c]=1"), NULL, ERR_OK, "a|b|c=1" },
	{ B("leads%5Bstatus%5D%5B0%5D%5Bid%5D=1"), NULL, ERR_OK,
	    "leads|status|0|id=1" },
	{ B("leads%5bstatus%5d%5b0%5d%5bid%5d=1"), NULL, ERR_OK,
	    "leads|status|0|id=1" },
	{ B("leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bvalues%5D"
	    "%5B0%5D%5Bvalue%5D=x"),
	    NULL, ERR_OK, "leads|status|0|custom_fields|1|values|0|value=x" },
	{ B("a[]=1"), NULL, ERR_OK, "a|=1" },
	{ B("a%5B%5D%5B%5D=1"), NULL, ERR_OK, "a||=1" },
	{ B("a+b[c+d]=1"), NULL, ERR_OK, "a b|c d=1" },
	{ B("a[%D0%90]=%D0%91"), NULL, ERR_OK, "a|А=Б" },
	{ B("a[b%3Dc]=d"), NULL, ERR_OK, "a|b=c=d" },
	/* Invalid escapes. */
	{ B("a=%zz"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a=%4"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a=%"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a=%g0"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a=%0g"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a=%%41"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a=%4&b=1"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("%=1"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("a%ZZ=1"), NULL, ERR_FORM_ESCAPE, NULL },
	{ B("b=1&name=%D0%90%D"), NULL, ERR_FORM_ESCAPE, NULL },
	/* NUL bytes. */
	{ B("a=%00"), NULL, ERR_FORM_NUL, NULL },
	{ B("a=b%00c"), NULL, ERR_FORM_NUL, NULL },
	{ B("%00=1"), NULL, ERR_FORM_NUL, NULL },
	{ B("a=b\0c"), NULL, ERR_FORM_NUL, NULL },
	{ B("a\0=b"), NULL, ERR_FORM_NUL, NULL },
	{ B("a=1&\0"), NULL, ERR_FORM_NUL, NULL },
	/* Invalid UTF-8 after decoding, in values and keys. */
	{ B("a=%FF"), NULL, ERR_UTF8, NULL },
	{ B("a=%D0"), NULL, ERR_UTF8, NULL },
	{ B("a=%C0%80"), NULL, ERR_UTF8, NULL },
	{ B("a=%E0%80%80"), NULL, ERR_UTF8, NULL },
	{ B("a=%ED%A0%80"), NULL, ERR_UTF8, NULL },
	{ B("a=%F4%90%80%80"), NULL, ERR_UTF8, NULL },
	{ B("a=%80"), NULL, ERR_UTF8, NULL },
	{ B("a=\xff"), NULL, ERR_UTF8, NULL },
	{ B("%FF=1"), NULL, ERR_UTF8, NULL },
	{ B("a[%D0]=1"), NULL, ERR_UTF8, NULL },
	/* Malformed keys. */
	{ B("=x"), NULL, ERR_FORM_KEY, NULL },
	{ B("a=1&=x"), NULL, ERR_FORM_KEY, NULL },
	{ B("[a]=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("%5Ba%5D=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a%5Bb=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a]b=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("]=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b]c=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b]]=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b[c]]=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b][=1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b] =1"), NULL, ERR_FORM_KEY, NULL },
	{ B("a[b=c]=d"), NULL, ERR_FORM_KEY, NULL },
	/* Limits. */
	{ B("a=0123456789abcd"), &body16, ERR_OK, "a=0123456789abcd" },
	{ B("a=0123456789abcde"), &body16, ERR_TOOBIG, NULL },
	{ B("a=%00%zz&&&&&&&&&"), &body16, ERR_TOOBIG, NULL },
	{ B("a&b&c&d"), &small, ERR_OK, "a=&b=&c=&d=" },
	{ B("a&&b&c&d&"), &small, ERR_OK, "a=&b=&c=&d=" },
	{ B("a&b&c&d&e"), &small, ERR_FORM_PAIRS, NULL },
	{ B("a[b][c]=1"), &small, ERR_OK, "a|b|c=1" },
	{ B("a[b][]=1"), &small, ERR_OK, "a|b|=1" },
	{ B("a[b][c][d]=1"), &depth3, ERR_FORM_DEPTH, NULL },
	{ B("a%5Bb%5D%5Bc%5D%5Bd%5D=1"), &depth3, ERR_FORM_DEPTH, NULL },
	{ B("a[][][]=1"), &depth3, ERR_FORM_DEPTH, NULL },
	{ B("a[b][c][=1"), &depth3, ERR_FORM_KEY, NULL },
	{ B("abcdefgh=1"), &small, ERR_OK, "abcdefgh=1" },
	{ B("abcdefghi=1"), &small, ERR_FORM_KEYLEN, NULL },
	{ B("%D0%90%D0%91%D0%92%D0%93=1"), &small, ERR_OK, "АБВГ=1" },
	{ B("%D0%90%D0%91%D0%92%D0%93%D0%94=1"), &small, ERR_FORM_KEYLEN,
	    NULL },
	{ B("a[bcdefgh]=1"), &small, ERR_FORM_KEYLEN, NULL },
	{ B("a=12345678"), &small, ERR_OK, "a=12345678" },
	{ B("a=123456789"), &small, ERR_FORM_VALLEN, NULL },
	{ B("a=%D0%90%D0%91%D0%92%D0%93"), &small, ERR_OK, "a=АБВГ" },
	{ B("a=%D0%90%D0%91%D0%92%D0%93%D0%94"), &small, ERR_FORM_VALLEN,
	    NULL },
	{ B("a=++++++++"), &small, ERR_OK, "a=        " },
};

/*
 * Appends the pairs of f as "seg|seg=value&...". Marks a pair whose key
 * text is not seg0[seg1]... or whose vlen is wrong, so every case also
 * checks those invariants.
 */
static void
dump(struct buf *b, const struct form *f)
{
	struct buf k;
	size_t i, j;

	buf_init(&k);
	for (i = 0; i < f->npairs; i++) {
		const struct form_pair *p = &f->pairs[i];

		buf_reset(&k);
		if (i > 0)
			buf_addc(b, '&');
		for (j = 0; j < p->nseg; j++) {
			if (j > 0)
				buf_addc(b, '|');
			buf_adds(b, p->seg[j]);
			buf_printf(&k, j == 0 ? "%s" : "[%s]", p->seg[j]);
		}
		if (p->nseg == 0 || strcmp(buf_str(&k), p->key) != 0)
			buf_adds(b, "!KEY");
		buf_addc(b, '=');
		buf_adds(b, p->value);
		if (strlen(p->value) != p->vlen)
			buf_adds(b, "!VLEN");
	}
	buf_free(&k);
}

/* ok() for an error code, with a diagnostic on mismatch. */
static int
is_rc(enum err got, enum err want, const char *name)
{
	if (!ok(got == want, "%s: %s", name, err_name(want)))
		diag("  got %s", err_name(got));
	return got == want;
}

static void
run_cases(void)
{
	struct form f;
	struct buf b, name;
	size_t i;
	enum err rc;

	buf_init(&b);
	buf_init(&name);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		buf_reset(&name);
		buf_printf(&name, "case %zu '%.40s'", i, c->body);
		rc = form_parse(&f, c->body, c->len, c->lim);
		is_rc(rc, c->rc, buf_str(&name));
		if (rc != ERR_OK)
			ok(f.npairs == 0 && f.pairs == NULL,
			    "  form empty after error");
		else if (c->want != NULL) {
			buf_reset(&b);
			dump(&b, &f);
			is_str(buf_str(&b), c->want, "  pairs");
		}
		form_free(&f);
	}
	buf_free(&b);
	buf_free(&name);
}

/* Parses b with the default limits into f. */
static enum err
parse_buf(struct form *f, const struct buf *b)
{
	return form_parse(f, b->data, b->len, NULL);
}

/* Checks body sizes and counts right at the default limits. */
static void
run_default_limits(void)
{
	const struct form_limits *d = &form_default_limits;
	struct form f;
	struct buf b;
	size_t i;

	ok(d->max_body == 1048576, "default max_body");
	ok(d->max_pairs == 20000, "default max_pairs");
	ok(d->max_depth == 12, "default max_depth");
	ok(d->max_key == 512, "default max_key");
	ok(d->max_value == 65536, "default max_value");

	buf_init(&b);
	/* Exactly max_body bytes: pairs "a=xxx" of 60000-byte values. */
	while (b.len + 60003 < d->max_body) {
		buf_adds(&b, "a=");
		for (i = 0; i < 60000; i++)
			buf_addc(&b, 'x');
		buf_addc(&b, '&');
	}
	buf_adds(&b, "b=");
	while (b.len < d->max_body)
		buf_addc(&b, 'y');
	is_rc(parse_buf(&f, &b), ERR_OK, "body of max_body bytes");
	ok(f.npairs == 18, "  18 pairs");
	form_free(&f);
	buf_addc(&b, 'y');
	is_rc(parse_buf(&f, &b), ERR_TOOBIG, "body of max_body + 1 bytes");

	buf_reset(&b);
	for (i = 0; i < d->max_pairs; i++)
		buf_adds(&b, "k=v&");
	is_rc(parse_buf(&f, &b), ERR_OK, "max_pairs pairs");
	ok(f.npairs == d->max_pairs, "  all pairs");
	ok(form_get(&f, "k") != NULL, "  form_get among many");
	form_free(&f);
	buf_adds(&b, "k=v");
	is_rc(parse_buf(&f, &b), ERR_FORM_PAIRS, "max_pairs + 1 pairs");

	buf_reset(&b);
	buf_adds(&b, "a");
	for (i = 1; i < d->max_depth; i++)
		buf_adds(&b, "%5Bx%5D");
	buf_adds(&b, "=1");
	is_rc(parse_buf(&f, &b), ERR_OK, "max_depth segments");
	ok(f.npairs == 1 && f.pairs[0].nseg == d->max_depth, "  segments");
	form_free(&f);
	buf_reset(&b);
	buf_adds(&b, "a");
	for (i = 0; i < d->max_depth; i++)
		buf_adds(&b, "[x]");
	buf_adds(&b, "=1");
	is_rc(parse_buf(&f, &b), ERR_FORM_DEPTH, "max_depth + 1 segments");

	buf_reset(&b);
	for (i = 0; i < d->max_key; i++)
		buf_addc(&b, 'k');
	buf_adds(&b, "=1");
	is_rc(parse_buf(&f, &b), ERR_OK, "key of max_key bytes");
	form_free(&f);
	buf_reset(&b);
	for (i = 0; i <= d->max_key; i++)
		buf_adds(&b, "%6B");
	is_rc(parse_buf(&f, &b), ERR_FORM_KEYLEN, "key of max_key + 1 bytes");

	buf_reset(&b);
	buf_adds(&b, "v=");
	for (i = 0; i < d->max_value; i++)
		buf_addc(&b, '+');
	is_rc(parse_buf(&f, &b), ERR_OK, "value of max_value bytes");
	ok(f.npairs == 1 && f.pairs[0].vlen == d->max_value, "  value length");
	form_free(&f);
	buf_addc(&b, '+');
	is_rc(parse_buf(&f, &b), ERR_FORM_VALLEN,
	    "value of max_value + 1 bytes");
	buf_free(&b);
}

static void
run_decode(void)
{
	char *s;
	size_t n;

	is_rc(form_decode("a+b%2B", 6, 0, &s, &n), ERR_OK, "decode");
	ok(n == 4, "  length");
	is_str(s, "a+b+", "  plus kept without plus_space");
	free(s);
	is_rc(form_decode("a+b%2B", 6, 1, &s, &n), ERR_OK, "decode plus_space");
	is_str(s, "a b+", "  plus is space");
	free(s);
	is_rc(form_decode("%41%", 4, 1, &s, &n), ERR_FORM_ESCAPE,
	    "decode truncated escape");
	ok(s == NULL && n == 0, "  no output after error");
	is_rc(form_decode("%41%", 3, 1, &s, &n), ERR_OK, "decode stops at n");
	is_str(s, "A", "  decoded");
	free(s);
	is_rc(form_decode("a%00", 4, 1, &s, &n), ERR_FORM_NUL, "decode %00");
	ok(s == NULL, "  no output after error");
	is_rc(form_decode("", 0, 1, &s, &n), ERR_OK, "decode empty");
	is_str(s, "", "  empty string");
	free(s);
}

static void
run_add_get(void)
{
	const char *const segs[] = { "leads", "status", "0", "id" };
	const char *const one[] = { "account" };
	const char *const empty[] = { "" };
	const char *const bad[] = { "a", "\xff" };
	struct form f;

	memset(&f, 0, sizeof(f));
	is_rc(form_add(&f, segs, 4, "28471953", 8), ERR_OK, "form_add");
	is_str(f.pairs[0].key, "leads[status][0][id]", "  key text");
	ok(f.pairs[0].nseg == 4 && strcmp(f.pairs[0].seg[3], "id") == 0,
	    "  segments");
	is_rc(form_add(&f, one, 1, "x", 1), ERR_OK, "form_add one segment");
	is_str(f.pairs[1].key, "account", "  key text");
	is_rc(form_add(&f, segs, 3, NULL, 0), ERR_OK, "form_add NULL value");
	is_str(f.pairs[2].value, "", "  empty value");
	is_rc(form_add(&f, segs, 0, "x", 1), ERR_FORM_KEY, "form_add no key");
	is_rc(form_add(&f, empty, 1, "x", 1), ERR_FORM_KEY,
	    "form_add empty base");
	is_rc(form_add(&f, one, 1, "a\0b", 3), ERR_FORM_NUL, "form_add NUL");
	is_rc(form_add(&f, one, 1, "\xd0", 1), ERR_UTF8, "form_add bad value");
	is_rc(form_add(&f, bad, 2, "x", 1), ERR_UTF8, "form_add bad segment");
	ok(f.npairs == 3, "form unchanged by failed adds");

	is_str(form_get(&f, "leads[status][0][id]"), "28471953",
	    "form_get bracketed");
	is_str(form_get(&f, "leads%5Bstatus%5D%5B0%5D%5Bid%5D"), "28471953",
	    "form_get percent-encoded");
	is_str(form_get(&f, "leads[status][0]"), "", "form_get shorter key");
	is_str(form_get(&f, "leads[status]"), NULL, "form_get absent");
	is_str(form_get(&f, "leads%5"), NULL, "form_get bad escape");
	is_str(form_get(NULL, "account"), NULL, "form_get NULL form");
	form_free(&f);
	ok(f.npairs == 0 && f.pairs == NULL, "form_free empties");
	form_free(&f);
	form_free(NULL);
	ok(1, "form_free twice and on NULL");

	is_rc(form_parse(&f, B("a=1&b+c=2&a=3"), NULL), ERR_OK, "parse dups");
	is_str(form_get(&f, "a"), "1", "  form_get first of duplicates");
	is_str(form_get(&f, "b c"), "2", "  form_get decoded");
	is_str(form_get(&f, "b+c"), "2", "  form_get plus");
	is_rc(form_add(&f, one, 1, "y", 1), ERR_OK, "form_add after parse");
	ok(f.npairs == 4, "  appended");
	form_free(&f);
}

/* Growth across many adds keeps the earlier pairs intact. */
static void
run_grow(void)
{
	const char *const segs[] = { "leads", "status", "0", "id" };
	struct form f;
	size_t i, bad = 0;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < 1000; i++)
		if (form_add(&f, segs, 4, "v", 1) != ERR_OK)
			bad++;
	for (i = 0; i < f.npairs; i++)
		if (strcmp(f.pairs[i].key, "leads[status][0][id]") != 0)
			bad++;
	ok(bad == 0 && f.npairs == 1000, "1000 form_add");
	form_free(&f);
}

int
main(void)
{
	plan_lazy();
	run_cases();
	run_default_limits();
	run_decode();
	run_add_get();
	run_grow();
	return exit_status();
}
