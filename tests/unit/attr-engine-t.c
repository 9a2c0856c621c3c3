#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr/engine.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ALL 0u
#define SRC ATTR_FIELD_BIT(ATTR_FIELD_SOURCE)
#define CAMP ATTR_FIELD_BIT(ATTR_FIELD_CAMPAIGN)
#define CONT ATTR_FIELD_BIT(ATTR_FIELD_CONTENT)
#define TERM ATTR_FIELD_BIT(ATTR_FIELD_TERM)

struct team_def {
	const char *id;
	const char *name;
	const char *utm_source;
	const char *emoji;
	int position;
};

struct rule_def {
	const char *id;
	const char *team_id;
	const char *pattern;
	enum attr_kind kind;
	unsigned fields;
	int priority;
	int enabled;
};

/* The seed's four teams, then teams only the tests use. */
static const struct team_def teams[] = {
	{ "uuid-kenesary", "Kenesary", "fb_kenesary", "👑", 1 },
	{ "uuid-arystan", "Arystan", "fb_arystan", "🦁", 2 },
	{ "uuid-muha", "Muha", "fb_muha", "🚀", 3 },
	{ "uuid-traf4", "Traf4", "fb_traf4", "⚡", 4 },
	/* utm_source is not fb_<name>: "fb_nomad" can only match fuzzily. */
	{ "uuid-nomad", "Nomad", "nomad_ads", NULL, 5 },
	/* Same utm_source, same position: the name decides (Alpha). */
	{ "uuid-alpha", "Alpha", "shared_src", NULL, 9 },
	{ "uuid-bravo", "Bravo", "shared_src", NULL, 9 },
	/* Same utm_source: the position decides (Zulu), not the name. */
	{ "uuid-zulu", "Zulu", "twin_src", NULL, 8 },
	{ "uuid-charlie", "Charlie", "twin_src", NULL, 10 },
	{ "uuid-zhuldyz", "Жулдыз", NULL, "⭐", 11 },
	{ "uuid-echo", "Echo", "", NULL, 12 },
};

#define NSEED 29 /* the first NSEED rules are the seed's */

/*
 * The seed rule set in the seed's order: all token rules on all fields at
 * priority 0, except Kenesary's pb_agency. The seed lists pb_agency for
 * Kenesary and Traf4, and the original always picked Kenesary; we keep
 * that explicitly with priority 10 rather than relying on Kenesary's
 * lower position (which would also pick Kenesary, see main()).
 */
static const struct rule_def rules[] = {
	{ "k-tripwire", "uuid-kenesary", "tripwire", ATTR_KIND_TOKEN, ALL, 0,
	    1 },
	{ "k-nutcab", "uuid-kenesary", "nutcab", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "k-kenesary", "uuid-kenesary", "kenesary", ATTR_KIND_TOKEN, ALL, 0,
	    1 },
	{ "k-nutrients", "uuid-kenesary", "nutrients", ATTR_KIND_TOKEN, ALL, 0,
	    1 },
	{ "k-kab3", "uuid-kenesary", "kab3", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "k-1day", "uuid-kenesary", "1day", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "k-pb_agency", "uuid-kenesary", "pb_agency", ATTR_KIND_TOKEN, ALL, 10,
	    1 },
	{ "k-kenji", "uuid-kenesary", "kenji", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "k-kenes", "uuid-kenesary", "kenes", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "a-arystan", "uuid-arystan", "arystan", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "a-ar_", "uuid-arystan", "ar_", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "a-ast_", "uuid-arystan", "ast_", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "a-rm almaty", "uuid-arystan", "rm almaty", ATTR_KIND_TOKEN, ALL, 0,
	    1 },
	{ "a-rm_almaty", "uuid-arystan", "rm_almaty", ATTR_KIND_TOKEN, ALL, 0,
	    1 },
	{ "m-onai", "uuid-muha", "onai", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-on ai", "uuid-muha", "on ai", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-запуск", "uuid-muha", "запуск", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-muha", "uuid-muha", "muha", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-yourmarketolog", "uuid-muha", "yourmarketolog", ATTR_KIND_TOKEN,
	    ALL, 0, 1 },
	{ "m-maqtakyz", "uuid-muha", "maqtakyz", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-residence", "uuid-muha", "residence", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-yourteam", "uuid-muha", "yourteam", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "m-tima", "uuid-muha", "tima", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "t-alex", "uuid-traf4", "alex", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "t-traf4", "uuid-traf4", "traf4", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "t-proftest", "uuid-traf4", "proftest", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "t-pb_agency", "uuid-traf4", "pb_agency", ATTR_KIND_TOKEN, ALL, 0,
	    1 },
	{ "t-smmmcwin", "uuid-traf4", "smmmcwin", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "t-3-1", "uuid-traf4", "3-1", ATTR_KIND_TOKEN, ALL, 0, 1 },
	/* Test-only rules: other kinds, restricted fields, tie-breaks. */
	{ "x1", "uuid-arystan", "astana", ATTR_KIND_EXACT, CAMP, 0, 1 },
	{ "x2", "uuid-muha", "lead", ATTR_KIND_PREFIX, CONT, 0, 1 },
	{ "x3", "uuid-traf4", "XYZ", ATTR_KIND_CONTAINS, TERM, 0, 1 },
	{ "x4", "uuid-kenesary", "promo", ATTR_KIND_CONTAINS, CAMP, 1, 1 },
	{ "x5", "uuid-traf4", "promo", ATTR_KIND_TOKEN, CAMP, 5, 1 },
	{ "x6", "uuid-arystan", "winter", ATTR_KIND_TOKEN, CAMP, 0, 1 },
	{ "x7", "uuid-muha", "winter_sale", ATTR_KIND_TOKEN, CAMP, 0, 1 },
	{ "x8", "uuid-arystan", "spring", ATTR_KIND_TOKEN, CONT, 0, 1 },
	{ "x9", "uuid-muha", "spring", ATTR_KIND_TOKEN, CONT, 0, 1 },
	{ "x10", "uuid-alpha", "summer", ATTR_KIND_TOKEN, CONT, 0, 1 },
	{ "x11", "uuid-bravo", "summer", ATTR_KIND_TOKEN, CONT, 0, 1 },
	{ "x12", "uuid-alpha", "night", ATTR_KIND_TOKEN, CONT, 0, 1 },
	{ "x13", "uuid-alpha", "NIGHT", ATTR_KIND_CONTAINS, CONT, 0, 1 },
	{ "x14", "uuid-echo", "echo_only", ATTR_KIND_TOKEN, ALL, 50, 0 },
	{ "x15", "uuid-arystan", "ҚАЗАҚ", ATTR_KIND_TOKEN, ALL, 0, 1 },
	{ "x16", "uuid-muha", "high_prio", ATTR_KIND_TOKEN, CAMP, 100, 1 },
};

