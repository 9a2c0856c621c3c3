#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "amocrm/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Checks the model: leads in (action) order, each with an id, and
 * amo_lead_json() giving JSON that json-c reads back with the same id.
 */
static void
check(const struct amo_event *ev)
{
	struct json_object *o, *v;
	size_t i;
	char *s;

	for (i = 0; i < ev->nleads; i++) {
		if (ev->leads[i].id <= 0 ||
		    (unsigned)ev->leads[i].action >= AMO_ACTION__MAX ||
		    (i > 0 && ev->leads[i].action < ev->leads[i - 1].action))
			abort();
		if ((s = amo_lead_json(&ev->leads[i], ev)) == NULL)
			abort();
		if ((o = json_tokener_parse(s)) == NULL ||
		    !json_object_object_get_ex(o, "id", &v) ||
		    json_object_get_int64(v) != ev->leads[i].id)
			abort();
		json_object_put(o);
		free(s);
	}
}

static void
parse(const char *ct, const uint8_t *data, size_t size,
    const struct amo_opts *opts)
{
	struct amo_event ev;

	if (amo_parse(&ev, ct, (const char *)data, size, opts) == ERR_OK)
		check(&ev);
	else if (ev.nleads != 0 || ev.leads != NULL || ev.subdomain != NULL)
		abort();
	amo_event_free(&ev);
}

/*
 * Tries the input as both content types. The first byte also picks small
 * limits for one more run, so that the limit paths of the JSON flattener
 * are reached as well.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amo_opts opts;

	parse("application/x-www-form-urlencoded", data, size, NULL);
	parse("application/json", data, size, NULL);
	if (size > 0 && (data[0] & 1)) {
		amo_opts_default(&opts);
		opts.limits.max_pairs = 6;
		opts.limits.max_depth = 5;
		opts.limits.max_key = 32;
		opts.limits.max_value = 16;
		parse(data[0] == '{' ? "application/json" : NULL, data, size,
		    &opts);
	}
	return 0;
}
