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

static const char *const attr_conf_names[ATTR_CONF__MAX] = {
	"low",    /* ATTR_CONF_LOW */
	"medium", /* ATTR_CONF_MEDIUM */
	"high",   /* ATTR_CONF_HIGH */
};

/* The order in which rules look at the fields; the first hit decides. */
static const enum attr_field attr_order[ATTR_FIELD__MAX] = {
	ATTR_FIELD_SOURCE,
	ATTR_FIELD_CAMPAIGN,
	ATTR_FIELD_CONTENT,
	ATTR_FIELD_MEDIUM,
	ATTR_FIELD_TERM,
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

/*
 * Returns 1 if cp is a letter or digit for token boundaries: ASCII
 * alphanumerics, Latin letters from U+00C0 (Latin-1 to Extended-B and
 * Extended Additional) and Cyrillic with its supplement.
 */
static int
is_alnum(unsigned long c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z');
	if (c >= 0xc0 && c <= 0x24f)
		return c != 0xd7 && c != 0xf7;
	return (c >= 0x1e00 && c <= 0x1eff) || (c >= 0x400 && c <= 0x52f);
}

/* Is the character ending right before s[pos] a letter or digit? */
static int
alnum_before(const char *s, size_t pos)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = pos - 1;

	while (i > 0 && pos - i < 4 && (p[i] & 0xc0) == 0x80)
		i--;
	if (text_utf8_dec(s + i, pos - i, &cp) != pos - i)
		return 0; /* an invalid byte counts as a separator */
	return is_alnum(cp);
}

/* Is the character at s[pos] (of n bytes) a letter or digit? */
static int
alnum_at(const char *s, size_t pos, size_t n)
{
	unsigned long cp;

	if (text_utf8_dec(s + pos, n - pos, &cp) == 0)
		return 0;
	return is_alnum(cp);
}

/* Does rule r match the normalised value v of vlen bytes? */
static int
rule_match(const struct attr_rule *r, const char *v, size_t vlen)
{
	const char *p;
	size_t pos;

	switch (r->kind) {
	case ATTR_KIND_EXACT:
		return vlen == r->nlen && memcmp(v, r->norm, vlen) == 0;
	case ATTR_KIND_PREFIX:
		return vlen >= r->nlen && memcmp(v, r->norm, r->nlen) == 0;
	case ATTR_KIND_CONTAINS:
		return strstr(v, r->norm) != NULL;
	case ATTR_KIND_TOKEN:
		/* Every occurrence: "ultimate_tima" has "tima" twice. */
		for (p = v; (p = strstr(p, r->norm)) != NULL; p++) {
			pos = (size_t)(p - v);
			if (r->lbound && pos > 0 && alnum_before(v, pos))
				continue;
			if (r->rbound && pos + r->nlen < vlen &&
			    alnum_at(v, pos + r->nlen, vlen))
				continue;
			return 1;
		}
		return 0;
	case ATTR_KIND__MAX:
		break;
	}
	return 0;
}

/* Orders teams by position, name, id: the tie order everywhere. */
static int
team_cmp(const struct attr_team *a, const struct attr_team *b)
{
	int c;

	if (a->position != b->position)
		return a->position < b->position ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->id, b->id);
}

/*
 * Engine order: higher priority, longer pattern, then the team order, then
 * rule id. Rule ids are unique in a set, so no two rules compare equal.
 */
static int
rule_cmp(const struct attr_rule *a, const struct attr_rule *b)
{
	int c;

	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (a->nchars != b->nchars)
		return a->nchars > b->nchars ? -1 : 1;
	if (a->team != b->team && (c = team_cmp(a->team, b->team)) != 0)
		return c;
	return strcmp(a->id, b->id);
}

static void
team_free(struct attr_team *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->name);
	free(t->utm_source);
	free(t->emoji);
	free(t->nsource);
	free(t->nfb);
	free(t);
}

static void
rule_free(struct attr_rule *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->pattern);
	free(r->norm);
	free(r);
}

void
attr_set_init(struct attr_set *set)
{
	memset(set, 0, sizeof(*set));
}

void
attr_set_free(struct attr_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nteams; i++)
		team_free(set->teams[i]);
	for (i = 0; i < set->nrules; i++)
		rule_free(set->rules[i]);
	free(set->teams);
	free(set->rules);
	memset(set, 0, sizeof(*set));
}

/*
 * Makes room for one more pointer in *arr (n used, *cap allocated).
 * Returns ERR_NOMEM and leaves *arr alone on failure.
 */