#define LOW ATTR_CONF_LOW
#define MED ATTR_CONF_MEDIUM
#define HIGH ATTR_CONF_HIGH
#define F_SRC ATTR_FIELD_SOURCE
#define F_MED ATTR_FIELD_MEDIUM
#define F_CAMP ATTR_FIELD_CAMPAIGN
#define F_CONT ATTR_FIELD_CONTENT
#define F_TERM ATTR_FIELD_TERM
#define F_NONE ATTR_FIELD__MAX

struct mcase {
	const char
	    *utm[ATTR_FIELD__MAX]; /* source medium campaign content term */
	const char *team;          /* NULL: no team */
	enum attr_conf conf;
	enum attr_field field;
	const char *rule; /* deciding rule id; NULL for high, fuzzy and low */
};

static const struct mcase cases[] = {
	/* High: the team's own utm_source, normalised. */
	{ { "fb_kenesary", "cpc", "tripwire_test_1" }, "Kenesary", HIGH, F_SRC,
	    NULL },
	{ { "FB_Kenesary" }, "Kenesary", HIGH, F_SRC, NULL },
	{ { "FB_KENESARY", NULL, "" }, "Kenesary", HIGH, F_SRC, NULL },
	{ { " fb_arystan\t" }, "Arystan", HIGH, F_SRC, NULL },
	{ { "fb_muha" }, "Muha", HIGH, F_SRC, NULL },
	{ { "FB_TRAF4" }, "Traf4", HIGH, F_SRC, NULL },
	{ { "fb%5Fkenesary" }, "Kenesary", HIGH, F_SRC, NULL },
	{ { "nomad_ads" }, "Nomad", HIGH, F_SRC, NULL },
	{ { "shared_src" }, "Alpha", HIGH, F_SRC, NULL },
	{ { "twin_src" }, "Zulu", HIGH, F_SRC, NULL },
	{ { "fb_kenesary", NULL, "alex" }, "Kenesary", HIGH, F_SRC, NULL },
	/* Fuzzy fb_<name>, only when no rule matched anywhere. */
	{ { "fb_nomad" }, "Nomad", MED, F_SRC, NULL },
	{ { "FB_Nomad" }, "Nomad", MED, F_SRC, NULL },
	{ { "fb_ЖУЛДЫЗ" }, "Жулдыз", MED, F_SRC, NULL },
	{ { "fb_alpha" }, "Alpha", MED, F_SRC, NULL },
	{ { "fb_nomad", NULL, "tripwire" }, "Kenesary", MED, F_CAMP,
	    "k-tripwire" },
	{ { "fb_muha_2" }, "Muha", MED, F_SRC, "m-muha" },
	/* Token boundaries. */
	{ { NULL, NULL, "fb_tima" }, "Muha", MED, F_CAMP, "m-tima" },
	{ { "tima-2" }, "Muha", MED, F_SRC, "m-tima" },
	{ { "Tima" }, "Muha", MED, F_SRC, "m-tima" },
	{ { NULL, NULL, "ultimate" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "estimate" }, NULL, LOW, F_NONE, NULL },
	{ { "alexa" }, NULL, LOW, F_NONE, NULL },
	{ { "alex_FB" }, "Traf4", MED, F_SRC, "t-alex" },
	{ { "alex inst" }, "Traf4", MED, F_SRC, "t-alex" },
	{ { NULL, NULL, "ar_almaty" }, "Arystan", MED, F_CAMP, "a-ar_" },
	{ { NULL, NULL, "webinar_1" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "seminar_x" }, NULL, LOW, F_NONE, NULL },
	/* 3-1 and arystan both match: same priority, longer pattern wins. */
	{ { NULL, NULL, "arystan_3-1" }, "Arystan", MED, F_CAMP, "a-arystan" },
	{ { NULL, NULL, "sale_3-1" }, "Traf4", MED, F_CAMP, "t-3-1" },
	{ { NULL, NULL, "2023-11" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "13-10" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "RM Almaty" }, "Arystan", MED, F_CAMP, "a-rm almaty" },
	{ { NULL, NULL, "rm almaty 2" }, "Arystan", MED, F_CAMP,
	    "a-rm almaty" },
	{ { NULL, NULL, "rm_almaty" }, "Arystan", MED, F_CAMP, "a-rm_almaty" },
	{ { NULL, NULL, "rm+almaty" }, "Arystan", MED, F_CAMP, "a-rm almaty" },
	{ { "ast_kz" }, "Arystan", MED, F_SRC, "a-ast_" },
	{ { "fast_track" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "onai" }, "Muha", MED, F_CAMP, "m-onai" },
	{ { NULL, NULL, "onair" }, NULL, LOW, F_NONE, NULL },
	/* Words followed or preceded by digits (issue 24); the traps hold. */
	{ { NULL, NULL, "proftest2" }, "Traf4", MED, F_CAMP, "t-proftest" },
	{ { NULL, NULL, "kenes2025_retarget" }, "Kenesary", MED, F_CAMP,
	    "k-kenes" },
	{ { NULL, NULL, "2025muha" }, "Muha", MED, F_CAMP, "m-muha" },
	{ { NULL, NULL, "tripwire2024" }, "Kenesary", MED, F_CAMP,
	    "k-tripwire" },
	{ { NULL, NULL, "optima" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "21day" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "webinar_2025" }, NULL, LOW, F_NONE, NULL },
	{ { "alexa2" }, NULL, LOW, F_NONE, NULL },
	/* Cyrillic, '+' and percent-encoding. */
	{ { NULL, NULL, "Запуск_весна" }, "Muha", MED, F_CAMP, "m-запуск" },
	{ { NULL, NULL, "ЗАПУСК" }, "Muha", MED, F_CAMP, "m-запуск" },
	{ { NULL, NULL, "%D0%97%D0%B0%D0%BF%D1%83%D1%81%D0%BA" }, "Muha", MED,
	    F_CAMP, "m-запуск" },
	{ { NULL, NULL, "перезапуск" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, "ҚАЗАҚ_тест" }, "Arystan", MED, F_CAMP, "x15" },
	{ { NULL, NULL, "on+ai" }, "Muha", MED, F_CAMP, "m-on ai" },
	{ { NULL, NULL, "On AI" }, "Muha", MED, F_CAMP, "m-on ai" },
	{ { NULL, NULL, "on%20ai" }, "Muha", MED, F_CAMP, "m-on ai" },
	/* Overlaps: proftest (8) outranks onai (4); the original said Muha. */
	{ { NULL, NULL, "proftest_onai" }, "Traf4", MED, F_CAMP, "t-proftest" },
	{ { NULL, NULL, "pb_agency" }, "Kenesary", MED, F_CAMP, "k-pb_agency" },
	{ { "pb_agency" }, "Kenesary", MED, F_SRC, "k-pb_agency" },
	{ { NULL, NULL, "kenes" }, "Kenesary", MED, F_CAMP, "k-kenes" },
	{ { NULL, NULL, "kenesary_jan" }, "Kenesary", MED, F_CAMP,
	    "k-kenesary" },
	/* Each remaining seed pattern once. */
	{ { NULL, NULL, "nutcab" }, "Kenesary", MED, F_CAMP, "k-nutcab" },
	{ { NULL, NULL, "1day_sale" }, "Kenesary", MED, F_CAMP, "k-1day" },
	{ { NULL, NULL, "KAB3" }, "Kenesary", MED, F_CAMP, "k-kab3" },
	{ { NULL, NULL, "kenji_test" }, "Kenesary", MED, F_CAMP, "k-kenji" },
	{ { NULL, NULL, "nutrients" }, "Kenesary", MED, F_CAMP, "k-nutrients" },
	{ { NULL, NULL, "tripwire" }, "Kenesary", MED, F_CAMP, "k-tripwire" },
	{ { NULL, NULL, NULL, "muha_v2" }, "Muha", MED, F_CONT, "m-muha" },
	{ { NULL, "yourmarketolog" }, "Muha", MED, F_MED, "m-yourmarketolog" },
	{ { NULL, NULL, "maqtakyz" }, "Muha", MED, F_CAMP, "m-maqtakyz" },
	{ { NULL, NULL, "residence" }, "Muha", MED, F_CAMP, "m-residence" },
	{ { NULL, NULL, "yourteam_1" }, "Muha", MED, F_CAMP, "m-yourteam" },
	{ { NULL, NULL, "traf4_test" }, "Traf4", MED, F_CAMP, "t-traf4" },
	{ { NULL, NULL, "smmmcwin" }, "Traf4", MED, F_CAMP, "t-smmmcwin" },
	{ { NULL, NULL, NULL, NULL, "tima" }, "Muha", MED, F_TERM, "m-tima" },
	/* Field order: source, campaign, content, medium, term. */
	{ { "alex_fb", NULL, "pb_agency" }, "Traf4", MED, F_SRC, "t-alex" },
	{ { "kenji", NULL, "high_prio" }, "Kenesary", MED, F_SRC, "k-kenji" },
	{ { NULL, NULL, "high_prio" }, "Muha", MED, F_CAMP, "x16" },
	{ { NULL, NULL, "muha", "kenji" }, "Muha", MED, F_CAMP, "m-muha" },
	{ { NULL, "muha", NULL, "kenji" }, "Kenesary", MED, F_CONT, "k-kenji" },
	{ { NULL, "alex", NULL, NULL, "tima" }, "Traf4", MED, F_MED, "t-alex" },
	{ { "google", NULL, "tripwire" }, "Kenesary", MED, F_CAMP,
	    "k-tripwire" },
	{ { "unknown", "cpc", "brand", "ad1", "kw" }, NULL, LOW, F_NONE, NULL },
	/* Within a field: priority, length, position, name, rule id. */
	{ { NULL, NULL, "promo_kz" }, "Traf4", MED, F_CAMP, "x5" },
	{ { NULL, NULL, "superpromo" }, "Kenesary", MED, F_CAMP, "x4" },
	{ { NULL, NULL, "winter_sale_2" }, "Muha", MED, F_CAMP, "x7" },
	{ { NULL, NULL, "winter_2025" }, "Arystan", MED, F_CAMP, "x6" },
	{ { NULL, NULL, NULL, "spring" }, "Arystan", MED, F_CONT, "x8" },
	{ { NULL, NULL, NULL, "Summer" }, "Alpha", MED, F_CONT, "x10" },
	{ { NULL, NULL, NULL, "night_owl" }, "Alpha", MED, F_CONT, "x12" },
	{ { NULL, NULL, NULL, "nightowl" }, "Alpha", MED, F_CONT, "x13" },
	/* Kinds and field masks. */
	{ { NULL, NULL, "Astana" }, "Arystan", MED, F_CAMP, "x1" },
	{ { NULL, NULL, "astana_2" }, NULL, LOW, F_NONE, NULL },
	{ { "astana" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, NULL, "LeadGen_1" }, "Muha", MED, F_CONT, "x2" },
	{ { NULL, NULL, NULL, "my_leadgen" }, NULL, LOW, F_NONE, NULL },
	{ { NULL, NULL, NULL, NULL, "abcXYZdef" }, "Traf4", MED, F_TERM, "x3" },
	{ { NULL, NULL, "abcxyzdef" }, NULL, LOW, F_NONE, NULL },
	{ { "echo_only" }, NULL, LOW, F_NONE, NULL },
	/* Nothing to go on. */
	{ { NULL }, NULL, LOW, F_NONE, NULL },
	{ { "", "", "", "", "" }, NULL, LOW, F_NONE, NULL },
	{ { "   ", "\xc2\xa0" }, NULL, LOW, F_NONE, NULL },
	{ { "+" }, NULL, LOW, F_NONE, NULL },
};

