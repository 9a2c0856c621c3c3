/*
 * Unit tests for the one money parser (D4): every input path (webhook
 * price, flat JSON sale_amount, test notification) accepts exactly these.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/money.h"
#include "tap.h"

static const struct {
	const char *in;
	enum err rc;
	const char *out; /* as stored */
	int positive;
} cases[] = {
	{ "5000", ERR_OK, "5000", 1 },
	{ "5000.50", ERR_OK, "5000.50", 1 },
	{ "5000.5", ERR_OK, "5000.5", 1 },
	{ " 490000 ", ERR_OK, "490000", 1 },
	{ "\t7000\n", ERR_OK, "7000", 1 },
	{ "0", ERR_OK, "0", 0 },
	{ "0.00", ERR_OK, "0.00", 0 },
	{ "0.01", ERR_OK, "0.01", 1 },
	{ "9999999999999.99", ERR_OK, "9999999999999.99", 1 },
	{ "10000000000000", ERR_VALIDATION, NULL, 0 }, /* 14 digits */
	{ "1.234", ERR_VALIDATION, NULL, 0 },
	{ "1.2.3", ERR_VALIDATION, NULL, 0 },
	{ ".5", ERR_VALIDATION, NULL, 0 },
	{ "5.", ERR_VALIDATION, NULL, 0 },
	{ "5,000", ERR_VALIDATION, NULL, 0 },
	{ "5 000", ERR_VALIDATION, NULL, 0 },
	{ "-5", ERR_VALIDATION, NULL, 0 },
	{ "+5", ERR_VALIDATION, NULL, 0 },
	{ "1e3", ERR_VALIDATION, NULL, 0 },
	{ "0x10", ERR_VALIDATION, NULL, 0 },
	{ "abc", ERR_VALIDATION, NULL, 0 },
	{ "", ERR_VALIDATION, NULL, 0 },
	{ "   ", ERR_VALIDATION, NULL, 0 },
	{ "5000;DROP TABLE x", ERR_VALIDATION, NULL, 0 },
	{ "\xd9\xa5", ERR_VALIDATION, NULL, 0 }, /* Arabic-Indic five */
	{ NULL, ERR_VALIDATION, NULL, 0 },
};

/* money_cents() and money_whole(): whole tenge rounded half up. */
static const struct {
	const char *in;
	int ok;
	long long cents, whole;
} rounds[] = {
	{ "4952.5", 1, 495250, 4953 },
	{ "4952.50", 1, 495250, 4953 },
	{ "4952.49", 1, 495249, 4952 },
	{ "4954.5", 1, 495450, 4955 }, /* not to even */
	{ " 5000 ", 1, 500000, 5000 },
	{ "0.005", 1, 1, 0 },
	{ "0.5", 1, 50, 1 },
	{ "9999999999999.99", 1, 999999999999999, 10000000000000 },
	{ "12345678901234", 0, 0, 0 },
	{ "-5", 0, 0, 0 },
	{ "5,5", 0, 0, 0 },
	{ "5.", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ NULL, 0, 0, 0 },
};

int
main(void)
{
	const char *why;
	char *out;
	size_t i;
	enum err rc;

	plan_lazy();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in ? cases[i].in : "(null)";

		why = NULL;
		rc = money_parse(cases[i].in, &out, &why);
		ok(rc == cases[i].rc, "\"%s\": %s", in, err_name(cases[i].rc));
		if (cases[i].out != NULL) {
			is_str(out, cases[i].out, "stored as written, trimmed");
			ok(money_positive(out) == cases[i].positive,
			    "\"%s\" is%s above zero", in,
			    cases[i].positive ? "" : " not");
		} else {
			ok(out == NULL && why != NULL && *why != '\0',
			    "\"%s\": no copy, a reason", in);
		}
		free(out);
	}
	for (i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
		const char *in = rounds[i].in ? rounds[i].in : "(null)";
		long long c;

		ok(money_cents(rounds[i].in, &c) == rounds[i].ok &&
		        c == rounds[i].cents,
		    "\"%s\" is %lld tiyn", in, rounds[i].cents);
		ok(money_whole(c) == rounds[i].whole, "\"%s\" is %lld tenge",
		    in, rounds[i].whole);
	}
	return exit_status();
}
