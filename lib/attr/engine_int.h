#ifndef AMOSYNC_ATTR_ENGINE_INT_H
#define AMOSYNC_ATTR_ENGINE_INT_H

#include <stddef.h>

/* Declared in attr/engine.h. */
struct attr_rule;
struct attr_set;
struct attr_result;

/*
 * What the files of the engine share (engine.c: the set and the match;
 * conflicts.c: the conflicts of a set; names.c: names and normalising):
 * not for use outside lib/attr/.
 */

/*
 * The class of a code point for token boundaries (docs/attribution.md):
 * an invalid byte is a separator.
 */
enum attr_cclass {
	CC_SEP,
	CC_LETTER,
	CC_DIGIT,
};
enum attr_cclass attr_cclass(unsigned long c);

/* Does rule r match the normalised value v of vlen bytes? */
int attr_rule_match(const struct attr_rule *r, const char *v, size_t vlen);

/* Returns a copy of s (caller frees), NULL on OOM; no POSIX strdup needed. */
char *attr_copy(const char *s);

/*
 * The engine, on normalised values (nv[f], ATTR_FIELD__MAX of them, NULL
 * or "" when absent). Fills res, except res->value, which only the
 * caller knows.
 */
void attr_decide(const struct attr_set *set, char *const *nv,
    struct attr_result *res);

#endif
