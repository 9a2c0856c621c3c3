/*
 * The names of the engine's kinds, fields and confidences, their parsers,
 * and attr_norm(): the text side of attribution, without a rule set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "base/buf.h"
#include "base/text.h"

static const char *const attr_kind_names[ATTR_KIND__MAX] = {
	"exact",    /* ATTR_KIND_EXACT */
	"prefix",   /* ATTR_KIND_PREFIX */
	"token",    /* ATTR_KIND_TOKEN */
	"contains", /* ATTR_KIND_CONTAINS */
};

static const char *const attr_field_names[ATTR_FIELD__MAX] = {
	"source",   /* ATTR_FIELD_SOURCE */
	"medium",   /* ATTR_FIELD_MEDIUM */
	"campaign", /* ATTR_FIELD_CAMPAIGN */
	"content",  /* ATTR_FIELD_CONTENT */
	"term",     /* ATTR_FIELD_TERM */
};

static const char *const attr_miss_names[ATTR_MISS__MAX] = {
	"matches",    /* ATTR_MISS_MATCHES */
	"field",      /* ATTR_MISS_FIELD */
	"boundary",   /* ATTR_MISS_BOUNDARY */
	"kind",       /* ATTR_MISS_KIND */
	"separators", /* ATTR_MISS_SEPARATORS */
};

static const char *const attr_conf_names[ATTR_CONF__MAX] = {
	"low",    /* ATTR_CONF_LOW */
	"medium", /* ATTR_CONF_MEDIUM */
	"high",   /* ATTR_CONF_HIGH */
};

const char *
attr_kind_name(enum attr_kind kind)
{
	return (unsigned)kind < ATTR_KIND__MAX ? attr_kind_names[kind] : "?";
}

const char *
attr_field_name(enum attr_field field)
{
	if ((unsigned)field >= ATTR_FIELD__MAX)
		return "?";
	return attr_field_names[field];
}

const char *
attr_miss_name(enum attr_miss why)
{
	return (unsigned)why < ATTR_MISS__MAX ? attr_miss_names[why] : "?";
}

const char *
attr_conf_name(enum attr_conf conf)
{
	return (unsigned)conf < ATTR_CONF__MAX ? attr_conf_names[conf] : "?";
}

/* Compares s[0..n) with the NUL-terminated lower-case name, ignoring case. */
static int
name_eq(const char *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 0x20);
		if (name[i] == '\0' || c != name[i])
			return 0;
	}
	return name[n] == '\0';
}

/* Returns the index of s[0..n) in names[0..count), or count. */
static size_t
name_find(const char *s, size_t n, const char *const *names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (name_eq(s, n, names[i]))
			break;
	return i;
}

enum err
attr_kind_parse(const char *s, enum attr_kind *out)
{
	size_t i;

	*out = ATTR_KIND_TOKEN;
	if (s == NULL || *s == '\0')
		return ERR_OK;
	i = name_find(s, strlen(s), attr_kind_names, ATTR_KIND__MAX);
	if (i == ATTR_KIND__MAX)
		return ERR_VALIDATION;
	*out = (enum attr_kind)i;
	return ERR_OK;
}

enum err
attr_field_parse(const char *s, enum attr_field *out)
{
	size_t i;

	*out = ATTR_FIELD_SOURCE;
	if (s == NULL)
		return ERR_VALIDATION;
	i = name_find(s, strlen(s), attr_field_names, ATTR_FIELD__MAX);
	if (i == ATTR_FIELD__MAX)
		return ERR_VALIDATION;
	*out = (enum attr_field)i;
	return ERR_OK;
}

enum err
attr_conf_parse(const char *s, enum attr_conf *out)
{
	size_t i;

	*out = ATTR_CONF_LOW;
	if (s == NULL)
		return ERR_VALIDATION;
	i = name_find(s, strlen(s), attr_conf_names, ATTR_CONF__MAX);
	if (i == ATTR_CONF__MAX)
		return ERR_VALIDATION;
	*out = (enum attr_conf)i;
	return ERR_OK;
}

/*
 * Splits s on commas, trims spaces around each name and ORs the fields
 * together. Returns ERR_VALIDATION for an unknown or empty name.
 */
enum err
attr_fields_parse(const char *s, unsigned *out)
{
	unsigned mask = 0;
	size_t i;

	*out = 0;
	if (s == NULL || *s == '\0' || name_eq(s, strlen(s), "all")) {
		*out = ATTR_FIELDS_ALL;
		return ERR_OK;
	}
	for (;;) {
		const char *e = strchr(s, ',');
		size_t n = e != NULL ? (size_t)(e - s) : strlen(s);

		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		i = name_find(s, n, attr_field_names, ATTR_FIELD__MAX);
		if (n == 0 || i == ATTR_FIELD__MAX)
			return ERR_VALIDATION;
		mask |= ATTR_FIELD_BIT(i);
		if (e == NULL)
			break;
		s = e + 1;
	}
	*out = mask;
	return ERR_OK;
}

/* Returns the value of hex digit c, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns the byte %XX at s stands for, or -1 (not an escape, or %00). */
static int
escape_at(const char *s)
{
	int hi, lo;

	if (s[0] != '%' || (hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0)
		return -1;
	if (hi == 0 && lo == 0)
		return -1;
	return hi * 16 + lo;
}

/* Appends s to b with '+' as a space and, if decode, %XX escapes decoded. */
static void
unplus(struct buf *b, const char *s, int decode)
{
	int c;

	while (*s != '\0') {
		if (*s == '+') {
			buf_addc(b, ' ');
			s++;
		} else if (decode && (c = escape_at(s)) >= 0) {
			buf_addc(b, (char)c);
			s += 3;
		} else
			buf_addc(b, *s++);
	}
}

/*
 * Decodes only when there is an escape and the decoded text is UTF-8:
 * values that already were decoded may hold a literal "%" ("50%ab"), and
 * decoding those into stray bytes would only make them harder to match.
 */
enum err
attr_norm(const char *s, char **out)
{
	struct buf b;
	const char *p;
	int decode = 0;
	enum err rc = ERR_NOMEM;

	*out = NULL;
	buf_init(&b);
	if (s == NULL)
		s = "";
	for (p = s; *p != '\0' && !decode; p++)
		decode = escape_at(p) >= 0;
	unplus(&b, s, decode);
	if (decode && buf_err(&b) == ERR_OK &&
	    !text_utf8_valid(buf_str(&b), b.len)) {
		buf_reset(&b);
		unplus(&b, s, 0);
	}
	if (buf_err(&b) != ERR_OK)
		goto out;
	if ((*out = text_fold(buf_str(&b))) == NULL)
		goto out;
	rc = ERR_OK;
out:
	buf_free(&b);
	return rc;
}