static enum err
grow(void ***arr, size_t n, size_t *cap)
{
	size_t ncap;
	void **p;

	if (n < *cap)
		return ERR_OK;
	ncap = *cap ? *cap * 2 : 8;
	if (ncap > SIZE_MAX / sizeof(void *))
		return ERR_NOMEM;
	if ((p = realloc(*arr, ncap * sizeof(void *))) == NULL)
		return ERR_NOMEM;
	*arr = p;
	*cap = ncap;
	return ERR_OK;
}

/* Returns a copy of s (caller frees), NULL on OOM; no POSIX strdup needed. */
static char *
copy(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = malloc(n)) != NULL)
		memcpy(d, s, n);
	return d;
}

/* Sets *out to a copy of s, or NULL if s is NULL or empty; 0 on OOM. */
static int
dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s == NULL || *s == '\0')
		return 1;
	return (*out = copy(s)) != NULL;
}

const struct attr_team *
attr_set_team(const struct attr_set *set, const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < set->nteams; i++)
		if (strcmp(set->teams[i]->id, id) == 0)
			return set->teams[i];
	return NULL;
}

/* Finds a rule by id; NULL if none. */
static const struct attr_rule *
rule_find(const struct attr_set *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->nrules; i++)
		if (strcmp(set->rules[i]->id, id) == 0)
			return set->rules[i];
	return NULL;
}

/* Stores the normalised utm_source and "fb_<name>" the engine compares. */
static enum err
team_norm(struct attr_team *t)
{
	struct buf b;
	char *n = NULL;
	enum err rc;

	buf_init(&b);
	if (t->utm_source != NULL) {
		if ((rc = attr_norm(t->utm_source, &t->nsource)) != ERR_OK)
			goto out;
		if (*t->nsource == '\0') {
			free(t->nsource);
			t->nsource = NULL;
		}
	}
	if ((rc = attr_norm(t->name, &n)) != ERR_OK)
		goto out;
	rc = ERR_VALIDATION;
	if (*n == '\0')
		goto out;
	buf_adds(&b, "fb_");
	buf_adds(&b, n);
	rc = ERR_NOMEM;
	if ((t->nfb = buf_take(&b)) == NULL)
		goto out;
	rc = ERR_OK;
out:
	free(n);
	buf_free(&b);
	return rc;
}

/*
 * Copies the team into the set, keeping teams sorted by team_cmp() so
 * that the high and fuzzy steps pick the same team whatever the order of
 * the calls was.
 */
enum err
attr_set_add_team(struct attr_set *set, const char *id, const char *name,
    const char *utm_source, const char *emoji, int position)
{
	struct attr_team *t = NULL;
	size_t i;
	enum err rc = ERR_VALIDATION;

	if (id == NULL || *id == '\0' || name == NULL || *name == '\0')
		goto out;
	rc = ERR_CONFLICT;
	if (attr_set_team(set, id) != NULL)
		goto out;
	rc = ERR_NOMEM;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out;
	t->position = position;
	if ((t->id = copy(id)) == NULL || (t->name = copy(name)) == NULL)
		goto out;
	if (!dup_opt(utm_source, &t->utm_source) || !dup_opt(emoji, &t->emoji))
		goto out;
	if ((rc = team_norm(t)) != ERR_OK)
		goto out;
	if ((rc = grow((void ***)&set->teams, set->nteams, &set->teamcap)) !=
	    ERR_OK)
		goto out;
	for (i = set->nteams; i > 0 && team_cmp(t, set->teams[i - 1]) < 0; i--)
		set->teams[i] = set->teams[i - 1];
	set->teams[i] = t;
	set->nteams++;
	t = NULL;
	rc = ERR_OK;
out:
	team_free(t);
	return rc;
}

/* Sets the derived fields of r from r->norm: lengths and token bounds. */
static void
rule_prepare(struct attr_rule *r)
{
	const unsigned char *p = (const unsigned char *)r->norm;
	unsigned long cp;
	size_t i;

	r->nlen = strlen(r->norm);
	r->nchars = 0;
	for (i = 0; i < r->nlen; i++)
		if ((p[i] & 0xc0) != 0x80)
			r->nchars++;
	r->lbound = r->nlen > 0 && text_utf8_dec(r->norm, r->nlen, &cp) > 0 &&
	    is_alnum(cp);
	r->rbound = alnum_before(r->norm, r->nlen);
}

/*
 * Copies the rule into the set, keeping rules in engine order (see
 * rule_cmp()), so attr_match() only has to take the first rule that hits.
 */