/* One pattern against one value, on a set with that single rule. */
struct kcase {
	enum attr_kind kind;
	const char *pattern;
	const char *value;
	int want;
};

static const struct kcase kcases[] = {
	{ ATTR_KIND_TOKEN, "tima", "fb_tima", 1 },
	{ ATTR_KIND_TOKEN, "tima", "tima-2", 1 },
	{ ATTR_KIND_TOKEN, "tima", "Tima", 1 },
	{ ATTR_KIND_TOKEN, "tima", "ultimate", 0 },
	{ ATTR_KIND_TOKEN, "tima", "estimate", 0 },
	{ ATTR_KIND_TOKEN, "tima", "ultimate_tima", 1 },
	{ ATTR_KIND_TOKEN, "tima", "éTima", 0 },
	{ ATTR_KIND_TOKEN, "tima", "tima🚀", 1 },
	{ ATTR_KIND_TOKEN, "tima", "x\xc2\xa0tima", 1 },
	{ ATTR_KIND_TOKEN, "tima", "\xfftima\xff", 1 },
	{ ATTR_KIND_TOKEN, "alex", "alexa", 0 },
	{ ATTR_KIND_TOKEN, "alex", "alex_FB", 1 },
	{ ATTR_KIND_TOKEN, "alex", "alex inst", 1 },
	{ ATTR_KIND_TOKEN, "ar_", "ar_almaty", 1 },
	{ ATTR_KIND_TOKEN, "ar_", "webinar_1", 0 },
	{ ATTR_KIND_TOKEN, "ar_", "seminar_x", 0 },
	{ ATTR_KIND_TOKEN, "ar_", "x-ar_y", 1 },
	{ ATTR_KIND_TOKEN, "3-1", "arystan_3-1", 1 },
	{ ATTR_KIND_TOKEN, "3-1", "2023-11", 0 },
	{ ATTR_KIND_TOKEN, "3-1", "13-10", 0 },
	{ ATTR_KIND_TOKEN, "3-1", "3-1", 1 },
	{ ATTR_KIND_TOKEN, "rm almaty", "RM Almaty", 1 },
	{ ATTR_KIND_TOKEN, "rm almaty", "rm almaty 2", 1 },
	{ ATTR_KIND_TOKEN, "rm almaty", "rm_almaty", 0 },
	{ ATTR_KIND_TOKEN, "rm_almaty", "RM_Almaty", 1 },
	{ ATTR_KIND_TOKEN, "rm_almaty", "rm almaty", 0 },
	{ ATTR_KIND_TOKEN, "запуск", "Запуск_весна", 1 },
	{ ATTR_KIND_TOKEN, "запуск", "ЗАПУСК", 1 },
	{ ATTR_KIND_TOKEN, "запуск", "перезапуск", 0 },
	{ ATTR_KIND_TOKEN, "запуск", "запуски", 0 },
	{ ATTR_KIND_TOKEN, "Қазақ", "ҚАЗАҚстан", 0 },
	{ ATTR_KIND_TOKEN, "on ai", "on+ai", 1 },
	{ ATTR_KIND_TOKEN, "on ai", "On AI", 1 },
	{ ATTR_KIND_TOKEN, "on ai", "onai", 0 },
	{ ATTR_KIND_TOKEN, "on+ai", "ON AI 2", 1 },
	{ ATTR_KIND_TOKEN, "_x", "a_x", 1 },
	{ ATTR_KIND_TOKEN, "_x", "a_xy", 0 },
	{ ATTR_KIND_TOKEN, "-", "a-b", 1 },
	{ ATTR_KIND_TOKEN, "kenes", "kenesary", 0 },
	/* Digits next to a letter edge are a boundary (issue 24)... */
	{ ATTR_KIND_TOKEN, "proftest", "proftest2", 1 },
	{ ATTR_KIND_TOKEN, "kenes", "kenes2025_retarget", 1 },
	{ ATTR_KIND_TOKEN, "muha", "2025muha", 1 },
	{ ATTR_KIND_TOKEN, "tripwire", "tripwire2024", 1 },
	{ ATTR_KIND_TOKEN, "tima", "tima2", 1 },
	{ ATTR_KIND_TOKEN, "запуск", "2025запуск", 1 },
	{ ATTR_KIND_TOKEN, "ar_", "2025ar_x", 1 },
	/* ...letters never are... */
	{ ATTR_KIND_TOKEN, "alex", "alexa", 0 },
	{ ATTR_KIND_TOKEN, "alex", "alexinst", 0 },
	{ ATTR_KIND_TOKEN, "tima", "optima", 0 },
	{ ATTR_KIND_TOKEN, "tima", "optima2", 0 },
	{ ATTR_KIND_TOKEN, "ar_", "webinar_", 0 },
	{ ATTR_KIND_TOKEN, "ar_", "webinar_2025", 0 },
	{ ATTR_KIND_TOKEN, "kenji", "kenjifb", 0 },
	{ ATTR_KIND_TOKEN, "arystan", "fbarystan", 0 },
	{ ATTR_KIND_TOKEN, "1day", "x1day", 0 },
	{ ATTR_KIND_TOKEN, "1day", "1days", 0 },
	/* ...and digits are none next to a digit edge. */
	{ ATTR_KIND_TOKEN, "1day", "21day", 0 },
	{ ATTR_KIND_TOKEN, "1day", "2021day", 0 },
	{ ATTR_KIND_TOKEN, "1day", "21day_1day", 1 },
	{ ATTR_KIND_TOKEN, "kab3", "kab35", 0 },
	{ ATTR_KIND_TOKEN, "kab3", "kab3_x", 1 },
	{ ATTR_KIND_TOKEN, "3-1", "3-10", 0 },
	{ ATTR_KIND_TOKEN, "3-1", "23-1", 0 },
	{ ATTR_KIND_TOKEN, "3-1", "x_3-1_y", 1 },
	{ ATTR_KIND_TOKEN, "kab3", "KAB3", 1 },
	/* Other kinds do not care about boundaries. */
	{ ATTR_KIND_CONTAINS, "1day", "21day", 1 },
	{ ATTR_KIND_PREFIX, "tima", "tima2", 1 },
	{ ATTR_KIND_EXACT, "kenjifb", "KenjiFB", 1 },
	{ ATTR_KIND_EXACT, "kenjifb", "kenjifb2", 0 },
	{ ATTR_KIND_EXACT, "astana", "Astana", 1 },
	{ ATTR_KIND_EXACT, "astana", " astana\xc2\xa0", 1 },
	{ ATTR_KIND_EXACT, "astana", "astana_2", 0 },
	{ ATTR_KIND_EXACT, "astana", "astan", 0 },
	{ ATTR_KIND_PREFIX, "lead", "LeadGen", 1 },
	{ ATTR_KIND_PREFIX, "lead", "my_lead", 0 },
	{ ATTR_KIND_PREFIX, "lead", "lea", 0 },
	{ ATTR_KIND_CONTAINS, "xyz", "abcXYZdef", 1 },
	{ ATTR_KIND_CONTAINS, "xyz", "xy z", 0 },
	{ ATTR_KIND_CONTAINS, "tima", "ultimate", 1 },
};

