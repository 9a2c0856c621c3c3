/*
 * libFuzzer target for the attribution engine and the text helpers. The
 * input is split on '\n' into the five UTM fields (source, medium,
 * campaign, content, term; missing ones are NULL). They are attributed
 * with the seed rule set built in seed order and in reverse order, which
 * must agree; the term also becomes an extra rule (kind from the input
 * length) so that odd patterns reach the matcher and the conflict finder.
 * Invariants that do not hold abort, so libFuzzer reports them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "base/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seed_rule {
	const char *team;
	const char *pattern;
	int priority;
};

static const struct seed_rule seed_rules[] = {
	{ "k", "tripwire", 0 },
	{ "k", "nutcab", 0 },
	{ "k", "kenesary", 0 },
	{ "k", "nutrients", 0 },
	{ "k", "kab3", 0 },
	{ "k", "1day", 0 },
	{ "k", "pb_agency", 10 },
	{ "k", "kenji", 0 },
	{ "k", "kenes", 0 },
	{ "a", "arystan", 0 },
	{ "a", "ar_", 0 },
	{ "a", "ast_", 0 },
	{ "a", "rm almaty", 0 },
	{ "a", "rm_almaty", 0 },
	{ "m", "onai", 0 },
	{ "m", "on ai", 0 },
	{ "m", "запуск", 0 },
	{ "m", "muha", 0 },
	{ "m", "yourmarketolog", 0 },
	{ "m", "maqtakyz", 0 },
	{ "m", "residence", 0 },
	{ "m", "yourteam", 0 },
	{ "m", "tima", 0 },
	{ "t", "alex", 0 },
	{ "t", "traf4", 0 },
	{ "t", "proftest", 0 },
	{ "t", "pb_agency", 0 },
	{ "t", "smmmcwin", 0 },
	{ "t", "3-1", 0 },
};

#define NRULES (sizeof(seed_rules) / sizeof(seed_rules[0]))

/* Builds the seed set; reverse adds everything backwards. */
static void
build(struct attr_set *set, int reverse, const char *extra, enum attr_kind kind)
{
	static const char *const ids[4] = { "k", "a", "m", "t" };
	static const char *const names[4] = { "Kenesary", "Arystan", "Muha",
		"Traf4" };
	static const char *const srcs[4] = { "fb_kenesary", "fb_arystan",
		"fb_muha", "traf4_ads" };
	char id[16];
	size_t i, j;

	attr_set_init(set);
	for (i = 0; i < 4; i++) {
		j = reverse ? 3 - i : i;
		if (attr_set_add_team(set, ids[j], names[j], srcs[j], NULL,
		        (int)j + 1) != ERR_OK)
			abort();
	}
	if (extra != NULL && reverse)
		(void)attr_set_add_rule(set, "zz", "m", extra, kind, 0, 3, 1);
	for (i = 0; i < NRULES; i++) {
		j = reverse ? NRULES - 1 - i : i;
		id[0] = 'r';
		id[1] = (char)('a' + j / 26);
		id[2] = (char)('a' + j % 26);
		id[3] = '\0';
		if (attr_set_add_rule(set, id, seed_rules[j].team,
		        seed_rules[j].pattern, ATTR_KIND_TOKEN, 0,
		        seed_rules[j].priority, 1) != ERR_OK)
			abort();
	}
	if (extra != NULL && !reverse)
		(void)attr_set_add_rule(set, "zz", "m", extra, kind, 0, 3, 1);
}

/* Aborts unless the result is self-consistent. */
static void
check_result(const struct attr_result *r)
{
	if ((r->team == NULL) != (r->conf == ATTR_CONF_LOW))
		abort();
	if ((r->team == NULL) != (r->field == ATTR_FIELD__MAX))
		abort();
	if (r->team != NULL &&
	    (r->team_id != r->team->id || r->team_name != r->team->name ||
	        r->value == NULL))
		abort();
	if (r->rule != NULL &&
	    (r->rule->team != r->team || r->conf != ATTR_CONF_MEDIUM ||
	        !r->rule->enabled))
		abort();
}

static void
check_text(const char *s)
{
	char *a, *b;
	size_t i, at = 0;

	if ((a = text_fold(s)) == NULL)
		abort();
	if ((b = text_fold(a)) == NULL || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	if ((a = text_phone_norm(s)) != NULL) {
		for (i = 0; a[i] != '\0'; i++)
			if (a[i] < '0' || a[i] > '9')
				abort();
		if (i < 10)
			abort();
		free(a);
	}
	if ((a = text_email_norm(s)) != NULL) {
		for (i = 0; a[i] != '\0'; i++)
			at += a[i] == '@';
		if (at != 1)
			abort();
		free(a);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *p, *nl;
	struct attr_utm utm;
	struct attr_set fwd, rev;
	struct attr_result r1, r2;
	struct attr_conflicts c;
	enum attr_kind kind = (enum attr_kind)(size % ATTR_KIND__MAX);
	size_t i;

	if (size > 4096)
		return 0;
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	memset(&utm, 0, sizeof(utm));
	for (i = 0, p = copy; i < ATTR_FIELD__MAX && p != NULL; i++) {
		utm.v[i] = p;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		p = nl;
	}
	(void)text_utf8_valid((const char *)data, size);
	for (i = 0; i < ATTR_FIELD__MAX; i++)
		if (utm.v[i] != NULL)
			check_text(utm.v[i]);

	build(&fwd, 0, utm.v[ATTR_FIELD_TERM], kind);
	build(&rev, 1, utm.v[ATTR_FIELD_TERM], kind);
	if (fwd.nrules != rev.nrules)
		abort();
	if (attr_match(&fwd, &utm, &r1) != ERR_OK ||
	    attr_match(&rev, &utm, &r2) != ERR_OK)
		abort();
	check_result(&r1);
	check_result(&r2);
	if (r1.conf != r2.conf || r1.field != r2.field ||
	    (r1.team == NULL) != (r2.team == NULL) ||
	    (r1.team != NULL && strcmp(r1.team_id, r2.team_id) != 0) ||
	    (r1.rule == NULL) != (r2.rule == NULL) ||
	    (r1.rule != NULL && strcmp(r1.rule->id, r2.rule->id) != 0))
		abort();
	if (attr_conflicts_find(&fwd, &c) != ERR_OK)
		abort();
	for (i = 0; i < c.n; i++)
		if (c.items[i].nrules < 2 || c.items[i].winner == NULL)
			abort();
	attr_conflicts_free(&c);
	attr_set_free(&fwd);
	attr_set_free(&rev);
	free(copy);
	return 0;
}
