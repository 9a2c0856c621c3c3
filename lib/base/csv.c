#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/text.h"

void
csv_begin(struct buf *b)
{
	buf_adds(b, CSV_BOM);
}

void
csv_end_row(struct buf *b)
{
	buf_adds(b, "\r\n");
}

/* Appends s[0..n) with invalid UTF-8 replaced and quotes doubled. */
static void
add_text(struct buf *b, const char *s, size_t n, int quoted)
{
	unsigned long cp;
	size_t i = 0, k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' && quoted) {
			buf_adds(b, "\"\"");
			i++;
		} else if (c < 0x80) {
			buf_addc(b, (char)c);
			i++;
		} else if ((k = text_utf8_dec(s + i, n - i, &cp)) > 0) {
			buf_add(b, s + i, k);
			i += k;
		} else {
			buf_adds(b, "\xef\xbf\xbd");
			i++;
		}
	}
}

void
csv_field(struct buf *b, int first, const char *s, enum csv_kind kind)
{
	size_t n;
	int quote, defuse;

	if (!first)
		buf_addc(b, ',');
	if (s == NULL || (n = strlen(s)) == 0)
		return;
	defuse = kind == CSV_TEXT && strchr("=+-@\t\r", s[0]) != NULL;
	quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ';
	if (quote)
		buf_addc(b, '"');
	if (defuse)
		buf_addc(b, '\'');
	add_text(b, s, n, quote);
	if (quote)
		buf_addc(b, '"');
}

void
csv_limits_default(struct csv_limits *lim)
{
	lim->max_rows = 100000;
	lim->max_fields = 64;
	lim->max_field = 4096;
}

void
csv_doc_free(struct csv_doc *doc)
{
	size_t i, j;

	for (i = 0; i < doc->n; i++) {
		for (j = 0; j < doc->rows[i].n; j++)
			free(doc->rows[i].f[j]);
		free(doc->rows[i].f);
	}
	free(doc->rows);
	doc->rows = NULL;
	doc->n = 0;
}

static enum err
fail(struct csv_doc *doc, enum err rc, size_t line, const char *reason)
{
	doc->line = line;
	snprintf(doc->reason, sizeof(doc->reason), "%s", reason);
	return rc;
}

/* Returns 1 if p starts a record's end (LF or CRLF). */
static int
eol(const char *p, const char *end)
{
	return *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n');
}

/* Appends field f to row; takes ownership of f. */
static enum err
push_field(struct csv_row *row, char *f, size_t *cap)
{
	char **nf;

	if (row->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((nf = realloc(row->f, *cap * sizeof(*nf))) == NULL) {
			free(f);
			return ERR_NOMEM;
		}
		row->f = nf;
	}
	row->f[row->n++] = f;
	return ERR_OK;
}

/*
 * Reads one field at *pp (quoted or not) into *out; *line follows the
 * newlines inside quotes.
 */
static enum err
read_field(struct csv_doc *doc, const char **pp, const char *end, size_t *line,
    const struct csv_limits *lim, char **out)
{
	const char *p = *pp;
	size_t start = *line;
	struct buf f;
	enum err rc;

	*out = NULL;
	buf_init(&f);
	if (p < end && *p == '"') {
		for (p++;; p++) {
			if (p == end) {
				rc = fail(doc, ERR_INPUT, start,
				    "a quoted field is not closed");
				goto out;
			}
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"') {
					buf_addc(&f, '"');
					p++;
					continue;
				}
				p++;
				break;
			}
			if (*p == '\n')
				(*line)++;
			buf_addc(&f, *p);
		}
		if (p < end && *p != ',' && !eol(p, end)) {
			rc = fail(doc, ERR_INPUT, *line,
			    "text after a closing quote");
			goto out;
		}
	} else {
		for (; p < end && *p != ',' && !eol(p, end); p++) {
			if (*p == '"') {
				rc = fail(doc, ERR_INPUT, *line,
				    "a quote inside an unquoted field");
				goto out;
			}
			buf_addc(&f, *p);
		}
	}
	if (f.len > lim->max_field) {
		rc = fail(doc, ERR_TOOBIG, start, "a field is too long");
		goto out;
	}
	if ((rc = buf_err(&f)) != ERR_OK)
		goto out;
	if (f.data == NULL)
		*out = strdup("");
	else
		*out = buf_take(&f);
	rc = *out == NULL ? ERR_NOMEM : ERR_OK;
	*pp = p;
out:
	buf_free(&f);
	return rc;
}

enum err
csv_parse(struct csv_doc *doc, const char *s, size_t len,
    const struct csv_limits *lim)
{
	const char *p = s, *end = s + len;
	struct csv_row row, *nr;
	size_t line = 1, cap = 0, fcap;
	enum err rc;
	char *f;

	memset(doc, 0, sizeof(*doc));
	if (len >= 3 && memcmp(s, CSV_BOM, 3) == 0)
		p += 3;
	if (memchr(p, '\0', (size_t)(end - p)) != NULL)
		return fail(doc, ERR_INPUT, 0, "the text holds a NUL byte");
	if (!text_utf8_valid(p, (size_t)(end - p)))
		return fail(doc, ERR_UTF8, 0, "the text is not UTF-8");
	while (p < end) {
		if (eol(p, end)) { /* a blank line */
			p += *p == '\r' ? 2 : 1;
			line++;
			continue;
		}
		memset(&row, 0, sizeof(row));
		row.line = line;
		fcap = 0;
		for (;;) {
			if ((rc = read_field(doc, &p, end, &line, lim, &f)) !=
			        ERR_OK ||
			    (rc = push_field(&row, f, &fcap)) != ERR_OK)
				goto bad;
			if (row.n > lim->max_fields) {
				rc = fail(doc, ERR_TOOBIG, row.line,
				    "a record has too many fields");
				goto bad;
			}
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			if (p < end) {
				p += *p == '\r' ? 2 : 1;
				line++;
			}
			break;
		}
		if (doc->n == lim->max_rows) {
			rc = fail(doc, ERR_TOOBIG, row.line,
			    "too many records");
			goto bad;
		}
		if (doc->n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nr = realloc(doc->rows, cap * sizeof(*nr))) ==
			    NULL) {
				rc = ERR_NOMEM;
				goto bad;
			}
			doc->rows = nr;
		}
		doc->rows[doc->n++] = row;
	}
	return ERR_OK;
bad:
	while (row.n > 0)
		free(row.f[--row.n]);
	free(row.f);
	return rc;
}