/* Adds teams[] and rules[0..nrules) in the order perm gives (NULL: as is). */
static enum err
build(struct attr_set *set, const size_t *tperm, size_t nrules,
    const size_t *rperm)
{
	size_t i;
	enum err rc = ERR_OK;

	attr_set_init(set);
	for (i = 0; i < NELEM(teams) && rc == ERR_OK; i++) {
		const struct team_def *t = &teams[tperm ? tperm[i] : i];

		rc = attr_set_add_team(set, t->id, t->name, t->utm_source,
		    t->emoji, t->position);
	}
	for (i = 0; i < nrules && rc == ERR_OK; i++) {
		const struct rule_def *r = &rules[rperm ? rperm[i] : i];

		rc = attr_set_add_rule(set, r->id, r->team_id, r->pattern,
		    r->kind, r->fields, r->priority, r->enabled);
	}
	return rc;
}

/* Checks every case of cases[] against set; label names the set. */
static void
run_cases(const struct attr_set *set, const char *label)
{
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		const struct mcase *c = &cases[i];
		struct attr_utm utm;
		struct attr_result res;
		enum err rc;
		int good;

		memcpy(utm.v, c->utm, sizeof(utm.v));
		rc = attr_match(set, &utm, &res);
		good = rc == ERR_OK &&
		    ((res.team_name == NULL && c->team == NULL) ||
		        (res.team_name != NULL && c->team != NULL &&
		            strcmp(res.team_name, c->team) == 0)) &&
		    res.conf == c->conf && res.field == c->field &&
		    ((res.rule == NULL && c->rule == NULL) ||
		        (res.rule != NULL && c->rule != NULL &&
		            strcmp(res.rule->id, c->rule) == 0)) &&
		    (res.team == NULL) == (res.team_id == NULL) &&
		    (c->field == F_NONE ? res.value == NULL
		                        : res.value == c->utm[c->field]);
		if (!ok(good, "%s: case %zu (%s|%s|%s|%s|%s) -> %s %s", label,
		        i, c->utm[0] ? c->utm[0] : "-",
		        c->utm[1] ? c->utm[1] : "-",
		        c->utm[2] ? c->utm[2] : "-",
		        c->utm[3] ? c->utm[3] : "-",
		        c->utm[4] ? c->utm[4] : "-", c->team ? c->team : "none",
		        attr_conf_name(c->conf)))
			diag("  got rc %s, team %s, %s, field %s, rule %s",
			    err_name(rc),
			    res.team_name ? res.team_name : "none",
			    attr_conf_name(res.conf),
			    attr_field_name(res.field),
			    res.rule ? res.rule->id : "none");
	}
}

