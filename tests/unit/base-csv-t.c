/*
 * Unit tests for base/csv: RFC 4180 fields as written (quoting, doubled
 * quotes, formulas defused, invalid UTF-8 replaced) and the reader of
 * uploads (quotes, CRLF, BOM, blank lines, the line of each record and of
 * each error), including a round trip of everything the writer writes.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/err.h"
#include "tap.h"

static const struct {
	const char *in;
	enum csv_kind kind;
	const char *out;
} fields[] = {
	{ NULL, CSV_TEXT, "" },
	{ "", CSV_TEXT, "" },
	{ "plain", CSV_TEXT, "plain" },
	{ "a,b", CSV_TEXT, "\"a,b\"" },
	{ "say \"hi\"", CSV_TEXT, "\"say \"\"hi\"\"\"" },
	{ "two\nlines", CSV_TEXT, "\"two\nlines\"" },
	{ "cr\rlf", CSV_TEXT, "\"cr\rlf\"" },
	{ " padded ", CSV_TEXT, "\" padded \"" },
	{ "Кенесары Запуск", CSV_TEXT, "Кенесары Запуск" },
	{ "=HYPERLINK(\"x\")", CSV_TEXT, "\"'=HYPERLINK(\"\"x\"\")\"" },
	{ "+77011234567", CSV_TEXT, "'+77011234567" },
	{ "-5", CSV_TEXT, "'-5" },
	{ "@SUM(A1)", CSV_TEXT, "'@SUM(A1)" },
	{ "-5", CSV_NUM, "-5" },
	{ "5000.00", CSV_NUM, "5000.00" },
	{ "bad\xff", CSV_TEXT, "bad\xef\xbf\xbd" },
	{ "cut\xd0", CSV_TEXT, "cut\xef\xbf\xbd" },
};

/* Records written as "line:f1|f2;line:f1" for comparison. */
static const struct {
	const char *in;
	enum err rc;
	const char *rows; /* on success */
	size_t line;      /* on error */
} docs[] = {
	{ "", ERR_OK, "", 0 },
	{ "a,b\r\n1,2\r\n", ERR_OK, "1:a|b;2:1|2", 0 },
	{ "a,b\n1,2", ERR_OK, "1:a|b;2:1|2", 0 },
	{ CSV_BOM "team,date\nKenesary,2025-12-01\n", ERR_OK,
	    "1:team|date;2:Kenesary|2025-12-01", 0 },
	{ "a\n\n\r\nb\n", ERR_OK, "1:a;4:b", 0 },
	{ "\"x,y\",\"say \"\"hi\"\"\"\n", ERR_OK, "1:x,y|say \"hi\"", 0 },
	{ "\"two\nlines\",z\nnext\n", ERR_OK, "1:two\nlines|z;3:next", 0 },
	{ "a,,c,\n", ERR_OK, "1:a||c|", 0 },
	{ ",\n", ERR_OK, "1:|", 0 },
	{ "\"\"\n", ERR_OK, "1:", 0 },
	{ "Арыстан,5000\n", ERR_OK, "1:Арыстан|5000", 0 },
	{ "a\nb\"c\n", ERR_INPUT, NULL, 2 },
	{ "a\n\"open\nstill\n", ERR_INPUT, NULL, 2 },
	{ "a\n\"x\"y,z\n", ERR_INPUT, NULL, 2 },
	{ "a\0b\n", ERR_INPUT, NULL, 0 },
	{ "a\xff\n", ERR_UTF8, NULL, 0 },
};

static void
serialise(const struct csv_doc *d, struct buf *b)
{
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		buf_printf(b, "%s%zu:", i ? ";" : "", d->rows[i].line);
		for (j = 0; j < d->rows[i].n; j++)
			buf_printf(b, "%s%s", j ? "|" : "", d->rows[i].f[j]);
	}
}

static size_t
doclen(const char *s)
{
	/* The one case with a NUL byte inside. */
	return strncmp(s, "a\0b", 4) == 0 ? 4 : strlen(s);
}

int
main(void)
{
	struct csv_limits lim;
	struct csv_doc d;
	struct buf b;
	size_t i;
	enum err rc;

	plan_lazy();
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		buf_init(&b);
		csv_field(&b, 1, fields[i].in, fields[i].kind);
		is_str(buf_str(&b), fields[i].out, "field written as RFC 4180");
		buf_free(&b);
	}
	buf_init(&b);
	csv_begin(&b);
	csv_field(&b, 1, "a", CSV_TEXT);
	csv_field(&b, 0, NULL, CSV_TEXT);
	csv_field(&b, 0, "c d", CSV_TEXT);
	csv_end_row(&b);
	is_str(buf_str(&b), CSV_BOM "a,,c d\r\n", "BOM, commas, CRLF");
	buf_free(&b);

	csv_limits_default(&lim);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		rc = csv_parse(&d, docs[i].in, doclen(docs[i].in), &lim);
		ok(rc == docs[i].rc, "parse case %zu: %s", i,
		    err_name(docs[i].rc));
		if (docs[i].rows != NULL) {
			buf_init(&b);
			serialise(&d, &b);
			is_str(buf_str(&b), docs[i].rows, "records and lines");
			buf_free(&b);
		} else {
			ok(d.line == docs[i].line && d.reason[0] != '\0',
			    "error on line %zu with a reason (got %zu: %s)",
			    docs[i].line, d.line, d.reason);
		}
		csv_doc_free(&d);
	}

	/* Limits: one record too many, one field too many, too long. */
	lim.max_rows = 2;
	rc = csv_parse(&d, "a\nb\nc\n", 6, &lim);
	ok(rc == ERR_TOOBIG && d.line == 3, "max_rows: ERR_TOOBIG on line 3");
	csv_doc_free(&d);
	csv_limits_default(&lim);
	lim.max_fields = 2;
	rc = csv_parse(&d, "a,b\nc,d,e\n", 10, &lim);
	ok(rc == ERR_TOOBIG && d.line == 2, "max_fields: ERR_TOOBIG on line 2");
	csv_doc_free(&d);
	csv_limits_default(&lim);
	lim.max_field = 3;
	rc = csv_parse(&d, "abc\nabcd\n", 9, &lim);
	ok(rc == ERR_TOOBIG && d.line == 2, "max_field: ERR_TOOBIG on line 2");
	csv_doc_free(&d);

	/* Round trip: what the writer writes, the reader reads back. */
	csv_limits_default(&lim);
	buf_init(&b);
	csv_begin(&b);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		csv_field(&b, i == 0, fields[i].in, CSV_NUM);
	csv_end_row(&b);
	rc = csv_parse(&d, buf_str(&b), b.len, &lim);
	ok(rc == ERR_OK && d.n == 1 &&
	        d.rows[0].n == sizeof(fields) / sizeof(fields[0]),
	    "round trip: one record of every field");
	for (i = 0; rc == ERR_OK && i < d.rows[0].n; i++)
		if (fields[i].in != NULL &&
		    strchr(fields[i].in, '\xff') == NULL &&
		    strchr(fields[i].in, '\xd0') == NULL)
			is_str(d.rows[0].f[i], fields[i].in, "field read back");
	csv_doc_free(&d);
	buf_free(&b);
	return exit_status();
}