enum err
attr_set_add_rule(struct attr_set *set, const char *id, const char *team_id,
    const char *pattern, enum attr_kind kind, unsigned fields, int priority,
    int enabled)
{
	const struct attr_team *team;
	struct attr_rule *r = NULL;
	size_t i;
	enum err rc = ERR_VALIDATION;

	if (id == NULL || *id == '\0' || pattern == NULL ||
	    (unsigned)kind >= ATTR_KIND__MAX || (fields & ~ATTR_FIELDS_ALL))
		goto out;
	rc = ERR_NOTFOUND;
	if ((team = attr_set_team(set, team_id)) == NULL)
		goto out;
	rc = ERR_CONFLICT;
	if (rule_find(set, id) != NULL)
		goto out;
	rc = ERR_NOMEM;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto out;
	r->team = team;
	r->kind = kind;
	r->fields = fields != 0 ? fields : ATTR_FIELDS_ALL;
	r->priority = priority;
	r->enabled = enabled != 0;
	if ((r->id = copy(id)) == NULL || (r->pattern = copy(pattern)) == NULL)
		goto out;
	if ((rc = attr_norm(pattern, &r->norm)) != ERR_OK)
		goto out;
	rc = ERR_VALIDATION;
	if (*r->norm == '\0')
		goto out;
	rule_prepare(r);
	if ((rc = grow((void ***)&set->rules, set->nrules, &set->rulecap)) !=
	    ERR_OK)
		goto out;
	for (i = set->nrules; i > 0 && rule_cmp(r, set->rules[i - 1]) < 0; i--)
		set->rules[i] = set->rules[i - 1];
	set->rules[i] = r;
	set->nrules++;
	r = NULL;
	rc = ERR_OK;
out:
	rule_free(r);
	return rc;
}

static void
result_clear(struct attr_result *res)
{
	memset(res, 0, sizeof(*res));
	res->conf = ATTR_CONF_LOW;
	res->field = ATTR_FIELD__MAX;
}

static void
result_set(struct attr_result *res, const struct attr_team *t,
    enum attr_conf conf, const struct attr_rule *r, enum attr_field f)
{
	res->team = t;
	res->team_id = t->id;
	res->team_name = t->name;
	res->conf = conf;
	res->rule = r;
	res->field = f;
}

/*
 * The engine, on normalised values (nv[f] NULL or "" when absent). Fills
 * res, except res->value, which only the caller knows.
 */
static void
decide(const struct attr_set *set, char *const nv[ATTR_FIELD__MAX],
    struct attr_result *res)
{
	const char *src = nv[ATTR_FIELD_SOURCE];
	size_t i, j;

	result_clear(res);
	if (src != NULL && *src != '\0')
		for (i = 0; i < set->nteams; i++) {
			const struct attr_team *t = set->teams[i];

			if (t->nsource != NULL &&
			    strcmp(t->nsource, src) == 0) {
				result_set(res, t, ATTR_CONF_HIGH, NULL,
				    ATTR_FIELD_SOURCE);
				return;
			}
		}
	for (i = 0; i < ATTR_FIELD__MAX; i++) {
		enum attr_field f = attr_order[i];
		const char *v = nv[f];
		size_t vlen;

		if (v == NULL || *v == '\0')
			continue;
		vlen = strlen(v);
		for (j = 0; j < set->nrules; j++) {
			const struct attr_rule *r = set->rules[j];

			if (r->enabled && (r->fields & ATTR_FIELD_BIT(f)) &&
			    rule_match(r, v, vlen)) {
				result_set(res, r->team, ATTR_CONF_MEDIUM, r,
				    f);
				return;
			}
		}
	}
	if (src != NULL && *src != '\0')
		for (i = 0; i < set->nteams; i++) {
			const struct attr_team *t = set->teams[i];

			if (strcmp(t->nfb, src) == 0) {
				result_set(res, t, ATTR_CONF_MEDIUM, NULL,
				    ATTR_FIELD_SOURCE);
				return;
			}
		}
}

/* Normalises each present field of utm, then runs the engine. */
enum err
attr_match(const struct attr_set *set, const struct attr_utm *utm,
    struct attr_result *res)
{
	char *nv[ATTR_FIELD__MAX] = { NULL };
	size_t i;
	enum err rc = ERR_NOMEM;

	result_clear(res);
	if (utm == NULL)
		return ERR_OK;
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if (utm->v[i] != NULL && *utm->v[i] != '\0' &&
		    attr_norm(utm->v[i], &nv[i]) != ERR_OK)
			goto out;
	decide(set, nv, res);
	if (res->field != ATTR_FIELD__MAX)
		res->value = utm->v[res->field];
	rc = ERR_OK;
out:
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		free(nv[i]);
	return rc;
}