/* Returns a permutation of 0..n-1 from a fixed-seed LCG shuffle. */
static void
shuffle(size_t *perm, size_t n, unsigned long seed)
{
	size_t i, j, tmp;

	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n; i > 1; i--) {
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		j = (size_t)(seed >> 33) % i;
		tmp = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
}

static void
test_kinds(void)
{
	size_t i;

	for (i = 0; i < NELEM(kcases); i++) {
		const struct kcase *k = &kcases[i];
		struct attr_set set;
		struct attr_utm utm = { { NULL } };
		struct attr_result res;
		enum err rc;

		attr_set_init(&set);
		rc = attr_set_add_team(&set, "t", "T", NULL, NULL, 1);
		if (rc == ERR_OK)
			rc = attr_set_add_rule(&set, "r", "t", k->pattern,
			    k->kind, ATTR_FIELDS_ALL, 0, 1);
		utm.v[ATTR_FIELD_CAMPAIGN] = k->value;
		if (rc == ERR_OK)
			rc = attr_match(&set, &utm, &res);
		ok(rc == ERR_OK && (res.team != NULL) == k->want,
		    "%s '%s' %s '%s'", attr_kind_name(k->kind), k->pattern,
		    k->want ? "matches" : "does not match", k->value);
		attr_set_free(&set);
	}
}

/* Opens $srcdir/docs/attribution.md, else ./docs/attribution.md. */
static FILE *
docs_open(void)
{
	const char *s = getenv("srcdir");
	char path[4096];

	snprintf(path, sizeof(path), "%s/docs/attribution.md",
	    s != NULL && *s != '\0' ? s : ".");
	return fopen(path, "r");
}

/*
 * Copies the text between the first pair of backticks of cell into out
 * (size n); returns 0 if there is none.
 */
static int
cell_code(const char *cell, char *out, size_t n)
{
	const char *a = strchr(cell, '`'), *b;

	if (a == NULL || (b = strchr(a + 1, '`')) == NULL ||
	    (size_t)(b - a - 1) >= n)
		return 0;
	memcpy(out, a + 1, (size_t)(b - a - 1));
	out[b - a - 1] = '\0';
	return 1;
}

/*
 * Every row of docs/attribution.md's boundary table ("| `pattern` |
 * `value` | yes/no | why |" between the boundary-table comments) is a
 * case: a token rule with that pattern must (not) match the value.
 */
static void
test_docs_table(void)
{
	char line[1024], pat[256], val[256];
	FILE *fp = docs_open();
	int in = 0, rows = 0, bad = 0;

	if (!ok(fp != NULL, "docs/attribution.md opens"))
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *c1, *c2, *c3;
		struct attr_set set;
		struct attr_utm utm = { { NULL } };
		struct attr_result res;
		int want;
		enum err rc;

		if (strstr(line, "<!-- boundary-table -->") != NULL) {
			in = 1;
			continue;
		}
		if (strstr(line, "<!-- /boundary-table -->") != NULL)
			break;
		if (!in || line[0] != '|' || strstr(line, "|---") != NULL ||
		    strncmp(line, "| Pattern", 9) == 0)
			continue;
		c1 = line + 1;
		if ((c2 = strchr(c1, '|')) == NULL ||
		    (c3 = strchr(c2 + 1, '|')) == NULL ||
		    !cell_code(c1, pat, sizeof(pat)) ||
		    !cell_code(c2 + 1, val, sizeof(val))) {
			bad++;
			continue;
		}
		want = strncmp(c3 + 1, " yes", 4) == 0;
		if (!want && strncmp(c3 + 1, " no", 3) != 0) {
			bad++;
			continue;
		}
		rows++;
		attr_set_init(&set);
		rc = attr_set_add_team(&set, "t", "T", NULL, NULL, 1);
		if (rc == ERR_OK)
			rc = attr_set_add_rule(&set, "r", "t", pat,
			    ATTR_KIND_TOKEN, ATTR_FIELDS_ALL, 0, 1);
		utm.v[ATTR_FIELD_CAMPAIGN] = val;
		if (rc == ERR_OK)
			rc = attr_match(&set, &utm, &res);
		ok(rc == ERR_OK && (res.team != NULL) == want,
		    "docs table: token '%s' %s '%s'", pat,
		    want ? "matches" : "does not match", val);
		attr_set_free(&set);
	}
	fclose(fp);
	ok(rows >= 40 && bad == 0, "docs table: %d rows read, %d malformed",
	    rows, bad);
}

