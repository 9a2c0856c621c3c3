#ifndef AMOSYNC_ATTR_ENGINE_H
#define AMOSYNC_ATTR_ENGINE_H

#include <stddef.h>

#include "base/err.h"

/*
 * UTM attribution: which traffic team a sale belongs to. One engine for
 * every caller (docs/attribution.md), replacing the original's nine rule sets.
 * No I/O and no global state: build a struct attr_set from the traffic DB
 * (teams, then their rules), then call attr_match() as often as needed,
 * from any number of threads, as long as nobody changes the set meanwhile.
 *
 * Every value is compared in its normalised form (attr_norm()): percent-
 * decoded, '+' as a space, trimmed and case-folded (Cyrillic and Kazakh
 * too). The engine, for one UTM set:
 *  1. high: the source equals a team's own utm_source. Two teams with the
 *     same utm_source: lower position, then name, then id wins.
 *  2. medium: the fields are tried in the order source, campaign, content,
 *     medium, term; the first field where any enabled rule matches decides.
 *     Within it the rule first in "engine order" wins: higher priority,
 *     then longer pattern (in characters), then the team's position, team
 *     name, team id, rule id. The order is total, so the result never
 *     depends on the order in which teams and rules were added.
 *  3. medium (fuzzy): no rule matched and the source equals "fb_" + the
 *     team's folded name; result.rule is NULL.
 *  4. low: no team.
 */

enum attr_field {
	ATTR_FIELD_SOURCE,
	ATTR_FIELD_MEDIUM,
	ATTR_FIELD_CAMPAIGN,
	ATTR_FIELD_CONTENT,
	ATTR_FIELD_TERM,
	ATTR_FIELD__MAX
};

/* A set of fields, as stored in rules.fields: bit (1 << ATTR_FIELD_x). */
#define ATTR_FIELD_BIT(f) (1u << (f))
#define ATTR_FIELDS_ALL ((1u << ATTR_FIELD__MAX) - 1)

/*
 * How a rule's pattern p is compared with a value v (both normalised):
 * exact: v == p; prefix: v starts with p; contains: p anywhere in v;
 * token: p occurs in v and each edge of p has a boundary: no letter
 * directly next to it, and, when that edge of p is itself a digit, no
 * digit either; an edge of p that is neither (a separator, as in "ar_" or
 * "_x") needs no boundary. Letters are ASCII, Latin from U+00C0 and
 * Cyrillic; digits are 0-9; everything else is a separator. So "tima" is
 * a token of "fb_tima", "tima-2" and "tima2", not of "ultimate";
 * "proftest" of "proftest2"; "1day" not of "21day"; "ar_" not of
 * "webinar_1" (docs/attribution.md has the table).
 */
enum attr_kind {
	ATTR_KIND_EXACT,
	ATTR_KIND_PREFIX,
	ATTR_KIND_TOKEN,
	ATTR_KIND_CONTAINS,
	ATTR_KIND__MAX
};

enum attr_conf {
	ATTR_CONF_LOW,
	ATTR_CONF_MEDIUM,
	ATTR_CONF_HIGH,
	ATTR_CONF__MAX
};

/* A team, as in traffic_teams. Strings are copies owned by the set. */
struct attr_team {
	char *id; /* text uuid */
	char *name;
	char *utm_source; /* as given; NULL when none or empty */
	char *emoji;      /* NULL when none */
	int position;     /* display order; lower wins ties */
	/* Private: normalised utm_source (NULL if none) and "fb_<name>". */
	char *nsource;
	char *nfb;
};

/* A rule, as in traffic_rules. Strings are copies owned by the set. */
struct attr_rule {
	char *id;
	const struct attr_team *team; /* the team with id team_id */
	char *pattern;                /* as given */
	char *norm;                   /* normalised pattern, never empty */
	enum attr_kind kind;
	unsigned fields; /* ATTR_FIELD_BIT()s, never 0 */
	int priority;    /* higher wins */
	int enabled;
	/*
	 * Private: length in bytes and characters; the class of the first
	 * and last character (separator, letter, digit: engine.c), which
	 * says what a token match needs next to it.
	 */
	size_t nlen;
	size_t nchars;
	int lbound;
	int rbound;
};

/*
 * The teams and rules, both kept sorted: teams by position, name, id;
 * rules in engine order. Read-only for callers.
 */
struct attr_set {
	struct attr_team **teams;
	size_t nteams;
	struct attr_rule **rules;
	size_t nrules;
	/* Private: allocated lengths of teams and rules. */
	size_t teamcap;
	size_t rulecap;
};

/* One UTM set, indexed by field; NULL or "" when absent. Borrowed. */
struct attr_utm {
	const char *v[ATTR_FIELD__MAX];
};

/*
 * What attr_match() decided. Pointers are borrowed from the set (team,
 * rule and the names) or from the attr_utm (value); nothing to free.
 */
struct attr_result {
	const struct attr_team *team; /* NULL when low */
	const char *team_id;          /* NULL when low */
	const char *team_name;        /* NULL when low; reports say "Unknown" */
	enum attr_conf conf;
	const struct attr_rule *rule; /* NULL for high, fuzzy and low */
	enum attr_field field;        /* ATTR_FIELD__MAX when low */
	const char *value;            /* that field's value as given, or NULL */
};

void attr_set_init(struct attr_set *set);
void attr_set_free(struct attr_set *set);

/*
 * Adds a team. id and name are required; utm_source and emoji may be NULL.
 * Errors: ERR_VALIDATION (id or name NULL or empty), ERR_CONFLICT (id
 * already in the set), ERR_NOMEM. On error the set is unchanged.
 */
