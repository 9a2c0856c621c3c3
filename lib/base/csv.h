#ifndef AMOSYNC_BASE_CSV_H
#define AMOSYNC_BASE_CSV_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/*
 * CSV (RFC 4180) both ways, pure. Writing: a document starts with the
 * UTF-8 byte order mark (so spreadsheet programs read Cyrillic as UTF-8),
 * fields are separated by commas and records end with CRLF; a field is
 * quoted when it holds a comma, a quote, CR or LF (quotes doubled) or
 * starts or ends with a space. A text field that a spreadsheet would run
 * as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe:
 * UTM values come from ad links and are attacker-controlled. Invalid
 * UTF-8 is replaced by U+FFFD, as in base/jw.
 *
 * Reading: csv_parse() splits a whole upload into records of fields,
 * each with the line it starts on, within limits; a leading BOM is
 * skipped, CRLF and LF both end a record, blank lines are skipped.
 */
#define CSV_BOM "\xef\xbb\xbf"

enum csv_kind {
	CSV_TEXT, /* any text: quoted as needed, formulas defused */
	CSV_NUM,  /* a number as the database wrote it: never defused */
};

/* Starts a document: the BOM. */
void csv_begin(struct buf *b);

/* Appends one field (NULL is empty); first is 1 for a record's first. */
void csv_field(struct buf *b, int first, const char *s, enum csv_kind kind);

/* Ends a record. */
void csv_end_row(struct buf *b);

struct csv_limits {
	size_t max_rows;   /* records, header included */
	size_t max_fields; /* per record */
	size_t max_field;  /* bytes of one field */
};

struct csv_row {
	size_t line; /* 1-based line the record starts on */
	size_t n;
	char **f; /* n NUL-terminated fields */
};

struct csv_doc {
	struct csv_row *rows;
	size_t n;
	size_t line;      /* on error: the line where it was found */
	char reason[128]; /* on error: why, in words */
};

/* The default limits: 100000 records, 64 fields, 4096 bytes a field. */
void csv_limits_default(struct csv_limits *lim);

/*
 * Parses s[0..len). ERR_UTF8 for bytes that are not UTF-8, ERR_INPUT for
 * a NUL byte, a quote inside an unquoted field, text after a closing
 * quote or an unterminated quote, ERR_TOOBIG past a limit; doc->line and
 * doc->reason say where and why. ERR_NOMEM. Free with csv_doc_free()
 * either way.
 */
enum err csv_parse(struct csv_doc *doc, const char *s, size_t len,
    const struct csv_limits *lim);
void csv_doc_free(struct csv_doc *doc);

#endif