/* One value in one field and the near misses expected, as "rule:why,...". */
struct ncase {
	enum attr_field field;
	const char *value;
	const char *want;
};

static const struct ncase ncases[] = {
	{ ATTR_FIELD_SOURCE, "alexa", "t-alex:boundary" },
	{ ATTR_FIELD_SOURCE, "kenjifb", "n-kenjifb:matches,k-kenji:boundary" },
	{ ATTR_FIELD_SOURCE, "kenjifb2", "n-kenjifb:kind,k-kenji:boundary" },
	{ ATTR_FIELD_SOURCE, "KenjiFB", "n-kenjifb:matches,k-kenji:boundary" },
	{ ATTR_FIELD_CAMPAIGN, "kenjifb", "n-kenjifb:field,k-kenji:boundary" },
	{ ATTR_FIELD_SOURCE, "alex-inst",
	    "n-alexinst:separators,t-alex:matches" },
	{ ATTR_FIELD_CAMPAIGN, "optima", "m-tima:boundary" },
	{ ATTR_FIELD_CAMPAIGN, "21day", "k-1day:boundary" },
	{ ATTR_FIELD_CAMPAIGN, "webinar_1", "a-ar_:boundary" },
	{ ATTR_FIELD_CAMPAIGN, "rm-almaty",
	    "a-rm almaty:separators,a-rm_almaty:separators" },
	{ ATTR_FIELD_SOURCE, "google", "" },
	{ ATTR_FIELD_SOURCE, "", "" },
};

/* Near misses on the seed set and two exact source rules of 052. */
static void
test_near_misses(void)
{
	struct attr_set set;
	struct attr_nears nm;
	char got[512], label[128];
	size_t i, j;
	int built;

	built = build(&set, NULL, NSEED, NULL) == ERR_OK &&
	    attr_set_add_rule(&set, "n-kenjifb", "uuid-kenesary", "kenjifb",
	        ATTR_KIND_EXACT, SRC, 0, 1) == ERR_OK &&
	    attr_set_add_rule(&set, "n-alexinst", "uuid-traf4", "alexinst",
	        ATTR_KIND_EXACT, SRC, 0, 1) == ERR_OK;
	ok(built, "near misses: set builds");
	for (i = 0; i < NELEM(ncases); i++) {
		const struct ncase *c = &ncases[i];
		size_t len = 0;

		got[0] = '\0';
		if (!ok(attr_near_misses(&set, c->field, c->value, 0, &nm) ==
		            ERR_OK,
		        "near misses of '%s' found", c->value))
			continue;
		for (j = 0; j < nm.n && len < sizeof(got); j++)
			len += (size_t)snprintf(got + len, sizeof(got) - len,
			    "%s%s:%s", j ? "," : "", nm.items[j].rule->id,
			    attr_miss_name(nm.items[j].why));
		snprintf(label, sizeof(label), "near misses of '%s' in %s",
		    c->value, attr_field_name(c->field));
		is_str(got, c->want, label);
		attr_nears_free(&nm);
	}
	ok(attr_near_misses(&set, ATTR_FIELD_SOURCE, "kenjifb2", 1, &nm) ==
	            ERR_OK &&
	        nm.n == 1,
	    "near misses: max 1 gives one");
	attr_nears_free(&nm);
	attr_nears_free(NULL);
	is_str(attr_miss_name(ATTR_MISS__MAX), "?", "miss name out of range");
	attr_set_free(&set);
}

/* Finds the entry for value in field; NULL if none. */
static const struct attr_conflict *
conflict_get(const struct attr_conflicts *c, const char *value,
    enum attr_field f)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->items[i].value, value) == 0 &&
		    c->items[i].field == f)
			return &c->items[i];
	return NULL;
}

/* Does the entry list a rule with this id? */
static int
conflict_has(const struct attr_conflict *c, const char *rule)
{
	size_t i;

	for (i = 0; c != NULL && i < c->nrules; i++)
		if (strcmp(c->rules[i]->id, rule) == 0)
			return 1;
	return 0;
}

static void
test_conflicts(void)
{
	struct attr_set set;
	struct attr_conflicts c;
	const struct attr_conflict *e;
	size_t i, j;
	int sane = 1, seedonly = 1;

	ok(build(&set, NULL, NSEED, NULL) == ERR_OK, "seed set builds");
	ok(attr_conflicts_find(&set, &c) == ERR_OK, "seed conflicts found");
	diag("%zu seed conflict entries", c.n);
	for (i = 0; i < ATTR_FIELD__MAX; i++) {
		e = conflict_get(&c, "pb_agency", (enum attr_field)i);
		ok(e != NULL && e->nrules == 2 &&
		        conflict_has(e, "k-pb_agency") &&
		        conflict_has(e, "t-pb_agency") && e->winner != NULL &&
		        strcmp(e->winner->name, "Kenesary") == 0 &&
		        e->win_rule != NULL &&
		        strcmp(e->win_rule->id, "k-pb_agency") == 0,
		    "pb_agency in %s: Kenesary and Traf4, Kenesary wins",
		    attr_field_name((enum attr_field)i));
	}
	e = conflict_get(&c, "x_pb_agency", ATTR_FIELD_TERM);
	ok(e != NULL && strcmp(e->winner->name, "Kenesary") == 0,
	    "x_pb_agency in term is a conflict too");
	for (i = 0; i < c.n; i++) {
		const struct attr_conflict *x = &c.items[i];
		int other = 0;

		for (j = 1; j < x->nrules; j++)
			other |= x->rules[j]->team != x->rules[0]->team;
		if (!other || x->winner != x->rules[0]->team ||
		    (i > 0 && strcmp(c.items[i - 1].value, x->value) > 0) ||
		    (i > 0 && strcmp(c.items[i - 1].value, x->value) == 0 &&
		        c.items[i - 1].field >= x->field))
			sane = 0;
		if (strstr(x->value, "pb_agency") == NULL) {
			seedonly = 0;
			diag("  unexpected conflict '%s' in %s", x->value,
			    attr_field_name(x->field));
		}
		if (strstr(x->value, "kenes") != NULL)
			seedonly = 0;
	}
	ok(sane, "entries: two teams each, winner first, sorted, unique");
	ok(seedonly, "seed: only pb_agency, kenes/kenesary is no conflict");
	ok(conflict_get(&c, "kenes", ATTR_FIELD_SOURCE) == NULL &&
	        conflict_get(&c, "kenesary", ATTR_FIELD_SOURCE) == NULL,
	    "kenes and kenesary (one team) are not a conflict");
	attr_conflicts_free(&c);
	attr_set_free(&set);

	ok(build(&set, NULL, NELEM(rules), NULL) == ERR_OK, "full set builds");
	ok(attr_conflicts_find(&set, &c) == ERR_OK, "full conflicts found");
	e = conflict_get(&c, "promo", ATTR_FIELD_CAMPAIGN);
	ok(e != NULL && e->nrules == 2 && strcmp(e->winner->name, "Traf4") == 0,
	    "promo: priority 5 token beats priority 1 contains");
	ok(conflict_get(&c, "promo", ATTR_FIELD_SOURCE) == NULL,
	    "promo: no conflict in fields the rules do not look at");
	e = conflict_get(&c, "spring", ATTR_FIELD_CONTENT);
	ok(e != NULL && strcmp(e->winner->name, "Arystan") == 0,
	    "spring: Arystan by position");
	e = conflict_get(&c, "summer", ATTR_FIELD_CONTENT);
	ok(e != NULL && strcmp(e->winner->name, "Alpha") == 0,
	    "summer: Alpha by name");
	e = conflict_get(&c, "winter_sale", ATTR_FIELD_CAMPAIGN);
	ok(e != NULL && strcmp(e->winner->name, "Muha") == 0 &&
	        conflict_has(e, "x6") && conflict_has(e, "x7"),
	    "winter_sale: Muha by length, Arystan's winter listed");
	ok(conflict_get(&c, "night", ATTR_FIELD_CONTENT) == NULL,
	    "night: two rules of one team are no conflict");
	ok(conflict_get(&c, "echo_only", ATTR_FIELD_SOURCE) == NULL,
	    "disabled rules are ignored");
	attr_conflicts_free(&c);
	attr_set_free(&set);
	attr_conflicts_free(NULL);
}

