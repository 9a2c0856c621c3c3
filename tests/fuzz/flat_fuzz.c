/*
 * Fuzz target for the original sales-webhook's flat JSON shape: JSON ->
 * form pairs -> one sale event (flat_event), or a clean rejection.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm/webhook.h"
#include "base/form.h"
#include "sales/flat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amo_event ev;
	struct form f;
	char *json;

	if (form_parse_json(&f, (const char *)data, size, NULL) != ERR_OK)
		return 0;
	if (flat_event(&f, &ev) == ERR_OK) {
		if (ev.nleads != 1 || ev.leads[0].id <= 0 ||
		    ev.leads[0].price == NULL)
			abort();
		if ((json = amo_lead_json(&ev.leads[0], &ev)) == NULL)
			abort();
		free(json);
		amo_event_free(&ev);
	} else if (ev.nleads != 0 || ev.leads != NULL) {
		abort();
	}
	form_free(&f);
	return 0;
}
