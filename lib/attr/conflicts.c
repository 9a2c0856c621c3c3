/*
 * attr_conflicts_find(): the pairs of rules of a set that claim the same
 * value for different teams, found by the engine's own matching.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "attr/engine_int.h"
#include "base/buf.h"
#include "base/text.h"

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
		    !attr_rule_match(r, v, vlen))
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
	if ((c.value = attr_copy(v)) == NULL)
		goto out;
	nv[f] = c.value;
	attr_decide(set, nv, &res);
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
			if (!attr_rule_match(r, b.data, b.len))
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