struct norm_case {
	const char *in;
	const char *want;
};

static const struct norm_case norm_cases[] = {
	{ NULL, "" },
	{ "on+ai", "on ai" },
	{ "%D0%97%D0%B0%D0%BF%D1%83%D1%81%D0%BA", "запуск" },
	{ "%d0%97%d0%b0", "за" },
	{ "100%25", "100%" },
	{ "%2B1", "+1" },
	{ "a%00b", "a%00b" },
	{ "%zz+X", "%zz x" },
	{ "50%ab", "50%ab" }, /* decoding would give invalid UTF-8 */
	{ "50%", "50%" },
	{ "+Tima+", "tima" },
	{ "%20Kenji%20", "kenji" },
};

static void
test_api(void)
{
	struct attr_set set;
	enum attr_kind k;
	enum attr_field f;
	enum attr_conf cf;
	unsigned m;
	size_t i;

	for (i = 0; i < NELEM(norm_cases); i++) {
		char *out = NULL;
		char label[128];

		snprintf(label, sizeof(label), "norm(%s)",
		    norm_cases[i].in ? norm_cases[i].in : "NULL");
		ok(attr_norm(norm_cases[i].in, &out) == ERR_OK, "%s ok", label);
		is_str(out, norm_cases[i].want, label);
		free(out);
	}

	attr_set_init(&set);
	ok(attr_set_add_team(&set, "t1", "Team", "src", NULL, 1) == ERR_OK,
	    "add team");
	ok(attr_set_add_team(&set, "t1", "Other", NULL, NULL, 2) ==
	        ERR_CONFLICT,
	    "duplicate team id: ERR_CONFLICT");
	ok(attr_set_add_team(&set, "", "X", NULL, NULL, 2) == ERR_VALIDATION,
	    "empty team id: ERR_VALIDATION");
	ok(attr_set_add_team(&set, "t2", NULL, NULL, NULL, 2) == ERR_VALIDATION,
	    "NULL team name: ERR_VALIDATION");
	ok(attr_set_add_team(&set, "t2", " + ", NULL, NULL, 2) ==
	        ERR_VALIDATION,
	    "blank team name: ERR_VALIDATION");
	ok(attr_set_add_rule(&set, "r1", "t1", "x", ATTR_KIND_TOKEN, 0, 0, 1) ==
	        ERR_OK,
	    "add rule");
	ok(set.rules[0]->fields == ATTR_FIELDS_ALL, "fields 0 means all");
	ok(attr_set_add_rule(&set, "r1", "t1", "y", ATTR_KIND_TOKEN, 0, 0, 1) ==
	        ERR_CONFLICT,
	    "duplicate rule id: ERR_CONFLICT");
	ok(attr_set_add_rule(&set, "r2", "nope", "y", ATTR_KIND_TOKEN, 0, 0,
	       1) == ERR_NOTFOUND,
	    "unknown team: ERR_NOTFOUND");
	ok(attr_set_add_rule(&set, "r2", NULL, "y", ATTR_KIND_TOKEN, 0, 0, 1) ==
	        ERR_NOTFOUND,
	    "NULL team: ERR_NOTFOUND");
	ok(attr_set_add_rule(&set, "r2", "t1", " \xc2\xa0+", ATTR_KIND_TOKEN, 0,
	       0, 1) == ERR_VALIDATION,
	    "blank pattern: ERR_VALIDATION");
	ok(attr_set_add_rule(&set, "r2", "t1", NULL, ATTR_KIND_TOKEN, 0, 0,
	       1) == ERR_VALIDATION,
	    "NULL pattern: ERR_VALIDATION");
	ok(attr_set_add_rule(&set, "r2", "t1", "y", ATTR_KIND__MAX, 0, 0, 1) ==
	        ERR_VALIDATION,
	    "bad kind: ERR_VALIDATION");
	ok(attr_set_add_rule(&set, "r2", "t1", "y", ATTR_KIND_TOKEN, 1u << 7, 0,
	       1) == ERR_VALIDATION,
	    "bad fields: ERR_VALIDATION");
	ok(attr_set_add_rule(&set, "", "t1", "y", ATTR_KIND_TOKEN, 0, 0, 1) ==
	        ERR_VALIDATION,
	    "empty rule id: ERR_VALIDATION");
	ok(set.nteams == 1 && set.nrules == 1, "failed adds change nothing");
	ok(attr_set_team(&set, "t1") == set.teams[0] &&
	        attr_set_team(&set, "t9") == NULL &&
	        attr_set_team(&set, NULL) == NULL,
	    "attr_set_team");
	{
		struct attr_result res;

		ok(attr_match(&set, NULL, &res) == ERR_OK && res.team == NULL &&
		        res.conf == ATTR_CONF_LOW && res.field == F_NONE &&
		        res.value == NULL && res.team_name == NULL,
		    "NULL utm: low, no team");
	}
	attr_set_free(&set);
	attr_set_free(&set);
	attr_set_free(NULL);
	ok(1, "free twice and free(NULL)");

	ok(attr_kind_parse("TOKEN", &k) == ERR_OK && k == ATTR_KIND_TOKEN,
	    "kind parse TOKEN");
	ok(attr_kind_parse("exact", &k) == ERR_OK && k == ATTR_KIND_EXACT,
	    "kind parse exact");
	ok(attr_kind_parse("Contains", &k) == ERR_OK && k == ATTR_KIND_CONTAINS,
	    "kind parse Contains");
	ok(attr_kind_parse(NULL, &k) == ERR_OK && k == ATTR_KIND_TOKEN,
	    "kind parse NULL is token");
	ok(attr_kind_parse("", &k) == ERR_OK && k == ATTR_KIND_TOKEN,
	    "kind parse empty is token");
	ok(attr_kind_parse("regex", &k) == ERR_VALIDATION,
	    "kind parse regex fails");
	ok(attr_kind_parse("tokens", &k) == ERR_VALIDATION,
	    "kind parse tokens fails");
	is_str(attr_kind_name(ATTR_KIND_PREFIX), "prefix", "kind name");
	is_str(attr_kind_name(ATTR_KIND__MAX), "?", "kind name out of range");
	ok(attr_field_parse("Campaign", &f) == ERR_OK &&
	        f == ATTR_FIELD_CAMPAIGN,
	    "field parse");
	ok(attr_field_parse("utm_source", &f) == ERR_VALIDATION,
	    "field parse utm_source fails");
	ok(attr_field_parse(NULL, &f) == ERR_VALIDATION,
	    "field parse NULL fails");
	is_str(attr_field_name(ATTR_FIELD_TERM), "term", "field name");
	ok(attr_conf_parse("HIGH", &cf) == ERR_OK && cf == ATTR_CONF_HIGH,
	    "conf parse");
	ok(attr_conf_parse("maybe", &cf) == ERR_VALIDATION, "conf parse fails");
	is_str(attr_conf_name(ATTR_CONF_MEDIUM), "medium", "conf name");
	is_str(attr_conf_name(ATTR_CONF__MAX), "?", "conf name out of range");
	ok(attr_fields_parse(NULL, &m) == ERR_OK && m == ATTR_FIELDS_ALL,
	    "fields parse NULL");
	ok(attr_fields_parse("ALL", &m) == ERR_OK && m == ATTR_FIELDS_ALL,
	    "fields parse ALL");
	ok(attr_fields_parse(" source , Campaign", &m) == ERR_OK &&
	        m == (SRC | CAMP),
	    "fields parse list");
	ok(attr_fields_parse("term", &m) == ERR_OK && m == TERM,
	    "fields parse one");
	ok(attr_fields_parse("source,,term", &m) == ERR_VALIDATION && m == 0,
	    "fields parse empty name fails");
	ok(attr_fields_parse("source,", &m) == ERR_VALIDATION,
	    "fields parse trailing comma fails");
	ok(attr_fields_parse("source,foo", &m) == ERR_VALIDATION,
	    "fields parse unknown fails");
}