static void
conflict_clear(struct attr_conflict *c)
{
	free(c->value);
	free(c->rules);
	memset(c, 0, sizeof(*c));
}

void
attr_conflicts_free(struct attr_conflicts *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		conflict_clear(&c->items[i]);
	free(c->items);
	memset(c, 0, sizeof(*c));
}

/*
 * Checks the value v in field f: if enabled rules of at least two teams
 * match it, appends an entry to *out (allocated length *cap).
 */
static enum err
conflict_check(const struct attr_set *set, const char *v, enum attr_field f,
    struct attr_conflicts *out, size_t *cap)
{
	struct attr_conflict c;
	char *nv[ATTR_FIELD__MAX] = { NULL };
	struct attr_result res;
	size_t vlen = strlen(v), i;
	int many = 0;
	enum err rc = ERR_NOMEM;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < set->nrules; i++) {
		const struct attr_rule *r = set->rules[i];

		if (!r->enabled || !(r->fields & ATTR_FIELD_BIT(f)) ||
		    !rule_match(r, v, vlen))
			continue;
		if (c.rules == NULL &&
		    (c.rules = calloc(set->nrules, sizeof(*c.rules))) == NULL)
			goto out;
		c.rules[c.nrules++] = r;
		if (r->team != c.rules[0]->team)
			many = 1;
	}
	rc = ERR_OK;
	if (!many)
		goto out;
	rc = ERR_NOMEM;
	if (out->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct attr_conflict *p;

		if (ncap > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(out->items, ncap * sizeof(*p))) == NULL)
			goto out;
		out->items = p;
		*cap = ncap;
	}
	if ((c.value = copy(v)) == NULL)
		goto out;
	nv[f] = c.value;
	decide(set, nv, &res);
	c.field = f;
	c.winner = res.team;
	c.win_rule = res.rule;
	out->items[out->n++] = c;
	memset(&c, 0, sizeof(c));
	rc = ERR_OK;
out:
	conflict_clear(&c);
	return rc;
}

static int
conflict_cmp(const void *a, const void *b)
{
	const struct attr_conflict *x = a, *y = b;
	int c;

	if ((c = strcmp(x->value, y->value)) != 0)
		return c;
	return (int)x->field - (int)y->field;
}

/*
 * Sorts the entries and drops repeats: the same value and field always
 * gives the same entry, as it is computed from the whole set.
 */
static void
conflicts_dedup(struct attr_conflicts *c)
{
	size_t i, o = 0;

	if (c->n == 0)
		return;
	qsort(c->items, c->n, sizeof(*c->items), conflict_cmp);
	for (i = 1; i < c->n; i++) {
		if (conflict_cmp(&c->items[o], &c->items[i]) == 0)
			conflict_clear(&c->items[i]);
		else
			c->items[++o] = c->items[i];
	}
	c->n = o + 1;
}

/*
 * For each enabled rule, builds its candidate values and checks those it
 * matches itself in each of its fields. See attr.h for the definition.
 */
enum err
attr_conflicts_find(const struct attr_set *set, struct attr_conflicts *out)
{
	struct buf b;
	size_t cap = 0, i, j, f;
	enum err rc = ERR_OK;

	memset(out, 0, sizeof(*out));
	buf_init(&b);
	for (i = 0; i < set->nrules && rc == ERR_OK; i++) {
		const struct attr_rule *r = set->rules[i];
		size_t ncand = 1;

		if (!r->enabled)
			continue;
		if (r->kind == ATTR_KIND_TOKEN || r->kind == ATTR_KIND_PREFIX)
			ncand = 3;
		for (j = 0; j < ncand && rc == ERR_OK; j++) {
			buf_reset(&b);
			buf_adds(&b, j == 2 ? "x_" : "");
			buf_adds(&b, r->norm);
			buf_adds(&b, j == 1 ? "_x" : "");
			if ((rc = buf_err(&b)) != ERR_OK)
				break;
			if (!rule_match(r, b.data, b.len))
				continue;
			for (f = 0; f < ATTR_FIELD__MAX && rc == ERR_OK; f++)
				if (r->fields & ATTR_FIELD_BIT(f))
					rc = conflict_check(set, b.data,
					    (enum attr_field)f, out, &cap);
		}
	}
	buf_free(&b);
	if (rc != ERR_OK) {
		attr_conflicts_free(out);
		return rc;
	}
	conflicts_dedup(out);
	return ERR_OK;
}