enum err attr_set_add_team(struct attr_set *set, const char *id,
    const char *name, const char *utm_source, const char *emoji, int position);

/*
 * Adds a rule of the team team_id, which must have been added before.
 * fields is a mask of ATTR_FIELD_BIT()s (0 means all). Errors:
 * ERR_VALIDATION (id NULL or empty, pattern empty once normalised, kind or
 * fields out of range), ERR_NOTFOUND (no such team), ERR_CONFLICT (rule id
 * already in the set), ERR_NOMEM. On error the set is unchanged.
 */
enum err attr_set_add_rule(struct attr_set *set, const char *id,
    const char *team_id, const char *pattern, enum attr_kind kind,
    unsigned fields, int priority, int enabled);

/*
 * Makes dst (not initialised) a copy of src: the same teams and rules.
 * Errors: ERR_NOMEM (dst empty).
 */
enum err attr_set_copy(struct attr_set *dst, const struct attr_set *src);

/* Returns the team with this id, or NULL. Borrowed. */
const struct attr_team *attr_set_team(const struct attr_set *set,
    const char *id);

/*
 * Attributes one UTM set (utm may be NULL: low). Errors: ERR_NOMEM, in
 * which case res says low with no team, like for any failure.
 */
enum err attr_match(const struct attr_set *set, const struct attr_utm *utm,
    struct attr_result *res);

/*
 * Sets *out to the normalised form of s (caller frees): '+' becomes a
 * space; %XX escapes are decoded if there is at least one and the result
 * is valid UTF-8 (%00 never is); then text_fold(). NULL s gives "".
 * Errors: ERR_NOMEM (*out NULL).
 */
enum err attr_norm(const char *s, char **out);

/*
 * A value that rules of two or more teams claim in one field. rules lists
 * every enabled rule that matches it there, in engine order; winner is
 * the team attr_match() picks for a UTM set with only that field set
 * (win_rule NULL if that is a high or fuzzy match).
 */
struct attr_conflict {
	char *value; /* normalised */
	enum attr_field field;
	const struct attr_rule **rules;
	size_t nrules;
	const struct attr_team *winner;
	const struct attr_rule *win_rule;
};

struct attr_conflicts {
	struct attr_conflict *items; /* sorted by value, then field */
	size_t n;
};

/*
 * Lists the conflicts of set. Each enabled rule r is tried with its own
 * pattern as the value and, for token and prefix rules, also "<p>_x" and
 * "x_<p>"; a value r itself matches is a conflict in a field r looks at
 * if a rule of another team matches it there too. Identical entries are
 * listed once. Free *out with attr_conflicts_free(); it borrows rules and
 * teams from set. Errors: ERR_NOMEM (*out empty).
 */
enum err attr_conflicts_find(const struct attr_set *set,
    struct attr_conflicts *out);
void attr_conflicts_free(struct attr_conflicts *c);

/*
 * Why a rule almost matched a value (attr_near_misses()):
 * matches: it matches that field now (the sale was judged before the rule
 * existed or changed: re-attribute); field: it would match, but does not
 * look at that field; boundary: a token rule whose pattern is in the
 * value with a letter or digit next to it ("alexa"); kind: an exact or
 * prefix rule whose pattern is in the value elsewhere ("kenjifb" in
 * "kenjifb2"); separators: the same letters and digits once separators
 * are dropped from both ("alex-inst" for "alexinst").
 */
enum attr_miss {
	ATTR_MISS_MATCHES,
	ATTR_MISS_FIELD,
	ATTR_MISS_BOUNDARY,
	ATTR_MISS_KIND,
	ATTR_MISS_SEPARATORS,
	ATTR_MISS__MAX
};

struct attr_near {
	const struct attr_rule *rule; /* borrowed from the set */
	enum attr_miss why;
};

struct attr_nears {
	struct attr_near *items; /* in engine order of their rules */
	size_t n;
};

/*
 * Lists the enabled rules of set that almost match value (as given; it
 * is normalised here) in field f, at most max of them (0: all), each with
 * the first reason that holds in the order of enum attr_miss. Free *out
 * with attr_nears_free(); it borrows rules from set. Errors: ERR_NOMEM
 * (*out empty).
 */
enum err attr_near_misses(const struct attr_set *set, enum attr_field f,
    const char *value, size_t max, struct attr_nears *out);
void attr_nears_free(struct attr_nears *n);

/*
 * Names: "exact", "prefix", "token", "contains"; "source", "medium",
 * "campaign", "content", "term"; "low", "medium", "high". The name
 * functions never return NULL ("?" when out of range). The parse
 * functions ignore case and return ERR_VALIDATION for an unknown name;
 * attr_kind_parse() takes NULL or "" as ATTR_KIND_TOKEN, the default.
 */
const char *attr_kind_name(enum attr_kind kind);
enum err attr_kind_parse(const char *s, enum attr_kind *out);
const char *attr_field_name(enum attr_field field);
enum err attr_field_parse(const char *s, enum attr_field *out);
const char *attr_conf_name(enum attr_conf conf);
enum err attr_conf_parse(const char *s, enum attr_conf *out);
/* "matches", "field", "boundary", "kind", "separators". */
const char *attr_miss_name(enum attr_miss why);

/*
 * Parses a comma-separated list of field names ("source, campaign") into
 * a mask; NULL, "" and "all" mean ATTR_FIELDS_ALL. ERR_VALIDATION for an
 * unknown or empty name (*out 0).
 */
enum err attr_fields_parse(const char *s, unsigned *out);

#endif