int
main(void)
{
	struct attr_set fwd, rev, shuf, seed;
	size_t tperm[NELEM(teams)], rperm[NELEM(rules)];
	size_t i;
	char label[32];

	plan_lazy();

	ok(build(&fwd, NULL, NELEM(rules), NULL) == ERR_OK,
	    "set builds in seed order");
	run_cases(&fwd, "seed order");

	/* Determinism: reversed and shuffled insertion give the same. */
	for (i = 0; i < NELEM(teams); i++)
		tperm[i] = NELEM(teams) - 1 - i;
	for (i = 0; i < NELEM(rules); i++)
		rperm[i] = NELEM(rules) - 1 - i;
	ok(build(&rev, tperm, NELEM(rules), rperm) == ERR_OK,
	    "set builds in reverse order");
	run_cases(&rev, "reversed");
	for (i = 0; i < 3; i++) {
		shuffle(tperm, NELEM(teams), 7 + i);
		shuffle(rperm, NELEM(rules), 1000 + i);
		ok(build(&shuf, tperm, NELEM(rules), rperm) == ERR_OK,
		    "set builds shuffled (%zu)", i);
		snprintf(label, sizeof(label), "shuffled %zu", i);
		run_cases(&shuf, label);
		attr_set_free(&shuf);
	}
	{
		int same = fwd.nrules == rev.nrules;

		for (i = 0; same && i < fwd.nrules; i++)
			same = strcmp(fwd.rules[i]->id, rev.rules[i]->id) == 0;
		for (i = 0; same && i < fwd.nteams; i++)
			same = strcmp(fwd.teams[i]->id, rev.teams[i]->id) == 0;
		ok(same, "forward and reverse sets hold the same order");
	}

	/*
	 * Without priority 10, Kenesary's lower position still gives it
	 * pb_agency: priority and position agree on the seed's answer.
	 */
	{
		struct attr_utm utm = { { NULL, NULL, "pb_agency" } };
		struct attr_result res;

		attr_set_init(&seed);
		for (i = 0; i < 4; i++)
			attr_set_add_team(&seed, teams[i].id, teams[i].name,
			    teams[i].utm_source, teams[i].emoji,
			    teams[i].position);
		for (i = NSEED; i > 0; i--) {
			const struct rule_def *r = &rules[i - 1];

			attr_set_add_rule(&seed, r->id, r->team_id, r->pattern,
			    r->kind, r->fields, 0, r->enabled);
		}
		ok(seed.nrules == NSEED &&
		        attr_match(&seed, &utm, &res) == ERR_OK &&
		        res.team_name != NULL &&
		        strcmp(res.team_name, "Kenesary") == 0 &&
		        strcmp(res.rule->id, "k-pb_agency") == 0,
		    "pb_agency at equal priority: Kenesary by position");
		attr_set_free(&seed);
	}

	test_kinds();
	test_docs_table();
	test_near_misses();
	test_conflicts();
	test_api();
	attr_set_free(&fwd);
	attr_set_free(&rev);
	return exit_status();
}
