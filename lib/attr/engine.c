#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "attr/engine_int.h"
#include "base/buf.h"
#include "base/text.h"

/* The order in which rules look at the fields; the first hit decides. */
static const enum attr_field attr_order[ATTR_FIELD__MAX] = {
	ATTR_FIELD_SOURCE,
	ATTR_FIELD_CAMPAIGN,
	ATTR_FIELD_CONTENT,
	ATTR_FIELD_MEDIUM,
	ATTR_FIELD_TERM,
};

/*
 * The class of a character for token boundaries (engine_int.h): a digit
 * (ASCII 0-9), a letter (ASCII, Latin from U+00C0 through Latin-1,
 * Extended-A and -B and Extended Additional, and Cyrillic with its
 * supplement) or anything else, a separator.
 */
enum attr_cclass
attr_cclass(unsigned long c)
{
	if (c < 0x80) {
		if (c >= '0' && c <= '9')
			return CC_DIGIT;
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    ? CC_LETTER
		    : CC_SEP;
	}
	if (c >= 0xc0 && c <= 0x24f)
		return c != 0xd7 && c != 0xf7 ? CC_LETTER : CC_SEP;
	if ((c >= 0x1e00 && c <= 0x1eff) || (c >= 0x400 && c <= 0x52f))
		return CC_LETTER;
	return CC_SEP;
}

/* The class of the character ending right before s[pos] (pos > 0). */
static enum attr_cclass
class_before(const char *s, size_t pos)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = pos - 1;

	while (i > 0 && pos - i < 4 && (p[i] & 0xc0) == 0x80)
		i--;
	if (text_utf8_dec(s + i, pos - i, &cp) != pos - i)
		return CC_SEP;
	return attr_cclass(cp);
}

/* The class of the character at s[pos] (of n bytes). */
static enum attr_cclass
class_at(const char *s, size_t pos, size_t n)
{
	unsigned long cp;

	if (text_utf8_dec(s + pos, n - pos, &cp) == 0)
		return CC_SEP;
	return attr_cclass(cp);
}

/*
 * Does a neighbour of class nb stop a token whose edge has class edge?
 * A separator edge needs no boundary; a letter next to a letter or a
 * digit edge stops it; a digit stops only a digit edge, so "proftest2"
 * holds "proftest" but "21day" does not hold "1day".
 */
static int
blocks(enum attr_cclass edge, enum attr_cclass nb)
{
	if (edge == CC_SEP || nb == CC_SEP)
		return 0;
	return nb == CC_LETTER || edge == CC_DIGIT;
}

/* Does rule r match the normalised value v of vlen bytes? */
int
attr_rule_match(const struct attr_rule *r, const char *v, size_t vlen)
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
			if (pos > 0 &&
			    blocks((enum attr_cclass)r->lbound,
			        class_before(v, pos)))
				continue;
			if (pos + r->nlen < vlen &&
			    blocks((enum attr_cclass)r->rbound,
			        class_at(v, pos + r->nlen, vlen)))
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
char *
attr_copy(const char *s)
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
	return (*out = attr_copy(s)) != NULL;
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
	if ((t->id = attr_copy(id)) == NULL ||
	    (t->name = attr_copy(name)) == NULL)
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
	r->lbound = CC_SEP;
	if (r->nlen > 0 && text_utf8_dec(r->norm, r->nlen, &cp) > 0)
		r->lbound = (int)attr_cclass(cp);
	r->rbound = r->nlen > 0 ? (int)class_before(r->norm, r->nlen) : CC_SEP;
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
	if ((r->id = attr_copy(id)) == NULL ||
	    (r->pattern = attr_copy(pattern)) == NULL)
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

enum err
attr_set_copy(struct attr_set *dst, const struct attr_set *src)
{
	size_t i;
	enum err rc = ERR_OK;

	attr_set_init(dst);
	for (i = 0; i < src->nteams && rc == ERR_OK; i++) {
		const struct attr_team *t = src->teams[i];

		rc = attr_set_add_team(dst, t->id, t->name, t->utm_source,
		    t->emoji, t->position);
	}
	for (i = 0; i < src->nrules && rc == ERR_OK; i++) {
		const struct attr_rule *r = src->rules[i];

		rc = attr_set_add_rule(dst, r->id, r->team->id, r->pattern,
		    r->kind, r->fields, r->priority, r->enabled);
	}
	if (rc != ERR_OK) {
		attr_set_free(dst);
		return ERR_NOMEM;
	}
	return ERR_OK;
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
void
attr_decide(const struct attr_set *set, char *const *nv,
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
			    attr_rule_match(r, v, vlen)) {
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
	attr_decide(set, nv, res);
	if (res->field != ATTR_FIELD__MAX)
		res->value = utm->v[res->field];
	rc = ERR_OK;
out:
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		free(nv[i]);
	return rc;
}
