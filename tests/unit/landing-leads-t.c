/*
 * The pure parts of landing/leads: the array literals a sync hands to
 * PostgreSQL (any e-mail must arrive as one element, unchanged) and the
 * UUID check that keeps bad ids away from the database.
 */
#include <stdlib.h>
#include <string.h>

#include "landing/leads.h"
#include "tap.h"

struct key_case {
	const char *key;
	const char *want; /* the element as the literal holds it */
};

static const struct key_case key_cases[] = {
	{ "77475550011", "\"77475550011\"" },
	{ "user@example.kz", "\"user@example.kz\"" },
	{ "o\"brien@example.kz", "\"o\\\"brien@example.kz\"" },
	{ "back\\slash@example.kz", "\"back\\\\slash@example.kz\"" },
	{ "a,b@example.kz", "\"a,b@example.kz\"" },
	{ "{x}@example.kz", "\"{x}@example.kz\"" },
	{ "NULL", "\"NULL\"" }, /* quoted: a string, not SQL NULL */
	{ "", "\"\"" },
	{ "имя@почта.kz", "\"имя@почта.kz\"" },
};

struct uuid_case {
	const char *s;
	int want;
};

static const struct uuid_case uuid_cases[] = {
	{ "00000000-0000-4000-8000-000000000001", 1 },
	{ "5F0C1A2B-3C4D-4E5F-8A9B-0C1D2E3F4A5B", 1 },
	{ "00000000-0000-4000-8000-00000000000", 0 },
	{ "00000000-0000-4000-8000-0000000000012", 0 },
	{ "00000000x0000-4000-8000-000000000001", 0 },
	{ "0000000g-0000-4000-8000-000000000001", 0 },
	{ "not-a-uuid", 0 },
	{ "", 0 },
	{ "00000000-0000-4000-8000-00000000000'", 0 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
main(void)
{
	struct landing_keys k;
	struct buf want;
	size_t i;

	plan_lazy();
	for (i = 0; i < NELEM(key_cases); i++) {
		landing_keys_init(&k);
		landing_keys_add(&k, 7001, 8001, 1764000000, "email",
		    key_cases[i].key);
		ok(strcmp(buf_str(&k.key), key_cases[i].want) == 0,
		    "key element: %s -> %s", key_cases[i].key, buf_str(&k.key));
		landing_keys_free(&k);
	}

	/* Several rows: one comma between elements, columns in step. */
	landing_keys_init(&k);
	buf_init(&want);
	for (i = 0; i < NELEM(key_cases); i++) {
		landing_keys_add(&k, 7000 + (long long)i, 8000, 1764000000 + 1,
		    i % 2 ? "phone" : "email", key_cases[i].key);
		buf_adds(&want, i == 0 ? "" : ",");
		buf_adds(&want, key_cases[i].want);
	}
	ok(k.n == NELEM(key_cases), "%zu rows", k.n);
	is_str(buf_str(&k.key), buf_str(&want), "keys joined by commas");
	is_str(buf_str(&k.lead), "7000,7001,7002,7003,7004,7005,7006,7007,7008",
	    "lead ids");
	ok(strncmp(buf_str(&k.kind), "\"email\",\"phone\",\"email\"", 23) == 0,
	    "kinds quoted and in step");
	buf_free(&want);
	landing_keys_free(&k);

	for (i = 0; i < NELEM(uuid_cases); i++)
		ok(landing_is_uuid(uuid_cases[i].s) == uuid_cases[i].want,
		    "is_uuid(\"%s\") = %d", uuid_cases[i].s,
		    uuid_cases[i].want);
	ok(!landing_is_uuid(NULL), "is_uuid(NULL) = 0");
	return exit_status();
}
