/*
 * attr_near_misses(): the rules that almost match a value, for the
 * worklist of sales without a team (GET
 * /api/traffic/attribution/unattributed).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "attr/engine_int.h"
#include "base/text.h"

void
attr_nears_free(struct attr_nears *n)
{
	if (n == NULL)
		return;
	free(n->items);
	memset(n, 0, sizeof(*n));
}

/*
 * Returns a copy of the normalised s without its separators (caller
 * frees), NULL on OOM. An invalid byte is dropped like a separator.
 */
static char *
squeeze(const char *s)
{
	size_t n = strlen(s), i = 0, o = 0, k;
	unsigned long cp;
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	while (i < n) {
		if ((k = text_utf8_dec(s + i, n - i, &cp)) == 0) {
			i++;
			continue;
		}
		if (attr_cclass(cp) != CC_SEP) {
			memcpy(d + o, s + i, k);
			o += k;
		}
		i += k;
	}
	d[o] = '\0';
	return d;
}

/*
 * The reason rule r almost matches the normalised value v (sv: v without
 * separators) in field f, or ATTR_MISS__MAX when it does not.
 */
static enum attr_miss
why_near(const struct attr_rule *r, enum attr_field f, const char *v,
    size_t vlen, const char *sv)
{
	char *sp;
	int hit;

	if (attr_rule_match(r, v, vlen))
		return (r->fields & ATTR_FIELD_BIT(f)) ? ATTR_MISS_MATCHES
		                                       : ATTR_MISS_FIELD;
	if (strstr(v, r->norm) != NULL)
		return r->kind == ATTR_KIND_TOKEN ? ATTR_MISS_BOUNDARY
		                                  : ATTR_MISS_KIND;
	if ((sp = squeeze(r->norm)) == NULL)
		return ATTR_MISS__MAX;
	hit = *sp != '\0' && strstr(sv, sp) != NULL;
	free(sp);
	return hit ? ATTR_MISS_SEPARATORS : ATTR_MISS__MAX;
}

enum err
attr_near_misses(const struct attr_set *set, enum attr_field f,
    const char *value, size_t max, struct attr_nears *out)
{
	char *v = NULL, *sv = NULL;
	size_t i, vlen;
	enum attr_miss why;
	enum err rc = ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	if ((unsigned)f >= ATTR_FIELD__MAX || value == NULL)
		return ERR_OK;
	if (attr_norm(value, &v) != ERR_OK || (sv = squeeze(v)) == NULL)
		goto out;
	vlen = strlen(v);
	rc = ERR_OK;
	if (vlen == 0 || set->nrules == 0)
		goto out;
	rc = ERR_NOMEM;
	if ((out->items = calloc(set->nrules, sizeof(*out->items))) == NULL)
		goto out;
	for (i = 0; i < set->nrules && (max == 0 || out->n < max); i++) {
		const struct attr_rule *r = set->rules[i];

		if (!r->enabled ||
		    (why = why_near(r, f, v, vlen, sv)) == ATTR_MISS__MAX)
			continue;
		out->items[out->n].rule = r;
		out->items[out->n].why = why;
		out->n++;
	}
	rc = ERR_OK;
out:
	if (rc != ERR_OK)
		attr_nears_free(out);
	free(v);
	free(sv);
	return rc;
}
